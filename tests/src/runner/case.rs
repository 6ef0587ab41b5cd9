//! One case of one check, self-contained: what was sent (a [`Case`], which `replay` sends again)
//! and what came back (a [`Finding`]: each exchange, api_key redacted, and the problems found).
//! [`run_case`] is the one place a check's case is sent and judged, for a run and for a replay.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    harness::{request_problems, response_problems_with, valid_request_answer_problems, Exchange},
    ops::{Operation, Spec},
    params::{ParamSet, ParamValue},
    refusal::blame_problems,
    target::{Answer, CapturedRequest, Target, UpstreamTarget, SUITE_API_KEY},
};

use super::{writes, Context};

/// The name of the check of generated valid requests.
pub const VALID_REQUESTS: &str = "valid requests";
/// The name of the check of a wrong api_key.
pub const WRONG_KEY: &str = "wrong api_key";
/// The name of the check of generated invalid requests.
pub const INVALID_REQUESTS: &str = "invalid requests";
/// The name of the check of the statuses a simulator answers when its faults are scripted.
pub const SCRIPTED_FAULTS: &str = "scripted faults";
/// The name of the Record Conversion sequence (recorded, listed, deduplicated).
pub const WRITES: &str = "record, list, deduplicate";

/// A case of a check: the parameter values as query text (by name), and what the check needs
/// besides. Written into a failure file as is, and read back by `replay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Case {
    /// A valid parameter set, sent through the SDK: the request holds the spec, the answer is one
    /// the operation may give to it, and it round-trips through the SDK.
    ValidRequest {
        /// The parameters.
        params: BTreeMap<String, String>,
    },
    /// A parameter set with one breach, sent raw: a documented 4xx naming one of `blamable`.
    InvalidRequest {
        /// The parameters.
        params: BTreeMap<String, String>,
        /// The breach, in words.
        breach: String,
        /// The parameters a correct refusal may name.
        blamable: Vec<String>,
    },
    /// A valid parameter set sent with a wrong api_key: 401.
    WrongKey {
        /// The parameters.
        params: BTreeMap<String, String>,
    },
    /// A valid parameter set sent while the simulator's set-up API scripts `status` for the
    /// operation's next request: that status, its documented body, the SDK's API error.
    ScriptedFault {
        /// The parameters.
        params: BTreeMap<String, String>,
        /// The status scripted.
        status: u16,
    },
    /// Record Conversion on a click the target holds, with `unique_id`: recorded, listed by Get
    /// Conversions, the same conversion again on a repeat; a click that does not exist is 404,
    /// another offer's click 409.
    Writes {
        /// The deduplication id sent.
        unique_id: String,
        /// The click to convert; `None`: the first one Get Click lists.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        click: Option<writes::Click>,
    },
}

impl Case {
    /// The check's name.
    pub fn check(&self) -> &'static str {
        match self {
            Case::ValidRequest { .. } => VALID_REQUESTS,
            Case::InvalidRequest { .. } => INVALID_REQUESTS,
            Case::WrongKey { .. } => WRONG_KEY,
            Case::ScriptedFault { .. } => SCRIPTED_FAULTS,
            Case::Writes { .. } => WRITES,
        }
    }

    /// Whether it sends an operation that creates data.
    pub fn creates_data(&self, op: &Operation) -> bool {
        op.creates_data || matches!(self, Case::Writes { .. })
    }
}

/// A parameter set as query text by name.
pub fn texts(set: &ParamSet) -> BTreeMap<String, String> {
    set.0
        .iter()
        .map(|(k, v)| (k.clone(), v.query_text()))
        .collect()
}

