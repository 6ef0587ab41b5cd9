//! A traced call that failed, with retries, logs its URL and outcome but never the api_key.
//! (A test binary of its own: tracing caches per-callsite interest process-wide, so a
//! subscriber set for one test among many parallel ones can miss events.)

mod common;

use std::time::Duration;

use cake_client::{Client, RetryPolicy};
use common::{date, LogCapture, Reply, ScriptedServer, KEY};
use serde_json::json;

#[tokio::test]
async fn a_traced_call_that_failed_logs_no_api_key() {
    let logs = LogCapture::default();
    tracing::subscriber::set_global_default(logs.subscriber()).unwrap();
    let server = ScriptedServer::start(vec![
        Reply::json(503, json!({"request_status":"Failure","message":"busy"})),
        Reply::Drop,
        Reply::Respond {
            status: 500,
            headers: vec![],
            body: format!("oops {KEY}"),
        },
    ])
    .await;
    let c = Client::builder(&server.base_url, KEY)
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let e = c
        .get_offer_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .execute()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(server.hits(), 3);
    let text = logs.text();
    for expected in [
        "cake.request",
        "operation_id=\"get_offer_report\"",
        "api_key=***",
        "attempt=3",
        "status=500",
        "retrying",
    ] {
        assert!(
            text.contains(expected),
            "the trace lacks {expected}: {text}"
        );
    }
    assert!(
        !text.contains(KEY) && !text.contains("k3y"),
        "the trace shows the api_key: {text}"
    );
    assert!(!format!("{e} {e:?}").contains("k3y"));
}
