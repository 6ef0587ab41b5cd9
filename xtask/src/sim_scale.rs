//! `cargo xtask sim-scale [CLICKS ...]`: the simulator at scale, measured the way BENCHMARKS.md
//! reports it ("Simulator at scale"), so that anyone can reproduce the figures on their machine.
//!
//! For each count (default 1,000,000 and 3,000,000) it starts the release `cake serve
//! --demo-scale COUNT` on a free port and reads:
//! - how long until it listens (the store is built before the port is bound);
//! - its resident memory (`VmRSS` of `/proc/PID/status`, so Linux only), at start and after one
//!   Record Conversion (the first change);
//! - with `wrk` installed (Debian's package), requests per second, one wrk thread and 16
//!   connections for 5 s each, in this order: the HTTP floor (a request refused before any work:
//!   no api_key, 401), the Offer Report for the year 2025, the same for March 2025, and the floor
//!   again. The ratio is the year report's rate over the higher of the two floors. At the first
//!   count it also measures the report shapes of [`SHAPES`] (filters, misaligned ranges), one
//!   wrk thread and 4 connections for 3 s each, with the floor under the same load before and
//!   after them, and prints each with its ratio to the higher of those floors.
//!
//! `CAKE_BIN=PATH` measures another build of `cake` instead (say, an older commit's), unbuilt.
//! It asserts nothing: these are measurements, for BENCHMARKS.md, never a test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "cake-sim-demo-key";

/// The report shapes measured at the first count: each report, unfiltered and with each filter
/// it takes that changes which roll-ups hold it (country, affiliate, both, offer), over a
/// calendar year, a calendar month and a misaligned year (mid-February to mid-February: partial
/// months at both ends). Only the Offer Report takes a country. See `crates/cake-sim/src/store/report_index.rs`.
const SHAPES: &[&str] = &[
    "report/offer.json?start_date=2025-01-01&end_date=2025-12-31",
    "report/offer.json?start_date=2025-03-01&end_date=2025-03-31",
    "report/offer.json?start_date=2025-02-15&end_date=2026-02-14",
    "report/offer.json?start_date=2025-01-01&end_date=2025-12-31&country_id=1",
    "report/offer.json?start_date=2025-03-01&end_date=2025-03-31&country_id=1",
    "report/offer.json?start_date=2025-02-15&end_date=2026-02-14&country_id=1",
    "report/offer.json?start_date=2025-01-01&end_date=2025-12-31&affiliate_id=80001",
    "report/offer.json?start_date=2025-02-15&end_date=2026-02-14&affiliate_id=80001",
    "report/offer.json?start_date=2025-01-01&end_date=2025-12-31&country_id=1&affiliate_id=80001",
    "report/offer.json?start_date=2025-02-15&end_date=2026-02-14&country_id=1&affiliate_id=80001",
    "report/offer.json?start_date=2025-02-15&end_date=2026-02-14&offer_id=40001",
    "report/affiliate.json?start_date=2025-01-01&end_date=2025-12-31",
    "report/affiliate.json?start_date=2025-02-15&end_date=2026-02-14",
    "report/affiliate.json?start_date=2025-01-01&end_date=2025-12-31&offer_id=40001",
    "report/affiliate.json?start_date=2025-03-01&end_date=2025-03-31&offer_id=40001",
    "report/affiliate.json?start_date=2025-02-15&end_date=2026-02-14&offer_id=40001",
    "report/affiliate.json?start_date=2025-02-15&end_date=2026-02-14&affiliate_id=80001",
    "report/advertiser.json?start_date=2025-01-01&end_date=2025-12-31",
    "report/advertiser.json?start_date=2025-02-15&end_date=2026-02-14&offer_id=40001",
];

/// Kills the server when dropped, whatever happened.
pub struct Server(Child);

