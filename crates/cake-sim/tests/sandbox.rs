//! The simulator as another team's CI uses it: set up its own data through `/_sim/`, move the
//! clock, script faults (a 429 with Retry-After, a conversion committed and then dropped), read
//! the journal, reset; and the set-up API held to its own OpenAPI document.

use std::time::{Duration, Instant};

use cake_client::{types, CallOptions, Client, Error, RetryPolicy};
use cake_sim::{RunningSimulator, Simulator};
use serde_json::{json, Value};

const KEY: &str = "sandbox-test-KEY-7f3a";

async fn start() -> RunningSimulator {
    Simulator::demo(KEY).serve("127.0.0.1:0").await.unwrap()
}

fn client(sim: &RunningSimulator, retry: RetryPolicy) -> Client {
    Client::builder(sim.base_url(), KEY)
        .retry(retry)
        .build()
        .unwrap()
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(10),
    }
}

/// A request to the set-up API: status and JSON body.
async fn setup(
    sim: &RunningSimulator,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}?api_key={KEY}", sim.base_url()));
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// A click of its own on the demo's offer 12345 and affiliate 67890, added through `/_sim/data`.
async fn add_click(sim: &RunningSimulator, click_id: &str) {
    let (status, body) = setup(
        sim,
        reqwest::Method::POST,
        "/_sim/data",
        Some(json!({"clicks": [{"click_id": click_id, "click_date": "2026-07-01 10:00:00",
            "offer_id": 12345, "affiliate_id": 67890, "ip_address": "198.51.100.7", "country": "US"}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Every conversion of July 2026: Get Conversions has no click filter, so the tests' own
/// clicks are in a month the demo data leaves empty.
async fn july_conversions(c: &Client) -> Vec<types::Conversion> {
    c.get_conversions()
        .start_date(day("2026-07-01"))
        .end_date(day("2026-07-31"))
        .collect_all()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_test_adds_its_click_records_a_conversion_on_it_and_reads_it_back() {
    let sim = start().await;
    add_click(&sim, "team-click-1").await;
    let c = client(&sim, RetryPolicy::none());
    let recorded = c
        .record_conversion()
        .click_id("team-click-1")
        .offer_id(12345u32)
        .conversion_date(
            "2026-07-01 10:05:00"
                .parse::<cake_client::CakeDateTime>()
                .unwrap(),
        )
        .unique_id("TEAM-ORDER-1")
        .execute()
        .await
        .unwrap();
    assert_eq!(recorded.conversion.click_id, "team-click-1");
    let back = july_conversions(&c).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].conversion_id, recorded.conversion.conversion_id);
    let click = c
        .get_click()
        .click_id("team-click-1")
        .execute()
        .await
        .unwrap();
    assert!(click.response.clicks[0].converted);
}

#[tokio::test]
async fn bad_set_up_data_names_the_entry_and_adds_nothing() {
    let sim = start().await;
    let before = sim.simulator().with_store(|s| s.click_count());
    let (status, body) = setup(
        &sim,
        reqwest::Method::POST,
        "/_sim/data",
        Some(json!({"clicks": [
            {"click_id": "ok-1", "click_date": "2026-07-01 10:00:00", "offer_id": 12345, "affiliate_id": 67890, "ip_address": "1.2.3.4", "country": "US"},
            {"click_id": "bad-1", "click_date": "2026-07-01 10:00:00", "offer_id": 999, "affiliate_id": 67890, "ip_address": "1.2.3.4", "country": "US"}
        ]})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["parameter"], "clicks[1].offer_id", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was added"),
        "{body}"
    );
    assert_eq!(sim.simulator().with_store(|s| s.click_count()), before);
}

#[tokio::test]
async fn the_set_up_api_wants_the_key_and_never_shows_it() {
    let sim = start().await;
    let response = reqwest::get(format!("{}/_sim/journal?api_key=wrong", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body = response.text().await.unwrap();
    assert!(!body.contains(KEY) && !body.contains("wrong"), "{body}");
}

#[tokio::test]
async fn the_clock_sets_the_default_conversion_date_and_moves() {
    let sim = start().await;
    add_click(&sim, "clock-click").await;
    let (status, body) = setup(
        &sim,
        reqwest::Method::PUT,
        "/_sim/clock",
        Some(json!({"now": "2026-07-02 08:00:00"})),
    )
    .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (200, Some("fixed")),
        "{body}"
    );
    let c = client(&sim, RetryPolicy::none());
    let first = c
        .record_conversion()
        .click_id("clock-click")
        .offer_id(12345u32)
        .unique_id("CLOCK-1")
        .execute()
        .await
        .unwrap();
    assert_eq!(
        first.conversion.conversion_date.to_string(),
        "2026-07-02 08:00:00"
    );
    let (_, moved) = setup(
        &sim,
        reqwest::Method::PUT,
        "/_sim/clock",
        Some(json!({"advance_seconds": 5400})),
    )
    .await;
    assert_eq!(moved["now"], "2026-07-02 09:30:00", "{moved}");
    let (status, bad) = setup(
        &sim,
        reqwest::Method::PUT,
        "/_sim/clock",
        Some(json!({"now": "2026-07-02T09:30:00"})),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    let (_, wall) = setup(&sim, reqwest::Method::DELETE, "/_sim/clock", None).await;
    assert_eq!(wall["mode"], "wall");
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_by_the_sdk() {
    let sim = start().await;
    let (status, body) = setup(
        &sim,
        reqwest::Method::PUT,
        "/_sim/faults",
        Some(json!({"rules": [{"operation": "get_offer_report",
            "fault": {"type": "status", "status": 429, "retry_after_seconds": 1}, "times": 1}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let started = Instant::now();
    let answer = client(&sim, RetryPolicy::default())
        .get_offer_report()
        .start_date(day("2026-01-01"))
        .end_date(day("2026-01-31"))
        .execute_with_response()
        .await
        .unwrap();
    assert_eq!(answer.attempts(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    // Other operations were never touched.
    let (_, journal) = setup(&sim, reqwest::Method::GET, "/_sim/journal", None).await;
    let statuses: Vec<_> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["operation_id"].as_str().unwrap().to_string(),
                r["status"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("get_offer_report".to_string(), Some(429)),
            ("get_offer_report".to_string(), Some(200))
        ]
    );
}

async fn drop_next_conversion(sim: &RunningSimulator) {
    let (status, body) = setup(
        sim,
        reqwest::Method::PUT,
        "/_sim/faults",
        Some(json!({"rules": [{"operation": "record_conversion",
            "fault": {"type": "commit_then_drop"}, "times": 1}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

fn recorded_with_unique_id(sim: &RunningSimulator, unique_id: &str) -> usize {
    sim.simulator()
        .with_store(|s| s.conversion_by_unique_id(unique_id).is_some() as usize)
}

#[tokio::test]
async fn commit_then_drop_with_unique_id_records_exactly_once() {
    let sim = start().await;
    add_click(&sim, "drop-click-1").await;
    drop_next_conversion(&sim).await;
    let before = sim.simulator().with_store(|s| s.conversions().len());
    let outcome = client(&sim, fast_retries(4))
        .record_conversion()
        .click_id("drop-click-1")
        .offer_id(12345u32)
        .unique_id("DROP-ORDER-1")
        .execute()
        .await;
    // The first attempt was recorded and dropped; the retry found it by its unique_id.
    let recorded = outcome.expect("a repeat with the same unique_id is safe, and was made");
    assert_eq!(
        recorded.conversion.unique_id.as_deref(),
        Some("DROP-ORDER-1")
    );
    assert_eq!(
        sim.simulator().with_store(|s| s.conversions().len()),
        before + 1
    );
    assert_eq!(recorded_with_unique_id(&sim, "DROP-ORDER-1"), 1);
    let (_, journal) = setup(&sim, reqwest::Method::GET, "/_sim/journal", None).await;
    let conversions: Vec<_> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation_id"] == "record_conversion")
        .map(|r| r["status"].as_u64())
        .collect();
    assert_eq!(conversions, [None, Some(200)], "{journal}");
}

#[tokio::test]
async fn commit_then_drop_without_unique_id_is_sent_once_and_the_error_says_it_may_be_recorded() {
    let sim = start().await;
    add_click(&sim, "drop-click-2").await;
    drop_next_conversion(&sim).await;
    let before = sim.simulator().with_store(|s| s.conversions().len());
    let e = client(&sim, fast_retries(4))
        .record_conversion()
        .click_id("drop-click-2")
        .offer_id(12345u32)
        .execute()
        .await
        .unwrap_err();
    assert!(e.may_have_created_data(), "{e:?}");
    assert!(matches!(e, Error::OutcomeUnknown { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("may have been recorded") && text.contains("unique_id"),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
    // It was recorded, once; and nothing sent it again.
    assert_eq!(
        sim.simulator().with_store(|s| s.conversions().len()),
        before + 1
    );
    assert_eq!(sim.simulator().journal().1, 1);
}

#[tokio::test]
async fn latency_is_added_and_a_calls_timeout_sees_it() {
    let sim = start().await;
    sim.simulator()
        .set_faults(
            cake_sim::FaultPlan::from_text(
                "rules: [{operation: get_click, fault: {type: latency, ms: 400}, times: 1}]",
            )
            .unwrap(),
        )
        .unwrap();
    let e = client(&sim, RetryPolicy::none())
        .get_click()
        .click_id("x")
        .with_options(CallOptions::new().timeout(Duration::from_millis(100)))
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: cake_client::TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_bad_fault_plan_names_the_rule() {
    let sim = start().await;
    let (status, body) = setup(
        &sim,
        reqwest::Method::PUT,
        "/_sim/faults",
        Some(json!({"rules": [{"fault": {"type": "latency", "ms": 1}}, {"operation": "get_clicks", "fault": {"type": "commit_then_drop"}}]})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["parameter"], "rules[1].operation", "{body}");
    assert_eq!(sim.simulator().faults(), cake_sim::FaultPlan::default());
}

#[tokio::test]
async fn reset_goes_back_to_the_start_and_the_journal_redacts_the_key() {
    let sim = start().await;
    let start_conversions = sim.simulator().with_store(|s| s.conversions().len());
    add_click(&sim, "reset-click").await;
    let c = client(&sim, RetryPolicy::none());
    c.record_conversion()
        .click_id("reset-click")
        .offer_id(12345u32)
        .unique_id("RESET-1")
        .execute()
        .await
        .unwrap();
    let (entries, total) = sim.simulator().journal();
    assert_eq!(total, 1);
    assert!(entries[0].query.contains("api_key=***"), "{:?}", entries[0]);
    assert!(!entries[0].query.contains(KEY));
    let (status, _) = setup(&sim, reqwest::Method::POST, "/_sim/reset", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.simulator().with_store(|s| s.conversions().len()),
        start_conversions
    );
    assert!(sim
        .simulator()
        .with_store(|s| s.click("reset-click").is_none()));
    assert_eq!(sim.simulator().journal().1, 0);
}

/// A simulator whose start is rebuilt on reset (`cake serve --demo-scale`, so that a large
/// store is not held twice) goes back to exactly the same start, by building it again.
#[tokio::test]
async fn a_rebuilt_start_resets_to_the_same_store() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let builds = Arc::new(AtomicUsize::new(0));
    let counted = builds.clone();
    let sim = Simulator::rebuilt_on_reset(KEY, move || {
        counted.fetch_add(1, Ordering::SeqCst);
        cake_sim::demo_store_scaled(300)
    })
    .serve("127.0.0.1:0")
    .await
    .unwrap();
    let snapshot = |sim: &RunningSimulator| {
        sim.simulator().with_store(|s| {
            (
                s.clicks().map(|c| format!("{c:?}")).collect::<Vec<_>>(),
                s.conversions().len(),
            )
        })
    };
    let at_start = snapshot(&sim);
    assert_eq!(builds.load(Ordering::SeqCst), 1);
    add_click(&sim, "rebuilt-click").await;
    client(&sim, RetryPolicy::none())
        .record_conversion()
        .click_id("rebuilt-click")
        .offer_id(12345u32)
        .execute()
        .await
        .unwrap();
    assert_ne!(snapshot(&sim), at_start);
    let (status, _) = setup(&sim, reqwest::Method::POST, "/_sim/reset", None).await;
    assert_eq!(status, 200);
    assert_eq!(builds.load(Ordering::SeqCst), 2);
    assert_eq!(snapshot(&sim), at_start);
}

/// Every route of the set-up API is in `sim-api.yaml`, and every answer above holds its schema.
#[tokio::test]
async fn the_set_up_api_holds_its_openapi_document() {
    let doc: Value =
        serde_yaml_ng::from_str(include_str!("../sim-api.yaml")).expect("sim-api.yaml is YAML");
    assert_eq!(doc["openapi"], "3.0.3");
    let sim = start().await;
    add_click(&sim, "doc-click").await;
    let calls: Vec<(reqwest::Method, &str, Option<Value>, u16)> = vec![
        (
            reqwest::Method::POST,
            "/_sim/data",
            Some(json!({"advertisers": [{"advertiser_id": 77, "advertiser_name": "A"}]})),
            200,
        ),
        (
            reqwest::Method::POST,
            "/_sim/data",
            Some(json!({"clicks": [{"click_id": "x"}]})),
            400,
        ),
        (reqwest::Method::GET, "/_sim/clock", None, 200),
        (
            reqwest::Method::PUT,
            "/_sim/clock",
            Some(json!({"now": "2026-07-02 08:00:00"})),
            200,
        ),
        (reqwest::Method::DELETE, "/_sim/clock", None, 200),
        (reqwest::Method::GET, "/_sim/journal", None, 200),
        (
            reqwest::Method::PUT,
            "/_sim/faults",
            Some(
                json!({"seed": 3, "rules": [{"fault": {"type": "latency", "ms": 1}, "probability": 0.5}]}),
            ),
            200,
        ),
        (reqwest::Method::GET, "/_sim/faults", None, 200),
        (reqwest::Method::DELETE, "/_sim/faults", None, 200),
        (reqwest::Method::POST, "/_sim/reset", None, 200),
    ];
    let mut problems = Vec::new();
    let mut called = std::collections::BTreeSet::new();
    for (method, path, body, want) in calls {
        called.insert(format!("{method} {path}"));
        let op = &doc["paths"][path][method.as_str().to_lowercase()];
        if op.is_null() {
            problems.push(format!("{method} {path} is not in sim-api.yaml"));
            continue;
        }
        let (status, answer) = setup(&sim, method.clone(), path, body).await;
        if status != want {
            problems.push(format!(
                "{method} {path}: status {status}, expected {want}: {answer}"
            ));
            continue;
        }
        let mut response = &op["responses"][status.to_string()];
        if let Some(r) = response["$ref"].as_str() {
            response = doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or(&Value::Null);
        }
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            problems.push(format!(
                "{method} {path}: status {status} is not documented"
            ));
            continue;
        }
        for v in cake_spec::schema::violations(&doc, schema, &answer) {
            problems.push(format!("{method} {path} {status}: {v}"));
        }
    }
    let documented: std::collections::BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    assert_eq!(
        documented, called,
        "every documented route is exercised here, and only those"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
