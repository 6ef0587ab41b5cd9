//! The `cake` binary, run as users run it: every subcommand in every format against the embedded
//! simulator, `--all`, bad flag values, a server that says no, and `cake serve`.

use std::process::{Command as StdCommand, Stdio};

mod common;

use assert_cmd::Command;
use common::spawn_serve;
use predicates::prelude::*;
use serde_json::Value;

fn cake() -> Command {
    let mut cmd = Command::cargo_bin("cake").unwrap();
    // Tests run against the embedded simulator unless they say otherwise.
    cmd.env_remove("CAKE_BASE_URL").env_remove("CAKE_API_KEY");
    cmd
}

const JAN: [&str; 4] = ["--start-date", "2026-01-01", "--end-date", "2026-01-31"];

/// Each subcommand with arguments that select at least one row, and its first CSV column.
fn subcommands() -> Vec<(Vec<&'static str>, &'static str)> {
    let with_jan = |head: &[&'static str]| {
        let mut v = head.to_vec();
        v.extend(JAN);
        v
    };
    vec![
        (with_jan(&["report", "offers"]), "offer_id"),
        (with_jan(&["report", "affiliates"]), "affiliate_id"),
        (with_jan(&["report", "advertisers"]), "advertiser_id"),
        (with_jan(&["clicks", "--row-limit", "5"]), "click_id"),
        (
            vec![
                "conversions",
                "--start-date",
                "2026-06-01",
                "--end-date",
                "2026-06-19",
            ],
            "conversion_id",
        ),
        (
            vec![
                "record-conversion",
                // Data is created on the embedded simulator only when asked for.
                "--demo",
                "--click-id",
                "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                "--offer-id",
                "12345",
                "--payout",
                "18.00",
                "--revenue",
                "22.00",
                "--unique-id",
                "ORD-98765",
            ],
            "conversion_id",
        ),
    ]
}

#[test]
fn the_readme_run_command_prints_the_offer_table_and_says_it_uses_the_simulator() {
    cake()
        .args(["report", "offers"])
        .args(JAN)
        .assert()
        .success()
        .stderr(predicate::str::contains("embedded CAKE simulator"))
        .stdout(predicate::str::is_match(
            r"12345\s+Auto Insurance Quote - US\s+8420\s+7930\s+312\s+3\.71\s+5616\.00\s+6864\.00\s+1248\.00\s+0\.667",
        ).unwrap());
}

#[test]
fn every_subcommand_works_in_every_format() {
    for (args, first_column) in subcommands() {
        for format in ["table", "csv", "json", "ndjson"] {
            let output = cake()
                .args(&args)
                .args(["--format", format])
                .output()
                .unwrap();
            let stdout = String::from_utf8(output.stdout).unwrap();
            assert!(
                output.status.success(),
                "{args:?} {format}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            match format {
                "table" => {
                    let mut lines = stdout.lines();
                    assert!(lines.next().unwrap().starts_with(first_column), "{stdout}");
                    assert!(lines.next().unwrap().starts_with("---"), "{stdout}");
                    assert!(lines.next().is_some(), "{args:?}: no rows\n{stdout}");
                }
                "csv" => {
                    let header = stdout.lines().next().unwrap();
                    assert!(header.starts_with(&format!("{first_column},")), "{stdout}");
                    assert!(stdout.lines().count() >= 2, "{args:?}: no rows\n{stdout}");
                }
                "json" => {
                    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
                    assert!(!rows.is_empty());
                    assert!(rows[0].get(first_column).is_some(), "{stdout}");
                }
                _ => {
                    for line in stdout.lines() {
                        let row: Value = serde_json::from_str(line).unwrap();
                        assert!(row.get(first_column).is_some(), "{line}");
                    }
                    assert!(stdout.lines().count() >= 1);
                }
            }
        }
    }
}

