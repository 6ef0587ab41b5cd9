//! The reports' fast path (per-day, per-month and per-year aggregates and unique-IP bookkeeping)
//! against a straightforward scan of the store's clicks and conversions: on random small stores,
//! built in random order through every insert path, with the unique-click lists rebuilt at
//! random points, and random filters and date ranges (across month and year ends), every figure
//! of every report row must be identical, money to the digit and scale.

use std::collections::{BTreeMap, HashSet};

use cake_client::{types, CakeDateTime};
use cake_sim::store::{
    conversion_rate, earnings_per_click, Advertiser, Affiliate, ClickRecord, ConversionRecord,
    ConversionRequest, Country, Figures, Offer, ReportFilter, Store,
};
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 20).unwrap()
}

fn at(day: u32, minute: u16) -> CakeDateTime {
    let day = first_day() + Duration::days(i64::from(day));
    CakeDateTime::new(day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(minute)))
}

/// One insert, its ids and amounts drawn small so that they collide often.
#[derive(Debug, Clone)]
enum Op {
    Click {
        day: u32,
        offer: u32,
        affiliate: u32,
        ip: u8,
        country: u8,
    },
    /// A seeded conversion of the `click`-th click (modulo the clicks held), any status.
    Seeded {
        click: usize,
        day: u32,
        status: u8,
        payout: (i64, u32),
        revenue: (i64, u32),
    },
    /// Record Conversion on the `click`-th click, amounts from the rules or given.
    Recorded {
        click: usize,
        day: u32,
        payout: Option<(i64, u32)>,
        unique_id: Option<u8>,
    },
    /// `Store::index_clicks`: the unique-click lists brought up to date.
    Index,
}

/// A day offset from `first_day`: often near a month's or a year's end, sometimes anywhere in
/// two years, and now and then 180 years on (an IP back after longer than the unique-click
/// lists' gaps hold, and ranges longer than they compare: the store must count by scanning).
fn day() -> impl Strategy<Value = u32> {
    // 12: 2025-01-01, 42/43: January's last and February's first, 376: 2025-12-31.
    let edges = proptest::sample::select(vec![11u32, 12, 13, 42, 43, 70, 376, 377]);
    prop_oneof![
        8 => edges,
        4 => 0u32..15,
        4 => 8u32..50,
        4 => 360u32..420,
        4 => 0u32..800,
        1 => 65_560u32..65_600,
    ]
}

fn amount() -> impl Strategy<Value = (i64, u32)> {
    (0i64..100_000, 0u32..4)
}

fn op() -> impl Strategy<Value = Op> {
    op_with(day().boxed(), 5)
}

/// Crowded stores: six weeks around February (January's last days, the whole month, March's
/// first) and two IPs, so that an IP is back in the same offer, country and affiliate often,
/// ranges start on days it clicked, and a range has partial months on both sides of a whole one.
fn dense_day() -> BoxedStrategy<u32> {
    (38u32..80).boxed()
}

fn op_with(day: BoxedStrategy<u32>, ips: u8) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (day.clone(), 1u32..=4, 1u32..=3, 0u8..ips, 0u8..3).prop_map(
            |(day, offer, affiliate, ip, country)| Op::Click { day, offer, affiliate, ip, country }
        ),
        1 => (any::<usize>(), day.clone(), 0u8..4, amount(), amount()).prop_map(
            |(click, day, status, payout, revenue)| Op::Seeded { click, day, status, payout, revenue }
        ),
        1 => (any::<usize>(), day, proptest::option::of(amount()), proptest::option::of(0u8..4))
            .prop_map(|(click, day, payout, unique_id)| Op::Recorded { click, day, payout, unique_id }),
        1 => Just(Op::Index),
    ]
}

