//! The built-in demo dataset, on which every sample request of CAKE's documentation returns the
//! documented sample figures, and (in `scaled`) a deterministic generator of large stores for
//! load tests.
//!
//! Nothing here is random at run time: the same call gives the same store, byte for byte, so
//! tests and benchmarks can state exact expectations. Every amount follows the samples' payout
//! rule of 18.00 payout and 22.00 revenue per conversion.
//!
//! How the samples' figures fit together (January 2026 unless said otherwise):
//! - Offer 12345 "Auto Insurance Quote - US" (advertiser 1021): 8420 clicks from 7930 distinct
//!   IPs and 312 conversions: 1 click from affiliate 67890 (the sample click), and 2900 + 2800 +
//!   2719 clicks with 110 + 104 + 98 conversions from affiliates 67891, 67892 and 67893, of which
//!   490 come back from an IP already seen. 312 x 18.00 = 5616.00 payout, 312 x 22.00 = 6864.00
//!   revenue, 1248.00 profit, 312 / 8420 = 3.71 %, 5616.00 / 8420 = 0.667 EPC.
//! - Affiliate 67890 "MediaBridge Partners": that 1 click plus 3209 clicks with 142 conversions
//!   on offer 12346: 3210 clicks, 142 conversions, 4.42 %, 2556.00 payout, 0.796 EPC. The other
//!   affiliates earn less, so it tops the report sorted by payout.
//! - Advertiser 1021 "Acme Financial Services": offers 12345 and 12346 (3209 + 871 clicks, 142 +
//!   33 conversions): 12500 clicks, 487 conversions, 487 x 22.00 = 10714.00 revenue.
//! - Offer 12345 leads the Offer Report sorted by conversions (12346 has 175, 22001 has 96).
//! - Click `a1b2c3d4-e5f6-7890-abcd-ef1234567890` (2026-01-15 09:42:11) is affiliate 67890's only
//!   click on offer 12345 in January; it converted on 2026-06-19 14:30:00 as conversion 998877
//!   with `unique_id` ORD-98765, so the sample Record Conversion is a deduplicated repeat. It
//!   counts as a January click and a June conversion (see `store`), so it changes no January
//!   conversion figure.
//! - Between June 1 and 18, 2026, offer 12345 also has a *pending* conversion (filtered out by
//!   the sample's `conversion_status=approved`) and offer 12346 has two approved ones (filtered
//!   out by its `offer_id`), so Get Conversions' sample returns exactly conversion 998877.
//! - December 2025 and February 2026 hold activity that a January range must leave out.

use cake_client::{types, CakeDateTime};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::dataset::{
    AdvertiserEntry, AffiliateEntry, ClickEntry, ConversionEntry, CountryEntry, Dataset, OfferEntry,
};
use crate::store::Store;

mod scaled;

pub use scaled::{
    demo_store_scaled, SCALE_ADVERTISERS, SCALE_AFFILIATES, SCALE_OFFERS, SCALE_YEAR,
};

/// The sample click of the documentation.
pub const SAMPLE_CLICK_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
/// The sample conversion of the documentation.
pub const SAMPLE_CONVERSION_ID: u32 = 998877;
/// The sample conversion's `unique_id`.
pub const SAMPLE_UNIQUE_ID: &str = "ORD-98765";
/// The first id of the demo's generated conversions.
const FIRST_GENERATED_CONVERSION_ID: u32 = 900_001;

fn cents(units: i64) -> Decimal {
    Decimal::new(units * 100, 2)
}

/// A run of generated clicks of one offer and affiliate in one month, `conversions` of which
/// convert 15 minutes after the click.
struct Group {
    offer_id: u32,
    affiliate_id: u32,
    year: i32,
    month: u32,
    clicks: u32,
    conversions: u32,
    status: types::ConversionStatus,
    country: &'static str,
    /// The IP block (second octet of 10.x.y.z) the group's visitors come from.
    ip_block: u8,
    /// How many distinct IPs the block holds; clicks past it come back from IPs already seen.
    distinct_ips: u32,
    /// The last day of the month the clicks spread over (0: the whole month).
    last_day: u32,
}

