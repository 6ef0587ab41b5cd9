//! Response bodies: a proptest strategy for any body a spec schema allows (objects, arrays,
//! required and optional properties, nullable, enums, formats, minimum and maximum), the
//! schema-breaking variants of a body, and comparison of two bodies by value.
//!
//! It reads schemas only; it must never know an operation or a field by name.

use std::fmt;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};

use crate::{ops::decimal_of, params::CAKE_DATE_TIME, schema};

/// A JSON body that prints compactly in failure messages.
#[derive(Clone, PartialEq)]
pub struct Body(pub Value);

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(&self.0).unwrap_or_default())
    }
}

/// Optional properties are present this often (out of 10), so that both shapes are common.
const OPTIONAL_PRESENT_IN_10: u32 = 5;

/// Bodies that `schema` (an OpenAPI schema of `spec`, `$ref`s allowed) accepts.
pub fn body_strategy(spec: &Value, schema: &Value) -> Result<BoxedStrategy<Body>, String> {
    Ok(value_strategy(spec, schema, 0, Reading::Formats)?
        .prop_map(Body)
        .boxed())
}

/// How a schema's scalar values are made: knowing the spec's formats (this suite's own
/// strategies), or from the JSON Schema keywords alone (`crate::schema_only`). Objects, arrays,
/// enums, `oneOf`/`anyOf`, `nullable` and `$ref`s are walked the same way for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// `format` counts: money as exact decimals, `int32` bounds, CAKE's date-times.
    Formats,
    /// Keywords only (`crate::schema_only::scalar`).
    KeywordsOnly,
}

pub(crate) fn value_strategy(
    spec: &Value,
    schema: &Value,
    depth: usize,
    reading: Reading,
) -> Result<BoxedStrategy<Value>, String> {
    if depth > 24 {
        return Err("schema nests too deep (recursive?)".into());
    }
    let map = schema
        .as_object()
        .ok_or_else(|| format!("not a schema: {schema}"))?;
    if let Some(Value::String(r)) = map.get("$ref") {
        let target = schema::resolve(spec, r).ok_or_else(|| format!("{r} does not resolve"))?;
        return value_strategy(spec, target, depth + 1, reading).map_err(|e| format!("{r}: {e}"));
    }
    let inner = plain_strategy(spec, map, depth, reading)?;
    Ok(if map.get("nullable") == Some(&Value::Bool(true)) {
        prop_oneof![1 => Just(Value::Null), 4 => inner].boxed()
    } else {
        inner
    })
}

