//! `spec/cake.yaml`, the workspace's single source of truth, as a crate: the OpenAPI 3.0.3
//! document of the six endpoints of CAKE's API that the SDK is generated from.
//!
//! The document travels to every build that uses it as this crate's text, so that nothing
//! reaches it through a link or a path outside its package: cake-client's build script reads it
//! from here (and reruns when it changes, since this crate is rebuilt then), and so do the
//! workspace's tools. It holds nothing but the text.

#![no_std]

/// The text of `spec/cake.yaml` (YAML).
pub const YAML: &str = include_str!("../cake.yaml");
