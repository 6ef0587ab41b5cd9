//! `cake-contract`: the suite's checks run against a server named on the command line (a CAKE
//! instance, a team's own stub of CAKE, or `cake serve`), with a result per operation and
//! check, what the run covered of the contract, and reports for CI (JUnit XML, Markdown, JSON,
//! and a replayable file per failure).
//!
//! The checks ([`case`]) are the suite's own (`harness`, `refusal`): every generated valid
//! request holds the spec, its answer is one the operation may give and round-trips through the
//! SDK; every generated invalid request (sent raw) gets a documented 4xx naming the breached
//! parameter; a wrong api_key gets 401; with `--sim-faults` (the target is `cake serve`), the
//! statuses no request can provoke (429, 5XX) are scripted through the simulator's set-up API
//! and must come back as documented; with `--allow-writes`, the Record Conversion sequence
//! ([`writes`]).
//!
//! What is not a contract failure is said apart: a server that cannot be reached, or that
//! refuses every request (a wrong key) or fails every one (5xx), is a problem of the run, not a
//! thousand failures. Nothing here prints or writes the api_key: requests and bodies are kept
//! with it redacted.

pub mod case;
pub mod coverage;
pub mod output;
pub mod replay;
pub mod writes;

use std::{cell::RefCell, collections::BTreeMap, time::Instant};

use cake_client::query::RecordConversionQuery;
use cake_sim::{Fault, FaultPlan, FaultRule};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner},
};

pub use case::{
    run_case, Case, Finding, INVALID_REQUESTS, SCRIPTED_FAULTS, VALID_REQUESTS, WRITES, WRONG_KEY,
};
pub use coverage::{Coverage, Tally, Unreachable};

use crate::{
    harness::Harness,
    ops::{Operation, Status},
    params::{anchored_params, invalid_cases},
    target::{Answer, CapturedRequest, Target, UpstreamTarget},
};

/// What to run against, and how.
#[derive(Clone, Default)]
pub struct Options {
    /// The server's base URL (scheme, host and any path prefix).
    pub base_url: String,
    /// The api_key it takes.
    pub api_key: String,
    /// Whether operations that create data (Record Conversion) may be sent.
    pub allow_writes: bool,
    /// Generated cases per operation and check.
    pub cases: u32,
    /// The seed of the generated requests (the same seed sends the same requests).
    pub seed: u64,
    /// The target is a cake-sim: script its faults (`/_sim/faults`) so that the statuses no
    /// request can provoke are seen.
    pub sim_faults: bool,
    /// Properties the schemas do not name fail the answer (else they are information).
    pub strict_fields: bool,
    /// Stop generating new cases after this long (the cases under way finish).
    pub time_budget: Option<std::time::Duration>,
    /// Fail the run unless every documented status of every operation was seen or is listed in
    /// `unreachable`.
    pub require_statuses: bool,
    /// Statuses this target cannot be made to answer, with the reason.
    pub unreachable: Vec<Unreachable>,
    /// Fail the run when less of the contract than this (percent) was covered.
    pub min_coverage: Option<f64>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("base_url", &self.base_url)
            .field(cake_client::secret::API_KEY_PARAM, &"<redacted>")
            .field("allow_writes", &self.allow_writes)
            .field("cases", &self.cases)
            .field("seed", &self.seed)
            .field("sim_faults", &self.sim_faults)
            .field("strict_fields", &self.strict_fields)
            .field("time_budget", &self.time_budget)
            .field("require_statuses", &self.require_statuses)
            .field("unreachable", &self.unreachable)
            .field("min_coverage", &self.min_coverage)
            .finish()
    }
}

/// Why a check failed: its message, and the case that failed (after shrinking: the smallest
/// found) with the target's own exchanges, which `replay` sends again.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The problems and the exchanges, as text.
    pub message: String,
    /// The failing case and what came back; `None` for a coverage gate.
    pub finding: Option<Finding>,
}

/// One check of one operation (or of the run's coverage: operation `coverage`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The operationId.
    pub operation: String,
    /// The check's name.
    pub check: &'static str,
    /// How many cases were sent (shrinking included).
    pub cases: u32,
    /// Why it failed, or `None` when it held.
    pub failure: Option<Failure>,
    /// Why it could not be judged on this target (nothing to convert), when so.
    pub not_run: Option<String>,
}

