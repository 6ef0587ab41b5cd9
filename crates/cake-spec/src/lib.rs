//! Reading spec/cake.yaml as data, for the workspace's tools: its schemas as JSON Schema
//! ([`schema`]), its query parameters and what each admits ([`params`]) and its `x-cake-`
//! extensions ([`extensions`]); the last two are also compiled into cake-client's build script. It depends on nothing generated from the spec, so that the tools that must work
//! on any version of it (`cargo xtask spec`, `spec-diff`) never need the SDK to build.

pub mod extensions;
pub mod params;
pub mod schema;
