//! `cake`: CAKE's reports, clicks and conversions from the command line, through the SDK; and
//! `cake serve`, the local CAKE simulator.
//!
//! Each operation's subcommand takes its flags from the spec's table (`cake_client::spec`), built
//! at run time and applied with the builders' `set_param`: no parameter is restated here, only
//! the paging ones that `--all` drives.
//!
//! With no `--base-url` (or `CAKE_BASE_URL`) it starts the embedded simulator with its demo data
//! and says so on stderr, so every command works on a fresh machine; a command that creates data
//! runs there only with `--demo`, never by default. It must never print the
//! api_key (flags' env values are hidden from `--help`, errors come from the SDK's redacted
//! ones), and never send Record Conversion twice by accident: it adds no retries of its own.

mod output;
mod progress;

use std::{path::PathBuf, process::ExitCode};

use cake_client::{query::Operation, spec, Client, Error};
use clap::{Args, FromArgMatches};
use futures::TryStreamExt;
use output::{Format, Row, RowWriter};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  local failure: cannot bind the address, read the --data file, or write the output
  2  usage: a flag is missing or invalid, or record-conversion without a server and without
     --demo (nothing was sent)
  3  CAKE said no: a Failure answer such as a wrong api_key (401), an invalid parameter (400),
     an unknown click (404) or a click of another offer (409)
  4  CAKE could not be reached or failed: connection, timeout, 429 or 5xx, or an answer that
     does not match the spec; for record-conversion without --unique-id, the error then says
     whether the conversion may have been recorded (check with `cake conversions` first)

Without --base-url or CAKE_BASE_URL, commands run against the embedded CAKE simulator with its
demo data (said on stderr); record-conversion, which creates data, then needs --demo (else exit
2, nothing sent). --verbose (or RUST_LOG) logs each request on stderr, api_key hidden.
Example: cake report offers --start-date 2026-01-01 --end-date 2026-01-31";

// The flags every command takes. The operations' own flags are not here: they are built from
// the spec at run time (`operation_command`). Shown after them in a subcommand's help.
#[derive(Debug, Args)]
#[command(next_display_order = 1000)]
struct GlobalArgs {
    /// Your CAKE instance, e.g. https://yourdomain.cakemarketing.com. Without it, reads run on
    /// the embedded simulator with demo data; a command that creates data needs --demo for that.
    #[arg(long, env = "CAKE_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Run on the embedded simulator with its demo data, also a command that creates data
    /// (record-conversion): what it records there is gone when the command ends.
    #[arg(long, global = true, conflicts_with = "base_url")]
    demo: bool,
    /// Your CAKE API key (required with --base-url; `cake serve` accepts this key). Never printed.
    #[arg(long, env = "CAKE_API_KEY", global = true, hide_env_values = true)]
    api_key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    format: Format,
    /// Fetch every page (progress on stderr when it is a terminal); --row-limit sets the page size.
    #[arg(long, global = true)]
    all: bool,
    /// Log each request on stderr: operation, URL (api_key shown as ***), attempt, status and
    /// time. RUST_LOG (e.g. RUST_LOG=cake_client=trace), when set, chooses what is logged instead.
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
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
    /// The demo data plus this many generated clicks in 2025 (50 offers, 200 affiliates), for
    /// load tests: about 140 bytes of memory per click, a million ready in about 2 s. Generated
    /// again, not kept as a copy, on POST /_sim/reset.
    #[arg(long)]
    demo_scale: Option<u64>,
    /// Scripted faults from the start, a YAML or JSON file: per operation, a 429 with
    /// Retry-After, a 5xx, latency, or commit_then_drop (format: cake_sim::sandbox::FaultPlan).
    /// Change them while serving with PUT /_sim/faults (crates/cake-sim/sim-api.yaml).
    #[arg(long)]
    faults: Option<PathBuf>,
    /// Keep every acknowledged change (conversions, set-up changes) in this directory, on disk
    /// before the answer, and restore them when started again the same way (format:
    /// cake_sim::durable). Without it, state lives in memory only.
    #[arg(long)]
    state: Option<PathBuf>,
}

