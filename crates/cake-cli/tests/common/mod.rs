//! What the `cake` binary's test files share.

use std::{
    io::{BufRead, BufReader},
    process::{Command as StdCommand, Stdio},
};

/// Starts `cake serve` on a free port and returns the child and its base URL.
pub fn spawn_serve(extra: &[&str]) -> (std::process::Child, String) {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("cake"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .env_remove("CAKE_API_KEY")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (child, url)
}
