//! The spec (`spec/cake.yaml`) read as data, in one place: the document with its operations,
//! parameters, responses and key order ([`document`]), what each parameter admits ([`params`]),
//! its `x-cake-` extensions ([`extensions`]), `$ref`s ([`refs`]), and its schemas as JSON Schema
//! ([`schema`]; validators with the `validate` feature).
//!
//! It is published with cake-client: the SDK's generator (cake-codegen, in cake-client's build
//! script) reads the spec through it, as the simulator's tools, the contract suite and `cargo
//! xtask` do. It depends on nothing generated from the spec, so that the tools that must work on
//! any version of it (`cargo xtask spec`, `spec-diff`) never need the SDK to build; without
//! `validate` it needs only serde_json and a YAML reader.

pub mod document;
pub mod extensions;
pub mod params;
pub mod refs;
pub mod schema;

pub use document::{Document, Operation, Response, Status};
