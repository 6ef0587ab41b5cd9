//! `cake export STREAM --out DIR`: a stream's rows, day by day, into Hive partitions of Parquet
//! (or NDJSON, CSV) files, through `cake_export`: its flags (`args`), the days and the format
//! they ask for, a progress line on stderr; the work is the library's.

pub(crate) mod args;

use std::{collections::BTreeMap, time::Instant};

use cake_export::{export, DayRange, Plan, Stream, Tick};
use chrono::NaiveDate;

use crate::{
    cli::GlobalArgs, connect::connect, failure::Failure, output::Format, progress::Progress,
};
use args::ExportArgs;

/// The file format `--format` asks of an export: Parquet unless it says ndjson or csv.
fn file_format(format: Format, explicit: bool) -> Result<cake_export::Format, Failure> {
    match (format, explicit) {
        (Format::Parquet, _) | (Format::Table, false) => Ok(cake_export::Format::Parquet),
        (Format::Ndjson, _) => Ok(cake_export::Format::Ndjson),
        (Format::Csv, _) => Ok(cake_export::Format::Csv),
        (other, _) => Err(Failure::usage(
            format!("cake export writes parquet, ndjson or csv files, not {other:?}"),
            "give --format parquet (the default), ndjson or csv",
        )),
    }
}

/// Runs the export.
pub(crate) async fn run(
    global: &GlobalArgs,
    args: ExportArgs,
    format_given: bool,
) -> Result<(), Failure> {
    let stream = Stream::from_name(&args.stream).ok_or_else(|| {
        Failure::usage(
            format!("no stream {:?}", args.stream),
            "see `cake export --help`",
        )
    })?;
    let format = file_format(global.format, format_given)?;
    let days = match (args.since_last_run, args.start_date) {
        (true, _) => DayRange::SinceLastRun {
            lookback: args.lookback_days,
            end: args.end_date.unwrap_or_else(|| {
                chrono::Utc::now()
                    .date_naive()
                    .pred_opt()
                    .unwrap_or(NaiveDate::MIN)
            }),
        },
        (false, Some(start)) => {
            let end = args.end_date.ok_or_else(|| {
                Failure::usage(
                    "--end-date is required with --start-date",
                    "give the last day to export, e.g. --end-date 2026-01-31",
                )
            })?;
            if start > end {
                return Err(Failure::usage(
                    format!("--start-date {start} is after --end-date {end}"),
                    "give a start on or before the end",
                ));
            }
            DayRange::Range { start, end }
        }
        (false, None) => return Err(Failure::usage(
            "which days? give --start-date and --end-date, or --since-last-run",
            "e.g. cake export conversions --out lake --start-date 2026-01-01 --end-date 2026-01-31",
        )),
    };
    let mut parameters = BTreeMap::new();
    parameters.insert("stream".to_string(), stream.name().to_string());
    parameters.insert("format".to_string(), format.extension().to_string());
    parameters.insert("jobs".to_string(), args.jobs.to_string());
    if args.since_last_run {
        parameters.insert("lookback_days".to_string(), args.lookback_days.to_string());
    }
    if let Some(base) = &global.base_url {
        // Where the data came from, never the key (it is never in a base URL).
        parameters.insert("base_url".to_string(), base.clone());
    }
    let (client, _embedded) = connect(global).await?;
    let plan = Plan {
        stream,
        out: args.out.clone(),
        days,
        format,
        jobs: usize::from(args.jobs),
        durability: args.sync.durability(),
        parameters,
    };
    let started = Instant::now();
    // A bar of the days on stderr when it is a terminal; dropped on an error, it ends its line.
    let progress = std::sync::Mutex::new(Progress::on_stderr());
    let summary = export(&client, &plan, |t: Tick| {
        if let Some(p) = progress.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            p.days(t.days_done, t.days, t.rows);
        }
    })
    .await
    .map_err(|e| {
        drop(progress.lock().unwrap_or_else(|e| e.into_inner()).take());
        match e {
            cake_export::Error::Api(e) => Failure::from(e),
            cake_export::Error::Local(m) => {
                Failure::local(format!("export of {} stopped: {m}", stream.name()))
            }
        }
    })?;
    if let Some(mut p) = progress.into_inner().unwrap_or_else(|e| e.into_inner()) {
        p.finish();
    }
    match summary.range {
        Some((start, end)) => eprintln!(
            "cake: exported {} rows of {} over {} days ({start} to {end}) into {} in {:.1} s",
            summary.rows,
            stream.name(),
            summary.days,
            args.out.join(stream.name()).display(),
            started.elapsed().as_secs_f64()
        ),
        None => eprintln!(
            "cake: {} in {} is up to date: no day to export",
            stream.name(),
            args.out.display()
        ),
    }
    Ok(())
}