fn build(ops: &[Op]) -> Store {
    let mut store = Store::new();
    for advertiser_id in [1, 2] {
        store
            .add_advertiser(Advertiser {
                advertiser_id,
                advertiser_name: format!("A{advertiser_id}"),
            })
            .unwrap();
    }
    for affiliate_id in 1..=3 {
        store
            .add_affiliate(Affiliate {
                affiliate_id,
                affiliate_name: format!("F{affiliate_id}"),
            })
            .unwrap();
    }
    for (country_id, code) in [(1, "US"), (2, "CA"), (3, "FR")] {
        store
            .add_country(Country {
                country_id,
                country_code: code.into(),
            })
            .unwrap();
    }
    for offer_id in 1..=4u32 {
        store
            .add_offer(Offer {
                offer_id,
                offer_name: format!("O{offer_id}"),
                advertiser_id: 1 + offer_id % 2,
                vertical_id: (offer_id != 4).then_some(10 + offer_id % 2),
                payout: Decimal::new(150 * i64::from(offer_id), 2),
                revenue: Decimal::new(2, 0),
                affiliate_payouts: [(2, Decimal::new(1_125, 3))].into(),
            })
            .unwrap();
    }
    let mut clicks: Vec<String> = Vec::new();
    let mut next_id = 1u32;
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Click {
                day,
                offer,
                affiliate,
                ip,
                country,
            } => {
                let click_id = format!("c{n}");
                store
                    .add_click(ClickRecord {
                        click_id: click_id.clone(),
                        click_date: at(*day, n as u16),
                        offer_id: *offer,
                        affiliate_id: *affiliate,
                        sub_id_1: None,
                        ip_address: format!("10.0.0.{ip}"),
                        // "GB" is a code no country entity has.
                        country: ["US", "CA", "GB"][usize::from(*country)].into(),
                        conversion_id: None,
                    })
                    .unwrap();
                clicks.push(click_id);
            }
            Op::Seeded {
                click,
                day,
                status,
                payout,
                revenue,
            } if !clicks.is_empty() => {
                use types::ConversionStatus as S;
                let status = S::from(S::LISTED[*status as usize]);
                store
                    .add_conversion(ConversionRecord {
                        conversion_id: next_id,
                        click_id: clicks[click % clicks.len()].clone(),
                        offer_id: 0,
                        affiliate_id: 0,
                        payout: Decimal::new(payout.0, payout.1),
                        revenue: Decimal::new(revenue.0, revenue.1),
                        conversion_date: at(*day, 7),
                        conversion_status: status,
                        unique_id: None,
                        order_id: None,
                        adv: Default::default(),
                    })
                    .unwrap();
                next_id += 1;
            }
            Op::Recorded {
                click,
                day,
                payout,
                unique_id,
            } if !clicks.is_empty() => {
                let click_id = clicks[click % clicks.len()].clone();
                let offer_id = store.click(&click_id).unwrap().offer_id;
                let outcome = store
                    .record_conversion(
                        ConversionRequest {
                            click_id,
                            offer_id: u64::from(offer_id),
                            payout: payout.map(|(m, s)| Decimal::new(m, s)),
                            unique_id: unique_id.map(|u| format!("u{u}")),
                            ..Default::default()
                        },
                        at(*day, 9),
                    )
                    .unwrap();
                next_id = next_id.max(outcome.conversion.conversion_id + 1);
            }
            Op::Index => store.index_clicks(),
            _ => {}
        }
    }
    store
}

/// Report figures by a scan of everything held, as the module's decisions define them.
fn reference(store: &Store, filter: &ReportFilter, group: &str) -> BTreeMap<u32, Figures> {
    #[derive(Default)]
    struct Row {
        clicks: u64,
        ips: HashSet<String>,
        conversions: u64,
        payout: Decimal,
        revenue: Decimal,
    }
    let in_range = |d: NaiveDate| filter.start_date <= d && d <= filter.end_date;
    let is = |wanted: Option<u64>, actual: u32| wanted.is_none_or(|w| w == u64::from(actual));
    let country = filter.country_id.map(|id| {
        store
            .countries()
            .find(|c| u64::from(c.country_id) == id)
            .map(|c| c.country_code.clone())
    });
    let passes = |click: &ClickRecord| {
        let offer = store.offer(click.offer_id).unwrap();
        is(filter.offer_id, click.offer_id)
            && is(filter.affiliate_id, click.affiliate_id)
            && is(filter.advertiser_id, offer.advertiser_id)
            && filter
                .vertical_id
                .is_none_or(|v| offer.vertical_id.is_some_and(|o| u64::from(o) == v))
            && country
                .as_ref()
                .is_none_or(|code| code.as_deref() == Some(click.country.as_str()))
    };
    let key = |click: &ClickRecord| match group {
        "offer" => click.offer_id,
        "affiliate" => click.affiliate_id,
        _ => store.offer(click.offer_id).unwrap().advertiser_id,
    };
    let mut rows: BTreeMap<u32, Row> = BTreeMap::new();
    for click in store.clicks() {
        if in_range(click.click_date.date()) && passes(&click) {
            let row = rows.entry(key(&click)).or_default();
            row.clicks += 1;
            row.ips.insert(click.ip_address.clone());
        }
    }
    for conversion in store.conversions() {
        let click = store.click(&conversion.click_id).unwrap();
        if conversion.counts_in_reports()
            && in_range(conversion.conversion_date.date())
            && passes(&click)
        {
            let row = rows.entry(key(&click)).or_default();
            row.conversions += 1;
            row.payout += conversion.payout;
            row.revenue += conversion.revenue;
        }
    }
    rows.into_iter()
        .map(|(k, r)| {
            let figures = Figures {
                clicks: r.clicks,
                unique_clicks: if group == "offer" {
                    r.ips.len() as u64
                } else {
                    0
                },
                conversions: r.conversions,
                conversion_rate: conversion_rate(r.conversions, r.clicks),
                payout: r.payout,
                revenue: r.revenue,
                profit: r.revenue - r.payout,
                epc: earnings_per_click(r.payout, r.clicks),
            };
            (k, figures)
        })
        .collect()
}