/// The operation name of the coverage gates' outcomes.
pub const COVERAGE: &str = "coverage";
/// The check of `--require-statuses`.
pub const STATUSES_GATE: &str = "documented statuses seen";
/// The check of `--min-coverage`.
pub const MIN_COVERAGE_GATE: &str = "minimum coverage";

/// A run's results.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The target, as named in messages (its URL; never the key).
    pub target: String,
    /// The seed of the run.
    pub seed: u64,
    /// Every check of every operation sent.
    pub outcomes: Vec<Outcome>,
    /// What the run sent and got, counted.
    pub tally: Tally,
    /// What it covered of the contract.
    pub coverage: Coverage,
    /// Operations not sent (they create data and writes were not allowed).
    pub skipped: Vec<String>,
    /// Whether the time budget ran out before every case was sent.
    pub out_of_time: bool,
}

/// What every case of a run is sent with.
pub struct Context {
    /// The harness (runtime, httpmock, SDK client, spec).
    pub h: Harness,
    /// The target, with the run's key.
    pub target: UpstreamTarget,
    /// Its base URL.
    pub base_url: String,
    api_key: cake_client::secret::ApiKey,
    /// Whether undocumented properties fail an answer.
    pub strict_fields: bool,
    http: reqwest::Client,
}

impl Context {
    /// A context for `options` (writes as they allow).
    pub fn new(options: &Options) -> Result<Context, String> {
        Ok(Context {
            h: Harness::new()?,
            target: UpstreamTarget::new(
                "target",
                &options.base_url,
                &options.api_key,
                options.allow_writes,
            ),
            base_url: options.base_url.trim_end_matches('/').to_string(),
            api_key: options.api_key.as_str().into(),
            strict_fields: options.strict_fields,
            http: reqwest::Client::new(),
        })
    }

    /// `text` with the api_key redacted wherever it shows as a value, raw or percent-encoded (the
    /// SDK's own redaction, which leaves ordinary words alone when the key is short).
    pub fn redact(&self, text: &str) -> String {
        cake_client::secret::redact_text(text, &self.api_key)
    }

    /// The answer of `target` to a raw `request` (599 when none came).
    fn raw(&self, target: &dyn Target, request: &CapturedRequest) -> Answer {
        self.h
            .block_on(target.answer(request, case::placeholder()))
            .unwrap_or_else(|e| case::no_answer(target, &e))
    }

    /// The simulator's set-up API: `method` on its faults route, with `body` as JSON.
    fn faults(&self, method: reqwest::Method, body: Option<&FaultPlan>) -> Result<(), String> {
        // cake-sim's set-up route (crates/cake-sim/sim-api.yaml), not an operation of CAKE's.
        let route = "/_sim/faults";
        let mut url = url::Url::parse(&format!("{}{route}", self.base_url))
            .map_err(|e| format!("{}: not a URL: {e}", self.base_url))?;
        url.query_pairs_mut()
            .append_pair(cake_client::secret::API_KEY_PARAM, self.api_key.expose());
        let mut request = self.http.request(method.clone(), url);
        if let Some(plan) = body {
            request = request.json(plan);
        }
        let status = self
            .h
            .block_on(request.send())
            .map_err(|e| format!("{method} {route}: {}", e.without_url()))?
            .status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!(
                "{method} {route} answered {status}: --sim-faults needs a cake-sim target (`cake serve`) and its api_key"
            ))
        }
    }

    /// Scripts `status` as the answer to the next request of `op`.
    fn script_fault(&self, op: &Operation, status: u16) -> Result<(), String> {
        let plan = FaultPlan {
            seed: 0,
            rules: vec![FaultRule {
                operation: Some(op.id.clone()),
                fault: Fault::Status {
                    status,
                    retry_after_seconds: (status == 429).then_some(1),
                },
                after: 0,
                times: Some(1),
                probability: None,
            }],
        };
        self.faults(reqwest::Method::PUT, Some(&plan))
    }

    /// No scripted faults any more.
    fn clear_faults(&self) -> Result<(), String> {
        self.faults(reqwest::Method::DELETE, None)
    }
}

