//! The simulator's behaviour beyond the samples: authentication, validation against the spec,
//! Record Conversion's rules and atomic deduplication, and report figures that follow what is
//! recorded. Raw HTTP is used where the SDK would refuse to send a bad request.

use std::sync::Arc;

use cake_client::{types, Client, RetryPolicy};
use cake_sim::{demo, store::ReportFilter, InjectedFailure, Simulator};
use chrono::NaiveDate;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

const KEY: &str = "behaviour-test-key";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn fixed_clock() -> cake_sim::Clock {
    Arc::new(|| "2026-03-04 05:06:07".parse().unwrap())
}

async fn start() -> (cake_sim::RunningSimulator, Client) {
    let sim = Simulator::demo(KEY)
        .with_clock(fixed_clock())
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let client = Client::builder(sim.base_url(), KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (sim, client)
}

/// Sends a raw GET and returns the status and the JSON body.
async fn raw(sim: &cake_sim::RunningSimulator, path_and_query: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}{path_and_query}", sim.base_url()))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body)
}

fn assert_failure(body: &Value, parameter: Option<&str>) {
    assert_eq!(body["request_status"], "Failure", "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    match parameter {
        Some(p) => assert_eq!(body["parameter"], p, "{body}"),
        None => assert!(body.get("parameter").is_none(), "{body}"),
    }
}

#[tokio::test]
async fn a_missing_or_wrong_api_key_is_401_and_never_echoed() {
    let (sim, _) = start().await;
    let q = "start_date=2026-01-01&end_date=2026-01-31";
    for query in [
        q.to_string(),
        format!("{q}&api_key=not-the-key-SECRET123"),
        format!("{q}&api_key={KEY}&api_key={KEY}"),
        format!("{q}&api_key="),
    ] {
        let (status, body) = raw(&sim, &format!("/api/2/report/offer.json?{query}")).await;
        assert_eq!(status, 401, "{query}");
        assert_failure(&body, Some("api_key"));
        assert!(!body.to_string().contains("SECRET123"));
        assert!(!body.to_string().contains(KEY));
    }
}

