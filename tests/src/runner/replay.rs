//! Replay: every failing check of a run is written as a self-contained file (the case, the
//! target's own exchanges in order, the problems, the seed; the api_key redacted), and
//! `cake-contract replay FILE --base-url URL` sends that case again, compares the requests it
//! sends with those recorded, and runs the same check: a failure from a nightly run can be
//! re-run by hand and attached to a bug report.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    case::{run_case, Case, Exchanged, Finding},
    Context, Options, Outcome, Report,
};

/// What a failure file says it is (and which version of it).
pub const FORMAT: &str = "cake-contract failure 1";

/// A failing check's case, as written under `--report DIR/failures/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureFile {
    /// [`FORMAT`].
    pub format: String,
    /// The API version of the spec the runner was built from (`info.version`).
    pub spec_version: String,
    /// The target it failed against (its URL).
    pub target: String,
    /// The operationId.
    pub operation: String,
    /// The check.
    pub check: String,
    /// The run's seed.
    pub seed: u64,
    /// The problems found.
    pub problems: Vec<String>,
    /// The case: what replay sends again.
    pub case: Case,
    /// The exchanges, in order, as they happened.
    pub exchanges: Vec<Exchanged>,
    /// What the SDK made of the last answer, when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk: Option<String>,
}

impl FailureFile {
    /// The file of `outcome`'s failure, when it failed on a case (a coverage gate has none).
    pub fn of(report: &Report, outcome: &Outcome) -> Option<FailureFile> {
        let finding = outcome.failure.as_ref()?.finding.as_ref()?;
        Some(FailureFile {
            format: FORMAT.into(),
            spec_version: cake_client::spec::API_VERSION.into(),
            target: report.target.clone(),
            operation: outcome.operation.clone(),
            check: outcome.check.into(),
            seed: report.seed,
            problems: finding.problems.clone(),
            case: finding.case.clone(),
            exchanges: finding.exchanges.clone(),
            sdk: finding.sdk.clone(),
        })
    }

    /// As pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a failure file.
    pub fn read(path: &Path) -> Result<FailureFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: FailureFile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a cake-contract failure file: {e}", path.display()))?;
        if file.format != FORMAT {
            return Err(format!(
                "{}: format {:?}, this cake-contract reads {FORMAT:?}",
                path.display(),
                file.format
            ));
        }
        Ok(file)
    }
}

/// What a replay found.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The case sent again, judged by the same check.
    pub finding: Finding,
    /// Where the requests sent differ from those recorded (a different target's data, or a
    /// spec or SDK changed since), when they do.
    pub differences: Vec<String>,
}

impl Replayed {
    /// Whether the check fails again.
    pub fn reproduced(&self) -> bool {
        !self.finding.problems.is_empty()
    }

    /// What to print.
    pub fn summary(&self, file: &FailureFile, target: &str) -> String {
        let mut out = format!(
            "replayed {} / {} (seed {}) against {target}: {} request(s) sent\n",
            file.operation,
            file.check,
            file.seed,
            self.finding.exchanges.len()
        );
        if self.differences.is_empty() {
            out.push_str("the requests sent are the ones recorded\n");
        } else {
            out.push_str("the requests sent differ from the ones recorded:\n");
            for d in &self.differences {
                out.push_str(&format!("  - {d}\n"));
            }
        }
        if let Some(why) = &self.finding.not_run {
            out.push_str(&format!("not run: {why}\n"));
        } else if self.reproduced() {
            out.push_str(&format!("reproduced:\n{}\n", self.finding.message()));
        } else {
            out.push_str("the check passes now\n");
        }
        out
    }
}

/// Sends `file`'s case again to `options.base_url` and runs its check. `Err` when it cannot be
/// sent (an operation the spec no longer has, a write without `allow_writes`, no answer).
pub fn replay(file: &FailureFile, options: &Options) -> Result<Replayed, String> {
    let ctx = Context::new(options)?;
    let op = ctx.h.spec.operation(&file.operation).ok_or_else(|| {
        format!(
            "the spec this cake-contract was built from has no operation {}",
            file.operation
        )
    })?;
    if file.case.creates_data(op) && !options.allow_writes {
        return Err(format!(
            "this case sends {}, which creates data: add --allow-writes to replay it",
            op.id
        ));
    }
    let finding = run_case(&ctx, op, &file.case)?;
    if let Some(x) = finding.exchanges.iter().find(|x| x.status == 599) {
        return Err(format!("{} could not be reached: {}", ctx.base_url, x.body));
    }
    let mut differences = Vec::new();
    let recorded: Vec<&str> = file.exchanges.iter().map(|x| x.request.as_str()).collect();
    let sent: Vec<&str> = finding
        .exchanges
        .iter()
        .map(|x| x.request.as_str())
        .collect();
    for (i, pair) in recorded.iter().zip(&sent).enumerate() {
        if pair.0 != pair.1 {
            differences.push(format!(
                "request {}: recorded {}, sent {}",
                i + 1,
                pair.0,
                pair.1
            ));
        }
    }
    if recorded.len() != sent.len() {
        differences.push(format!(
            "{} request(s) recorded, {} sent",
            recorded.len(),
            sent.len()
        ));
    }
    Ok(Replayed {
        finding,
        differences,
    })
}
