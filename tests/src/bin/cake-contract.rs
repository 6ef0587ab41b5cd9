//! `cake-contract`: the contract suite against a server of your choice, for your CI.
//!
//! ```text
//! cake-contract --base-url URL --api-key KEY [options]
//! cake-contract replay FILE --base-url URL --api-key KEY [--allow-writes] [--strict-fields]
//! ```
//!
//! `--base-url` and `--api-key` default to `CAKE_BASE_URL` and `CAKE_API_KEY`. Exit codes: 0 when
//! every check holds (for `replay`: the check passes now), 1 when the server breaks the contract
//! or a coverage gate fails (for `replay`: the failure is reproduced), 2 on a usage problem or a
//! server that cannot be reached or refuses or fails every request. The api_key is never
//! printed or written.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use cake_contract_tests::runner::{
    replay::{replay, FailureFile},
    run, Options,
};

const USAGE: &str = "usage: cake-contract --base-url URL --api-key KEY [options]
       cake-contract replay FILE --base-url URL --api-key KEY [--allow-writes] [--strict-fields]
  --base-url, --api-key   the server and its key (default: CAKE_BASE_URL, CAKE_API_KEY)
  --allow-writes          also send what creates data (Record Conversion, and its sequence:
                          recorded, listed, deduplicated on unique_id)
  --cases N               generated cases per operation and check (default 32)
  --seed S                the seed of the generated requests (default 0: the same requests each run)
  --time-budget DURATION  stop sending new cases after this long (60s, 5m)
  --sim-faults            the target is `cake serve`: script its faults (/_sim/faults) so that
                          429 and 5XX are seen
  --strict-fields         properties the spec's schemas do not name fail the answer
  --require-statuses      fail unless every documented status of every operation was answered
                          (or is listed with --unreachable)
  --unreachable [OP:]STATUS=REASON
                          a status this target cannot be made to answer, and why (repeatable;
                          STATUS as the spec writes it, 429 or 5XX, or *)
  --min-coverage PCT      fail when less than PCT percent of the contract was covered
  --report DIR            write junit.xml, summary.md, coverage.json and failures/*.json into DIR
exit codes: 0 the contract holds, 1 the server breaks it (or a gate fails), 2 usage, unreachable,
or every request refused or failed; replay: 0 passes now, 1 reproduced, 2 cannot be sent";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("replay") => parse(args[1..].to_vec(), true).and_then(replay_command),
        _ => parse(args, false).and_then(run_command),
    };
    match outcome {
        Ok(code) => code,
        Err(e) if e == HELP => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cake-contract: {e}");
            if e.starts_with(USAGE_ERROR) {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

fn run_command(parsed: Parsed) -> Result<ExitCode, String> {
    let report = run(&parsed.options)?;
    print!("{}", report.summary());
    if let Some(dir) = &parsed.report {
        let written = report
            .write(dir)
            .map_err(|e| format!("cannot write the report into {}: {e}", dir.display()))?;
        for path in written {
            println!(
                "failure written: {} (cake-contract replay {} --base-url URL --api-key KEY)",
                path.display(),
                path.display()
            );
        }
    }
    Ok(if report.failures() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn replay_command(parsed: Parsed) -> Result<ExitCode, String> {
    let path = parsed
        .file
        .ok_or_else(|| format!("{USAGE_ERROR}replay takes the failure file to send again"))?;
    let file = FailureFile::read(&path)?;
    let replayed = replay(&file, &parsed.options)?;
    print!(
        "{}",
        replayed.summary(&file, parsed.options.base_url.trim_end_matches('/'))
    );
    Ok(if replayed.reproduced() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What `parse` says when help was asked for.
const HELP: &str = "help";
/// How a usage error starts (the usage is printed after it).
const USAGE_ERROR: &str = "usage: ";

struct Parsed {
    options: Options,
    report: Option<PathBuf>,
    file: Option<PathBuf>,
}

fn parse(args: Vec<String>, replaying: bool) -> Result<Parsed, String> {
    let usage = |e: String| format!("{USAGE_ERROR}{e}");
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut options = Options {
        cases: 32,
        ..Options::default()
    };
    let (mut base_url, mut api_key) = (env("CAKE_BASE_URL"), env("CAKE_API_KEY"));
    let (mut report, mut file) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| usage(format!("{flag} takes a value")))
        };
        let run_only = |flag: &str| {
            if replaying {
                Err(usage(format!("{flag}: not an option of replay")))
            } else {
                Ok(())
            }
        };
        match arg.as_str() {
            "--base-url" => base_url = Some(value("--base-url")?),
            "--api-key" => api_key = Some(value("--api-key")?),
            "--allow-writes" => options.allow_writes = true,
            "--strict-fields" => options.strict_fields = true,
            "--cases" => {
                run_only("--cases")?;
                options.cases = value("--cases")?
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| {
                        usage(
                            "--cases: expected a whole number of cases, at least 1, e.g. 64".into(),
                        )
                    })?
            }
            "--seed" => {
                run_only("--seed")?;
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| usage("--seed: expected a whole number, e.g. 7".into()))?
            }
            "--time-budget" => {
                run_only("--time-budget")?;
                options.time_budget = Some(duration(&value("--time-budget")?).map_err(usage)?)
            }
            "--sim-faults" => {
                run_only("--sim-faults")?;
                options.sim_faults = true
            }
            "--require-statuses" => {
                run_only("--require-statuses")?;
                options.require_statuses = true
            }
            "--unreachable" => {
                run_only("--unreachable")?;
                options
                    .unreachable
                    .push(value("--unreachable")?.parse().map_err(usage)?)
            }
            "--min-coverage" => {
                run_only("--min-coverage")?;
                options.min_coverage = Some(
                    value("--min-coverage")?
                        .trim_end_matches('%')
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=100.0).contains(p))
                        .ok_or_else(|| {
                            usage(
                                "--min-coverage: expected a percentage from 0 to 100, e.g. 80"
                                    .into(),
                            )
                        })?,
                )
            }
            "--report" => {
                run_only("--report")?;
                report = Some(value("--report")?.into())
            }
            "-h" | "--help" => return Err(HELP.into()),
            other if replaying && file.is_none() && !other.starts_with('-') => {
                file = Some(other.into())
            }
            other => return Err(usage(format!("unknown argument {other:?}"))),
        }
    }
    options.base_url =
        base_url.ok_or_else(|| usage("--base-url (or CAKE_BASE_URL) is required".into()))?;
    options.api_key =
        api_key.ok_or_else(|| usage("--api-key (or CAKE_API_KEY) is required".into()))?;
    Ok(Parsed {
        options,
        report,
        file,
    })
}

/// `90s`, `5m`, `1h` or a number of seconds.
fn duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |i| text.split_at(i));
    let n: u64 = number.parse().map_err(|_| {
        format!("--time-budget {text:?}: expected a duration such as 90s, 5m or 1h")
    })?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => {
            return Err(format!(
                "--time-budget {text:?}: expected a duration such as 90s, 5m or 1h"
            ))
        }
    };
    Ok(Duration::from_secs(seconds))
}
