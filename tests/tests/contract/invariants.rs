//! The simulator's invariants, as `spec/cake.yaml` states them (its `info.description`): over
//! generated worlds (a few offers, affiliates and clicks on a fresh store) and generated
//! sequences of Record Conversions through the SDK (some repeating a `unique_id`, some with
//! payout or revenue overrides, some naming the wrong offer), the reports show exactly what was
//! recorded.
//!
//! The expectations are computed here, from the world and the recordings alone, never from the
//! simulator's store or its report functions: clicks count on their click date, conversions on
//! their conversion date; unique clicks are distinct IPs; conversion_rate = conversions / clicks
//! x 100 to 2 decimals and EPC = payout / clicks to 3 decimals (either within half a unit of
//! its last decimal, since the spec names no rounding rule, and 0 without clicks); profit =
//! revenue - payout; the Offer Report's totals are the sums over every matching row, whatever
//! the page; a repeated `unique_id` returns the original conversion and counts once.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use cake_client::{types, CakeDateTime, Client, Error};
use cake_contract_tests::{harness::run_property, simulator::LocalSimulator};
use cake_sim::{
    store::{Advertiser, Affiliate, ClickRecord, Offer},
    Store,
};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::{prelude::*, test_runner::TestCaseError};
use rust_decimal::Decimal;

const ADVERTISERS: [u32; 2] = [501, 502];
const AFFILIATES: [u32; 3] = [701, 702, 703];
/// Clicks fall on the first 10 days from here, conversions on the first 15.
fn base_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).expect("a real date")
}
/// "Now" for a conversion recorded without a date (the simulator is given this clock).
fn now() -> NaiveDateTime {
    (base_day() + Duration::days(5))
        .and_hms_opt(12, 0, 0)
        .expect("a real time")
}

#[derive(Debug, Clone)]
struct OfferSeed {
    offer_id: u32,
    advertiser_id: u32,
    payout: Decimal,
    revenue: Decimal,
    /// A payout rule for one affiliate, in place of `payout`.
    affiliate_payout: Option<(u32, Decimal)>,
}

impl OfferSeed {
    fn payout_for(&self, affiliate_id: u32) -> Decimal {
        match self.affiliate_payout {
            Some((a, p)) if a == affiliate_id => p,
            _ => self.payout,
        }
    }
}

#[derive(Debug, Clone)]
struct ClickSeed {
    click_id: String,
    offer: usize,
    affiliate_id: u32,
    at: NaiveDateTime,
    ip: String,
}

