//! The generated code, held as files under `tests/output/`: a change to the spec or to the
//! generator shows in review as a diff of what SDK users get, and fails here until accepted
//! with `EXPECTORATE=overwrite cargo test -p cake-codegen` (or `cargo xtask codegen`).

#[test]
fn the_workspace_spec() {
    let code = cake_codegen::generate(cake_openapi::YAML).unwrap_or_else(|e| panic!("{e}"));
    expectorate::assert_contents("tests/output/cake.rs", &code);
}

#[test]
fn the_hostile_spec() {
    let code = cake_codegen::generate(include_str!("specs/hostile.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    expectorate::assert_contents("tests/output/hostile.rs", &code);
}
