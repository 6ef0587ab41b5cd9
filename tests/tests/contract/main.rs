//! The contract suite: every request the SDK sends and every response it reads, held against
//! `spec/cake.yaml`, on every target (httpmock always; a live server with `CAKE_BASE_URL` and
//! `CAKE_API_KEY`). Run it with `cargo test -p cake-contract-tests`; `PROPTEST_CASES` sets the
//! number of generated cases.
//!
//! Nothing here names an operation or a parameter: the cases come from the spec.

mod breaking_proxy;
mod coverage;
mod examples;
mod exchanges;
mod faults;
mod invariants;
mod negative;
mod refusals;
mod runner;
mod schema_only;
mod spec_precision;
mod typed_queries;
mod types_agree;
mod undocumented;

use cake_contract_tests::{ops::Operation, target::Target};

/// The operations a target may be sent: all, less the data-creating ones where writes are off.
fn sendable<'a>(ops: &'a [Operation], target: &dyn Target) -> Vec<&'a Operation> {
    ops.iter()
        .filter(|op| !op.creates_data || target.allows_writes())
        .collect()
}
