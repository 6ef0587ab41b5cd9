//! The spec says in JSON Schema's own terms what the SDK and the simulator accept, so that tools
//! that read only the spec (mock servers, fuzzers, other languages' generators) agree with them:
//! here, `CakeDateTime`'s pattern against the SDK's parser (which the simulator's validation
//! uses), in both directions, on every day of leap and common years and centuries and on every
//! edge of the time, and on values generated from the pattern alone.

use cake_client::CakeDateTime;
use cake_contract_tests::schema::spec_json;
use proptest::prelude::*;
use serde_json::json;

/// The spec's `CakeDateTime` pattern, as written.
fn pattern() -> String {
    spec_json()["components"]["schemas"]["CakeDateTime"]["pattern"]
        .as_str()
        .expect("CakeDateTime has a pattern")
        .to_string()
}

/// A JSON Schema validator holding only the pattern (no format knowledge).
fn pattern_only() -> jsonschema::Validator {
    jsonschema::validator_for(&json!({ "type": "string", "pattern": pattern() }))
        .expect("the pattern compiles as a JSON Schema pattern")
}

fn agree(validator: &jsonschema::Validator, text: &str) -> Result<(), String> {
    let by_spec = validator.is_valid(&json!(text));
    let by_sdk = text.parse::<CakeDateTime>().is_ok();
    if by_spec == by_sdk {
        Ok(())
    } else {
        Err(format!(
            "{text:?}: the spec's pattern says {by_spec}, the SDK's parser {by_sdk}"
        ))
    }
}

#[test]
fn the_date_time_pattern_admits_exactly_what_the_sdk_parses() {
    let validator = pattern_only();
    let mut checked = 0;
    // Every month and day number (00 to 32) in common years, leap years, and centuries that
    // are and are not leap years, at the calendar's ends.
    for year in [
        0, 1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999,
    ] {
        for month in 0..=13 {
            for day in 0..=32 {
                agree(
                    &validator,
                    &format!("{year:04}-{month:02}-{day:02} 12:34:56"),
                )
                .unwrap();
                checked += 1;
            }
        }
    }
    for hour in 0..=25 {
        for minute in [0, 9, 10, 59, 60, 99] {
            for second in [0, 59, 60, 61] {
                agree(
                    &validator,
                    &format!("2026-01-15 {hour:02}:{minute:02}:{second:02}"),
                )
                .unwrap();
                checked += 1;
            }
        }
    }
    for text in [
        "",
        "2026-01-15",
        "2026-01-15T09:42:11",
        "2026-01-15 09:42:11Z",
        "2026-01-15 09:42:11 ",
        " 2026-01-15 09:42:11",
        "2026-1-15 09:42:11",
        "20260-01-15 09:42:11",
        "2026-01-15 9:42:11",
        "2026/01/15 09:42:11",
        "2026-01-15  09:42:11",
        "２０２６-01-15 09:42:11",
        "٢٠٢٦-01-15 09:42:11",
        "+2026-01-15 09:42:11",
        "-001-01-15 09:42:11",
    ] {
        agree(&validator, text).unwrap();
        checked += 1;
    }
    assert!(checked > 7_000, "{checked}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Values generated from the pattern alone parse, and every date-time parameter of every
    /// operation takes them (the SDK's check, which is also the simulator's).
    #[test]
    fn values_generated_from_the_pattern_are_accepted(
        text in proptest::string::string_regex(
            pattern().trim_start_matches('^').trim_end_matches('$')
        ).expect("proptest reads the pattern")
    ) {
        prop_assert!(text.parse::<CakeDateTime>().is_ok(), "{text:?}");
        let params: Vec<(&str, &str)> = cake_client::spec::operations()
            .iter()
            .flat_map(|op| {
                op.params
                    .iter()
                    .filter(|p| matches!(p.kind, cake_client::spec::ParamKind::DateTime))
                    .map(move |p| (op.id, p.name))
            })
            .collect();
        prop_assert!(!params.is_empty());
        for (op, name) in params {
            let checked = cake_client::spec::check_param(op, name, &text);
            prop_assert!(checked.is_ok(), "{op}.{name} = {text:?}: {checked:?}");
        }
    }

    /// Near misses (the right shape, any digits) are judged the same way by both.
    #[test]
    fn the_pattern_and_the_parser_agree_on_any_digits(
        text in "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
    ) {
        let validator = pattern_only();
        prop_assert!(agree(&validator, &text).is_ok(), "{}", agree(&validator, &text).unwrap_err());
    }
}
