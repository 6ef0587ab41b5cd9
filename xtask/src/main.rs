//! The project's tasks, as Rust (`cargo xtask NAME`), so that they need nothing installed and
//! run the same for everyone. `Makefile.toml` only calls into these.
//!
//! - `spec [FILE]`: checks spec/cake.yaml beyond parsing (see `spec_check`).
//! - `literals`: lists the string literals in hand-written code that name a spec parameter or
//!   operation; fails above `spec_literals::LIMIT` or when one has no comment saying why (see
//!   `spec_literals`).
//! - `layers [CRATE_DIR ...]`: holds that a crate's modules have no import cycle and that no
//!   file over `layers::LONG` lines lacks the reason in its header (see `layers`); by default
//!   cake-sim and cake-cli.
//! - `spec-diff [--base GIT_REF] [--fail-on breaking|warning|info] [--format
//!   text|markdown|json|junit]`: lists how spec/cake.yaml differs from its version at GIT_REF
//!   (default `HEAD`: what the working tree changes), each change with its level and identity
//!   (`spec_diff`, its rules in a table), in the format asked for (`spec_report`); fails when a
//!   change at or above the `--fail-on` level (default breaking) is neither named by its identity
//!   in CHANGELOG.md's section of the version nor waived in `spec/waivers.yaml`, or when a
//!   breaking one comes without cake-client's version bumped for it (major; minor while at 0.x)
//!   or a version still marked `(unreleased)` in the base's CHANGELOG.md.
//! - `codegen`: writes the generator's snapshots anew (`crates/cake-codegen/tests/output/`: the
//!   SDK's generated code for spec/cake.yaml and for each fixture spec), for review; the
//!   snapshot tests fail until this is run after a change to the spec or the generator.
//! - `api [--check]`: writes cake-client's public API, one item a line, to
//!   `crates/cake-client/public-api.txt` (see `public_api`); `--check` fails when that file is
//!   stale, with the command to run, so that a spec edit's effect on consumers is in its diff.
//! - `contract [ARGS]`: runs the contract suite (`cargo test -p cake-contract-tests`).
//! - `deps`: holds that nothing in cake-client's normal dependency graph (default features, and
//!   all features) turns on a serde_json or rust_decimal feature that changes how a consumer's
//!   other crates parse or print JSON (see `serde_features`).
//! - `consumer [--latest]`: runs the tests of `consumer/`, a crate outside this workspace (so
//!   outside its feature unification) that depends on cake-client as another team's service
//!   does; with `--latest`, in a copy whose lock file is updated to the newest versions its
//!   requirements admit (what a consumer's fresh build resolves), so that an upstream release
//!   that breaks the SDK's build shows here first.
//! - `semver`: cargo-semver-checks on cake-client against the previous commit (`HEAD~1`), a
//!   second opinion beside `spec-diff` that reads the compiled API (skipped, saying how to
//!   install it, when the tool is missing; `.ci/run` installs it). Its findings fail the task
//!   unless the version is the base's and still marked `(unreleased)` in CHANGELOG.md: then
//!   they are shown for review.
//! - `mutants [--in-diff GIT_REF]`: cargo-mutants on the SDK's hand-written request path (what
//!   `.cargo/mutants.toml` examines), or on what changed in it since GIT_REF; prints the figures
//!   and every survivor, and fails on a missed mutant or a timeout (an equivalent mutant is
//!   excluded in `.cargo/mutants.toml`, with its reason). Needs cargo-mutants (`.ci/run`
//!   installs it); without `--in-diff` it takes hours on two cores.
//! - `sim-scale [CLICKS ...]`: starts `cake serve --demo-scale` (release) at each count and
//!   measures start-up time, resident memory and request rates, as BENCHMARKS.md reports them
//!   (see `sim_scale`; the rates need `wrk`).
//! - `export-bench [--reps N] [--scale CLICKS]`: `cake export` against `cake serve --demo-scale`
//!   beside the SDK's own streaming rate over the same rows, and the lake checked against the
//!   API, as BENCHMARKS.md reports it (see `export_bench`).
//! - `ci [--no-test]`: everything CI runs, in order, stopping at the first failure: formatting,
//!   the spec check, `literals`, `layers`, `spec-diff --base HEAD~1`, clippy, `deps`, `api --check`, cake-client's
//!   rustdoc without warnings, `semver`, `cargo package` of the published crates (the SDK, its
//!   spec, reader and generator build outside the workspace), `consumer` (and again with the newest
//!   versions its requirements admit), then README's test command, `cargo test --workspace
//!   --all-features` (skipped with `--no-test`, which `.ci/run` uses before calling that command
//!   itself); and `mutants --in-diff HEAD~1` when cargo-mutants is installed.

