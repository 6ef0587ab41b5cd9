//! Every kind of error the client returns: what it carries, and that neither its Display nor its
//! Debug (nor the client's Debug, nor a traced call's log) shows the api_key.

mod common;

use std::time::Duration;

use cake_client::{Client, Error, TransportKind};
use common::{client, date, KEY};
use httpmock::MockServer;
use serde_json::json;

fn assert_secret_free(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} shows the api_key: {text}");
    assert!(
        !text.contains("k3y"),
        "{what} shows part of the api_key: {text}"
    );
}

fn printed(e: &Error) -> String {
    let text = format!("{e}\n{e:?}\n{e:#}");
    assert_secret_free("an error", &text);
    text
}

async fn offer_report(client: &Client) -> Result<cake_client::types::OfferReportResponse, Error> {
    client
        .get_offer_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .execute()
        .await
}

#[tokio::test]
async fn a_failure_envelope_is_an_api_error_with_message_parameter_and_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(400).json_body(json!({"request_status":"Failure","message":format!("row_limit: bad (key {KEY})"),"parameter":"row_limit"}));
        })
        .await;
    let e = offer_report(&client(&server)).await.unwrap_err();
    let text = printed(&e);
    match &e {
        Error::Api {
            status,
            message,
            parameter,
        } => {
            assert_eq!(status.as_u16(), 400);
            assert!(message.starts_with("row_limit: bad (key ***"), "{message}");
            assert_eq!(parameter.as_deref(), Some("row_limit"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert!(text.contains("row_limit") && text.contains("400"), "{text}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_failure_envelope_inside_a_200_is_the_api_saying_no_not_a_decode_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({"request_status":"Failure","message":"start_date: out of range","parameter":"start_date"}));
        })
        .await;
    let e = offer_report(&client(&server)).await.unwrap_err();
    printed(&e);
    assert!(
        matches!(&e, Error::Api { status, parameter: Some(p), .. } if status.as_u16() == 200 && p == "start_date"),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_error_status_without_an_envelope_is_an_http_error_with_the_body_excerpt() {
    let server = MockServer::start_async().await;
    let page = format!("<html>bad gateway {}{}</html>", KEY, "x".repeat(5000));
    server
        .mock_async(|_, then| {
            then.status(502).body(page);
        })
        .await;
    let e = offer_report(&client(&server)).await.unwrap_err();
    let text = printed(&e);
    match &e {
        Error::Http { status, body } => {
            assert_eq!(status.as_u16(), 502);
            assert!(body.starts_with("<html>bad gateway ***"), "{body}");
            assert!(
                body.len() <= 1024 + 16,
                "the excerpt is about a KiB, got {}",
                body.len()
            );
        }
        other => panic!("expected Http, got {other:?}"),
    }
    assert!(text.contains("502"), "{text}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn an_undocumented_status_is_an_http_error_too() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(403).body("forbidden");
        })
        .await;
    let e = offer_report(&client(&server)).await.unwrap_err();
    printed(&e);
    assert!(
        matches!(&e, Error::Http { status, body } if status.as_u16() == 403 && body == "forbidden"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_body_that_breaks_the_schema_is_a_decode_error_with_the_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({"request_status":"Success","response":{"data":{"offers":[{"offer_id":"not a number"}],"echo":KEY}}}));
        })
        .await;
    let e = offer_report(&client(&server)).await.unwrap_err();
    printed(&e);
    match &e {
        Error::Decode {
            status,
            reason,
            body,
        } => {
            assert_eq!(status.as_u16(), 200);
            assert!(!reason.is_empty());
            assert!(
                body.contains("not a number") && body.contains("***"),
                "{body}"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_transport_error_without_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(format!("http://127.0.0.1:{port}"), KEY)
        .retry(common::once())
        .build()
        .unwrap();
    let e = offer_report(&c).await.unwrap_err();
    printed(&e);
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_slow_server_is_a_timeout_transport_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(200)
                .delay(Duration::from_millis(1500))
                .body("{}");
        })
        .await;
    let c = Client::builder(server.base_url(), KEY)
        .timeout(Duration::from_millis(200))
        .retry(common::once())
        .build()
        .unwrap();
    let e = offer_report(&c).await.unwrap_err();
    printed(&e);
    assert!(
        matches!(
            &e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_forbidden_request_is_an_invalid_request_naming_the_parameter() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let e = client(&server)
        .get_offer_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .row_limit(20000u32)
        .execute()
        .await
        .unwrap_err();
    let text = printed(&e);
    assert_eq!(e.parameter(), Some("row_limit"), "{e:?}");
    assert!(
        text.contains("from 1 to 10000") && text.contains("20000"),
        "{text}"
    );
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_bad_base_url_is_an_invalid_request_naming_base_url() {
    // Not a URL; not http(s); a query (the api_key's place); each alone.
    for base in [
        "not a url",
        "ftp://yourdomain.cakemarketing.com",
        "https://yourdomain.cakemarketing.com/?x=1",
    ] {
        let e = Client::builder(base, KEY).build().unwrap_err();
        printed(&e);
        assert_eq!(e.parameter(), Some("base_url"), "{base}: {e:?}");
    }
    assert!(Client::builder("http://127.0.0.1:9/cake", KEY)
        .build()
        .is_ok());
}

#[test]
fn the_client_and_its_builder_never_show_the_key() {
    let builder = Client::builder("https://yourdomain.cakemarketing.com", KEY);
    assert_secret_free("the builder's Debug", &format!("{builder:?}"));
    let c = builder.build().unwrap();
    let debug = format!("{c:?}");
    assert_secret_free("the client's Debug", &debug);
    assert!(
        debug.starts_with("Client") && debug.contains("https://yourdomain.cakemarketing.com"),
        "the client's Debug says what it is: {debug}"
    );
}

#[test]
fn transport_kinds_say_what_failed() {
    let shown: Vec<String> = [
        TransportKind::Connect,
        TransportKind::Timeout,
        TransportKind::Other,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(shown, ["connect", "timeout", "connection"]);
}

/// Redirects within CAKE's origin are followed, five at the most (the key is in the URL, so a
/// longer chain is not followed on; it is answered as the 3xx it is).
#[tokio::test]
async fn same_origin_redirects_are_followed_up_to_five() {
    let report = json!({"request_status":"Success","response":{"data":{"offers":[],
        "totals":{"clicks":0,"conversions":0,"payout":0,"revenue":0}}}});
    for (hops, follows) in [(5u32, true), (6, false)] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.path("/api/2/report/offer.json");
                then.status(302).header("location", "/hop/1");
            })
            .await;
        for hop in 1..hops {
            let next = format!("/hop/{}", hop + 1);
            server
                .mock_async(|when, then| {
                    when.path(format!("/hop/{hop}"));
                    then.status(302).header("location", next);
                })
                .await;
        }
        let last = format!("/hop/{hops}");
        server
            .mock_async(|when, then| {
                when.path(last);
                then.status(200).json_body(report.clone());
            })
            .await;
        let outcome = offer_report(&client(&server)).await;
        match (follows, outcome) {
            (true, Ok(_)) => {}
            (false, Err(e)) => assert_eq!(e.status().map(|s| s.as_u16()), Some(302), "{e:?}"),
            (_, other) => panic!("{hops} hops: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_so_the_key_stays_home() {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let server = MockServer::start_async().await;
    let target = elsewhere.url("/collect");
    server
        .mock_async(|_, then| {
            then.status(302).header("location", target);
        })
        .await;
    let e = offer_report(&client(&server)).await.unwrap_err();
    printed(&e);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(302), "{e:?}");
    stolen.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_one_letter_key_is_hidden_without_garbling_the_message() {
    let server = MockServer::start_async().await;
    // A server that echoes the key back, in a body that breaks the spec.
    server
        .mock_async(|_, then| {
            then.status(200).json_body(
                json!({"request_status": "Okay", "echo": "your key is k", "response": 1}),
            );
        })
        .await;
    let c = Client::builder(server.base_url(), "k")
        .retry(common::once())
        .build()
        .unwrap();
    let e = offer_report(&c).await.unwrap_err();
    let text = format!("{e}\n{e:?}");
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(text.contains("unknown variant `Okay`"), "garbled: {text}");
    assert!(
        text.contains("your key is ***"),
        "the echoed key shows: {text}"
    );
    assert!(!text.contains(" k\""), "{text}");
}
