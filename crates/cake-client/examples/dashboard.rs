//! A dashboard pull: January's three reports, every row (the SDK pages), with exact totals.
//!
//! `CAKE_BASE_URL=... CAKE_API_KEY=... cargo run -p cake-client --example dashboard`

#[path = "shared/mod.rs"]
mod common;

use cake_client::{types, Decimal};

#[tokio::main]
async fn main() -> Result<(), cake_client::Error> {
    let client = common::client_from_env();
    let (from, to) = (common::date("2026-01-01"), common::date("2026-01-31"));

    let offers = client
        .get_offer_report()
        .start_date(from)
        .end_date(to)
        .sort_field(types::OfferReportSortField::Revenue)
        .sort_descending(true)
        .collect_all()
        .await?;
    let affiliates = client
        .get_affiliate_report()
        .start_date(from)
        .end_date(to)
        .collect_all()
        .await?;
    let advertisers = client
        .get_advertiser_report()
        .start_date(from)
        .end_date(to)
        .collect_all()
        .await?;

    println!(
        "{:<40} {:>8} {:>6} {:>12} {:>12}",
        "offer", "clicks", "conv", "revenue", "profit"
    );
    for o in offers.iter().take(10) {
        println!(
            "{:<40} {:>8} {:>6} {:>12.2} {:>12.2}",
            o.offer_name, o.clicks, o.conversions, o.revenue, o.profit
        );
    }
    // Money adds up exactly: Decimal, never f64.
    let revenue: Decimal = offers.iter().map(|o| o.revenue).sum();
    let payout: Decimal = affiliates.iter().map(|a| a.payout).sum();
    println!("\n{} offers, revenue {revenue:.2}", offers.len());
    println!("{} affiliates, payout {payout:.2}", affiliates.len());
    println!("{} advertisers", advertisers.len());
    Ok(())
}