mod contract_report;
mod export_bench;
mod layers;
mod public_api;
mod serde_features;
mod sim_scale;
mod spec_check;
mod spec_diff;
mod spec_literals;
mod spec_report;

use std::{
    collections::BTreeSet,
    env,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("spec") => spec(args.get(1).map(PathBuf::from)),
        Some("literals") => literals(),
        Some("layers") => layers(&args[1..]),
        Some("codegen") => codegen(),
        Some("contract") => cargo(
            &[
                &["test", "-p", "cake-contract-tests"][..],
                &strs(&args[1..]),
            ]
            .concat(),
        ),
        Some("spec-diff") if args.get(1).map(String::as_str) == Some("--rules") => {
            print!("{}", spec_diff::rules_table());
            Ok(())
        }
        Some("spec-diff") => SpecDiffArgs::parse(&args[1..]).and_then(|a| spec_diff(&a)),
        Some("api") => match args.get(1).map(String::as_str) {
            None => api(false),
            Some("--check") => api(true),
            Some(other) => Err(format!("api takes `--check` or nothing, not {other:?}")),
        },
        Some("semver") => semver(),
        Some("deps") => deps(),
        Some("mutants") => match (args.get(1).map(String::as_str), args.get(2)) {
            (None, _) => mutants(None),
            (Some("--in-diff"), Some(base)) => mutants(Some(base)),
            _ => Err("usage: cargo xtask mutants [--in-diff GIT_REF]".into()),
        },
        Some("consumer") => consumer(args.get(1).map(String::as_str) == Some("--latest")),
        Some("sim-scale") => {
            let counts: Result<Vec<u64>, _> = args[1..].iter().map(|a| a.parse::<u64>()).collect();
            match counts {
                Ok(c) if c.is_empty() => sim_scale::run(&[1_000_000, 3_000_000]),
                Ok(c) => sim_scale::run(&c),
                Err(_) => Err("sim-scale takes click counts, e.g. `sim-scale 1000000`".into()),
            }
        }
        Some("contract-report") => contract_report::run(),
        Some("export-bench") => export_bench_args(&args[1..])
            .and_then(|(reps, scale)| export_bench::run(reps, scale)),
        Some("ci") => ci(args.get(1).map(String::as_str) == Some("--no-test")),
        _ => Err(
            "usage: cargo xtask <spec [FILE] | spec-diff [--base GIT_REF] [--fail-on LEVEL] [--format FORMAT] | layers [CRATE_DIR ...] | codegen | api [--check] | contract [CARGO TEST ARGS] | contract-report | deps | consumer [--latest] | mutants [--in-diff GIT_REF] | semver | sim-scale [CLICKS ...] | export-bench [--reps N] [--scale CLICKS] | ci [--no-test]>".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `export-bench`'s `--reps N` (default 3) and `--scale CLICKS` (default 1,000,000).
fn export_bench_args(args: &[String]) -> Result<(u32, u64), String> {
    let (mut reps, mut scale) = (3u32, 1_000_000u64);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().map(String::as_str);
        let bad =
            || format!("export-bench takes --reps N and --scale CLICKS, not {flag} {value:?}");
        match (flag.as_str(), value) {
            ("--reps", Some(v)) => reps = v.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?,
            ("--scale", Some(v)) => scale = v.parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        }
    }
    Ok((reps, scale))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn spec(file: Option<PathBuf>) -> Result<(), String> {
    let path = file.unwrap_or_else(|| root().join("spec/cake.yaml"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let problems = spec_check::check(&text);
    if problems.is_empty() {
        println!("{}: ok", path.display());
        Ok(())
    } else {
        for p in &problems {
            eprintln!("{}: {p}", path.display());
        }
        Err(format!(
            "{} problem(s) in {}",
            problems.len(),
            path.display()
        ))
    }
}

fn layers(dirs: &[String]) -> Result<(), String> {
    let dirs: Vec<PathBuf> = if dirs.is_empty() {
        layers::default_crates(&root())
    } else {
        dirs.iter().map(PathBuf::from).collect()
    };
    let mut failed = 0;
    for dir in &dirs {
        let report = layers::check(dir)?;
        println!(
            "layers: {}: {} modules, {} edges, {} cycle(s), {} long file(s) without a reason",
            dir.display(),
            report.modules,
            report.edges,
            report.cycles.len(),
            report.long.len()
        );
        for (members, edges) in &report.cycles {
            println!("  cycle between {}:", members.join(", "));
            for edge in edges {
                println!("    {} -> {}: {}", edge.from, edge.to, edge.site);
            }
        }
        for (file, lines) in &report.long {
            println!(
                "  {file}: {lines} lines; split it by job, or say why in a `{}` header line",
                layers::WHY_LONG
            );
        }
        failed += report.cycles.len() + report.long.len();
    }
    if failed > 0 {
        return Err(format!("layers: {failed} problem(s)"));
    }
    Ok(())
}

fn literals() -> Result<(), String> {
    let hits = spec_literals::run(&root())?;
    for h in &hits {
        println!(
            "{}:{}: {:?}{}",
            h.file,
            h.line,
            h.name,
            if h.explained {
                ""
            } else {
                "  <- no comment says why"
            }
        );
    }
    let unexplained = hits.iter().filter(|h| !h.explained).count();
    println!(
        "{} string literal(s) name a spec parameter or operation (at most {})",
        hits.len(),
        spec_literals::LIMIT
    );
    if hits.len() > spec_literals::LIMIT {
        return Err(format!(
            "{} string literals name the spec, more than {}: reach it through the generated types",
            hits.len(),
            spec_literals::LIMIT
        ));
    }
    if unexplained > 0 {
        return Err(format!(
            "{unexplained} literal(s) naming the spec have no comment saying why"
        ));
    }
    Ok(())
}

fn cargo(args: &[&str]) -> Result<(), String> {
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// The standard output of `program ARGS` run at the root, or an error with its standard error.
fn run_stdout(program: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "`{program} {}` failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The standard output of `cargo ARGS` run at the root.
fn cargo_stdout(args: &[&str]) -> Result<String, String> {
    run_stdout(&env::var("CARGO").unwrap_or_else(|_| "cargo".into()), args)
}

/// The generator's snapshot tests, accepting what the generator makes now.
fn codegen() -> Result<(), String> {
    println!("$ EXPECTORATE=overwrite cargo test -p cake-codegen --test snapshots");
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "-p", "cake-codegen", "--test", "snapshots"])
        .env("EXPECTORATE", "overwrite")
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the generator failed on a snapshot's spec (above)".into());
    }
    println!("crates/cake-codegen/tests/output/: written; review and commit the diff");
    Ok(())
}

fn git(args: &[&str]) -> Result<String, String> {
    run_stdout("git", args)
}

/// `[workspace.package] version` of a root Cargo.toml (cake-client's version).
fn workspace_version(manifest: &str) -> Option<(u64, u64, u64)> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if in_package {
            if let Some(v) = line.strip_prefix("version") {
                let v = v.trim_start().strip_prefix('=')?.trim().trim_matches('"');
                let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
                return Some((parts.next()??, parts.next()??, parts.next()??));
            }
        }
    }
    None
}

/// Whether `new` is a version that may carry breaking changes after `old` (semver: a new major;
/// while at 0.x, a new minor).
fn bumped_for_breaking(old: (u64, u64, u64), new: (u64, u64, u64)) -> bool {
    if old.0 == 0 {
        new.0 > 0 || new.1 > old.1
    } else {
        new.0 > old.0
    }
}

/// Whether CHANGELOG.md at `base` marks `version` as `(unreleased)`: still being made.
fn unreleased_at(base: &str, version: (u64, u64, u64)) -> bool {
    let changelog = git(&["show", &format!("{base}:CHANGELOG.md")]).unwrap_or_default();
    let version = format!("{}.{}.{}", version.0, version.1, version.2);
    changelog_section(&changelog, &version)
        .is_some_and(|(heading, _)| heading.to_lowercase().contains("unreleased"))
}

/// CHANGELOG.md's section for `version`: its `## ` heading line (`## 0.2.0 (unreleased)`) and
/// its text up to the next heading.
fn changelog_section(changelog: &str, version: &str) -> Option<(String, String)> {
    let mut section: Option<(String, String)> = None;
    for line in changelog.lines() {
        if line.starts_with("## ") {
            if section.is_some() {
                break;
            }
            let heading = line.trim_start_matches('#').trim().trim_start_matches('[');
            if heading.starts_with(version)
                && !heading[version.len()..].starts_with(|c: char| c.is_ascii_digit())
            {
                section = Some((line.to_string(), String::new()));
            }
        } else if let Some((_, s)) = section.as_mut() {
            s.push_str(line);
            s.push('\n');
        }
    }
    section
}

/// `spec-diff`'s arguments.
struct SpecDiffArgs {
    base: String,
    fail_on: spec_diff::Level,
    format: spec_report::Format,
}

impl SpecDiffArgs {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut out = SpecDiffArgs {
            base: "HEAD".into(),
            fail_on: spec_diff::Level::Breaking,
            format: spec_report::Format::Text,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .ok_or_else(|| format!("spec-diff: {flag} needs a value"))?;
            match flag.as_str() {
                "--base" => out.base = value.clone(),
                "--fail-on" => {
                    out.fail_on = spec_diff::Level::parse(value).ok_or_else(|| {
                        format!("--fail-on takes breaking, warning or info, not {value:?}")
                    })?
                }
                "--format" => {
                    out.format = spec_report::Format::parse(value).ok_or_else(|| {
                        format!("--format takes text, markdown, json or junit, not {value:?}")
                    })?
                }
                other => {
                    return Err(format!(
                        "spec-diff takes --base GIT_REF, --fail-on LEVEL and --format FORMAT, not {other:?}"
                    ))
                }
            }
        }
        Ok(out)
    }
}