fn plain_strategy(
    spec: &Value,
    map: &Map<String, Value>,
    depth: usize,
    reading: Reading,
) -> Result<BoxedStrategy<Value>, String> {
    if let Some(Value::Array(values)) = map.get("enum") {
        return Ok(proptest::sample::select(values.clone()).boxed());
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(Value::Array(options)) = map.get(combinator) {
            let options = options
                .iter()
                .map(|o| value_strategy(spec, o, depth + 1, reading))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(proptest::strategy::Union::new(options).boxed());
        }
    }
    if map.contains_key("allOf") {
        return Err("allOf is not covered yet".into());
    }
    let ty = map.get("type").and_then(Value::as_str).unwrap_or("");
    let format = map.get("format").and_then(Value::as_str).unwrap_or("");
    let exclusive = |flag: &str| map.get(flag) == Some(&Value::Bool(true));
    match ty {
        "object" => {
            let required: Vec<&str> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut props: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
            if let Some(Value::Object(properties)) = map.get("properties") {
                for (name, s) in properties {
                    let n = name.clone();
                    let v = value_strategy(spec, s, depth + 1, reading)
                        .map_err(|e| format!("{name}: {e}"))?
                        .prop_map(move |v| (n.clone(), v));
                    props.push(if required.contains(&name.as_str()) {
                        v.prop_map(Some).boxed()
                    } else {
                        proptest::option::weighted(f64::from(OPTIONAL_PRESENT_IN_10) / 10.0, v)
                            .boxed()
                    });
                }
            }
            Ok(props
                .prop_map(|pairs| Value::Object(pairs.into_iter().flatten().collect()))
                .boxed())
        }
        "array" => {
            let items = map.get("items").ok_or("an array without items")?;
            let items = value_strategy(spec, items, depth + 1, reading)
                .map_err(|e| format!("items: {e}"))?;
            let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = map
                .get("maxItems")
                .and_then(Value::as_u64)
                .map(|m| m as usize)
                .unwrap_or(min + 3)
                .min(min + 3);
            Ok(proptest::collection::vec(items, min..=max)
                .prop_map(Value::Array)
                .boxed())
        }
        scalar if reading == Reading::KeywordsOnly => crate::schema_only::scalar(map, scalar),
        "integer" => {
            let range = match format {
                "int32" => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            Ok(integers(map, range))
        }
        "number" => {
            if exclusive("exclusiveMinimum") || exclusive("exclusiveMaximum") {
                return Err("exclusive bounds on a number are not covered yet".into());
            }
            let min = map.get("minimum").and_then(decimal_of);
            let max = map.get("maximum").and_then(decimal_of);
            if format == "decimal" {
                Ok(decimal_numbers(min, max))
            } else {
                // Binary floating point (`double`): any finite value in range; printed by
                // serde_json in its shortest round-trip form.
                let lo = min.map(f64::try_from).and_then(Result::ok).unwrap_or(-1e12);
                let hi = max
                    .map(f64::try_from)
                    .and_then(Result::ok)
                    .unwrap_or(lo + 2e12);
                Ok(prop_oneof![1 => Just(lo), 2 => (0u32..=100_000).prop_map(move |c| lo + f64::from(c) / 100.0), 2 => lo..=hi]
                    .prop_filter_map("a finite number", move |f| {
                        (f.is_finite() && f >= lo && f <= hi).then(|| Number::from_f64(f).map(Value::Number)).flatten()
                    })
                    .boxed())
            }
        }
        "boolean" => Ok(any::<bool>().prop_map(Value::Bool).boxed()),
        "string" => string_strategy(map, format),
        other => Err(format!("type {other:?} is not covered yet")),
    }
}

/// Integers within the schema's bounds (exclusive ones included), narrowed to `range`: both
/// ends, the first thousand above the least, and anywhere.
pub(crate) fn integers(map: &Map<String, Value>, range: (i64, i64)) -> BoxedStrategy<Value> {
    let exclusive = |flag: &str| i64::from(map.get(flag) == Some(&Value::Bool(true)));
    let bound = |key: &str| map.get(key).and_then(Value::as_i64);
    let lo = bound("minimum")
        .map_or(range.0, |m| m.saturating_add(exclusive("exclusiveMinimum")))
        .max(range.0);
    let hi = bound("maximum")
        .map_or(range.1, |m| m.saturating_sub(exclusive("exclusiveMaximum")))
        .min(range.1);
    prop_oneof![
        1 => Just(lo),
        1 => Just(hi),
        3 => lo..=lo.saturating_add(1000).min(hi),
        3 => lo..=hi,
    ]
    .prop_map(Value::from)
    .boxed()
}

/// Exact decimal numbers (money): 0 to 4 fractional digits, trailing zeros kept (`18.00`),
/// within the bounds; written as JSON numbers with exactly those digits.
fn decimal_numbers(min: Option<Decimal>, max: Option<Decimal>) -> BoxedStrategy<Value> {
    let lo = min.unwrap_or(Decimal::from(-10_000_000_000i64));
    let hi = max.unwrap_or(lo + Decimal::from(20_000_000_000i64));
    let span: i64 = ((hi - lo) * Decimal::from(100))
        .trunc()
        .try_into()
        .unwrap_or(i64::MAX);
    (
        prop_oneof![1 => Just(0i64), 3 => 0..=1_000_000i64, 2 => 0..=span.max(0)],
        0u32..=4,
        0u32..=9999,
    )
        .prop_map(move |(cents, scale, extra)| {
            let mut d = lo + Decimal::new(cents, 2) + Decimal::new(i64::from(extra), 6);
            d = d.round_dp(scale).clamp(lo, hi);
            d.rescale(scale);
            let text = d.to_string();
            text.parse::<Number>()
                .map(Value::Number)
                .unwrap_or(Value::Null)
        })
        .boxed()
}

fn string_strategy(map: &Map<String, Value>, format: &str) -> Result<BoxedStrategy<Value>, String> {
    let date = (0i64..15_000).prop_map(|d| NaiveDateBase::get() + chrono::Duration::days(d));
    Ok(match format {
        "date" => date
            .prop_map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .boxed(),
        "cake-date-time" => (date, 0u32..86_400)
            .prop_map(|(d, s)| {
                let t =
                    chrono::NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap_or_default();
                Value::String(d.and_time(t).format(CAKE_DATE_TIME).to_string())
            })
            .boxed(),
        "" => {
            if map.contains_key("pattern") {
                return Err("a string pattern without a known format is not covered yet".into());
            }
            let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = map
                .get("maxLength")
                .and_then(Value::as_u64)
                .map(|m| m as usize)
                .unwrap_or(min + 16);
            let chars = prop_oneof![
                6 => proptest::char::range('a', 'z'),
                2 => proptest::char::range('0', '9'),
                1 => proptest::sample::select(vec![' ', '"', '\\', '/', '-', '.', 'é', '✓', '\u{1F600}', '\n']),
            ];
            proptest::collection::vec(chars, min..=max)
                .prop_map(|cs| Value::String(cs.into_iter().collect()))
                .boxed()
        }
        other => return Err(format!("string format {other:?} is not covered yet")),
    })
}

struct NaiveDateBase;

impl NaiveDateBase {
    fn get() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
    }
}