#[derive(Debug, Clone)]
struct Recording {
    click: usize,
    /// Name an offer the click does not belong to.
    wrong_offer: bool,
    payout: Option<Decimal>,
    revenue: Option<Decimal>,
    unique_id: Option<String>,
    at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
struct World {
    offers: Vec<OfferSeed>,
    clicks: Vec<ClickSeed>,
    recordings: Vec<Recording>,
    /// The reports' range.
    start: NaiveDate,
    end: NaiveDate,
    /// Filter the reports to this offer (an index into `offers`).
    offer_filter: Option<usize>,
}

fn money() -> BoxedStrategy<Decimal> {
    // Cents, and now and then a whole amount or four decimals: sums must stay exact.
    prop_oneof![
        4 => (0i64..5_000).prop_map(|c| Decimal::new(c, 2)),
        1 => (0i64..50).prop_map(Decimal::from),
        1 => (0i64..500_000).prop_map(|c| Decimal::new(c, 4)),
    ]
    .boxed()
}

fn moment(days: i64) -> BoxedStrategy<NaiveDateTime> {
    (0..days, 0i64..86_400)
        .prop_map(|(d, s)| {
            base_day().and_hms_opt(0, 0, 0).expect("midnight")
                + Duration::days(d)
                + Duration::seconds(s)
        })
        .boxed()
}

fn world() -> impl Strategy<Value = World> {
    let offer = (
        proptest::sample::select(ADVERTISERS.to_vec()),
        money(),
        money(),
        proptest::option::of((proptest::sample::select(AFFILIATES.to_vec()), money())),
    );
    proptest::collection::vec(offer, 1..=3)
        .prop_flat_map(|offers| {
            let offers: Vec<OfferSeed> = offers
                .into_iter()
                .enumerate()
                .map(
                    |(i, (advertiser_id, payout, revenue, affiliate_payout))| OfferSeed {
                        offer_id: 101 + i as u32,
                        advertiser_id,
                        payout,
                        revenue,
                        affiliate_payout,
                    },
                )
                .collect();
            let n = offers.len();
            // Four IPs for up to ten clicks: unique clicks fall below clicks.
            let click = (
                0..n,
                proptest::sample::select(AFFILIATES.to_vec()),
                moment(10),
                0u8..4,
            );
            (Just(offers), proptest::collection::vec(click, 1..=10))
        })
        .prop_flat_map(|(offers, clicks)| {
            let clicks: Vec<ClickSeed> = clicks
                .into_iter()
                .enumerate()
                .map(|(i, (offer, affiliate_id, at, ip))| ClickSeed {
                    click_id: format!("click-{i}"),
                    offer,
                    affiliate_id,
                    at,
                    ip: format!("192.0.2.{ip}"),
                })
                .collect();
            let recording = (
                0..clicks.len(),
                proptest::bool::weighted(0.1),
                proptest::option::of(money()),
                proptest::option::of(money()),
                // Three ids for up to twelve recordings: repeats are common.
                proptest::option::weighted(0.6, (0u8..3).prop_map(|u| format!("ORD-{u}"))),
                proptest::option::weighted(0.8, moment(15)),
            )
                .prop_map(
                    |(click, wrong_offer, payout, revenue, unique_id, at)| Recording {
                        click,
                        wrong_offer,
                        payout,
                        revenue,
                        unique_id,
                        at,
                    },
                );
            let n = offers.len();
            (
                Just(offers),
                Just(clicks),
                proptest::collection::vec(recording, 0..=12),
                -1i64..16,
                0i64..17,
                proptest::option::weighted(0.3, 0..n),
            )
        })
        .prop_map(
            |(offers, clicks, recordings, from, span, offer_filter)| World {
                offers,
                clicks,
                recordings,
                start: base_day() + Duration::days(from),
                end: base_day() + Duration::days(from + span),
                offer_filter,
            },
        )
}

fn store_of(world: &World) -> Result<Store, String> {
    let mut store = Store::new();
    let e = |e: cake_sim::store::SeedError| e.to_string();
    for advertiser_id in ADVERTISERS {
        store
            .add_advertiser(Advertiser {
                advertiser_id,
                advertiser_name: format!("Advertiser {advertiser_id}"),
            })
            .map_err(e)?;
    }
    for affiliate_id in AFFILIATES {
        store
            .add_affiliate(Affiliate {
                affiliate_id,
                affiliate_name: format!("Affiliate {affiliate_id}"),
            })
            .map_err(e)?;
    }
    for o in &world.offers {
        store
            .add_offer(Offer {
                offer_id: o.offer_id,
                offer_name: format!("Offer {}", o.offer_id),
                advertiser_id: o.advertiser_id,
                vertical_id: None,
                payout: o.payout,
                revenue: o.revenue,
                affiliate_payouts: o.affiliate_payout.into_iter().collect(),
            })
            .map_err(e)?;
    }
    for c in &world.clicks {
        store
            .add_click(ClickRecord {
                click_id: c.click_id.clone(),
                click_date: CakeDateTime::new(c.at),
                offer_id: world.offers[c.offer].offer_id,
                affiliate_id: c.affiliate_id,
                sub_id_1: None,
                ip_address: c.ip.clone(),
                country: "US".into(),
                conversion_id: None,
            })
            .map_err(e)?;
    }
    Ok(store)
}

/// A conversion as the test recorded it.
#[derive(Debug, Clone)]
struct Recorded {
    conversion: types::RecordedConversion,
    click: usize,
}

/// Figures of one report row, computed here.
#[derive(Debug, Default, Clone, PartialEq)]
struct Expected {
    clicks: u64,
    ips: BTreeSet<String>,
    conversions: u64,
    payout: Decimal,
    revenue: Decimal,
}

fn fail(what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

/// Sends the recordings in order, checking each answer against the model, and returns what was
/// recorded (each conversion once).
async fn record_all(client: &Client, world: &World) -> Result<Vec<Recorded>, TestCaseError> {
    let mut recorded: Vec<Recorded> = Vec::new();
    let mut by_unique: BTreeMap<String, usize> = BTreeMap::new();
    for (n, r) in world.recordings.iter().enumerate() {
        let click = &world.clicks[r.click];
        let offer = &world.offers[click.offer];
        let offer_id = if r.wrong_offer {
            world
                .offers
                .iter()
                .map(|o| o.offer_id)
                .find(|id| *id != offer.offer_id)
                .unwrap_or(offer.offer_id + 1000)
        } else {
            offer.offer_id
        };
        let mut b = client
            .record_conversion()
            .click_id(click.click_id.as_str())
            .offer_id(offer_id);
        if let Some(p) = r.payout {
            b = b.payout(p);
        }
        if let Some(v) = r.revenue {
            b = b.revenue(v);
        }
        if let Some(u) = &r.unique_id {
            b = b.unique_id(u.as_str());
        }
        if let Some(at) = r.at {
            b = b.conversion_date(CakeDateTime::new(at));
        }
        let result = b.execute().await;
        let at = format!("recording #{n} {r:?}");
        let original = r
            .unique_id
            .as_ref()
            .and_then(|u| by_unique.get(u))
            .map(|&i| &recorded[i]);
        match (original, r.wrong_offer, result) {
            // A repeated unique_id: the original, whatever else the repeat says.
            (Some(original), _, Ok(got)) => {
                if got.conversion != original.conversion {
                    return Err(fail(format!(
                        "{at}: a repeated unique_id must return the original conversion {:?}, got {:?}",
                        original.conversion, got.conversion
                    )));
                }
            }
            (
                None,
                true,
                Err(Error::Api {
                    status, parameter, ..
                }),
            ) => {
                if status.as_u16() != 409 || parameter.as_deref() != Some("offer_id") {
                    return Err(fail(format!(
                        "{at}: a click of another offer must be a 409 naming offer_id, got {status} naming {parameter:?}"
                    )));
                }
            }
            (None, false, Ok(got)) => {
                let c = &got.conversion;
                let want_payout = r.payout.unwrap_or(offer.payout_for(click.affiliate_id));
                let want_revenue = r.revenue.unwrap_or(offer.revenue);
                let want_at = r.at.unwrap_or_else(now);
                let mut wrong = Vec::new();
                if recorded
                    .iter()
                    .any(|x| x.conversion.conversion_id == c.conversion_id)
                {
                    wrong.push(format!(
                        "conversion_id {} was already given",
                        c.conversion_id
                    ));
                }
                if (c.offer_id, c.affiliate_id, c.click_id.as_str())
                    != (offer.offer_id, click.affiliate_id, click.click_id.as_str())
                {
                    wrong.push("offer, affiliate or click differ from the click's".into());
                }
                if c.payout != want_payout || c.revenue != want_revenue {
                    wrong.push(format!(
                        "payout {} revenue {}, expected {want_payout} and {want_revenue}",
                        c.payout, c.revenue
                    ));
                }
                if c.conversion_date.naive() != want_at {
                    wrong.push(format!(
                        "conversion_date {}, expected {want_at}",
                        c.conversion_date
                    ));
                }
                if c.unique_id != r.unique_id {
                    wrong.push(format!("unique_id {:?}", c.unique_id));
                }
                if c.conversion_status != types::ConversionStatus::Approved {
                    wrong.push(format!("status {:?}", c.conversion_status));
                }
                if !wrong.is_empty() {
                    return Err(fail(format!("{at}: {}: {c:?}", wrong.join("; "))));
                }
                if let Some(u) = &r.unique_id {
                    by_unique.insert(u.clone(), recorded.len());
                }
                recorded.push(Recorded {
                    conversion: got.conversion,
                    click: r.click,
                });
            }
            (_, _, other) => {
                return Err(fail(format!(
                    "{at}: unexpected outcome {:?}",
                    other.map(|o| o.conversion)
                )))
            }
        }
    }
    Ok(recorded)
}

/// Rows of each report computed from the world and what was recorded: by offer, affiliate and
/// advertiser id.
fn expected_rows(world: &World, recorded: &[Recorded]) -> [BTreeMap<u32, Expected>; 3] {
    let mut rows: [BTreeMap<u32, Expected>; 3] = Default::default();
    let in_range = |at: NaiveDateTime| (world.start..=world.end).contains(&at.date());
    let passes = |offer: usize| world.offer_filter.is_none_or(|f| f == offer);
    let keys = |c: &ClickSeed| {
        let o = &world.offers[c.offer];
        [o.offer_id, c.affiliate_id, o.advertiser_id]
    };
    for c in world
        .clicks
        .iter()
        .filter(|c| in_range(c.at) && passes(c.offer))
    {
        for (table, key) in rows.iter_mut().zip(keys(c)) {
            let row = table.entry(key).or_default();
            row.clicks += 1;
            row.ips.insert(c.ip.clone());
        }
    }
    for r in recorded {
        let c = &world.clicks[r.click];
        if !in_range(r.conversion.conversion_date.naive()) || !passes(c.offer) {
            continue;
        }
        for (table, key) in rows.iter_mut().zip(keys(c)) {
            let row = table.entry(key).or_default();
            row.conversions += 1;
            row.payout += r.conversion.payout;
            row.revenue += r.conversion.revenue;
        }
    }
    rows
}

/// How `rate` (conversion_rate, 2 decimals) and `epc` (3 decimals) differ from their formulas
/// for `row`, if they do.
fn ratio_problems(row: &Expected, rate: f64, epc: Decimal) -> Vec<String> {
    let mut problems = Vec::new();
    if row.clicks == 0 {
        if rate != 0.0 || !epc.is_zero() {
            problems.push(format!(
                "without clicks conversion_rate and EPC are 0, got {rate} and {epc}"
            ));
        }
        return problems;
    }
    let exact_rate = row.conversions as f64 * 100.0 / row.clicks as f64;
    let in_hundredths = rate * 100.0;
    if (rate - exact_rate).abs() > 0.005 + 1e-9
        || (in_hundredths - in_hundredths.round()).abs() > 1e-6
    {
        problems.push(format!(
            "conversion_rate {rate}, expected {} x 100 / {} = {exact_rate} to 2 decimals",
            row.conversions, row.clicks
        ));
    }
    let exact_epc = row.payout / Decimal::from(row.clicks);
    if (epc - exact_epc).abs() > Decimal::new(5, 4) || epc.normalize().scale() > 3 {
        problems.push(format!(
            "EPC {epc}, expected {} / {} = {exact_epc} to 3 decimals",
            row.payout, row.clicks
        ));
    }
    problems
}

/// Whether the listed ids are exactly the expected rows' (any other row listed must be all
/// zeros) and in id order.
fn rows_problems<'a>(
    what: &str,
    expected: &BTreeMap<u32, Expected>,
    listed: impl Iterator<Item = (u32, bool)> + 'a,
) -> Vec<String> {
    let mut problems = Vec::new();
    let listed: Vec<(u32, bool)> = listed.collect();
    let ids: Vec<u32> = listed.iter().map(|(id, _)| *id).collect();
    if !ids.windows(2).all(|w| w[0] < w[1]) {
        problems.push(format!(
            "{what}: rows not in id order (no sort_field): {ids:?}"
        ));
    }
    for id in expected.keys() {
        if !ids.contains(id) {
            problems.push(format!(
                "{what}: row {id} has activity in range but is missing"
            ));
        }
    }
    for (id, all_zero) in &listed {
        if !expected.contains_key(id) && !all_zero {
            problems.push(format!("{what}: row {id} has figures but nothing happened"));
        }
    }
    problems
}

async fn check_reports(
    client: &Client,
    world: &World,
    recorded: &[Recorded],
) -> Result<(), TestCaseError> {
    let [by_offer, by_affiliate, by_advertiser] = expected_rows(world, recorded);
    let filter = world.offer_filter.map(|i| world.offers[i].offer_id);
    let mut problems = Vec::new();

    // Offer Report: every row, then the same report one row a page.
    let mut b = client
        .get_offer_report()
        .start_date(world.start)
        .end_date(world.end);
    if let Some(id) = filter {
        b = b.offer_id(id);
    }
    let full = b.clone().execute().await.map_err(fail)?.response.data;
    let paged = b
        .row_limit(1u32)
        .execute()
        .await
        .map_err(fail)?
        .response
        .data;
    problems.extend(rows_problems(
        "Offer Report",
        &by_offer,
        full.offers.iter().map(|r| {
            (
                r.offer_id,
                r.clicks == 0 && r.conversions == 0 && r.payout.is_zero() && r.revenue.is_zero(),
            )
        }),
    ));
    for r in &full.offers {
        let want = by_offer.get(&r.offer_id).cloned().unwrap_or_default();
        let got = (
            r.clicks,
            r.unique_clicks,
            r.conversions,
            *r.payout,
            *r.revenue,
            *r.profit,
        );
        let expected = (
            want.clicks,
            want.ips.len() as u64,
            want.conversions,
            want.payout,
            want.revenue,
            want.revenue - want.payout,
        );
        if got != expected {
            problems.push(format!(
                "Offer Report row {}: (clicks, unique_clicks, conversions, payout, revenue, profit) = {got:?}, expected {expected:?}",
                r.offer_id
            ));
        }
        for p in ratio_problems(&want, r.conversion_rate, *r.epc) {
            problems.push(format!("Offer Report row {}: {p}", r.offer_id));
        }
    }
    let sum = |f: fn(&Expected) -> Decimal| by_offer.values().map(f).sum::<Decimal>();
    let want_totals = (
        by_offer.values().map(|r| r.clicks).sum::<u64>(),
        by_offer.values().map(|r| r.conversions).sum::<u64>(),
        sum(|r| r.payout),
        sum(|r| r.revenue),
    );
    let rows_sum = (
        full.offers.iter().map(|r| r.clicks).sum::<u64>(),
        full.offers.iter().map(|r| r.conversions).sum::<u64>(),
        full.offers.iter().map(|r| r.payout).sum::<Decimal>(),
        full.offers.iter().map(|r| r.revenue).sum::<Decimal>(),
    );
    for (what, t) in [
        ("every row", &full.totals),
        ("a one-row page", &paged.totals),
    ] {
        let got = (t.clicks, t.conversions, *t.payout, *t.revenue);
        if got != want_totals || got != rows_sum {
            problems.push(format!(
                "Offer Report totals on {what}: (clicks, conversions, payout, revenue) = {got:?}, expected {want_totals:?}, the listed rows sum to {rows_sum:?}"
            ));
        }
    }
    if paged.offers.len() > 1 {
        problems.push(format!("a one-row page listed {} rows", paged.offers.len()));
    }

    // Affiliate Report.
    let mut b = client
        .get_affiliate_report()
        .start_date(world.start)
        .end_date(world.end);
    if let Some(id) = filter {
        b = b.offer_id(id);
    }
    let rows = b.execute().await.map_err(fail)?.response.data.affiliates;
    problems.extend(rows_problems(
        "Affiliate Report",
        &by_affiliate,
        rows.iter().map(|r| {
            (
                r.affiliate_id,
                r.clicks == 0 && r.conversions == 0 && r.payout.is_zero(),
            )
        }),
    ));
    for r in &rows {
        let want = by_affiliate
            .get(&r.affiliate_id)
            .cloned()
            .unwrap_or_default();
        let got = (r.clicks, r.conversions, *r.payout);
        let expected = (want.clicks, want.conversions, want.payout);
        if got != expected {
            problems.push(format!(
                "Affiliate Report row {}: (clicks, conversions, payout) = {got:?}, expected {expected:?}",
                r.affiliate_id
            ));
        }
        for p in ratio_problems(&want, r.conversion_rate, *r.epc) {
            problems.push(format!("Affiliate Report row {}: {p}", r.affiliate_id));
        }
    }

    // Advertiser Report.
    let mut b = client
        .get_advertiser_report()
        .start_date(world.start)
        .end_date(world.end);
    if let Some(id) = filter {
        b = b.offer_id(id);
    }
    let rows = b.execute().await.map_err(fail)?.response.data.advertisers;
    problems.extend(rows_problems(
        "Advertiser Report",
        &by_advertiser,
        rows.iter().map(|r| {
            (
                r.advertiser_id,
                r.clicks == 0 && r.conversions == 0 && r.revenue.is_zero(),
            )
        }),
    ));
    for r in &rows {
        let want = by_advertiser
            .get(&r.advertiser_id)
            .cloned()
            .unwrap_or_default();
        let got = (r.clicks, r.conversions, *r.revenue);
        let expected = (want.clicks, want.conversions, want.revenue);
        if got != expected {
            problems.push(format!(
                "Advertiser Report row {}: (clicks, conversions, revenue) = {got:?}, expected {expected:?}",
                r.advertiser_id
            ));
        }
    }

    // Get Conversions lists each recorded conversion in range once, as recorded.
    let mut b = client
        .get_conversions()
        .start_date(world.start)
        .end_date(world.end);
    if let Some(id) = filter {
        b = b.offer_id(id);
    }
    let page = b.execute().await.map_err(fail)?;
    let want: BTreeMap<u32, &types::RecordedConversion> = recorded
        .iter()
        .filter(|r| {
            (world.start..=world.end).contains(&r.conversion.conversion_date.date())
                && filter.is_none_or(|f| f == r.conversion.offer_id)
        })
        .map(|r| (r.conversion.conversion_id, &r.conversion))
        .collect();
    let listed: BTreeMap<u32, &types::Conversion> = page
        .conversions
        .iter()
        .map(|c| (c.conversion.conversion_id, &c.conversion))
        .collect();
    if page.total_rows != want.len() as u64
        || listed.len() != page.conversions.len()
        || listed.keys().ne(want.keys())
    {
        problems.push(format!(
            "Get Conversions: total_rows {} listing {:?}, expected the recorded {:?}",
            page.total_rows,
            page.conversions
                .iter()
                .map(|c| c.conversion.conversion_id)
                .collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        ));
    }
    for (id, c) in &listed {
        if let Some(r) = want.get(id) {
            if (
                c.payout,
                c.revenue,
                c.offer.offer_id,
                c.affiliate.affiliate_id,
            ) != (r.payout, r.revenue, r.offer_id, r.affiliate_id)
            {
                problems.push(format!("Get Conversions: {id} is {c:?}, recorded as {r:?}"));
            }
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail(format!(
            "over {} to {} (offer filter {filter:?}):\n  - {}\nrecorded: {:?}",
            world.start,
            world.end,
            problems.join("\n  - "),
            recorded.iter().map(|r| &r.conversion).collect::<Vec<_>>()
        )))
    }
}

#[test]
fn report_figures_equal_what_was_recorded_totals_are_sums_and_a_repeated_unique_id_counts_once() {
    let clock: cake_sim::Clock = Arc::new(|| CakeDateTime::new(now()));
    let sim = LocalSimulator::start(Store::new(), Some(clock)).unwrap();
    let client = sim.client().unwrap();
    run_property("simulator invariants", 256, world(), |world| {
        let store = store_of(&world).map_err(fail)?;
        // A fresh store for each world: the server keeps running.
        sim.simulator().with_store_mut(|s| *s = store);
        sim.block_on(async {
            let recorded = record_all(&client, &world).await?;
            check_reports(&client, &world, &recorded).await
        })
    });
}
