//! Requests the spec forbids are never sent: each fails with `Error::InvalidRequest` naming the
//! parameter, and the server sees nothing. The limits come from the spec (`cake_client::spec`).

mod common;

use cake_client::{spec, Error};
use common::{client, date};
use httpmock::MockServer;

async fn assert_rejected<F, T>(server: &MockServer, parameter: &str, call: F)
where
    F: std::future::Future<Output = Result<T, Error>>,
    T: std::fmt::Debug,
{
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let e = call.await.expect_err("the request must be refused");
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    assert_eq!(e.parameter(), Some(parameter), "{e}");
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn row_limit_above_each_endpoints_spec_maximum_is_refused() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let max = |id| spec::operation(id).unwrap().paging().unwrap().max_page_size;
    assert_eq!(
        (max("get_offer_report"), max("get_conversions")),
        (10000, 500)
    );
    assert_rejected(
        &server,
        "row_limit",
        c.get_offer_report()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-02"))
            .row_limit(max("get_offer_report") + 1)
            .execute(),
    )
    .await;
    assert_rejected(
        &server,
        "row_limit",
        c.get_conversions()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-02"))
            .row_limit(max("get_conversions") + 1)
            .execute(),
    )
    .await;
    assert_rejected(
        &server,
        "row_limit",
        c.get_click().row_limit(10001u32).execute(),
    )
    .await;
}

#[tokio::test]
async fn start_at_row_below_each_endpoints_base_is_refused() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    // A zero does not even fit the builder's type (NonZeroU32): the message still says what the
    // spec expects.
    let e = c
        .get_offer_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-02"))
        .start_at_row(0u32)
        .execute()
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("expected an integer from 1 to 2147483647"),
        "{e}"
    );
    assert_rejected(
        &server,
        "start_at_row",
        c.get_offer_report()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-02"))
            .start_at_row(0u32)
            .execute(),
    )
    .await;
    assert_rejected(
        &server,
        "start_at_row",
        c.get_click().start_at_row(-1).execute(),
    )
    .await;
}

#[tokio::test]
async fn a_missing_required_parameter_is_refused() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    assert_rejected(
        &server,
        "end_date",
        c.get_offer_report()
            .start_date(date("2026-01-01"))
            .execute(),
    )
    .await;
    assert_rejected(
        &server,
        "offer_id",
        c.record_conversion().click_id("a1b2").execute(),
    )
    .await;
}

#[tokio::test]
async fn start_date_after_end_date_is_refused() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    assert_rejected(
        &server,
        "start_date",
        c.get_conversions()
            .start_date(date("2026-02-01"))
            .end_date(date("2026-01-31"))
            .execute(),
    )
    .await;
    assert_rejected(
        &server,
        "start_date",
        c.get_click()
            .start_date(date("2026-02-01"))
            .end_date(date("2026-01-31"))
            .execute(),
    )
    .await;
}

/// A range of one day is a range (start on end); a date `YYYY-MM-DD` cannot show is refused, not
/// sent as other digits; and every digit of a date goes out as it is (years, months and days
/// whose digits differ from one place to the next).
#[tokio::test]
async fn dates_go_out_digit_for_digit_and_a_one_day_range_is_a_range() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let sent = server
        .mock_async(|when, then| {
            when.path("/api/2/conversions.json")
                .query_param("start_date", "1987-12-25")
                .query_param("end_date", "1987-12-25");
            then.status(200).json_body(
                serde_json::json!({"request_status":"Success","total_rows":0,"conversions":[]}),
            );
        })
        .await;
    let day = date("1987-12-25");
    c.get_conversions()
        .start_date(day)
        .end_date(day)
        .execute()
        .await
        .unwrap();
    sent.assert_async().await;
    let far = chrono::NaiveDate::from_ymd_opt(10000, 1, 1).unwrap();
    assert_rejected(
        &server,
        "end_date",
        c.get_conversions().start_date(day).end_date(far).execute(),
    )
    .await;
}

#[tokio::test]
async fn ids_below_one_empty_click_ids_and_negative_money_are_refused() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    assert_rejected(&server, "offer_id", c.get_click().offer_id(0u32).execute()).await;
    assert_rejected(
        &server,
        "offer_id",
        c.get_click().offer_id(u32::MAX).execute(),
    )
    .await;
    assert_rejected(
        &server,
        "click_id",
        c.record_conversion().click_id("").offer_id(1u32).execute(),
    )
    .await;
    assert_rejected(
        &server,
        "payout",
        c.record_conversion()
            .click_id("a")
            .offer_id(1u32)
            .payout(rust_decimal_macros::dec!(-1))
            .execute(),
    )
    .await;
}

#[tokio::test]
async fn set_param_by_name_sends_what_the_typed_setters_send_and_names_bad_input() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.is_true(common::exact_query(&[
                ("api_key", common::KEY),
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-31"),
                ("row_limit", "50"),
                ("sort_field", "epc"),
                ("sort_descending", "true"),
            ]));
            then.status(200).json_body(
                serde_json::json!({"request_status":"Success","response":{"data":{"offers":[],
                "totals":{"clicks":0,"conversions":0,"payout":0,"revenue":0}}}}),
            );
        })
        .await;
    let c = client(&server);
    let mut b = c.get_offer_report();
    for (k, v) in [
        ("start_date", "2026-01-01"),
        ("end_date", "2026-01-31"),
        ("row_limit", "50"),
        ("sort_field", "epc"),
        ("sort_descending", "true"),
    ] {
        b = b.set_param(k, v).unwrap();
    }
    b.execute().await.unwrap();
    m.assert_async().await;

    let e = c
        .get_offer_report()
        .set_param("row_limit", "10001")
        .err()
        .unwrap();
    assert_eq!(e.parameter(), Some("row_limit"));
    assert!(e.to_string().contains("from 1 to 10000"), "{e}");
    let e = c
        .get_offer_report()
        .set_param("sort_field", "payout")
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("conversions, clicks, revenue, epc"),
        "{e}"
    );
    let e = c
        .get_advertiser_report()
        .set_param("sort_field", "clicks")
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("takes no parameter \"sort_field\""),
        "the Advertiser Report has no sort: {e}"
    );
    let e = c
        .record_conversion()
        .set_param("conversion_date", "2026-06-19T14:30:00")
        .err()
        .unwrap();
    assert_eq!(e.parameter(), Some("conversion_date"));
}
