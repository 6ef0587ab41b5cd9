//! The spec's operations as the contract tests see them: loaded with `openapiv3` from
//! `spec/cake.yaml` at test time, every `$ref` followed, each query parameter reduced to a
//! [`ParamKind`] and each documented response to its JSON schema.
//!
//! Everything here is read from the spec; nothing may restate a parameter, bound or status by
//! hand. A schema this module cannot describe is an error that names it, never a guess.

use openapiv3::{
    APIKeyLocation, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, SecurityScheme,
    StatusCode,
};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::schema;

/// The whole spec, loaded once per call: the typed model, its JSON form (for schemas), and the
/// operations derived from it.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The spec as JSON (schemas are held as JSON and converted to JSON Schema).
    pub json: Value,
    /// Every operation, in the spec's order.
    pub operations: Vec<Operation>,
    /// The query parameter of the `apiKey` security scheme (`api_key`).
    pub api_key_param: String,
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path, e.g. `/api/2/report/offer.json`.
    pub path: String,
    /// `x-cake-creates-data`: sending it records something.
    pub creates_data: bool,
    /// The query parameters.
    pub params: Vec<Param>,
    /// The documented responses: the status (`200`, `404`, `5XX`) and the JSON body schema.
    pub responses: Vec<Response>,
    /// `x-cake-date-range`: the start and end parameters, when it has a date range.
    pub date_range: Option<(String, String)>,
}

/// One documented response of an operation.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status or status range as the spec writes it.
    pub status: Status,
    /// The `application/json` schema (possibly a `$ref` into the spec's components).
    pub schema: Value,
    /// Whether the operation documents this answer itself, rather than by a `$ref` to the
    /// spec's shared `components/responses` (the answers any operation may give: a bad
    /// parameter, a bad key, rate limits, server failures). An operation's own failures are
    /// about the server's data (Record Conversion's unknown click), not the request's form.
    pub own: bool,
}

/// A documented status: one code, or a range such as `5XX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// One status code.
    Code(u16),
    /// All codes `n00..=n99`.
    Range(u16),
}

impl Status {
    /// Concrete codes that stand for this status: the code, or the first and a typical member
    /// of the range (`500` and `503` for `5XX`).
    pub fn examples(self) -> Vec<u16> {
        match self {
            Status::Code(c) => vec![c],
            Status::Range(n) => vec![n * 100, n * 100 + 3],
        }
    }

    /// Whether `code` is this status.
    pub fn covers(self, code: u16) -> bool {
        match self {
            Status::Code(c) => c == code,
            Status::Range(n) => code / 100 == n,
        }
    }

    /// Whether it is a success status.
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(c) => (200..300).contains(&c),
            Status::Range(n) => n == 2,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Code(c) => write!(f, "{c}"),
            Status::Range(n) => write!(f, "{n}XX"),
        }
    }
}

/// One query parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The query name.
    pub name: String,
    /// `required: true`.
    pub required: bool,
    /// The schema with every `$ref` inlined.
    pub schema: Value,
    /// What values it takes.
    pub kind: ParamKind,
    /// The spec's `default`, when it has one.
    pub default: Option<Value>,
}

/// The values a query parameter takes, read from its schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// `type: integer`, inclusive bounds (the `format`'s range where the spec gives none).
    Integer {
        /// Least value.
        min: i64,
        /// Greatest value.
        max: i64,
    },
    /// `type: number` (money is `format: decimal`): exact decimal digits.
    Decimal {
        /// Least value, when the spec sets one.
        min: Option<Decimal>,
        /// Greatest value, when the spec sets one.
        max: Option<Decimal>,
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
        min_length: usize,
        /// `maxLength`, when set.
        max_length: Option<usize>,
    },
}

impl Operation {
    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The documented response for a status code, when there is one.
    pub fn response_for(&self, code: u16) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| r.status == Status::Code(code))
            .or_else(|| self.responses.iter().find(|r| r.status.covers(code)))
    }

    /// The success response (the first documented 2xx).
    pub fn success(&self) -> Option<&Response> {
        self.responses.iter().find(|r| r.status.is_success())
    }

    /// The pairs of date parameters that form a range (the spec's `x-cake-date-range`): the
    /// start must be on or before the end.
    pub fn date_ranges(&self) -> Vec<(String, String)> {
        self.date_range.iter().cloned().collect()
    }
}

impl Spec {
    /// The spec the SDK was generated from (`spec/cake.yaml`), loaded with `openapiv3`.
    pub fn load() -> Result<Spec, String> {
        Spec::from_yaml(cake_client::spec::SPEC_YAML)
    }

