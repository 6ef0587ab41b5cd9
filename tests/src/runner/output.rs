//! A run's report as people and CI read it: a screen's summary, JUnit XML (the Jenkins/Surefire
//! `junit-10.xsd` shape: every `testsuite` with `name`, `tests`, `failures` and `errors`),
//! a Markdown summary for a pull-request comment, `coverage.json`, and one replayable JSON file
//! per failing check under `failures/` ([`super::replay`]).

use std::{collections::BTreeMap, path::Path};

use super::{replay::FailureFile, Outcome, Report};

impl Report {
    /// A screen's summary: each check, the coverage, what the spec does not name, each failure.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "cake-contract against {} (seed {})\n",
            self.target, self.seed
        );
        for o in &self.outcomes {
            out.push_str(&format!(
                "  {:<24} {:<28} {:>4} cases  {}\n",
                o.operation,
                o.check,
                o.cases,
                result(o)
            ));
        }
        for op in &self.skipped {
            out.push_str(&format!(
                "  {op:<24} not sent: it creates data (--allow-writes sends it)\n"
            ));
        }
        if self.out_of_time {
            out.push_str("  the time budget ran out: some cases were not sent\n");
        }
        out.push_str("documented statuses answered:\n");
        for (op, seen, unseen) in self.coverage.statuses() {
            out.push_str(&format!(
                "  {op:<24} {}/{} seen: {}{}\n",
                seen.len(),
                seen.len() + unseen.len(),
                seen.join(" "),
                if unseen.is_empty() {
                    String::new()
                } else {
                    format!("; not seen: {}", unseen.join(", "))
                }
            ));
        }
        out.push_str(&format!(
            "coverage of the contract: {:.1}% ({} of {} items: statuses, parameters valid and invalid, enum values)\n",
            self.coverage.percent, self.coverage.covered, self.coverage.items
        ));
        if !self.coverage.undocumented_properties.is_empty() {
            out.push_str("properties the spec's schemas do not name (information):\n");
            for (at, n) in &self.coverage.undocumented_properties {
                out.push_str(&format!("  {at} ({n} answers)\n"));
            }
        }
        for o in self.outcomes.iter().filter(|o| o.failure.is_some()) {
            out.push_str(&format!(
                "\n{} / {}:\n{}\n",
                o.operation,
                o.check,
                o.failure
                    .as_ref()
                    .map(|f| f.message.as_str())
                    .unwrap_or_default()
            ));
        }
        out.push_str(&format!(
            "\n{} checks, {} failed\n",
            self.outcomes.len(),
            self.failures()
        ));
        out
    }

    /// JUnit XML: a test suite per operation, a test case per check, the failure's smallest case
    /// in it; a check that could not be judged on this target is `skipped`.
    pub fn junit(&self) -> String {
        let mut by_op: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
        for o in &self.outcomes {
            by_op.entry(&o.operation).or_default().push(o);
        }
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cake-contract\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            self.outcomes.len(),
            self.failures()
        );
        for (op, outcomes) in by_op {
            let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
            let skipped = outcomes.iter().filter(|o| o.not_run.is_some()).count();
            out.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">\n",
                xml(op),
                outcomes.len()
            ));
            for o in outcomes {
                out.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\">",
                    xml(op),
                    xml(o.check)
                ));
                if let Some(f) = &o.failure {
                    let first = f
                        .message
                        .lines()
                        .nth(1)
                        .unwrap_or(&f.message)
                        .trim()
                        .trim_start_matches("- ");
                    out.push_str(&format!(
                        "\n      <failure message=\"{}\" type=\"contract\">{}</failure>\n    ",
                        xml(first),
                        xml(&f.message)
                    ));
                } else if let Some(why) = &o.not_run {
                    out.push_str(&format!(
                        "\n      <skipped message=\"{}\"/>\n    ",
                        xml(why)
                    ));
                }
                out.push_str("</testcase>\n");
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// A Markdown summary, fit for a pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "### cake-contract: {} checks, {} failed; {:.1}% of the contract covered\n\n| operation | check | cases | result |\n|---|---|---:|---|\n",
            self.outcomes.len(),
            self.failures(),
            self.coverage.percent
        );
        for o in &self.outcomes {
            let r = match result(o) {
                "FAILED" => "**failed**",
                other => other,
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {r} |\n",
                o.operation, o.check, o.cases
            ));
        }
        out.push_str(
            "\n| operation | documented statuses answered | not answered |\n|---|---|---|\n",
        );
        for (op, seen, unseen) in self.coverage.statuses() {
            out.push_str(&format!(
                "| `{op}` | {} | {} |\n",
                seen.join(" "),
                unseen.join(", ")
            ));
        }
        out
    }

    /// `coverage.json`.
    pub fn coverage_json(&self) -> String {
        serde_json::to_string_pretty(&self.coverage).unwrap_or_default()
    }

    /// Writes `junit.xml`, `summary.md`, `coverage.json` and `failures/*.json` into `dir`
    /// (the failures of an earlier run there removed first). Returns the failure files written.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("junit.xml"), self.junit())?;
        std::fs::write(dir.join("summary.md"), self.markdown())?;
        std::fs::write(dir.join("coverage.json"), self.coverage_json())?;
        let failures = dir.join("failures");
        if failures.exists() {
            std::fs::remove_dir_all(&failures)?;
        }
        let mut written = Vec::new();
        for o in &self.outcomes {
            let Some(file) = FailureFile::of(self, o) else {
                continue;
            };
            std::fs::create_dir_all(&failures)?;
            let path = failures.join(format!(
                "{}--{}.json",
                o.operation,
                o.check.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            ));
            std::fs::write(&path, file.to_json())?;
            written.push(path);
        }
        Ok(written)
    }
}

fn result(o: &Outcome) -> &'static str {
    if o.failure.is_some() {
        "FAILED"
    } else if o.not_run.is_some() {
        "not run"
    } else {
        "ok"
    }
}

/// Text escaped for XML.
fn xml(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\n' || c == '\t' || c >= ' ')
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&apos;".into(),
            c => c.to_string(),
        })
        .collect()
}
