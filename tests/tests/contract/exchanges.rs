//! Request and response contracts on every target: generated parameter sets go through the SDK;
//! each request must hold the spec, and each answer must decode and round-trip to the same value.

use cake_contract_tests::{
    bodies::{body_strategy, Body},
    harness::{report, request_problems, response_problems, Harness},
    params::{valid_params, ParamSet},
    target::{targets_from_env, Answer, Target},
};
use proptest::{prelude::*, strategy::Union};

use crate::sendable;

/// One generated case: an operation, its parameters, and the success body a mock serves.
#[derive(Clone)]
struct Case {
    op: usize,
    id: String,
    params: ParamSet,
    body: Body,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?} served {:?}", self.id, self.params, self.body)
    }
}

fn cases(h: &Harness, target: &dyn Target) -> BoxedStrategy<Case> {
    let options: Vec<BoxedStrategy<Case>> = sendable(&h.spec.operations, target)
        .into_iter()
        .map(|op| {
            let index = h
                .spec
                .operations
                .iter()
                .position(|o| o.id == op.id)
                .unwrap_or_default();
            let success = op
                .success()
                .unwrap_or_else(|| panic!("{} documents no success response", op.id));
            let body = body_strategy(&h.spec.json, &success.schema)
                .unwrap_or_else(|e| panic!("{}: no strategy for its success body: {e}", op.id));
            let id = op.id.clone();
            (valid_params(op), body)
                .prop_map(move |(params, body)| Case {
                    op: index,
                    id: id.clone(),
                    params,
                    body,
                })
                .boxed()
        })
        .collect();
    Union::new(options).boxed()
}

fn success_status(h: &Harness, case: &Case) -> u16 {
    h.spec.operations[case.op]
        .success()
        .and_then(|r| r.status.examples().first().copied())
        .unwrap_or(200)
}

#[test]
fn every_generated_request_holds_the_spec() {
    let h = Harness::new().unwrap();
    for target in targets_from_env().unwrap() {
        let target = target.as_ref();
        h.run("request contract", target, cases(&h, target), |case| {
            let op = &h.spec.operations[case.op];
            let answer = Answer::json(success_status(&h, &case), &case.body.0);
            let x = h.exchange(target, op, &case.params, answer).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut problems = Vec::new();
            match x.requests.as_slice() {
                [request] => problems.extend(request_problems(&h.spec, op, request, &case.params)),
                other => problems.push(format!(
                    "a valid parameter set must be sent exactly once, it was sent {} times; SDK said: {:?}",
                    other.len(),
                    x.dispatched.result.as_ref().err()
                )),
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(report(op, &problems, &x)))
            }
        });
    }
}

#[test]
fn every_answer_decodes_and_round_trips_to_the_same_value() {
    let h = Harness::new().unwrap();
    for target in targets_from_env().unwrap() {
        let target = target.as_ref();
        h.run("response contract", target, cases(&h, target), |case| {
            let op = &h.spec.operations[case.op];
            let answer = Answer::json(success_status(&h, &case), &case.body.0);
            let x = h
                .exchange(target, op, &case.params, answer)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let problems = match &x.answer {
                Some(a) => response_problems(&h.spec, op, a, &x.dispatched),
                None => vec![format!(
                    "the SDK sent nothing for a valid parameter set: {:?}",
                    x.dispatched.result.as_ref().err()
                )],
            };
            if problems.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(report(op, &problems, &x)))
            }
        });
    }
}
