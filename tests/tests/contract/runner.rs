//! The runner (`cake-contract`, `src/runner.rs`): the suite's checks against a server named on
//! the command line, with its exit codes and reports.

use std::process::Command;

use cake_contract_tests::{
    runner::{run, Options, INVALID_REQUESTS, VALID_REQUESTS, WRONG_KEY},
    simulator::LocalSimulator,
};
use httpmock::MockServer;

fn options(base_url: &str, api_key: &str) -> Options {
    Options {
        base_url: base_url.into(),
        api_key: api_key.into(),
        allow_writes: true,
        cases: 16,
        seed: 7,
    }
}

/// A server that answers every request 200 with a body no operation's schema allows.
fn broken_server() -> MockServer {
    let server = MockServer::start();
    server.mock(|_, then| {
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"request_status":"Success","response":"not an object"}"#);
    });
    server
}

#[test]
fn against_the_simulator_every_check_holds_and_the_reports_say_so() {
    let sim = LocalSimulator::demo().unwrap();
    let report = run(&options(&sim.base_url(), sim.api_key())).unwrap();
    assert_eq!(report.failures(), 0, "{}", report.summary());
    // Six operations, three checks each.
    assert_eq!(report.outcomes.len(), 18, "{}", report.summary());
    for (op, seen, _) in report.coverage() {
        assert!(seen.iter().any(|s| s == "401"), "{op}: {seen:?}");
        assert!(seen.iter().any(|s| s == "400"), "{op}: {seen:?}");
        if !op.contains("conversion") || op.starts_with("get") {
            assert!(seen.iter().any(|s| s == "200"), "{op}: {seen:?}");
        }
    }
    let junit = report.junit();
    assert!(junit.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    assert_eq!(junit.matches("<testcase ").count(), 18);
    assert_eq!(junit.matches("<testsuite ").count(), 6);
    assert!(!junit.contains("<failure"));
    for text in [junit, report.summary(), report.markdown()] {
        assert!(!text.contains(sim.api_key()), "the api_key must never show");
    }
}

#[test]
fn a_server_that_breaks_the_contract_fails_each_check_that_sees_it() {
    let server = broken_server();
    let report = run(&options(&server.base_url(), "any-key")).unwrap();
    let failed: Vec<(&str, &str)> = report
        .outcomes
        .iter()
        .filter(|o| o.failure.is_some())
        .map(|o| (o.operation.as_str(), o.check))
        .collect();
    // Every operation's valid requests get a body its schema refuses; a wrong key and invalid
    // requests get 200.
    assert_eq!(failed.len(), 18, "{}", report.summary());
    assert!(failed.contains(&("get_offer_report", VALID_REQUESTS)));
    assert!(failed.contains(&("get_click", WRONG_KEY)));
    assert!(failed.contains(&("get_conversions", INVALID_REQUESTS)));
    let why = report.outcomes[0].failure.as_deref().unwrap_or_default();
    assert!(why.contains("schema"), "{why}");
    assert!(
        why.contains("api_key=<redacted>"),
        "the request, key redacted: {why}"
    );
    let junit = report.junit();
    assert_eq!(junit.matches("<failure message=").count(), 18);
    assert!(junit.contains("failures=\"18\""));
}

#[test]
fn the_command_exits_0_1_or_2_and_writes_its_reports() {
    let bin = env!("CARGO_BIN_EXE_cake-contract");
    let dir = std::env::temp_dir().join(format!("cake-contract-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sim = LocalSimulator::demo().unwrap();
    let exit = |args: &[&str]| {
        let out = Command::new(bin)
            .args(args)
            .env_remove("CAKE_BASE_URL")
            .env_remove("CAKE_API_KEY")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let base = sim.base_url();
    let dir_text = dir.to_string_lossy().to_string();
    let ok = exit(&[
        "--base-url",
        &base,
        "--api-key",
        sim.api_key(),
        "--allow-writes",
        "--cases",
        "8",
        "--report",
        &dir_text,
    ]);
    assert_eq!(ok.0, Some(0), "{}", ok.1);
    assert!(!ok.1.contains(sim.api_key()));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("tests=\"18\" failures=\"0\""), "{junit}");
    assert!(std::fs::read_to_string(dir.join("summary.md"))
        .unwrap()
        .contains("| `get_click` |"));

    let server = broken_server();
    let broken = exit(&[
        "--base-url",
        &server.base_url(),
        "--api-key",
        "k",
        "--cases",
        "4",
    ]);
    assert_eq!(broken.0, Some(1), "{}", broken.1);

    let refused = exit(&[
        "--base-url",
        &base,
        "--api-key",
        "not-the-key",
        "--cases",
        "4",
    ]);
    assert_eq!(refused.0, Some(2), "{}", refused.1);
    assert!(refused.1.contains("check the api_key"), "{}", refused.1);

    let unreachable = exit(&[
        "--base-url",
        "http://127.0.0.1:1",
        "--api-key",
        "k",
        "--cases",
        "2",
    ]);
    assert_eq!(unreachable.0, Some(2), "{}", unreachable.1);
    assert!(
        unreachable.1.contains("could not be reached"),
        "{}",
        unreachable.1
    );

    let help = exit(&["--help"]);
    assert_eq!(help.0, Some(0), "{}", help.1);
    assert!(help.1.starts_with("usage: cake-contract"), "{}", help.1);
    let usage = exit(&["--cases", "2"]);
    assert_eq!(usage.0, Some(2), "{}", usage.1);
    assert!(
        usage
            .1
            .contains("--base-url (or CAKE_BASE_URL) is required"),
        "{}",
        usage.1
    );
    let _ = std::fs::remove_dir_all(dir);
}
