//! `cake-contract`: the contract suite against a server of your choice, for your CI.
//!
//! ```text
//! cake-contract --base-url URL --api-key KEY [--allow-writes] [--cases N] [--seed S] [--report DIR]
//! ```
//!
//! `--base-url` and `--api-key` default to `CAKE_BASE_URL` and `CAKE_API_KEY`. Exit codes: 0 when
//! every check holds, 1 when the server breaks the contract, 2 on a usage problem or a server
//! that cannot be reached or refuses every request. `--report DIR` writes `junit.xml` and
//! `summary.md` there. The api_key is never printed.

use std::process::ExitCode;

use cake_contract_tests::runner::{run, Options};

const USAGE: &str = "usage: cake-contract --base-url URL --api-key KEY [--allow-writes] [--cases N] [--seed S] [--report DIR]
  --base-url, --api-key   the server and its key (default: CAKE_BASE_URL, CAKE_API_KEY)
  --allow-writes          also send the operations that create data (Record Conversion)
  --cases N               generated valid requests per operation (default 32)
  --seed S                the seed of the generated requests (default 0: the same requests each run)
  --report DIR            write junit.xml and summary.md into DIR
exit codes: 0 the contract holds, 1 the server breaks it, 2 usage, unreachable, or every request refused";

fn main() -> ExitCode {
    match parse(std::env::args().skip(1).collect()) {
        Ok((options, report_dir)) => match run(&options) {
            Ok(report) => {
                print!("{}", report.summary());
                if let Some(dir) = report_dir {
                    let written = std::fs::create_dir_all(&dir)
                        .and_then(|()| std::fs::write(dir.join("junit.xml"), report.junit()))
                        .and_then(|()| std::fs::write(dir.join("summary.md"), report.markdown()));
                    if let Err(e) = written {
                        eprintln!(
                            "cake-contract: cannot write the report into {}: {e}",
                            dir.display()
                        );
                        return ExitCode::from(2);
                    }
                }
                if report.failures() == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("cake-contract: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) if e == HELP => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cake-contract: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// What `parse` says when help was asked for.
const HELP: &str = "help";

fn parse(args: Vec<String>) -> Result<(Options, Option<std::path::PathBuf>), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut base_url = env("CAKE_BASE_URL");
    let mut api_key = env("CAKE_API_KEY");
    let (mut allow_writes, mut cases, mut seed, mut report) = (false, 32u32, 0u64, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} takes a value"));
        match arg.as_str() {
            "--base-url" => base_url = Some(value("--base-url")?),
            "--api-key" => api_key = Some(value("--api-key")?),
            "--allow-writes" => allow_writes = true,
            "--cases" => {
                cases = value("--cases")?
                    .parse()
                    .map_err(|_| "--cases: expected a whole number of cases, e.g. 64".to_string())?
            }
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed: expected a whole number, e.g. 7".to_string())?
            }
            "--report" => report = Some(value("--report")?.into()),
            "-h" | "--help" => return Err(HELP.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let base_url = base_url.ok_or("--base-url (or CAKE_BASE_URL) is required")?;
    let api_key = api_key.ok_or("--api-key (or CAKE_API_KEY) is required")?;
    if cases == 0 {
        return Err("--cases: expected at least 1".into());
    }
    Ok((
        Options {
            base_url,
            api_key,
            allow_writes,
            cases,
            seed,
        },
        report,
    ))
}
