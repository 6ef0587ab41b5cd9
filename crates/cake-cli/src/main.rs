//! `cake`: CAKE's reports, clicks and conversions from the command line, through the SDK; and
//! `cake serve`, the local CAKE simulator.
//!
//! With no `--base-url` (or `CAKE_BASE_URL`) it starts the embedded simulator with its demo data
//! and says so on stderr, so every command works on a fresh machine. It must never print the
//! api_key (flags' env values are hidden from `--help`, errors come from the SDK's redacted
//! ones), and never send Record Conversion twice by accident: it adds no retries of its own.

mod output;
mod progress;

use std::{path::PathBuf, process::ExitCode};

use cake_client::{spec, types, Client, Error};
use clap::{Args, Parser, Subcommand};
use futures::TryStreamExt;
use output::{Format, Row, RowWriter};
use rust_decimal::Decimal;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  local failure: cannot bind the address, read the --data file, or write the output
  2  usage: a flag is missing or invalid (nothing was sent)
  3  CAKE said no: a Failure answer such as a wrong api_key (401), an invalid parameter (400),
     an unknown click (404) or a click of another offer (409)
  4  CAKE could not be reached or failed: connection, timeout, 429 or 5xx, or an answer that
     does not match the spec

Without --base-url or CAKE_BASE_URL, commands run against the embedded CAKE simulator with its
demo data (said on stderr). Example: cake report offers --start-date 2026-01-01 --end-date 2026-01-31";

#[derive(Debug, Parser)]
#[command(name = "cake", version, about = "CAKE reports, clicks and conversions from the command line", after_help = EXIT_CODES)]
struct Cli {
    /// Your CAKE instance, e.g. https://yourdomain.cakemarketing.com. Without it, the embedded
    /// simulator with demo data is used.
    #[arg(long, env = "CAKE_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Your CAKE API key (required with --base-url; `cake serve` accepts this key). Never printed.
    #[arg(long, env = "CAKE_API_KEY", global = true, hide_env_values = true)]
    api_key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    format: Format,
    /// Fetch every page (progress on stderr when it is a terminal); --row-limit sets the page size.
    #[arg(long, global = true)]
    all: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the CAKE simulator and say where it listens. It accepts the api_key of --api-key or
    /// CAKE_API_KEY, else the demo key `cake-sim-demo-key`.
    Serve(ServeArgs),
    /// The Offer, Affiliate and Advertiser Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Get Click: click records, or one click by id.
    Clicks(ClickArgs),
    /// Get Conversions: conversion records for a date range.
    Conversions(ConversionArgs),
    /// Record Conversion: records a conversion against a click (sent once, never retried unless
    /// --unique-id makes a repeat safe).
    RecordConversion(RecordArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// A dataset file (JSON, or YAML for .yaml/.yml; format in cake_sim::dataset) instead of the
    /// demo data.
    #[arg(long, conflicts_with = "demo_scale")]
    data: Option<PathBuf>,
    /// The demo data plus this many generated clicks in 2025, for load tests.
    #[arg(long)]
    demo_scale: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Offer Report: figures per offer.
    Offers(OfferReportArgs),
    /// Affiliate Report: figures per affiliate.
    Affiliates(AffiliateReportArgs),
    /// Advertiser Report: figures per advertiser.
    Advertisers(AdvertiserReportArgs),
}

/// A value parser that holds a flag to its parameter's constraints in the spec, then reads it.
fn spec_value<T: std::str::FromStr>(
    operation_id: &'static str,
    parameter: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |value: &str| {
        let param = spec::operation(operation_id).and_then(|op| op.param(parameter));
        if let Some(param) = param {
            param.check(value).map_err(|e| e.message)?;
        }
        value.parse::<T>().map_err(|_| {
            let expected = param.map(|p| p.expected()).unwrap_or_default();
            format!("expected {expected} (that fits this command), got {value:?}")
        })
    }
}

/// A date flag, `YYYY-MM-DD`.
fn date_value(
    operation_id: &'static str,
    parameter: &'static str,
) -> impl Fn(&str) -> Result<chrono::NaiveDate, String> + Clone + Send + Sync + 'static {
    move |value: &str| {
        spec_value::<String>(operation_id, parameter)(value)?;
        spec::parse_date(value).ok_or_else(|| format!("expected a date YYYY-MM-DD, got {value:?}"))
    }
}

