//! Large deterministic stores for load tests and `cake serve --demo-scale N`: the demo store
//! plus N generated clicks in [`SCALE_YEAR`] over 50 offers and 200 affiliates, about 3 % of
//! them converted. The same count gives the same store, byte for byte.

use cake_client::{types, CakeDateTime};
use chrono::{Duration, NaiveDate};

use super::{cents, demo_store};
use crate::store::{Advertiser, Affiliate, ClickRecord, ConversionRecord, Offer, SeedError, Store};

/// A small, fast generator (SplitMix64) so that scaled stores are the same on every run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The entities a scaled store adds beside the demo's.
pub const SCALE_OFFERS: std::ops::RangeInclusive<u32> = 40_001..=40_050;
/// The affiliates a scaled store adds.
pub const SCALE_AFFILIATES: std::ops::RangeInclusive<u32> = 80_001..=80_200;
/// The advertisers a scaled store adds.
pub const SCALE_ADVERTISERS: std::ops::RangeInclusive<u32> = 5_001..=5_005;
/// The year a scaled store's extra clicks fall in: before every demo sample's dates, so the
/// samples still hold on a scaled store.
pub const SCALE_YEAR: i32 = 2025;

/// The demo store plus `extra_clicks` generated clicks in [`SCALE_YEAR`] (January to November),
/// over 50 offers and 200 affiliates, about 3 % of them converted, deterministic for a given
/// count. Returns the store and the number of conversions added.
pub fn demo_store_scaled(extra_clicks: u64) -> Store {
    let mut store = demo_store();
    let mut rng = SplitMix64(0x00C4_4E5E_ED00_0001);
    let advertisers: Vec<u32> = SCALE_ADVERTISERS.collect();
    let add = |r: Result<(), SeedError>| {
        // Generated entities are new and consistent by construction; a failure would only skip one.
        if let Err(e) = r {
            tracing::warn!(error = %e, "scaled demo entity skipped");
        }
    };
    for &advertiser_id in &advertisers {
        add(store.add_advertiser(Advertiser {
            advertiser_id,
            advertiser_name: format!("Load Advertiser {advertiser_id}"),
        }));
    }
    for affiliate_id in SCALE_AFFILIATES {
        add(store.add_affiliate(Affiliate {
            affiliate_id,
            affiliate_name: format!("Load Affiliate {affiliate_id}"),
        }));
    }
    for offer_id in SCALE_OFFERS {
        add(store.add_offer(Offer {
            offer_id,
            offer_name: format!("Load Offer {offer_id}"),
            advertiser_id: advertisers[offer_id as usize % advertisers.len()],
            vertical_id: Some(30 + offer_id % 3),
            payout: cents(18),
            revenue: cents(22),
            affiliate_payouts: Default::default(),
        }));
    }
    let offers = u64::from(SCALE_OFFERS.end() - SCALE_OFFERS.start() + 1);
    let affiliates = u64::from(SCALE_AFFILIATES.end() - SCALE_AFFILIATES.start() + 1);
    let mut next_conversion_id = store
        .conversions()
        .iter()
        .map(|c| c.conversion_id)
        .max()
        .unwrap_or(0)
        + 1;
    let start = NaiveDate::from_ymd_opt(SCALE_YEAR, 1, 1).unwrap_or_default();
    // Ids are `load-` and nine digits or more.
    let reserve = usize::try_from(extra_clicks).unwrap_or(usize::MAX);
    store.reserve_clicks(reserve, reserve.saturating_mul(14));
    for n in 0..extra_clicks {
        let offer_id = SCALE_OFFERS.start() + rng.below(offers) as u32;
        let affiliate_id = SCALE_AFFILIATES.start() + rng.below(affiliates) as u32;
        // 334 days: January to November, and before 22:00 so a conversion stays on its day.
        let day = start + Duration::days(rng.below(334) as i64);
        let seconds = rng.below(22 * 3600) as i64;
        let click_date = CakeDateTime::new(
            day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(seconds),
        );
        let ip = rng.below(1 << 20);
        let click_id = format!("load-{n:09}");
        add(store.add_click(ClickRecord {
            click_id: click_id.clone(),
            click_date,
            offer_id,
            affiliate_id,
            sub_id_1: None,
            ip_address: format!("10.{}.{}.{}", 100 + (ip >> 16), (ip >> 8) & 0xff, ip & 0xff),
            country: ["US", "CA", "GB"][rng.below(3) as usize].into(),
            conversion_id: None,
        }));
        if rng.below(100) < 3 {
            add(store.add_conversion(ConversionRecord {
                conversion_id: next_conversion_id,
                click_id,
                offer_id,
                affiliate_id,
                payout: cents(18),
                revenue: cents(22),
                conversion_date: CakeDateTime::new(click_date.naive() + Duration::minutes(30)),
                conversion_status: types::ConversionStatus::Approved,
                unique_id: None,
                order_id: None,
                adv: Default::default(),
            }));
            next_conversion_id += 1;
        }
    }
    store.index_clicks();
    store
}
