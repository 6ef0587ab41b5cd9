//! The negative contract, on httpmock (the suite must control the answers): bodies that break
//! the schema give the SDK's decode error and never a panic; Failure envelopes at every
//! documented status give the SDK's API error with their message; invalid parameter sets,
//! derived from the same schemas, never reach the server.

use cake_client::Error;
use cake_contract_tests::{
    bodies::{body_strategy, breakages, Body, Breakage},
    dispatch::DispatchError,
    harness::{report, response_problems, Harness},
    params::{invalid_cases, valid_params, ParamSet},
    target::{Answer, MockTarget},
};
use proptest::{
    prelude::*,
    strategy::{Union, ValueTree},
};
use serde_json::Value;

#[derive(Clone)]
struct Broken {
    op: usize,
    id: String,
    params: ParamSet,
    body: Body,
    breakage: Breakage,
}

impl std::fmt::Debug for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:?} served {:?} broken by {:?}",
            self.id, self.params, self.body, self.breakage
        )
    }
}

#[test]
fn bodies_that_break_the_schema_give_a_decode_error_never_a_panic() {
    let h = Harness::new().unwrap();
    let spec = h.spec.json.clone();
    let options: Vec<BoxedStrategy<Broken>> = h
        .spec
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| {
            let schema = op.success().expect("a success response").schema.clone();
            let body = body_strategy(&spec, &schema).unwrap();
            let (spec, id) = (spec.clone(), op.id.clone());
            (valid_params(op), body)
                .prop_flat_map(move |(params, body)| {
                    let all = breakages(&spec, &schema, &body.0);
                    let id = id.clone();
                    proptest::sample::select(all).prop_map(move |breakage| Broken {
                        op: index,
                        id: id.clone(),
                        params: params.clone(),
                        body: body.clone(),
                        breakage,
                    })
                })
                .boxed()
        })
        .collect();
    h.run(
        "negative contract (broken bodies)",
        &MockTarget,
        Union::new(options),
        |case| {
            let op = &h.spec.operations[case.op];
            let mut body = case.body.0.clone();
            case.breakage.apply(&mut body);
            let x = h
                .exchange(&MockTarget, op, &case.params, Answer::json(200, &body))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            match &x.dispatched.result {
                Err(Error::Decode { .. }) => Ok(()),
                // An unreadable 200 to a call that creates data, sent without its idempotency
                // key: the decode error, said with the doubt it leaves.
                Err(Error::OutcomeUnknown { cause, .. })
                    if op.creates_data && matches!(**cause, Error::Decode { .. }) =>
                {
                    Ok(())
                }
                other => Err(TestCaseError::fail(report(
                    op,
                    &[format!(
                        "a body broken by {:?} must give the SDK's decode error, got {}",
                        case.breakage,
                        match other {
                            Ok(_) => "Ok: the SDK accepted it".to_string(),
                            Err(e) => format!("{e:?}"),
                        }
                    )],
                    &x,
                ))),
            }
        },
    );
}

#[derive(Clone, Debug)]
struct Failing {
    op: usize,
    params: ParamSet,
    status: u16,
    body: Body,
}

#[test]
fn failure_envelopes_at_every_documented_status_give_the_api_error_with_its_message() {
    let h = Harness::new().unwrap();
    let mut options: Vec<BoxedStrategy<Failing>> = Vec::new();
    for (index, op) in h.spec.operations.iter().enumerate() {
        for r in op.responses.iter().filter(|r| !r.status.is_success()) {
            let body = body_strategy(&h.spec.json, &r.schema).unwrap();
            let statuses = r.status.examples();
            options.push(
                (valid_params(op), proptest::sample::select(statuses), body)
                    .prop_map(move |(params, status, body)| Failing {
                        op: index,
                        params,
                        status,
                        body,
                    })
                    .boxed(),
            );
        }
    }
    assert!(
        !options.is_empty(),
        "the spec documents no failure response"
    );
    h.run(
        "negative contract (failure envelopes)",
        &MockTarget,
        Union::new(options),
        |case| {
            let op = &h.spec.operations[case.op];
            let answer = Answer::json(case.status, &case.body.0);
            let x = h
                .exchange(&MockTarget, op, &case.params, answer.clone())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut problems = response_problems(&h.spec, op, &answer, &x.dispatched);
            if x.requests.len() != 1 {
                problems.push(format!(
                    "sent {} times, once expected (retries are off)",
                    x.requests.len()
                ));
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(report(op, &problems, &x)))
            }
        },
    );
}

