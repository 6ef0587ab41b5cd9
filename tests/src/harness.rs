//! The exchange and the contract checks: a parameter set goes through the typed SDK to the local
//! httpmock server (which captures the request), the target answers, and the request and the
//! response are held against the spec.
//!
//! The checks read the spec only (through [`crate::ops`] and [`crate::schema`]); they must never
//! use the SDK's own validation table, which is one of the things under test.

use std::sync::{Arc, Mutex};

use cake_client::{Client, Error, RetryPolicy};
use httpmock::MockServer;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::Value;

use crate::{
    bodies::{self, first_difference},
    dispatch::{self, DispatchError, Dispatched},
    ops::{Operation, Spec},
    params::{ParamSet, ParamValue},
    schema,
    target::{Answer, CapturedRequest, Target, SUITE_API_KEY},
};

/// A runtime, a local httpmock server and an SDK client pointed at it.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    client: Client,
    /// The spec, read by `cake_spec::Document`.
    pub spec: Spec,
}

/// What happened to one parameter set.
pub struct Exchange {
    /// Every request that reached the server.
    pub requests: Vec<CapturedRequest>,
    /// The answer the SDK was given, when a request was sent.
    pub answer: Option<Answer>,
    /// The SDK's outcome.
    pub dispatched: Dispatched,
}

impl Harness {
    /// A harness, or why none could be made.
    pub fn new() -> Result<Harness, String> {
        let spec = Spec::load()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let server = rt.block_on(MockServer::start_async());
        let client = Client::builder(server.base_url(), SUITE_API_KEY)
            .retry(RetryPolicy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Harness {
            rt,
            server,
            client,
            spec,
        })
    }

    /// Sends `params` as `op` through the SDK; the server answers what `target` says (given
    /// the generated `answer`).
    pub fn exchange(
        &self,
        target: &dyn Target,
        op: &Operation,
        params: &ParamSet,
        answer: Answer,
    ) -> Result<Exchange, DispatchError> {
        self.rt.block_on(async {
            let (requests, dispatched) = self.send(op, params, &answer).await?;
            if target.serves_generated() || requests.len() != 1 {
                let answer = (!requests.is_empty()).then_some(answer);
                return Ok(Exchange {
                    requests,
                    answer,
                    dispatched,
                });
            }
            let upstream = match target.answer(&requests[0], answer).await {
                Ok(a) => a,
                Err(e) => Answer {
                    status: 599,
                    body: format!("no answer from {}: {e}", target.name()).into_bytes(),
                },
            };
            let (_, dispatched) = self.send(op, params, &upstream).await?;
            Ok(Exchange {
                requests,
                answer: Some(upstream),
                dispatched,
            })
        })
    }

