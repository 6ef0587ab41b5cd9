//! Retries: what is retried, how long it waits, and that Record Conversion is never sent twice
//! unless it carries a `unique_id`.

mod common;

use std::time::Duration;

use cake_client::{Client, Error, RetryPolicy};
use common::{
    date, fast_retries, report_body, scripted_client as client, within, Reply, ScriptedServer, KEY,
};
use serde_json::json;

fn recorded() -> serde_json::Value {
    json!({"request_status":"Success","conversion":{"conversion_id":998877,"offer_id":12345,"affiliate_id":67890,
        "click_id":"a1b2","payout":18.00,"revenue":22.00,"unique_id":"ORD-1","conversion_date":"2026-06-19 14:30:00","conversion_status":"approved"}})
}

async fn affiliate_report(
    c: &Client,
) -> Result<cake_client::types::AffiliateReportResponse, Error> {
    within(
        c.get_affiliate_report()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-31"))
            .execute(),
    )
    .await
}

#[tokio::test]
async fn a_5xx_then_success_is_retried_to_success() {
    let server = ScriptedServer::start(vec![
        Reply::json(503, json!({"request_status":"Failure","message":"busy"})),
        Reply::json(200, report_body()),
    ])
    .await;
    affiliate_report(&client(&server, fast_retries(4)))
        .await
        .unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_dropped_connection_on_a_report_is_retried() {
    let server = ScriptedServer::start(vec![Reply::Drop, Reply::json(200, report_body())]).await;
    affiliate_report(&client(&server, fast_retries(4)))
        .await
        .unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = ScriptedServer::start(vec![
        Reply::Respond {
            status: 429,
            headers: vec![("retry-after".into(), "1".into())],
            body: json!({"request_status":"Failure","message":"slow down"}).to_string(),
        },
        Reply::json(200, report_body()),
    ])
    .await;
    affiliate_report(&client(&server, fast_retries(4)))
        .await
        .unwrap();
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "waited {gap:?}, Retry-After asked for 1 s (backoff alone is 5 ms at most)"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_is_not_waited_for() {
    let server = ScriptedServer::start(vec![Reply::Respond {
        status: 429,
        headers: vec![("retry-after".into(), "120".into())],
        body: json!({"request_status":"Failure","message":"come back later"}).to_string(),
    }])
    .await;
    let started = std::time::Instant::now();
    let e = affiliate_report(&client(&server, fast_retries(4)))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api { status, .. } if status.as_u16() == 429),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_eq!(server.hits(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let server = ScriptedServer::start(vec![Reply::json(
        502,
        json!({"request_status":"Failure","message":"down"}),
    )])
    .await;
    let e = affiliate_report(&client(&server, fast_retries(3)))
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn no_retries_means_one_attempt() {
    let server = ScriptedServer::start(vec![Reply::json(
        503,
        json!({"request_status":"Failure","message":"busy"}),
    )])
    .await;
    affiliate_report(&client(&server, RetryPolicy::none()))
        .await
        .unwrap_err();
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_4xx_is_not_retried() {
    let server = ScriptedServer::start(vec![Reply::json(
        400,
        json!({"request_status":"Failure","message":"no","parameter":"offer_id"}),
    )])
    .await;
    affiliate_report(&client(&server, fast_retries(4)))
        .await
        .unwrap_err();
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn record_conversion_without_unique_id_is_sent_exactly_once_when_the_connection_drops_after_recording(
) {
    // The server reads (and so records) the conversion, then drops the connection.
    let server = ScriptedServer::start(vec![Reply::Drop, Reply::json(200, recorded())]).await;
    let e = within(
        client(&server, fast_retries(5))
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .execute(),
    )
    .await
    .unwrap_err();
    // The error says honestly that it may have been recorded, and is not to be retried.
    assert!(
        matches!(&e, Error::OutcomeUnknown { cause, .. } if matches!(**cause, Error::Transport { .. })),
        "{e:?}"
    );
    assert!(e.may_have_created_data() && !e.is_retryable(), "{e:?}");
    let text = e.to_string();
    for needed in [
        "Record Conversion may have been recorded",
        "Get Conversions",
        "`unique_id`",
    ] {
        assert!(text.contains(needed), "{needed:?} missing from: {text}");
    }
    assert!(
        !text.contains(KEY) && !format!("{e:?}").contains(KEY),
        "{text}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        server.hits(),
        1,
        "Record Conversion without unique_id was sent again"
    );
}

#[tokio::test]
async fn record_conversion_without_unique_id_is_not_retried_on_5xx_either() {
    let server = ScriptedServer::start(vec![
        Reply::json(503, json!({"request_status":"Failure","message":"busy"})),
        Reply::json(200, recorded()),
    ])
    .await;
    let e = within(
        client(&server, fast_retries(5))
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .execute(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert!(
        e.may_have_created_data(),
        "a 5xx leaves the outcome open: {e:?}"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn record_conversion_with_unique_id_is_retried_to_success() {
    let server = ScriptedServer::start(vec![Reply::Drop, Reply::json(200, recorded())]).await;
    let done = within(
        client(&server, fast_retries(5))
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .unique_id("ORD-1")
            .execute(),
    )
    .await
    .unwrap();
    assert_eq!(done.conversion.conversion_id, 998877);
    let targets = server.targets();
    assert_eq!(targets.len(), 2);
    assert!(
        targets.iter().all(|t| t.contains("unique_id=ORD-1")),
        "{targets:?}"
    );
    assert_eq!(targets[0], targets[1], "the retry is the same request");
}

#[tokio::test]
async fn record_conversion_that_never_connected_is_a_plain_transport_error() {
    // A port nobody listens on: the request never left, so nothing can have been recorded.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let e = within(
        Client::builder(base_url, KEY)
            .retry(fast_retries(3))
            .build()
            .unwrap()
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .execute(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: cake_client::TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.may_have_created_data());
}

#[tokio::test]
async fn record_conversion_that_timed_out_after_sending_may_have_been_recorded() {
    let server = ScriptedServer::start(vec![Reply::After(
        Duration::from_millis(600),
        Box::new(Reply::json(200, recorded())),
    )])
    .await;
    let e = within(
        client(&server, fast_retries(5))
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .with_options(cake_client::CallOptions::new().timeout(Duration::from_millis(100)))
            .execute(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::OutcomeUnknown { cause, .. }
            if matches!(**cause, Error::Transport { kind: cake_client::TransportKind::Timeout, .. })),
        "{e:?}"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn record_conversion_whose_200_cannot_be_read_may_have_been_recorded() {
    let server =
        ScriptedServer::start(vec![Reply::json(200, json!({"request_status": "Success"}))]).await;
    let e = within(
        client(&server, fast_retries(5))
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .execute(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::OutcomeUnknown { cause, .. } if matches!(**cause, Error::Decode { .. })),
        "{e:?}"
    );
    // With a unique_id the same failure is what it is: repeating the call is safe.
    let e = within(
        client(&server, fast_retries(1))
            .record_conversion()
            .click_id("a1b2")
            .offer_id(12345u32)
            .unique_id("ORD-1")
            .execute(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}
