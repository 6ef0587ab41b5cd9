//! Scripted faults ([`FaultPlan`]): rules that make the simulator answer a request late, with
//! an injected status, or not at all after doing its work, reproducibly from a seed. Data and
//! decisions only: the simulator's call path asks [`Faults::decide`] before each request.

use serde::{Deserialize, Serialize};

/// Scripted faults: rules tried in order for each request to one of CAKE's operations; the first
/// rule that applies decides. Reproducible: the same plan (same `seed`) given the same requests
/// makes the same decisions.
///
/// As a file (`cake serve --faults FILE`, YAML or JSON) or a body (`PUT /_sim/faults`):
///
/// ```yaml
/// seed: 7
/// rules:
///   - operation: record_conversion            # an operationId; absent: every operation
///     fault: {type: commit_then_drop}          # record it, then drop the connection unanswered
///     times: 1                                 # the first matching request only
///   - operation: get_offer_report
///     fault: {type: status, status: 429, retry_after_seconds: 1}
///     after: 2                                 # let two through first
///     times: 3
///   - fault: {type: latency, ms: 250}
///     probability: 0.1                         # one request in ten, drawn from the seed
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Seeds the draws of rules with a `probability`.
    #[serde(default)]
    pub seed: u64,
    /// The rules, tried in order.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// One rule of a [`FaultPlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The operationId it applies to; every operation when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// What happens.
    pub fault: Fault,
    /// How many matching requests pass untouched before it applies (default 0).
    #[serde(default)]
    pub after: u32,
    /// How many times it applies, then never again; every time when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// The chance (0 to 1) that it applies to a request it could apply to, drawn from the plan's
    /// seed; always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// A fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this status and the Failure envelope, before any work (nothing is recorded):
    /// 429 with `retry_after_seconds`, or a 5xx.
    Status {
        /// The HTTP status, 400 to 599.
        status: u16,
        /// A `Retry-After` header, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u32>,
    },
    /// Wait this long, then answer as usual.
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Do the work (Record Conversion records the conversion), then close the connection
    /// without an answer: the client cannot know whether it was done.
    CommitThenDrop,
}

