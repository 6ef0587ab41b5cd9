//! The spec's parameters and what each admits, read in one place: `$ref`s resolved (parameters
//! and schemas, through [`crate::refs`]), path-level parameters merged with the operation's, where
//! each goes (query, header, path), the kind of value and its bounds (an integer's `format`
//! bounds it as much as `minimum`/`maximum` do; a decimal's `multipleOf` is its number of
//! decimals), and the security scheme's api_key parameter.
//!
//! The SDK's table of constraints (and through it the simulator's validation and the `cake`
//! command's flags), the SDK's generator and the contract suite's strategies all read parameters
//! here. It reads the spec as JSON and depends on `serde_json` only.

use serde_json::Value;

use crate::refs::{deref, inline_refs};

/// Where a parameter goes in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// `in: query`.
    Query,
    /// `in: header`.
    Header,
    /// `in: path` (always required).
    Path,
}

impl Location {
    /// As the spec writes it (`query`, `header`, `path`).
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Header => "header",
            Location::Path => "path",
        }
    }
}

/// What a parameter admits.
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
    /// `type: number` of any other format: a binary floating-point number (never money, which
    /// the spec writes `format: decimal`).
    Number {
        /// Least value, as the spec writes it.
        min: Option<String>,
        /// Greatest value, as the spec writes it.
        max: Option<String>,
    },
    /// `type: boolean`.
    Boolean,
    /// `format: date`.
    Date,
    /// `format: cake-date-time`.
    DateTime,
    /// A string `enum`.
    Enum(Vec<String>),
    /// Any other string, `minLength..=maxLength` characters, matching `pattern` when it has one.
    Text {
        /// `minLength`.
        min_length: u64,
        /// `maxLength`, when set.
        max_length: Option<u64>,
        /// `pattern` (an ECMA-262 regular expression), when set.
        pattern: Option<String>,
    },
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name, as it goes on the wire.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// The spec's description.
    pub description: String,
    /// `required: true` (always, for a path parameter).
    pub required: bool,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// When deprecated, the day of its removal (`x-sunset`, `YYYY-MM-DD`), if the spec gives one.
    pub sunset: Option<String>,
    /// The schema's `default`.
    pub default: Option<Value>,
    /// The schema with every `$ref` inlined.
    pub schema: Value,
    /// The schema as the spec writes it (a `$ref` kept as one), for code generators that name
    /// the types of referenced schemas.
    pub written_schema: Value,
    /// What it admits.
    pub kind: Kind,
}

/// What `reference` (`#/components/...`) points to in `spec` (see [`crate::refs`]).
pub use crate::refs::resolve;

/// The parameters of `operation` (an operation object of `spec`) in the spec's order, after the
/// path item's own (`path_parameters`, the path item's `parameters`) that it does not override.
pub fn params(
    spec: &Value,
    path_parameters: Option<&Value>,
    operation: &Value,
) -> Result<Vec<Param>, String> {
    let list = |value: Option<&Value>| -> Result<Vec<Param>, String> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        value
            .as_array()
            .ok_or("parameters is not a list")?
            .iter()
            .map(|p| param(spec, p))
            .collect()
    };
    let own = list(operation.get("parameters"))?;
    let mut out: Vec<Param> = list(path_parameters)?
        .into_iter()
        .filter(|p| {
            !own.iter()
                .any(|o| o.name == p.name && o.location == p.location)
        })
        .collect();
    for p in own {
        if out
            .iter()
            .any(|o| o.name == p.name && o.location == p.location)
        {
            return Err(format!("{}: given twice", p.name));
        }
        out.push(p);
    }
    Ok(out)
}