/// The spec's changes against `args.base`, reported in `args.format`; fails when a change at or
/// above `args.fail_on` is neither named by its identity in the version's CHANGELOG section nor
/// waived (`spec/waivers.yaml`), or when a breaking one comes without the version bump it needs.
fn spec_diff(args: &SpecDiffArgs) -> Result<(), String> {
    let base = args.base.as_str();
    let old_text = git(&["show", &format!("{base}:spec/cake.yaml")])?;
    let new_path = root().join("spec/cake.yaml");
    let new_text = std::fs::read_to_string(&new_path)
        .map_err(|e| format!("cannot read {}: {e}", new_path.display()))?;
    let parse = |text: &str, what: &str| {
        serde_yaml_ng::from_str::<serde_json::Value>(text)
            .map_err(|e| format!("{what} is not YAML: {e}"))
    };
    let (old, new) = (
        parse(&old_text, &format!("spec/cake.yaml at {base}"))?,
        parse(&new_text, "spec/cake.yaml")?,
    );
    let today = chrono::Utc::now().date_naive();
    let changes = spec_diff::diff(&old, &new, today);
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let new_version =
        workspace_version(&manifest).ok_or("no [workspace.package] version in Cargo.toml")?;
    let show = |v: (u64, u64, u64)| format!("{}.{}.{}", v.0, v.1, v.2);
    let version = show(new_version);
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).unwrap_or_default();
    let section = changelog_section(&changelog, &version).map(|(_, s)| s);
    let waivers = spec_report::waivers(
        &std::fs::read_to_string(root().join("spec/waivers.yaml")).unwrap_or_default(),
    )?;
    let entries = spec_report::standings(changes, args.fail_on, section.as_deref(), &waivers);
    print!("{}", spec_report::render(&entries, base, args.format));

    let unaccounted: Vec<String> = entries
        .iter()
        .filter(|e| e.standing == spec_report::Standing::Unaccounted)
        .map(|e| format!("`{}`", e.change.identity()))
        .collect();
    let breaking_unwaived = entries.iter().any(|e| {
        e.change.level() == spec_diff::Level::Breaking
            && !matches!(e.standing, spec_report::Standing::Waived(_))
    });
    if breaking_unwaived {
        let old_version = workspace_version(&git(&["show", &format!("{base}:Cargo.toml")])?)
            .ok_or("no [workspace.package] version in the base's Cargo.toml")?;
        // A version whose CHANGELOG section says "unreleased" at the base is still being made:
        // its breaking changes need no further bump, only their names in its section.
        let still_unreleased = new_version == old_version && unreleased_at(base, old_version);
        if !still_unreleased && !bumped_for_breaking(old_version, new_version) {
            let next = if old_version.0 == 0 {
                (0, old_version.1 + 1, 0)
            } else {
                (old_version.0 + 1, 0, 0)
            };
            return Err(format!(
                "breaking change(s) for users of cake-client, and its version is still {} (from {}): \
                 set [workspace.package] version in Cargo.toml to {} or later, and name each change \
                 in CHANGELOG.md under `## {}` (or waive it in spec/waivers.yaml, saying why)",
                show(new_version),
                show(old_version),
                show(next),
                show(next)
            ));
        }
    }
    if !unaccounted.is_empty() {
        return Err(format!(
            "{} change(s) at or above `{}` are not named in CHANGELOG.md's `## {version}` section \
             nor waived: {} (write each as spec-diff prints it, place and rule; or add it to \
             spec/waivers.yaml with the reason)",
            unaccounted.len(),
            args.fail_on,
            unaccounted.join(", ")
        ));
    }
    Ok(())
}

