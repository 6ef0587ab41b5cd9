//! `--state DIR` in process: every acknowledged change comes back after a restart, identical.
//! (The SIGKILL test, with `cake serve` as a process, is in crates/cake-cli/tests.)

use cake_client::{Client, RetryPolicy};
use cake_sim::{ClockSetting, FaultPlan, Simulator};

const KEY: &str = "durable-test-key";

fn state_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cake-sim-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn sim(dir: &std::path::Path) -> Simulator {
    Simulator::demo(KEY).with_state(dir, "demo data").unwrap()
}

/// Everything a restart must bring back, as comparable data.
fn snapshot(sim: &Simulator) -> (usize, Vec<String>, String, String) {
    let (clicks, conversions) = sim.with_store(|s| {
        (
            s.click_count(),
            s.conversions()
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>(),
        )
    });
    (
        clicks,
        conversions,
        sim.now().to_string(),
        format!("{:?}", sim.faults()),
    )
}

#[tokio::test]
async fn a_restart_restores_data_conversions_clock_and_faults_and_a_reset() {
    let dir = state_dir("restart");
    let running = sim(&dir).serve("127.0.0.1:0").await.unwrap();
    let s = running.simulator();
    s.load(
        cake_sim::Dataset::from_text(
            r#"{"clicks": [{"click_id": "kept-1", "click_date": "2026-07-01 10:00:00", "offer_id": 12345,
                "affiliate_id": 67890, "ip_address": "198.51.100.7", "country": "US"}]}"#,
            false,
        )
        .unwrap(),
    )
    .unwrap();
    s.set_clock(ClockSetting::Fixed("2026-07-02 08:00:00".parse().unwrap()))
        .unwrap();
    let client = Client::builder(running.base_url(), KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let recorded = client
        .record_conversion()
        .click_id("kept-1")
        .offer_id(12345u32)
        .payout(rust_decimal_macros::dec!(18.25))
        .unique_id("KEPT-1")
        .adv1("note")
        .execute()
        .await
        .unwrap();
    // A repeat, and a refused one, change nothing, before or after the restart.
    client
        .record_conversion()
        .click_id("kept-1")
        .offer_id(12345u32)
        .unique_id("KEPT-1")
        .execute()
        .await
        .unwrap();
    client
        .record_conversion()
        .click_id("no-such-click")
        .offer_id(12345u32)
        .execute()
        .await
        .unwrap_err();
    s.set_faults(
        FaultPlan::from_text("rules: [{operation: get_click, fault: {type: latency, ms: 1}}]")
            .unwrap(),
    )
    .unwrap();
    let before = snapshot(s);
    running.shutdown().await;

    let again = sim(&dir);
    assert_eq!(snapshot(&again), before);
    let kept = again.with_store(|st| st.conversion_by_unique_id("KEPT-1").cloned().unwrap());
    assert_eq!(kept.conversion_id, recorded.conversion.conversion_id);
    assert_eq!(kept.payout.to_string(), "18.25");
    assert_eq!(kept.conversion_date.to_string(), "2026-07-02 08:00:00");

    // A reset is kept too: back to the start after another restart.
    again.reset().unwrap();
    let start = snapshot(&Simulator::demo(KEY));
    let after_reset = sim(&dir);
    assert_eq!(snapshot(&after_reset).0, start.0);
    assert_eq!(snapshot(&after_reset).1, start.1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_made_on_another_start_is_refused() {
    let dir = state_dir("other-start");
    drop(sim(&dir));
    let e = Simulator::demo(KEY)
        .with_state(&dir, "data from mine.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("started with demo data, not data from mine.yaml"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
