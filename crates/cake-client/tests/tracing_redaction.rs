//! Traced calls log their URL and outcome but never the api_key. (A test binary of its own, with
//! one process-wide subscriber set before any test emits anything: tracing caches per-callsite
//! interest process-wide, so a subscriber set for one test among many parallel ones could miss
//! events. Each test looks for its own lines.)

mod common;

use std::{sync::OnceLock, time::Duration};

use cake_client::{Client, Error, RetryPolicy};
use common::{date, fast_retries, LogCapture, Reply, ScriptedServer, KEY};
use serde_json::json;

/// The one subscriber of this test binary, set on first use.
fn logs() -> &'static LogCapture {
    static LOGS: OnceLock<LogCapture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = LogCapture::default();
        tracing::subscriber::set_global_default(logs.subscriber()).unwrap();
        logs
    })
}

#[tokio::test]
async fn a_traced_call_that_failed_logs_no_api_key() {
    let logs = logs();
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
    // A transport failure is logged with what failed, its URL redacted.
    assert!(
        text.lines()
            .any(|l| l.contains("CAKE request failed in transport")
                && l.contains("error=error sending request for url (http://")
                && l.contains("api_key=***)")),
        "{text}"
    );
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

/// Get Click with no filter: its query is the key alone (`/api/2/click.json?api_key=...`).
#[tokio::test]
async fn a_get_click_with_no_filter_logs_its_url_without_the_key() {
    let logs = logs();
    let server = ScriptedServer::start(vec![Reply::json(
        200,
        json!({"request_status": "Success", "response": {"clicks": [], "total_rows": 0}}),
    )])
    .await;
    let c = Client::builder(&server.base_url, KEY)
        .retry(common::once())
        .build()
        .unwrap();
    let page = c.get_click().execute().await.unwrap();
    assert_eq!(page.response.total_rows, 0);
    let text = logs.text();
    assert!(
        text.contains("/api/2/click.json?api_key=***"),
        "the trace shows no bare URL: {text}"
    );
    assert!(!text.contains(KEY), "the trace shows the api_key: {text}");
}

/// A Record Conversion without `unique_id` that failed in transport says in the log why it was
/// not retried; a report that failed in transport on its last attempt does not say that.
#[tokio::test]
async fn a_call_that_is_not_retried_says_why() {
    let logs = logs();
    let server = ScriptedServer::start(vec![Reply::Drop]).await;
    let report = common::within(
        Client::builder(&server.base_url, KEY)
            .retry(common::once())
            .build()
            .unwrap()
            .get_affiliate_report()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-31"))
            .execute(),
    )
    .await;
    assert!(matches!(report, Err(Error::Transport { .. })), "{report:?}");
    let e = common::within(
        Client::builder(&server.base_url, KEY)
            .retry(fast_retries(4))
            .build()
            .unwrap()
            .record_conversion()
            .click_id("not-retried")
            .offer_id(1u32)
            .execute(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::OutcomeUnknown { .. }), "{e:?}");
    let text = logs.text();
    let not_retried: Vec<&str> = text.lines().filter(|l| l.contains("not retried")).collect();
    assert!(
        not_retried
            .iter()
            .any(|l| l.contains("record_conversion") && l.contains("no idempotency key")),
        "{text}"
    );
    assert!(
        !not_retried
            .iter()
            .any(|l| l.contains("get_affiliate_report")),
        "a report is retried as its policy says: {not_retried:?}"
    );
    assert!(!text.contains(KEY), "the trace shows the api_key: {text}");
}
