//! `cake-contract`: the suite's checks run against a server named on the command line (a CAKE
//! instance, a team's own stub of CAKE, or `cake serve`), with a result per operation and
//! check, the statuses each operation answered beside those the spec documents, and reports for
//! CI (JUnit XML, Markdown). The checks are the suite's own (`harness`, `refusal`): every
//! generated valid request holds the spec, its answer is one the operation may give and
//! round-trips through the SDK; every generated invalid request (sent raw) gets a documented 4xx
//! naming the breached parameter; a wrong api_key gets 401 on every operation.
//!
//! What is not a contract failure is said apart: a server that cannot be reached, or that
//! refuses every request (a wrong key), is a problem of the run, not a thousand failures.
//! Nothing here prints or writes the api_key: requests are shown with it redacted.

use std::collections::{BTreeMap, BTreeSet};

use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner},
};

use crate::{
    bodies::body_strategy,
    harness::{
        report, request_problems, response_problems, undocumented_properties,
        valid_request_answer_problems, Harness,
    },
    ops::{Operation, Status},
    params::{anchored_params, invalid_cases},
    refusal::{describe, invalid_request_problems, raw_request},
    target::{Answer, Target, UpstreamTarget, SUITE_API_KEY},
};

/// What to run against.
#[derive(Clone)]
pub struct Options {
    /// The server's base URL (scheme, host and any path prefix).
    pub base_url: String,
    /// The api_key it takes.
    pub api_key: String,
    /// Whether operations that create data (Record Conversion) may be sent.
    pub allow_writes: bool,
    /// Generated valid requests per operation.
    pub cases: u32,
    /// The seed of the generated requests (the same seed sends the same requests).
    pub seed: u64,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("base_url", &self.base_url)
            .field(cake_client::secret::API_KEY_PARAM, &"<redacted>")
            .field("allow_writes", &self.allow_writes)
            .field("cases", &self.cases)
            .field("seed", &self.seed)
            .finish()
    }
}

/// One check of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The operationId.
    pub operation: String,
    /// The check's name.
    pub check: &'static str,
    /// How many cases it ran.
    pub cases: u32,
    /// Why it failed (after shrinking: the smallest case found, its request and answer), or
    /// `None` when it held.
    pub failure: Option<String>,
}

/// A run's results.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The target, as named in messages (its URL; never the key).
    pub target: String,
    /// Every check of every operation sent.
    pub outcomes: Vec<Outcome>,
    /// Per operation, the statuses it answered and how often.
    pub statuses: BTreeMap<String, BTreeMap<u16, u32>>,
    /// Per operation, the statuses the spec documents (`200`, `5XX`, ...).
    pub documented: BTreeMap<String, Vec<Status>>,
    /// Per (operation, JSON pointer), how many answers had a property the schemas do not name.
    pub undocumented: BTreeMap<(String, String), u32>,
    /// Operations not sent (they create data and writes were not allowed).
    pub skipped: Vec<String>,
}

/// The name of the check of generated valid requests.
pub const VALID_REQUESTS: &str = "valid requests";
/// The name of the check of a wrong api_key.
pub const WRONG_KEY: &str = "wrong api_key";
/// The name of the check of generated invalid requests.
pub const INVALID_REQUESTS: &str = "invalid requests";

/// Runs every check against `options.base_url`; `Err` when the run itself cannot be made (the
/// spec unreadable, the server unreachable, or every request refused), which is not a finding
/// about the contract.
pub fn run(options: &Options) -> Result<Report, String> {
    let h = Harness::new()?;
    let target = UpstreamTarget::new(
        "target",
        &options.base_url,
        &options.api_key,
        options.allow_writes,
    );
    let mut report = Report {
        target: target.name(),
        ..Report::default()
    };
    for op in &h.spec.operations {
        report.documented.insert(
            op.id.clone(),
            op.responses.iter().map(|r| r.status).collect(),
        );
        if op.creates_data && !options.allow_writes {
            report.skipped.push(op.id.clone());
            continue;
        }
        let seen = std::sync::Mutex::new((BTreeMap::<u16, u32>::new(), BTreeMap::new()));
        let failure = valid_requests(&h, &target, op, options, &seen)?;
        let (statuses, undocumented) = seen.into_inner().unwrap_or_default();
        if statuses.keys().all(|&s| s == 599) && !statuses.is_empty() {
            return Err(format!(
                "{} could not be reached: {}",
                report.target,
                failure.unwrap_or_default()
            ));
        }
        report.statuses.insert(op.id.clone(), statuses);
        for (at, n) in undocumented {
            report.undocumented.insert((op.id.clone(), at), n);
        }
        report.outcomes.push(Outcome {
            operation: op.id.clone(),
            check: VALID_REQUESTS,
            cases: options.cases,
            failure,
        });
        let failure = wrong_key(&h, options, op, &mut report)?;
        report.outcomes.push(Outcome {
            operation: op.id.clone(),
            check: WRONG_KEY,
            cases: 1,
            failure,
        });
        if let Some(failure) = invalid_requests(&h, &target, op, options, &mut report) {
            report.outcomes.push(Outcome {
                operation: op.id.clone(),
                check: INVALID_REQUESTS,
                cases: options.cases,
                failure,
            });
        }
    }
    let answered: BTreeSet<u16> = report
        .statuses
        .values()
        .flat_map(|s| s.keys().copied())
        .collect();
    if !answered.is_empty() && answered.iter().all(|&s| s == 401) {
        return Err(format!(
            "every request to {} was refused with 401: check the api_key",
            report.target
        ));
    }
    Ok(report)
}

