//! The SDK's code for the hostile spec is the checked-in snapshot (`../output/hostile.rs`, which
//! cake-codegen's snapshot test holds equal to what the generator makes): compiled as it is
//! reviewed.

fn main() {
    let snapshot = std::path::Path::new("../output/hostile.rs");
    println!("cargo::rerun-if-changed={}", snapshot.display());
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Err(e) = std::fs::copy(snapshot, out.join("sdk.rs")) {
        println!("cargo::error=cannot copy {}: {e}", snapshot.display());
    }
}
