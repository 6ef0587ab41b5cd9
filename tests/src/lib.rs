//! The contract-test crate: the spec, loaded at test time, turned into JSON Schema validators and
//! proptest strategies; httpmock stands in for CAKE.

pub mod schema;
