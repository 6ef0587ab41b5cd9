//! Exports against the demo simulator, read back through the Arrow reader: every value equal to
//! what the API returned, payout per day equal to the Offer Report's, runs idempotent, and
//! `--since-last-run` continuing with its lookback.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use arrow_array::{
    cast::AsArray,
    types::{
        Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    },
    Array, RecordBatch,
};
use arrow_schema::DataType;
use cake_client::{
    columns::{ColumnValue, Columns},
    paginate::{ListRequest, PageOptions},
    Client, RowStream,
};
use cake_export::{export, row_schema, DayRange, Durability, Format, Plan, Stream};
use chrono::NaiveDate;
use futures::TryStreamExt;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_decimal::Decimal;

const KEY: &str = "export-test-key";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cake-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn demo() -> (cake_sim::RunningSimulator, Client) {
    let sim = cake_sim::Simulator::demo(KEY)
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let client = Client::builder(sim.base_url(), KEY).build().unwrap();
    (sim, client)
}

fn plan(stream: Stream, out: &Path, days: DayRange, jobs: usize) -> Plan {
    Plan {
        stream,
        out: out.to_path_buf(),
        days,
        format: Format::Parquet,
        jobs,
        durability: Durability::default(),
        parameters: BTreeMap::new(),
    }
}

/// A value read back, in the form the SDK's `ColumnValue` gives it, for comparison.
#[derive(Debug, PartialEq)]
enum Read {
    Integer(i128),
    Money(Decimal),
    Number(f64),
    Text(String),
    Bool(bool),
    Missing,
}

fn expected(v: &ColumnValue<'_>) -> Read {
    match v {
        ColumnValue::Integer(n) => Read::Integer(*n),
        ColumnValue::Money(d) => Read::Money(d.normalize()),
        ColumnValue::Number(f) => Read::Number(*f),
        ColumnValue::Text(t) => Read::Text(t.to_string()),
        ColumnValue::Bool(b) => Read::Bool(*b),
        _ => Read::Missing,
    }
}

/// Every row of a Parquet file, as `Read` values.
fn read_back(path: &Path) -> Vec<Vec<Read>> {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch: RecordBatch = batch.unwrap();
        for r in 0..batch.num_rows() {
            let row = batch
                .columns()
                .iter()
                .map(|c| {
                    if c.is_null(r) {
                        return Read::Missing;
                    }
                    match c.data_type() {
                        DataType::Int32 => {
                            Read::Integer(c.as_primitive::<Int32Type>().value(r).into())
                        }
                        DataType::Int64 => {
                            Read::Integer(c.as_primitive::<Int64Type>().value(r).into())
                        }
                        DataType::Decimal128(_, scale) => Read::Money(
                            Decimal::from_i128_with_scale(
                                c.as_primitive::<Decimal128Type>().value(r),
                                *scale as u32,
                            )
                            .normalize(),
                        ),
                        DataType::Float64 => Read::Number(c.as_primitive::<Float64Type>().value(r)),
                        DataType::Utf8 => Read::Text(c.as_string::<i32>().value(r).to_string()),
                        DataType::Boolean => Read::Bool(c.as_boolean().value(r)),
                        DataType::Date32 => Read::Text(
                            c.as_primitive::<Date32Type>()
                                .value_as_date(r)
                                .unwrap()
                                .to_string(),
                        ),
                        DataType::Timestamp(..) => Read::Text(
                            c.as_primitive::<TimestampMicrosecondType>()
                                .value_as_datetime(r)
                                .unwrap()
                                .format(cake_client::datetime::CAKE_DATE_TIME_FORMAT)
                                .to_string(),
                        ),
                        other => panic!("an unexpected column type {other:?}"),
                    }
                })
                .collect();
            rows.push(row);
        }
    }
    rows
}

fn file(out: &Path, stream: Stream, d: NaiveDate) -> PathBuf {
    cake_export::sink::partition_file(out, stream.name(), d, Format::Parquet)
}

