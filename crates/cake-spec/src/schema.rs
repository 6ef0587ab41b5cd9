//! The spec's schemas as JSON Schema, for tools that hold JSON against the spec: the contract
//! suite (bodies and parameters) and `cargo xtask spec` (the spec's own examples).
//!
//! OpenAPI 3.0 schemas are close to JSON Schema but not the same: `nullable`, a boolean
//! `exclusiveMinimum`, and `$ref`s into `#/components/schemas`. [`to_json_schema`] converts one,
//! with every component it may reference under `definitions`, so that a real validator (the
//! `jsonschema` crate, with the `validate` feature) holds JSON against the spec; [`json_schema`]
//! converts one schema alone, as the SDK's generator hands them to typify. With `validate`, the
//! spec's own formats are checked too:
//! `cake-date-time` by [`is_cake_date_time`] (never the SDK's parser, which these validators are
//! used to test), `decimal` by rust_decimal, `date` by the validator.
//!
//! It depends on nothing generated from the spec, so it works on any version of the document,
//! also one that the SDK cannot be built from.

#[cfg(feature = "validate")]
use std::{cell::RefCell, collections::HashMap, rc::Rc};

use serde_json::{json, Map, Value};

/// The JSON value at a JSON pointer such as `#/components/schemas/Click` (one rule, in `refs`).
pub use crate::refs::resolve;

const REF_PREFIX: &str = "#/components/schemas/";

/// One OpenAPI schema (resolved against `spec`) as a self-contained JSON Schema (draft 7).
pub fn to_json_schema(spec: &Value, schema: &Value) -> Value {
    let mut root = json_schema(schema);
    let mut definitions = Map::new();
    if let Some(Value::Object(components)) = spec.pointer("/components/schemas") {
        for (name, s) in components {
            definitions.insert(name.clone(), json_schema(s));
        }
    }
    if let Value::Object(map) = &mut root {
        map.insert("definitions".into(), Value::Object(definitions));
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
    } else {
        root = json!({ "allOf": [root], "definitions": definitions });
    }
    root
}

/// One OpenAPI 3.0 schema as JSON Schema (draft 7), alone: `$ref`s to `#/components/schemas/X`
/// become `#/definitions/X` (see [`to_json_schema`]), `nullable` becomes a `null` type,
/// OpenAPI's boolean exclusive bounds become JSON Schema's numeric ones, and keywords JSON Schema
/// does not have (`example`, `discriminator`, `deprecated` ...) are left out. Extensions (`x-`)
/// are kept.
pub fn json_schema(schema: &Value) -> Value {
    convert(schema)
}

