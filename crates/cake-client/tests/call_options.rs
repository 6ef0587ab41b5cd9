//! Per-call control: a call's own timeout and retry policy override the client's, and an answer
//! can be read with its status, headers and number of attempts.

mod common;

use std::time::{Duration, Instant};

use cake_client::{CallOptions, Error, PageOptions, RetryPolicy, TransportKind};
use common::{date, fast_retries, report_body, scripted_client as client, Reply, ScriptedServer};
use serde_json::json;

#[test]
fn options_say_what_they_override() {
    let none = CallOptions::new();
    assert_eq!(
        (none.timeout_override(), none.retry_override()),
        (None, None)
    );
    let policy = fast_retries(3);
    let set = CallOptions::new()
        .timeout(Duration::from_millis(1500))
        .retry(policy.clone());
    assert_eq!(set.timeout_override(), Some(Duration::from_millis(1500)));
    assert_eq!(set.retry_override(), Some(&policy));
}

#[tokio::test]
async fn an_answer_tells_its_own_success_status() {
    let server = ScriptedServer::start(vec![Reply::json(203, report_body())]).await;
    let answer = client(&server, RetryPolicy::none())
        .get_affiliate_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .execute_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 203);
}

fn busy() -> Reply {
    Reply::json(503, json!({"request_status":"Failure","message":"busy"}))
}

#[tokio::test]
async fn a_calls_retry_policy_overrides_the_clients_and_the_answer_counts_the_attempts() {
    let mut ok = Reply::json(200, report_body());
    if let Reply::Respond { headers, .. } = &mut ok {
        headers.push(("x-request-id".into(), "req-42".into()));
        headers.push(("x-ratelimit-remaining".into(), "17".into()));
    }
    let server = ScriptedServer::start(vec![busy(), busy(), ok]).await;
    // The client never retries; this one call may, three times.
    let answer = client(&server, RetryPolicy::none())
        .get_affiliate_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .with_options(CallOptions::new().retry(fast_retries(3)))
        .execute_with_response()
        .await
        .unwrap();
    assert_eq!(answer.attempts(), 3);
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.headers()["x-request-id"], "req-42");
    assert_eq!(answer.headers()["x-ratelimit-remaining"], "17");
    assert!(
        answer.response.data.affiliates.is_empty(),
        "derefs to the body"
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn without_options_the_clients_policy_holds_and_one_attempt_is_counted() {
    let server = ScriptedServer::start(vec![busy(), Reply::json(200, report_body())]).await;
    let c = client(&server, RetryPolicy::none());
    let e = c
        .get_affiliate_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .execute_with_response()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    let answer = c
        .get_affiliate_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .execute_with_response()
        .await
        .unwrap();
    assert_eq!(answer.attempts(), 1);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_calls_timeout_overrides_the_clients() {
    let server = ScriptedServer::start(vec![Reply::After(
        Duration::from_millis(800),
        Box::new(Reply::json(200, report_body())),
    )])
    .await;
    let started = Instant::now();
    let e = client(&server, RetryPolicy::none())
        .get_affiliate_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .with_options(CallOptions::new().timeout(Duration::from_millis(100)))
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    // The client's own timeout is 60 s: only the call's can have ended it this soon.
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stream_sends_every_page_with_the_calls_options() {
    let page = |n: u32| {
        let clicks: Vec<_> = (0..n)
            .map(|i| {
                json!({"click_id": format!("c{i}"), "click_date": "2026-01-15 09:42:11", "offer_id": 1,
                       "affiliate_id": 2, "ip_address": "203.0.113.1", "country": "US", "converted": false})
            })
            .collect();
        Reply::json(
            200,
            json!({"request_status":"Success","response":{"clicks": clicks, "total_rows": 3}}),
        )
    };
    // Each page fails once: only the call's retry policy gets the stream through.
    let server = ScriptedServer::start(vec![busy(), page(2), busy(), page(1)]).await;
    let c = client(&server, RetryPolicy::none());
    let rows = c
        .get_click()
        .with_options(CallOptions::new().retry(fast_retries(2)))
        .stream_with(PageOptions {
            page_size: Some(2),
            prefetch: false,
        });
    // A stream that never ends fails the test in seconds, not at a harness's timeout.
    let all = tokio::time::timeout(Duration::from_secs(5), rows.try_collect_all())
        .await
        .expect("the stream ends")
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(server.hits(), 4);

    // The same through `collect_all()` with the call's options (one page of the default size).
    let server = ScriptedServer::start(vec![busy(), page(3)]).await;
    let rows = common::within(
        client(&server, RetryPolicy::none())
            .get_click()
            .with_options(CallOptions::new().retry(fast_retries(2)))
            .collect_all(),
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(server.hits(), 2);
}
