//! Values from a schema's JSON Schema keywords alone, as a tool that reads only the spec (a mock
//! server, a fuzzer, another language's generator) would make them: `type`, `enum`, `pattern`,
//! `minLength`/`maxLength`, `minimum`/`maximum` (and their exclusive forms), `multipleOf`,
//! `items`/`minItems`/`maxItems`, `properties`/`required`, `nullable`, `oneOf`/`anyOf` and
//! `$ref`.
//!
//! It never reads `format`, nor knows this project's types: a value is only as constrained as
//! the keywords make it. The walk over objects, arrays, enums and `$ref`s is `crate::bodies`'
//! (whose own scalars do know the formats); the scalars are made here. Numbers are JSON numbers
//! of binary floating point, as most tools make them.

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};

use crate::{
    bodies::{integers, value_strategy, Reading},
    schema,
};

/// Values that `schema` (an OpenAPI schema of `spec`, `$ref`s allowed) admits by its keywords,
/// formats aside. Each is held to the keywords again before it is given (a binary number can
/// land past a bound), so every value given is valid.
pub fn values(spec: &Value, schema: &Value) -> Result<BoxedStrategy<Value>, String> {
    let json_schema = schema::to_json_schema(spec, schema);
    let keywords_only = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&json_schema)
        .map_err(|e| e.to_string())?;
    Ok(value_strategy(spec, schema, 0, Reading::KeywordsOnly)?
        .prop_filter("admitted by the schema's keywords", move |v| {
            keywords_only.is_valid(v)
        })
        .boxed())
}

fn number_of(map: &Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key).and_then(Value::as_f64)
}

/// A scalar of type `ty` (`integer`, `number`, `string`, `boolean`) from the keywords of `map`
/// alone. The structure around it (objects, arrays, enums, `$ref`s) is `crate::bodies`' walk.
pub(crate) fn scalar(map: &Map<String, Value>, ty: &str) -> Result<BoxedStrategy<Value>, String> {
    match ty {
        // No `format`: the widest integers JSON tools make.
        "integer" => Ok(integers(map, (i64::MIN, i64::MAX))),
        "number" => {
            let lo = number_of(map, "minimum").unwrap_or(f64::MIN);
            let hi = number_of(map, "maximum").unwrap_or(f64::MAX);
            let finite = |f: f64| Number::from_f64(f).map(Value::Number);
            match number_of(map, "multipleOf") {
                // k times the step, k anywhere in the bounds: made exactly in decimal, then
                // written as the binary number nearest to it.
                Some(step) => {
                    let step = Decimal::try_from(step).map_err(|e| format!("multipleOf: {e}"))?;
                    let k = |f: f64, round: fn(Decimal) -> Decimal| {
                        Decimal::try_from(f)
                            .ok()
                            .and_then(|d| d.checked_div(step))
                            .map(round)
                            .and_then(|d| i128::try_from(d).ok())
                    };
                    let (klo, khi) = (
                        k(lo, |d| d.ceil()).unwrap_or(-(10i128.pow(27))),
                        k(hi, |d| d.floor()).unwrap_or(10i128.pow(27)),
                    );
                    Ok(prop_oneof![
                        1 => Just(klo),
                        1 => Just(khi),
                        1 => Just(0i128.clamp(klo, khi)),
                        2 => (-1000i128..=1000).prop_map(move |k| k.clamp(klo, khi)),
                        4 => klo..=khi,
                    ]
                    .prop_filter_map("a number in JSON", move |k| {
                        let d = Decimal::try_from_i128_with_scale(k, 0)
                            .ok()?
                            .checked_mul(step)?;
                        finite(f64::try_from(d).ok()?)
                    })
                    .boxed())
                }
                None => {
                    let (near_lo, near_hi) = (lo.max(-1e6), hi.min(1e6));
                    Ok(prop_oneof![
                        1 => Just(lo),
                        1 => Just(hi),
                        4 => any::<f64>().prop_map(move |f| f.clamp(lo, hi)),
                        // Every order of magnitude a binary number has, the tiny ones included.
                        2 => (-330i32..=308, any::<bool>()).prop_map(move |(e, negative)| {
                            let f = 10f64.powi(e);
                            (if negative { -f } else { f }).clamp(lo, hi)
                        }),
                        2 => (0.0f64..=1.0).prop_map(move |t| near_lo + t * (near_hi - near_lo)),
                    ]
                    .prop_filter_map("a finite number", finite)
                    .boxed())
                }
            }
        }
        "boolean" => Ok(any::<bool>().prop_map(Value::Bool).boxed()),
        "string" => {
            let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = map
                .get("maxLength")
                .and_then(Value::as_u64)
                .map_or(min + 24, |m| m as usize);
            let in_length = move |s: &String| (min..=max).contains(&s.chars().count());
            match map.get("pattern").and_then(Value::as_str) {
                Some(pattern) => {
                    // A whole match is a match; proptest's generator takes no anchors.
                    let body = pattern.trim_start_matches('^').trim_end_matches('$');
                    Ok(proptest::string::string_regex(body)
                        .map_err(|e| format!("pattern {pattern}: {e}"))?
                        .prop_filter("within the lengths", in_length)
                        .prop_map(Value::String)
                        .boxed())
                }
                None => Ok(proptest::collection::vec(any::<char>(), min..=max)
                    .prop_map(|cs| Value::String(cs.into_iter().collect()))
                    .boxed()),
            }
        }
        other => Err(format!("type {other:?} is not covered yet")),
    }
}

/// A generated value as query text: a string as it is, anything else as its JSON.
pub fn query_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
