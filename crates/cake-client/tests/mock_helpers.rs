//! The typed httpmock helpers (feature `mock`) that other teams use to stand in for CAKE in their
//! own tests: the same types as the SDK, generated from the same spec.

mod common;

use cake_client::{mock::MockServerExt, types, Client, Error};
use httpmock::MockServer;
use rust_decimal_macros::dec;

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_typed_mock_answers_a_typed_call() {
    let server = MockServer::start_async().await;
    let body = types::AdvertiserReportResponse {
        request_status: types::SuccessStatus::Success,
        response: types::AdvertiserReportBody {
            data: types::AdvertiserReportData {
                advertisers: vec![types::AdvertiserReportRow {
                    advertiser_id: 1021,
                    advertiser_name: "Acme Financial Services".into(),
                    clicks: 12500,
                    conversions: 487,
                    revenue: dec!(10714.00).into(),
                }],
            },
        },
    };
    let mock = server.get_advertiser_report(|when, then| {
        when.start_date(&d("2026-01-01"))
            .end_date(&d("2026-01-31"))
            .advertiser_id(&1021);
        then.ok(&body);
    });
    let client = Client::builder(server.base_url(), "key")
        .retry(common::once())
        .build()
        .unwrap();
    let got = client
        .get_advertiser_report()
        .start_date(d("2026-01-01"))
        .end_date(d("2026-01-31"))
        .advertiser_id(1021u32)
        .execute()
        .await
        .unwrap();
    mock.assert();
    assert_eq!(got, body);
}

#[tokio::test]
async fn a_typed_failure_comes_back_as_the_api_error() {
    let server = MockServer::start_async().await;
    server.record_conversion(|when, then| {
        when.click_id(&"nope".try_into().unwrap());
        then.server_error(
            503,
            &types::Failure {
                request_status: types::FailureStatus::Failure,
                message: "maintenance".into(),
                parameter: None,
            },
        );
    });
    let client = Client::builder(server.base_url(), "key")
        .retry(common::once())
        .build()
        .unwrap();
    // With a `unique_id`: without one, a 5xx to Record Conversion is `Error::OutcomeUnknown`.
    let e = client
        .record_conversion()
        .click_id("nope")
        .offer_id(1u32)
        .unique_id("ORD-1")
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api { status, message, .. } if status.as_u16() == 503 && message == "maintenance"),
        "{e:?}"
    );
}