/// The serde features of cake-client's normal dependency graph, with default features and with
/// all of them, held to [`serde_features::check`].
fn deps() -> Result<(), String> {
    let mut problems = Vec::new();
    for features in [&[][..], &["--all-features"][..]] {
        let args = [
            &[
                "tree",
                "-p",
                "cake-client",
                "-e",
                "normal",
                "-e",
                "features",
            ][..],
            features,
        ]
        .concat();
        let tree = cargo_stdout(&args)?;
        for p in serde_features::check(&tree) {
            problems.push(format!("`cargo {}`: {p}", args.join(" ")));
        }
    }
    if problems.is_empty() {
        println!("cake-client's dependency graph leaves consumers' serde as it is: ok");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The crates published together: the SDK, and what its build script needs.
const PUBLISHED: &[&str] = &["cake-openapi", "cake-spec", "cake-codegen", "cake-client"];

/// `consumer/`'s tests, in the workspace's target directory (so that what they share is built
/// once) but with its own lock file and features; with `latest`, in a copy of it (next to it, so
/// that its path to cake-client holds) whose lock file is updated first.
fn consumer(latest: bool) -> Result<(), String> {
    if !latest {
        return cargo(&[
            "test",
            "--manifest-path",
            "consumer/Cargo.toml",
            "--target-dir",
            "target",
        ]);
    }
    let copy = root().join("target/consumer-latest");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&root().join("consumer"), &copy)?;
    // The copy's path dependency is one level further down.
    let manifest = copy.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&manifest, text.replace("\"../crates/", "\"../../crates/"))
        .map_err(|e| e.to_string())?;
    let manifest = manifest.to_string_lossy().into_owned();
    cargo(&["update", "--manifest-path", &manifest])?;
    cargo(&[
        "test",
        "--manifest-path",
        &manifest,
        "--target-dir",
        "target",
    ])
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target)?;
            }
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// cake-client's rustdoc, with every warning (a broken intra-doc link, say) an error.
fn docs() -> Result<(), String> {
    let args = ["doc", "-p", "cake-client", "--no-deps", "--all-features"];
    println!("$ RUSTDOCFLAGS='-D warnings' cargo {}", args.join(" "));
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cake-client's documentation has warnings (above)".into())
    }
}