/// Figures with money as written (so that scale counts, not only value).
fn exact(figures: &BTreeMap<u32, Figures>) -> Vec<String> {
    figures
        .iter()
        .map(|(k, f)| {
            format!(
                "{k}: {} {} {} {} {} {} {} {}",
                f.clicks,
                f.unique_clicks,
                f.conversions,
                f.conversion_rate,
                f.payout,
                f.revenue,
                f.profit,
                f.epc
            )
        })
        .collect()
}

/// Ids the filters take: existing ones, ones nothing has, and one beyond `u32`.
fn id_filter(max: u64) -> impl Strategy<Value = Option<u64>> {
    proptest::option::of(
        prop_oneof![4 => 1..=max, 1 => Just(99), 1 => Just(u64::from(u32::MAX) + 1)],
    )
}

fn filter() -> impl Strategy<Value = ReportFilter> {
    filter_with(day().boxed())
}

fn filter_with(day: BoxedStrategy<u32>) -> impl Strategy<Value = ReportFilter> {
    (
        (day.clone(), day),
        id_filter(4),
        id_filter(3),
        id_filter(2),
        proptest::option::of(10u64..=12),
        id_filter(3),
    )
        .prop_map(
            |((from, to), offer, affiliate, advertiser, vertical, country)| {
                let mut f = ReportFilter::between(
                    first_day() + Duration::days(i64::from(from)),
                    first_day() + Duration::days(i64::from(to)),
                );
                f.offer_id = offer;
                f.affiliate_id = affiliate;
                f.advertiser_id = advertiser;
                f.vertical_id = vertical;
                f.country_id = country;
                f
            },
        )
}

/// Every report of each store (as built, then indexed) under each filter, against the scan.
fn check(ops: &[Op], filters: &[ReportFilter]) -> Result<(), TestCaseError> {
    let mut store = build(ops);
    let mut stores = vec![store.clone()];
    store.index_clicks();
    stores.push(store);
    for (store, filter) in stores
        .iter()
        .flat_map(|s| filters.iter().map(move |f| (s, f)))
    {
        prop_assert_eq!(
            exact(&store.offer_figures(filter)),
            exact(&reference(store, filter, "offer")),
            "offer report, {:?}",
            filter
        );
        prop_assert_eq!(
            exact(&store.affiliate_figures(filter)),
            exact(&reference(store, filter, "affiliate")),
            "affiliate report, {:?}",
            filter
        );
        prop_assert_eq!(
            exact(&store.advertiser_figures(filter)),
            exact(&reference(store, filter, "advertiser")),
            "advertiser report, {:?}",
            filter
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reports_from_the_index_equal_a_scan_of_the_store(
        ops in proptest::collection::vec(op(), 0..60),
        filters in proptest::collection::vec(filter(), 1..6),
    ) {
        check(&ops, &filters)?;
    }

    #[test]
    fn crowded_stores_too(
        ops in proptest::collection::vec(op_with(dense_day(), 2), 0..60),
        filters in proptest::collection::vec(filter_with(dense_day()), 1..6),
    ) {
        check(&ops, &filters)?;
    }
}