/// Query text read back as `op`'s typed values; an error names a parameter `op` lacks or a
/// value that is not its type.
pub fn typed(op: &Operation, params: &BTreeMap<String, String>) -> Result<ParamSet, String> {
    let mut set = ParamSet::default();
    for (name, text) in params {
        let p = op
            .param(name)
            .ok_or_else(|| format!("{}: the spec has no parameter {name:?}", op.id))?;
        let value = ParamValue::parse(&p.kind, text).ok_or_else(|| {
            format!(
                "{}: parameter {name}: {text:?} is not a {:?}",
                op.id, p.kind
            )
        })?;
        set.0.insert(name.clone(), value);
    }
    Ok(set)
}

/// One request and its answer, as a failure file keeps them: the api_key redacted wherever it
/// shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchanged {
    /// The operationId.
    pub operation: String,
    /// `GET /path?name=value&api_key=<redacted>`.
    pub request: String,
    /// The answer's status (599: no answer, the body says why).
    pub status: u16,
    /// The answer's body: JSON when it parses, else text.
    pub body: Value,
    /// Properties of the body the spec's schemas do not name (JSON pointers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undocumented: Vec<String>,
}

/// What one case found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The case as sent.
    pub case: Case,
    /// Every exchange, in order.
    pub exchanges: Vec<Exchanged>,
    /// What the SDK made of the last answer it was given, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk: Option<String>,
    /// Every way the target broke the contract; empty when the case held.
    pub problems: Vec<String>,
    /// Why the case could not be judged on this target (no click to convert): not a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
}

impl Finding {
    fn new(case: Case) -> Finding {
        Finding {
            case,
            exchanges: Vec::new(),
            sdk: None,
            problems: Vec::new(),
            not_run: None,
        }
    }

    /// Keeps `request` and `answer` of `op`, the key redacted.
    pub(super) fn keep(
        &mut self,
        ctx: &Context,
        op: &Operation,
        request: &CapturedRequest,
        answer: &Answer,
    ) {
        let redact = |text: &str| ctx.redact(text);
        let body = match serde_json::from_slice::<Value>(&answer.body) {
            Ok(v) => serde_json::from_str(&redact(&v.to_string())).unwrap_or(v),
            Err(_) => Value::String(redact(&String::from_utf8_lossy(&answer.body))),
        };
        self.exchanges.push(Exchanged {
            operation: op.id.clone(),
            request: redact(&format!("{request:?}")),
            status: answer.status,
            body,
            undocumented: crate::harness::undocumented_properties(&ctx.h.spec, op, answer),
        });
    }

    /// Keeps what an SDK exchange sent and got, and what the SDK made of it.
    pub(super) fn keep_sdk(&mut self, ctx: &Context, op: &Operation, x: &Exchange) {
        if let (Some(request), Some(answer)) = (x.requests.first(), &x.answer) {
            self.keep(ctx, op, request, answer);
        }
        self.sdk = Some(ctx.redact(&match &x.dispatched.result {
            Ok(v) => format!("Ok({v})"),
            Err(e) => format!("Err({e})"),
        }));
    }

    /// Holds an SDK exchange's answer to `status` (`wrong` says why another is wrong) and to the
    /// spec, and keeps it.
    fn expect(
        &mut self,
        ctx: &Context,
        op: &Operation,
        x: &Exchange,
        status: u16,
        wrong: impl Fn(u16) -> String,
    ) {
        match &x.answer {
            None => self.problems.push("nothing was sent".into()),
            Some(answer) => {
                if answer.status != status {
                    self.problems.push(wrong(answer.status));
                }
                self.problems.extend(response_problems_with(
                    &ctx.h.spec,
                    op,
                    answer,
                    &x.dispatched,
                    ctx.strict_fields,
                ));
            }
        }
        self.keep_sdk(ctx, op, x);
    }

