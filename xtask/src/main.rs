//! The project's tasks, as Rust (`cargo xtask NAME`), so that they need nothing installed and
//! run the same for everyone. `Makefile.toml` only calls into these.
//!
//! - `spec [FILE]`: checks spec/cake.yaml beyond parsing (see `spec_check`).
//! - `codegen`: builds cake-client and copies the code generated into OUT_DIR to
//!   `target/codegen/` for reading.
//! - `contract [ARGS]`: runs the contract suite (`cargo test -p cake-contract-tests`).
//! - `deps`: holds that nothing in cake-client's normal dependency graph (default features, and
//!   all features) turns on a serde_json or rust_decimal feature that changes how a consumer's
//!   other crates parse or print JSON (see `serde_features`).
//! - `consumer`: runs the tests of `consumer/`, a crate outside this workspace (so outside its
//!   feature unification) that depends on cake-client as another team's service does.
//! - `ci [--no-test]`: everything CI runs, in order, stopping at the first failure: formatting,
//!   the spec check, clippy, `deps`, `cargo package -p cake-client` (the SDK builds outside the
//!   workspace), `consumer`, then README's test command, `cargo test --workspace --all-features`
//!   (skipped with `--no-test`, which `.ci/run` uses before calling that command itself).

mod serde_features;
mod spec_check;

use std::{
    env,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("spec") => spec(args.get(1).map(PathBuf::from)),
        Some("codegen") => codegen(),
        Some("contract") => cargo(
            &[
                &["test", "-p", "cake-contract-tests"][..],
                &strs(&args[1..]),
            ]
            .concat(),
        ),
        Some("deps") => deps(),
        Some("consumer") => consumer(),
        Some("ci") => ci(args.get(1).map(String::as_str) == Some("--no-test")),
        _ => Err(
            "usage: cargo xtask <spec [FILE] | codegen | contract [CARGO TEST ARGS] | deps | consumer | ci [--no-test]>".into(),
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

fn codegen() -> Result<(), String> {
    let output = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "-p", "cake-client", "--message-format=json"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build -p cake-client failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let out_dir = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "build-script-executed")
        .filter(|m| {
            m["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("cake-client"))
        })
        .filter_map(|m| m["out_dir"].as_str().map(PathBuf::from))
        .next_back()
        .ok_or("cargo did not report cake-client's build script output")?;
    let dest = root().join("target/codegen");
    std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
    for name in [
        "client.rs",
        "mock.rs",
        "open_enums.rs",
        "operations.rs",
        "spec_table.rs",
    ] {
        std::fs::copy(out_dir.join(name), dest.join(name))
            .map_err(|e| format!("copy {name}: {e}"))?;
        println!("{}", dest.join(name).display());
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
        let output = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(&args)
            .current_dir(root())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`cargo {}` failed:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        for p in serde_features::check(&String::from_utf8_lossy(&output.stdout)) {
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

/// `consumer/`'s tests, in the workspace's target directory (so that what they share is built
/// once) but with its own lock file and features.
fn consumer() -> Result<(), String> {
    cargo(&[
        "test",
        "--manifest-path",
        "consumer/Cargo.toml",
        "--target-dir",
        "target",
    ])
}

/// README's test command.
const TEST_COMMAND: &[&str] = &["test", "--workspace", "--all-features"];

fn ci(no_test: bool) -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    spec(None)?;
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
    cargo(&["package", "-p", "cake-client", "--allow-dirty"])?;
    consumer()?;
    if !no_test {
        cargo(TEST_COMMAND)?;
    }
    Ok(())
}