#[test]
fn machine_formats_keep_money_exact() {
    let output = cake()
        .args([
            "report",
            "offers",
            "--format",
            "ndjson",
            "--offer-id",
            "12345",
        ])
        .args(JAN)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains(r#""payout":5616.00"#), "{stdout}");
    assert!(stdout.contains(r#""epc":0.667"#), "{stdout}");
}

#[test]
fn all_pages_through_every_row() {
    let output = cake()
        .args([
            "clicks",
            "--offer-id",
            "22001",
            "--all",
            "--row-limit",
            "700",
            "--format",
            "ndjson",
        ])
        .args(JAN)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let ids: std::collections::HashSet<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["click_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(stdout.lines().count(), 2600);
    assert_eq!(ids.len(), 2600);
    assert_no_progress(&output.stderr);
}

/// Stderr is a pipe in these tests, so no progress display may appear on it.
fn assert_no_progress(stderr: &[u8]) {
    let stderr = String::from_utf8_lossy(stderr);
    assert!(!stderr.contains('\r'), "{stderr:?}");
    assert!(!stderr.contains("\x1b["), "{stderr:?}");
    assert!(!stderr.contains(" rows"), "{stderr:?}");
}

#[test]
fn all_on_a_report_writes_every_row_and_no_progress_to_a_pipe() {
    let output = cake()
        .args([
            "report",
            "affiliates",
            "--all",
            "--row-limit",
            "1",
            "--format",
            "csv",
        ])
        .args(JAN)
        .output()
        .unwrap();
    assert!(output.status.success());
    let single = cake()
        .args(["report", "affiliates", "--format", "csv"])
        .args(JAN)
        .output()
        .unwrap();
    // One page per row, and the same rows as one page of them all.
    assert_eq!(output.stdout, single.stdout);
    assert!(String::from_utf8_lossy(&output.stdout).lines().count() > 2);
    assert_no_progress(&output.stderr);
}

/// Runs `cake` with stderr on a pseudo-terminal (through util-linux `script`) and stdout to a
/// file; returns what the terminal showed and the file's contents.
fn on_a_terminal(name: &str, args: &str) -> Option<(String, String)> {
    // A directory per test: tests run in parallel.
    let dir = std::env::temp_dir().join(format!("cake-cli-pty-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("out.ndjson");
    let bin = assert_cmd::cargo::cargo_bin("cake");
    let shell = format!("{} {args} > {}", bin.display(), data.display());
    let run = StdCommand::new("script")
        .args(["-qefc", &shell, "/dev/null"])
        .env_remove("CAKE_BASE_URL")
        .env_remove("CAKE_API_KEY")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    assert!(run.status.success(), "{run:?}");
    let terminal = String::from_utf8_lossy(&run.stdout).into_owned();
    let written = std::fs::read_to_string(&data).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some((terminal, written))
}

#[test]
fn all_on_a_terminal_shows_a_bar_with_the_total_on_stderr_and_keeps_stdout_data_only() {
    let Some((terminal, written)) = on_a_terminal(
        "bar",
        "clicks --offer-id 22001 --all --row-limit 700 --format ndjson --start-date 2026-01-01 --end-date 2026-01-31",
    ) else {
        eprintln!("skipped: util-linux `script` is not installed, so no pseudo-terminal");
        return;
    };
    assert!(
        terminal.contains("] 2600/2600 rows 100%  in "),
        "{terminal:?}"
    );
    assert_eq!(written.lines().count(), 2600);
    assert!(written.lines().all(|l| l.starts_with('{')), "{written}");
}

#[test]
fn all_on_a_terminal_spins_with_the_count_when_the_total_is_unknown() {
    let Some((terminal, written)) = on_a_terminal(
        "spinner",
        "report affiliates --all --row-limit 1 --format ndjson --start-date 2026-01-01 --end-date 2026-01-31",
    ) else {
        eprintln!("skipped: util-linux `script` is not installed, so no pseudo-terminal");
        return;
    };
    let rows = written.lines().count();
    assert!(rows > 1);
    assert!(
        terminal.contains(&format!("cake: {rows} rows in ")),
        "{terminal:?}"
    );
    assert!(
        !terminal.contains("cake: ["),
        "no bar without a total: {terminal:?}"
    );
}

#[test]
fn a_bad_flag_value_is_exit_2_naming_the_flag_and_what_was_expected() {
    cake()
        .args(["report", "offers", "--row-limit", "20000"])
        .args(JAN)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--row-limit")
                .and(predicate::str::contains("from 1 to 10000")),
        );
    cake()
        .args([
            "report",
            "offers",
            "--start-date",
            "2026-13-01",
            "--end-date",
            "2026-01-31",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--start-date").and(predicate::str::contains("YYYY-MM-DD")),
        );
    cake()
        .args(["conversions", "--conversion-status", "paid"])
        .args(JAN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "approved, pending, rejected, reversed",
        ));
    cake()
        .args([
            "report",
            "offers",
            "--start-date",
            "2026-02-01",
            "--end-date",
            "2026-01-31",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("start_date")
                .and(predicate::str::contains("hint: check --start-date")),
        );
}

#[test]
fn a_base_url_without_an_api_key_is_a_usage_error() {
    cake()
        .args(["--base-url", "http://127.0.0.1:9"])
        .args(["report", "offers"])
        .args(JAN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("CAKE_API_KEY"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_says_no_is_exit_3_with_a_hint_and_the_key_never_shown() {
    let sim = cake_sim::Simulator::demo("the-right-key")
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let base_url = sim.base_url();
    let secret = "WRONG-SECRET-abc123";
    let output = tokio::task::spawn_blocking(move || {
        cake()
            .args([
                "--base-url",
                &base_url,
                "--api-key",
                secret,
                "report",
                "offers",
            ])
            .args(JAN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("401") && stderr.contains("api_key"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: check --api-key"), "{stderr}");
    assert!(!stderr.contains(secret) && !String::from_utf8_lossy(&output.stdout).contains(secret));

    // The same key through the environment: also never shown.
    let base_url = sim.base_url();
    let output = tokio::task::spawn_blocking(move || {
        cake()
            .env("CAKE_BASE_URL", &base_url)
            .env("CAKE_API_KEY", "the-right-key")
            .args([
                "record-conversion",
                "--click-id",
                "nope",
                "--offer-id",
                "12345",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("404") && stderr.contains("--click-id"),
        "{stderr}"
    );
    assert!(!stderr.contains("the-right-key"));
}

const RECORD: [&str; 5] = [
    "record-conversion",
    "--click-id",
    "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "--offer-id",
    "12345",
];

/// With no server given, a command that creates data is refused before anything starts: the
/// embedded simulator is not even started, and the hint names the ways on.
#[test]
fn record_conversion_without_a_server_is_refused_unless_demo_is_asked_for() {
    let output = cake().args(RECORD).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for said in [
        "error: Record Conversion creates data, and no --base-url or CAKE_BASE_URL is given: nothing was sent",
        "hint: give --base-url or set CAKE_BASE_URL",
        "--demo records it in the embedded demo simulator on purpose",
    ] {
        assert!(stderr.contains(said), "{said:?} missing from: {stderr}");
    }
    assert!(
        !stderr.contains("using the embedded CAKE simulator"),
        "the simulator was started: {stderr}"
    );

    // Asked for: recorded on the embedded simulator as before, and said so.
    let output = cake()
        .arg("--demo")
        .args(RECORD)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("using the embedded CAKE simulator"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("conversion_id,"), "{stdout}");
    assert!(
        stdout.contains("a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
        "{stdout}"
    );

    // Reads keep the embedded default without --demo.
    cake()
        .args([
            "conversions",
            "--start-date",
            "2026-06-01",
            "--end-date",
            "2026-06-19",
        ])
        .assert()
        .success();
}

/// --demo is the embedded simulator: with a server given, by flag or by the environment, it is
/// a usage error, and nothing is sent.
#[test]
fn demo_and_a_server_conflict() {
    let mut by_flag = cake();
    by_flag.args(["--base-url", "http://127.0.0.1:9", "--api-key", "k"]);
    let mut by_env = cake();
    by_env
        .env("CAKE_BASE_URL", "http://127.0.0.1:9")
        .env("CAKE_API_KEY", "k");
    for mut with_server in [by_flag, by_env] {
        with_server
            .arg("--demo")
            .args(RECORD)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--demo"))
            .stderr(predicate::str::contains("--base-url"));
    }
}

#[test]
fn an_unreachable_server_is_exit_4() {
    cake()
        .args(["--base-url", "http://127.0.0.1:9", "--api-key", "k"])
        .args(["record-conversion", "--click-id", "c", "--offer-id", "1"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("--base-url"));
}

#[test]
fn serve_says_where_it_listens_and_answers_with_the_demo_key() {
    let (mut child, url) = spawn_serve(&[]);
    let output = cake()
        .args(["--base-url", &url, "--api-key", cake_sim::DEMO_API_KEY])
        .args([
            "report",
            "advertisers",
            "--advertiser-id",
            "1021",
            "--format",
            "csv",
        ])
        .args(JAN)
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "advertiser_id,advertiser_name,clicks,conversions,revenue\n1021,Acme Financial Services,12500,487,10714.00\n"
    );
}

#[test]
fn serve_loads_a_yaml_data_file_and_names_a_bad_entry() {
    let dir = std::env::temp_dir().join(format!("cake-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("data.yaml");
    std::fs::write(
        &good,
        r#"
advertisers: [{advertiser_id: 1, advertiser_name: Adv One}]
affiliates: [{affiliate_id: 2, affiliate_name: Aff Two}]
offers: [{offer_id: 3, offer_name: Offer Three, advertiser_id: 1, payout: "1.25", revenue: "2.50"}]
clicks:
  - {click_id: c1, click_date: "2026-05-01 10:00:00", offer_id: 3, affiliate_id: 2, ip_address: 10.0.0.1, country: US}
  - {click_id: c2, click_date: "2026-05-02 10:00:00", offer_id: 3, affiliate_id: 2, ip_address: 10.0.0.1, country: US}
conversions:
  - {conversion_id: 10, click_id: c1, conversion_date: "2026-05-01 11:00:00"}
"#,
    )
    .unwrap();
    let (mut child, url) = spawn_serve(&["--data", good.to_str().unwrap()]);
    let output = cake()
        .args([
            "--base-url",
            &url,
            "--api-key",
            cake_sim::DEMO_API_KEY,
            "--format",
            "csv",
        ])
        .args([
            "report",
            "offers",
            "--start-date",
            "2026-05-01",
            "--end-date",
            "2026-05-31",
        ])
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "offer_id,offer_name,clicks,unique_clicks,conversions,conversion_rate,payout,revenue,profit,epc\n3,Offer Three,2,1,1,50,1.25,2.50,1.25,0.625\n"
    );

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"advertisers":[{"advertiser_id":1,"advertiser_name":"A"}],"offers":[{"offer_id":3,"offer_name":"O","advertiser_id":9,"payout":1,"revenue":2}]}"#).unwrap();
    cake()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            bad.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "offers[0].advertiser_id: no advertiser 9 exists",
        ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_documents_the_exit_codes() {
    cake().arg("--help").assert().success().stdout(
        predicate::str::contains("Exit codes:").and(predicate::str::contains("3  CAKE said no")),
    );
}

/// The subcommand people type for each operationId of the spec.
fn subcommand_of(operation_id: &str) -> Option<&'static [&'static str]> {
    Some(match operation_id {
        "get_offer_report" => &["report", "offers"],
        "get_affiliate_report" => &["report", "affiliates"],
        "get_advertiser_report" => &["report", "advertisers"],
        "get_click" => &["clicks"],
        "get_conversions" => &["conversions"],
        "record_conversion" => &["record-conversion"],
        _ => return None,
    })
}

#[test]
fn every_operation_of_the_spec_is_a_subcommand_with_a_flag_per_parameter() {
    for op in cake_client::spec::operations() {
        let words = subcommand_of(op.id)
            .unwrap_or_else(|| panic!("the spec's {} has no `cake` subcommand", op.id));
        let output = cake().args(words).arg("--help").output().unwrap();
        assert!(output.status.success(), "{words:?} --help");
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(help.contains(op.summary), "{words:?}: {help}");
        let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap();
        for param in op.params {
            let flag = format!("--{}", param.name.replace('_', "-"));
            let offered = help.lines().any(|line| {
                line.trim_start()
                    .strip_prefix(&flag)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
            });
            assert!(
                offered,
                "{words:?} offers no {flag} for {}:\n{help}",
                param.name
            );
            let required = usage.contains(&format!("{flag} <"));
            assert_eq!(required, param.required, "{words:?} {flag}: {usage}");
        }
    }
}

#[test]
fn a_boolean_parameter_is_a_flag_that_sends_true() {
    let sorted = |extra: &[&str]| {
        let output = cake()
            .args([
                "report",
                "offers",
                "--sort-field",
                "clicks",
                "--format",
                "csv",
            ])
            .args(extra)
            .args(JAN)
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    let ascending = sorted(&[]);
    let descending = sorted(&["--sort-descending"]);
    let mut reversed: Vec<&str> = ascending.lines().skip(1).collect();
    reversed.reverse();
    assert_ne!(ascending, descending);
    assert_eq!(descending.lines().skip(1).collect::<Vec<_>>(), reversed);
    cake()
        .args(["report", "offers", "--sort-descending", "true"])
        .args(JAN)
        .assert()
        .code(2);
}

#[tokio::test]
async fn verbose_logs_each_request_on_stderr_without_the_key() {
    let secret = "VERBOSE-SECRET-k3y";
    let sim = cake_sim::Simulator::demo(secret)
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let base_url = sim.base_url();
    let output = tokio::task::spawn_blocking(move || {
        cake()
            .args(["--base-url", &base_url, "--api-key", secret, "--verbose"])
            .args(["report", "offers", "--format", "csv"])
            .args(JAN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for shown in [
        "operation_id=\"get_offer_report\"",
        "/api/2/report/offer.json?",
        "api_key=***",
        "attempt=1",
        "status=200",
        "duration_ms=",
    ] {
        assert!(stderr.contains(shown), "{shown:?} missing from: {stderr}");
    }
    assert!(!stderr.contains(secret), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("offer_id,"),
        "logs stay off stdout: {stdout}"
    );
    assert!(!stdout.contains(secret));
}

#[test]
fn without_verbose_or_rust_log_nothing_is_logged() {
    let output = cake()
        .env_remove("RUST_LOG")
        .args(["report", "offers"])
        .args(JAN)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("cake.request"), "{stderr}");
}

#[test]
fn a_conversion_dropped_after_sending_says_it_may_be_recorded_and_how_to_check() {
    use std::io::Read;
    // A server that reads the request (as if it recorded it) and drops the connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let mut hits = 0;
        listener.set_nonblocking(false).unwrap();
        if let Ok((mut socket, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf);
            hits += 1;
        }
        hits
    });
    let output = cake()
        .args(["--base-url", &base_url, "--api-key", "SECRET-dropped-k3y"])
        .args([
            "record-conversion",
            "--click-id",
            "c1",
            "--offer-id",
            "12345",
        ])
        .output()
        .unwrap();
    assert_eq!(server.join().unwrap(), 1, "sent exactly once");
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for said in [
        "may have been recorded",
        "hint: the conversion may have been recorded",
        "cake conversions --start-date",
        "--unique-id",
    ] {
        assert!(stderr.contains(said), "{said:?} missing from: {stderr}");
    }
    assert!(!stderr.contains("check --base-url"), "{stderr}");
    assert!(!stderr.contains("SECRET-dropped-k3y"), "{stderr}");
}

#[test]
fn a_status_the_spec_does_not_list_is_printed_as_it_came() {
    let dir = std::env::temp_dir().join(format!("cake-cli-open-enum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data.yaml");
    std::fs::write(
        &data,
        r#"
advertisers: [{advertiser_id: 1, advertiser_name: Adv One}]
affiliates: [{affiliate_id: 2, affiliate_name: Aff Two}]
offers: [{offer_id: 3, offer_name: Offer Three, advertiser_id: 1, payout: 1.25, revenue: 2.50}]
clicks:
  - {click_id: c1, click_date: "2026-05-01 10:00:00", offer_id: 3, affiliate_id: 2, ip_address: 10.0.0.1, country: US}
conversions:
  - {conversion_id: 10, click_id: c1, conversion_date: "2026-05-01 11:00:00", conversion_status: ignored}
"#,
    )
    .unwrap();
    let (mut child, url) = spawn_serve(&["--data", data.to_str().unwrap()]);
    let run = |format: &str| {
        cake()
            .args(["--base-url", &url, "--api-key", cake_sim::DEMO_API_KEY])
            .args(["conversions", "--format", format])
            .args(["--start-date", "2026-05-01", "--end-date", "2026-05-31"])
            .output()
            .unwrap()
    };
    let (csv, json) = (run("csv"), run("json"));
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let status = header.iter().position(|c| *c == "conversion_status");
    let row: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    assert_eq!(status.and_then(|i| row.get(i)), Some(&"ignored"), "{csv}");
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows[0]["conversion_status"], "ignored", "{rows}");
}

#[test]
fn serve_takes_a_faults_file_and_names_a_bad_rule() {
    let dir = std::env::temp_dir().join(format!("cake-cli-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let faults = dir.join("faults.yaml");
    std::fs::write(
        &faults,
        "rules:\n  - {operation: get_advertiser_report, fault: {type: status, status: 429, retry_after_seconds: 0}, times: 1}\n",
    )
    .unwrap();
    let (mut child, url) = spawn_serve(&["--faults", faults.to_str().unwrap()]);
    let output = cake()
        .args(["--base-url", &url, "--api-key", cake_sim::DEMO_API_KEY])
        .args(["report", "advertisers", "--format", "csv"])
        .args(JAN)
        .output()
        .unwrap();
    let journal: Value = http_get_json(&format!(
        "{url}/_sim/journal?api_key={}",
        cake_sim::DEMO_API_KEY
    ));
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let statuses: Vec<_> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64())
        .collect();
    assert_eq!(statuses, [Some(429), Some(200)], "{journal}");

    std::fs::write(
        &faults,
        "rules:\n  - {operation: get_clicks, fault: {type: commit_then_drop}}\n",
    )
    .unwrap();
    cake()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--faults",
            faults.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "rules[0].operation: expected an operationId",
        ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A blocking GET returning JSON (see [`http`]).
fn http_get_json(url: &str) -> Value {
    let response = http("GET", url, "");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
}

/// The acceptance test of `--state`: many Record Conversions in flight, the server killed with
/// SIGKILL, restarted on the same directory: every conversion that was answered 200 is there
/// exactly once, and nothing is there that was not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_server_with_state_keeps_every_answered_conversion_exactly_once() {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    const SENT: usize = 300;
    const KILL_AFTER: usize = 60;
    let dir = std::env::temp_dir().join(format!("cake-cli-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.to_str().unwrap().to_string();
    let (mut child, url) = spawn_serve(&["--state", &state]);
    let key = cake_sim::DEMO_API_KEY;
    let clicks: Vec<Value> = (0..SENT)
        .map(|i| {
            serde_json::json!({"click_id": format!("kill-{i}"), "click_date": "2026-08-01 10:00:00",
                "offer_id": 12345, "affiliate_id": 67890, "ip_address": "198.51.100.9", "country": "US"})
        })
        .collect();
    let body = serde_json::json!({ "clicks": clicks }).to_string();
    let loaded = http_post(&format!("{url}/_sim/data?api_key={key}"), &body);
    assert!(loaded.contains("added 300 clicks"), "{loaded}");

    let client = cake_client::Client::builder(url.as_str(), key)
        .retry(cake_client::RetryPolicy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let answered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..SENT {
        let client = client.clone();
        let answered = answered.clone();
        tasks.push(tokio::spawn(async move {
            let result = client
                .record_conversion()
                .click_id(format!("kill-{i}"))
                .offer_id(12345u32)
                .conversion_date(
                    "2026-08-01 10:05:00"
                        .parse::<cake_client::CakeDateTime>()
                        .unwrap(),
                )
                .unique_id(format!("KILL-{i}"))
                .execute()
                .await;
            if result.is_ok() {
                answered.fetch_add(1, Ordering::SeqCst);
            }
            result.ok().map(|r| r.conversion.conversion_id)
        }));
    }
    // SIGKILL once some are answered and others are still in flight.
    let started = std::time::Instant::now();
    while answered.load(Ordering::SeqCst) < KILL_AFTER && started.elapsed().as_secs() < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    child.kill().unwrap();
    let _ = child.wait();
    let mut ok_ids = Vec::new();
    for t in tasks {
        if let Some(id) = t.await.unwrap() {
            ok_ids.push(id);
        }
    }
    assert!(ok_ids.len() >= KILL_AFTER, "only {} answered", ok_ids.len());
    assert!(
        ok_ids.len() < SENT,
        "the kill came after every answer: nothing was in flight"
    );

    let (mut again, url) = spawn_serve(&["--state", &state]);
    let client = cake_client::Client::builder(url.as_str(), key)
        .retry(cake_client::RetryPolicy::none())
        .build()
        .unwrap();
    let restored = client
        .get_conversions()
        .start_date("2026-08-01".parse::<chrono::NaiveDate>().unwrap())
        .end_date("2026-08-31".parse::<chrono::NaiveDate>().unwrap())
        .collect_all()
        .await
        .unwrap();
    again.kill().unwrap();
    let _ = again.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let restored_ids: Vec<u32> = restored.iter().map(|c| c.conversion_id).collect();
    let distinct: std::collections::BTreeSet<u32> = restored_ids.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        restored_ids.len(),
        "a conversion came back twice"
    );
    for id in &ok_ids {
        assert!(
            distinct.contains(id),
            "conversion {id} was answered 200 and is gone"
        );
    }
    // Nothing that was not sent: at most one per click sent (the ones the kill cut off after
    // they were kept may be there, as a dropped connection's may be).
    assert!(
        restored_ids.len() <= SENT,
        "{} conversions from {SENT} requests",
        restored_ids.len()
    );
    println!(
        "sent {SENT}, answered {}, restored {} after SIGKILL",
        ok_ids.len(),
        restored_ids.len()
    );
}

fn http_post(url: &str, body: &str) -> String {
    http("POST", url, body)
}

/// One blocking HTTP/1.1 exchange, with just enough of the protocol (`Connection: close`, read
/// to the end) that these tests need no HTTP client of their own; the whole response as text.
fn http(method: &str, url: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_help_shows_only_the_flags_that_apply_to_serving() {
    let output = cake().args(["serve", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for shown in [
        "--addr",
        "--data",
        "--demo-scale",
        "--faults",
        "--state",
        "--api-key",
        "/_sim/",
    ] {
        assert!(help.contains(shown), "{shown} missing from: {help}");
    }
    // As options; the api_key's own help may still mention --base-url in its text.
    for hidden in ["--base-url", "--format", "--all", "--verbose"] {
        assert!(
            !help.lines().any(|l| l.trim_start().starts_with(hidden)),
            "{hidden} offered in: {help}"
        );
    }
}