    async fn send(
        &self,
        op: &Operation,
        params: &ParamSet,
        answer: &Answer,
    ) -> Result<(Vec<CapturedRequest>, Dispatched), DispatchError> {
        self.server.reset_async().await;
        let seen: Arc<Mutex<Vec<CapturedRequest>>> = Arc::default();
        let log = Arc::clone(&seen);
        let status = answer.status;
        let body = answer.body.clone();
        self.server
            .mock_async(move |when, then| {
                when.is_true(move |req| {
                    if let Ok(mut l) = log.lock() {
                        l.push(CapturedRequest::from_parts(req.method_str(), req.uri_str()));
                    }
                    true
                });
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        let dispatched = dispatch::call(&self.client, &op.id, params).await?;
        let requests = seen.lock().map(|l| l.clone()).unwrap_or_default();
        Ok((requests, dispatched))
    }

    /// Runs `future` on the harness's runtime (for requests sent outside the SDK).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    /// Runs a property over `strategy` with the case count of `PROPTEST_CASES` (or the
    /// target's default), panicking with the minimal failing input and its message.
    pub fn run<S: proptest::strategy::Strategy>(
        &self,
        what: &str,
        target: &dyn Target,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) where
        S::Value: std::fmt::Debug,
    {
        run_property(
            &format!("{what} against {}", target.name()),
            target.default_cases(),
            strategy,
            test,
        );
    }
}

/// Runs a property over `strategy`: `PROPTEST_CASES` cases, or `default_cases`; no failure
/// persistence (the minimal input is in the message). Panics with `what`, the message and the
/// minimal failing input.
pub fn run_property<S: proptest::strategy::Strategy>(
    what: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let mut config = Config::default();
    if std::env::var("PROPTEST_CASES").is_err() {
        config.cases = default_cases;
    }
    config.failure_persistence = None;
    let mut runner = TestRunner::new(config);
    match runner.run(&strategy, test) {
        Ok(()) => {}
        Err(TestError::Fail(why, input)) => {
            panic!("{what}: contract broken\n{why}\nminimal input (after shrinking): {input:?}")
        }
        Err(TestError::Abort(why)) => panic!("{what}: aborted: {why}"),
    }
}

/// Every way `request` breaks the spec for `op`, and every way it differs from `sent` (the
/// parameter set given to the SDK).
pub fn request_problems(
    spec: &Spec,
    op: &Operation,
    request: &CapturedRequest,
    sent: &ParamSet,
) -> Vec<String> {
    let mut problems = Vec::new();
    if request.method != op.method {
        problems.push(format!(
            "method: expected {}, sent {}",
            op.method, request.method
        ));
    }
    if request.path != op.path {
        problems.push(format!("path: expected {}, sent {}", op.path, request.path));
    }
    let keys: Vec<&String> = request
        .query
        .iter()
        .filter(|(k, _)| *k == spec.api_key_param)
        .map(|(_, v)| v)
        .collect();
    match keys.as_slice() {
        [k] if k.as_str() == SUITE_API_KEY => {}
        [_] => problems.push(format!(
            "{}: present but not the key the client was given",
            spec.api_key_param
        )),
        other => problems.push(format!(
            "{}: expected exactly once, sent {} times",
            spec.api_key_param,
            other.len()
        )),
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, text) in request
        .query
        .iter()
        .filter(|(k, _)| *k != spec.api_key_param)
    {
        if seen.contains(&name.as_str()) {
            problems.push(format!("parameter {name}: sent more than once"));
            continue;
        }
        seen.push(name);
        let Some(param) = op.param(name) else {
            problems.push(format!(
                "parameter {name}: not a parameter of {} in the spec",
                op.id
            ));
            continue;
        };
        let Some(value) = ParamValue::parse(&param.kind, text) else {
            problems.push(format!("parameter {name}: sent {text:?}, which does not parse as its schema's type and format ({:?})", param.kind));
            continue;
        };
        for v in schema::violations(&spec.json, &param.schema, &value.to_json()) {
            problems.push(format!("parameter {name}: sent {text:?}: {v}"));
        }
        match sent.get(name) {
            Some(given) if *given != value => {
                problems.push(format!("parameter {name}: given {given:?}, sent {text:?}"))
            }
            None if param
                .default
                .as_ref()
                .and_then(|d| crate::params::default_value(&param.kind, d))
                != Some(value.clone()) =>
            {
                problems.push(format!(
                    "parameter {name}: sent {text:?} though not given (and not its default)"
                ))
            }
            _ => {}
        }
    }
    for p in &op.params {
        if !seen.contains(&p.name.as_str()) {
            if p.required {
                problems.push(format!("parameter {}: required, not sent", p.name));
            } else if sent.get(&p.name).is_some() {
                problems.push(format!(
                    "parameter {}: given {:?}, not sent",
                    p.name,
                    sent.get(&p.name)
                ));
            }
        }
    }
    for (start, end) in op.date_ranges() {
        let date = |n: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| k == n)
                .and_then(|(_, v)| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        };
        if let (Some(s), Some(e)) = (date(&start), date(&end)) {
            if s > e {
                problems.push(format!("parameter {start}: {s} is after {end} {e}"));
            }
        }
    }
    problems
}

/// Whether properties the schemas do not name fail a run (`CAKE_CONTRACT_STRICT_FIELDS=1`);
/// by default they are information (see [`undocumented_properties`]).
pub fn strict_fields() -> bool {
    std::env::var("CAKE_CONTRACT_STRICT_FIELDS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The JSON pointers of the properties of a documented answer's body that its schema does not
/// name (an array index written `*`); empty when the status is undocumented or the body is not
/// JSON (other checks say so).
pub fn undocumented_properties(spec: &Spec, op: &Operation, answer: &Answer) -> Vec<String> {
    let (Some(documented), Ok(served)) = (
        op.response_for(answer.status),
        serde_json::from_slice::<Value>(&answer.body),
    ) else {
        return Vec::new();
    };
    bodies::named_only(&spec.json, &documented.schema, &served).1
}

/// Every way the answer, or what the SDK made of it, breaks the spec: the status documented, the
/// body valid for that status's schema, a success decoded and re-encoded to the same value that
/// still validates, a failure turned into the SDK's API error with its message.
pub fn response_problems(
    spec: &Spec,
    op: &Operation,
    answer: &Answer,
    dispatched: &Dispatched,
) -> Vec<String> {
    response_problems_with(spec, op, answer, dispatched, strict_fields())
}

/// [`response_problems`], with properties the schemas do not name failing the answer when
/// `strict` (else they are left to [`undocumented_properties`]): the round trip compares what
/// the schemas name.
pub fn response_problems_with(
    spec: &Spec,
    op: &Operation,
    answer: &Answer,
    dispatched: &Dispatched,
    strict: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(documented) = op.response_for(answer.status) else {
        problems.push(format!(
            "status {} is not documented for {}",
            answer.status, op.id
        ));
        return problems;
    };
    let served: Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("the body is not JSON: {e}"));
            return problems;
        }
    };
    let body_problems = schema::violations(&spec.json, &documented.schema, &served);
    for v in &body_problems {
        problems.push(format!(
            "served body breaks the {} schema: {v}",
            documented.status
        ));
    }
    // A call that creates data, sent without its idempotency key, reports a 5xx or an unreadable
    // success as `OutcomeUnknown` around the error itself; the checks below hold that error.
    let result = match &dispatched.result {
        Err(Error::OutcomeUnknown { cause, .. }) => {
            if !op.creates_data {
                problems.push(format!(
                    "{} creates no data, yet its error says it may have: {cause}",
                    op.id
                ));
            }
            if !(answer.status >= 500 || (200..300).contains(&answer.status)) {
                problems.push(format!(
                    "status {} leaves no doubt about the outcome, yet the error says it may have created data",
                    answer.status
                ));
            }
            Err(cause.as_ref())
        }
        other => other.as_ref(),
    };
    let (named, unnamed) = bodies::named_only(&spec.json, &documented.schema, &served);
    if strict {
        for at in &unnamed {
            problems.push(format!(
                "served a property the {} schema does not name: {at} (strict fields)",
                documented.status
            ));
        }
    }
    match (result, documented.status.is_success()) {
        (Ok(decoded), true) => {
            if let Some(d) = first_difference(&named, decoded) {
                problems.push(format!(
                    "decoded and re-encoded by the SDK, the body changed: {d}"
                ));
            }
            for v in schema::violations(&spec.json, &documented.schema, decoded) {
                problems.push(format!(
                    "the SDK re-encodes a body that breaks the schema: {v}"
                ));
            }
        }
        (Err(e), true) if body_problems.is_empty() => {
            let at = (dispatched.locate)(&answer.body).unwrap_or_default();
            problems.push(format!(
                "the SDK failed on a body the spec allows: {e} {at}"
            ));
        }
        (
            Err(Error::Api {
                status,
                message,
                parameter,
            }),
            false,
        ) => {
            let want_message = served.get("message").and_then(Value::as_str);
            let want_param = served.get("parameter").and_then(Value::as_str);
            if status.as_u16() != answer.status {
                problems.push(format!(
                    "API error with status {status}, served {}",
                    answer.status
                ));
            }
            if Some(message.as_str()) != want_message {
                problems.push(format!(
                    "API error message {message:?}, served {want_message:?}"
                ));
            }
            if parameter.as_deref() != want_param {
                problems.push(format!(
                    "API error parameter {parameter:?}, served {want_param:?}"
                ));
            }
        }
        (Err(e), false) if body_problems.is_empty() => {
            problems.push(format!(
                "a documented failure became {e:?}, not the SDK's API error"
            ));
        }
        (Ok(_), false) => problems.push(format!("status {} came back as a success", answer.status)),
        (Err(_), _) => {}
    }
    problems
}