    /// A spec from its YAML text.
    pub fn from_yaml(yaml: &str) -> Result<Spec, String> {
        let model: OpenAPI =
            serde_yaml_ng::from_str(yaml).map_err(|e| format!("not OpenAPI 3.0: {e}"))?;
        let json: Value = serde_yaml_ng::from_str(yaml).map_err(|e| format!("not YAML: {e}"))?;
        let api_key_param = api_key_param(&model)?;
        let mut operations = Vec::new();
        for (path, method, op) in model.operations() {
            let id = op
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let mut params = Vec::new();
            for p in &op.parameters {
                params.push(param(&model, &json, &id, p)?);
            }
            let mut responses = Vec::new();
            for (status, r) in &op.responses.responses {
                let own = matches!(r, ReferenceOr::Item(_));
                let response = match r {
                    ReferenceOr::Item(r) => r.clone(),
                    ReferenceOr::Reference { reference } => {
                        let name = reference.rsplit('/').next().unwrap_or_default();
                        match model
                            .components
                            .as_ref()
                            .and_then(|c| c.responses.get(name))
                        {
                            Some(ReferenceOr::Item(r)) => r.clone(),
                            _ => {
                                return Err(format!("{id}: response {reference} does not resolve"))
                            }
                        }
                    }
                };
                let Some(media) = response.content.get("application/json") else {
                    return Err(format!(
                        "{id}: response {status} has no application/json body"
                    ));
                };
                let schema = serde_json::to_value(&media.schema)
                    .map_err(|e| format!("{id}: response {status}: {e}"))?;
                responses.push(Response {
                    status: match status {
                        StatusCode::Code(c) => Status::Code(*c),
                        StatusCode::Range(n) => Status::Range(*n),
                    },
                    schema,
                    own,
                });
            }
            let date_range = cake_spec::extensions::date_range(
                op.extensions.get(cake_spec::extensions::DATE_RANGE),
            )
            .map_err(|e| format!("{id}: {e}"))?
            .map(|r| (r.start, r.end));
            operations.push(Operation {
                date_range,
                id,
                method: method.to_uppercase(),
                path: path.to_string(),
                creates_data: op.extensions.get("x-cake-creates-data") == Some(&Value::Bool(true)),
                params,
                responses,
            });
        }
        Ok(Spec {
            json,
            operations,
            api_key_param,
        })
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

fn api_key_param(model: &OpenAPI) -> Result<String, String> {
    let schemes = model
        .components
        .as_ref()
        .map(|c| &c.security_schemes)
        .ok_or("the spec has no components")?;
    for (name, _) in model.security.iter().flatten().flat_map(|r| r.iter()) {
        if let Some(ReferenceOr::Item(SecurityScheme::APIKey {
            location: APIKeyLocation::Query,
            name: param,
            ..
        })) = schemes.get(name)
        {
            return Ok(param.clone());
        }
    }
    Err("the spec has no apiKey security scheme in the query".into())
}

fn param(
    model: &OpenAPI,
    json: &Value,
    op: &str,
    p: &ReferenceOr<Parameter>,
) -> Result<Param, String> {
    let p = match p {
        ReferenceOr::Item(p) => p.clone(),
        ReferenceOr::Reference { reference } => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            match model
                .components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
            {
                Some(ReferenceOr::Item(p)) => p.clone(),
                _ => return Err(format!("{op}: parameter {reference} does not resolve")),
            }
        }
    };
    let Parameter::Query { parameter_data, .. } = p else {
        return Err(format!(
            "{op}: only query parameters are covered, found {:?}",
            p.parameter_data_ref().name
        ));
    };
    let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else {
        return Err(format!(
            "{op}: parameter {} has content, not a schema",
            parameter_data.name
        ));
    };
    let schema = serde_json::to_value(schema).map_err(|e| e.to_string())?;
    let schema = inline_refs(json, &schema, 0).ok_or_else(|| {
        format!(
            "{op}: parameter {}: a $ref does not resolve",
            parameter_data.name
        )
    })?;
    let kind =
        kind_of(&schema).map_err(|e| format!("{op}: parameter {}: {e}", parameter_data.name))?;
    Ok(Param {
        name: parameter_data.name.clone(),
        required: parameter_data.required,
        default: schema.get("default").cloned(),
        schema,
        kind,
    })
}

/// The schema with every `$ref` replaced by what it points to (the spec's schemas are not
/// recursive; the depth bound turns a cycle into `None` instead of a stack overflow).
pub fn inline_refs(spec: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > 32 {
        return None;
    }
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let target = schema::resolve(spec, r)?;
                let mut inlined = inline_refs(spec, target, depth + 1)?;
                // Keywords beside a $ref (allowed by our readers) win over the target's.
                if let Value::Object(out) = &mut inlined {
                    for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                        out.insert(k.clone(), v.clone());
                    }
                }
                return Some(inlined);
            }
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(k.clone(), inline_refs(spec, v, depth + 1)?);
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|v| inline_refs(spec, v, depth + 1))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        other => Some(other.clone()),
    }
}

