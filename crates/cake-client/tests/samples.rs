//! Each documented sample response (the spec's 200 examples) decodes into the generated types and
//! encodes back to JSON equal in value, with money exact.

mod common;

use cake_client::{spec, types};
use common::sample;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// Numbers compared by decimal value (`5616.0` from YAML equals `5616.00`), the rest exactly.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.to_string().parse::<Decimal>().ok() == y.to_string().parse::<Decimal>().ok()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(operation_id: &str) -> T {
    let example = sample(operation_id);
    // Decode from JSON text, as the SDK does on the wire.
    let decoded: T = serde_json::from_str(&example.to_string())
        .unwrap_or_else(|e| panic!("{operation_id}: the sample does not decode: {e}"));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert!(
        same_value(&example, &encoded),
        "{operation_id}: sample {example}\nre-encoded {encoded}"
    );
    decoded
}

#[test]
fn every_operation_of_the_spec_has_its_sample_checked_here() {
    for op in spec::operations() {
        match op.id {
            "get_offer_report" => drop(round_trip::<types::OfferReportResponse>(op.id)),
            "get_affiliate_report" => drop(round_trip::<types::AffiliateReportResponse>(op.id)),
            "get_advertiser_report" => drop(round_trip::<types::AdvertiserReportResponse>(op.id)),
            "get_click" => drop(round_trip::<types::GetClickResponse>(op.id)),
            "record_conversion" => drop(round_trip::<types::RecordConversionResponse>(op.id)),
            "get_conversions" => drop(round_trip::<types::GetConversionsResponse>(op.id)),
            other => {
                panic!("the spec has an operation {other} whose sample this test does not check")
            }
        }
    }
}

#[test]
fn offer_report_sample_money_is_exact() {
    let r = round_trip::<types::OfferReportResponse>("get_offer_report");
    let o = &r.response.data.offers[0];
    assert_eq!(
        (*o.payout, *o.revenue, *o.profit, *o.epc),
        (dec!(5616), dec!(6864), dec!(1248), dec!(0.667))
    );
    assert_eq!(o.revenue - o.payout, o.profit);
    assert_eq!(o.conversion_rate, 3.71);
    assert_eq!(r.response.data.totals.payout, dec!(5616));
}

#[test]
fn exact_text_money_keeps_its_digits_on_the_wire() {
    let text = r#"{"conversion_id":998877,"offer_id":12345,"affiliate_id":67890,"click_id":"a","payout":18.00,"revenue":0.1,"conversion_date":"2026-06-19 14:30:00","conversion_status":"approved"}"#;
    let c: types::RecordedConversion = serde_json::from_str(text).unwrap();
    assert_eq!(
        c.revenue + dec!(0.2),
        dec!(0.3),
        "0.1 must read as exactly 0.1"
    );
    let out = serde_json::to_string(&c).unwrap();
    assert!(
        out.contains(r#""payout":18.00"#),
        "money is written as a number with its digits: {out}"
    );
    assert!(
        !out.contains(r#""payout":""#),
        "money is never a string: {out}"
    );
}

#[test]
fn other_samples_decode_to_the_documented_values() {
    let a = round_trip::<types::AffiliateReportResponse>("get_affiliate_report");
    assert_eq!(a.response.data.affiliates[0].epc, dec!(0.796));
    let adv = round_trip::<types::AdvertiserReportResponse>("get_advertiser_report");
    assert_eq!(adv.response.data.advertisers[0].revenue, dec!(10714));
    let click = round_trip::<types::GetClickResponse>("get_click");
    assert_eq!(
        click.response.clicks[0].click_date.to_string(),
        "2026-01-15 09:42:11"
    );
    let rec = round_trip::<types::RecordConversionResponse>("record_conversion");
    assert_eq!(
        (*rec.conversion.payout, *rec.conversion.revenue),
        (dec!(18), dec!(22))
    );
    let list = round_trip::<types::GetConversionsResponse>("get_conversions");
    assert_eq!(
        list.conversions[0].conversion.conversion_status,
        types::ConversionStatus::Approved
    );
}
