//! Answers from a CAKE newer than the spec still decode: an enum value the spec does not list is
//! kept (`Unknown`), a field it does not name is ignored. Requests stay strict: an unlisted value
//! is refused before sending.

mod common;

use cake_client::{spec, types, Error};
use common::{client, date, sample};
use httpmock::MockServer;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};

fn conversion(id: u32, status: &str) -> Value {
    json!({"conversion": {
        "conversion_id": id,
        "offer": {"offer_id": 12345, "offer_name": "Auto"},
        "affiliate": {"affiliate_id": 67890, "affiliate_name": "MediaBridge"},
        "payout": 18.00, "revenue": 22.00,
        "conversion_status": status,
        "conversion_date": "2026-06-19 14:30:00"
    }})
}

#[tokio::test]
async fn an_unlisted_conversion_status_is_kept_and_the_page_still_decodes() {
    let server = MockServer::start_async().await;
    let body = json!({
        "request_status": "Success",
        "total_rows": 3,
        "conversions": [conversion(1, "approved"), conversion(2, "ignored"), conversion(3, "Pending")]
    });
    server
        .mock_async(|when, then| {
            when.path("/api/2/conversions.json");
            then.status(200).json_body(body);
        })
        .await;
    let page = client(&server)
        .get_conversions()
        .start_date(date("2026-06-01"))
        .end_date(date("2026-06-30"))
        .execute()
        .await
        .expect("one new status must not fail the page");
    let statuses: Vec<_> = page
        .conversions
        .iter()
        .map(|c| c.conversion.conversion_status.clone())
        .collect();
    assert_eq!(
        statuses,
        [
            types::ConversionStatus::Approved,
            types::ConversionStatus::Unknown("ignored".into()),
            // Values are case-sensitive on the wire: another spelling is another value.
            types::ConversionStatus::Unknown("Pending".into()),
        ]
    );
    assert!(statuses[0].is_listed() && !statuses[1].is_listed());
    // Kept as it came: printed and written back unchanged.
    assert_eq!(statuses[1].to_string(), "ignored");
    let again = serde_json::to_value(&page.conversions[1]).unwrap();
    assert_eq!(again["conversion"]["conversion_status"], "ignored");
}

#[test]
fn listed_values_parse_to_their_variants_and_print_as_the_spec_spells_them() {
    for listed in types::ConversionStatus::LISTED {
        let status: types::ConversionStatus = listed.parse().unwrap();
        assert!(status.is_listed(), "{listed}");
        assert_eq!(status.to_string(), *listed);
        assert_eq!(serde_json::to_value(&status).unwrap(), json!(listed));
    }
}

#[tokio::test]
async fn an_unlisted_status_is_refused_in_a_request_and_nothing_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let c = client(&server);
    for call in [
        c.get_conversions()
            .conversion_status(types::ConversionStatus::Unknown("ignored".into())),
        c.get_conversions().conversion_status("ignored"),
    ] {
        let e = call
            .start_date(date("2026-06-01"))
            .end_date(date("2026-06-30"))
            .execute()
            .await
            .expect_err("an unlisted value must not be sent");
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
        assert_eq!(e.parameter(), Some("conversion_status"), "{e}");
        assert!(
            e.to_string().contains("approved"),
            "names what is expected: {e}"
        );
    }
    any.assert_calls_async(0).await;
}

/// Adds fields no spec names to every object of `v`, at every depth.
fn with_new_fields(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.values_mut().for_each(with_new_fields);
            map.insert(
                "added_by_a_later_cake".into(),
                json!({"nested": [1, "two", null]}),
            );
            map.insert("another_new_figure".into(), json!(12.5));
        }
        Value::Array(items) => items.iter_mut().for_each(with_new_fields),
        _ => {}
    }
}

fn decodes_with_new_fields<T: DeserializeOwned + Serialize>(operation_id: &str) {
    let mut body = sample(operation_id);
    with_new_fields(&mut body);
    let decoded: T = serde_json::from_str(&body.to_string()).unwrap_or_else(|e| {
        panic!("{operation_id}: a body with fields the spec does not name must decode: {e}")
    });
    let plain: T = serde_json::from_value(sample(operation_id)).unwrap();
    assert_eq!(
        serde_json::to_value(&decoded).unwrap(),
        serde_json::to_value(&plain).unwrap(),
        "{operation_id}: the new fields must be ignored, the known ones read as before"
    );
}

#[test]
fn fields_the_spec_does_not_name_are_ignored_at_every_depth_of_every_answer() {
    for op in spec::operations() {
        match op.id {
            "get_offer_report" => decodes_with_new_fields::<types::OfferReportResponse>(op.id),
            "get_affiliate_report" => {
                decodes_with_new_fields::<types::AffiliateReportResponse>(op.id)
            }
            "get_advertiser_report" => {
                decodes_with_new_fields::<types::AdvertiserReportResponse>(op.id)
            }
            "get_click" => decodes_with_new_fields::<types::GetClickResponse>(op.id),
            "record_conversion" => {
                decodes_with_new_fields::<types::RecordConversionResponse>(op.id)
            }
            "get_conversions" => decodes_with_new_fields::<types::GetConversionsResponse>(op.id),
            other => panic!("the spec has an operation {other} that this test does not check"),
        }
    }
}