    /// The failure as text: the problems, then each exchange.
    pub fn message(&self) -> String {
        let operation = self
            .exchanges
            .first()
            .map(|x| x.operation.as_str())
            .unwrap_or("(none)");
        let mut out = format!(
            "operation {operation}:\n  - {}",
            self.problems.join("\n  - ")
        );
        if self.exchanges.is_empty() {
            out.push_str("\n  request: (none sent)");
        }
        for x in &self.exchanges {
            let body = x.body.to_string();
            let cut: String = body.chars().take(2048).collect();
            let more = if cut.len() < body.len() { "…" } else { "" };
            out.push_str(&format!(
                "\n  request: {}\n  response: {} {cut}{more}",
                x.request, x.status
            ));
        }
        if let Some(sdk) = &self.sdk {
            out.push_str(&format!("\n  SDK outcome: {sdk}"));
        }
        out
    }
}

/// An answer for a request that got none (599, why in the body), so that a connection problem
/// is seen as such.
pub(super) fn no_answer(target: &dyn Target, why: &str) -> Answer {
    Answer {
        status: 599,
        body: format!("no answer from {}: {why}", target.name()).into_bytes(),
    }
}

/// The generated answer the harness's mock is given: ignored by an upstream target.
pub(super) fn placeholder() -> Answer {
    Answer::json(200, &Value::Null)
}

/// Sends `case` of `op` and judges the answers. `Err` when it cannot be sent at all (the spec
/// and the SDK disagree, the simulator's set-up API refused): a problem of the run.
pub fn run_case(ctx: &Context, op: &Operation, case: &Case) -> Result<Finding, String> {
    let spec: &Spec = &ctx.h.spec;
    let mut f = Finding::new(case.clone());
    match case {
        Case::ValidRequest { params } => {
            let set = typed(op, params)?;
            let x = ctx
                .h
                .exchange(&ctx.target, op, &set, placeholder())
                .map_err(|e| e.to_string())?;
            match x.requests.as_slice() {
                [request] => f.problems.extend(request_problems(spec, op, request, &set)),
                other => f.problems.push(format!(
                    "a valid parameter set must be sent exactly once, it was sent {} times",
                    other.len()
                )),
            }
            if let (Some(answer), [request]) = (&x.answer, x.requests.as_slice()) {
                f.problems.extend(response_problems_with(
                    spec,
                    op,
                    answer,
                    &x.dispatched,
                    ctx.strict_fields,
                ));
                f.problems
                    .extend(valid_request_answer_problems(op, request, answer));
            }
            f.keep_sdk(ctx, op, &x);
        }
        Case::InvalidRequest {
            params,
            breach,
            blamable,
        } => {
            let mut query: Vec<(String, String)> =
                params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            query.push((spec.api_key_param.clone(), SUITE_API_KEY.into()));
            let request = CapturedRequest {
                method: op.method.clone(),
                path: op.path.clone(),
                query,
            };
            let answer = ctx.raw(&ctx.target, &request);
            let blamable: Vec<&str> = blamable.iter().map(String::as_str).collect();
            f.problems
                .extend(blame_problems(spec, op, &answer, &blamable, breach));
            f.keep(ctx, op, &request, &answer);
        }
        Case::WrongKey { params } => {
            let set = typed(op, params)?;
            let wrong = UpstreamTarget::new("target", &ctx.base_url, WRONG_API_KEY, false);
            let x = ctx
                .h
                .exchange(&wrong, op, &set, placeholder())
                .map_err(|e| e.to_string())?;
            f.expect(ctx, op, &x, 401, |got| {
                format!("a wrong api_key must get 401, got {got}")
            });
        }
        Case::ScriptedFault { params, status } => {
            let set = typed(op, params)?;
            ctx.script_fault(op, *status)?;
            let x = ctx.h.exchange(&ctx.target, op, &set, placeholder());
            ctx.clear_faults()?;
            let x = x.map_err(|e| e.to_string())?;
            f.expect(ctx, op, &x, *status, |got| {
                format!("the simulator was told to answer {status}, it answered {got}")
            });
        }
        Case::Writes { unique_id, click } => {
            writes::run(ctx, unique_id, click.clone(), &mut f)?;
        }
    }
    Ok(f)
}

/// The api_key the wrong-key check sends.
pub const WRONG_API_KEY: &str = "cake-contract-wrong-key";
