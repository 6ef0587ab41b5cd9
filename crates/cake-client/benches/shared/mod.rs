//! What the benchmarks share: a minimal local server, the client's runtime, an Offer Report page,
//! and the one call measured two ways (through the SDK, and written by hand).
#![allow(dead_code)] // each bench binary uses part of it

use std::sync::Arc;

use cake_client::{types, Client, RetryPolicy};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    runtime::Runtime,
};

/// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every GET with the same body: as
/// cheap as a server can be, so that the client's costs show. It runs on a thread and runtime of
/// its own, so that it does not compete with the client for a runtime's workers.
pub fn serve(body: Vec<u8>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap())).unwrap();
            let body = Arc::new(body);
            while let Ok((mut socket, _)) = listener.accept().await {
                let body = body.clone();
                let _ = socket.set_nodelay(true);
                tokio::spawn(async move {
                    // One write per response: a head and a body written apart meet Nagle's
                    // algorithm and delayed ACKs, and every call would wait ~40 ms for nothing.
                    let mut response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    response.extend_from_slice(&body);
                    let mut buf = Vec::with_capacity(4096);
                    let mut chunk = [0u8; 4096];
                    loop {
                        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buf.clear();
                        if socket.write_all(&response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    rx.recv().unwrap()
}

/// The client's runtime: one thread, as the server has, so a call's cost is not blurred by work
/// stealing between two workers on a two-core machine.
pub fn client_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub fn offer_row(i: u32) -> Value {
    json!({"offer_id":i,"offer_name":format!("Offer {i} - US"),"clicks":8420,"unique_clicks":7930,"conversions":312,
        "conversion_rate":3.71,"payout":5616.00,"revenue":6864.00,"profit":1248.00,"epc":0.667})
}

pub fn offer_page(rows: u32) -> Vec<u8> {
    let offers: Vec<Value> = (1..=rows).map(offer_row).collect();
    serde_json::to_vec(
        &json!({"request_status":"Success","response":{"data":{"offers":offers,
        "totals":{"clicks":8420,"conversions":312,"payout":5616.00,"revenue":6864.00}}}}),
    )
    .unwrap()
}

pub fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// The same Offer Report call through the SDK and written by hand with reqwest + serde_json
/// into the same types.
pub struct Calls {
    sdk: Client,
    http: reqwest::Client,
    endpoint: String,
    /// The SDK's dates, made once: a caller holds dates, and parsing text into them is not the
    /// SDK's cost (the hand-written call sends the same dates as text).
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
}

impl Calls {
    pub fn new(url: &str) -> Self {
        Self {
            sdk: Client::builder(url, "bench-key")
                .retry(RetryPolicy::none())
                .build()
                .unwrap(),
            http: reqwest::Client::new(),
            endpoint: format!("{url}/api/2/report/offer.json"),
            start: d("2026-01-01"),
            end: d("2026-01-31"),
        }
    }

    pub async fn sdk(&self) -> types::OfferReportResponse {
        self.sdk
            .get_offer_report()
            .start_date(self.start)
            .end_date(self.end)
            .row_limit(50u32)
            .execute()
            .await
            .unwrap()
    }

    pub async fn hand_written(&self) -> types::OfferReportResponse {
        let bytes = self
            .http
            .get(&self.endpoint)
            .query(&[
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-31"),
                ("row_limit", "50"),
                ("api_key", "bench-key"),
            ])
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        serde_json::from_slice::<types::OfferReportResponse>(&bytes).unwrap()
    }
}
