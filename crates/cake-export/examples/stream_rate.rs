//! The SDK's own streaming rate, the baseline of `cake export`'s (BENCHMARKS.md, "Export"): every
//! row of a stream over a date range, counted and dropped: in one `RowStream` over the range
//! (largest pages, prefetch on), and with `--per-day` in one `RowStream` per day, one day after
//! the other (the requests an export with `--jobs 1` sends).
//!
//! `cargo run --release -p cake-export --example stream_rate -- URL STREAM START END [--per-day]`
//! (the api_key from `CAKE_API_KEY`, else the simulator's demo key).

use std::time::Instant;

use cake_client::{paginate::ListRequest, Client, PageOptions, RowStream};
use futures::TryStreamExt;

async fn count<Q: ListRequest>(request: Q) -> Result<u64, cake_client::Error> {
    let mut rows = RowStream::new(request, PageOptions::default());
    let mut n = 0;
    while rows.try_next().await?.is_some() {
        n += 1;
    }
    Ok(n)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (args, per_day) = match args.split_last() {
        Some((last, rest)) if last == "--per-day" => (rest.to_vec(), true),
        _ => (args, false),
    };
    let [url, stream, start, end] = args.as_slice() else {
        return Err("usage: stream_rate URL STREAM START END [--per-day]".into());
    };
    let key = std::env::var("CAKE_API_KEY").unwrap_or_else(|_| cake_sim::DEMO_API_KEY.into());
    let client = Client::builder(url.as_str(), key).build()?;
    let (start, end): (chrono::NaiveDate, chrono::NaiveDate) = (start.parse()?, end.parse()?);
    let started = Instant::now();
    let ranges: Vec<(chrono::NaiveDate, chrono::NaiveDate)> = if per_day {
        start
            .iter_days()
            .take_while(|d| *d <= end)
            .map(|d| (d, d))
            .collect()
    } else {
        vec![(start, end)]
    };
    let mut rows = 0;
    for (from, to) in ranges {
        rows += match stream.as_str() {
            "clicks" => count(client.get_click().start_date(from).end_date(to)).await?,
            "conversions" => count(client.get_conversions().start_date(from).end_date(to)).await?,
            other => {
                return Err(
                    format!("stream_rate streams clicks or conversions, not {other}").into(),
                )
            }
        };
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{stream}: {rows} rows in {seconds:.2} s, {:.0} rows/s (the SDK's stream, {})",
        rows as f64 / seconds,
        if per_day {
            "a day at a time"
        } else {
            "one range"
        }
    );
    Ok(())
}