type Seen = std::sync::Mutex<(BTreeMap<u16, u32>, BTreeMap<String, u32>)>;

/// Generated valid requests of `op`: each must hold the spec, and its answer must be one the
/// operation may give, decoding and round-tripping through the SDK.
fn valid_requests(
    h: &Harness,
    target: &UpstreamTarget,
    op: &Operation,
    options: &Options,
    seen: &Seen,
) -> Result<Option<String>, String> {
    let success = op
        .success()
        .ok_or_else(|| format!("{} documents no success response", op.id))?;
    let body = body_strategy(&h.spec.json, &success.schema)?;
    let status = success.status.examples().first().copied().unwrap_or(200);
    let strategy = (anchored_params(op, Vec::new()), body);
    let result = runner(options).run(&strategy, |(params, body)| {
        let x = h
            .exchange(target, op, &params, Answer::json(status, &body.0))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut problems = Vec::new();
        match x.requests.as_slice() {
            [request] => problems.extend(request_problems(&h.spec, op, request, &params)),
            other => problems.push(format!(
                "a valid parameter set must be sent exactly once, it was sent {} times",
                other.len()
            )),
        }
        if let Some(answer) = &x.answer {
            if let Ok(mut seen) = seen.lock() {
                *seen.0.entry(answer.status).or_default() += 1;
                for at in undocumented_properties(&h.spec, op, answer) {
                    *seen.1.entry(at).or_default() += 1;
                }
            }
            problems.extend(response_problems(&h.spec, op, answer, &x.dispatched));
            if let [request] = x.requests.as_slice() {
                problems.extend(valid_request_answer_problems(op, request, answer));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(report(op, &problems, &x)))
        }
    });
    Ok(match result {
        Ok(()) => None,
        Err(TestError::Fail(why, _)) => Some(why.to_string()),
        Err(TestError::Abort(why)) => Some(format!("aborted: {why}")),
    })
}

/// One valid request of `op` with a wrong api_key: 401, a body its spec documents, the SDK's
/// API error.
fn wrong_key(
    h: &Harness,
    options: &Options,
    op: &Operation,
    report: &mut Report,
) -> Result<Option<String>, String> {
    let wrong = UpstreamTarget::new(
        "target",
        &options.base_url,
        "cake-contract-wrong-key",
        false,
    );
    let params = anchored_params(op, Vec::new())
        .new_tree(&mut runner(options))
        .map_err(|e| e.to_string())?
        .current();
    let x = h
        .exchange(
            &wrong,
            op,
            &params,
            Answer::json(200, &serde_json::json!({})),
        )
        .map_err(|e| e.to_string())?;
    let Some(answer) = &x.answer else {
        return Ok(Some("nothing was sent".into()));
    };
    *report
        .statuses
        .entry(op.id.clone())
        .or_default()
        .entry(answer.status)
        .or_default() += 1;
    let mut problems = Vec::new();
    if answer.status != 401 {
        problems.push(format!(
            "a wrong api_key must get 401, got {}",
            answer.status
        ));
    }
    problems.extend(response_problems(&h.spec, op, answer, &x.dispatched));
    Ok((!problems.is_empty()).then(|| crate::harness::report(op, &problems, &x)))
}

/// Generated invalid requests of `op` (one breached parameter each), sent raw since the SDK
/// refuses them: each must get a 4xx its operation documents, with the `Failure` envelope naming
/// the breached parameter. `None` when the spec lets `op` take no invalid set.
fn invalid_requests(
    h: &Harness,
    target: &UpstreamTarget,
    op: &Operation,
    options: &Options,
    report: &mut Report,
) -> Option<Option<String>> {
    let cases = invalid_cases(std::slice::from_ref(op))?;
    let seen = std::sync::Mutex::new(BTreeMap::<u16, u32>::new());
    let result = runner(options).run(&cases, |case| {
        let request = raw_request(&h.spec, op, &case.params, Some(SUITE_API_KEY));
        let answer = h
            .block_on(target.answer(&request, Answer::json(200, &serde_json::Value::Null)))
            .map_err(TestCaseError::fail)?;
        if let Ok(mut seen) = seen.lock() {
            *seen.entry(answer.status).or_default() += 1;
        }
        let problems = invalid_request_problems(&h.spec, op, &case, &answer);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(describe(
                op, &request, &answer, &problems,
            )))
        }
    });
    let statuses = report.statuses.entry(op.id.clone()).or_default();
    for (status, n) in seen.into_inner().unwrap_or_default() {
        *statuses.entry(status).or_default() += n;
    }
    Some(match result {
        Ok(()) => None,
        Err(TestError::Fail(why, _)) => Some(why.to_string()),
        Err(TestError::Abort(why)) => Some(format!("aborted: {why}")),
    })
}

