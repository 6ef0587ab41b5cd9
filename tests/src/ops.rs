//! The spec's operations as the contract tests see them: read from `spec/cake.yaml` at test
//! time by `cake_spec::Document` (the one reader the SDK's generator uses too: references,
//! parameters, responses, extensions), each parameter reduced to a [`ParamKind`] and each
//! documented response to its JSON schema.
//!
//! Everything here is read from the spec; nothing may restate a parameter, bound or status by
//! hand. A schema this module cannot describe is an error that names it, never a guess.

use rust_decimal::Decimal;
use serde_json::Value;

/// A documented status: one code, a range such as `5XX`, or `default`.
pub use cake_spec::Status;

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
    /// The spec the SDK was generated from (`spec/cake.yaml`).
    pub fn load() -> Result<Spec, String> {
        Spec::from_yaml(cake_client::spec::SPEC_YAML)
    }

    /// A spec from its YAML text.
    pub fn from_yaml(yaml: &str) -> Result<Spec, String> {
        let doc = cake_spec::Document::from_yaml(yaml)?;
        let mut operations = Vec::new();
        for op in &doc.operations {
            let id = &op.id;
            let params = op
                .params
                .iter()
                .map(param)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{id}: {e}"))?;
            let responses = op
                .responses
                .iter()
                .map(|r| {
                    let schema = r.schema.clone().ok_or_else(|| {
                        format!("{id}: response {} has no application/json body", r.status)
                    })?;
                    Ok(Response {
                        status: r.status,
                        schema,
                        own: r.own,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            operations.push(Operation {
                id: id.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
                creates_data: op.creates_data,
                params,
                responses,
                date_range: op.date_range.clone().map(|r| (r.start, r.end)),
            });
        }
        Ok(Spec {
            api_key_param: doc.api_key_param.clone(),
            json: doc.json,
            operations,
        })
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// A parameter as `cake_spec::params` reads it (the one reader of parameters, which the SDK's
/// table is generated from too), its kind in the suite's terms. A kind the suite does not
/// generate values for is an error naming it, not a parameter silently left out.
fn param(p: &cake_spec::params::Param) -> Result<Param, String> {
    use cake_spec::params::{Kind, Location};
    if p.location != Location::Query {
        return Err(format!(
            "{}: the suite sends query parameters only, this one is in the {}",
            p.name,
            p.location.as_str()
        ));
    }
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
            pattern: None,
        } => ParamKind::Text {
            min_length: *min_length as usize,
            max_length: max_length.map(|n| n as usize),
        },
        Kind::Text {
            pattern: Some(pattern),
            ..
        } => {
            return Err(format!(
                "{}: the suite generates no text for a pattern ({pattern})",
                p.name
            ))
        }
        Kind::Number { .. } => {
            return Err(format!(
                "{}: the suite generates no binary floating-point numbers",
                p.name
            ))
        }
    };
    Ok(Param {
        name: p.name.clone(),
        required: p.required,
        default: p.default.clone(),
        schema: p.schema.clone(),
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