/// Runs every check against `options.base_url`; `Err` when the run itself cannot be made (the
/// spec unreadable, the server unreachable, every request refused or failed), which is not a
/// finding about the contract.
pub fn run(options: &Options) -> Result<Report, String> {
    let ctx = Context::new(options)?;
    let deadline = options.time_budget.map(|b| Instant::now() + b);
    let mut report = Report {
        target: ctx.target.name(),
        seed: options.seed,
        ..Report::default()
    };
    let tally = RefCell::new(Tally::default());
    let mut sweep = Sweep {
        ctx: &ctx,
        options,
        deadline,
        tally: &tally,
        out_of_time: false,
    };
    for op in &ctx.h.spec.operations {
        if op.creates_data && !options.allow_writes {
            report.skipped.push(op.id.clone());
            continue;
        }
        let valid = sweep.property(op, VALID_REQUESTS, anchored_params(op, Vec::new()), |set| {
            Case::ValidRequest {
                params: case::texts(set),
            }
        })?;
        let unreachable = tally
            .borrow()
            .statuses
            .get(&op.id)
            .is_some_and(|s| !s.is_empty() && s.keys().all(|&c| c == 599));
        if unreachable {
            let why = valid.failure.map(|f| f.message).unwrap_or_default();
            return Err(format!("{} could not be reached: {why}", report.target));
        }
        report.outcomes.push(valid);
        let params = anchored_params(op, Vec::new())
            .new_tree(&mut runner(options))
            .map_err(|e| e.to_string())?
            .current();
        let params = case::texts(&params);
        report.outcomes.push(sweep.single(
            op,
            &[Case::WrongKey {
                params: params.clone(),
            }],
        )?);
        if let Some(cases) = invalid_cases(std::slice::from_ref(op)) {
            report
                .outcomes
                .push(
                    sweep.property(op, INVALID_REQUESTS, cases, |c| Case::InvalidRequest {
                        params: case::texts(&c.params),
                        breach: format!("{:?}", c.breach),
                        blamable: c.breach.blamable().into_iter().map(String::from).collect(),
                    })?,
                );
        }
        if options.sim_faults {
            let cases: Vec<Case> = scriptable(op)
                .into_iter()
                .map(|status| Case::ScriptedFault {
                    params: params.clone(),
                    status,
                })
                .collect();
            if !cases.is_empty() {
                report.outcomes.push(sweep.single(op, &cases)?);
            }
        }
    }
    if options.allow_writes {
        if let Some(record) = ctx.h.spec.operation(RecordConversionQuery::OPERATION_ID) {
            let unique_id = format!(
                "cake-contract-{}-{}",
                options.seed,
                chrono::Utc::now().format("%Y%m%d%H%M%S%6f")
            );
            report.outcomes.push(sweep.single(
                record,
                &[Case::Writes {
                    unique_id,
                    click: None,
                }],
            )?);
        }
    }
    report.out_of_time = sweep.out_of_time;
    report.tally = tally.into_inner();
    refused_or_failing(&report)?;
    report.coverage = Coverage::of(
        &ctx.h.spec,
        &report.tally,
        &report.skipped,
        &options.unreachable,
    );
    report.outcomes.extend(report.coverage.gates(options));
    Ok(report)
}

/// `Err` when every valid request was refused with 401 (the key) or failed with a 5xx (the
/// server): the run says nothing of the contract then.
fn refused_or_failing(report: &Report) -> Result<(), String> {
    let answered = &report.tally.valid_statuses;
    if answered.is_empty() {
        return Ok(());
    }
    if answered.keys().all(|&s| s == 401) {
        return Err(format!(
            "every request to {} was refused with 401: check the api_key",
            report.target
        ));
    }
    if answered.keys().all(|&s| s >= 500) {
        let statuses: Vec<String> = answered.keys().map(u16::to_string).collect();
        return Err(format!(
            "every valid request to {} failed with a server error ({}): the server is down or failing, so the run says nothing of the contract",
            report.target,
            statuses.join(", ")
        ));
    }
    Ok(())
}