const SERVE_ABOUT: &str = "Run the CAKE simulator and say where it listens. It accepts the api_key of --api-key or CAKE_API_KEY, else the demo key `cake-sim-demo-key`. Tests set it up through /_sim/ (add data, set the clock, reset, read the journal, script faults): see crates/cake-sim/sim-api.yaml.";

/// The subcommands that send one operation each: a naming choice (the words people type for an
/// operation). Their flags come from the operation's parameters in the spec.
#[derive(Clone, Copy)]
struct OperationCommand {
    /// The subcommand's words, e.g. `["report", "offers"]`.
    words: &'static [&'static str],
    /// The operation it sends.
    operation: Operation,
    /// What it gives, after the spec's summary in `--help`.
    about: &'static str,
}

/// An operation's subcommand. Exhaustive: an operation added to the spec does not build here
/// until someone names its command.
fn command_of(operation: Operation) -> OperationCommand {
    let (words, about): (&'static [&'static str], &'static str) = match operation {
        Operation::GetOfferReport => (&["report", "offers"], "figures per offer."),
        Operation::GetAffiliateReport => (&["report", "affiliates"], "figures per affiliate."),
        Operation::GetAdvertiserReport => (&["report", "advertisers"], "figures per advertiser."),
        Operation::GetClick => (&["clicks"], "click records, or one click by id."),
        Operation::GetConversions => (&["conversions"], "conversion records for a date range."),
        Operation::RecordConversion => (
            &["record-conversion"],
            "records a conversion against a click.",
        ),
    };
    OperationCommand {
        words,
        operation,
        about,
    }
}

/// Every operation's subcommand, in the spec's order.
fn operation_commands() -> impl Iterator<Item = OperationCommand> {
    Operation::ALL.iter().map(|&op| command_of(op))
}

/// The group commands above the operations' subcommands.
const GROUPS: &[(&str, &str)] = &[("report", "The Offer, Affiliate and Advertiser Reports.")];

/// `cake serve --help`: only the flags that apply to serving. The global flags that talk to a
/// CAKE or print rows (`--base-url`, `--format`, `--all`, `--verbose`) are accepted there, as
/// everywhere, but not shown: the help is rendered from a command of serve's own flags and the
/// api_key (which `serve` accepts), taken from their one definition.
fn serve_help() -> String {
    let globals = GlobalArgs::augment_args(clap::Command::new("cake"));
    let mut own = ServeArgs::augment_args(
        clap::Command::new("serve")
            .bin_name("cake serve")
            .about(SERVE_ABOUT),
    );
    if let Some(api_key) = globals
        .get_arguments()
        .find(|a| a.get_long() == Some("api-key"))
        .cloned()
    {
        own = own.arg(api_key.global(false));
    }
    own.render_long_help().to_string()
}

/// The whole command line: the global flags and `serve` from the derive API, one subcommand per
/// operation with a flag per parameter of the spec.
fn cli_command() -> clap::Command {
    let mut cake = GlobalArgs::augment_args(
        clap::Command::new("cake")
            .version(env!("CARGO_PKG_VERSION"))
            .about("CAKE reports, clicks and conversions from the command line")
            .after_help(EXIT_CODES)
            .subcommand_required(true)
            .arg_required_else_help(true),
    )
    .subcommand(
        ServeArgs::augment_args(clap::Command::new("serve").about(SERVE_ABOUT))
            .override_help(serve_help()),
    );
    for command in operation_commands() {
        let Some(op) = spec::operation(command.operation.id()) else {
            continue; // `every_operation_of_the_spec_has_exactly_one_subcommand` holds this.
        };
        let leaf = operation_command(&command, op);
        cake = match command.words {
            [group, _] => {
                let about = GROUPS
                    .iter()
                    .find(|(name, _)| name == group)
                    .map_or("", |(_, about)| about);
                let parent = match cake.find_subcommand(group) {
                    Some(_) => None,
                    None => Some(
                        clap::Command::new(*group)
                            .about(about)
                            .subcommand_required(true)
                            .arg_required_else_help(true),
                    ),
                };
                match parent {
                    Some(parent) => cake.subcommand(parent.subcommand(leaf)),
                    None => cake.mut_subcommand(*group, |p| p.subcommand(leaf)),
                }
            }
            _ => cake.subcommand(leaf),
        };
    }
    cake
}