const fn group(
    offer_id: u32,
    affiliate_id: u32,
    (year, month): (i32, u32),
    clicks: u32,
    conversions: u32,
) -> Group {
    Group {
        offer_id,
        affiliate_id,
        year,
        month,
        clicks,
        conversions,
        status: types::ConversionStatus::Approved,
        country: "US",
        ip_block: 0,
        distinct_ips: u32::MAX,
        last_day: 0,
    }
}

const JAN_2026: (i32, u32) = (2026, 1);

/// Offer 12345's January visitors share one IP block of 7929 addresses (7930 with the sample
/// click's 203.0.113.42).
const OFFER_12345_JANUARY_IPS: u32 = 7929;

fn groups() -> Vec<Group> {
    use types::ConversionStatus::Pending;
    let shared_ips = |g: Group| Group {
        ip_block: 1,
        distinct_ips: OFFER_12345_JANUARY_IPS,
        ..g
    };
    vec![
        shared_ips(group(12345, 67891, JAN_2026, 2900, 110)),
        shared_ips(group(12345, 67892, JAN_2026, 2800, 104)),
        shared_ips(group(12345, 67893, JAN_2026, 2719, 98)),
        Group {
            ip_block: 2,
            ..group(12346, 67890, JAN_2026, 3209, 142)
        },
        Group {
            ip_block: 3,
            ..group(12346, 67893, JAN_2026, 871, 33)
        },
        Group {
            country: "CA",
            ip_block: 4,
            ..group(22001, 67894, JAN_2026, 2600, 96)
        },
        Group {
            ip_block: 5,
            ..group(12345, 67891, (2025, 12), 40, 2)
        },
        Group {
            ip_block: 6,
            country: "CA",
            ..group(22001, 67894, (2026, 2), 50, 3)
        },
        // June's activity stays before the 19th, inside the Get Conversions sample's range.
        Group {
            ip_block: 7,
            status: Pending,
            last_day: 18,
            ..group(12345, 67891, (2026, 6), 20, 1)
        },
        Group {
            ip_block: 8,
            last_day: 18,
            ..group(12346, 67890, (2026, 6), 30, 2)
        },
    ]
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (first, next) {
        (Some(a), Some(b)) => (b - a).num_days() as u32,
        _ => 28,
    }
}

/// The click time of the `k`-th click of a group: spread over the month's days, between 00:00
/// and 21:59 so that a conversion 15 minutes later falls on the same day.
fn click_time(year: i32, month: u32, last_day: u32, k: u32) -> CakeDateTime {
    let days = if last_day == 0 {
        days_in_month(year, month)
    } else {
        last_day
    };
    let day = 1 + k % days;
    let seconds = (u64::from(k) * 7919) % (22 * 3600);
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    CakeDateTime::from_ymd_hms(year, month, day, h as u32, m as u32, s as u32).unwrap_or_else(
        || CakeDateTime::new(NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap_or_default()),
    )
}

/// Whether the `k`-th of `clicks` converts when `conversions` of them do, spread evenly.
fn converts(k: u32, clicks: u32, conversions: u32) -> bool {
    let (k, n, c) = (u64::from(k), u64::from(clicks), u64::from(conversions));
    (k + 1) * c / n > k * c / n
}