/// Starts `cake` with `args` (and `env`), and waits until it says where it listens:
/// the server and its `HOST:PORT`.
pub fn start(
    cake: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(Server, String), String> {
    let mut child = Command::new(cake)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", cake.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .ok_or("cake serve ended before listening")?
            .map_err(|e| e.to_string())?;
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    // The rest of what it says goes nowhere, without blocking it.
    std::thread::spawn(move || for _ in lines {});
    Ok((server, addr))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(counts: &[u64]) -> Result<(), String> {
    let cake = match std::env::var_os("CAKE_BIN") {
        // Another build of `cake` (an older commit's, for a before/after), as it is.
        Some(path) => std::path::PathBuf::from(path),
        None => {
            crate::cargo(&["build", "--release", "-p", "cake-cli"])?;
            crate::root().join("target/release/cake")
        }
    };
    let wrk = Command::new("wrk").arg("--version").output().is_ok();
    if !wrk {
        println!("(wrk is not installed: no request rates; `apt-get install wrk` adds them)");
    }
    println!("| clicks | ready | RSS at start | per click | RSS after the load and a change | floor req/s | year report req/s | month report req/s | floor again | year / floor |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut shapes = Vec::new();
    for (n, &clicks) in counts.iter().enumerate() {
        let started = Instant::now();
        let (server, addr) = start(
            &cake,
            &[
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--demo-scale",
                &clicks.to_string(),
            ],
            &[],
        )?;
        let ready = started.elapsed();
        std::thread::sleep(Duration::from_secs(1));
        let pid = server.0.id();
        let rss_start = rss_kib(pid)?;
        let rates = if wrk {
            let floor = format!("http://{addr}/api/2/report/offer.json?start_date=2025-01-01");
            let report = |from: &str, to: &str| {
                format!("http://{addr}/api/2/report/offer.json?api_key={KEY}&start_date={from}&end_date={to}")
            };
            Some([
                requests_per_second(&floor, true)?,
                requests_per_second(&report("2025-01-01", "2025-12-31"), false)?,
                requests_per_second(&report("2025-03-01", "2025-03-31"), false)?,
                requests_per_second(&floor, true)?,
            ])
        } else {
            None
        };
        if wrk && n == 0 {
            // The floor under the same load as the shapes, before and after them.
            let floor = format!("http://{addr}/api/2/report/offer.json?start_date=2025-01-01");
            let before = rate(&floor, 4, 3, true)?;
            let mut rates = Vec::new();
            for shape in SHAPES {
                let url = format!("http://{addr}/api/2/{shape}&api_key={KEY}");
                rates.push((shape, rate(&url, 4, 3, false)?));
            }
            let floor = before.max(rate(&floor, 4, 3, true)?);
            shapes.extend(
                rates
                    .into_iter()
                    .map(|(shape, r)| (clicks, shape, r, floor)),
            );
        }
        record_one_conversion(&addr)?;
        std::thread::sleep(Duration::from_millis(500));
        let rss_changed = rss_kib(pid)?;
        let per_click = rss_start as f64 * 1024.0 / clicks as f64;
        let rate_cells = match rates {
            Some([floor, year, month, floor_again]) => format!(
                "{floor:.0} | {year:.0} | {month:.0} | {floor_again:.0} | {:.3}",
                year / floor.max(floor_again)
            ),
            None => "- | - | - | - | -".into(),
        };
        println!(
            "| {clicks} | {:.2} s | {:.1} MiB | {per_click:.0} B | {:.1} MiB | {rate_cells} |",
            ready.as_secs_f64(),
            rss_start as f64 / 1024.0,
            rss_changed as f64 / 1024.0,
        );
        drop(server);
    }
    if !shapes.is_empty() {
        println!();
        println!("| clicks | query (after /api/2/) | req/s | floor req/s | ratio |");
        println!("|---:|---|---:|---:|---:|");
        for (clicks, shape, rate, floor) in shapes {
            println!(
                "| {clicks} | `{shape}` | {rate:.0} | {floor:.0} | {:.3} |",
                rate / floor
            );
        }
    }
    Ok(())
}

/// The process's resident memory, in KiB.
fn rss_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status (Linux only): {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/PID/status".into())
}

/// wrk's "Requests/sec" for `url` (16 connections, 5 s); fails if a request expected to
/// succeed did not.
fn requests_per_second(url: &str, refused: bool) -> Result<f64, String> {
    rate(url, 16, 5, refused)
}

fn rate(url: &str, connections: u32, seconds: u32, refused: bool) -> Result<f64, String> {
    let output = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            url,
        ])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !refused && text.contains("Non-2xx") {
        return Err(format!("requests to {url} failed:\n{text}"));
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

/// One GET, its body as JSON.
fn get(addr: &str, path_and_query: &str) -> Result<serde_json::Value, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).map_err(|e| format!("{path_and_query}: {e}: {body}"))
}

/// Records a conversion of the first generated click: the store's first change.
fn record_one_conversion(addr: &str) -> Result<(), String> {
    let click = get(
        addr,
        &format!("/api/2/click.json?api_key={KEY}&click_id=load-000000000"),
    )?;
    // A property of Get Click's answer, read as JSON: xtask does not depend on the SDK's types.
    let offer_id = &click["response"]["clicks"][0]["offer_id"];
    let recorded = get(
        addr,
        &format!(
            "/api/2/conversion.json?api_key={KEY}&click_id=load-000000000&offer_id={offer_id}"
        ),
    )?;
    if recorded["request_status"] != "Success" {
        return Err(format!("Record Conversion failed: {recorded}"));
    }
    Ok(())
}
