//! One call per operation through the SDK against httpmock, with a matcher that checks every query
//! parameter (api_key included) and the path, and the documented sample as the answer.

mod common;

use cake_client::types;
use common::{client, date, exact_query, KEY};
use httpmock::{Method::GET, MockServer};
use rust_decimal_macros::dec;
use serde_json::json;

#[tokio::test]
async fn get_offer_report_sends_every_parameter_and_decodes_the_sample() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/2/report/offer.json").is_true(exact_query(&[
                ("api_key", KEY),
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-31"),
                ("offer_id", "12345"),
                ("affiliate_id", "67890"),
                ("advertiser_id", "1021"),
                ("vertical_id", "7"),
                ("country_id", "840"),
                ("start_at_row", "1"),
                ("row_limit", "50"),
                ("sort_field", "conversions"),
                ("sort_descending", "true"),
            ]));
            then.status(200).header("content-type", "application/json").body(
                r#"{"request_status":"Success","response":{"data":{"offers":[{"offer_id":12345,"offer_name":"Auto Insurance Quote - US","clicks":8420,"unique_clicks":7930,"conversions":312,"conversion_rate":3.71,"payout":5616.00,"revenue":6864.00,"profit":1248.00,"epc":0.667}],"totals":{"clicks":8420,"conversions":312,"payout":5616.00,"revenue":6864.00}}}}"#,
            );
        })
        .await;
    let report = client(&server)
        .get_offer_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .offer_id(12345u32)
        .affiliate_id(67890u32)
        .advertiser_id(1021u32)
        .vertical_id(7u32)
        .country_id(840u32)
        .start_at_row(1u32)
        .row_limit(50u32)
        .sort_field(types::OfferReportSortField::Conversions)
        .sort_descending(true)
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    let offer = &report.response.data.offers[0];
    assert_eq!(offer.epc, dec!(0.667));
    assert_eq!(offer.epc.to_string(), "0.667");
    assert_eq!(offer.payout, dec!(5616.00));
    assert_eq!(report.response.data.totals.revenue, dec!(6864));
}

#[tokio::test]
async fn get_affiliate_report_sends_every_parameter() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/2/report/affiliate.json").is_true(exact_query(&[
                ("api_key", KEY),
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-31"),
                ("affiliate_id", "67890"),
                ("offer_id", "12345"),
                ("start_at_row", "3"),
                ("row_limit", "10000"),
                ("sort_field", "payout"),
                ("sort_descending", "false"),
            ]));
            then.status(200).json_body(json!({"request_status":"Success","response":{"data":{"affiliates":[
                {"affiliate_id":67890,"affiliate_name":"MediaBridge Partners","clicks":3210,"conversions":142,"conversion_rate":4.42,"payout":2556.00,"epc":0.796}]}}}));
        })
        .await;
    let report = client(&server)
        .get_affiliate_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .affiliate_id(67890u32)
        .offer_id(12345u32)
        .start_at_row(3u32)
        .row_limit(10000u32)
        .sort_field(types::AffiliateReportSortField::Payout)
        .sort_descending(false)
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(report.response.data.affiliates[0].epc, dec!(0.796));
}

#[tokio::test]
async fn get_advertiser_report_sends_every_parameter() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/2/report/advertiser.json").is_true(exact_query(&[
                ("api_key", KEY),
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-31"),
                ("advertiser_id", "1021"),
                ("offer_id", "12345"),
                ("start_at_row", "1"),
                ("row_limit", "100"),
            ]));
            then.status(200).json_body(json!({"request_status":"Success","response":{"data":{"advertisers":[
                {"advertiser_id":1021,"advertiser_name":"Acme Financial Services","clicks":12500,"conversions":487,"revenue":10714.00}]}}}));
        })
        .await;
    let report = client(&server)
        .get_advertiser_report()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .advertiser_id(1021u32)
        .offer_id(12345u32)
        .start_at_row(1u32)
        .row_limit(100u32)
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(report.response.data.advertisers[0].revenue, dec!(10714));
}