/// One operation's subcommand: a flag per parameter of the spec, its help from the spec's
/// description, expected value and default, each value checked against the spec as it is read.
fn operation_command(
    command: &OperationCommand,
    op: &'static spec::OperationSpec,
) -> clap::Command {
    let name = command.words.last().copied().unwrap_or(op.id);
    let mut about = format!("{}: {}", op.summary, command.about);
    if op.creates_data {
        about.pop();
        about.push_str(" (sent once, never retried");
        if let Some(key) = op.idempotency_key {
            about.push_str(&format!(" unless {} makes a repeat safe", flag(key)));
        }
        about.push_str(").");
    }
    let mut sub = clap::Command::new(name).about(about);
    for param in op.params {
        sub = sub.arg(param_arg(op, param));
    }
    sub
}

/// The flag of one parameter.
fn param_arg(op: &spec::OperationSpec, param: &'static spec::ParamSpec) -> clap::Arg {
    let description = param.description.split_whitespace().collect::<Vec<_>>();
    let description = description.join(" ");
    let arg = clap::Arg::new(param.name)
        .long(param.name.replace('_', "-"))
        .value_name(param.name.to_uppercase())
        .required(param.required);
    let arg = if matches!(param.kind, spec::ParamKind::Boolean) {
        // A flag that sends `true`; without it nothing is sent (the server's default).
        arg.action(clap::ArgAction::SetTrue)
            .help(format!("A flag (sends true): {description}"))
    } else {
        let mut help = format!("{description} Expects {}", param.expected());
        if let Some(default) = param
            .default
            .filter(|d| !description.contains(&format!("Default {d}")))
        {
            help.push_str(&format!("; default {default}"));
        }
        help.push('.');
        arg.action(clap::ArgAction::Set)
            .help(help)
            .value_parser(move |value: &str| {
                param
                    .check(value)
                    .map(|()| value.to_string())
                    .map_err(|e| e.message)
            })
    };
    // `--all` pages itself from the first row.
    if op.paging().is_some_and(|p| p.offset == param.name) {
        arg.conflicts_with("all")
    } else {
        arg
    }
}

/// The operation a command line names, and the parameters given for it as (name, text).
struct Invocation {
    operation: &'static spec::OperationSpec,
    params: Vec<(&'static str, String)>,
}

impl Invocation {
    /// Reads the operation's flags back from the matches of its subcommand.
    fn from_matches(
        op: &'static spec::OperationSpec,
        matches: &clap::ArgMatches,
    ) -> Result<Self, Failure> {
        let mut params = Vec::new();
        for param in op.params {
            let misread = |e: clap::parser::MatchesError| {
                Failure::usage(
                    format!("cannot read {}: {e}", flag(param.name)),
                    format!("check {}", flag(param.name)),
                )
            };
            if matches!(param.kind, spec::ParamKind::Boolean) {
                if matches
                    .try_get_one::<bool>(param.name)
                    .map_err(misread)?
                    .copied()
                    .unwrap_or(false)
                {
                    params.push((param.name, "true".to_string()));
                }
            } else if let Some(value) =
                matches.try_get_one::<String>(param.name).map_err(misread)?
            {
                params.push((param.name, value.clone()));
            }
        }
        Ok(Self {
            operation: op,
            params,
        })
    }

    /// Sets every parameter given on a builder, each checked against the spec by the SDK.
    fn apply<B>(
        &self,
        mut builder: B,
        set_param: impl Fn(B, &str, &str) -> Result<B, Error>,
    ) -> Result<B, Failure> {
        for (name, value) in &self.params {
            builder = set_param(builder, name, value)?;
        }
        Ok(builder)
    }

