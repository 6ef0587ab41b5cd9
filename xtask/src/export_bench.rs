//! `cargo xtask export-bench [--reps N] [--scale CLICKS]`: `cake export` measured beside the SDK's
//! own streaming rate over the same rows, the way BENCHMARKS.md reports it ("Export into
//! Parquet"), so that anyone can reproduce the figures on their machine.
//!
//! It builds the release `cake` and cake-export's examples, starts `cake serve --demo-scale
//! CLICKS` (default 1,000,000) on a free port, and, N times (default 3), for clicks then
//! conversions over the year 2025, runs one after the other:
//! - the SDK's stream in one range, and a day at a time (`stream_rate`, the baselines);
//! - `cake export` with `--jobs` 1, 2, 4 and 8, each into a directory of its own under
//!   `target/export-bench/`, deleted at the end. On an ext4 mounted without a journal (the VM
//!   of BENCHMARKS.md), creating a file within minutes of deleting many is slower (the kernel
//!   skips inodes freed recently), so a run right after another, or after a large `rm`,
//!   measures that: leave a few minutes between them.
//!
//! Each figure is the process's wall time from start to exit, and its peak resident memory
//! when GNU `time` is at `/usr/bin/time` (Debian's `time` package). The ratios are the export's
//! rate over the SDK's stream of the range, and over the faster of the SDK's two streams, of the
//! same repetition. Then the peak memory of a month of clicks and of the year, with 1 and 4
//! jobs; then `check_lake` reads
//! the last repetition's lake (`--jobs 4`) back: the rows equal Get Click's and Get
//! Conversions' totals, and payout per day equals the Offer Report's.
//!
//! It asserts nothing about speed: these are measurements, for BENCHMARKS.md, never a test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::sim_scale::start;

const KEY: &str = "cake-sim-demo-key";
const STREAMS: [&str; 2] = ["clicks", "conversions"];
const JOBS: [u32; 4] = [1, 2, 4, 8];
const START: &str = "2025-01-01";
const END: &str = "2025-12-31";

/// One process measured: seconds, and peak RSS in MiB when known.
type Figure = (f64, Option<f64>);