async fn api_rows<Q>(request: Q) -> Vec<Vec<Read>>
where
    Q: ListRequest,
    Q::Row: Columns,
{
    RowStream::new(request, PageOptions::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .iter()
        .map(|r| r.column_values().iter().map(expected).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_value_read_back_is_what_the_api_returned_and_payout_per_day_is_the_offer_reports() {
    let (_sim, client) = demo().await;
    let out = temp_dir("values");
    let (start, end) = (day("2026-01-01"), day("2026-01-20"));
    for stream in [Stream::Conversions, Stream::Clicks, Stream::OfferReport] {
        let summary = export(
            &client,
            &plan(stream, &out, DayRange::Range { start, end }, 3),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(summary.days, 20);
        assert!(summary.rows > 0, "{stream:?}");
    }
    let mut compared = 0;
    for d in start.iter_days().take_while(|d| *d <= end) {
        let conversions = read_back(&file(&out, Stream::Conversions, d));
        assert_eq!(
            conversions,
            api_rows(client.get_conversions().start_date(d).end_date(d)).await,
            "conversions of {d}"
        );
        let clicks = read_back(&file(&out, Stream::Clicks, d));
        assert_eq!(
            clicks,
            api_rows(client.get_click().start_date(d).end_date(d)).await,
            "clicks of {d}"
        );
        let report = read_back(&file(&out, Stream::OfferReport, d));
        assert_eq!(
            report,
            api_rows(client.get_offer_report().start_date(d).end_date(d)).await,
            "offer report of {d}"
        );
        compared += conversions.len() + clicks.len() + report.len();

        // Payout per day: the conversions' sum from Parquet, the report's from the API.
        let payout = row_schema(Stream::Conversions)
            .unwrap()
            .columns
            .iter()
            .position(|c| c.name == "payout")
            .unwrap();
        let summed: Decimal = conversions
            .iter()
            .map(|r| match &r[payout] {
                Read::Money(m) => *m,
                other => panic!("payout {other:?}"),
            })
            .sum();
        let reported: Decimal = client
            .get_offer_report()
            .start_date(d)
            .end_date(d)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .iter()
            .map(|r| r.payout.amount())
            .sum();
        assert_eq!(summed, reported, "payout of {d}");
    }
    assert!(compared > 100, "too few rows compared: {compared}");
    let _ = std::fs::remove_dir_all(out);
}

fn files(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                all.insert(
                    path.strip_prefix(out).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_leaves_the_same_files_and_since_last_run_continues_with_its_lookback() {
    let (_sim, client) = demo().await;
    let out = temp_dir("again");
    let january = DayRange::Range {
        start: day("2026-01-01"),
        end: day("2026-01-31"),
    };
    export(
        &client,
        &plan(Stream::Conversions, &out, january, 4),
        |_| {},
    )
    .await
    .unwrap();
    let first = files(&out);
    assert_eq!(first.len(), 31, "a file per day, empty days too");
    // Again, one day at a time, each file synced on its own instead of the filesystem at once.
    let each_file = Plan {
        durability: Durability::EachFile,
        ..plan(Stream::Conversions, &out, january, 1)
    };
    export(&client, &each_file, |_| {}).await.unwrap();
    assert_eq!(files(&out), first, "the same files, byte for byte");
    assert!(!out.join("_staging").exists(), "nothing left aside");

    let state = cake_export::state::State::read(&out).unwrap();
    let s = &state.streams["conversions"];
    assert_eq!(
        (s.first_day, s.last_day),
        (day("2026-01-01"), day("2026-01-31"))
    );

    let ticks = std::sync::Mutex::new(Vec::new());
    let continued = export(
        &client,
        &plan(
            Stream::Conversions,
            &out,
            DayRange::SinceLastRun {
                lookback: 3,
                end: day("2026-02-10"),
            },
            2,
        ),
        |t| ticks.lock().unwrap().push(t),
    )
    .await
    .unwrap();
    assert_eq!(
        continued.range,
        Some((day("2026-01-29"), day("2026-02-10")))
    );
    assert_eq!(continued.days, 13);
    assert_eq!(ticks.lock().unwrap().len(), 13);
    let after = files(&out);
    assert_eq!(after.len(), 41);
    for (path, bytes) in &first {
        assert_eq!(
            after.get(path),
            Some(bytes),
            "{path:?} re-exported the same"
        );
    }
    let state = cake_export::state::State::read(&out).unwrap();
    let s = &state.streams["conversions"];
    assert_eq!(
        (s.first_day, s.last_day),
        (day("2026-01-01"), day("2026-02-10"))
    );

    // Up to date: nothing to do. Another format in the same place: refused.
    let none = export(
        &client,
        &plan(
            Stream::Conversions,
            &out,
            DayRange::SinceLastRun {
                lookback: 0,
                end: day("2026-02-10"),
            },
            1,
        ),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(none.range, None);
    let mut csv = plan(Stream::Conversions, &out, january, 1);
    csv.format = Format::Csv;
    let refused = export(&client, &csv, |_| {}).await.unwrap_err();
    assert!(
        refused.to_string().contains("holds conversions as parquet"),
        "{refused}"
    );
    let first_run = export(
        &client,
        &plan(
            Stream::Clicks,
            &out,
            DayRange::SinceLastRun {
                lookback: 0,
                end: day("2026-02-10"),
            },
            1,
        ),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        first_run
            .to_string()
            .contains("no earlier export of clicks"),
        "{first_run}"
    );
    let _ = std::fs::remove_dir_all(out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_fails_midway_keeps_the_days_before_it_and_goes_on_from_there() {
    use cake_sim::{Fault, FaultPlan, FaultRule};
    // The sixth Get Conversions answers 500: the sixth day of a run with one job.
    let plan6 = FaultPlan {
        seed: 0,
        rules: vec![FaultRule {
            operation: Some(cake_client::query::GetConversionsQuery::OPERATION_ID.into()),
            fault: Fault::Status {
                status: 500,
                retry_after_seconds: None,
            },
            after: 5,
            times: Some(1),
            probability: None,
        }],
    };
    let sim = cake_sim::Simulator::demo(KEY)
        .with_faults(plan6)
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let client = Client::builder(sim.base_url(), KEY)
        .retry(cake_client::RetryPolicy::none())
        .build()
        .unwrap();
    let out = temp_dir("failed");
    let ten = DayRange::Range {
        start: day("2026-01-01"),
        end: day("2026-01-10"),
    };
    let e = export(&client, &plan(Stream::Conversions, &out, ten, 1), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, cake_export::Error::Api(_)), "{e}");
    let state = cake_export::state::State::read(&out).unwrap();
    assert_eq!(state.streams["conversions"].last_day, day("2026-01-05"));
    assert_eq!(files(&out).len(), 5, "the five days before the failure");

    let rest = export(
        &client,
        &plan(
            Stream::Conversions,
            &out,
            DayRange::SinceLastRun {
                lookback: 0,
                end: day("2026-01-10"),
            },
            1,
        ),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(rest.range, Some((day("2026-01-06"), day("2026-01-10"))));
    let clean = temp_dir("unfailed");
    export(&client, &plan(Stream::Conversions, &clean, ten, 2), |_| {})
        .await
        .unwrap();
    assert_eq!(
        files(&out),
        files(&clean),
        "the files of a run that never failed"
    );
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::remove_dir_all(clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_sharing_a_directory_one_per_stream_at_a_time_keep_each_others_state() {
    let (_sim, client) = demo().await;
    let out = temp_dir("shared");
    let january = DayRange::Range {
        start: day("2026-01-01"),
        end: day("2026-01-31"),
    };
    // A second run of a stream while one holds it is refused at once, and touches nothing.
    std::fs::create_dir_all(out.join("conversions")).unwrap();
    let running = cake_export::lock::run(&out.join("conversions"), "conversions").unwrap();
    let e = export(
        &client,
        &plan(Stream::Conversions, &out, january, 2),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("another export of conversions into"),
        "{e}"
    );
    assert!(files(&out).is_empty(), "the refused run wrote nothing");
    drop(running);

    // Two streams at once into the same directory: each keeps the other's progress.
    let (conversions_plan, clicks_plan) = (
        plan(Stream::Conversions, &out, january, 2),
        plan(Stream::Clicks, &out, january, 2),
    );
    let (conversions, clicks) = tokio::join!(
        export(&client, &conversions_plan, |_| {}),
        export(&client, &clicks_plan, |_| {}),
    );
    conversions.unwrap();
    clicks.unwrap();
    let state = cake_export::state::State::read(&out).unwrap();
    for stream in ["conversions", "clicks"] {
        let s = state
            .streams
            .get(stream)
            .unwrap_or_else(|| panic!("{stream}'s progress lost: {state:?}"));
        assert_eq!(
            (s.first_day, s.last_day),
            (day("2026-01-01"), day("2026-01-31"))
        );
    }
    assert_eq!(files(&out).len(), 62, "31 days of each");
    let _ = std::fs::remove_dir_all(out);
}
