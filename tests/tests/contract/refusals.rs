//! The simulator's refusals. The SDK refuses an invalid parameter set before sending it, so
//! these requests go out raw (the generated set as query text, plus the api_key): every one must
//! get a 4xx that its operation documents, with a body that holds that response's schema (the
//! `Failure` envelope) and a `parameter` naming the breached parameter. A wrong api_key must get
//! 401 on every operation, and reach an SDK caller as its API error.

use cake_client::Error;
use cake_contract_tests::{
    harness::{report, response_problems, Harness},
    ops::{Operation, Spec},
    params::{invalid_cases, valid_params, ParamSet},
    schema,
    simulator::{self, LocalSimulator},
    target::{Answer, CapturedRequest, Target, UpstreamTarget, SUITE_API_KEY},
};
use proptest::{prelude::*, strategy::ValueTree, test_runner::TestRunner};
use serde_json::Value;

/// `op` with `params` as query text, and the api_key when given (the suite's key, which an
/// upstream target swaps for its own, or any other text, sent as is).
fn raw_request(
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
fn refusal_problems(
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

fn describe(
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

#[test]
fn every_invalid_request_gets_a_documented_4xx_failure_naming_the_breached_parameter() {
    let h = Harness::new().unwrap();
    let target = simulator::simulator_target().unwrap();
    let cases =
        invalid_cases(&h.spec.operations).expect("the spec allows no invalid parameter set");
    h.run("invalid requests", &target, cases, |case| {
        let op = &h.spec.operations[case.op];
        let request = raw_request(&h.spec, op, &case.params, Some(SUITE_API_KEY));
        let answer = h
            .block_on(target.answer(&request, Answer::json(200, &Value::Null)))
            .map_err(TestCaseError::fail)?;
        let blamable = case.breach.blamable();
        let problems = refusal_problems(
            &h.spec,
            op,
            &answer,
            |_| true,
            |named| match named {
                Some(p) if blamable.contains(&p) => Ok(()),
                other => Err(format!(
                    "parameter: expected one of {blamable:?} ({:?}), the body names {other:?}",
                    case.breach
                )),
            },
        );
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(describe(
                op, &request, &answer, &problems,
            )))
        }
    });
}

/// A valid parameter set of each operation, the same on every run.
fn one_valid_set_each(spec: &Spec) -> Vec<(&Operation, ParamSet)> {
    let mut runner = TestRunner::deterministic();
    spec.operations
        .iter()
        .map(|op| {
            let params = valid_params(op)
                .new_tree(&mut runner)
                .expect("a valid parameter set")
                .current();
            (op, params)
        })
        .collect()
}

const WRONG_KEY: &str = "not-the-simulator-key";

#[test]
fn a_missing_or_wrong_api_key_gets_401_on_every_operation_and_is_never_echoed() {
    let h = Harness::new().unwrap();
    let sim: &LocalSimulator = simulator::shared().unwrap();
    let target = sim.target();
    let key_param = h.spec.api_key_param.clone();
    let mut problems = Vec::new();
    for (op, params) in one_valid_set_each(&h.spec) {
        for key in [None, Some(WRONG_KEY)] {
            let request = raw_request(&h.spec, op, &params, key);
            let answer = match h.block_on(target.answer(&request, Answer::json(200, &Value::Null)))
            {
                Ok(a) => a,
                Err(e) => {
                    problems.push(format!("{}: {e}", op.id));
                    continue;
                }
            };
            let mut found = refusal_problems(
                &h.spec,
                op,
                &answer,
                |status| status == 401,
                |named| match named {
                    None => Ok(()),
                    Some(p) if p == key_param => Ok(()),
                    Some(p) => Err(format!("parameter: {p:?}, expected {key_param:?} or none")),
                },
            );
            if String::from_utf8_lossy(&answer.body).contains(WRONG_KEY) {
                found.push("the body echoes the api_key it was sent".into());
            }
            if !found.is_empty() {
                problems.push(describe(op, &request, &answer, &found));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_wrong_api_key_reaches_an_sdk_caller_as_the_api_error_with_status_401() {
    let h = Harness::new().unwrap();
    let sim = simulator::shared().unwrap();
    // The simulator at its address, reached with a key it never issued.
    let wrong = UpstreamTarget::new(
        "simulator with a wrong key",
        &sim.base_url(),
        WRONG_KEY,
        true,
    );
    let mut problems = Vec::new();
    for (op, params) in one_valid_set_each(&h.spec) {
        let x = h
            .exchange(&wrong, op, &params, Answer::json(200, &Value::Null))
            .unwrap();
        let Some(answer) = &x.answer else {
            problems.push(format!("{}: nothing was sent", op.id));
            continue;
        };
        let mut found = response_problems(&h.spec, op, answer, &x.dispatched);
        match &x.dispatched.result {
            Err(Error::Api { status, .. }) if status.as_u16() == 401 => {}
            other => found.push(format!(
                "expected the SDK's API error with status 401 from {}, got {}",
                wrong.name(),
                match other {
                    Ok(_) => "Ok".to_string(),
                    Err(e) => format!("{e:?}"),
                }
            )),
        }
        if !found.is_empty() {
            problems.push(report(op, &found, &x));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
