//! Stands for another team's service that depends on `cake-client`: its tests (in `tests/`) hold
//! that adding the SDK leaves the service's own JSON handling exactly as plain serde_json has it,
//! and that the SDK's money and enums still behave as documented in such a build.