#[test]
fn a_failure_envelope_with_status_200_is_the_api_error_not_a_decode_error() {
    // The spec's Failure description: the SDK "also treats it as a failure when it arrives with
    // status 200".
    let h = Harness::new().unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for op in &h.spec.operations {
        let failure = op
            .responses
            .iter()
            .find(|r| !r.status.is_success())
            .expect("a failure response");
        let body = body_strategy(&h.spec.json, &failure.schema)
            .unwrap()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let params = valid_params(op).new_tree(&mut runner).unwrap().current();
        let x = h
            .exchange(&MockTarget, op, &params, Answer::json(200, &body.0))
            .unwrap();
        match &x.dispatched.result {
            Err(Error::Api {
                status, message, ..
            }) => {
                assert_eq!(status.as_u16(), 200, "{}", op.id);
                assert_eq!(
                    Some(message.as_str()),
                    body.0.get("message").and_then(|m| m.as_str()),
                    "{}",
                    op.id
                );
            }
            other => panic!("{}: a Failure envelope in a 200 gave {other:?}", op.id),
        }
    }
}

#[test]
fn invalid_parameter_sets_are_rejected_before_any_request_reaches_the_server() {
    let h = Harness::new().unwrap();
    let cases =
        invalid_cases(&h.spec.operations).expect("the spec allows no invalid parameter set");
    h.run("negative contract (invalid parameters)", &MockTarget, cases, |case| {
        let op = &h.spec.operations[case.op];
        let answer = Answer::json(200, &serde_json::json!({}));
        let blamable = case.breach.blamable();
        let outcome = h.exchange(&MockTarget, op, &case.params, answer);
        let x = match outcome {
            Err(DispatchError::Unrepresentable { param, .. }) if blamable.contains(&param.as_str()) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("operation {}: {e}", op.id))),
            Ok(x) => x,
        };
        let mut problems = Vec::new();
        if !x.requests.is_empty() {
            problems.push(format!(
                "parameter {}: {:?} must be rejected before sending, but {} request(s) reached the server",
                case.breach.param(),
                case.breach,
                x.requests.len()
            ));
        }
        match &x.dispatched.result {
            Err(Error::InvalidRequest { parameter: Some(p), .. }) if blamable.contains(&p.as_str()) => {}
            other => problems.push(format!(
                "parameter {}: expected the SDK's invalid-request error naming it, got {}",
                case.breach.param(),
                match other {
                    Ok(_) => "Ok".to_string(),
                    Err(e) => format!("{e:?}"),
                }
            )),
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(report(op, &problems, &x)))
        }
    });
}

#[test]
fn money_given_as_a_string_is_a_decode_error() {
    let h = Harness::new().unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut accepted = Vec::new();
    for op in &h.spec.operations {
        let schema = &op.success().expect("a success response").schema;
        let body = body_strategy(&h.spec.json, schema)
            .unwrap()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        for b in breakages(&h.spec.json, schema, &body.0) {
            let Breakage::WrongType { at, .. } = &b else {
                continue;
            };
            let Some(Value::Number(n)) = body.0.pointer(at) else {
                continue;
            };
            if n.as_u64().is_some() || n.as_i64().is_some() {
                continue;
            }
            let mut broken = body.0.clone();
            if let Some(v) = broken.pointer_mut(at) {
                *v = Value::String(n.to_string());
            }
            let params = valid_params(op).new_tree(&mut runner).unwrap().current();
            let x = h
                .exchange(&MockTarget, op, &params, Answer::json(200, &broken))
                .unwrap();
            if x.dispatched.result.is_ok() {
                accepted.push(format!(
                    "operation {}: {at} = {:?} accepted",
                    op.id,
                    n.to_string()
                ));
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "money as a string must be a decode error:\n{}",
        accepted.join("\n")
    );
}
