//! The spec's operations as the contract tests see them: loaded with `openapiv3` from
//! `spec/cake.yaml` at test time, every `$ref` followed, each query parameter (read by
//! `cake_spec::params`, as the SDK's table is) reduced to a [`ParamKind`] and each documented
//! response to its JSON schema.
//!
//! Everything here is read from the spec; nothing may restate a parameter, bound or status by
//! hand. A schema this module cannot describe is an error that names it, never a guess.

use openapiv3::{OpenAPI, ReferenceOr, StatusCode};
use rust_decimal::Decimal;
use serde_json::Value;

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
        let api_key_param = cake_spec::params::api_key_param(&json)?;
        let mut operations = Vec::new();
        for (path, method, op) in model.operations() {
            let id = op
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let op_json = json
                .pointer(&format!(
                    "/paths/{}/{method}",
                    path.replace('~', "~0").replace('/', "~1")
                ))
                .ok_or_else(|| format!("{id}: not in the spec's JSON"))?;
            let params = cake_spec::params::params(&json, op_json)
                .map_err(|e| format!("{id}: {e}"))?
                .into_iter()
                .map(param)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{id}: {e}"))?;
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

/// A parameter as `cake_spec::params` reads it (the one reader of parameters, which the SDK's
/// table is generated from too), its kind in the suite's terms.
fn param(p: cake_spec::params::Param) -> Result<Param, String> {
    use cake_spec::params::Kind;
    let decimal = |text: &Option<String>| -> Result<Option<Decimal>, String> {
        text.as_deref()
            .map(|t| {
                t.parse::<Decimal>()
                    .or_else(|_| Decimal::from_scientific(t))
                    .map_err(|e| format!("{}: bound {t} is not a decimal: {e}", p.name))
            })
            .transpose()
    };
    let kind = match &p.kind {
        Kind::Integer { min, max } => ParamKind::Integer {
            min: min.unwrap_or(i64::MIN),
            max: max.unwrap_or(i64::MAX),
        },
        Kind::Decimal { min, max, .. } => ParamKind::Decimal {
            min: decimal(min)?,
            max: decimal(max)?,
        },
        Kind::Boolean => ParamKind::Boolean,
        Kind::Date => ParamKind::Date,
        Kind::DateTime => ParamKind::DateTime,
        Kind::Enum(values) => ParamKind::Enum(values.clone()),
        Kind::Text {
            min_length,
            max_length,
        } => ParamKind::Text {
            min_length: *min_length as usize,
            max_length: max_length.map(|n| n as usize),
        },
    };
    Ok(Param {
        name: p.name,
        required: p.required,
        default: p.default,
        schema: p.schema,
        kind,
    })
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