/// The cargo-mutants that `.ci/run` installs.
const MUTANTS: &str = "cargo install cargo-mutants --locked --version 27.1.0";

/// cargo-mutants on the request path (`.cargo/mutants.toml`), or on what changed in it since
/// `base`: the figures, every survivor, and a failure on any missed mutant or timeout.
fn mutants(base: Option<&str>) -> Result<(), String> {
    if cargo_stdout(&["mutants", "--version"]).is_err() {
        return Err(format!(
            "cargo-mutants is not installed (install: {MUTANTS})"
        ));
    }
    let out = root().join("target/mutants");
    let mut args = vec![
        "mutants".to_string(),
        "--no-shuffle".into(),
        "--output".into(),
        out.display().to_string(),
    ];
    if let Some(base) = base {
        let diff = git(&["diff", base])?;
        let file = root().join("target/mutants.diff");
        std::fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
        std::fs::write(&file, diff).map_err(|e| e.to_string())?;
        args.extend(["--in-diff".into(), file.display().to_string()]);
    }
    // The lists below are read from this run's output only, never a previous run's.
    let _ = std::fs::remove_dir_all(out.join("mutants.out"));
    let started = std::time::Instant::now();
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(&args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo mutants: {e}"))?;
    let list = |name: &str| -> Vec<String> {
        std::fs::read_to_string(out.join("mutants.out").join(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    };
    let (caught, missed, timeout, unviable) = (
        list("caught.txt"),
        list("missed.txt"),
        list("timeout.txt"),
        list("unviable.txt"),
    );
    let tested = caught.len() + missed.len() + timeout.len() + unviable.len();
    println!(
        "mutants: {tested} tested ({} caught, {} unviable, {} missed, {} timed out) in {:.1} minutes",
        caught.len(),
        unviable.len(),
        missed.len(),
        timeout.len(),
        started.elapsed().as_secs_f64() / 60.0
    );
    for m in &missed {
        println!("missed: {m}");
    }
    for m in &timeout {
        println!("timeout: {m}");
    }
    if !missed.is_empty() || !timeout.is_empty() {
        return Err(format!(
            "{} mutant(s) of the request path survive: kill each with a test, or, when it cannot \
             change behaviour, exclude it in .cargo/mutants.toml saying why",
            missed.len() + timeout.len()
        ));
    }
    // cargo-mutants' own failures (a baseline that does not pass, a usage error) end here.
    match status.code() {
        Some(0) => Ok(()),
        _ if tested > 0 => Ok(()),
        other => Err(format!("cargo mutants failed ({other:?}): see above")),
    }
}

/// The cargo-semver-checks that `.ci/run` installs (a version that reads this toolchain's rustdoc
/// JSON).
const SEMVER_CHECKS: &str = "cargo install cargo-semver-checks --locked --version 0.51.0";

fn semver() -> Result<(), String> {
    let installed = cargo_stdout(&["semver-checks", "--version"]).is_ok();
    if !installed {
        println!(
            "semver: cargo-semver-checks is not installed, skipped (install: {SEMVER_CHECKS})"
        );
        return Ok(());
    }
    if git(&["rev-parse", "--verify", "--quiet", "HEAD~1"]).is_err() {
        println!("semver: no previous commit to compare with");
        return Ok(());
    }
    let args = [
        "semver-checks",
        "--package",
        "cake-client",
        "--baseline-rev",
        "HEAD~1",
    ];
    // Within a version still marked unreleased, breaking changes are allowed (spec-diff holds
    // that they are named in CHANGELOG.md): the findings are shown for review, not enforced.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let base_manifest = git(&["show", "HEAD~1:Cargo.toml"])?;
    let same_unreleased = match (
        workspace_version(&base_manifest),
        workspace_version(&manifest),
    ) {
        (Some(old), Some(new)) => old == new && unreleased_at("HEAD~1", old),
        _ => false,
    };
    match cargo(&args) {
        Err(e) if same_unreleased => {
            println!(
                "semver: {e}; the version is still unreleased (CHANGELOG.md), so breaking \
                 changes since HEAD~1 are allowed: name them in CHANGELOG.md"
            );
            Ok(())
        }
        other => other,
    }
}

const PUBLIC_API: &str = "crates/cake-client/public-api.txt";

fn api(check: bool) -> Result<(), String> {
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let src = root().join("crates/cake-client/src");
    let lib = read(src.join("lib.rs"))?;
    let mut sources = vec![public_api::Source {
        text: lib.clone(),
        path: "cake_client".into(),
        only_modules: None,
    }];
    // The hand-written modules lib.rs declares public (`pub mod call;`).
    for module in syn::parse_file(&lib)
        .map_err(|e| format!("lib.rs: {e}"))?
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m)
                if m.content.is_none()
                    && matches!(m.vis, syn::Visibility::Public(_))
                    && !m.attrs.iter().any(|a| {
                        a.path().is_ident("doc")
                            && quote::ToTokens::to_token_stream(a)
                                .to_string()
                                .contains("hidden")
                    }) =>
            {
                Some(m.ident.to_string())
            }
            _ => None,
        })
    {
        sources.push(public_api::Source {
            text: read(src.join(format!("{module}.rs")))?,
            path: format!("cake_client::{module}"),
            only_modules: None,
        });
    }
    // What the generator makes of the spec, included at the crate's root.
    let spec = read(root().join("spec/cake.yaml"))?;
    sources.push(public_api::Source {
        text: cake_codegen::generate(&spec).map_err(|e| format!("spec/cake.yaml: {e}"))?,
        path: "cake_client".into(),
        only_modules: None,
    });
    let listing = public_api::listing(&sources)?;
    let path = root().join(PUBLIC_API);
    if check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == listing {
            println!("{PUBLIC_API}: up to date");
            return Ok(());
        }
        let (old, new): (BTreeSet<&str>, BTreeSet<&str>) =
            (current.lines().collect(), listing.lines().collect());
        for line in old.difference(&new) {
            eprintln!("- {line}");
        }
        for line in new.difference(&old) {
            eprintln!("+ {line}");
        }
        return Err(format!(
            "{PUBLIC_API} is stale: cake-client's public API changed (lines above). Run \
             `cargo xtask api` and commit {PUBLIC_API} with the change, so that reviewers see it"
        ));
    }
    std::fs::write(&path, listing).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// README's test command.
