//! `cake export`'s flags, apart from its work so that the command line can take them without
//! depending on the export.

use std::path::PathBuf;

use cake_export::Stream;
use chrono::NaiveDate;
use clap::Args;

pub(crate) const EXPORT_ABOUT: &str = "Export a stream (conversions, clicks, offer-report, affiliate-report, advertiser-report) day by day into DIR/STREAM/date=YYYY-MM-DD/part-00000.parquet (zstd; --format ndjson or csv for those instead), typed from the spec: money as exact decimals. Each day's file is written aside and renamed into place; DIR/_state.json keeps the last day exported, so --since-last-run continues (and --lookback-days re-exports the last days, replaced whole). Without --base-url, it runs on the embedded demo simulator and says so.";

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// What to export.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(Stream::ALL.map(Stream::name)))]
    pub(crate) stream: String,
    /// The output directory (the data lake's root for these streams).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// The first day to export (YYYY-MM-DD).
    #[arg(long, conflicts_with = "since_last_run")]
    pub(crate) start_date: Option<NaiveDate>,
    /// The last day to export (YYYY-MM-DD); with --since-last-run, yesterday (UTC) when not given.
    #[arg(long)]
    pub(crate) end_date: Option<NaiveDate>,
    /// Continue after the last day DIR/_state.json says was exported.
    #[arg(long)]
    pub(crate) since_last_run: bool,
    /// With --since-last-run: export again this many days before the last one exported (their
    /// partitions replaced whole), since conversions change after the fact.
    #[arg(long, requires = "since_last_run", default_value_t = 0)]
    pub(crate) lookback_days: u32,
    /// Days exported at once, each day's file by one task.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) jobs: u16,
    /// How the days written are made durable (every 500 ms, before the state claims them):
    /// `filesystem`, one syncfs of DIR's filesystem per group of days, which also writes out
    /// what other programs have pending there (Linux; elsewhere as `files`); or `files`, each
    /// file and directory synced on its own, a flush of the disk for each.
    #[arg(long, value_enum, default_value_t = SyncArg::Filesystem)]
    pub(crate) sync: SyncArg,
}

/// `--sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SyncArg {
    /// One syncfs of the output's filesystem per group of days.
    Filesystem,
    /// Each file and directory synced on its own.
    Files,
}

impl SyncArg {
    /// The export's setting.
    pub(crate) fn durability(self) -> cake_export::Durability {
        match self {
            SyncArg::Filesystem => cake_export::Durability::Filesystem,
            SyncArg::Files => cake_export::Durability::EachFile,
        }
    }
}
