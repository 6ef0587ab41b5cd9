//! What a consumer of `cake-client` must still be able to rely on: serde_json as it is without
//! the SDK (no `arbitrary_precision`, no `preserve_order` turned on behind its back), and the
//! SDK's own promises (exact money both ways, open response enums) in that same build.

use cake_client::{types, Decimal};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, PartialEq)]
struct Metrics {
    score: f64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Event {
    name: String,
    #[serde(flatten)]
    metrics: Metrics,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(untagged)]
enum Setting {
    Number(f64),
    Text(String),
}

#[test]
fn flatten_over_an_f64_still_works() {
    // With serde_json's arbitrary_precision on: "invalid type: map, expected f64".
    let e: Event = serde_json::from_str(r#"{"name": "signup", "score": 0.75}"#).unwrap();
    assert_eq!(e.metrics.score, 0.75);
}

#[test]
fn an_untagged_enum_with_a_number_still_works() {
    // With arbitrary_precision on: "data did not match any variant of untagged enum".
    assert_eq!(
        serde_json::from_str::<Setting>("2.5").unwrap(),
        Setting::Number(2.5)
    );
    assert_eq!(
        serde_json::from_str::<Setting>(r#""on""#).unwrap(),
        Setting::Text("on".into())
    );
}

#[test]
fn values_parse_and_print_as_plain_serde_json_does() {
    // arbitrary_precision would keep "18.00"; plain serde_json reads a float.
    let v: Value = serde_json::from_str(r#"{"b": 18.00, "a": 1}"#).unwrap();
    assert!(v["b"].is_f64());
    // preserve_order would keep "b" first; plain serde_json sorts the keys.
    assert_eq!(v.to_string(), r#"{"a":1,"b":18.0}"#);
}

const RECORDED: &str = r#"{"request_status":"Success","conversion":{"conversion_id":998877,
    "offer_id":12345,"affiliate_id":67890,"click_id":"a1b2","payout":18.00,
    "revenue":12345678901234.5678,"conversion_date":"2026-06-19 14:30:00",
    "conversion_status":"approved"}}"#;

#[test]
fn money_keeps_its_exact_digits_both_ways_in_this_build() {
    let r: types::RecordConversionResponse = serde_json::from_str(RECORDED).unwrap();
    assert_eq!(r.conversion.payout.to_string(), "18.00");
    assert_eq!(
        r.conversion.revenue,
        "12345678901234.5678".parse::<Decimal>().unwrap()
    );
    let text = serde_json::to_string(&r).unwrap();
    assert!(text.contains(r#""payout":18.00"#), "{text}");
    assert!(text.contains(r#""revenue":12345678901234.5678"#), "{text}");
    // Sums of money are exact.
    let sum = r.conversion.payout + "0.10".parse::<Decimal>().unwrap();
    assert_eq!(sum.to_string(), "18.10");
}

#[test]
fn money_as_a_string_is_still_refused() {
    let body = RECORDED.replace(r#""payout":18.00"#, r#""payout":"18.00""#);
    let e = serde_json::from_str::<types::RecordConversionResponse>(&body).unwrap_err();
    assert!(e.to_string().contains("invalid type: a string"), "{e}");
}

#[test]
fn a_status_the_spec_does_not_list_is_kept() {
    let body = RECORDED.replace(r#""approved""#, r#""ignored""#);
    let r: types::RecordConversionResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(
        r.conversion.conversion_status,
        types::ConversionStatus::Unknown("ignored".into())
    );
}
