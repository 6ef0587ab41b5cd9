//! The runner (`cake-contract`, `src/runner/`): the suite's checks against a server named on
//! the command line, with its exit codes, coverage, gates, reports and replay.

use std::{path::Path, process::Command};

use cake_client::query::{GetClickQuery, GetConversionsQuery, GetOfferReportQuery};
use cake_contract_tests::{
    ops::Spec,
    runner::{
        replay::{replay, FailureFile},
        run, Options, Report, COVERAGE, INVALID_REQUESTS, SCRIPTED_FAULTS, STATUSES_GATE,
        VALID_REQUESTS, WRITES, WRONG_KEY,
    },
    simulator::LocalSimulator,
};
use httpmock::MockServer;
use serde_json::Value;

use super::breaking_proxy::BreakingProxy;

fn options(base_url: &str, api_key: &str) -> Options {
    Options {
        base_url: base_url.into(),
        api_key: api_key.into(),
        allow_writes: true,
        cases: 16,
        seed: 7,
        ..Options::default()
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

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cake-contract-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn against_the_simulator_with_faults_and_writes_every_check_holds_and_every_status_is_seen() {
    let sim = LocalSimulator::demo().unwrap();
    let report = run(&Options {
        sim_faults: true,
        require_statuses: true,
        ..options(&sim.base_url(), sim.api_key())
    })
    .unwrap();
    assert_eq!(report.failures(), 0, "{}", report.summary());
    // Six operations with three checks and scripted faults each, the write sequence, the gate.
    assert_eq!(report.outcomes.len(), 6 * 4 + 2, "{}", report.summary());
    let writes = report.outcomes.iter().find(|o| o.check == WRITES).unwrap();
    assert_eq!(writes.not_run, None, "{}", report.summary());
    assert!(report
        .outcomes
        .iter()
        .any(|o| o.operation == COVERAGE && o.check == STATUSES_GATE && o.failure.is_none()));
    let spec = Spec::load().unwrap();
    assert_eq!(report.coverage.operations.len(), spec.operations.len());
    for op in &spec.operations {
        let o = &report.coverage.operations[&op.id];
        assert!(o.sent, "{}", op.id);
        for r in &op.responses {
            let seen = &o.statuses[&r.status.to_string()];
            assert!(
                seen.answers > 0,
                "{} {}: {}",
                op.id,
                r.status,
                report.summary()
            );
        }
        assert!(o.undocumented_statuses.is_empty(), "{}: {o:?}", op.id);
    }
    assert!(report.coverage.percent > 50.0, "{}", report.summary());
    let junit = report.junit();
    assert!(junit.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    assert_eq!(junit.matches("<testcase ").count(), 26);
    // A suite per operation and one for the coverage gate.
    assert_eq!(junit.matches("<testsuite ").count(), 7);
    assert!(!junit.contains("<failure"));
    for text in [
        junit,
        report.summary(),
        report.markdown(),
        report.coverage_json(),
    ] {
        assert!(!text.contains(sim.api_key()), "the api_key must never show");
    }
}

#[test]
fn coverage_counts_parameters_and_enum_values_and_the_gates_fail_a_run_that_saw_too_little() {
    let sim = LocalSimulator::demo().unwrap();
    let report = run(&Options {
        allow_writes: false,
        require_statuses: true,
        min_coverage: Some(100.0),
        cases: 4,
        ..options(&sim.base_url(), sim.api_key())
    })
    .unwrap();
    let gates: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.operation == COVERAGE)
        .collect();
    assert_eq!(gates.len(), 2);
    assert!(gates.iter().all(|g| g.failure.is_some()), "{gates:?}");
    let missing = &gates[0].failure.as_ref().unwrap().message;
    assert!(missing.contains("get_click 429"), "{missing}");
    assert!(
        missing.contains("record_conversion 200 (not sent: --allow-writes sends it)"),
        "{missing}"
    );
    // Only the gates fail: the contract itself holds.
    assert_eq!(report.failures(), 2, "{}", report.summary());
    let click = &report.coverage.operations["get_click"];
    assert!(!click.sent || click.parameters.values().any(|p| p.valid > 0));
    let row_limit = &click.parameters[GetClickQuery::ROW_LIMIT];
    assert!(
        row_limit.invalid.is_some(),
        "row_limit has bounds to breach"
    );
    let sort =
        &report.coverage.operations["get_offer_report"].parameters[GetOfferReportQuery::SORT_FIELD];
    assert!(!sort.enum_values.is_empty(), "{sort:?}");
    let json: Value = serde_json::from_str(&report.coverage_json()).unwrap();
    assert_eq!(
        json["operations"]["get_click"]["statuses"]["429"]["answers"],
        0
    );
    assert!(json["percent"].as_f64().unwrap() < 100.0);

    // The statuses this target cannot be made to answer, listed with a reason: the gate holds.
    let listed = run(&Options {
        allow_writes: false,
        require_statuses: true,
        cases: 4,
        unreachable: vec![
            "429=no rate limit here".parse().unwrap(),
            "5XX=a healthy simulator".parse().unwrap(),
            "record_conversion:*=read-only run".parse().unwrap(),
        ],
        ..options(&sim.base_url(), sim.api_key())
    })
    .unwrap();
    assert_eq!(listed.failures(), 0, "{}", listed.summary());
    assert!(listed
        .summary()
        .contains("429 (unreachable: no rate limit here)"));
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
    // requests get 200; the write sequence's Get Click too.
    assert_eq!(failed.len(), 19, "{}", report.summary());
    assert!(failed.contains(&("get_offer_report", VALID_REQUESTS)));
    assert!(failed.contains(&("get_click", WRONG_KEY)));
    assert!(failed.contains(&("get_conversions", INVALID_REQUESTS)));
    let why = &report.outcomes[0].failure.as_ref().unwrap().message;
    assert!(why.contains("schema"), "{why}");
    assert!(
        why.contains("api_key=<redacted>"),
        "the request, key redacted: {why}"
    );
    let junit = report.junit();
    assert_eq!(junit.matches("<failure message=").count(), 19);
    assert!(junit.contains("failures=\"19\""));
}

/// A proxy in front of the simulator that breaks one thing, and the one (operation, check) it
/// must fail.
struct Breakage {
    name: &'static str,
    operation: &'static str,
    check: &'static str,
    alter: Box<super::breaking_proxy::Alter>,
}

fn path_of(id: &str) -> String {
    Spec::load().unwrap().operation(id).unwrap().path.clone()
}

fn json_edit(body: Vec<u8>, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(mut v) => {
            edit(&mut v);
            serde_json::to_vec(&v).unwrap()
        }
        Err(_) => body,
    }
}

fn breakages() -> Vec<Breakage> {
    let click = path_of(GetClickQuery::OPERATION_ID);
    let conversions = path_of(GetConversionsQuery::OPERATION_ID);
    let report = path_of(GetOfferReportQuery::OPERATION_ID);
    vec![
        Breakage {
            name: "a field's type changed",
            operation: GetClickQuery::OPERATION_ID,
            check: VALID_REQUESTS,
            alter: Box::new(move |path, status, body, _| {
                if path != click || status != 200 {
                    return (status, body);
                }
                (
                    status,
                    json_edit(body, |v| {
                        let n = v["response"]["total_rows"].to_string();
                        v["response"]["total_rows"] = Value::String(n);
                    }),
                )
            }),
        },
        Breakage {
            name: "a required field dropped",
            operation: GetConversionsQuery::OPERATION_ID,
            check: VALID_REQUESTS,
            alter: Box::new(move |path, status, body, _| {
                if path != conversions || status != 200 {
                    return (status, body);
                }
                (
                    status,
                    json_edit(body, |v| {
                        if let Some(o) = v.as_object_mut() {
                            o.remove("total_rows");
                        }
                    }),
                )
            }),
        },
        Breakage {
            name: "200 to an invalid parameter",
            operation: GetOfferReportQuery::OPERATION_ID,
            check: INVALID_REQUESTS,
            alter: Box::new(move |path, status, body, cache| {
                if path != report {
                    return (status, body);
                }
                match status {
                    200 => {
                        *cache = vec![body.clone()];
                        (status, body)
                    }
                    400 => (200, cache.first().cloned().unwrap_or(body)),
                    _ => (status, body),
                }
            }),
        },
    ]
}

fn failure_file(dir: &Path, operation: &str, check: &str) -> std::path::PathBuf {
    dir.join("failures").join(format!(
        "{operation}--{}.json",
        check.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    ))
}

fn the_one_failure(report: &Report) -> (&str, &str) {
    let failed: Vec<(&str, &str)> = report
        .outcomes
        .iter()
        .filter(|o| o.failure.is_some())
        .map(|o| (o.operation.as_str(), o.check))
        .collect();
    assert_eq!(failed.len(), 1, "{}", report.summary());
    failed[0]
}

#[test]
fn a_proxy_that_breaks_one_thing_fails_one_check_and_its_replay_fails_until_the_proxy_goes() {
    let sim = LocalSimulator::demo().unwrap();
    for b in breakages() {
        let proxy = BreakingProxy::start(sim.base_url(), b.alter);
        let opts = Options {
            allow_writes: false,
            ..options(&proxy.base_url(), sim.api_key())
        };
        let report = run(&opts).unwrap();
        assert_eq!(
            the_one_failure(&report),
            (b.operation, b.check),
            "{}",
            b.name
        );
        let junit = report.junit();
        let case = format!(
            "<testcase classname=\"{}\" name=\"{}\">\n      <failure",
            b.operation, b.check
        );
        assert!(junit.contains(&case), "{}: {junit}", b.name);

        let dir = temp_dir(&format!("proxy-{}", b.operation));
        let written = report.write(&dir).unwrap();
        let path = failure_file(&dir, b.operation, b.check);
        assert_eq!(written, vec![path.clone()], "{}", b.name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(sim.api_key()),
            "{}: the key is redacted",
            b.name
        );
        let file = FailureFile::read(&path).unwrap();
        assert_eq!(file.operation, b.operation);
        assert!(!file.exchanges.is_empty() && !file.problems.is_empty());

        let again = replay(&file, &opts).unwrap();
        assert!(
            again.reproduced(),
            "{}: {}",
            b.name,
            again.summary(&file, "proxy")
        );
        assert!(again.differences.is_empty(), "{:?}", again.differences);
        assert_eq!(again.finding.problems, file.problems, "{}", b.name);
        let direct = replay(&file, &options(&sim.base_url(), sim.api_key())).unwrap();
        assert!(
            !direct.reproduced(),
            "{}: {}",
            b.name,
            direct.summary(&file, "simulator")
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn the_command_exits_0_1_or_2_writes_its_reports_and_replays_a_failure() {
    let bin = env!("CARGO_BIN_EXE_cake-contract");
    let dir = temp_dir("report");
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
    let key = sim.api_key();
    let ok = exit(&[
        "--base-url",
        &base,
        "--api-key",
        key,
        "--allow-writes",
        "--sim-faults",
        "--require-statuses",
        "--cases",
        "8",
        "--time-budget",
        "5m",
        "--report",
        &dir_text,
    ]);
    assert_eq!(ok.0, Some(0), "{}", ok.1);
    assert!(!ok.1.contains(key));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains("tests=\"26\" failures=\"0\" errors=\"0\""),
        "{junit}"
    );
    assert!(std::fs::read_to_string(dir.join("summary.md"))
        .unwrap()
        .contains("| `get_click` |"));
    let coverage: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("coverage.json")).unwrap()).unwrap();
    assert!(
        coverage["operations"]["record_conversion"]["statuses"]["409"]["answers"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert!(!dir.join("failures").exists());

    // Without faults, --require-statuses fails the run (429 and 5XX never came back).
    let gated = exit(&[
        "--base-url",
        &base,
        "--api-key",
        key,
        "--cases",
        "2",
        "--require-statuses",
    ]);
    assert_eq!(gated.0, Some(1), "{}", gated.1);
    assert!(
        gated.1.contains("documented statuses never answered"),
        "{}",
        gated.1
    );

    let broken = breakages().remove(0);
    let proxy = BreakingProxy::start(base.clone(), broken.alter);
    let failing = exit(&[
        "--base-url",
        &proxy.base_url(),
        "--api-key",
        key,
        "--cases",
        "4",
        "--report",
        &dir_text,
    ]);
    assert_eq!(failing.0, Some(1), "{}", failing.1);
    let file = failure_file(&dir, broken.operation, broken.check);
    assert!(failing.1.contains("failure written: "), "{}", failing.1);
    let file_text = file.to_string_lossy().to_string();
    let reproduced = exit(&[
        "replay",
        &file_text,
        "--base-url",
        &proxy.base_url(),
        "--api-key",
        key,
    ]);
    assert_eq!(reproduced.0, Some(1), "{}", reproduced.1);
    assert!(reproduced.1.contains("reproduced:"), "{}", reproduced.1);
    assert!(
        reproduced
            .1
            .contains("the requests sent are the ones recorded"),
        "{}",
        reproduced.1
    );
    let passes = exit(&["replay", &file_text, "--base-url", &base, "--api-key", key]);
    assert_eq!(passes.0, Some(0), "{}", passes.1);
    assert!(passes.1.contains("the check passes now"), "{}", passes.1);
    assert!(!format!("{}{}", reproduced.1, passes.1).contains(key));

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

    let failing_server = MockServer::start();
    failing_server.mock(|_, then| {
        then.status(503)
            .header("content-type", "application/json")
            .body(r#"{"request_status":"Failure","message":"down"}"#);
    });
    let down = exit(&[
        "--base-url",
        &failing_server.base_url(),
        "--api-key",
        "k",
        "--cases",
        "2",
    ]);
    assert_eq!(down.0, Some(2), "{}", down.1);
    assert!(
        down.1.contains("failed with a server error (503)"),
        "{}",
        down.1
    );

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
    for (args, says) in [
        (
            &["--cases", "2"][..],
            "--base-url (or CAKE_BASE_URL) is required",
        ),
        (
            &["--base-url", "x", "--api-key", "k", "--min-coverage", "101"][..],
            "--min-coverage: expected a percentage",
        ),
        (
            &["--base-url", "x", "--api-key", "k", "--unreachable", "429"][..],
            "expected [OPERATION:]STATUS=REASON",
        ),
        (
            &["--base-url", "x", "--api-key", "k", "--time-budget", "soon"][..],
            "expected a duration",
        ),
        (
            &["replay", "--base-url", "x", "--api-key", "k"][..],
            "replay takes the failure file",
        ),
        (
            &[
                "replay",
                "f.json",
                "--base-url",
                "x",
                "--api-key",
                "k",
                "--cases",
                "3",
            ][..],
            "--cases: not an option of replay",
        ),
    ] {
        let usage = exit(args);
        assert_eq!(usage.0, Some(2), "{args:?}: {}", usage.1);
        assert!(usage.1.contains(says), "{args:?}: {}", usage.1);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_write_sequence_finds_a_click_records_lists_and_deduplicates() {
    let sim = LocalSimulator::demo().unwrap();
    let before = sim.simulator().with_store(|s| s.conversions().len());
    let report = run(&Options {
        cases: 1,
        ..options(&sim.base_url(), sim.api_key())
    })
    .unwrap();
    let writes = report.outcomes.iter().find(|o| o.check == WRITES).unwrap();
    assert!(
        writes.failure.is_none() && writes.not_run.is_none(),
        "{writes:?}"
    );
    // One conversion recorded by the sequence, whatever the generated Record Conversions did
    // (a random click id is never a click of the demo).
    let after = sim.simulator().with_store(|s| s.conversions().len());
    assert_eq!(after, before + 1);
    let record = &report.coverage.operations["record_conversion"].statuses;
    for status in ["200", "404", "409"] {
        assert!(record[status].answers > 0, "{status}: {record:?}");
    }
    assert!(report.outcomes.iter().all(|o| o.check != SCRIPTED_FAULTS));
}