#[tokio::test]
async fn get_click_sends_every_parameter_with_a_zero_based_offset() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/2/click.json").is_true(exact_query(&[
                ("api_key", KEY),
                ("click_id", "a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
                ("start_date", "2026-01-01"),
                ("end_date", "2026-01-31"),
                ("offer_id", "12345"),
                ("affiliate_id", "67890"),
                ("start_at_row", "0"),
                ("row_limit", "50"),
            ]));
            then.status(200).json_body(json!({"request_status":"Success","response":{"clicks":[
                {"click_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","click_date":"2026-01-15 09:42:11","offer_id":12345,"affiliate_id":67890,"sub_id_1":"banner_300x250","ip_address":"203.0.113.42","country":"US","converted":true,"conversion_id":998877}],"total_rows":1}}));
        })
        .await;
    let page = client(&server)
        .get_click()
        .click_id("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .offer_id(12345u32)
        .affiliate_id(67890u32)
        .start_at_row(0)
        .row_limit(50u32)
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    let click = &page.response.clicks[0];
    assert_eq!(click.click_date.to_string(), "2026-01-15 09:42:11");
    assert_eq!(click.conversion_id, Some(998877));
}

#[tokio::test]
async fn record_conversion_sends_every_parameter_with_exact_money_and_cake_date_time() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/2/conversion.json").is_true(exact_query(&[
                ("api_key", KEY),
                ("click_id", "a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
                ("offer_id", "12345"),
                ("payout", "18.00"),
                ("revenue", "22.00"),
                ("conversion_date", "2026-06-19 14:30:00"),
                ("unique_id", "ORD-98765"),
                ("order_id", "A-1"),
                ("adv1", "one"),
                ("adv2", "two"),
                ("adv3", "three"),
                ("adv4", "four"),
                ("adv5", "five & more"),
            ]));
            then.status(200).json_body(json!({"request_status":"Success","conversion":{"conversion_id":998877,"offer_id":12345,"affiliate_id":67890,
                "click_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","payout":18.00,"revenue":22.00,"unique_id":"ORD-98765","conversion_date":"2026-06-19 14:30:00","conversion_status":"approved"}}));
        })
        .await;
    let recorded = client(&server)
        .record_conversion()
        .click_id("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
        .offer_id(12345u32)
        .payout(dec!(18.00))
        .revenue(dec!(22.00))
        .conversion_date(
            "2026-06-19 14:30:00"
                .parse::<cake_client::CakeDateTime>()
                .unwrap(),
        )
        .unique_id("ORD-98765")
        .order_id("A-1")
        .adv1("one")
        .adv2("two")
        .adv3("three")
        .adv4("four")
        .adv5("five & more")
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(recorded.conversion.conversion_id, 998877);
    assert_eq!(recorded.conversion.revenue, dec!(22));
    assert_eq!(
        recorded.conversion.conversion_status,
        types::ConversionStatus::Approved
    );
}

#[tokio::test]
async fn get_conversions_sends_every_parameter() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/2/conversions.json").is_true(exact_query(&[
                ("api_key", KEY),
                ("start_date", "2026-06-01"),
                ("end_date", "2026-06-19"),
                ("offer_id", "12345"),
                ("affiliate_id", "67890"),
                ("advertiser_id", "1021"),
                ("conversion_status", "approved"),
                ("start_at_row", "1"),
                ("row_limit", "500"),
                ("sort_field", "conversion_date"),
                ("sort_descending", "true"),
            ]));
            then.status(200).json_body(json!({"request_status":"Success","total_rows":1,"conversions":[{"conversion":{"conversion_id":998877,
                "offer":{"offer_id":12345,"offer_name":"Auto Insurance Quote"},"affiliate":{"affiliate_id":67890,"affiliate_name":"MediaBridge Partners"},
                "payout":18.00,"revenue":22.00,"conversion_status":"approved","conversion_date":"2026-06-19 14:30:00"}}]}));
        })
        .await;
    let list = client(&server)
        .get_conversions()
        .start_date(date("2026-06-01"))
        .end_date(date("2026-06-19"))
        .offer_id(12345u32)
        .affiliate_id(67890u32)
        .advertiser_id(1021u32)
        .conversion_status(types::ConversionStatus::Approved)
        .start_at_row(1u32)
        .row_limit(500u32)
        .sort_field(types::ConversionSortField::ConversionDate)
        .sort_descending(true)
        .execute()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(list.total_rows, 1);
    assert_eq!(
        list.conversions[0].conversion.offer.offer_name,
        "Auto Insurance Quote"
    );
}

