//! The spec's query parameters and what each admits, read in one place: `$ref`s resolved
//! (parameters and schemas), the kind of value and its bounds (an integer's `format` bounds it as
//! much as `minimum`/`maximum` do; a decimal's `multipleOf` is its number of decimals), and the
//! security scheme's api_key parameter.
//!
//! This file is also compiled into cake-client's build script (as `spec_params.rs`, a link to
//! it), so that the SDK's table of constraints (and through it the simulator's validation and the
//! `cake` command's flags) and the contract suite's strategies read parameters by the same rules.
//! It depends on `serde_json` only, and reads the spec as JSON.

use serde_json::{Map, Value};

/// What a query parameter admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `type: integer`, inclusive bounds: the spec's, narrowed by its `format` (`int32`).
    Integer {
        /// Least value, when bounded.
        min: Option<i64>,
        /// Greatest value, when bounded.
        max: Option<i64>,
    },
    /// `type: number, format: decimal`: exact decimal digits.
    Decimal {
        /// Least value, as the spec writes it.
        min: Option<String>,
        /// Greatest value, as the spec writes it.
        max: Option<String>,
        /// At most this many digits after the point (`multipleOf`, a power of ten).
        decimals: Option<u32>,
    },
    /// `type: boolean`.
    Boolean,
    /// `format: date`.
    Date,
    /// `format: cake-date-time`.
    DateTime,
    /// A string `enum`.
    Enum(Vec<String>),
    /// Any other string, `minLength..=maxLength` characters.
    Text {
        /// `minLength`.
        min_length: u64,
        /// `maxLength`, when set.
        max_length: Option<u64>,
    },
}

/// One query parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The query name.
    pub name: String,
    /// The spec's description.
    pub description: String,
    /// `required: true`.
    pub required: bool,
    /// The schema's `default`.
    pub default: Option<Value>,
    /// The schema with every `$ref` inlined.
    pub schema: Value,
    /// What it admits.
    pub kind: Kind,
}

/// What `reference` (`#/components/...`) points to in `spec`.
pub fn resolve<'a>(spec: &'a Value, reference: &str) -> Option<&'a Value> {
    spec.pointer(reference.strip_prefix('#')?)
}

/// The schema with every `$ref` replaced by what it points to; keywords beside a `$ref` win over
/// its target's. The spec's schemas are not recursive: a cycle is an error, not an overflow.
pub fn inline_refs(spec: &Value, schema: &Value) -> Result<Value, String> {
    fn go(spec: &Value, schema: &Value, depth: usize) -> Result<Value, String> {
        if depth > 32 {
            return Err("a $ref cycle".into());
        }
        match schema {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let target = resolve(spec, r).ok_or_else(|| format!("{r} does not resolve"))?;
                    let mut inlined = go(spec, target, depth + 1)?;
                    if let Value::Object(out) = &mut inlined {
                        for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    return Ok(inlined);
                }
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), go(spec, v, depth + 1)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .iter()
                .map(|v| go(spec, v, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }
    go(spec, schema, 0)
}

/// The query parameters of `operation` (an operation object of `spec`), in the spec's order.
pub fn params(spec: &Value, operation: &Value) -> Result<Vec<Param>, String> {
    let Some(list) = operation.get("parameters") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or("parameters is not a list")?;
    let mut out = Vec::new();
    for p in list {
        let p = inline_refs(spec, p)?;
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a parameter without a name")?
            .to_string();
        if p.get("in").and_then(Value::as_str) != Some("query") {
            return Err(format!("{name}: only query parameters are covered"));
        }
        let schema = p
            .get("schema")
            .cloned()
            .ok_or_else(|| format!("{name}: a parameter needs a schema"))?;
        let kind = kind(&schema).map_err(|e| format!("{name}: {e}"))?;
        out.push(Param {
            description: p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            required: p.get("required") == Some(&Value::Bool(true)),
            default: schema.get("default").cloned(),
            schema,
            kind,
            name,
        });
    }
    Ok(out)
}

/// What a parameter's schema (`$ref`s inlined) admits.
pub fn kind(schema: &Value) -> Result<Kind, String> {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let exclusive = |flag: &str| schema.get(flag) == Some(&Value::Bool(true));
    match ty {
        "integer" => {
            let (lo, hi) = match format {
                "int32" => (Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX))),
                _ => (None, None),
            };
            let bound = |key: &str| -> Result<Option<i64>, String> {
                schema
                    .get(key)
                    .map(|v| {
                        v.as_i64()
                            .ok_or_else(|| format!("{key} {v} is not an integer"))
                    })
                    .transpose()
            };
            let min = bound("minimum")?.map(|m| m + i64::from(exclusive("exclusiveMinimum")));
            let max = bound("maximum")?.map(|m| m - i64::from(exclusive("exclusiveMaximum")));
            Ok(Kind::Integer {
                min: match (min, lo) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                },
                max: match (max, hi) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
            })
        }
        "number" => {
            if format != "decimal" {
                return Err("a number parameter must be `format: decimal`".into());
            }
            if exclusive("exclusiveMinimum") || exclusive("exclusiveMaximum") {
                return Err("exclusive bounds on a decimal are not covered".into());
            }
            let decimals = match schema.get("multipleOf").and_then(Value::as_f64) {
                None => None,
                Some(m) => Some(
                    (0..=28u32)
                        .find(|n| (m * 10f64.powi(*n as i32) - 1.0).abs() < 1e-9)
                        .ok_or_else(|| {
                            format!(
                                "multipleOf must be a power of ten (1, 0.1, 0.01 ...), found {m}"
                            )
                        })?,
                ),
            };
            let text = |key: &str| schema.get(key).map(Value::to_string);
            Ok(Kind::Decimal {
                min: text("minimum"),
                max: text("maximum"),
                decimals,
            })
        }
        "boolean" => Ok(Kind::Boolean),
        "string" => {
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                return values
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .map(Kind::Enum)
                    .ok_or_else(|| "an enum of non-strings".to_string());
            }
            match format {
                "date" => Ok(Kind::Date),
                "cake-date-time" => Ok(Kind::DateTime),
                "" if schema.get("pattern").is_some() => {
                    Err("a pattern without a known format is not covered".into())
                }
                "" => Ok(Kind::Text {
                    min_length: schema.get("minLength").and_then(Value::as_u64).unwrap_or(0),
                    max_length: schema.get("maxLength").and_then(Value::as_u64),
                }),
                other => Err(format!("string format {other:?} is not covered")),
            }
        }
        other => Err(format!("type {other:?} is not covered")),
    }
}

