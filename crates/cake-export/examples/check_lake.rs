//! Checks an export against the API it came from (BENCHMARKS.md, "Export"): the rows of
//! `DIR/clicks` and `DIR/conversions` equal Get Click's and Get Conversions' totals over the
//! range, and each day's sum of `payout` read back from `DIR/conversions` equals the sum of that
//! day's Offer Report, to the last digit. Exits 1 on any difference.
//!
//! `cargo run --release -p cake-export --example check_lake -- URL DIR START END`
//! (the api_key from `CAKE_API_KEY`, else the simulator's demo key).

use std::path::Path;

use arrow_array::{cast::AsArray, types::Decimal128Type, Array};
use arrow_schema::DataType;
use cake_client::Client;
use cake_export::{sink::partition_file, Format, Stream};
use chrono::NaiveDate;
use futures::TryStreamExt;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_decimal::Decimal;

/// The rows of a day's file, and the sum of its column `sum` when given.
fn read(path: &Path, sum: Option<&str>) -> Result<(u64, Decimal), Box<dyn std::error::Error>> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path)?)?.build()?;
    let (mut rows, mut total) = (0u64, Decimal::ZERO);
    for batch in reader {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        let Some(name) = sum else { continue };
        let column = batch.column_by_name(name).ok_or("no such column")?;
        let DataType::Decimal128(_, scale) = column.data_type() else {
            return Err(format!("{name} is not a decimal").into());
        };
        let values = column.as_primitive::<Decimal128Type>();
        for i in 0..values.len() {
            if !values.is_null(i) {
                total += Decimal::from_i128_with_scale(values.value(i), *scale as u32);
            }
        }
    }
    Ok((rows, total))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, dir, start, end] = args.as_slice() else {
        return Err("usage: check_lake URL DIR START END".into());
    };
    let key = std::env::var("CAKE_API_KEY").unwrap_or_else(|_| cake_sim::DEMO_API_KEY.into());
    let client = Client::builder(url.as_str(), key).build()?;
    let (start, end): (NaiveDate, NaiveDate) = (start.parse()?, end.parse()?);
    let dir = Path::new(dir);
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
    let mut differences = 0;

    let clicks_api = client
        .get_click()
        .start_date(start)
        .end_date(end)
        .row_limit(1u32)
        .execute()
        .await?
        .response
        .total_rows;
    let conversions_api = client
        .get_conversions()
        .start_date(start)
        .end_date(end)
        .row_limit(1u32)
        .execute()
        .await?
        .total_rows;
    let (mut clicks, mut conversions) = (0u64, 0u64);
    for &d in &days {
        let file = |s: Stream| partition_file(dir, s.name(), d, Format::Parquet);
        clicks += read(&file(Stream::Clicks), None)?.0;
        let (n, payout) = read(&file(Stream::Conversions), Some("payout"))?;
        conversions += n;
        let reported: Decimal = client
            .get_offer_report()
            .start_date(d)
            .end_date(d)
            .stream()
            .try_collect::<Vec<_>>()
            .await?
            .iter()
            .map(|r| r.payout.amount())
            .sum();
        if payout != reported {
            differences += 1;
            println!("{d}: payout {payout} in the lake, {reported} in the Offer Report");
        }
    }
    println!("clicks: {clicks} rows in the lake, {clicks_api} by Get Click's total");
    println!(
        "conversions: {conversions} rows in the lake, {conversions_api} by Get Conversions' total"
    );
    println!(
        "payout per day: {} days compared, {differences} different",
        days.len()
    );
    if clicks != clicks_api || conversions != conversions_api || differences > 0 {
        std::process::exit(1);
    }
    Ok(())
}
