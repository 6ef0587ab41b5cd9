//! Load benchmark of the simulator: requests per second and p50/p99 latency under 16 concurrent
//! SDK clients on loopback, for an Offer Report query and for Record Conversion, with 100k and 1M
//! generated clicks in the store; then 10,000 Record Conversion calls from 16 tasks, half of them
//! repeats of a `unique_id`, checked for exactly the expected number of conversions.
//!
//! Run: `cargo bench -p cake-sim --bench load` (add `-- --quick` for 100k clicks only). It only
//! talks to 127.0.0.1 and every phase is bounded in requests and in time.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use cake_client::{types, Client, RetryPolicy};
use cake_sim::{demo, Simulator};
use chrono::NaiveDate;

const KEY: &str = "bench-key";
const TASKS: usize = 16;
/// No phase runs longer than this, whatever its request count.
const PHASE_BUDGET: Duration = Duration::from_secs(60);

fn client(base_url: &str) -> Client {
    Client::builder(base_url, KEY)
        .retry(RetryPolicy::none())
        .build()
        .expect("a loopback URL is valid")
}

struct Stats {
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>6} requests in {:>6.2} s = {:>7.0} req/s, p50 {:>7.2} ms, p99 {:>7.2} ms",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
        )
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs `per_task` calls of `call(task, n)` on each of 16 tasks and measures them.
async fn measure<F, Fut>(base_url: &str, per_task: usize, call: F) -> Stats
where
    F: Fn(Client, usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let client = client(base_url);
        let call = call.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for n in 0..per_task {
                if started.elapsed() > PHASE_BUDGET {
                    break;
                }
                let t = Instant::now();
                let ok = call(client.clone(), task, n).await;
                assert!(ok, "a benchmark request failed");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("a benchmark task panicked"));
    }
    let elapsed = started.elapsed();
    all.sort();
    Stats {
        requests: all.len(),
        elapsed,
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
    }
}

async fn store_size(clicks: u64) {
    let t = Instant::now();
    let store = demo::demo_store_scaled(clicks);
    let built = t.elapsed();
    let (n_clicks, n_conversions) = (store.click_count(), store.conversions().len());
    // (click_id, offer_id) of generated clicks, to record conversions against.
    let targets: Arc<Vec<(String, u32)>> = Arc::new(
        store
            .clicks()
            .filter(|c| c.click_id.starts_with("load-"))
            .step_by(7)
            .take(50_000)
            .map(|c| (c.click_id, c.offer_id))
            .collect(),
    );
    let sim = Simulator::new(KEY, store);
    let running = sim.serve("127.0.0.1:0").await.expect("bind loopback");
    let base_url = running.base_url();
    println!(
        "\n## {clicks} generated clicks (store: {n_clicks} clicks, {n_conversions} conversions, built in {:.2} s)",
        built.as_secs_f64()
    );

    let day = |s: &str| s.parse::<NaiveDate>().expect("a valid date");
    let (from, to) = (day("2025-03-01"), day("2025-03-31"));
    let report_rows = running.simulator().with_store(|s| {
        s.offer_figures(&cake_sim::store::ReportFilter::between(from, to))
            .len()
    });
    let per_task = if clicks >= 1_000_000 { 40 } else { 125 };
    let stats = measure(&base_url, per_task, move |client, _, _| async move {
        client
            .get_offer_report()
            .start_date(from)
            .end_date(to)
            .sort_field(types::OfferReportSortField::Conversions)
            .sort_descending(true)
            .execute()
            .await
            .is_ok_and(|r| r.response.data.offers.len() == report_rows)
    })
    .await;
    println!("Offer Report, one month ({report_rows} offers): {stats}");

    let targets_for_record = targets.clone();
    let stats = measure(&base_url, 250, move |client, task, n| {
        let targets = targets_for_record.clone();
        async move {
            let (click_id, offer_id) = &targets[(task * 250 + n) % targets.len()];
            client
                .record_conversion()
                .click_id(click_id.as_str())
                .offer_id(*offer_id)
                .unique_id(format!("bench-{clicks}-{task}-{n}"))
                .execute()
                .await
                .is_ok()
        }
    })
    .await;
    println!("Record Conversion (new unique_id each):   {stats}");

    // 10,000 calls from 16 tasks, half repeats: 5,000 unique_ids, each sent by two different
    // tasks, so that repeats race their originals.
    let before = running.simulator().with_store(|s| s.conversions().len());
    let calls_per_task = 10_000 / TASKS;
    let answers = Arc::new(std::sync::Mutex::new(Vec::with_capacity(10_000)));
    let answers_in = answers.clone();
    let targets_for_dedup = targets.clone();
    let stats = measure(&base_url, calls_per_task, move |client, task, n| {
        let targets = targets_for_dedup.clone();
        let answers = answers_in.clone();
        async move {
            // Tasks 2k and 2k+1 send the same unique_ids.
            let id = (task / 2) * calls_per_task + n;
            let (click_id, offer_id) = &targets[id % targets.len()];
            let unique_id = format!("dedup-{clicks}-{id}");
            match client
                .record_conversion()
                .click_id(click_id.as_str())
                .offer_id(*offer_id)
                .unique_id(unique_id.as_str())
                .execute()
                .await
            {
                Ok(r) => {
                    answers
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((unique_id, r.conversion.conversion_id));
                    true
                }
                Err(_) => false,
            }
        }
    })
    .await;
    let after = running.simulator().with_store(|s| s.conversions().len());
    let answers = std::mem::take(&mut *answers.lock().unwrap_or_else(|p| p.into_inner()));
    let mut by_unique_id = std::collections::HashMap::new();
    for (unique_id, conversion_id) in answers.iter() {
        let first = *by_unique_id
            .entry(unique_id.clone())
            .or_insert(*conversion_id);
        assert_eq!(first, *conversion_id, "{unique_id} got two conversion ids");
    }
    let expected = by_unique_id.len();
    assert_eq!(answers.len(), stats.requests);
    assert_eq!(after - before, expected, "conversions lost or doubled");
    println!(
        "Record Conversion, half repeats:          {stats}; {} calls -> {} conversions created, expected {expected}: none lost, none doubled",
        answers.len(),
        after - before
    );
    running.shutdown().await;
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        println!(
            "# cake-sim load benchmark ({TASKS} concurrent SDK clients on loopback, {} CPUs)",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        store_size(100_000).await;
        if !quick {
            store_size(1_000_000).await;
        }
    });
}