/// A JSON number as an exact decimal (the spec's bounds may be fractional).
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            text.parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_scientific(&text).ok())
        }
        _ => None,
    }
}

fn kind_of(schema: &Value) -> Result<ParamKind, String> {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let exclusive = |flag: &str| schema.get(flag) == Some(&Value::Bool(true));
    match ty {
        "integer" => {
            let (lo, hi) = match format {
                "int32" => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            let bound = |key: &str| -> Result<Option<i64>, String> {
                match schema.get(key) {
                    None => Ok(None),
                    Some(v) => v
                        .as_i64()
                        .map(Some)
                        .ok_or_else(|| format!("{key} {v} is not an integer")),
                }
            };
            let min = bound("minimum")?.map(|m| {
                if exclusive("exclusiveMinimum") {
                    m + 1
                } else {
                    m
                }
            });
            let max = bound("maximum")?.map(|m| {
                if exclusive("exclusiveMaximum") {
                    m - 1
                } else {
                    m
                }
            });
            Ok(ParamKind::Integer {
                min: min.unwrap_or(lo).max(lo),
                max: max.unwrap_or(hi).min(hi),
            })
        }
        "number" => {
            if exclusive("exclusiveMinimum") || exclusive("exclusiveMaximum") {
                return Err("exclusive bounds on a number are not covered yet".into());
            }
            Ok(ParamKind::Decimal {
                min: schema.get("minimum").and_then(decimal_of),
                max: schema.get("maximum").and_then(decimal_of),
            })
        }
        "boolean" => Ok(ParamKind::Boolean),
        "string" => {
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                let values: Option<Vec<String>> = values
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                return values
                    .map(ParamKind::Enum)
                    .ok_or_else(|| "an enum of non-strings".to_string());
            }
            match format {
                "date" => Ok(ParamKind::Date),
                "cake-date-time" => Ok(ParamKind::DateTime),
                "" => {
                    if schema.get("pattern").is_some() {
                        return Err("a pattern without a known format is not covered yet".into());
                    }
                    Ok(ParamKind::Text {
                        min_length: schema.get("minLength").and_then(Value::as_u64).unwrap_or(0)
                            as usize,
                        max_length: schema
                            .get("maxLength")
                            .and_then(Value::as_u64)
                            .map(|n| n as usize),
                    })
                }
                other => Err(format!("string format {other:?} is not covered yet")),
            }
        }
        other => Err(format!("type {other:?} is not covered yet")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_parameter_of_the_spec_is_understood() {
        let spec = Spec::load().unwrap();
        assert!(!spec.operations.is_empty());
        assert_eq!(spec.api_key_param, "api_key");
        for op in &spec.operations {
            assert_eq!(op.method, "GET", "{}", op.id);
            assert!(op.success().is_some(), "{} has no success response", op.id);
        }
    }

    #[test]
    fn bounds_come_from_the_schema_and_format() {
        let k = kind_of(&serde_json::json!({"type": "integer", "format": "int32", "minimum": 1}));
        assert_eq!(
            k,
            Ok(ParamKind::Integer {
                min: 1,
                max: i64::from(i32::MAX)
            })
        );
        let k = kind_of(
            &serde_json::json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 9}),
        );
        assert_eq!(k, Ok(ParamKind::Integer { min: 1, max: 9 }));
        assert!(kind_of(&serde_json::json!({"type": "object"})).is_err());
    }

    #[test]
    fn every_date_range_names_two_date_parameters() {
        let spec = Spec::load().unwrap();
        let mut ranges = 0;
        for op in &spec.operations {
            for (start, end) in op.date_ranges() {
                for name in [&start, &end] {
                    let kind = op.param(name).map(|p| p.kind.clone());
                    assert_eq!(kind, Some(ParamKind::Date), "{}.{name}", op.id);
                }
                ranges += 1;
            }
        }
        // Every operation with two date parameters declares them as its range.
        let with_two_dates = spec
            .operations
            .iter()
            .filter(|o| {
                o.params
                    .iter()
                    .filter(|p| p.kind == ParamKind::Date)
                    .count()
                    == 2
            })
            .count();
        assert_eq!(ranges, with_two_dates);
    }
}
