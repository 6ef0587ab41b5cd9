//! Generates the SDK from the spec (the `cake-openapi` crate, `spec/cake.yaml`) into
//! `OUT_DIR/sdk.rs`, which `src/lib.rs` includes: everything is cake-codegen's, this only reads
//! and writes. Cargo reruns it when the spec changes (the spec crate is rebuilt then).

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    match cake_codegen::generate(cake_openapi::YAML) {
        Ok(code) => {
            if let Err(e) = std::fs::write(out.join("sdk.rs"), code) {
                println!("cargo::error=cannot write the generated SDK: {e}");
            }
        }
        Err(e) => println!("cargo::error=the spec cannot be made into the SDK: {e}"),
    }
}