/// `value` with only the properties `schema` names (through `$ref`s, `properties`, `items` and
/// an `additionalProperties` schema), and the JSON pointers of those it does not name, an array
/// index written `*` so that the same property in many rows is one pointer (`/response/data/
/// offers/*/est_e91`). The spec admits properties it does not name and the SDK ignores them by
/// design, so a target (a live CAKE, a mock server in dynamic mode) that adds one has not broken
/// the contract: the round trip compares what the schemas name, and the rest is reported.
pub fn named_only(spec: &Value, schema: &Value, value: &Value) -> (Value, Vec<String>) {
    fn escape(key: &str) -> String {
        key.replace('~', "~0").replace('/', "~1")
    }
    fn walk(
        spec: &Value,
        schema: &Value,
        value: &Value,
        path: &str,
        out: &mut Vec<String>,
    ) -> Value {
        let Some(schema) = cake_spec::refs::deref(spec, schema) else {
            return value.clone();
        };
        match value {
            Value::Object(map) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                let others = schema.get("additionalProperties").filter(|a| a.is_object());
                if properties.is_none() && others.is_none() {
                    return value.clone();
                }
                let mut kept = Map::new();
                for (key, v) in map {
                    let at = format!("{path}/{}", escape(key));
                    match properties.and_then(|p| p.get(key)).or(others) {
                        Some(s) => {
                            kept.insert(key.clone(), walk(spec, s, v, &at, out));
                        }
                        None => out.push(at),
                    }
                }
                Value::Object(kept)
            }
            Value::Array(items) => match schema.get("items") {
                Some(item) => Value::Array(
                    items
                        .iter()
                        .map(|v| walk(spec, item, v, &format!("{path}/*"), out))
                        .collect(),
                ),
                None => value.clone(),
            },
            other => other.clone(),
        }
    }
    let mut unnamed = Vec::new();
    let named = walk(spec, schema, value, "", &mut unnamed);
    unnamed.sort();
    unnamed.dedup();
    (named, unnamed)
}

/// The first place where two bodies differ in value (numbers compared as exact decimals, so
/// `18.00` equals `18.0`), as a JSON pointer and what differs; `None` when they are equal.
pub fn first_difference(served: &Value, decoded: &Value) -> Option<String> {
    fn walk(a: &Value, b: &Value, path: &str) -> Option<String> {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let same = match (decimal_of(a), decimal_of(b)) {
                    (Some(p), Some(q)) => p == q,
                    _ => x.as_f64() == y.as_f64(),
                };
                (!same).then(|| format!("{path}: served {x}, got back {y}"))
            }
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    let p = format!("{path}/{k}");
                    match y.get(k) {
                        None => return Some(format!("{p}: served {v}, missing after decoding")),
                        Some(w) => {
                            if let Some(d) = walk(v, w, &p) {
                                return Some(d);
                            }
                        }
                    }
                }
                y.iter()
                    .find(|(k, _)| !x.contains_key(*k))
                    .map(|(k, v)| format!("{path}/{k}: not served, {v} after decoding"))
            }
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return Some(format!(
                        "{path}: served {} items, got back {}",
                        x.len(),
                        y.len()
                    ));
                }
                x.iter()
                    .zip(y)
                    .enumerate()
                    .find_map(|(i, (v, w))| walk(v, w, &format!("{path}/{i}")))
            }
            _ => (a != b).then(|| format!("{path}: served {a}, got back {b}")),
        }
    }
    walk(served, decoded, "")
}

/// One way to break a body that conforms to its schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Breakage {
    /// A required property removed.
    MissingRequired {
        /// JSON pointer of the object.
        at: String,
        /// The property.
        property: String,
    },
    /// A value replaced by one of another JSON type.
    WrongType {
        /// JSON pointer of the value.
        at: String,
        /// What it became.
        replacement: Value,
    },
    /// A date or date-time string in another form (RFC 3339 with a `T`, or a non-date).
    BadFormat {
        /// JSON pointer of the value.
        at: String,
        /// What it became.
        replacement: String,
    },
}

impl Breakage {
    /// Applies it to `body`.
    pub fn apply(&self, body: &mut Value) {
        match self {
            Breakage::MissingRequired { at, property } => {
                if let Some(Value::Object(o)) = body.pointer_mut(at) {
                    o.remove(property);
                }
            }
            Breakage::WrongType { at, replacement } => {
                if let Some(v) = body.pointer_mut(at) {
                    *v = replacement.clone();
                }
            }
            Breakage::BadFormat { at, replacement } => {
                if let Some(v) = body.pointer_mut(at) {
                    *v = Value::String(replacement.clone());
                }
            }
        }
    }
}