#[derive(Debug, Args)]
struct OfferReportArgs {
    #[arg(long, value_parser = date_value("get_offer_report", "start_date"))]
    start_date: chrono::NaiveDate,
    #[arg(long, value_parser = date_value("get_offer_report", "end_date"))]
    end_date: chrono::NaiveDate,
    #[arg(long, value_parser = spec_value::<u32>("get_offer_report", "offer_id"))]
    offer_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_offer_report", "affiliate_id"))]
    affiliate_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_offer_report", "advertiser_id"))]
    advertiser_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_offer_report", "vertical_id"))]
    vertical_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_offer_report", "country_id"))]
    country_id: Option<u32>,
    /// The first row, counting from 1.
    #[arg(long, conflicts_with = "all", value_parser = spec_value::<u32>("get_offer_report", "start_at_row"))]
    start_at_row: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_offer_report", "row_limit"))]
    row_limit: Option<u32>,
    /// conversions, clicks, revenue or epc.
    #[arg(long, value_parser = spec_value::<types::OfferReportSortField>("get_offer_report", "sort_field"))]
    sort_field: Option<types::OfferReportSortField>,
    #[arg(long)]
    sort_descending: bool,
}

#[derive(Debug, Args)]
struct AffiliateReportArgs {
    #[arg(long, value_parser = date_value("get_affiliate_report", "start_date"))]
    start_date: chrono::NaiveDate,
    #[arg(long, value_parser = date_value("get_affiliate_report", "end_date"))]
    end_date: chrono::NaiveDate,
    #[arg(long, value_parser = spec_value::<u32>("get_affiliate_report", "affiliate_id"))]
    affiliate_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_affiliate_report", "offer_id"))]
    offer_id: Option<u32>,
    /// The first row, counting from 1.
    #[arg(long, conflicts_with = "all", value_parser = spec_value::<u32>("get_affiliate_report", "start_at_row"))]
    start_at_row: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_affiliate_report", "row_limit"))]
    row_limit: Option<u32>,
    /// clicks, conversions, payout or epc.
    #[arg(long, value_parser = spec_value::<types::AffiliateReportSortField>("get_affiliate_report", "sort_field"))]
    sort_field: Option<types::AffiliateReportSortField>,
    #[arg(long)]
    sort_descending: bool,
}

#[derive(Debug, Args)]
struct AdvertiserReportArgs {
    #[arg(long, value_parser = date_value("get_advertiser_report", "start_date"))]
    start_date: chrono::NaiveDate,
    #[arg(long, value_parser = date_value("get_advertiser_report", "end_date"))]
    end_date: chrono::NaiveDate,
    #[arg(long, value_parser = spec_value::<u32>("get_advertiser_report", "advertiser_id"))]
    advertiser_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_advertiser_report", "offer_id"))]
    offer_id: Option<u32>,
    /// The first row, counting from 1.
    #[arg(long, conflicts_with = "all", value_parser = spec_value::<u32>("get_advertiser_report", "start_at_row"))]
    start_at_row: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_advertiser_report", "row_limit"))]
    row_limit: Option<u32>,
}

#[derive(Debug, Args)]
struct ClickArgs {
    /// One click by id (takes priority over the dates).
    #[arg(long, value_parser = spec_value::<String>("get_click", "click_id"))]
    click_id: Option<String>,
    #[arg(long, value_parser = date_value("get_click", "start_date"))]
    start_date: Option<chrono::NaiveDate>,
    #[arg(long, value_parser = date_value("get_click", "end_date"))]
    end_date: Option<chrono::NaiveDate>,
    #[arg(long, value_parser = spec_value::<u32>("get_click", "offer_id"))]
    offer_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_click", "affiliate_id"))]
    affiliate_id: Option<u32>,
    /// The first record, counting from 0 on this endpoint.
    #[arg(long, conflicts_with = "all", value_parser = spec_value::<u32>("get_click", "start_at_row"))]
    start_at_row: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_click", "row_limit"))]
    row_limit: Option<u32>,
}