    /// Paging for `--all`: the limit parameter (`--row-limit`) as the page size, else the
    /// operation's largest page.
    fn page_options(&self) -> cake_client::PageOptions {
        let limit = self.operation.paging().map(|p| p.limit);
        let page_size = self
            .params
            .iter()
            .find(|(name, _)| Some(*name) == limit)
            .and_then(|(_, value)| value.parse().ok());
        cake_client::PageOptions {
            page_size,
            prefetch: true,
        }
    }
}

/// What the command line asks for.
enum Request {
    Serve(ServeArgs),
    Operation(Invocation),
}

/// Parses the command line (clap exits 2 on a usage error, 0 for `--help`).
fn parse() -> Result<(GlobalArgs, Request), Failure> {
    let matches = cli_command().get_matches();
    let global = GlobalArgs::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let mut words = Vec::new();
    let mut current = &matches;
    while let Some((name, sub)) = current.subcommand() {
        words.push(name);
        current = sub;
    }
    if words == ["serve"] {
        let args = ServeArgs::from_arg_matches(current).unwrap_or_else(|e| e.exit());
        return Ok((global, Request::Serve(args)));
    }
    let op = operation_commands()
        .find(|c| c.words == words.as_slice())
        .and_then(|c| spec::operation(c.operation.id()))
        .ok_or_else(|| {
            Failure::usage(
                format!("no such command: cake {}", words.join(" ")),
                "see `cake --help`",
            )
        })?;
    Ok((
        global,
        Request::Operation(Invocation::from_matches(op, current)?),
    ))
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

/// The hint for a record CAKE does not know: check the flag, and where it can be looked up (a
/// subcommand that reads, not writes, by that parameter), e.g. `cake clicks --click-id ID`.
fn not_found_hint(parameter: &str) -> String {
    let lookup = operation_commands().find(|c| {
        spec::operation(c.operation.id())
            .is_some_and(|op| !op.creates_data && op.param(parameter).is_some())
    });
    match lookup {
        Some(c) => format!(
            "check {0}; look it up with `cake {1} {0} ID`",
            flag(parameter),
            c.words.join(" ")
        ),
        None => format!("check {}", flag(parameter)),
    }
}

/// The hint for a conversion whose fate is unknown: how to check before sending it again, and the
/// flag that makes a repeat safe.
fn outcome_unknown_hint(idempotency_key: Option<&str>) -> String {
    // The operation that lists what Record Conversion creates.
    let check = command_of(Operation::GetConversions).words.join(" ");
    let mut hint = format!(
        "the conversion may have been recorded: before sending it again, look for it with \
         `cake {check} --start-date DAY --end-date DAY --offer-id ID`"
    );
    if let Some(key) = idempotency_key {
        hint.push_str(&format!(
            "; send conversions with {} so that a repeat is safe",
            flag(key)
        ));
    }
    hint
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let parameter = e.parameter().map(str::to_string);
        let status = e.status().map(|s| s.as_u16());
        let (code, hint) = match (&e, status, parameter.as_deref()) {
            (
                Error::OutcomeUnknown {
                    idempotency_key, ..
                },
                _,
                _,
            ) => (4, Some(outcome_unknown_hint(*idempotency_key))),
            (Error::InvalidRequest { .. }, _, Some(p)) => (2, Some(format!("check {}", flag(p)))),
            (Error::InvalidRequest { .. }, _, None) => (2, None),
            (_, Some(401), _) => (
                3,
                Some("check --api-key or CAKE_API_KEY (the key is not shown)".to_string()),
            ),
            (Error::Api { .. }, Some(404), Some(p)) => (3, Some(not_found_hint(p))),
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

/// `--verbose` or `RUST_LOG`: the SDK's tracing (one span per request, an event per attempt) on
/// stderr. The SDK logs URLs with the api_key redacted, so nothing here can show it.
fn init_logging(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ if verbose => EnvFilter::new("cake_client=debug"),
        _ => return,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let parsed = parse();
    if let Ok((global, _)) = &parsed {
        init_logging(global.verbose);
    }
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
    let result = match parsed {
        Ok((global, request)) => runtime.block_on(run(global, request)),
        Err(f) => Err(f),
    };
    match result {
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

async fn run(global: GlobalArgs, request: Request) -> Result<(), Failure> {
    let invocation = match request {
        Request::Serve(args) => return serve(&args, global.api_key.as_deref()).await,
        Request::Operation(invocation) => invocation,
    };
    refuse_silent_demo_write(&global, invocation.operation)?;
    // Keep the embedded simulator alive for the whole command.
    let (client, _embedded) = connect(&global).await?;
    let out = std::io::stdout().lock();
    let ctx = Output {
        format: global.format,
        all: global.all,
    };
    let inv = &invocation;
    // One arm per operation: which builder, and which rows of its answer to write. Exhaustive:
    // an operation added to the spec does not compile here until its output is decided.
    let Some(operation) = Operation::from_id(inv.operation.id) else {
        return Err(Failure::local(format!(
            "{} is not an operation of this cake's spec",
            inv.operation.id
        )));
    };
    match operation {
        Operation::GetOfferReport => {
            let r = inv.apply(client.get_offer_report(), |r, n, v| r.set_param(n, v))?;
            if ctx.all {
                ctx.write_stream(out, r.stream_with(inv.page_options()))
                    .await
            } else {
                let data = r.execute().await?.response.data;
                let footer = output::offer_totals_cells(&data.totals);
                ctx.write_rows(out, data.offers, Some(footer))
            }
        }
        Operation::GetAffiliateReport => {
            let r = inv.apply(client.get_affiliate_report(), |r, n, v| r.set_param(n, v))?;
            if ctx.all {
                ctx.write_stream(out, r.stream_with(inv.page_options()))
                    .await
            } else {
                let rows = r.execute().await?.response.data.affiliates;
                ctx.write_rows(out, rows, None)
            }
        }
        Operation::GetAdvertiserReport => {
            let r = inv.apply(client.get_advertiser_report(), |r, n, v| r.set_param(n, v))?;
            if ctx.all {
                ctx.write_stream(out, r.stream_with(inv.page_options()))
                    .await
            } else {
                let rows = r.execute().await?.response.data.advertisers;
                ctx.write_rows(out, rows, None)
            }
        }
        Operation::GetClick => {
            let r = inv.apply(client.get_click(), |r, n, v| r.set_param(n, v))?;
            if ctx.all {
                ctx.write_stream(out, r.stream_with(inv.page_options()))
                    .await
            } else {
                let page = r.execute().await?.response;
                note_more(page.clicks.len() as u64, page.total_rows);
                ctx.write_rows(out, page.clicks, None)
            }
        }
        Operation::GetConversions => {
            let r = inv.apply(client.get_conversions(), |r, n, v| r.set_param(n, v))?;
            if ctx.all {
                ctx.write_stream(out, r.stream_with(inv.page_options()))
                    .await
            } else {
                let body = r.execute().await?;
                note_more(body.conversions.len() as u64, body.total_rows);
                let rows = body.conversions.into_iter().map(|c| c.conversion).collect();
                ctx.write_rows(out, rows, None)
            }
        }
        Operation::RecordConversion => {
            let r = inv.apply(client.record_conversion(), |r, n, v| r.set_param(n, v))?;
            // Sent once: the SDK retries it only when the idempotency key makes a repeat safe.
            let conversion = r.execute().await?.conversion;
            ctx.write_rows(out, vec![conversion], None)
        }
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

/// An operation that creates data (`x-cake-creates-data`) is not sent to the embedded demo
/// simulator unless `--demo` asks for it: in a script whose environment lost `CAKE_BASE_URL`, a
/// conversion meant for CAKE would be recorded in a simulator that vanishes with the command, and
/// the command would succeed. Reads keep the embedded default.
fn refuse_silent_demo_write(
    global: &GlobalArgs,
    operation: &spec::OperationSpec,
) -> Result<(), Failure> {
    if global.base_url.is_none() && operation.creates_data && !global.demo {
        return Err(Failure::usage(
            format!(
                "{} creates data, and no --base-url or CAKE_BASE_URL is given: nothing was sent \
                 (it would have gone to the embedded demo simulator and been lost)",
                operation.summary
            ),
            "give --base-url or set CAKE_BASE_URL for your CAKE; --demo records it in the \
             embedded demo simulator on purpose",
        ));
    }
    Ok(())
}

/// The SDK client for `--base-url`, or for an embedded demo simulator when there is none.
async fn connect(
    cli: &GlobalArgs,
) -> Result<(Client, Option<cake_sim::RunningSimulator>), Failure> {
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
    let key = api_key.unwrap_or(cake_sim::DEMO_API_KEY);
    let (mut sim, what) = match (&args.data, args.demo_scale) {
        (Some(path), _) => {
            let store = cake_sim::Dataset::from_file(path)
                .and_then(|d| d.into_store())
                .map_err(|e| Failure::local(e.to_string()))?;
            (
                cake_sim::Simulator::new(key, store),
                format!("data from {}", path.display()),
            )
        }
        // Generated again on reset, never held twice.
        (None, Some(n)) => (
            cake_sim::Simulator::demo_scaled(key, n),
            format!("demo data plus {n} generated clicks"),
        ),
        (None, None) => (cake_sim::Simulator::demo(key), "demo data".to_string()),
    };
    // What the state directory was made on: a restart must start the same way.
    let start = sim.with_store(|store| {
        format!(
            "{what} ({} clicks, {} conversions)",
            store.click_count(),
            store.conversions().len()
        )
    });
    let key_note = match api_key {
        Some(_) => "api_key: the one given by --api-key or CAKE_API_KEY (not shown)".to_string(),
        None => "api_key: the documented demo key (see `cake serve --help`)".to_string(),
    };
    let mut faults_note = String::new();
    if let Some(path) = &args.faults {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::local(format!("cannot read {}: {e}", path.display())))?;
        let plan = cake_sim::FaultPlan::from_text(&text).map_err(|e| {
            Failure::local(format!(
                "{} is not a fault plan (see cake_sim::sandbox::FaultPlan): {e}",
                path.display()
            ))
        })?;
        faults_note = format!("; {} scripted fault rule(s)", plan.rules.len());
        sim = sim.with_faults(plan);
    }
    let mut state_note = String::new();
    if let Some(dir) = &args.state {
        sim = sim
            .with_state(dir, &start)
            .map_err(|e| Failure::local(format!("cannot use the state directory: {e}")))?;
        state_note = format!("; state kept in {}", dir.display());
    }
    let (clicks, conversions) = sim.with_store(|s| (s.click_count(), s.conversions().len()));
    let running = sim
        .serve(&args.addr)
        .await
        .map_err(|e| Failure::local(format!("cannot listen on {}: {e}", args.addr)))?;
    eprintln!(
        "cake: CAKE simulator listening on {} ({what}: {clicks} clicks, {conversions} conversions{faults_note}{state_note}); {key_note}; set-up API under /_sim/",
        running.base_url()
    );
    running.wait().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        cli_command().debug_assert();
    }

    #[test]
    fn every_operation_of_the_spec_has_exactly_one_subcommand() {
        for op in spec::operations() {
            let n = operation_commands()
                .filter(|c| c.operation.id() == op.id)
                .count();
            assert_eq!(n, 1, "{}: {n} subcommands", op.id);
        }
        for c in operation_commands() {
            assert!(
                spec::operation(c.operation.id()).is_some(),
                "{:?} names no operation of the spec",
                c.words
            );
        }
    }

    #[test]
    fn every_parameter_of_the_spec_is_a_flag_of_its_subcommand() {
        let cake = cli_command();
        for c in operation_commands() {
            let op = spec::operation(c.operation.id()).unwrap();
            let mut sub = &cake;
            for word in c.words {
                sub = sub.find_subcommand(word).unwrap();
            }
            for param in op.params {
                let arg = sub
                    .get_arguments()
                    .find(|a| a.get_id() == param.name)
                    .unwrap_or_else(|| panic!("{:?} has no flag for {}", c.words, param.name));
                assert_eq!(arg.get_long(), Some(&flag(param.name)[2..]));
                assert_eq!(arg.is_required_set(), param.required, "{}", param.name);
            }
        }
    }
}
