//! Refusals: requests the SDK would never send (an invalid parameter set, a wrong or missing
//! api_key), written out raw, and what a server's answer to one must be: a 4xx its operation
//! documents, with a body that holds that response's schema (the `Failure` envelope) and a
//! `parameter` naming what was wrong. Used by the suite's `refusals` tests and by the runner.

use serde_json::Value;

use crate::{
    ops::{Operation, Spec},
    params::{InvalidCase, ParamSet},
    schema,
    target::{Answer, CapturedRequest},
};

/// `op` with `params` as query text, and the api_key when given (the suite's key, which an
/// upstream target swaps for its own, or any other text, sent as is).
pub fn raw_request(
    spec: &Spec,
    op: &Operation,
    params: &ParamSet,
    key: Option<&str>,
) -> CapturedRequest {
    let mut query: Vec<(String, String)> = params
        .0
        .iter()
        .map(|(k, v)| (k.clone(), v.query_text()))
        .collect();
    if let Some(key) = key {
        query.push((spec.api_key_param.clone(), key.to_string()));
    }
    CapturedRequest {
        method: op.method.clone(),
        path: op.path.clone(),
        query,
    }
}

/// Every way `answer` is not a documented 4xx `status_ok` accepts, with a body holding that
/// response's schema and a `parameter` that `parameter_ok` accepts (it gets `None` when the
/// body names none).
pub fn refusal_problems(
    spec: &Spec,
    op: &Operation,
    answer: &Answer,
    status_ok: impl Fn(u16) -> bool,
    parameter_ok: impl Fn(Option<&str>) -> Result<(), String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if !(400..500).contains(&answer.status) || !status_ok(answer.status) {
        problems.push(format!(
            "status {}, not the refusal expected",
            answer.status
        ));
    }
    let Some(documented) = op.response_for(answer.status) else {
        problems.push(format!(
            "status {} is not documented for {}",
            answer.status, op.id
        ));
        return problems;
    };
    if documented.status.is_success() {
        problems.push(format!("status {} is a success", answer.status));
        return problems;
    }
    let body: Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("the body is not JSON: {e}"));
            return problems;
        }
    };
    for v in schema::violations(&spec.json, &documented.schema, &body) {
        problems.push(format!(
            "the body breaks the {} schema: {v}",
            documented.status
        ));
    }
    if let Err(why) = parameter_ok(body.get("parameter").and_then(Value::as_str)) {
        problems.push(why);
    }
    problems
}

/// A refusal's problems with its request (api_key redacted) and answer.
pub fn describe(
    op: &Operation,
    request: &CapturedRequest,
    answer: &Answer,
    problems: &[String],
) -> String {
    format!(
        "operation {}:\n  - {}\n  request: {request:?}\n  response: {answer:?}",
        op.id,
        problems.join("\n  - ")
    )
}

/// Every way `answer` to the invalid request of `case` is not a documented 4xx whose `Failure`
/// names the breached parameter (or one the breach could be blamed on).
pub fn invalid_request_problems(
    spec: &Spec,
    op: &Operation,
    case: &InvalidCase,
    answer: &Answer,
) -> Vec<String> {
    blame_problems(
        spec,
        op,
        answer,
        &case.breach.blamable(),
        &format!("{:?}", case.breach),
    )
}

/// Every way `answer` to a request with one breach (`breach`, as text) is not a documented 4xx
/// whose `Failure` names one of `blamable`.
pub fn blame_problems(
    spec: &Spec,
    op: &Operation,
    answer: &Answer,
    blamable: &[&str],
    breach: &str,
) -> Vec<String> {
    refusal_problems(
        spec,
        op,
        answer,
        |_| true,
        |named| match named {
            Some(p) if blamable.contains(&p) => Ok(()),
            other => Err(format!(
                "parameter: expected one of {blamable:?} ({breach}), the body names {other:?}"
            )),
        },
    )
}