fn param(spec: &Value, written: &Value) -> Result<Param, String> {
    let p = deref(spec, written).ok_or("a parameter $ref that does not resolve")?;
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a parameter without a name")?
        .to_string();
    let location = match p.get("in").and_then(Value::as_str) {
        Some("query") => Location::Query,
        Some("header") => Location::Header,
        Some("path") => Location::Path,
        Some("cookie") => {
            return Err(format!(
                "{name}: cookie parameters are not supported (CAKE's API has none)"
            ))
        }
        other => {
            return Err(format!(
                "{name}: `in` must be query, header or path, got {other:?}"
            ))
        }
    };
    let written_schema = p.get("schema").cloned().ok_or_else(|| {
        format!("{name}: a parameter needs a `schema` (`content` is not supported)")
    })?;
    let schema = inline_refs(spec, &written_schema).map_err(|e| format!("{name}: {e}"))?;
    let kind = kind(&schema).map_err(|e| format!("{name}: {e}"))?;
    let required = p.get("required") == Some(&Value::Bool(true));
    let deprecation = crate::extensions::deprecation(p).map_err(|e| format!("{name}: {e}"))?;
    if location == Location::Path && !required {
        return Err(format!("{name}: a path parameter must be `required: true`"));
    }
    Ok(Param {
        description: p
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string(),
        required,
        deprecated: deprecation.is_some(),
        sunset: deprecation.flatten(),
        default: schema.get("default").cloned(),
        schema,
        written_schema,
        kind,
        location,
        name,
    })
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
            let text = |key: &str| schema.get(key).map(Value::to_string);
            if format != "decimal" {
                if exclusive("exclusiveMinimum") || exclusive("exclusiveMaximum") {
                    return Err("exclusive bounds on a number are not covered".into());
                }
                return Ok(Kind::Number {
                    min: text("minimum"),
                    max: text("maximum"),
                });
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
                // Any other format is text to the SDK's checks: its schema's lengths and
                // pattern hold, the format itself is the generated type's to parse.
                _ => Ok(Kind::Text {
                    min_length: schema.get("minLength").and_then(Value::as_u64).unwrap_or(0),
                    max_length: schema.get("maxLength").and_then(Value::as_u64),
                    pattern: schema
                        .get("pattern")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }),
            }
        }
        "array" | "object" => Err(format!(
            "a parameter of type {ty} is not supported: parameters are single values (CAKE's \
             API has no lists or objects in its queries)"
        )),
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

    use super::{kind, params, Kind, Location};

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
        assert_eq!(
            kind(&json!({"type": "number", "maximum": 2.5})),
            Ok(Kind::Number {
                min: None,
                max: Some("2.5".into())
            })
        );
        assert!(kind(&json!({"type": "object"})).is_err());
        assert!(kind(&json!({"type": "array", "items": {"type": "integer"}})).is_err());
        assert_eq!(
            kind(&json!({"type": "string", "pattern": "^[a-z]+$", "maxLength": 8})),
            Ok(Kind::Text {
                min_length: 0,
                max_length: Some(8),
                pattern: Some("^[a-z]+$".into())
            })
        );
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
            {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}},
            {"name": "X-Request-Source", "in": "header", "schema": {"type": "string"}}
        ]});
        let path_level = json!([
            {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}},
            {"name": "sort", "in": "query", "schema": {"type": "string"}}
        ]);
        let read = params(&spec, Some(&path_level), &op).unwrap();
        let names: Vec<&str> = read.iter().map(|p| p.name.as_str()).collect();
        // The path item's `sort` is overridden by the operation's.
        assert_eq!(names, ["id", "start_date", "sort", "X-Request-Source"]);
        assert_eq!(read[0].location, Location::Path);
        assert!(read[1].required);
        assert_eq!(read[1].kind, Kind::Date);
        assert_eq!(
            read[1].written_schema,
            json!({"$ref": "#/components/schemas/Day"})
        );
        assert_eq!(read[2].kind, Kind::Enum(vec!["a".into(), "b".into()]));
        assert_eq!(read[3].location, Location::Header);
        let optional_path =
            json!({"parameters": [{"name": "x", "in": "path", "schema": {"type": "string"}}]});
        assert!(params(&spec, None, &optional_path).is_err());
        let cookie =
            json!({"parameters": [{"name": "x", "in": "cookie", "schema": {"type": "string"}}]});
        assert!(params(&spec, None, &cookie).is_err());
    }
}
