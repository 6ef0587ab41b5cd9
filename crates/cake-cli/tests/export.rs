//! `cake export`, run as users run it: on the embedded demo, its usage errors, and killed with
//! SIGKILL halfway then continued with `--since-last-run`, which must leave the same files, byte
//! for byte, as a run that was never interrupted.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command as StdCommand, Stdio},
    time::{Duration, Instant},
};

mod common;

use assert_cmd::Command;
use common::spawn_serve;
use predicates::prelude::*;

fn cake() -> Command {
    let mut cmd = Command::cargo_bin("cake").unwrap();
    cmd.env_remove("CAKE_BASE_URL").env_remove("CAKE_API_KEY");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cake-cli-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every data file under `dir`, by path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if !path.ends_with("_state.json") {
                all.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    all
}

#[test]
fn export_runs_on_the_embedded_demo_says_so_and_writes_a_partition_per_day() {
    let out = temp_dir("demo");
    let out_text = out.to_string_lossy().to_string();
    cake()
        .args(["export", "offer-report", "--out", &out_text])
        .args(["--start-date", "2026-01-01", "--end-date", "2026-01-05"])
        .assert()
        .success()
        .stderr(predicate::str::contains("embedded CAKE simulator"))
        .stderr(predicate::str::contains(
            "over 5 days (2026-01-01 to 2026-01-05)",
        ));
    for d in 1..=5 {
        let file = out.join(format!("offer-report/date=2026-01-0{d}/part-00000.parquet"));
        assert!(file.exists(), "{}", file.display());
    }
    assert!(out.join("offer-report/_schema.json").exists());
    assert!(out.join("_state.json").exists());
    cake()
        .args([
            "export",
            "conversions",
            "--out",
            &out_text,
            "--format",
            "ndjson",
        ])
        .args(["--start-date", "2026-01-01", "--end-date", "2026-01-01"])
        .assert()
        .success();
    let ndjson =
        std::fs::read_to_string(out.join("conversions/date=2026-01-01/part-00000.ndjson")).unwrap();
    assert!(ndjson.lines().count() > 0);
    assert!(
        ndjson.contains("\"payout\":18.00"),
        "money as exact JSON numbers: {ndjson}"
    );
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn export_usage_errors_name_what_is_wrong_and_write_nothing() {
    let out = temp_dir("usage");
    let out_text = out.to_string_lossy().to_string();
    let cases: [(&[&str], i32, &str); 5] = [
        (
            &[],
            2,
            "give --start-date and --end-date, or --since-last-run",
        ),
        (&["--start-date", "2026-01-02"], 2, "--end-date is required"),
        (
            &["--start-date", "2026-01-02", "--end-date", "2026-01-01"],
            2,
            "is after --end-date",
        ),
        (
            &[
                "--start-date",
                "2026-01-01",
                "--end-date",
                "2026-01-01",
                "--format",
                "json",
            ],
            2,
            "parquet, ndjson or csv",
        ),
        (&["--since-last-run"], 1, "no earlier export of clicks"),
    ];
    for (args, code, says) in cases {
        cake()
            .args(["export", "clicks", "--out", &out_text])
            .args(args)
            .assert()
            .code(code)
            .stderr(predicate::str::contains(says));
    }
    assert!(!out.exists(), "nothing written");
    cake()
        .args(["report", "offers", "--format", "parquet"])
        .args(["--start-date", "2026-01-01", "--end-date", "2026-01-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--format parquet is for `cake export`",
        ));
    let _ = std::fs::remove_dir_all(out);
}

fn last_day(out: &Path) -> Option<String> {
    let text = std::fs::read_to_string(out.join("_state.json")).ok()?;
    let state: serde_json::Value = serde_json::from_str(&text).ok()?;
    state["streams"]["clicks"]["last_day"]
        .as_str()
        .map(String::from)
}

#[test]
fn killed_halfway_and_run_again_since_the_last_run_it_leaves_the_files_of_an_uninterrupted_run() {
    let (mut server, url) = spawn_serve(&["--demo-scale", "200000"]);
    let export = |out: &Path, days: &[&str]| {
        let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("cake"));
        cmd.args(["export", "clicks", "--base-url", &url])
            .args(["--api-key", "cake-sim-demo-key", "--out"])
            .arg(out)
            .args(days)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    let year = ["--start-date", "2025-01-01", "--end-date", "2025-12-31"];
    let whole = temp_dir("whole");
    assert!(export(&whole, &year).status().unwrap().success());

    let killed = temp_dir("killed");
    let mut child = export(&killed, &year).spawn().unwrap();
    let started = Instant::now();
    let at_kill = loop {
        match last_day(&killed) {
            Some(d) if d.as_str() >= "2025-03-01" => break d,
            _ if started.elapsed() > Duration::from_secs(120) => panic!("no progress in 2 minutes"),
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let after_kill = last_day(&killed).unwrap();
    assert!(
        after_kill.as_str() < "2025-12-31",
        "the export finished before it was killed (at {at_kill}): nothing was interrupted"
    );
    let again = export(&killed, &["--since-last-run", "--end-date", "2025-12-31"])
        .status()
        .unwrap();
    assert!(again.success());
    let _ = server.kill();

    let (a, b) = (files(&whole), files(&killed));
    assert_eq!(a.len(), 365 + 1, "a file per day and the schema");
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files (killed at {after_kill})"
    );
    for (path, bytes) in &a {
        assert!(b[path] == *bytes, "{} differs", path.display());
    }
    assert_eq!(last_day(&killed).as_deref(), Some("2025-12-31"));
    let _ = std::fs::remove_dir_all(whole);
    let _ = std::fs::remove_dir_all(killed);
}