const TEST_COMMAND: &[&str] = &["test", "--workspace", "--all-features"];

fn ci(no_test: bool) -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    spec(None)?;
    literals()?;
    layers(&[])?;
    // The spec against the previous commit's: a breaking change cannot land silently.
    if git(&["rev-parse", "--verify", "--quiet", "HEAD~1"]).is_ok() {
        spec_diff(&SpecDiffArgs::parse(&["--base".into(), "HEAD~1".into()])?)?;
    } else {
        println!("spec-diff: no previous commit to compare with");
    }
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])?;
    deps()?;
    api(true)?;
    docs()?;
    semver()?;
    cargo(
        &[
            &["package", "--allow-dirty"][..],
            &PUBLISHED.iter().flat_map(|p| ["-p", p]).collect::<Vec<_>>(),
        ]
        .concat(),
    )?;
    consumer(false)?;
    consumer(true)?;
    // The request path's tests catch every mutant of what the last commit changed in it.
    if cargo_stdout(&["mutants", "--version"]).is_err() {
        println!("mutants: cargo-mutants is not installed, skipped (install: {MUTANTS})");
    } else if git(&["rev-parse", "--verify", "--quiet", "HEAD~1"]).is_ok() {
        mutants(Some("HEAD~1"))?;
    }
    // The runner as other teams' CI runs it, its JUnit held to the common schema.
    contract_report::run()?;
    if !no_test {
        cargo(TEST_COMMAND)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{bumped_for_breaking, changelog_section, workspace_version};

    /// The case: CHANGELOG 0.2.0 names `get_offer_report.offer_id` for another change (its
    /// int32 maximum); making the parameter required is a change of its own, and fails the gate
    /// until the section names it by its identity, or a waiver accepts it.
    #[test]
    fn offer_id_made_required_fails_the_gate_until_named_or_waived() {
        use crate::{
            spec_diff::{diff, Level},
            spec_report::{standings, Standing, Waiver},
        };
        let old: serde_json::Value =
            serde_yaml_ng::from_str(include_str!("../../spec/cake.yaml")).unwrap();
        let mut new = old.clone();
        for p in new["paths"]["/api/2/report/offer.json"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
        {
            if p["name"] == "offer_id" {
                p["required"] = serde_json::json!(true);
            }
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let changes = diff(&old, &new, today);
        let (_, section) = changelog_section(include_str!("../../CHANGELOG.md"), "0.2.0").unwrap();
        assert!(
            section.contains("get_offer_report.offer_id"),
            "the place is named already"
        );
        let standing = |section: &str, waivers: &[Waiver]| {
            let entries = standings(changes.clone(), Level::Breaking, Some(section), waivers);
            assert_eq!(entries.len(), 1, "{entries:?}");
            entries[0].standing.clone()
        };
        assert_eq!(standing(&section, &[]), Standing::Unaccounted);
        let named = format!("{section}\n- `get_offer_report.offer_id: parameter made required`");
        assert_eq!(standing(&named, &[]), Standing::Named);
        let waiver = Waiver {
            change: "get_offer_report.offer_id: parameter made required".into(),
            reason: "no caller could leave it out".into(),
        };
        assert_eq!(
            standing(&section, &[waiver]),
            Standing::Waived("no caller could leave it out".into())
        );
    }

    #[test]
    fn the_workspace_version_is_read_from_its_section() {
        let toml = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.3.1\"\nedition = \"2021\"\n\n[workspace.dependencies]\nversion = \"9.9.9\"\n";
        assert_eq!(workspace_version(toml), Some((0, 3, 1)));
        assert_eq!(workspace_version("[package]\nversion = \"1.0.0\""), None);
    }

    #[test]
    fn a_breaking_change_needs_a_minor_at_0x_and_a_major_after() {
        assert!(bumped_for_breaking((0, 1, 0), (0, 2, 0)));
        assert!(bumped_for_breaking((0, 1, 3), (1, 0, 0)));
        assert!(!bumped_for_breaking((0, 1, 0), (0, 1, 1)));
        assert!(!bumped_for_breaking((0, 1, 0), (0, 1, 0)));
        assert!(bumped_for_breaking((1, 4, 0), (2, 0, 0)));
        assert!(!bumped_for_breaking((1, 4, 0), (1, 5, 0)));
    }

    #[test]
    fn a_changelog_section_ends_at_the_next_heading() {
        let log = "# Changelog\n\n## 0.2.0 (2026-12-01)\n- get_offer_report.offer_id is required\n\n## 0.12.0\n- other\n## 0.1.0\n- first\n";
        let (heading, s) = changelog_section(log, "0.2.0").unwrap();
        assert_eq!(heading, "## 0.2.0 (2026-12-01)");
        assert!(s.contains("get_offer_report.offer_id") && !s.contains("first"));
        assert!(changelog_section(log, "0.1.2").is_none());
        assert!(changelog_section(log, "0.12.0")
            .unwrap()
            .1
            .contains("other"));
        assert!(changelog_section("## [0.3.0]\n- x\n", "0.3.0").is_some());
    }
}
