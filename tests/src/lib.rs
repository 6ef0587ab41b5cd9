//! The contract-test crate: the spec, read at test time by `cake_spec::Document`, turned into proptest
//! strategies (parameters and response bodies) and JSON Schema validators; httpmock stands in
//! for CAKE, and a [`target::Target`] may put a real server behind it: the local simulator
//! ([`simulator`]) always, a live CAKE when configured.
//!
//! Nothing in this crate restates the spec: operations, parameters, bounds, enums, defaults,
//! statuses and schemas are all read from `spec/cake.yaml`. The one hand-written mapping is
//! [`dispatch::call`], from a parameter set to the typed SDK call, and it fails loudly on an
//! operation or parameter it does not know.

pub mod bodies;
pub mod dispatch;
pub mod harness;
pub mod ops;
pub mod params;
pub mod refusal;
pub mod runner;
pub mod schema;
pub mod schema_only;
pub mod simulator;
pub mod target;