/// A proptest runner with the run's cases and seed (no failure files: the report has them).
fn runner(options: &Options) -> TestRunner {
    let config = Config {
        cases: options.cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&options.seed.to_le_bytes());
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

impl Report {
    /// How many checks failed.
    pub fn failures(&self) -> usize {
        self.outcomes.iter().filter(|o| o.failure.is_some()).count()
    }

    /// Per operation sent, the documented statuses it answered with, and those it did not.
    pub fn coverage(&self) -> Vec<(String, Vec<String>, Vec<String>)> {
        let mut rows = Vec::new();
        for (op, statuses) in &self.statuses {
            let documented = self.documented.get(op).cloned().unwrap_or_default();
            let (seen, unseen): (Vec<Status>, Vec<Status>) = documented
                .into_iter()
                .partition(|d| statuses.keys().any(|&s| d.covers(s)));
            let text = |v: Vec<Status>| v.iter().map(Status::to_string).collect();
            rows.push((op.clone(), text(seen), text(unseen)));
        }
        rows
    }

    /// A screen's summary: each check, the coverage, what the spec does not name.
    pub fn summary(&self) -> String {
        let mut out = format!("cake-contract against {}\n", self.target);
        for o in &self.outcomes {
            let result = if o.failure.is_some() { "FAILED" } else { "ok" };
            out.push_str(&format!(
                "  {:<24} {:<16} {:>4} cases  {result}\n",
                o.operation, o.check, o.cases
            ));
        }
        for op in &self.skipped {
            out.push_str(&format!(
                "  {op:<24} not sent: it creates data (--allow-writes sends it)\n"
            ));
        }
        out.push_str("documented statuses answered:\n");
        for (op, seen, unseen) in self.coverage() {
            out.push_str(&format!(
                "  {op:<24} {}/{} seen: {}{}\n",
                seen.len(),
                seen.len() + unseen.len(),
                seen.join(" "),
                if unseen.is_empty() {
                    String::new()
                } else {
                    format!("; not seen: {}", unseen.join(" "))
                }
            ));
        }
        if !self.undocumented.is_empty() {
            out.push_str("properties the spec's schemas do not name (information):\n");
            for ((op, at), n) in &self.undocumented {
                out.push_str(&format!("  {op} {at} ({n} answers)\n"));
            }
        }
        for o in self.outcomes.iter().filter(|o| o.failure.is_some()) {
            out.push_str(&format!(
                "\n{} / {}:\n{}\n",
                o.operation,
                o.check,
                o.failure.as_deref().unwrap_or_default()
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
    /// in it.
    pub fn junit(&self) -> String {
        let mut by_op: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
        for o in &self.outcomes {
            by_op.entry(&o.operation).or_default().push(o);
        }
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cake-contract\" tests=\"{}\" failures=\"{}\">\n",
            self.outcomes.len(),
            self.failures()
        );
        for (op, outcomes) in by_op {
            let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
            out.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">\n",
                xml(op),
                outcomes.len()
            ));
            for o in outcomes {
                out.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\">",
                    xml(op),
                    xml(o.check)
                ));
                if let Some(why) = &o.failure {
                    let first = why
                        .lines()
                        .nth(1)
                        .unwrap_or(why)
                        .trim()
                        .trim_start_matches("- ");
                    out.push_str(&format!(
                        "\n      <failure message=\"{}\">{}</failure>\n    ",
                        xml(first),
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
            "### cake-contract: {} checks, {} failed\n\n| operation | check | cases | result |\n|---|---|---:|---|\n",
            self.outcomes.len(),
            self.failures()
        );
        for o in &self.outcomes {
            let result = if o.failure.is_some() {
                "**failed**"
            } else {
                "ok"
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {result} |\n",
                o.operation, o.check, o.cases
            ));
        }
        out.push_str(
            "\n| operation | documented statuses answered | not answered |\n|---|---|---|\n",
        );
        for (op, seen, unseen) in self.coverage() {
            out.push_str(&format!(
                "| `{op}` | {} | {} |\n",
                seen.join(" "),
                unseen.join(" ")
            ));
        }
        out
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
