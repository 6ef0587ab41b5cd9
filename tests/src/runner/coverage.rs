//! What a run covered of the contract, counted from what it sent and got ([`Tally`]) against what
//! the spec documents ([`Coverage`]): per operation, each documented status answered or not
//! (or listed as unreachable on this target, with the reason), each parameter sent in a valid
//! request and breached in an invalid one, each enum value sent; and the gates
//! (`--require-statuses`, `--min-coverage`) that fail a run which covered too little.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{
    ops::{Operation, ParamKind, Spec, Status},
    params::breaches,
};

use super::{
    case::{Case, Finding},
    Failure, Options, Outcome, COVERAGE, MIN_COVERAGE_GATE, STATUSES_GATE,
};

/// What a run sent and got, counted.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Per operation, each status answered and how often (599: no answer).
    pub statuses: BTreeMap<String, BTreeMap<u16, u32>>,
    /// The statuses generated valid requests got, over every operation.
    pub valid_statuses: BTreeMap<u16, u32>,
    /// Per (operation, JSON pointer), how many answers had a property the schemas do not name.
    pub undocumented: BTreeMap<(String, String), u32>,
    /// Per (operation, parameter), how many valid requests carried it.
    pub sent_valid: BTreeMap<(String, String), u32>,
    /// Per (operation, parameter), how many invalid requests breached it.
    pub breached: BTreeMap<(String, String), u32>,
    /// Per (operation, parameter, value), how many valid requests sent that enum value.
    pub enum_values: BTreeMap<(String, String, String), u32>,
}

impl Tally {
    /// Counts what `finding` (a case of `op`) sent and got.
    pub fn record(&mut self, op: &Operation, finding: &Finding) {
        for x in &finding.exchanges {
            *self
                .statuses
                .entry(x.operation.clone())
                .or_default()
                .entry(x.status)
                .or_default() += 1;
            for at in &x.undocumented {
                *self
                    .undocumented
                    .entry((x.operation.clone(), at.clone()))
                    .or_default() += 1;
            }
        }
        let key = |name: &str| (op.id.clone(), name.to_string());
        match &finding.case {
            Case::ValidRequest { params } => {
                for x in &finding.exchanges {
                    *self.valid_statuses.entry(x.status).or_default() += 1;
                }
                for (name, value) in params {
                    *self.sent_valid.entry(key(name)).or_default() += 1;
                    if let Some(ParamKind::Enum(_)) = op.param(name).map(|p| &p.kind) {
                        *self
                            .enum_values
                            .entry((op.id.clone(), name.clone(), value.clone()))
                            .or_default() += 1;
                    }
                }
            }
            Case::InvalidRequest { blamable, .. } => {
                if let Some(name) = blamable.first() {
                    *self.breached.entry(key(name)).or_default() += 1;
                }
            }
            _ => {}
        }
    }
}

/// A status a target cannot be made to answer, and why: `[OPERATION:]STATUS=REASON`, STATUS as
/// the spec writes it (`429`, `5XX`) or `*` for every one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unreachable {
    /// The operation, or every one when `None`.
    pub operation: Option<String>,
    /// The status as the spec writes it, or `*`.
    pub status: String,
    /// Why it cannot be seen on this target.
    pub reason: String,
}

impl std::str::FromStr for Unreachable {
    type Err = String;

    fn from_str(text: &str) -> Result<Unreachable, String> {
        let (what, reason) = text.split_once('=').ok_or_else(|| {
            format!("--unreachable {text:?}: expected [OPERATION:]STATUS=REASON, e.g. 429=\"no rate limit on staging\"")
        })?;
        let (operation, status) = match what.split_once(':') {
            Some((op, status)) => (Some(op.trim().to_string()), status.trim()),
            None => (None, what.trim()),
        };
        let status_ok = status == "*"
            || status.eq_ignore_ascii_case("default")
            || status.parse::<u16>().is_ok_and(|c| (100..600).contains(&c))
            || matches!(status.as_bytes(), [b'1'..=b'5', b'X' | b'x', b'X' | b'x']);
        if !status_ok || reason.trim().is_empty() {
            return Err(format!(
                "--unreachable {text:?}: expected a status as the spec writes it (429, 5XX) or *, and a reason after ="
            ));
        }
        Ok(Unreachable {
            operation,
            status: status.to_uppercase(),
            reason: reason.trim().to_string(),
        })
    }
}

impl Unreachable {
    fn covers(&self, op: &str, status: Status) -> bool {
        self.operation.as_deref().is_none_or(|o| o == op)
            && (self.status == "*" || self.status == status.to_string().to_uppercase())
    }
}

/// One documented status of one operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusSeen {
    /// How many answers had it.
    pub answers: u32,
    /// Why it cannot be seen on this target, when listed so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<String>,
}

/// One parameter of one operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParamSeen {
    /// How many valid requests carried it.
    pub valid: u32,
    /// How many invalid requests breached it; `None` when its schema admits no breach.
    pub invalid: Option<u32>,
    /// Each value of its enum and how many valid requests sent it (empty when not an enum).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub enum_values: BTreeMap<String, u32>,
}

/// One operation's coverage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OperationCoverage {
    /// Whether it was sent at all (an operation that creates data is not, without writes).
    pub sent: bool,
    /// Each documented status (as the spec writes it).
    pub statuses: BTreeMap<String, StatusSeen>,
    /// Statuses answered that the spec does not document, and how often.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub undocumented_statuses: BTreeMap<u16, u32>,
    /// Each parameter.
    pub parameters: BTreeMap<String, ParamSeen>,
}