/// The headers every request carries reach CAKE once each: the user agent (the default, or a
/// chosen one), `Accept: application/json` and `api-version` (the spec's `info.version`), also
/// on a `reqwest::Client` the caller built (which the SDK leaves as it is).
#[tokio::test]
async fn every_request_carries_its_headers_once() {
    let api_version = cake_client::spec::API_VERSION;
    let server = MockServer::start_async().await;
    let report = r#"{"request_status":"Success","response":{"data":{"offers":[],"totals":{"clicks":0,"conversions":0,"payout":0,"revenue":0}}}}"#;
    let cases = [
        (
            None,
            None,
            cake_client::runtime::DEFAULT_USER_AGENT.to_string(),
        ),
        (
            Some("payouts-service/3.1"),
            None,
            "payouts-service/3.1".to_string(),
        ),
        (
            Some("payouts-service/3.1"),
            Some(reqwest::Client::new()),
            "payouts-service/3.1".to_string(),
        ),
        (
            None,
            Some(reqwest::Client::new()),
            cake_client::runtime::DEFAULT_USER_AGENT.to_string(),
        ),
    ];
    for (chosen, http, expected) in cases {
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/2/report/offer.json")
                    .header("user-agent", expected.as_str())
                    .header("accept", "application/json")
                    .header("api-version", api_version)
                    .is_true(|req: &httpmock::HttpMockRequest| {
                        ["user-agent", "accept", "api-version"]
                            .iter()
                            .all(|h| req.headers().get_all(*h).iter().count() == 1)
                    });
                then.status(200)
                    .header("content-type", "application/json")
                    .body(report);
            })
            .await;
        let mut builder =
            cake_client::Client::builder(server.base_url(), KEY).retry(common::once());
        if let Some(agent) = chosen {
            builder = builder.user_agent(agent);
        }
        if let Some(http) = http {
            builder = builder.http_client(http);
        }
        builder
            .build()
            .unwrap()
            .get_offer_report()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-31"))
            .execute()
            .await
            .unwrap_or_else(|e| panic!("user agent {expected}: {e}"));
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

/// A client's URLs are parsed once, for its base: two clients of two bases (one with a path)
/// each send every call to their own base.
#[tokio::test]
async fn each_call_goes_to_its_clients_base() {
    let (first, second) = (
        MockServer::start_async().await,
        MockServer::start_async().await,
    );
    let report = r#"{"request_status":"Success","response":{"data":{"offers":[],"totals":{"clicks":0,"conversions":0,"payout":0,"revenue":0}}}}"#;
    fn mock<'s>(server: &'s MockServer, path: &str, body: &str) -> httpmock::Mock<'s> {
        server.mock(|when, then| {
            when.method(GET).path(path).query_param("api_key", KEY);
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
    }
    let on_first = mock(&first, "/api/2/report/offer.json", report);
    let on_second = mock(&second, "/cake/api/2/report/offer.json", report);
    let with_path = cake_client::Client::builder(format!("{}/cake/", second.base_url()), KEY)
        .retry(common::once())
        .build()
        .unwrap();
    assert_eq!(with_path.base_url(), format!("{}/cake", second.base_url()));
    for c in [&client(&first), &with_path] {
        c.get_offer_report()
            .start_date(date("2026-01-01"))
            .end_date(date("2026-01-31"))
            .execute()
            .await
            .unwrap();
    }
    on_first.assert_calls(1);
    on_second.assert_calls(1);
}