/// Every breakage of `body` that `schema` allows to derive: each required property dropped,
/// each value given another type, each date-time written with a `T`.
pub fn breakages(spec: &Value, schema: &Value, body: &Value) -> Vec<Breakage> {
    let mut out = Vec::new();
    collect(spec, schema, body, String::new(), &mut out, 0);
    out
}

fn collect(
    spec: &Value,
    schema: &Value,
    body: &Value,
    at: String,
    out: &mut Vec<Breakage>,
    depth: usize,
) {
    if depth > 24 {
        return;
    }
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(Value::String(r)) = map.get("$ref") {
        if let Some(target) = schema::resolve(spec, r) {
            collect(spec, target, body, at, out, depth + 1);
        }
        return;
    }
    let ty = map.get("type").and_then(Value::as_str).unwrap_or("");
    // Another JSON type: a string where a number or boolean belongs, a number where a string
    // belongs, a scalar where a structure belongs.
    let replacement = match (ty, body) {
        (_, Value::Null) => None,
        // Text that is no number: the SDK's Decimal (rust_decimal) also reads numeric text
        // such as "12", a leniency the spec does not allow; that case has its own test
        // (`money_given_as_a_string_is_a_decode_error`, ignored until the SDK is strict).
        ("integer" | "number", _) => Some(Value::String("twelve".into())),
        ("boolean", _) => Some(Value::String("true".into())),
        ("string", _) => Some(Value::from(7)),
        ("object", _) => Some(Value::Array(vec![])),
        ("array", _) => Some(Value::Object(Map::new())),
        _ => None,
    };
    if let Some(replacement) = replacement {
        out.push(Breakage::WrongType {
            at: at.clone(),
            replacement,
        });
    }
    match (ty, body) {
        ("object", Value::Object(o)) => {
            let required: Vec<&str> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for r in required {
                if o.contains_key(r) {
                    out.push(Breakage::MissingRequired {
                        at: at.clone(),
                        property: r.to_string(),
                    });
                }
            }
            if let Some(Value::Object(props)) = map.get("properties") {
                for (name, s) in props {
                    if let Some(v) = o.get(name) {
                        collect(spec, s, v, format!("{at}/{}", escape(name)), out, depth + 1);
                    }
                }
            }
        }
        ("array", Value::Array(items)) => {
            if let (Some(s), Some(first)) = (map.get("items"), items.first()) {
                collect(spec, s, first, format!("{at}/0"), out, depth + 1);
            }
        }
        ("string", Value::String(s)) => match map.get("format").and_then(Value::as_str) {
            Some("cake-date-time") => out.push(Breakage::BadFormat {
                at,
                replacement: s.replacen(' ', "T", 1),
            }),
            Some("date") => out.push(Breakage::BadFormat {
                at,
                replacement: format!("{s}T00:00:00Z"),
            }),
            _ => {}
        },
        _ => {}
    }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ops::Spec, schema::violations};
    use proptest::test_runner::TestRunner;

    #[test]
    fn generated_bodies_conform_and_their_breakages_do_not() {
        let spec = Spec::load().unwrap();
        let mut runner = TestRunner::deterministic();
        for op in &spec.operations {
            for r in &op.responses {
                let s = body_strategy(&spec.json, &r.schema).unwrap();
                for _ in 0..32 {
                    let Body(body) = s.new_tree(&mut runner).unwrap().current();
                    let v = violations(&spec.json, &r.schema, &body);
                    assert!(v.is_empty(), "{} {}: {body}: {v:?}", op.id, r.status);
                    for b in breakages(&spec.json, &r.schema, &body) {
                        let mut broken = body.clone();
                        b.apply(&mut broken);
                        assert!(
                            !violations(&spec.json, &r.schema, &broken).is_empty(),
                            "{} {}: {b:?} left {broken} valid",
                            op.id,
                            r.status
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        let a: Value = serde_json::from_str(r#"{"p": 18.00, "l": [1, "x"]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"p": 18.0, "l": [1, "x"]}"#).unwrap();
        assert_eq!(first_difference(&a, &b), None);
        let c: Value = serde_json::from_str(r#"{"p": "18.00", "l": [1, "x"]}"#).unwrap();
        assert!(first_difference(&a, &c).unwrap().starts_with("/p"));
        let d: Value = serde_json::from_str(r#"{"p": 18.00, "l": [1]}"#).unwrap();
        assert!(first_difference(&a, &d).unwrap().starts_with("/l"));
    }
}