/// The rows `cake export` says it wrote (its last line on stderr).
fn rows_exported(stderr: &str) -> Option<u64> {
    stderr
        .split("exported ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

pub fn run(reps: u32, scale: u64) -> Result<(), String> {
    crate::cargo(&["build", "--release", "-p", "cake-cli"])?;
    crate::cargo(&["build", "--release", "-p", "cake-export", "--examples"])?;
    let release = crate::root().join("target/release");
    let (cake, examples) = (release.join("cake"), release.join("examples"));
    let gnu_time = Path::new("/usr/bin/time").exists();
    if !gnu_time {
        println!("(no /usr/bin/time: no peak memory; `apt-get install time` adds it)");
    }
    let (_server, addr) = start(
        &cake,
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--demo-scale",
            &scale.to_string(),
        ],
        &[],
    )?;
    let url = format!("http://{addr}");
    let out = crate::root().join(format!(
        "target/export-bench/{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    ));
    let commit = crate::run_stdout("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    println!(
        "cake export against cake serve --demo-scale {scale}, {START} to {END}, commit {}, {reps} repetitions",
        commit.trim()
    );
    // figures[stream][what][rep], `what` being the SDK's two streams then each --jobs.
    let mut figures = vec![vec![Vec::new(); 2 + JOBS.len()]; STREAMS.len()];
    for rep in 1..=reps {
        for (s, stream) in STREAMS.iter().enumerate() {
            let stream_rate = examples.join("stream_rate");
            let mut one_range = Command::new(&stream_rate);
            one_range.args([url.as_str(), stream, START, END]);
            figures[s][0].push(measure(one_range, gnu_time)?);
            let mut per_day = Command::new(&stream_rate);
            per_day.args([url.as_str(), stream, START, END, "--per-day"]);
            figures[s][1].push(measure(per_day, gnu_time)?);
            for (j, jobs) in JOBS.iter().enumerate() {
                let lake = lake(&out, rep, *jobs);
                let mut export = Command::new(&cake);
                export
                    .args(["export", stream, "--base-url", url.as_str(), "--out"])
                    .arg(&lake)
                    .args(["--start-date", START, "--end-date", END])
                    .args(["--jobs", &jobs.to_string()]);
                figures[s][2 + j].push(measure(export, gnu_time)?);
            }
        }
    }
    print_tables(&figures);
    // Peak memory against the rows: a month of clicks beside the year's above.
    println!("\nclicks, peak memory against the rows exported:\n");
    println!("| | rows | `--jobs 1` MiB | `--jobs 4` MiB |");
    println!("|---|---:|---:|---:|");
    for (label, end) in [("January", "2025-01-31"), ("the year", END)] {
        let mut row = (0, Vec::new());
        for jobs in ["1", "4"] {
            let mut export = Command::new(&cake);
            export
                .args(["export", "clicks", "--base-url", url.as_str(), "--out"])
                .arg(out.join(format!("memory-{end}-{jobs}")))
                .args(["--start-date", START, "--end-date", end, "--jobs", jobs]);
            let ((_, rss), stderr) = measure_with_stderr(export, gnu_time)?;
            row.0 = rows_exported(&stderr).unwrap_or_default();
            row.1
                .push(rss.map_or("-".to_string(), |m| format!("{m:.1}")));
        }
        println!("| {label} | {} | {} |", row.0, row.1.join(" | "));
    }
    let checked = lake(&out, reps, 4);
    println!("\n$ check_lake {url} {} {START} {END}", checked.display());
    let status = Command::new(examples.join("check_lake"))
        .args([url.as_str()])
        .arg(&checked)
        .args([START, END])
        .env("CAKE_API_KEY", KEY)
        .status()
        .map_err(|e| format!("cannot run check_lake: {e}"))?;
    let _ = std::fs::remove_dir_all(&out);
    if status.success() {
        Ok(())
    } else {
        Err("check_lake found the lake different from the API".into())
    }
}

fn lake(out: &Path, rep: u32, jobs: u32) -> PathBuf {
    out.join(format!("rep-{rep}-jobs-{jobs}"))
}

/// Runs `command` (its output discarded) and measures it; fails unless it exits 0.
fn measure(command: Command, gnu_time: bool) -> Result<Figure, String> {
    measure_with_stderr(command, gnu_time).map(|(figure, _)| figure)
}

/// [`measure`], and what the process wrote on stderr.
fn measure_with_stderr(command: Command, gnu_time: bool) -> Result<(Figure, String), String> {
    let shown = format!("{command:?}");
    let rss_file = std::env::temp_dir().join(format!("export-bench-rss-{}", std::process::id()));
    let mut command = if gnu_time {
        let mut timed = Command::new("/usr/bin/time");
        timed.args(["-f", "%M", "-o"]).arg(&rss_file);
        timed.arg(command.get_program()).args(command.get_args());
        timed
    } else {
        command
    };
    let started = Instant::now();
    let output = command
        .env("CAKE_API_KEY", KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!("{shown} failed: {}: {stderr}", output.status));
    }
    let rss = gnu_time
        .then(|| std::fs::read_to_string(&rss_file).ok())
        .flatten()
        .and_then(|text| text.trim().lines().last()?.trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0);
    Ok(((seconds, rss), stderr))
}

fn print_tables(figures: &[Vec<Vec<Figure>>]) {
    let names: Vec<String> = ["SDK, one range".to_string(), "SDK, a day at a time".into()]
        .into_iter()
        .chain(JOBS.iter().map(|j| format!("`cake export --jobs {j}`")))
        .collect();
    for (s, stream) in STREAMS.iter().enumerate() {
        let reps = figures[s][0].len();
        println!(
            "\n{stream}: seconds (peak MiB), then the export's rate over the SDK's stream of the range, and over the faster of the SDK's two streams\n"
        );
        println!(
            "| | {} |",
            (1..=reps)
                .map(|r| format!("rep. {r}"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        println!("|---|{}", "---:|".repeat(reps));
        for (w, name) in names.iter().enumerate() {
            let cells: Vec<String> = figures[s][w]
                .iter()
                .map(|(secs, rss)| match rss {
                    Some(mib) => format!("{secs:.3} ({mib:.1})"),
                    None => format!("{secs:.3}"),
                })
                .collect();
            println!("| {name} | {} |", cells.join(" | "));
        }
        for (baseline, name) in [
            (false, "the SDK's stream of the range"),
            (true, "the faster SDK stream"),
        ] {
            for (j, jobs) in JOBS.iter().enumerate() {
                let ratios: Vec<String> = (0..reps)
                    .map(|r| {
                        let sdk = if baseline {
                            figures[s][0][r].0.min(figures[s][1][r].0)
                        } else {
                            figures[s][0][r].0
                        };
                        format!("{:.2}", sdk / figures[s][2 + j][r].0)
                    })
                    .collect();
                println!("| `--jobs {jobs}` over {name} | {} |", ratios.join(" | "));
            }
        }
    }
}