/// What a run covered of the contract: `coverage.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// Per operation.
    pub operations: BTreeMap<String, OperationCoverage>,
    /// Items covered: statuses seen, parameters sent valid and breached, enum values sent.
    pub covered: usize,
    /// Items there are (a status listed unreachable is not one).
    pub items: usize,
    /// `covered` of `items`, in percent.
    pub percent: f64,
    /// Properties answered that the schemas do not name: "operation pointer" and how often.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub undocumented_properties: BTreeMap<String, u32>,
}

impl Coverage {
    /// The coverage of `tally` against `spec`.
    pub fn of(
        spec: &Spec,
        tally: &Tally,
        skipped: &[String],
        unreachable: &[Unreachable],
    ) -> Coverage {
        let mut c = Coverage::default();
        for op in &spec.operations {
            let answered = tally.statuses.get(&op.id).cloned().unwrap_or_default();
            let mut o = OperationCoverage {
                sent: !skipped.contains(&op.id),
                ..OperationCoverage::default()
            };
            for r in &op.responses {
                let seen = StatusSeen {
                    answers: answered
                        .iter()
                        .filter(|(&s, _)| r.status.covers(s))
                        .map(|(_, n)| n)
                        .sum(),
                    unreachable: unreachable
                        .iter()
                        .find(|u| u.covers(&op.id, r.status))
                        .map(|u| u.reason.clone()),
                };
                if seen.unreachable.is_none() || seen.answers > 0 {
                    c.items += 1;
                    c.covered += usize::from(seen.answers > 0);
                }
                o.statuses.insert(r.status.to_string(), seen);
            }
            o.undocumented_statuses = answered
                .into_iter()
                .filter(|(s, _)| op.response_for(*s).is_none())
                .collect();
            let breachable: BTreeSet<String> =
                breaches(op).iter().map(|b| b.param().to_string()).collect();
            for p in &op.params {
                let key = (op.id.clone(), p.name.clone());
                let mut seen = ParamSeen {
                    valid: tally.sent_valid.get(&key).copied().unwrap_or(0),
                    invalid: breachable
                        .contains(&p.name)
                        .then(|| tally.breached.get(&key).copied().unwrap_or(0)),
                    ..ParamSeen::default()
                };
                if let ParamKind::Enum(values) = &p.kind {
                    for v in values {
                        let n = tally
                            .enum_values
                            .get(&(op.id.clone(), p.name.clone(), v.clone()))
                            .copied()
                            .unwrap_or(0);
                        seen.enum_values.insert(v.clone(), n);
                        c.items += 1;
                        c.covered += usize::from(n > 0);
                    }
                }
                c.items += 1;
                c.covered += usize::from(seen.valid > 0);
                if let Some(n) = seen.invalid {
                    c.items += 1;
                    c.covered += usize::from(n > 0);
                }
                o.parameters.insert(p.name.clone(), seen);
            }
            c.operations.insert(op.id.clone(), o);
        }
        c.percent = if c.items == 0 {
            100.0
        } else {
            c.covered as f64 * 100.0 / c.items as f64
        };
        c.undocumented_properties = tally
            .undocumented
            .iter()
            .map(|((op, at), n)| (format!("{op} {at}"), *n))
            .collect();
        c
    }

    /// Per operation, the documented statuses seen, and those not seen (with the reason when
    /// listed unreachable).
    pub fn statuses(&self) -> Vec<(String, Vec<String>, Vec<String>)> {
        self.operations
            .iter()
            .map(|(op, o)| {
                let mut seen = Vec::new();
                let mut unseen = Vec::new();
                for (status, s) in &o.statuses {
                    match (s.answers, &s.unreachable) {
                        (0, Some(why)) => unseen.push(format!("{status} (unreachable: {why})")),
                        (0, None) => unseen.push(status.clone()),
                        _ => seen.push(status.clone()),
                    }
                }
                (op.clone(), seen, unseen)
            })
            .collect()
    }

    /// The gates `options` ask for, as outcomes of the `coverage` pseudo-operation.
    pub fn gates(&self, options: &Options) -> Vec<Outcome> {
        let mut out = Vec::new();
        let gate = |check: &'static str, failure: Option<String>| Outcome {
            operation: COVERAGE.into(),
            check,
            cases: 1,
            failure: failure.map(|message| Failure {
                message,
                finding: None,
            }),
            not_run: None,
        };
        if options.require_statuses {
            let missing: Vec<String> = self
                .operations
                .iter()
                .flat_map(|(op, o)| {
                    o.statuses
                        .iter()
                        .filter(|(_, s)| s.answers == 0 && s.unreachable.is_none())
                        .map(move |(status, _)| {
                            if o.sent {
                                format!("{op} {status}")
                            } else {
                                format!("{op} {status} (not sent: --allow-writes sends it)")
                            }
                        })
                })
                .collect();
            out.push(gate(
                STATUSES_GATE,
                (!missing.is_empty()).then(|| {
                    format!(
                        "documented statuses never answered (seen nowhere, not listed with --unreachable):\n  - {}",
                        missing.join("\n  - ")
                    )
                }),
            ));
        }
        if let Some(min) = options.min_coverage {
            out.push(gate(
                MIN_COVERAGE_GATE,
                (self.percent < min).then(|| {
                    format!(
                        "covered {:.1}% of the contract ({} of {} items), below --min-coverage {min}",
                        self.percent, self.covered, self.items
                    )
                }),
            ));
        }
        out
    }
}
