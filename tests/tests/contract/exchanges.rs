//! Request and response contracts on every target: generated parameter sets go through the SDK;
//! each request must hold the spec, and each answer must decode and round-trip to the same value.
//!
//! On a real server (the simulator, a live CAKE) the answer to a valid request must also be one
//! it may give: the success, or a failure the operation documents itself (Record Conversion of
//! a click that does not exist), whose body holds the `Failure` schema and reaches the caller as
//! the SDK's API error (see `harness::valid_request_answer_problems`). Where the target holds
//! known records (the simulator's clicks), about half the requests name one, and every
//! operation must have succeeded at least once: the success path is exercised, not only its
//! documented refusals.

use std::{collections::BTreeMap, sync::Mutex};

use cake_contract_tests::{
    bodies::{body_strategy, Body},
    harness::{
        report, request_problems, response_problems, undocumented_properties,
        valid_request_answer_problems, Harness,
    },
    params::{anchored_params, ParamSet},
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
    let anchors = target.anchors();
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
            (anchored_params(op, anchors.clone()), body)
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
        // Per operation: (answers that were its success, answers in all).
        let tally: Mutex<BTreeMap<String, (u32, u32)>> = Mutex::default();
        // Per (operation, JSON pointer): how many answers had a property the schemas do not name.
        let unnamed: Mutex<BTreeMap<(String, String), u32>> = Mutex::default();
        h.run("response contract", target, cases(&h, target), |case| {
            let op = &h.spec.operations[case.op];
            let answer = Answer::json(success_status(&h, &case), &case.body.0);
            let x = h
                .exchange(target, op, &case.params, answer)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut problems = match &x.answer {
                Some(a) => response_problems(&h.spec, op, a, &x.dispatched),
                None => vec![format!(
                    "the SDK sent nothing for a valid parameter set: {:?}",
                    x.dispatched.result.as_ref().err()
                )],
            };
            if let (false, Some(a), [request]) =
                (target.serves_generated(), &x.answer, x.requests.as_slice())
            {
                problems.extend(valid_request_answer_problems(op, request, a));
            }
            if let (Ok(mut u), Some(a)) = (unnamed.lock(), &x.answer) {
                for at in undocumented_properties(&h.spec, op, a) {
                    *u.entry((op.id.clone(), at)).or_default() += 1;
                }
            }
            if let (Ok(mut t), Some(a)) = (tally.lock(), &x.answer) {
                let entry = t.entry(op.id.clone()).or_default();
                entry.0 += u32::from(op.success().is_some_and(|r| r.status.covers(a.status)));
                entry.1 += 1;
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(report(op, &problems, &x)))
            }
        });
        list_undocumented(target, &unnamed.into_inner().unwrap_or_default());
        if target.anchors().is_empty() {
            continue;
        }
        let tally = tally.into_inner().unwrap_or_default();
        let never: Vec<String> = sendable(&h.spec.operations, target)
            .iter()
            .filter(|op| tally.get(&op.id).is_none_or(|(ok, _)| *ok == 0))
            .map(|op| format!("{} ({:?} answers)", op.id, tally.get(&op.id).map(|t| t.1)))
            .collect();
        assert!(
            never.is_empty(),
            "against {}: no generated request of these operations succeeded, though half of them name records it holds: {}",
            target.name(),
            never.join(", ")
        );
    }
}

/// Lists the properties a target served that the schemas do not name (information, not a
/// failure; `CAKE_CONTRACT_STRICT_FIELDS=1` makes them failures): on stderr, and in
/// `target/cake-contract/undocumented-properties.txt`, a line per operation and JSON pointer
/// with how many answers had it, since a passing test's output is not shown.
fn list_undocumented(target: &dyn Target, unnamed: &BTreeMap<(String, String), u32>) {
    if unnamed.is_empty() {
        return;
    }
    let mut text = format!(
        "properties {} served that the spec's schemas do not name (operation, JSON pointer, answers):\n",
        target.name()
    );
    for ((op, at), n) in unnamed {
        text.push_str(&format!("{op} {at} {n}\n"));
    }
    eprint!("{text}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/cake-contract");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("undocumented-properties.txt"), text);
    }
}