#[tokio::test]
async fn every_invalid_parameter_is_a_400_naming_it() {
    let (sim, _) = start().await;
    let k = format!("api_key={KEY}");
    let cases = [
        ("/api/2/report/offer.json?start_date=2026-01-01", "end_date"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&row_limit=20000", "row_limit"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&row_limit=0", "row_limit"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&start_at_row=0", "start_at_row"),
        ("/api/2/report/offer.json?start_date=2026-02-01&end_date=2026-01-31", "start_date"),
        ("/api/2/report/offer.json?start_date=2026-13-01&end_date=2026-01-31", "start_date"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&sort_field=payout", "sort_field"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&sort_descending=yes", "sort_descending"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&offer_id=abc", "offer_id"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&offer_id=1&offer_id=2", "offer_id"),
        ("/api/2/report/offer.json?start_date=2026-01-01&end_date=2026-01-31&bogus=1", "bogus"),
        ("/api/2/report/advertiser.json?start_date=2026-01-01&end_date=2026-01-31&sort_field=clicks", "sort_field"),
        ("/api/2/click.json?start_at_row=-1", "start_at_row"),
        ("/api/2/click.json?click_id=", "click_id"),
        ("/api/2/conversions.json?start_date=2026-01-01&end_date=2026-01-31&row_limit=501", "row_limit"),
        ("/api/2/conversions.json?start_date=2026-01-01&end_date=2026-01-31&conversion_status=paid", "conversion_status"),
        ("/api/2/conversion.json?offer_id=12345", "click_id"),
        ("/api/2/conversion.json?click_id=x&offer_id=12345&payout=-1", "payout"),
        ("/api/2/conversion.json?click_id=x&offer_id=12345&payout=1e999", "payout"),
        ("/api/2/conversion.json?click_id=x&offer_id=12345&conversion_date=2026-01-01T00:00:00Z", "conversion_date"),
    ];
    for (path, parameter) in cases {
        let (status, body) = raw(&sim, &format!("{path}&{k}")).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_failure(&body, Some(parameter));
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_the_failure_envelope() {
    let (sim, _) = start().await;
    let (status, body) = raw(&sim, "/api/2/nothing.json").await;
    assert_eq!(status, 404);
    assert_failure(&body, None);
    let response = reqwest::Client::new()
        .post(format!("{}/api/2/click.json", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert_failure(&body, None);
}

#[tokio::test]
async fn hostile_input_never_gets_a_500() {
    let (sim, _) = start().await;
    for query in [
        "start_date=2026-01-01&end_date=2026-01-31&offer_id=99999999999999999999",
        "start_date=2026-01-01&end_date=2026-01-31&offer_id=4294967296",
        "start_date=2026-01-01&end_date=2026-01-31&start_at_row=9223372036854775807",
        "start_date=0000-01-01&end_date=9999-12-31",
        "start_date=%FF%FE&end_date=2026-01-31",
        "%00=%00",
        "start_date=2026-01-01&end_date=2026-01-31&country_id=424242",
    ] {
        let url = format!("/api/2/report/offer.json?api_key={KEY}&{query}");
        let (status, body) = raw(&sim, &url).await;
        assert!(status == 200 || status == 400, "{query}: {status} {body}");
    }
    // Decimal's largest value is past the spec's maximum amount: refused, naming payout.
    let (status, body) = raw(
        &sim,
        &format!("/api/2/conversion.json?api_key={KEY}&click_id=x&offer_id=12345&payout=79228162514264337593543950335"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["parameter"], "payout", "{body}");
    // The maximum itself, with all its decimals, is a valid amount: the click is what is missing.
    let (status, body) = raw(
        &sim,
        &format!("/api/2/conversion.json?api_key={KEY}&click_id=x&offer_id=12345&payout=999999999999999.999999999999"),
    )
    .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn an_amount_that_would_overflow_the_sums_is_refused_not_a_panic() {
    let (sim, _) = start().await;
    let huge = "79228162514264337593543950335";
    let url = format!(
        "/api/2/conversion.json?api_key={KEY}&click_id={}&offer_id=12345&payout={huge}",
        demo::SAMPLE_CLICK_ID
    );
    let (status, body) = raw(&sim, &url).await;
    assert_eq!(status, 400, "{body}");
    assert_failure(&body, Some("payout"));
    // Reports still answer.
    let (status, _) = raw(
        &sim,
        &format!(
            "/api/2/report/offer.json?api_key={KEY}&start_date=2000-01-01&end_date=2030-01-01"
        ),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn recording_a_conversion_shows_in_get_conversions_get_click_and_every_report() {
    let (sim, client) = start().await;
    // A January click of offer 12346 that has not converted.
    let click = sim.simulator().with_store(|s| {
        s.clicks()
            .find(|c| {
                c.offer_id == 12346
                    && c.conversion_id.is_none()
                    && c.click_date.date().to_string().starts_with("2026-01")
            })
            .unwrap()
    });
    let jan = ReportFilter::between(day("2026-01-01"), day("2026-01-31"));
    let offers_before = sim.simulator().with_store(|s| s.offer_figures(&jan));
    let affiliates_before = sim.simulator().with_store(|s| s.affiliate_figures(&jan));
    let recorded = client
        .record_conversion()
        .click_id(click.click_id.as_str())
        .offer_id(12346u32)
        .conversion_date(
            "2026-01-20 10:00:00"
                .parse::<cake_client::CakeDateTime>()
                .unwrap(),
        )
        .unique_id("behaviour-1")
        .execute()
        .await
        .unwrap()
        .conversion;
    // The offer's payout rules, since none were given.
    assert_eq!(recorded.payout, dec!(18.00));
    assert_eq!(recorded.revenue, dec!(22.00));
    assert_eq!(recorded.affiliate_id, click.affiliate_id);
    assert_eq!(
        recorded.conversion_status,
        types::ConversionStatus::Approved
    );

    let clicks = client
        .get_click()
        .click_id(click.click_id.as_str())
        .execute()
        .await
        .unwrap();
    assert!(clicks.response.clicks[0].converted);
    assert_eq!(
        clicks.response.clicks[0].conversion_id,
        Some(recorded.conversion_id)
    );

    let found = client
        .get_conversions()
        .start_date(day("2026-01-20"))
        .end_date(day("2026-01-20"))
        .offer_id(12346u32)
        .collect_all()
        .await
        .unwrap();
    assert!(found
        .iter()
        .any(|c| c.conversion_id == recorded.conversion_id));

    let report = client
        .get_offer_report()
        .start_date(day("2026-01-01"))
        .end_date(day("2026-01-31"))
        .offer_id(12346u32)
        .execute()
        .await
        .unwrap();
    let row = &report.response.data.offers[0];
    let before = &offers_before[&12346];
    assert_eq!(row.conversions, before.conversions + 1);
    assert_eq!(row.payout, before.payout + dec!(18.00));
    assert_eq!(row.revenue, before.revenue + dec!(22.00));
    assert_eq!(row.clicks, before.clicks, "a conversion adds no click");

    let affiliates = client
        .get_affiliate_report()
        .start_date(day("2026-01-01"))
        .end_date(day("2026-01-31"))
        .affiliate_id(click.affiliate_id)
        .execute()
        .await
        .unwrap();
    let affiliate_before = &affiliates_before[&click.affiliate_id];
    assert_eq!(
        affiliates.response.data.affiliates[0].conversions,
        affiliate_before.conversions + 1
    );
    assert_eq!(
        affiliates.response.data.affiliates[0].payout,
        affiliate_before.payout + dec!(18.00)
    );
    let advertisers = client
        .get_advertiser_report()
        .start_date(day("2026-01-01"))
        .end_date(day("2026-01-31"))
        .advertiser_id(1021u32)
        .execute()
        .await
        .unwrap();
    assert_eq!(advertisers.response.data.advertisers[0].conversions, 488);
    assert_eq!(
        advertisers.response.data.advertisers[0].revenue,
        dec!(10736.00)
    );
}

#[tokio::test]
async fn payout_and_revenue_given_override_the_offer_rules_and_date_defaults_to_the_clock() {
    let (_sim, client) = start().await;
    let recorded = client
        .record_conversion()
        .click_id(demo::SAMPLE_CLICK_ID)
        .offer_id(12345u32)
        .payout(dec!(3.5))
        .revenue(dec!(4.25))
        .execute()
        .await
        .unwrap()
        .conversion;
    assert_eq!(recorded.payout, dec!(3.5));
    assert_eq!(recorded.revenue, dec!(4.25));
    assert_eq!(recorded.conversion_date.to_string(), "2026-03-04 05:06:07");
    assert_eq!(recorded.unique_id, None);
    assert!(recorded.conversion_id > demo::SAMPLE_CONVERSION_ID);
}

#[tokio::test]
async fn an_unknown_click_is_404_and_another_offers_click_is_409() {
    let (sim, client) = start().await;
    let before = sim.simulator().with_store(|s| s.conversions().len());
    let e = client
        .record_conversion()
        .click_id("no-such-click")
        .offer_id(12345u32)
        .execute()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.parameter(), Some("click_id"));
    let e = client
        .record_conversion()
        .click_id(demo::SAMPLE_CLICK_ID)
        .offer_id(777u32)
        .execute()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(e.parameter(), Some("offer_id"));
    assert!(
        e.to_string().contains("belongs to offer 12345, not 777"),
        "{e}"
    );
    assert_eq!(
        before,
        sim.simulator().with_store(|s| s.conversions().len())
    );
}

#[tokio::test]
async fn the_same_unique_id_again_returns_the_original_and_counts_once() {
    let (sim, client) = start().await;
    let send = |payout: Decimal| {
        client
            .record_conversion()
            .click_id(demo::SAMPLE_CLICK_ID)
            .offer_id(12345u32)
            .payout(payout)
            .unique_id("dedup-1")
            .execute()
    };
    let first = send(dec!(1.00)).await.unwrap().conversion;
    let second = send(dec!(9.00)).await.unwrap().conversion;
    assert_eq!(first, second, "the repeat returns the original unchanged");
    let count = sim.simulator().with_store(|s| {
        s.conversions()
            .iter()
            .filter(|c| c.unique_id.as_deref() == Some("dedup-1"))
            .count()
    });
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_requests_with_one_unique_id_record_one_conversion() {
    let (sim, _) = start().await;
    let base_url = sim.base_url();
    let before = sim.simulator().with_store(|s| s.conversions().len());
    // 8 unique_ids, each sent by 16 concurrent tasks at once.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let base_url = base_url.clone();
        tasks.push(tokio::spawn(async move {
            let client = Client::builder(base_url, KEY)
                .retry(RetryPolicy::none())
                .build()
                .unwrap();
            let mut ids = Vec::new();
            for n in 0..8 {
                let unique_id = format!("race-{n}");
                let c = client
                    .record_conversion()
                    .click_id(demo::SAMPLE_CLICK_ID)
                    .offer_id(12345u32)
                    .unique_id(unique_id.as_str())
                    .execute()
                    .await
                    .unwrap()
                    .conversion;
                ids.push((unique_id, c.conversion_id));
            }
            ids
        }));
    }
    let mut seen = std::collections::BTreeMap::new();
    for t in tasks {
        for (unique_id, id) in t.await.unwrap() {
            let first = *seen.entry(unique_id.clone()).or_insert(id);
            assert_eq!(first, id, "{unique_id} got two conversion ids");
        }
    }
    let after = sim.simulator().with_store(|s| s.conversions().len());
    assert_eq!(after - before, 8, "exactly one conversion per unique_id");
}

#[tokio::test]
async fn paging_is_1_based_on_reports_and_0_based_on_get_click_and_streams_cover_everything() {
    let (sim, client) = start().await;
    let (_, all) = raw(
        &sim,
        &format!(
            "/api/2/report/offer.json?api_key={KEY}&start_date=2026-01-01&end_date=2026-01-31"
        ),
    )
    .await;
    let (_, second) = raw(&sim, &format!("/api/2/report/offer.json?api_key={KEY}&start_date=2026-01-01&end_date=2026-01-31&start_at_row=2&row_limit=1")).await;
    assert_eq!(
        second["response"]["data"]["offers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        second["response"]["data"]["offers"][0],
        all["response"]["data"]["offers"][1]
    );
    // Totals cover every matching row, not the page.
    assert_eq!(
        second["response"]["data"]["totals"],
        all["response"]["data"]["totals"]
    );

    let (_, first_click) = raw(&sim, &format!("/api/2/click.json?api_key={KEY}&start_date=2026-01-01&end_date=2026-01-31&start_at_row=0&row_limit=1")).await;
    let (_, two_clicks) = raw(
        &sim,
        &format!(
            "/api/2/click.json?api_key={KEY}&start_date=2026-01-01&end_date=2026-01-31&row_limit=2"
        ),
    )
    .await;
    assert_eq!(
        first_click["response"]["clicks"][0],
        two_clicks["response"]["clicks"][0]
    );

    let expected = sim.simulator().with_store(|s| {
        s.clicks()
            .filter(|c| {
                c.offer_id == 22001
                    && c.click_date.date() >= day("2026-01-01")
                    && c.click_date.date() <= day("2026-01-31")
            })
            .count()
    });
    let streamed: Vec<types::Click> = client
        .get_click()
        .start_date(day("2026-01-01"))
        .end_date(day("2026-01-31"))
        .offer_id(22001u32)
        .stream_with(cake_client::PageOptions {
            page_size: Some(700),
            prefetch: true,
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), expected);
    assert_eq!(expected, 2600);
    let ids: std::collections::HashSet<_> = streamed.iter().map(|c| c.click_id.clone()).collect();
    assert_eq!(ids.len(), expected, "no click twice across pages");
}

#[tokio::test]
async fn filters_narrow_reports_as_documented() {
    let (_sim, client) = start().await;
    let report = |country: Option<u32>, vertical: Option<u32>| {
        let mut r = client
            .get_offer_report()
            .start_date(day("2026-01-01"))
            .end_date(day("2026-01-31"));
        if let Some(c) = country {
            r = r.country_id(c);
        }
        if let Some(v) = vertical {
            r = r.vertical_id(v);
        }
        r.execute()
    };
    let ids = |b: types::OfferReportResponse| {
        b.response
            .data
            .offers
            .iter()
            .map(|r| r.offer_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(report(None, None).await.unwrap()),
        vec![12345, 12346, 22001]
    );
    assert_eq!(
        ids(report(Some(2), None).await.unwrap()),
        vec![22001],
        "CA clicks only"
    );
    assert_eq!(
        ids(report(None, Some(10)).await.unwrap()),
        vec![12345, 12346]
    );
    assert_eq!(ids(report(Some(3), None).await.unwrap()), Vec::<u32>::new());

    // The Get Conversions sample without its status filter also finds the pending conversion.
    let without_status = client
        .get_conversions()
        .start_date(day("2026-06-01"))
        .end_date(day("2026-06-19"))
        .offer_id(12345u32)
        .execute()
        .await
        .unwrap();
    assert_eq!(without_status.total_rows, 2);
    let pending = client
        .get_conversions()
        .start_date(day("2026-06-01"))
        .end_date(day("2026-06-30"))
        .conversion_status(types::ConversionStatus::Pending)
        .execute()
        .await
        .unwrap();
    assert_eq!(pending.total_rows, 1);
    let sorted = client
        .get_conversions()
        .start_date(day("2026-06-01"))
        .end_date(day("2026-06-30"))
        .sort_field(types::ConversionSortField::ConversionDate)
        .sort_descending(true)
        .execute()
        .await
        .unwrap();
    let dates: Vec<_> = sorted
        .conversions
        .iter()
        .map(|c| c.conversion.conversion_date)
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert_eq!(
        sorted.conversions[0].conversion.conversion_id,
        demo::SAMPLE_CONVERSION_ID
    );
}

#[tokio::test]
async fn injected_failures_answer_with_the_envelope_then_stop() {
    let (sim, client) = start().await;
    sim.simulator().inject_failures(
        InjectedFailure {
            status: 503,
            retry_after_seconds: Some(0),
        },
        1,
    );
    let e = client
        .get_click()
        .click_id(demo::SAMPLE_CLICK_ID)
        .execute()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert!(client
        .get_click()
        .click_id(demo::SAMPLE_CLICK_ID)
        .execute()
        .await
        .is_ok());
}
