//! The simulator driven with no HTTP at all: [`Simulator::call`] is the path a GET takes once it
//! is off the socket, so a test (or another transport) gets the same answers, faults, journal
//! and state on disk without binding a port. Nothing here starts a server.

use cake_client::{
    query::{GetConversionsQuery, RecordConversionQuery},
    types, CakeDateTime,
};
use cake_sim::{
    demo::SAMPLE_CLICK_ID, Answer, ClockSetting, Fault, FaultPlan, FaultRule, Simulator,
};

const KEY: &str = "no-http-key";
const RECORD: &str = RecordConversionQuery::OPERATION_ID;

fn state_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cake-sim-no-http-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A Record Conversion query for the sample click, with this `unique_id`.
fn record(unique_id: &str) -> String {
    format!(
        "api_key={KEY}&click_id={SAMPLE_CLICK_ID}&offer_id=12345&payout=12.34&revenue=20.00&unique_id={unique_id}"
    )
}

fn recorded(sim: &Simulator, unique_id: &str) -> Option<(u32, CakeDateTime)> {
    sim.with_store(|s| {
        s.conversion_by_unique_id(unique_id)
            .map(|c| (c.conversion_id, c.conversion_date))
    })
}

fn fixed(text: &str) -> CakeDateTime {
    text.parse().unwrap()
}

#[tokio::test]
async fn a_conversion_a_fault_a_reset_and_the_state_on_disk_without_http() {
    let dir = state_dir("flow");
    let sim = Simulator::demo(KEY).with_state(&dir, "demo data").unwrap();
    sim.set_clock(ClockSetting::Fixed(fixed("2026-07-02 08:00:00")))
        .unwrap();

    // Record a conversion: the spec's answer, and the store holds it at the simulator's "now".
    let answer = sim.call(RECORD, &record("no-http-1")).await;
    let reply = answer.reply().expect("an answer, not a dropped connection");
    assert_eq!(reply.status, 200, "{reply:?}");
    let first: types::RecordConversionResponse = reply.json().unwrap();
    let id = first.conversion.conversion_id;
    assert_eq!(
        recorded(&sim, "no-http-1"),
        Some((id, fixed("2026-07-02 08:00:00")))
    );
    // A repeat of the unique_id is the same conversion, not a second one.
    let repeat: types::RecordConversionResponse = sim
        .call(RECORD, &record("no-http-1"))
        .await
        .reply()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(repeat.conversion.conversion_id, id);

    // The api_key is checked, and a bad parameter is named, before anything is recorded.
    let wrong_key = record("no-http-x").replace(KEY, "not-the-key");
    let refused = sim.call(RECORD, &wrong_key).await;
    let refused = refused.reply().unwrap();
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused
            .json::<types::Failure>()
            .unwrap()
            .parameter
            .as_deref(),
        Some("api_key")
    );
    assert!(!String::from_utf8_lossy(&refused.body).contains("not-the-key"));
    let bad = sim
        .call(
            RECORD,
            &record("no-http-x").replace("payout=12.34", "payout=lots"),
        )
        .await;
    let bad = bad.reply().unwrap();
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json::<types::Failure>().unwrap().parameter.as_deref(),
        Some("payout")
    );
    assert_eq!(recorded(&sim, "no-http-x"), None);

    // Faults: a 503 with Retry-After does nothing; a commit_then_drop records, then answers
    // nothing; after both, requests are answered again.
    let rule = |fault| FaultRule {
        operation: Some(RECORD.to_string()),
        fault,
        after: 0,
        times: Some(1),
        probability: None,
    };
    sim.set_faults(FaultPlan {
        seed: 0,
        rules: vec![
            rule(Fault::Status {
                status: 503,
                retry_after_seconds: Some(2),
            }),
            rule(Fault::CommitThenDrop),
        ],
    })
    .unwrap();
    let injected = sim.call(RECORD, &record("no-http-2")).await;
    let injected = injected.reply().unwrap();
    assert_eq!(
        (injected.status, injected.retry_after_seconds),
        (503, Some(2))
    );
    assert_eq!(recorded(&sim, "no-http-2"), None);
    assert_eq!(
        sim.call(RECORD, &record("no-http-2")).await,
        Answer::Dropped
    );
    let dropped_but_kept = recorded(&sim, "no-http-2").expect("commit_then_drop records");
    // Another operation is untouched by rules for Record Conversion.
    let list = format!("api_key={KEY}&start_date=2026-07-01&end_date=2026-07-31&offer_id=12345");
    let listed = sim.call(GetConversionsQuery::OPERATION_ID, &list).await;
    let listed: types::GetConversionsResponse = listed.reply().unwrap().json().unwrap();
    assert_eq!(
        listed.total_rows, 2,
        "no-http-1 and no-http-2 on 2026-07-02"
    );

    // The journal: every call in order, with its status (none for the dropped one) and the
    // api_key redacted.
    let (entries, total) = sim.journal();
    assert_eq!(total, 7);
    let statuses: Vec<Option<u16>> = entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            Some(200),
            Some(200),
            Some(401),
            Some(400),
            Some(503),
            None,
            Some(200)
        ]
    );
    assert!(entries.iter().all(|e| e.query.contains("api_key=***")
        && !e.query.contains(KEY)
        && !e.query.contains("not-the-key")));

    // State on disk: a simulator opened on the same directory has both conversions, the clock
    // and the faults (both rules spent: the plan is kept, its counts start again).
    let reopened = Simulator::demo(KEY).with_state(&dir, "demo data").unwrap();
    assert_eq!(
        recorded(&reopened, "no-http-1"),
        Some((id, fixed("2026-07-02 08:00:00")))
    );
    assert_eq!(recorded(&reopened, "no-http-2"), Some(dropped_but_kept));
    assert_eq!(reopened.now(), fixed("2026-07-02 08:00:00"));
    assert_eq!(reopened.faults(), sim.faults());
    drop(reopened);

    // Reset: back to the demo data, the wall clock, no faults, an empty journal; and kept so.
    sim.reset().unwrap();
    assert_eq!(recorded(&sim, "no-http-1"), None);
    assert_eq!(recorded(&sim, "no-http-2"), None);
    assert_eq!(sim.clock_mode(), "wall");
    assert_eq!(sim.faults(), FaultPlan::default());
    assert_eq!(sim.journal().1, 0);
    let after_reset = Simulator::demo(KEY).with_state(&dir, "demo data").unwrap();
    assert_eq!(recorded(&after_reset, "no-http-1"), None);
    assert_eq!(after_reset.clock_mode(), "wall");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_unknown_operation_is_a_404_and_a_latency_fault_delays_the_answer() {
    let sim = Simulator::demo(KEY);
    let unknown = sim
        .call("no_such_operation", &format!("api_key={KEY}"))
        .await;
    assert_eq!(unknown.reply().unwrap().status, 404);
    // No journal entry: it is not one of CAKE's operations.
    assert_eq!(sim.journal().1, 0);

    sim.set_faults(FaultPlan {
        seed: 0,
        rules: vec![FaultRule {
            operation: None,
            fault: Fault::Latency { ms: 150 },
            after: 0,
            times: Some(1),
            probability: None,
        }],
    })
    .unwrap();
    let query = format!("api_key={KEY}&start_date=2026-01-01&end_date=2026-01-31");
    let started = std::time::Instant::now();
    let answer = sim
        .call(
            cake_client::query::GetOfferReportQuery::OPERATION_ID,
            &query,
        )
        .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    let report: types::OfferReportResponse = answer.reply().unwrap().json().unwrap();
    assert!(!report.response.data.offers.is_empty());
}