#[derive(Debug, Args)]
struct ConversionArgs {
    #[arg(long, value_parser = date_value("get_conversions", "start_date"))]
    start_date: chrono::NaiveDate,
    #[arg(long, value_parser = date_value("get_conversions", "end_date"))]
    end_date: chrono::NaiveDate,
    #[arg(long, value_parser = spec_value::<u32>("get_conversions", "offer_id"))]
    offer_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_conversions", "affiliate_id"))]
    affiliate_id: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_conversions", "advertiser_id"))]
    advertiser_id: Option<u32>,
    /// approved, pending, rejected or reversed.
    #[arg(long, value_parser = spec_value::<types::ConversionStatus>("get_conversions", "conversion_status"))]
    conversion_status: Option<types::ConversionStatus>,
    /// The first record, counting from 1.
    #[arg(long, conflicts_with = "all", value_parser = spec_value::<u32>("get_conversions", "start_at_row"))]
    start_at_row: Option<u32>,
    #[arg(long, value_parser = spec_value::<u32>("get_conversions", "row_limit"))]
    row_limit: Option<u32>,
    /// conversion_id, conversion_date, payout or revenue.
    #[arg(long, value_parser = spec_value::<types::ConversionSortField>("get_conversions", "sort_field"))]
    sort_field: Option<types::ConversionSortField>,
    #[arg(long)]
    sort_descending: bool,
}

#[derive(Debug, Args)]
struct RecordArgs {
    #[arg(long, value_parser = spec_value::<String>("record_conversion", "click_id"))]
    click_id: String,
    #[arg(long, value_parser = spec_value::<u32>("record_conversion", "offer_id"))]
    offer_id: u32,
    /// Overrides the offer's payout, e.g. 18.00.
    #[arg(long, value_parser = spec_value::<Decimal>("record_conversion", "payout"))]
    payout: Option<Decimal>,
    /// Overrides the offer's revenue, e.g. 22.00.
    #[arg(long, value_parser = spec_value::<Decimal>("record_conversion", "revenue"))]
    revenue: Option<Decimal>,
    /// "YYYY-MM-DD HH:MM:SS"; defaults to now.
    #[arg(long, value_parser = spec_value::<cake_client::CakeDateTime>("record_conversion", "conversion_date"))]
    conversion_date: Option<cake_client::CakeDateTime>,
    /// Your transaction id: CAKE records it once however often it is sent.
    #[arg(long, value_parser = spec_value::<String>("record_conversion", "unique_id"))]
    unique_id: Option<String>,
    #[arg(long)]
    order_id: Option<String>,
    #[arg(long)]
    adv1: Option<String>,
    #[arg(long)]
    adv2: Option<String>,
    #[arg(long)]
    adv3: Option<String>,
    #[arg(long)]
    adv4: Option<String>,
    #[arg(long)]
    adv5: Option<String>,
}

/// A failure of the command, with its exit code.
struct Failure {
    code: u8,
    message: String,
    hint: Option<String>,
}

impl Failure {
    fn local(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
            hint: None,
        }
    }

    fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// The flag a parameter is given with.
