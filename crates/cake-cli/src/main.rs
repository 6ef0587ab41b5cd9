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
mod cli;
mod commands;
mod connect;
mod dispatch;
mod export;
mod failure;
mod output;
mod progress;
mod serve;

use std::process::ExitCode;

use cli::parse;
use dispatch::run;

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
