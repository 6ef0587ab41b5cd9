//! A fixed amount of work for counting instructions (wall-clock time on a small shared VM is too
//! noisy to compare two paths within a few percent): 2000 Offer Report calls, either through the
//! SDK (`sdk`) or written by hand with reqwest + serde_json into the same types (`hand`), against
//! a blocking keep-alive server on a thread of its own. Both modes build the same clients, so
//! set-up costs cancel out. Reproduce (BENCHMARKS.md):
//!
//! ```sh
//! cargo bench -p cake-client --bench per_call_probe --no-run   # prints the binary's path
//! valgrind --tool=callgrind target/release/deps/per_call_probe-* sdk
//! valgrind --tool=callgrind target/release/deps/per_call_probe-* hand
//! ```

use std::io::{Read, Write};
fn main() {
    // `cargo bench` runs every bench target with its own flags: without a mode this one only
    // says how it is used, so that `cargo bench -p cake-client` stays green.
    let Some(mode) = std::env::args().skip(1).find(|m| m == "sdk" || m == "hand") else {
        println!(
            "per_call_probe: run its binary with `sdk` or `hand` under valgrind --tool=callgrind"
        );
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let body = br#"{"request_status":"Success","response":{"data":{"offers":[{"offer_id":1,"offer_name":"o","clicks":8420,"unique_clicks":7930,"conversions":312,"conversion_rate":3.71,"payout":5616.00,"revenue":6864.00,"profit":1248.00,"epc":0.667}],"totals":{"clicks":8420,"conversions":312,"payout":5616.00,"revenue":6864.00}}}}"#;
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let mut s = s.unwrap();
            s.set_nodelay(true).unwrap();
            std::thread::spawn(move || {
                let mut resp = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
                resp.extend_from_slice(body);
                let mut buf = vec![0u8; 8192];
                let mut acc = Vec::new();
                loop {
                    while !acc.windows(4).any(|w| w == b"\r\n\r\n") {
                        let n = s.read(&mut buf).unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        acc.extend_from_slice(&buf[..n]);
                    }
                    acc.clear();
                    if s.write_all(&resp).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sdk = cake_client::Client::builder(&url, "k")
        .retry(cake_client::RetryPolicy::none())
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let endpoint = format!("{url}/api/2/report/offer.json");
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    rt.block_on(async {
        for _ in 0..2000 {
            if mode == "sdk" {
                sdk.get_offer_report()
                    .start_date(d("2026-01-01"))
                    .end_date(d("2026-01-31"))
                    .row_limit(50u32)
                    .execute()
                    .await
                    .unwrap();
            } else {
                let bytes = http
                    .get(&endpoint)
                    .query(&[
                        ("start_date", "2026-01-01"),
                        ("end_date", "2026-01-31"),
                        ("row_limit", "50"),
                        ("api_key", "k"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .error_for_status()
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                serde_json::from_slice::<cake_client::types::OfferReportResponse>(&bytes).unwrap();
            }
        }
    });
}