/// Why a plan cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// Where, e.g. `rules[1].operation`.
    pub at: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl FaultPlan {
    /// The plan, or the first rule that cannot work: an operationId the spec does not have, a
    /// status outside 400..=599, a probability outside 0..=1.
    pub fn validate(&self) -> Result<(), PlanError> {
        for (i, rule) in self.rules.iter().enumerate() {
            let at = |field: &str| format!("rules[{i}].{field}");
            if let Some(op) = &rule.operation {
                if cake_client::spec::operation(op).is_none() {
                    let known: Vec<&str> = cake_client::spec::operations()
                        .iter()
                        .map(|o| o.id)
                        .collect();
                    return Err(PlanError {
                        at: at("operation"),
                        message: format!(
                            "expected an operationId of the spec ({}), got {op:?}",
                            known.join(", ")
                        ),
                    });
                }
            }
            if let Fault::Status { status, .. } = rule.fault {
                if !(400..=599).contains(&status) {
                    return Err(PlanError {
                        at: at("fault.status"),
                        message: format!(
                            "expected an HTTP error status from 400 to 599, got {status}"
                        ),
                    });
                }
            }
            if let Some(p) = rule.probability {
                if !(0.0..=1.0).contains(&p) {
                    return Err(PlanError {
                        at: at("probability"),
                        message: format!("expected a chance from 0 to 1, got {p}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads a plan file's text (YAML or JSON) and validates it.
    pub fn from_text(text: &str) -> Result<Self, String> {
        let plan: Self = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        plan.validate().map_err(|e| e.to_string())?;
        Ok(plan)
    }
}

/// A plan in force: the rules with how often each has matched and applied, and the draws.
#[derive(Debug, Default)]
pub struct Faults {
    plan: FaultPlan,
    matched: Vec<u32>,
    applied: Vec<u32>,
    rng: Option<Rng>,
}

/// What the faults say about one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// Answer with this status (and `Retry-After`) instead, doing nothing.
    pub status: Option<(u16, Option<u32>)>,
    /// Wait this long first.
    pub latency_ms: u64,
    /// Do the work, then drop the connection.
    pub drop_after_commit: bool,
}

impl Faults {
    /// A plan in force from now (counts start at zero).
    pub fn new(plan: FaultPlan) -> Self {
        let n = plan.rules.len();
        Self {
            rng: Some(Rng(plan.seed)),
            plan,
            matched: vec![0; n],
            applied: vec![0; n],
        }
    }

    /// The plan.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Appends a rule (counted from now).
    pub fn push(&mut self, rule: FaultRule) {
        self.plan.rules.push(rule);
        self.matched.push(0);
        self.applied.push(0);
    }

    /// The decision for a request to `operation_id`: the first rule that applies.
    pub fn decide(&mut self, operation_id: &str) -> Decision {
        let rng = self.rng.get_or_insert(Rng(self.plan.seed));
        for (i, rule) in self.plan.rules.iter().enumerate() {
            if rule
                .operation
                .as_deref()
                .is_some_and(|op| op != operation_id)
            {
                continue;
            }
            self.matched[i] += 1;
            if self.matched[i] <= rule.after {
                continue;
            }
            if rule.times.is_some_and(|t| self.applied[i] >= t) {
                continue;
            }
            if let Some(p) = rule.probability {
                if rng.next_f64() >= p {
                    continue;
                }
            }
            self.applied[i] += 1;
            return match rule.fault {
                Fault::Status {
                    status,
                    retry_after_seconds,
                } => Decision {
                    status: Some((status, retry_after_seconds)),
                    ..Decision::default()
                },
                Fault::Latency { ms } => Decision {
                    latency_ms: ms,
                    ..Decision::default()
                },
                Fault::CommitThenDrop => Decision {
                    drop_after_commit: true,
                    ..Decision::default()
                },
            };
        }
        Decision::default()
    }
}

/// A small seeded generator (splitmix64): reproducible draws without a dependency.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(op: Option<&str>, fault: Fault) -> FaultRule {
        FaultRule {
            operation: op.map(str::to_string),
            fault,
            after: 0,
            times: None,
            probability: None,
        }
    }

    #[test]
    fn after_and_times_count_matching_requests_only() {
        let mut r = rule(
            Some("get_click"),
            Fault::Status {
                status: 503,
                retry_after_seconds: None,
            },
        );
        r.after = 1;
        r.times = Some(2);
        let mut faults = Faults::new(FaultPlan {
            seed: 0,
            rules: vec![r],
        });
        let got: Vec<bool> = [
            "get_click",
            "get_offer_report",
            "get_click",
            "get_click",
            "get_click",
        ]
        .iter()
        .map(|op| faults.decide(op).status.is_some())
        .collect();
        assert_eq!(got, [false, false, true, true, false]);
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let plan = |seed| FaultPlan {
            seed,
            rules: vec![FaultRule {
                probability: Some(0.3),
                ..rule(None, Fault::Latency { ms: 5 })
            }],
        };
        let draw = |seed| {
            let mut f = Faults::new(plan(seed));
            (0..200)
                .map(|_| f.decide("get_click").latency_ms > 0)
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let hits = draw(7).iter().filter(|h| **h).count();
        assert!((30..=90).contains(&hits), "about 30 % of 200: {hits}");
    }

    #[test]
    fn a_plan_naming_an_unknown_operation_or_a_bad_status_is_refused() {
        let bad_op = FaultPlan::from_text(
            "rules: [{operation: get_clicks, fault: {type: commit_then_drop}}]",
        )
        .unwrap_err();
        assert!(
            bad_op.starts_with("rules[0].operation: expected an operationId"),
            "{bad_op}"
        );
        let bad_status =
            FaultPlan::from_text("rules: [{fault: {type: status, status: 200}}]").unwrap_err();
        assert!(
            bad_status.starts_with("rules[0].fault.status"),
            "{bad_status}"
        );
        let typo =
            FaultPlan::from_text("rules: [{fault: {type: latency, ms: 5}, time: 1}]").unwrap_err();
        assert!(typo.contains("unknown field `time`"), "{typo}");
    }
}