/// Every way a real server's answer to a valid request, sent with the right key, is not one it
/// may give. The success is always right. A failure is right only when the operation documents
/// it itself ([`crate::ops::Response::own`]: Record Conversion's 404 for a click that does not
/// exist, 409 for a click of another offer): those depend on the server's data, which a
/// generated request cannot know, and its `parameter`, when given, must be one the request
/// carried. The failures every operation shares (400, 401, 429, 5XX) say the request or the
/// server is at fault, so they are never right here. Whether the body holds the schema and
/// reaches the caller as the SDK's API error is [`response_problems`]'s part.
pub fn valid_request_answer_problems(
    op: &Operation,
    request: &CapturedRequest,
    answer: &Answer,
) -> Vec<String> {
    let Some(documented) = op.response_for(answer.status) else {
        return vec![format!(
            "status {} is not documented for {}",
            answer.status, op.id
        )];
    };
    if documented.status.is_success() {
        return Vec::new();
    }
    if !documented.own {
        return vec![format!(
            "a valid request with the right key got {} (documented for every operation as the request's or the server's fault); only a success or a failure {} documents itself may answer it",
            answer.status, op.id
        )];
    }
    let named = serde_json::from_slice::<Value>(&answer.body)
        .ok()
        .and_then(|v| {
            v.get("parameter")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    match named {
        Some(p) if !request.query.iter().any(|(k, _)| *k == p) => vec![format!(
            "the {} failure blames parameter {p:?}, which the request did not carry",
            answer.status
        )],
        _ => Vec::new(),
    }
}

/// A failure message: the operation, the problems, the request and the response.
pub fn report(op: &Operation, problems: &[String], exchange: &Exchange) -> String {
    let requests: Vec<String> = exchange.requests.iter().map(|r| format!("{r:?}")).collect();
    format!(
        "operation {}:\n  - {}\n  request: {}\n  response: {}\n  SDK outcome: {}",
        op.id,
        problems.join("\n  - "),
        if requests.is_empty() {
            "(none sent)".to_string()
        } else {
            requests.join(" | ")
        },
        exchange
            .answer
            .as_ref()
            .map(|a| format!("{a:?}"))
            .unwrap_or_else(|| "(none)".into()),
        match &exchange.dispatched.result {
            Ok(v) => format!("Ok({v})"),
            Err(e) => format!("Err({e})"),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, parameter: Option<&str>) -> Answer {
        let mut body = serde_json::json!({"request_status": "Failure", "message": "no"});
        if let Some(p) = parameter {
            body["parameter"] = Value::from(p);
        }
        Answer::json(status, &body)
    }

    #[test]
    fn a_valid_request_may_get_only_its_success_or_a_failure_its_operation_documents_itself() {
        let spec = Spec::load().unwrap();
        let mut own_seen = false;
        for op in &spec.operations {
            let request = CapturedRequest {
                method: op.method.clone(),
                path: op.path.clone(),
                query: op
                    .params
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| (p.name.clone(), "x".into()))
                    .collect(),
            };
            let carried = request.query.first().map(|(k, _)| k.clone());
            for r in &op.responses {
                let status = r.status.examples()[0];
                let problems = valid_request_answer_problems(op, &request, &answer(status, None));
                assert_eq!(
                    problems.is_empty(),
                    r.status.is_success() || r.own,
                    "{} {status}: {problems:?}",
                    op.id
                );
                if r.own && !r.status.is_success() {
                    own_seen = true;
                    let stranger = answer(status, Some("not_a_parameter_sent"));
                    assert!(!valid_request_answer_problems(op, &request, &stranger).is_empty());
                    if let Some(p) = &carried {
                        let blamed = answer(status, Some(p));
                        assert!(valid_request_answer_problems(op, &request, &blamed).is_empty());
                    }
                }
            }
            if let Some(undocumented) = (100..600).find(|c| op.response_for(*c).is_none()) {
                let problems =
                    valid_request_answer_problems(op, &request, &answer(undocumented, None));
                assert!(!problems.is_empty(), "{} {undocumented}", op.id);
            }
        }
        assert!(
            own_seen,
            "no operation documents a failure of its own: the rule is untested"
        );
    }
}
