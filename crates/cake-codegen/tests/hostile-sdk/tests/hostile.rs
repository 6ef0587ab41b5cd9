//! The SDK generated from the hostile spec (`../specs/hostile.yaml`) does what the spec says:
//! every parameter reaches the wire under its own name whatever Rust name it got, a header
//! parameter is a header, a path parameter fills the path, bounds and patterns are held before
//! sending, an inline body decodes (its money exact), camelCase paging pages, and the typed
//! mocks match what the builders send.

use futures::TryStreamExt;
use hostile_sdk::{mock::MockServerExt, query, types, Client, Error, RetryPolicy};
use httpmock::{Method::GET, MockServer};
use rust_decimal_macros::dec;

const KEY: &str = "hostile-key";

fn client(server: &MockServer) -> Client {
    Client::builder(server.base_url(), KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn parameters_named_like_the_generated_code_go_out_under_their_own_names() {
    let server = MockServer::start_async().await;
    let wire = [
        "url",
        "request",
        "response",
        "result",
        "client",
        "query",
        "body",
        "type",
        "self",
        "execute",
        "stream",
        "new",
        "value",
        "values",
        "sending",
        "operation_id",
        "fooBar",
        "foo_bar",
    ];
    let mock = server
        .mock_async(|when, then| {
            let mut when = when
                .method(GET)
                .path("/api/2/collide.json")
                .query_param("api_key", KEY);
            for name in wire {
                when = when.query_param(name, format!("v-{name}"));
            }
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"request_status":"Success","count":18}"#);
        })
        .await;
    let c = client(&server);
    let answer = c
        .get_collide()
        .url("v-url")
        .request("v-request")
        .response("v-response")
        .result("v-result")
        .client("v-client")
        .query("v-query")
        .body("v-body")
        .type_("v-type")
        .self_("v-self")
        .execute_2("v-execute")
        .stream_2("v-stream")
        .new_2("v-new")
        .value("v-value")
        .values("v-values")
        .sending("v-sending")
        .operation_id("v-operation_id")
        .foo_bar("v-fooBar")
        .foo_bar_2("v-foo_bar")
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(answer.count, 18);
    // The same names by text, as the `cake` command sets them.
    let mut by_name = c.get_collide();
    for name in wire {
        by_name = by_name.set_param(name, &format!("v-{name}")).unwrap();
    }
    by_name.execute().await.unwrap();
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_bound_or_a_pattern_the_value_breaks_is_refused_before_sending_naming_it() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let too_long = "x".repeat(201);
    let refused = [
        (
            c.get_collide().url(too_long.as_str()).execute().await.err(),
            "url",
        ),
        (
            c.get_thing()
                .thing_id(1i64)
                .x_trace("not hex!")
                .big(1i64)
                .execute()
                .await
                .err(),
            "X-Trace",
        ),
        (
            c.get_thing()
                .thing_id(1i64)
                .x_trace("ab")
                .execute()
                .await
                .err(),
            "big",
        ),
        (
            c.get_thing()
                .thing_id(1i64)
                .x_trace("ab")
                .big(1i64)
                .ratio(1.5)
                .execute()
                .await
                .err(),
            "ratio",
        ),
        (
            c.get_thing()
                .thing_id(1i64)
                .x_trace("ab")
                .big(1i64)
                .code("usa")
                .execute()
                .await
                .err(),
            "code",
        ),
        (
            c.get_thing().x_trace("ab").big(1i64).execute().await.err(),
            "thingId",
        ),
    ];
    for (error, parameter) in refused {
        match error {
            Some(Error::InvalidRequest {
                parameter: Some(p), ..
            }) => assert_eq!(p, parameter),
            other => panic!("{parameter}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn header_and_path_parameters_go_where_the_spec_puts_them_and_inline_money_is_exact() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/2/things/9007199254740993.json")
                .header("x-trace", "c0ffee")
                .header("x-request-source", "payouts service")
                .query_param("big", "-9223372036854775808")
                .query_param("code", "US")
                .query_param("price", "12.50")
                .query_param_missing("thingId");
            then.status(200).header("content-type", "application/json").body(
                r#"{"request_status":"Success","thing":{"id":7,"price":12.340000000001,"state":"old","seen":"2026-01-15 09:42:11"}}"#,
            );
        })
        .await;
    let got = client(&server)
        .get_thing()
        .thing_id(9007199254740993i64)
        .x_trace("c0ffee")
        .x_request_source("payouts service")
        .big(i64::MIN)
        .code("US")
        .price(hostile_sdk::Money::from(dec!(12.50)))
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(got.thing.price, dec!(12.340000000001));
    assert_eq!(got.thing.price.to_string(), "12.340000000001");
    assert_eq!(got.thing.state, types::GetThingResponseThingState::Old);
    assert_eq!(got.thing.seen.unwrap().to_string(), "2026-01-15 09:42:11");
}

#[tokio::test]
async fn a_camel_case_list_operation_pages_and_its_typed_query_fills_its_defaults() {
    let server = MockServer::start_async().await;
    let row = |id: u32| format!(r#"{{"offerId":{id},"revenue":1.10,"status":"active"}}"#);
    for (start, rows) in [("1", vec![row(1), row(2)]), ("3", vec![row(3)])] {
        let body = format!(
            r#"{{"request_status":"Success","response":{{"data":{{"offers":[{}]}}}}}}"#,
            rows.join(",")
        );
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/2/report/offer2.json")
                    .query_param("startDate", "2026-01-01")
                    .query_param("sortOrder", "desc")
                    .query_param("startAtRow", start)
                    .query_param("rowLimit", "2");
                then.status(200)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
    }
    let rows: Vec<types::OfferRow> = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        client(&server)
            .get_offer_report_copy()
            .start_date(day("2026-01-01"))
            .end_date(day("2026-01-31"))
            .sort_order(types::GetOfferReportCopySortOrder::Desc)
            .stream_with(hostile_sdk::PageOptions {
                page_size: Some(2),
                prefetch: false,
            })
            .try_collect(),
    )
    .await
    .expect("the stream ends")
    .unwrap();
    let ids: Vec<u32> = rows.iter().map(|r| r.offer_id.get()).collect();
    assert_eq!(ids, [1, 2, 3]);
    let total: hostile_sdk::Money = rows.iter().map(|r| r.revenue).sum();
    assert_eq!(total.to_string(), "3.30");

    let q = query::GetOfferReportCopyQuery::from_pairs([
        ("startDate", "2026-01-01"),
        ("endDate", "2026-01-31"),
    ])
    .unwrap();
    assert_eq!(q.sort_order, types::GetOfferReportCopySortOrder::Asc);
    assert_eq!((q.start_at_row, q.row_limit), (1, 10));
    assert!(!q.supports_all_drives);
    let reversed = query::GetOfferReportCopyQuery::from_pairs([
        ("startDate", "2026-02-01"),
        ("endDate", "2026-01-31"),
    ])
    .unwrap_err();
    assert_eq!(reversed.parameter, "startDate");
}

#[tokio::test]
async fn operations_named_like_the_clients_methods_and_the_typed_mocks_work() {
    let server = MockServer::start_async().await;
    let failure = types::Failure {
        request_status: types::FailureStatus::Failure,
        message: "no".into(),
        parameter: None,
    };
    let named_builder = server.builder_2(|when, then| {
        when.into_inner().query_param("api_key", KEY);
        then.ok(&failure);
    });
    let ping = server.builder_3(|_, then| {
        then.ok();
    });
    let thing = server.get_thing(|when, then| {
        when.thing_id(5)
            .x_trace(&"ab".parse().unwrap())
            .big(1)
            .code(None);
        then.not_found(&failure);
    });
    let c = client(&server);
    // `builder` documents a `Failure`-shaped 200 as its success body: decoded as such.
    assert_eq!(c.builder_2().execute().await.unwrap().message, "no");
    c.builder_3().execute().await.unwrap();
    let e = c
        .get_thing()
        .thing_id(5i64)
        .x_trace("ab")
        .big(1i64)
        .execute()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    named_builder.assert();
    ping.assert();
    thing.assert();
    assert_eq!(query::Operation::ALL.len(), 6);
    assert_eq!(
        query::Operation::from_id("Builder"),
        Some(query::Operation::Builder2)
    );
}

#[tokio::test]
async fn a_path_parameter_is_one_segment_whatever_its_text() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/2/labels/a%20b%2Fc%3F%C3%A9-._~Z9.json");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"request_status":"Failure","message":"labelled"}"#);
        })
        .await;
    let got = client(&server)
        .get_label()
        .label("a b/c?é-._~Z9")
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(got.message, "labelled");
}
