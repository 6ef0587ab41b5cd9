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
    refusal::{describe, invalid_request_problems, raw_request, refusal_problems},
    simulator::{self, LocalSimulator},
    target::{Answer, Target, UpstreamTarget, SUITE_API_KEY},
};
use proptest::{prelude::*, strategy::ValueTree, test_runner::TestRunner};
use serde_json::Value;

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
        let problems = invalid_request_problems(&h.spec, op, &case, &answer);
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
