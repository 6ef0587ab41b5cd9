//! What a tool that reads only the spec makes, the SDK and the simulator take: bodies and query
//! values generated from the schemas' JSON Schema keywords alone (patterns, bounds,
//! `multipleOf`, enums, lengths; never `format`, never this project's types), by
//! `cake_contract_tests::schema_only`.
//!
//! - Every body a documented JSON response of an operation admits is decoded by the SDK: a
//!   success into its type, a failure into the API error that carries its message.
//! - Every query the parameters' schemas admit is accepted by the simulator: never a 400, but
//!   for the documented date-order rule (a range whose start is after its end), which is a 400
//!   naming the range's start or end.

use cake_client::Error;
use cake_contract_tests::{
    harness::Harness,
    ops::{Operation, Status},
    params::valid_params,
    schema_only::{query_text, values},
    simulator,
    target::{Answer, CapturedRequest, MockTarget, Target, SUITE_API_KEY},
};
use proptest::{prelude::*, test_runner::TestCaseError};
use serde_json::Value;

/// Each documented JSON response of `op` as a status to answer with and its schema.
fn answers(op: &Operation) -> Vec<(u16, Value)> {
    op.responses
        .iter()
        .map(|r| {
            let status = match r.status {
                Status::Code(c) => c,
                Status::Range(n) => n * 100,
                // Any status the others do not name: one no operation documents.
                Status::Default => 599,
            };
            (status, r.schema.clone())
        })
        .collect()
}

#[test]
fn every_body_the_schemas_admit_decodes_in_the_sdk() {
    let h = Harness::new().unwrap();
    let mut cases = Vec::new();
    for (index, op) in h.spec.operations.iter().enumerate() {
        for (status, schema) in answers(op) {
            let bodies =
                values(&h.spec.json, &schema).unwrap_or_else(|e| panic!("{} {status}: {e}", op.id));
            cases.push(
                (Just(index), Just(status), valid_params(op), bodies)
                    .prop_map(|(i, s, p, b)| (i, s, p, b))
                    .boxed(),
            );
        }
    }
    let cases = proptest::strategy::Union::new(cases);
    h.run(
        "bodies from the schemas alone",
        &MockTarget,
        cases,
        |(index, status, params, body)| {
            let op = &h.spec.operations[index];
            let x = h
                .exchange(&MockTarget, op, &params, Answer::json(status, &body))
                .map_err(|e| TestCaseError::fail(format!("{}: {e}", op.id)))?;
            let decoded = match &x.dispatched.result {
                Ok(_) => (200..300).contains(&status),
                // A failure's body is read into the error; a 429 or 5xx may have been retried,
                // and is the same failure after the last attempt.
                Err(Error::Api { .. }) => !(200..300).contains(&status),
                // Record Conversion's 5xx leaves open whether it was recorded: the API error is
                // the cause.
                Err(Error::OutcomeUnknown { cause, .. }) => {
                    matches!(**cause, Error::Api { .. }) && status >= 500
                }
                Err(_) => false,
            };
            if decoded {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "{} answered {status} with {body}: the SDK gave {:?}",
                    op.id, x.dispatched.result
                )))
            }
        },
    );
}

/// A query of `op` from its parameters' schemas alone: every required parameter, and each
/// optional one half the time.
fn queries(spec: &Value, op: &Operation) -> BoxedStrategy<Vec<(String, String)>> {
    let params: Vec<BoxedStrategy<Option<(String, String)>>> = op
        .params
        .iter()
        .map(|p| {
            let name = p.name.clone();
            let pair = values(spec, &p.schema)
                .unwrap_or_else(|e| panic!("{}.{}: {e}", op.id, p.name))
                .prop_map(move |v| (name.clone(), query_text(&v)));
            if p.required {
                pair.prop_map(Some).boxed()
            } else {
                proptest::option::of(pair).boxed()
            }
        })
        .collect();
    params
        .prop_map(|pairs| pairs.into_iter().flatten().collect())
        .boxed()
}

/// Whether `query` puts `op`'s date range in the wrong order (text compares as dates do, for
/// the `YYYY-MM-DD` the pattern admits).
fn reversed(op: &Operation, query: &[(String, String)]) -> bool {
    op.date_ranges().iter().any(|(start, end)| {
        let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        matches!((get(start), get(end)), (Some(s), Some(e)) if s > e)
    })
}

#[test]
fn every_query_the_schemas_admit_is_accepted_by_the_simulator() {
    let h = Harness::new().unwrap();
    let target = simulator::simulator_target().unwrap();
    let cases = proptest::strategy::Union::new(
        h.spec
            .operations
            .iter()
            .enumerate()
            .map(|(index, op)| (Just(index), queries(&h.spec.json, op)).boxed()),
    );
    h.run(
        "queries from the schemas alone",
        &target,
        cases,
        |(index, query)| {
            let op = &h.spec.operations[index];
            let mut sent = query.clone();
            sent.push((h.spec.api_key_param.clone(), SUITE_API_KEY.to_string()));
            let request = CapturedRequest {
                method: op.method.clone(),
                path: op.path.clone(),
                query: sent,
            };
            let answer = h
                .block_on(target.answer(&request, Answer::json(200, &Value::Null)))
                .map_err(TestCaseError::fail)?;
            let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            let named = body.get("parameter").and_then(Value::as_str);
            let documented = op.response_for(answer.status).is_some();
            let ok = if reversed(op, &query) {
                answer.status == 400
                    && op
                        .date_ranges()
                        .iter()
                        .any(|(s, e)| named == Some(s.as_str()) || named == Some(e.as_str()))
            } else {
                answer.status != 400 && answer.status < 500 && documented
            };
            if ok {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "{} {query:?}: the simulator answered {answer:?}",
                    op.id
                )))
            }
        },
    );
}