fn convert(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "$ref" => {
                        let r = v.as_str().unwrap_or_default();
                        let name = r.strip_prefix(REF_PREFIX).unwrap_or(r);
                        out.insert("$ref".into(), json!(format!("#/definitions/{name}")));
                    }
                    // Not JSON Schema keywords, or handled below.
                    "nullable" | "example" | "examples" | "discriminator" | "xml"
                    | "externalDocs" | "deprecated" | "exclusiveMinimum" | "exclusiveMaximum" => {}
                    "properties" => {
                        let props = v
                            .as_object()
                            .map(|p| p.iter().map(|(n, s)| (n.clone(), convert(s))).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    "items" | "additionalProperties" | "not" => {
                        out.insert(
                            k.clone(),
                            if v.is_object() { convert(v) } else { v.clone() },
                        );
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        let list = v
                            .as_array()
                            .map(|a| a.iter().map(convert).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Array(list));
                    }
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if map.get(flag) == Some(&Value::Bool(true)) {
                    if let Some(b) = out.remove(bound) {
                        out.insert(flag.into(), b);
                    }
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    values.push(Value::Null);
                }
                if out.contains_key("$ref") {
                    let inner = Value::Object(std::mem::take(&mut out));
                    out.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A validator for a JSON Schema made by [`to_json_schema`], with the spec's formats checked.
#[cfg(feature = "validate")]
pub fn validator(json_schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        // Checked here, not by the SDK's `CakeDateTime` parser: the SDK's handling of this
        // format is under test where these validators are used, so their idea of it must not
        // come from the SDK.
        .with_format("cake-date-time", is_cake_date_time)
        .with_format("decimal", |s: &str| {
            s.parse::<rust_decimal::Decimal>().is_ok()
        })
        .build(json_schema)
        .map_err(|e| e.to_string())
}

/// `YYYY-MM-DD HH:MM:SS` exactly, and a real date and time (`cake-date-time`).
#[cfg(feature = "validate")]
pub fn is_cake_date_time(s: &str) -> bool {
    const FORM: &str = "%Y-%m-%d %H:%M:%S";
    chrono::NaiveDateTime::parse_from_str(s, FORM).is_ok_and(|t| t.format(FORM).to_string() == s)
}

/// A validator built once, or why it could not be.
#[cfg(feature = "validate")]
type Compiled = Rc<Result<jsonschema::Validator, String>>;

/// Every way `instance` breaks `schema` (an OpenAPI schema of `spec`), as "path: message" lines;
/// empty when it conforms. Validators are built once per schema and thread (the suite validates
/// thousands of bodies against a handful of schemas).
#[cfg(feature = "validate")]
pub fn violations(spec: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    thread_local! {
        static CACHE: RefCell<HashMap<(u64, String), Compiled>> =
            RefCell::new(HashMap::new());
    }
    let key = (fingerprint(spec), schema.to_string());
    let compiled = CACHE.with(|c| {
        c.borrow_mut()
            .entry(key)
            .or_insert_with(|| Rc::new(validator(&to_json_schema(spec, schema))))
            .clone()
    });
    match compiled.as_ref() {
        Ok(v) => v
            .iter_errors(instance)
            .map(|e| {
                format!(
                    "{}: {}",
                    if e.instance_path().as_str().is_empty() {
                        "(root)".to_string()
                    } else {
                        e.instance_path().to_string()
                    },
                    e
                )
            })
            .collect(),
        Err(e) => vec![format!("the schema itself is invalid: {e}")],
    }
}

/// A cheap identity of a spec document (its size in schemas and their names), so that cached
/// validators do not mix the documents one process holds.
#[cfg(feature = "validate")]
fn fingerprint(spec: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Some(Value::Object(schemas)) = spec.pointer("/components/schemas") {
        for (name, s) in schemas {
            name.hash(&mut h);
            s.as_object().map(|o| o.len()).hash(&mut h);
        }
    }
    h.finish()
}

#[cfg(all(test, feature = "validate"))]
mod tests {
    use super::*;

    /// The workspace's spec, as JSON.
    fn spec_json() -> Value {
        serde_yaml_ng::from_str(cake_openapi::YAML).unwrap()
    }

    fn click_schema() -> (Value, Value) {
        let spec = spec_json();
        (spec.clone(), json!({"$ref": "#/components/schemas/Click"}))
    }

    #[test]
    fn the_documented_click_conforms() {
        let (spec, schema) = click_schema();
        let click = json!({"click_id":"a","click_date":"2026-01-15 09:42:11","offer_id":1,"affiliate_id":2,
            "ip_address":"203.0.113.42","country":"US","converted":false});
        assert_eq!(violations(&spec, &schema, &click), Vec::<String>::new());
    }

    #[test]
    fn a_t_in_a_date_time_a_missing_field_and_a_string_id_are_caught() {
        let (spec, schema) = click_schema();
        let click = json!({"click_id":"a","click_date":"2026-01-15T09:42:11","offer_id":"1",
            "ip_address":"203.0.113.42","country":"US","converted":false});
        let v = violations(&spec, &schema, &click).join("\n");
        assert!(v.contains("/click_date"), "{v}");
        assert!(v.contains("/offer_id"), "{v}");
        assert!(v.contains("affiliate_id"), "{v}");
    }

    #[test]
    fn money_as_a_string_is_caught() {
        let spec = spec_json();
        let schema = json!({"$ref": "#/components/schemas/OfferReportTotals"});
        let totals = json!({"clicks": 1, "conversions": 1, "payout": "18.00", "revenue": 22.00});
        let v = violations(&spec, &schema, &totals).join("\n");
        assert!(v.contains("/payout"), "{v}");
    }

    #[test]
    fn cake_date_times_are_exact_and_real() {
        assert!(is_cake_date_time("2026-01-15 09:42:11"));
        assert!(is_cake_date_time("2024-02-29 23:59:59"));
        for bad in [
            "2026-01-15T09:42:11",
            "2026-1-15 09:42:11",
            "2026-02-30 00:00:00",
            "2026-14-07 90:50:98",
            "",
        ] {
            assert!(!is_cake_date_time(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod conversion_tests {
    use serde_json::json;

    use super::json_schema;

    #[test]
    fn nullable_exclusive_bounds_and_refs_convert() {
        let s = json_schema(
            &json!({"type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true}),
        );
        assert_eq!(
            s,
            json!({"type": ["integer", "null"], "exclusiveMinimum": 0})
        );
        let r = json_schema(&json!({"$ref": "#/components/schemas/Money", "x-keep": 1}));
        assert_eq!(r, json!({"$ref": "#/definitions/Money", "x-keep": 1}));
    }
}
