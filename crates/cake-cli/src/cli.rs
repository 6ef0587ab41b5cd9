//! The command line: the global flags, `cake serve`'s flags, and one subcommand per operation
//! of the spec with a flag per parameter (built from the spec's table when `cake` starts); what
//! it parses into (an [`Invocation`] of an operation, or serving).

use std::path::PathBuf;

use cake_client::{query::Operation, spec, Error};
use clap::{Args, FromArgMatches};

use crate::{
    commands::{flag, operation_commands, OperationCommand, GROUPS},
    export::args::{ExportArgs, EXPORT_ABOUT},
    failure::Failure,
    output::Format,
};

pub(crate) const EXIT_CODES: &str = "\
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
pub(crate) struct GlobalArgs {
    /// Your CAKE instance, e.g. https://yourdomain.cakemarketing.com. Without it, reads run on
    /// the embedded simulator with demo data; a command that creates data needs --demo for that.
    #[arg(long, env = "CAKE_BASE_URL", global = true)]
    pub(crate) base_url: Option<String>,
    /// Run on the embedded simulator with its demo data, also a command that creates data
    /// (record-conversion): what it records there is gone when the command ends.
    #[arg(long, global = true, conflicts_with = "base_url")]
    pub(crate) demo: bool,
    /// Your CAKE API key (required with --base-url; `cake serve` accepts this key). Never printed.
    #[arg(long, env = "CAKE_API_KEY", global = true, hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    pub(crate) format: Format,
    /// Fetch every page (progress on stderr when it is a terminal); --row-limit sets the page size.
    #[arg(long, global = true)]
    pub(crate) all: bool,
    /// Log each request on stderr: operation, URL (api_key shown as ***), attempt, status and
    /// time. RUST_LOG (e.g. RUST_LOG=cake_client=trace), when set, chooses what is logged instead.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: String,
    /// A dataset file (JSON, or YAML for .yaml/.yml; format in cake_sim::dataset) instead of the
    /// demo data.
    #[arg(long, conflicts_with = "demo_scale")]
    pub(crate) data: Option<PathBuf>,
    /// The demo data plus this many generated clicks in 2025 (50 offers, 200 affiliates), for
    /// load tests: about 140 bytes of memory per click, a million ready in about 2 s. Generated
    /// again, not kept as a copy, on POST /_sim/reset.
    #[arg(long)]
    pub(crate) demo_scale: Option<u64>,
    /// Scripted faults from the start, a YAML or JSON file: per operation, a 429 with
    /// Retry-After, a 5xx, latency, or commit_then_drop (format: cake_sim::sandbox::FaultPlan).
    /// Change them while serving with PUT /_sim/faults (crates/cake-sim/sim-api.yaml).
    #[arg(long)]
    pub(crate) faults: Option<PathBuf>,
    /// Keep every acknowledged change (conversions, set-up changes) in this directory, on disk
    /// before the answer, and restore them when started again the same way (format:
    /// cake_sim::durable). Without it, state lives in memory only.
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
}

pub(crate) const SERVE_ABOUT: &str = "Run the CAKE simulator and say where it listens. It accepts the api_key of --api-key or CAKE_API_KEY, else the demo key `cake-sim-demo-key`. Tests set it up through /_sim/ (add data, set the clock, reset, read the journal, script faults): see crates/cake-sim/sim-api.yaml.";

/// `cake serve --help`: only the flags that apply to serving. The global flags that talk to a
/// CAKE or print rows (`--base-url`, `--format`, `--all`, `--verbose`) are accepted there, as
/// everywhere, but not shown: the help is rendered from a command of serve's own flags and the
/// api_key (which `serve` accepts), taken from their one definition.
pub(crate) fn serve_help() -> String {
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
pub(crate) fn cli_command() -> clap::Command {
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
    )
    .subcommand(ExportArgs::augment_args(
        clap::Command::new("export").about(EXPORT_ABOUT),
    ));
    for command in operation_commands() {
        let leaf = operation_command(&command, command.operation.spec());
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
pub(crate) fn operation_command(
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
pub(crate) fn param_arg(op: &spec::OperationSpec, param: &'static spec::ParamSpec) -> clap::Arg {
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
pub(crate) struct Invocation {
    /// Which operation, as the exhaustive `match` of the dispatch reads it (its entry in the
    /// spec's table is `command.spec()`).
    pub(crate) command: Operation,
    pub(crate) params: Vec<(&'static str, String)>,
}

impl Invocation {
    /// Reads the operation's flags back from the matches of its subcommand.
    pub(crate) fn from_matches(
        command: Operation,
        matches: &clap::ArgMatches,
    ) -> Result<Self, Failure> {
        let op = command.spec();
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
        Ok(Self { command, params })
    }

    /// Sets every parameter given on a builder, each checked against the spec by the SDK.
    pub(crate) fn apply<B>(
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
    pub(crate) fn page_options(&self) -> cake_client::PageOptions {
        let limit = self.command.spec().paging().map(|p| p.limit);
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
pub(crate) enum Request {
    Serve(ServeArgs),
    /// `cake export`, and whether `--format` was given.
    Export(ExportArgs, bool),
    Operation(Invocation),
}

/// Parses the command line (clap exits 2 on a usage error, 0 for `--help`).
pub(crate) fn parse() -> Result<(GlobalArgs, Request), Failure> {
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
    if words == ["export"] {
        let args = ExportArgs::from_arg_matches(current).unwrap_or_else(|e| e.exit());
        let given = !matches!(
            matches.value_source("format"),
            None | Some(clap::parser::ValueSource::DefaultValue)
        );
        return Ok((global, Request::Export(args, given)));
    }
    let command = operation_commands()
        .find(|c| c.words == words.as_slice())
        .ok_or_else(|| {
            Failure::usage(
                format!("no such command: cake {}", words.join(" ")),
                "see `cake --help`",
            )
        })?
        .operation;
    Ok((
        global,
        Request::Operation(Invocation::from_matches(command, current)?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::flag;

    #[test]
    pub(crate) fn the_command_line_is_well_formed() {
        cli_command().debug_assert();
    }

    #[test]
    pub(crate) fn every_operation_of_the_spec_has_exactly_one_subcommand() {
        for op in spec::operations() {
            let n = operation_commands()
                .filter(|c| c.operation.id() == op.id)
                .count();
            assert_eq!(n, 1, "{}: {n} subcommands", op.id);
        }
        for c in operation_commands() {
            assert!(
                spec::operation(c.operation.id())
                    .is_some_and(|op| std::ptr::eq(op, c.operation.spec())),
                "{:?} names no operation of the spec",
                c.words
            );
        }
    }

    #[test]
    pub(crate) fn every_parameter_of_the_spec_is_a_flag_of_its_subcommand() {
        let cake = cli_command();
        for c in operation_commands() {
            let op = c.operation.spec();
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
