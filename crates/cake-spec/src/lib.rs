//! Reading spec/cake.yaml as data, for the workspace's tools: its schemas as JSON Schema
//! ([`schema`]) and its `x-cake-` extensions ([`extensions`], also compiled into cake-client's
//! build script). It depends on nothing generated from the spec, so that the tools that must work
//! on any version of it (`cargo xtask spec`, `spec-diff`) never need the SDK to build.

pub mod extensions;
pub mod schema;