/// The statuses of `op` that no request can provoke from a working server (a documented failure
/// that is not a refusal of the request or of the key, and not one the operation documents
/// itself): the ones `--sim-faults` scripts, by the first code each stands for.
pub fn scriptable(op: &Operation) -> Vec<u16> {
    op.responses
        .iter()
        .filter(|r| !r.status.is_success() && !r.own)
        .filter(|r| !matches!(r.status, Status::Code(400) | Status::Code(401)))
        .filter_map(|r| r.status.examples().first().copied())
        .collect()
}

/// The checks of one run: the context, the options, and what was seen so far.
struct Sweep<'a> {
    ctx: &'a Context,
    options: &'a Options,
    deadline: Option<Instant>,
    tally: &'a RefCell<Tally>,
    out_of_time: bool,
}

impl Sweep<'_> {
    fn late(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// A generated check: each value of `strategy` made a case by `to_case`, sent and judged;
    /// the smallest failing case kept.
    fn property<S>(
        &mut self,
        op: &Operation,
        check: &'static str,
        strategy: S,
        to_case: impl Fn(&S::Value) -> Case,
    ) -> Result<Outcome, String>
    where
        S: Strategy,
        S::Value: std::fmt::Debug,
    {
        let sent = RefCell::new(0u32);
        let last = RefCell::new(None::<Finding>);
        let fatal = RefCell::new(None::<String>);
        let skipped = RefCell::new(false);
        let result = runner(self.options).run(&strategy, |value| {
            if fatal.borrow().is_some() {
                return Ok(());
            }
            if self.late() {
                *skipped.borrow_mut() = true;
                return Ok(());
            }
            let case = to_case(&value);
            let finding = match run_case(self.ctx, op, &case) {
                Ok(f) => f,
                Err(e) => {
                    *fatal.borrow_mut() = Some(e);
                    return Ok(());
                }
            };
            *sent.borrow_mut() += 1;
            self.tally.borrow_mut().record(op, &finding);
            if finding.problems.is_empty() {
                Ok(())
            } else {
                let message = finding.message();
                *last.borrow_mut() = Some(finding);
                Err(TestCaseError::fail(message))
            }
        });
        if let Some(e) = fatal.into_inner() {
            return Err(e);
        }
        self.out_of_time |= skipped.into_inner();
        let failure = match result {
            Ok(()) => None,
            Err(TestError::Fail(why, value)) => {
                // The smallest failing value is the last one that failed, as a rule; when the
                // shrinker settled elsewhere, that value is sent once more to have its exchanges.
                let smallest = to_case(&value);
                let finding = match last.into_inner() {
                    Some(f) if f.case == smallest => Some(f),
                    other => match run_case(self.ctx, op, &smallest) {
                        Ok(f) if !f.problems.is_empty() => {
                            self.tally.borrow_mut().record(op, &f);
                            Some(f)
                        }
                        _ => other,
                    },
                };
                Some(Failure {
                    message: finding
                        .as_ref()
                        .map(Finding::message)
                        .unwrap_or_else(|| why.to_string()),
                    finding,
                })
            }
            Err(TestError::Abort(why)) => Some(Failure {
                message: format!("aborted: {why}"),
                finding: None,
            }),
        };
        Ok(Outcome {
            operation: op.id.clone(),
            check,
            cases: sent.into_inner(),
            failure,
            not_run: None,
        })
    }

    /// A check of given cases (one check), each sent once; the first failing one kept.
    fn single(&mut self, op: &Operation, cases: &[Case]) -> Result<Outcome, String> {
        let mut outcome = Outcome {
            operation: op.id.clone(),
            check: cases.first().map(Case::check).unwrap_or(VALID_REQUESTS),
            cases: 0,
            failure: None,
            not_run: None,
        };
        for case in cases {
            if self.late() {
                self.out_of_time = true;
                break;
            }
            let finding = run_case(self.ctx, op, case)?;
            outcome.cases += 1;
            self.tally.borrow_mut().record(op, &finding);
            if finding.not_run.is_some() {
                outcome.not_run = finding.not_run.clone();
            } else if !finding.problems.is_empty() && outcome.failure.is_none() {
                outcome.failure = Some(Failure {
                    message: finding.message(),
                    finding: Some(finding),
                });
            }
        }
        Ok(outcome)
    }
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

    /// Per operation sent, the statuses it answered and how often.
    pub fn statuses(&self) -> &BTreeMap<String, BTreeMap<u16, u32>> {
        &self.tally.statuses
    }
}
