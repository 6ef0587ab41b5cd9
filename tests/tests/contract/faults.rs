//! Scripted faults on the simulator (`cake_sim::sandbox`, what `/_sim/faults` sets): for generated
//! valid requests of every operation, one fault on the first attempt — a 429 with `Retry-After`,
//! a 503, or the request done and its connection dropped. A request that may be repeated (it
//! creates nothing, or carries its idempotency key) must get through on the retry, sent exactly
//! twice; one that may not is sent exactly once, and a failure that leaves its outcome open says
//! so (`Error::OutcomeUnknown`). The simulator's journal counts what was sent.

use std::time::Duration;

use cake_client::{Error, RetryPolicy};
use cake_contract_tests::{
    dispatch,
    harness::{run_property, Harness},
    params::anchored_params,
    simulator::LocalSimulator,
};
use cake_sim::{Fault, FaultPlan, FaultRule};
use proptest::{prelude::*, strategy::Union};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    RateLimited,
    Unavailable,
    Dropped,
}

impl Kind {
    fn fault(self) -> Fault {
        match self {
            Kind::RateLimited => Fault::Status {
                status: 429,
                retry_after_seconds: Some(0),
            },
            Kind::Unavailable => Fault::Status {
                status: 503,
                retry_after_seconds: None,
            },
            Kind::Dropped => Fault::CommitThenDrop,
        }
    }
}

#[test]
fn one_fault_on_the_first_attempt_is_survived_and_nothing_is_sent_twice_that_must_not_be() {
    let h = Harness::new().unwrap();
    let sim = LocalSimulator::demo().unwrap();
    let client = sim
        .client_with(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            max_elapsed: Duration::from_secs(10),
        })
        .unwrap();
    let anchors = sim.anchors();
    let cases = Union::new(h.spec.operations.iter().enumerate().map(|(i, op)| {
        (
            Just(i),
            anchored_params(op, anchors.clone()),
            prop_oneof![
                Just(Kind::RateLimited),
                Just(Kind::Unavailable),
                Just(Kind::Dropped)
            ],
        )
            .boxed()
    }));
    run_property(
        "one fault on the first attempt",
        96,
        cases,
        |(i, params, kind)| {
            let op = &h.spec.operations[i];
            sim.simulator()
                .set_faults(FaultPlan {
                    seed: 0,
                    rules: vec![FaultRule {
                        operation: Some(op.id.clone()),
                        fault: kind.fault(),
                        after: 0,
                        times: Some(1),
                        probability: None,
                    }],
                })
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let before = sim.simulator().journal().1;
            let dispatched = sim
                .block_on(dispatch::call(&client, &op.id, &params))
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let sent = sim.simulator().journal().1 - before;
            // What makes a repeat safe is the spec's to say (x-cake-idempotency-key).
            let key = cake_client::spec::operation(&op.id).and_then(|o| o.idempotency_key);
            let repeatable = !op.creates_data || key.is_some_and(|k| params.0.contains_key(k));
            let outcome = match &dispatched.result {
                Ok(_) => "ok".to_string(),
                Err(e) => format!("{e}"),
            };
            if repeatable {
                prop_assert_eq!(sent, 2, "{} {:?}: {}", op.id, kind, outcome);
                // Through on the retry: a success, or a failure the operation documents itself
                // (Record Conversion of a click of another offer), never the fault.
                match &dispatched.result {
                    Ok(_) => {}
                    Err(Error::Api { status, .. }) => prop_assert!(
                        status.is_client_error() && status.as_u16() != 429,
                        "{} {:?}: {}",
                        op.id,
                        kind,
                        outcome
                    ),
                    Err(e) => {
                        prop_assert!(false, "{} {:?}: the fault got through: {e}", op.id, kind)
                    }
                }
            } else {
                prop_assert_eq!(sent, 1, "{} {:?} was sent again: {}", op.id, kind, outcome);
                let e = dispatched.result.as_ref().err();
                match kind {
                    Kind::RateLimited => prop_assert!(
                        matches!(e, Some(Error::Api { status, .. }) if status.as_u16() == 429),
                        "{}: {}",
                        op.id,
                        outcome
                    ),
                    Kind::Unavailable | Kind::Dropped => prop_assert!(
                        e.is_some_and(Error::may_have_created_data),
                        "{} {:?}: {}",
                        op.id,
                        kind,
                        outcome
                    ),
                }
            }
            Ok(())
        },
    );
}
