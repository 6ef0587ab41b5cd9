//! The SDK's own streaming rate, the baseline of `cake export`'s (BENCHMARKS.md, "Export"): every
//! row of a stream over a date range in one `RowStream` (largest pages, prefetch on), counted and
//! dropped.
//!
//! `cargo run --release -p cake-export --example stream_rate -- URL STREAM START END`
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
    let [url, stream, start, end] = args.as_slice() else {
        return Err("usage: stream_rate URL STREAM START END".into());
    };
    let key = std::env::var("CAKE_API_KEY").unwrap_or_else(|_| cake_sim::DEMO_API_KEY.into());
    let client = Client::builder(url.as_str(), key).build()?;
    let (start, end): (chrono::NaiveDate, chrono::NaiveDate) = (start.parse()?, end.parse()?);
    let started = Instant::now();
    let rows = match stream.as_str() {
        "clicks" => count(client.get_click().start_date(start).end_date(end)).await?,
        "conversions" => count(client.get_conversions().start_date(start).end_date(end)).await?,
        other => {
            return Err(format!("stream_rate streams clicks or conversions, not {other}").into())
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{stream}: {rows} rows in {seconds:.2} s, {:.0} rows/s (the SDK's stream, one range)",
        rows as f64 / seconds
    );
    Ok(())
}
