//! The SDK's typed queries (`cake_client::query`, generated from the spec) against the spec:
//! every valid parameter set the spec allows parses into its operation's query and writes back
//! to pairs that parse into the same query; every invalid one is refused naming a parameter the
//! breach is about, as the spec's validator does.

use cake_client::query::OperationQuery;
use cake_contract_tests::{
    ops::Spec,
    params::{invalid_params, valid_params, ParamSet},
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn pairs(set: &ParamSet) -> Vec<(String, String)> {
    set.0
        .iter()
        .map(|(k, v)| (k.clone(), v.query_text()))
        .collect()
}

fn parse(id: &str, pairs: &[(String, String)]) -> Option<Result<OperationQuery, String>> {
    OperationQuery::parse(id, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map(|r| r.map_err(|e| e.parameter))
}

#[test]
fn every_operation_has_a_typed_query_that_round_trips() {
    let spec = Spec::load().unwrap();
    assert!(OperationQuery::parse("no_such_operation", []).is_none());
    for op in &spec.operations {
        let mut runner = TestRunner::new(Config::with_cases(64));
        runner
            .run(&valid_params(op), |set| {
                let given = pairs(&set);
                let query = parse(&op.id, &given)
                    .expect("every operation of the spec has a typed query")
                    .map_err(|p| TestCaseError::fail(format!("{}: refused {p}: {set:?}", op.id)))?;
                prop_assert_eq!(query.operation_id(), op.id.as_str());
                let written: Vec<(String, String)> = query
                    .to_pairs()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                let again = parse(&op.id, &written).unwrap().map_err(|p| {
                    TestCaseError::fail(format!("{}: its own pairs refused at {p}", op.id))
                })?;
                prop_assert_eq!(again, query);
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn an_invalid_query_is_refused_naming_the_parameter() {
    let spec = Spec::load().unwrap();
    for op in &spec.operations {
        let Some(strategy) = invalid_params(op) else {
            continue;
        };
        let mut runner = TestRunner::new(Config::with_cases(64));
        runner
            .run(&strategy, |(set, breach)| {
                let refused = parse(&op.id, &pairs(&set)).unwrap();
                match refused {
                    Ok(q) => prop_assert!(false, "{}: accepted {set:?} as {q:?}", op.id),
                    Err(p) => prop_assert!(
                        breach.blamable().contains(&p.as_str()),
                        "{}: blamed {p} for {breach:?}",
                        op.id
                    ),
                }
                Ok(())
            })
            .unwrap();
    }
}