/// The query parameter that carries the api_key: the one security scheme the document requires,
/// an `apiKey` in the query.
pub fn api_key_param(spec: &Value) -> Result<String, String> {
    let required: Vec<&String> = spec
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys())
        .collect();
    let [name] = required.as_slice() else {
        return Err(format!(
            "the spec must require exactly one security scheme (the api_key), found {required:?}"
        ));
    };
    let scheme = spec
        .pointer(&format!("/components/securitySchemes/{name}"))
        .ok_or_else(|| format!("security scheme {name} is not in components.securitySchemes"))?;
    match (
        scheme.get("type").and_then(Value::as_str),
        scheme.get("in").and_then(Value::as_str),
        scheme.get("name").and_then(Value::as_str),
    ) {
        (Some("apiKey"), Some("query"), Some(param)) => Ok(param.to_string()),
        _ => Err(format!(
            "security scheme {name} must be an apiKey in the query, found {scheme}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{kind, params, Kind};

    #[test]
    fn bounds_come_from_the_schema_and_format() {
        let k = kind(&json!({"type": "integer", "format": "int32", "minimum": 1}));
        let int32_max = Some(i64::from(i32::MAX));
        assert_eq!(
            k,
            Ok(Kind::Integer {
                min: Some(1),
                max: int32_max
            })
        );
        let k =
            kind(&json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 9}));
        assert_eq!(
            k,
            Ok(Kind::Integer {
                min: Some(1),
                max: Some(9)
            })
        );
        let k = kind(&json!({"type": "integer", "format": "int32", "maximum": 1e12 as i64}));
        let int32_min = Some(i64::from(i32::MIN));
        assert_eq!(
            k,
            Ok(Kind::Integer {
                min: int32_min,
                max: int32_max
            })
        );
        let k =
            kind(&json!({"type": "number", "format": "decimal", "minimum": 0, "multipleOf": 0.01}));
        assert_eq!(
            k,
            Ok(Kind::Decimal {
                min: Some("0".into()),
                max: None,
                decimals: Some(2)
            })
        );
        assert!(kind(&json!({"type": "number", "format": "decimal", "multipleOf": 0.3})).is_err());
        assert!(kind(&json!({"type": "number"})).is_err());
        assert!(kind(&json!({"type": "object"})).is_err());
    }

    #[test]
    fn parameters_and_their_schemas_are_followed_through_refs() {
        let spec = json!({
            "components": {
                "parameters": {"Start": {"name": "start_date", "in": "query", "required": true,
                    "schema": {"$ref": "#/components/schemas/Day"}}},
                "schemas": {"Day": {"type": "string", "format": "date"}}
            }
        });
        let op = json!({"parameters": [
            {"$ref": "#/components/parameters/Start"},
            {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}
        ]});
        let read = params(&spec, &op).unwrap();
        assert_eq!(read[0].name, "start_date");
        assert!(read[0].required);
        assert_eq!(read[0].kind, Kind::Date);
        assert_eq!(read[1].kind, Kind::Enum(vec!["a".into(), "b".into()]));
        let header =
            json!({"parameters": [{"name": "x", "in": "header", "schema": {"type": "string"}}]});
        assert!(params(&spec, &header).is_err());
    }
}