fn flag(parameter: &str) -> String {
    format!("--{}", parameter.replace('_', "-"))
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let parameter = e.parameter().map(str::to_string);
        let status = e.status().map(|s| s.as_u16());
        let (code, hint) = match (&e, status, parameter.as_deref()) {
            (Error::InvalidRequest { .. }, _, Some(p)) => (2, Some(format!("check {}", flag(p)))),
            (Error::InvalidRequest { .. }, _, None) => (2, None),
            (_, Some(401), _) => (
                3,
                Some("check --api-key or CAKE_API_KEY (the key is not shown)".to_string()),
            ),
            (Error::Api { .. }, Some(404), Some("click_id")) => (
                3,
                Some("check --click-id; look it up with `cake clicks --click-id ID`".to_string()),
            ),
            (_, Some(429), _) => (
                4,
                Some("CAKE is rate limiting: wait and try again".to_string()),
            ),
            (_, Some(s), _) if s >= 500 => (4, Some("CAKE failed: try again later".to_string())),
            (Error::Api { .. } | Error::Http { .. }, _, Some(p)) => {
                (3, Some(format!("check {}", flag(p))))
            }
            (Error::Api { .. } | Error::Http { .. }, _, None) => (3, None),
            (Error::Transport { .. }, _, _) => (
                4,
                Some("check --base-url or CAKE_BASE_URL, and the network".to_string()),
            ),
            _ => (4, None),
        };
        Self {
            code,
            message: e.to_string(),
            hint,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            if let Some(hint) = f.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(f.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Serve(args) = &cli.command {
        return serve(args, cli.api_key.as_deref()).await;
    }
    // Keep the embedded simulator alive for the whole command.
    let (client, _embedded) = connect(&cli).await?;
    let out = std::io::stdout().lock();
    let ctx = Output {
        format: cli.format,
        all: cli.all,
    };
    match cli.command {
        Command::Serve(_) => Ok(()),
        Command::Report(ReportCommand::Offers(a)) => {
            let mut r = client
                .get_offer_report()
                .start_date(a.start_date)
                .end_date(a.end_date);
            if let Some(v) = a.offer_id {
                r = r.offer_id(v);
            }
            if let Some(v) = a.affiliate_id {
                r = r.affiliate_id(v);
            }
            if let Some(v) = a.advertiser_id {
                r = r.advertiser_id(v);
            }
            if let Some(v) = a.vertical_id {
                r = r.vertical_id(v);
            }
            if let Some(v) = a.country_id {
                r = r.country_id(v);
            }
            if let Some(v) = a.sort_field {
                r = r.sort_field(v);
            }
            if a.sort_descending {
                r = r.sort_descending(true);
            }
            if ctx.all {
                ctx.write_stream(out, r.stream_with(page_options(a.row_limit)))
                    .await
            } else {
                if let Some(v) = a.start_at_row {
                    r = r.start_at_row(v);
                }
                if let Some(v) = a.row_limit {
                    r = r.row_limit(v);
                }
                let data = r.execute().await?.response.data;
                let footer = output::offer_totals_cells(&data.totals);
                ctx.write_rows(out, data.offers, Some(footer))
            }
        }
        Command::Report(ReportCommand::Affiliates(a)) => {
            let mut r = client
                .get_affiliate_report()
                .start_date(a.start_date)
                .end_date(a.end_date);
            if let Some(v) = a.affiliate_id {
                r = r.affiliate_id(v);
            }
            if let Some(v) = a.offer_id {
                r = r.offer_id(v);
            }
            if let Some(v) = a.sort_field {
                r = r.sort_field(v);
            }
            if a.sort_descending {
                r = r.sort_descending(true);
            }
            if ctx.all {
                ctx.write_stream(out, r.stream_with(page_options(a.row_limit)))
                    .await
            } else {
                if let Some(v) = a.start_at_row {
                    r = r.start_at_row(v);
                }
                if let Some(v) = a.row_limit {
                    r = r.row_limit(v);
                }
                let rows = r.execute().await?.response.data.affiliates;
                ctx.write_rows(out, rows, None)
            }
        }
        Command::Report(ReportCommand::Advertisers(a)) => {
            let mut r = client
                .get_advertiser_report()
                .start_date(a.start_date)
                .end_date(a.end_date);
            if let Some(v) = a.advertiser_id {
                r = r.advertiser_id(v);
            }
            if let Some(v) = a.offer_id {
                r = r.offer_id(v);
            }
            if ctx.all {
                ctx.write_stream(out, r.stream_with(page_options(a.row_limit)))
                    .await
            } else {
                if let Some(v) = a.start_at_row {
                    r = r.start_at_row(v);
                }
                if let Some(v) = a.row_limit {
                    r = r.row_limit(v);
                }
                let rows = r.execute().await?.response.data.advertisers;
                ctx.write_rows(out, rows, None)
            }
        }
        Command::Clicks(a) => {
            let mut r = client.get_click();
            if let Some(v) = a.click_id {
                r = r.click_id(v);
            }
            if let Some(v) = a.start_date {
                r = r.start_date(v);
            }
            if let Some(v) = a.end_date {
                r = r.end_date(v);
            }
            if let Some(v) = a.offer_id {
                r = r.offer_id(v);
            }
            if let Some(v) = a.affiliate_id {
                r = r.affiliate_id(v);
            }
            if ctx.all {
                ctx.write_stream(out, r.stream_with(page_options(a.row_limit)))
                    .await
            } else {
                if let Some(v) = a.start_at_row {
                    r = r.start_at_row(v);
                }
                if let Some(v) = a.row_limit {
                    r = r.row_limit(v);
                }
                let page = r.execute().await?.response;
                note_more(page.clicks.len() as u64, page.total_rows);
                ctx.write_rows(out, page.clicks, None)
            }
        }
        Command::Conversions(a) => {
            let mut r = client
                .get_conversions()
                .start_date(a.start_date)
                .end_date(a.end_date);
            if let Some(v) = a.offer_id {
                r = r.offer_id(v);
            }
            if let Some(v) = a.affiliate_id {
                r = r.affiliate_id(v);
            }
            if let Some(v) = a.advertiser_id {
                r = r.advertiser_id(v);
            }
            if let Some(v) = a.conversion_status {
                r = r.conversion_status(v);
            }
            if let Some(v) = a.sort_field {
                r = r.sort_field(v);
            }
            if a.sort_descending {
                r = r.sort_descending(true);
            }
            if ctx.all {
                ctx.write_stream(out, r.stream_with(page_options(a.row_limit)))
                    .await
            } else {
                if let Some(v) = a.start_at_row {
                    r = r.start_at_row(v);
                }
                if let Some(v) = a.row_limit {
                    r = r.row_limit(v);
                }
                let body = r.execute().await?;
                note_more(body.conversions.len() as u64, body.total_rows);
                let rows = body.conversions.into_iter().map(|c| c.conversion).collect();
                ctx.write_rows(out, rows, None)
            }
        }
        Command::RecordConversion(a) => {
            let mut r = client
                .record_conversion()
                .click_id(a.click_id)
                .offer_id(a.offer_id);
            if let Some(v) = a.payout {
                r = r.payout(v);
            }
            if let Some(v) = a.revenue {
                r = r.revenue(v);
            }
            if let Some(v) = a.conversion_date {
                r = r.conversion_date(v);
            }
            if let Some(v) = a.unique_id {
                r = r.unique_id(v);
            }
            if let Some(v) = a.order_id {
                r = r.order_id(v);
            }
            for (i, v) in [a.adv1, a.adv2, a.adv3, a.adv4, a.adv5]
                .into_iter()
                .enumerate()
            {
                if let Some(v) = v {
                    r = match i {
                        0 => r.adv1(v),
                        1 => r.adv2(v),
                        2 => r.adv3(v),
                        3 => r.adv4(v),
                        _ => r.adv5(v),
                    };
                }
            }
            // Sent once: the SDK retries it only when --unique-id makes a repeat safe.
            let conversion = r.execute().await?.conversion;
            ctx.write_rows(out, vec![conversion], None)
        }
    }
}

/// Paging for `--all`: `--row-limit` as the page size, else the operation's largest page.
fn page_options(row_limit: Option<u32>) -> cake_client::PageOptions {
    cake_client::PageOptions {
        page_size: row_limit,
        prefetch: true,
    }
}

/// Tells people on stderr that a page holds fewer rows than match.
fn note_more(shown: u64, total: u64) {
    if shown < total {
        eprintln!("cake: {shown} of {total} rows shown; use --all for every page");
    }
}

struct Output {
    format: Format,
    all: bool,
}

impl Output {
    fn write_rows<R: Row>(
        &self,
        out: impl std::io::Write,
        rows: Vec<R>,
        footer: Option<Vec<output::Cell>>,
    ) -> Result<(), Failure> {
        let mut writer = RowWriter::new(out, self.format);
        for row in rows {
            writer.push(row).map_err(write_failure)?;
        }
        writer.finish(footer).map_err(write_failure)
    }

    /// Writes every row of a stream, with a progress display on stderr when it is a terminal
    /// (a bar when the stream knows its total, a spinner otherwise).
    async fn write_stream<'a, R: Row + Send + 'a>(
        &self,
        out: impl std::io::Write,
        mut rows: cake_client::RowStream<'a, R>,
    ) -> Result<(), Failure> {
        let mut progress = progress::Progress::on_stderr();
        let mut writer = RowWriter::new(out, self.format);
        while let Some(row) = rows.try_next().await? {
            writer.push(row).map_err(write_failure)?;
            if let Some(p) = progress.as_mut() {
                p.row(rows.total_rows());
            }
        }
        if let Some(p) = progress.as_mut() {
            p.finish();
        }
        writer.finish(None).map_err(write_failure)
    }
}

fn write_failure(e: std::io::Error) -> Failure {
    Failure::local(format!("cannot write the output: {e}"))
}

/// The SDK client for `--base-url`, or for an embedded demo simulator when there is none.
async fn connect(cli: &Cli) -> Result<(Client, Option<cake_sim::RunningSimulator>), Failure> {
    match &cli.base_url {
        Some(base_url) => {
            let Some(api_key) = cli.api_key.as_deref() else {
                return Err(Failure::usage(
                    "--base-url needs an api_key",
                    "give --api-key or set CAKE_API_KEY (Setup → System Access → API Keys in CAKE)",
                ));
            };
            let client = Client::builder(base_url.as_str(), api_key).build()?;
            Ok((client, None))
        }
        None => {
            // A key of this run only, never shown: the simulator listens on loopback for the
            // length of this command.
            let key = format!(
                "embedded-{:x}-{:x}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            );
            let sim = cake_sim::Simulator::demo(key.as_str())
                .serve("127.0.0.1:0")
                .await
                .map_err(|e| Failure::local(format!("cannot start the embedded simulator: {e}")))?;
            eprintln!(
                "cake: no --base-url or CAKE_BASE_URL: using the embedded CAKE simulator with demo data at {}",
                sim.base_url()
            );
            let client = Client::builder(sim.base_url(), key).build()?;
            Ok((client, Some(sim)))
        }
    }
}

async fn serve(args: &ServeArgs, api_key: Option<&str>) -> Result<(), Failure> {
    let (store, what) = match (&args.data, args.demo_scale) {
        (Some(path), _) => {
            let store = cake_sim::Dataset::from_file(path)
                .and_then(|d| d.into_store())
                .map_err(|e| Failure::local(e.to_string()))?;
            (store, format!("data from {}", path.display()))
        }
        (None, Some(n)) => (
            cake_sim::demo_store_scaled(n),
            format!("demo data plus {n} generated clicks"),
        ),
        (None, None) => (cake_sim::demo_store(), "demo data".to_string()),
    };
    let (clicks, conversions) = (store.clicks().len(), store.conversions().len());
    let key_note = match api_key {
        Some(_) => "api_key: the one given by --api-key or CAKE_API_KEY (not shown)".to_string(),
        None => "api_key: the documented demo key (see `cake serve --help`)".to_string(),
    };
    let sim = cake_sim::Simulator::new(api_key.unwrap_or(cake_sim::DEMO_API_KEY), store);
    let running = sim
        .serve(&args.addr)
        .await
        .map_err(|e| Failure::local(format!("cannot listen on {}: {e}", args.addr)))?;
    eprintln!(
        "cake: CAKE simulator listening on {} ({what}: {clicks} clicks, {conversions} conversions); {key_note}",
        running.base_url()
    );
    running.wait().await;
    Ok(())
}
