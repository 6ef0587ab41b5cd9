//! The SDK's costs, measured side by side against one local HTTP server (`cargo bench -p
//! cake-client`; figures in BENCHMARKS.md):
//!
//! 1. `per_call`: one Offer Report call through the SDK (builder, spec validation, hooks, retry
//!    wrapper, typed decode) against the same call written by hand with reqwest + serde_json into
//!    the same types.
//! 2. `decode_10k`: one 10,000-row Offer Report page decoded into the SDK's types against
//!    decoding it into `serde_json::Value`.
//! 3. `stream_conversions`: 200,000 conversions streamed in 400 pages of 500; and, printed before
//!    the measurement, the peak heap while streaming 50,000 and 200,000 rows (a counting global
//!    allocator), which must not grow with the number of rows.

#[path = "shared/mod.rs"]
mod shared;

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
};

use cake_client::{types, Client, PageOptions, RetryPolicy};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::StreamExt;
use serde_json::{json, Value};
use shared::{client_runtime, d, offer_page, serve, Calls};

/// Counts live heap bytes and their peak, so that streaming's memory can be read.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn conversions_page(total: u64) -> Vec<u8> {
    let rows: Vec<Value> = (1..=500)
        .map(|i| json!({"conversion":{"conversion_id":i,"offer":{"offer_id":12345,"offer_name":"Auto Insurance Quote"},
            "affiliate":{"affiliate_id":67890,"affiliate_name":"MediaBridge Partners"},"payout":18.00,"revenue":22.00,
            "conversion_status":"approved","conversion_date":"2026-06-19 14:30:00"}}))
        .collect();
    serde_json::to_vec(&json!({"request_status":"Success","total_rows":total,"conversions":rows}))
        .unwrap()
}

fn per_call(c: &mut Criterion) {
    let rt = client_runtime();
    let calls = Calls::new(&serve(offer_page(1)));
    // Wall-clock time on a small shared VM drifts between criterion's runs of one function and
    // the next; an interleaved A/B cancels the drift: rounds of one batch of each, in alternating
    // order, each round giving its own ratio. The median of those ratios is the figure to read
    // (the ratio of the two medians is printed beside it).
    const ROUNDS: usize = 80;
    const CALLS: u32 = 200;
    let (mut sdk_batches, mut hand_batches, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    rt.block_on(async {
        for _ in 0..200 {
            calls.sdk().await;
            calls.hand_written().await;
        }
        for round in 0..ROUNDS {
            let mut sdk = 0.0;
            let mut hand = 0.0;
            for first_sdk in [round % 2 == 0, round % 2 == 1] {
                let t = std::time::Instant::now();
                for _ in 0..CALLS {
                    if first_sdk {
                        calls.sdk().await;
                    } else {
                        calls.hand_written().await;
                    }
                }
                let per_call = t.elapsed().as_secs_f64() / f64::from(CALLS);
                if first_sdk {
                    sdk = per_call;
                } else {
                    hand = per_call;
                }
            }
            sdk_batches.push(sdk);
            hand_batches.push(hand);
            ratios.push(sdk / hand);
        }
    });
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (sdk_median, hand_median) = (median(&mut sdk_batches), median(&mut hand_batches));
    println!(
        "per_call interleaved A/B ({ROUNDS} rounds of {CALLS} calls each way): sdk {:.1} us, hand-written {:.1} us, median ratio {:.3} (ratio of medians {:.3})",
        sdk_median * 1e6,
        hand_median * 1e6,
        median(&mut ratios),
        sdk_median / hand_median
    );

    let mut group = c.benchmark_group("per_call");
    group
        .sample_size(300)
        .measurement_time(std::time::Duration::from_secs(15));
    group.bench_function("sdk", |b| b.to_async(&rt).iter(|| calls.sdk()));
    group.bench_function("hand_written_reqwest", |b| {
        b.to_async(&rt).iter(|| calls.hand_written())
    });
    group.finish();
}

fn decode_10k(c: &mut Criterion) {
    let page = offer_page(10_000);
    let mut group = c.benchmark_group("decode_10k_offer_rows");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("sdk_types", |b| {
        b.iter(|| serde_json::from_slice::<types::OfferReportResponse>(&page).unwrap())
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(&page).unwrap())
    });
    group.finish();
}

async fn stream_all(client: &Client) -> usize {
    let stream = client
        .get_conversions()
        .start_date(d("2026-06-01"))
        .end_date(d("2026-06-30"))
        .stream_with(PageOptions {
            page_size: Some(500),
            prefetch: true,
        });
    stream
        .fold(0usize, |n, row| async move { row.map(|_| n + 1).unwrap() })
        .await
}

fn stream_conversions(c: &mut Criterion) {
    let rt = client_runtime();
    let mut group = c.benchmark_group("stream_conversions");
    group.sample_size(10);
    for total in [50_000u64, 200_000] {
        let url = serve(conversions_page(total));
        let client = Client::builder(&url, "bench-key")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        // Peak heap above what was live before the stream started.
        rt.block_on(stream_all(&client));
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let n = rt.block_on(stream_all(&client));
        let peak = PEAK.load(Ordering::Relaxed) - base;
        assert_eq!(n as u64, total);
        println!(
            "stream_conversions/{total}: peak heap above baseline {:.2} MiB ({peak} bytes)",
            peak as f64 / 1048576.0
        );
        group.throughput(Throughput::Elements(total));
        group.bench_with_input(BenchmarkId::from_parameter(total), &client, |b, client| {
            b.to_async(&rt).iter(|| stream_all(client))
        });
    }
    group.finish();
}

criterion_group!(benches, per_call, decode_10k, stream_conversions);
criterion_main!(benches);