/// The demo dataset (see the module's documentation for how it meets each sample).
pub fn demo_dataset() -> Dataset {
    let mut data = Dataset {
        advertisers: vec![
            AdvertiserEntry {
                advertiser_id: 1021,
                advertiser_name: "Acme Financial Services".into(),
            },
            AdvertiserEntry {
                advertiser_id: 1022,
                advertiser_name: "Northwind Lending".into(),
            },
        ],
        affiliates: [
            (67890, "MediaBridge Partners"),
            (67891, "ClickHarbor Media"),
            (67892, "Lumen Traffic Co"),
            (67893, "Northstar Leads"),
            (67894, "Peak Yield Digital"),
        ]
        .into_iter()
        .map(|(affiliate_id, name)| AffiliateEntry {
            affiliate_id,
            affiliate_name: name.into(),
        })
        .collect(),
        countries: [(1, "US"), (2, "CA"), (3, "GB")]
            .into_iter()
            .map(|(country_id, code)| CountryEntry {
                country_id,
                country_code: code.into(),
            })
            .collect(),
        offers: [
            (12345, "Auto Insurance Quote - US", 1021, 10),
            (12346, "Home Insurance Quote - US", 1021, 10),
            (22001, "Personal Loan Lead - CA", 1022, 20),
        ]
        .into_iter()
        .map(|(offer_id, name, advertiser_id, vertical_id)| OfferEntry {
            offer_id,
            offer_name: name.into(),
            advertiser_id,
            vertical_id: Some(vertical_id),
            payout: cents(18),
            revenue: cents(22),
            affiliate_payouts: Vec::new(),
        })
        .collect(),
        clicks: Vec::new(),
        conversions: Vec::new(),
    };
    data.clicks.push(ClickEntry {
        click_id: SAMPLE_CLICK_ID.into(),
        click_date: CakeDateTime::from_ymd_hms(2026, 1, 15, 9, 42, 11).unwrap_or_else(|| {
            CakeDateTime::new(NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap_or_default())
        }),
        offer_id: 12345,
        affiliate_id: 67890,
        sub_id_1: Some("banner_300x250".into()),
        ip_address: "203.0.113.42".into(),
        country: "US".into(),
    });
    let mut next_conversion_id = FIRST_GENERATED_CONVERSION_ID;
    let mut ip_counters = [0u32; 256];
    for g in groups() {
        for k in 0..g.clicks {
            let counter = &mut ip_counters[usize::from(g.ip_block)];
            let ip_index = *counter % g.distinct_ips;
            *counter += 1;
            let click_id = format!(
                "demo-{}-{}-{:04}{:02}-{k:05}",
                g.offer_id, g.affiliate_id, g.year, g.month
            );
            let click_date = click_time(g.year, g.month, g.last_day, k);
            data.clicks.push(ClickEntry {
                click_id: click_id.clone(),
                click_date,
                offer_id: g.offer_id,
                affiliate_id: g.affiliate_id,
                sub_id_1: Some(format!("sub{}", k % 7)),
                ip_address: format!(
                    "10.{}.{}.{}",
                    g.ip_block,
                    (ip_index >> 8) & 0xff,
                    ip_index & 0xff
                ),
                country: g.country.into(),
            });
            if converts(k, g.clicks, g.conversions) {
                data.conversions.push(ConversionEntry {
                    conversion_id: next_conversion_id,
                    click_id,
                    conversion_date: CakeDateTime::new(click_date.naive() + Duration::minutes(15)),
                    payout: None,
                    revenue: None,
                    conversion_status: Some(g.status.clone()),
                    unique_id: None,
                    order_id: None,
                });
                next_conversion_id += 1;
            }
        }
    }
    data.conversions.push(ConversionEntry {
        conversion_id: SAMPLE_CONVERSION_ID,
        click_id: SAMPLE_CLICK_ID.into(),
        conversion_date: CakeDateTime::from_ymd_hms(2026, 6, 19, 14, 30, 0).unwrap_or_else(|| {
            CakeDateTime::new(NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap_or_default())
        }),
        payout: Some(cents(18)),
        revenue: Some(cents(22)),
        conversion_status: Some(types::ConversionStatus::Approved),
        unique_id: Some(SAMPLE_UNIQUE_ID.into()),
        order_id: None,
    });
    data
}

/// The demo store.
pub fn demo_store() -> Store {
    // The demo dataset is consistent by construction; its tests hold every figure.
    demo_dataset().into_store().unwrap_or_default()
}
