//! The dispatch follows the spec: every operation is called, every parameter passed on.

use cake_contract_tests::{
    dispatch::DispatchError,
    harness::Harness,
    params::{valid_params, ParamSet, ParamValue},
    target::{Answer, MockTarget},
};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};

/// A set holding every parameter of the operation, so a parameter the dispatch drops shows.
fn full_set(op: &cake_contract_tests::ops::Operation, runner: &mut TestRunner) -> ParamSet {
    let s = valid_params(op);
    let mut set = ParamSet::default();
    for _ in 0..200 {
        let more = s.new_tree(runner).expect("a value").current();
        for (k, v) in more.0 {
            set.0.entry(k).or_insert(v);
        }
        if set.0.len() == op.params.len() {
            break;
        }
    }
    // Keep date ranges ordered after merging.
    for (start, end) in op.date_ranges() {
        if let (Some(ParamValue::Date(s)), Some(ParamValue::Date(e))) =
            (set.get(&start).cloned(), set.get(&end).cloned())
        {
            if s > e {
                set.0.insert(start, ParamValue::Date(e));
                set.0.insert(end, ParamValue::Date(s));
            }
        }
    }
    set
}

#[test]
fn the_dispatch_calls_every_operation_of_the_spec_with_every_parameter() {
    let h = Harness::new().unwrap();
    let mut runner = TestRunner::deterministic();
    let mut missing = Vec::new();
    for op in &h.spec.operations {
        let set = full_set(op, &mut runner);
        assert_eq!(
            set.0.len(),
            op.params.len(),
            "{}: could not generate every parameter",
            op.id
        );
        let answer = Answer::json(200, &serde_json::json!({}));
        match h.exchange(&MockTarget, op, &set, answer) {
            Ok(x) => assert_eq!(x.requests.len(), 1, "{}: {set:?} was not sent once", op.id),
            Err(e) => missing.push(e.to_string()),
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn an_operation_or_parameter_the_dispatch_lacks_is_an_error_not_a_skip() {
    let h = Harness::new().unwrap();
    let mut op = h.spec.operations[0].clone();
    let mut runner = TestRunner::deterministic();
    let mut set = full_set(&op, &mut runner);
    set.0
        .insert("added_to_the_spec".into(), ParamValue::Integer(1));
    let answer = Answer::json(200, &serde_json::json!({}));
    match h.exchange(&MockTarget, &op, &set, answer.clone()) {
        Err(DispatchError::UnhandledParameters { params, .. }) => {
            assert_eq!(params, vec!["added_to_the_spec".to_string()])
        }
        Err(e) => panic!("expected UnhandledParameters, got {e}"),
        Ok(_) => panic!("a parameter the dispatch does not know was silently dropped"),
    }
    op.id = "an_operation_added_to_the_spec".into();
    match h.exchange(&MockTarget, &op, &ParamSet::default(), answer) {
        Err(DispatchError::UnknownOperation(id)) => assert_eq!(id, op.id),
        Err(e) => panic!("expected UnknownOperation, got {e}"),
        Ok(_) => panic!("an operation the dispatch does not know was accepted"),
    }
}
