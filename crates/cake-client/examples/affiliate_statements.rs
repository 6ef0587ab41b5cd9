//! Affiliate statements: for each affiliate of the month, its figures and its approved
//! conversions, page by page without holding them all.
//!
//! `CAKE_BASE_URL=... CAKE_API_KEY=... cargo run -p cake-client --example affiliate_statements`

#[path = "shared/mod.rs"]
mod common;

use cake_client::{types, Decimal};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), cake_client::Error> {
    let client = common::client_from_env();
    let (from, to) = (common::date("2026-01-01"), common::date("2026-01-31"));
    let affiliates = client
        .get_affiliate_report()
        .start_date(from)
        .end_date(to)
        .sort_field(types::AffiliateReportSortField::Payout)
        .sort_descending(true)
        .collect_all()
        .await?;
    for affiliate in affiliates.iter().take(5) {
        println!(
            "Statement for {} ({})",
            affiliate.affiliate_name, affiliate.affiliate_id
        );
        println!(
            "  clicks {}  conversions {}  rate {:.2}%  EPC {}",
            affiliate.clicks, affiliate.conversions, affiliate.conversion_rate, affiliate.epc
        );
        let mut conversions = client
            .get_conversions()
            .start_date(from)
            .end_date(to)
            .affiliate_id(affiliate.affiliate_id)
            .conversion_status(types::ConversionStatus::Approved)
            .stream();
        let (mut count, mut owed) = (0u64, Decimal::ZERO);
        while let Some(conversion) = conversions.try_next().await? {
            count += 1;
            owed += conversion.payout;
        }
        println!(
            "  approved conversions {count}, payout owed {owed:.2} (report says {:.2})\n",
            affiliate.payout
        );
    }
    Ok(())
}
