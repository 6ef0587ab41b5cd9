//! A fixed amount of work for counting instructions (wall-clock time on a small shared VM is too
//! noisy to compare two paths within a few percent): 2000 Offer Report calls, either through the
//! SDK (`sdk`) or written by hand with reqwest + serde_json into the same types (`hand`), against
//! the benchmarks' keep-alive server on a thread of its own. Both modes build the same clients, so
//! set-up costs cancel out. Reproduce (BENCHMARKS.md):
//!
//! ```sh
//! cargo bench -p cake-client --bench per_call_probe --no-run   # prints the binary's path
//! valgrind --tool=callgrind target/release/deps/per_call_probe-* sdk
//! valgrind --tool=callgrind target/release/deps/per_call_probe-* hand
//! ```

#[path = "shared/mod.rs"]
mod shared;

fn main() {
    // `cargo bench` runs every bench target with its own flags: without a mode this one only
    // says how it is used, so that `cargo bench -p cake-client` stays green.
    let Some(mode) = std::env::args().skip(1).find(|m| m == "sdk" || m == "hand") else {
        println!(
            "per_call_probe: run its binary with `sdk` or `hand` under valgrind --tool=callgrind"
        );
        return;
    };
    let rt = shared::client_runtime();
    let calls = shared::Calls::new(&shared::serve(shared::offer_page(1)));
    rt.block_on(async {
        for _ in 0..2000 {
            if mode == "sdk" {
                calls.sdk().await;
            } else {
                calls.hand_written().await;
            }
        }
    });
}
