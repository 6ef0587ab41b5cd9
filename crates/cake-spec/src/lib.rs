//! Reading spec/cake.yaml as data, for the workspace's tools (today: its schemas as JSON Schema,
//! [`schema`]). It depends on nothing generated from the spec, so that the tools that must work
//! on any version of it (`cargo xtask spec`, `spec-diff`) never need the SDK to build.

pub mod schema;
