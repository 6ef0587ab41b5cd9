//! The spec as data (as this SDK was generated from it), and its schemas as JSON Schema
//! validators: those are `cake_spec::schema`'s, re-exported here (they check `cake-date-time`
//! without the SDK's parser, which is under test).

pub use cake_spec::schema::{resolve, to_json_schema, validator, violations};
use serde_json::Value;

/// The spec as this SDK was generated from it, as JSON.
pub fn spec_json() -> Value {
    serde_yaml_ng::from_str(cake_client::spec::SPEC_YAML).expect("spec/cake.yaml is YAML")
}
