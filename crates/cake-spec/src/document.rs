//! The spec as one model: its operations (in the document's order) with their parameters
//! ([`crate::params`]), their documented responses and their `x-cake-` extensions
//! ([`crate::extensions`]), the api_key's parameter, and the order in which the document writes
//! the keys of any object (a report's columns follow its schema's property order).
//!
//! The SDK's generator, the contract suite and the workspace's tools all read the spec through
//! [`Document`], so that a rule of reading it (a reference, a merged path-level parameter, an
//! extension's meaning) is written once. A document this model cannot describe is an error that
//! names the place, never a guess.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::{
    extensions::{self, DateRange, Paging},
    params::{self, Param},
    refs::{deref, escape, resolve},
};

/// The spec: its JSON, its operations and what the SDK needs of its header.
#[derive(Debug, Clone)]
pub struct Document {
    /// The whole document as JSON.
    pub json: Value,
    /// `info.title`.
    pub title: String,
    /// `info.version` (sent as the `api-version` header).
    pub version: String,
    /// `info.description`.
    pub description: String,
    /// The query parameter of the `apiKey` security scheme (`api_key`).
    pub api_key_param: String,
    /// Every operation, in the document's order (path by path, method by method).
    pub operations: Vec<Operation>,
    /// The keys of each object as the document writes them, by the object's JSON pointer.
    order: HashMap<String, Vec<String>>,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// The HTTP method, upper case (`GET`).
    pub method: String,
    /// The path template, e.g. `/api/2/report/offer.json`.
    pub path: String,
    /// The JSON pointer of the operation object in the document.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// When deprecated, the day of its removal (`x-sunset`), if the spec gives one.
    pub sunset: Option<String>,
    /// Its parameters, the path item's first (see [`params::params`]).
    pub params: Vec<Param>,
    /// Its documented responses, in the document's order.
    pub responses: Vec<Response>,
    /// `x-cake-creates-data`: sending it records something.
    pub creates_data: bool,
    /// `x-cake-idempotency-key`: the parameter that makes a repeat safe.
    pub idempotency_key: Option<String>,
    /// `x-cake-paging`: how it pages, for a list operation.
    pub paging: Option<Paging>,
    /// `x-cake-date-range`: its start and end parameters.
    pub date_range: Option<DateRange>,
}

/// One documented response of an operation.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status, status range or `default`.
    pub status: Status,
    /// Its description.
    pub description: String,
    /// The `application/json` body's schema as written (a `$ref` kept as one); `None` when the
    /// response has no JSON body.
    pub schema: Option<Value>,
    /// The JSON pointer of the body's schema, when it has one (for the document's key order).
    pub schema_pointer: Option<String>,
    /// Whether the operation documents this answer itself, rather than by a `$ref` to the
    /// spec's shared `components/responses`.
    pub own: bool,
}

/// A documented status: one code, a range such as `5XX`, or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// One status code.
    Code(u16),
    /// All codes `n00..=n99`.
    Range(u16),
    /// Any status the others do not name.
    Default,
}

impl Status {
    /// Concrete codes that stand for this status: the code, or the first and a typical member
    /// of the range (`500` and `503` for `5XX`); `default` stands for none in particular.
    pub fn examples(self) -> Vec<u16> {
        match self {
            Status::Code(c) => vec![c],
            Status::Range(n) => vec![n * 100, n * 100 + 3],
            Status::Default => Vec::new(),
        }
    }

    /// Whether `code` is this status (`default` covers every code).
    pub fn covers(self, code: u16) -> bool {
        match self {
            Status::Code(c) => c == code,
            Status::Range(n) => code / 100 == n,
            Status::Default => true,
        }
    }

    /// Whether it is a success status.
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(c) => (200..300).contains(&c),
            Status::Range(n) => n == 2,
            Status::Default => false,
        }
    }

    fn parse(key: &str) -> Result<Status, String> {
        if key == "default" {
            return Ok(Status::Default);
        }
        if let Ok(code) = key.parse::<u16>() {
            if (100..600).contains(&code) {
                return Ok(Status::Code(code));
            }
        }
        match key.as_bytes() {
            [n @ b'1'..=b'5', b'X' | b'x', b'X' | b'x'] => Ok(Status::Range(u16::from(n - b'0'))),
            _ => Err(format!(
                "response status {key:?} is not a status, a range or default"
            )),
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Code(c) => write!(f, "{c}"),
            Status::Range(n) => write!(f, "{n}XX"),
            Status::Default => f.write_str("default"),
        }
    }
}

/// The HTTP methods an OpenAPI path item may hold, as its keys.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Document {
    /// The document in `text` (YAML or JSON), keeping the order of its keys.
    pub fn from_yaml(text: &str) -> Result<Document, String> {
        let yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
        let mut order = HashMap::new();
        let json = to_json(&yaml, String::new(), &mut order)?;
        Document::read(json, order)
    }

    /// The document in `json`; an object's keys are in `json`'s order (serde_json's sorted
    /// order, unless its map keeps insertion order).
    pub fn from_json(json: Value) -> Result<Document, String> {
        Document::read(json, HashMap::new())
    }

    fn read(json: Value, order: HashMap<String, Vec<String>>) -> Result<Document, String> {
        let version_of_openapi = json.get("openapi").and_then(Value::as_str).unwrap_or("");
        if !version_of_openapi.starts_with("3.0.") {
            return Err(format!(
                "openapi: {version_of_openapi:?}; this workspace reads OpenAPI 3.0.x only"
            ));
        }
        // Every reference resolves, so that no reader (nor a generator fed from here) meets
        // one that does not.
        if let Some(first) = crate::refs::unresolved(&json).first() {
            return Err(first.clone());
        }
        let info = |key: &str| {
            json.pointer(&format!("/info/{key}"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut doc = Document {
            title: info("title"),
            version: info("version"),
            description: info("description"),
            api_key_param: params::api_key_param(&json)?,
            operations: Vec::new(),
            order,
            json: Value::Null,
        };
        let mut ids = Vec::new();
        for path in doc.keys_of(&json, "/paths") {
            let path_pointer = format!("/paths/{}", escape(&path));
            let item = json.pointer(&path_pointer).unwrap_or(&Value::Null);
            if item.get("$ref").is_some() {
                return Err(format!("{path}: a path item by $ref is not supported"));
            }
            for method in doc.keys_of(&json, &path_pointer) {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let pointer = format!("{path_pointer}/{method}");
                let op = &item[&method];
                let place = format!("{} {path}", method.to_uppercase());
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{place}: no operationId"))?
                    .to_string();
                if ids.contains(&id) {
                    return Err(format!("{place}: operationId {id} is used twice"));
                }
                ids.push(id.clone());
                let operation = doc
                    .operation(&json, &path, &method, pointer, item.get("parameters"), op)
                    .map_err(|e| format!("{id}: {e}"))?;
                doc.operations.push(operation);
            }
        }
        doc.json = json;
        Ok(doc)
    }

    fn operation(
        &self,
        json: &Value,
        path: &str,
        method: &str,
        pointer: String,
        path_parameters: Option<&Value>,
        op: &Value,
    ) -> Result<Operation, String> {
        if op.get("requestBody").is_some() {
            return Err("request bodies are not supported (CAKE's API sends none)".into());
        }
        let params = params::params(json, path_parameters, op)?;
        for p in &params {
            if p.location == params::Location::Path && !path.contains(&format!("{{{}}}", p.name)) {
                return Err(format!(
                    "path parameter {} is not in the path {path}",
                    p.name
                ));
            }
        }
        let mut responses = Vec::new();
        let responses_pointer = format!("{pointer}/responses");
        for key in self.keys_of(json, &responses_pointer) {
            let written = &op["responses"][&key];
            let status = Status::parse(&key)?;
            let own = written.get("$ref").is_none();
            let (response, response_pointer) = match written.get("$ref").and_then(Value::as_str) {
                Some(reference) => (
                    deref(json, written)
                        .ok_or_else(|| format!("response {key}: {reference} does not resolve"))?,
                    reference.trim_start_matches('#').to_string(),
                ),
                None => (written, format!("{responses_pointer}/{}", escape(&key))),
            };
            let json_media = response.get("content").and_then(|c| {
                c.as_object()?.iter().find(|(media, _)| {
                    *media == "application/json" || media.starts_with("application/json;")
                })
            });
            let (schema, schema_pointer) = match json_media {
                Some((media, body)) => (
                    body.get("schema").cloned(),
                    body.get("schema")
                        .map(|_| format!("{response_pointer}/content/{}/schema", escape(media))),
                ),
                None => (None, None),
            };
            responses.push(Response {
                status,
                description: response
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                schema,
                schema_pointer,
                own,
            });
        }
        let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_string);
        let ext = |key: &str| op.get(key);
        let deprecation = extensions::deprecation(op)?;
        let operation = Operation {
            id: op["operationId"].as_str().unwrap_or_default().to_string(),
            method: method.to_uppercase(),
            path: path.to_string(),
            pointer,
            summary: text("summary"),
            description: text("description"),
            deprecated: deprecation.is_some(),
            sunset: deprecation.flatten(),
            params,
            responses,
            creates_data: extensions::creates_data(ext(extensions::CREATES_DATA))?,
            idempotency_key: extensions::idempotency_key(ext(extensions::IDEMPOTENCY_KEY))?,
            paging: extensions::paging(ext(extensions::PAGING))?,
            date_range: extensions::date_range(ext(extensions::DATE_RANGE))?,
        };
        for name in operation
            .idempotency_key
            .iter()
            .chain(operation.paging.iter().flat_map(|p| [&p.offset, &p.limit]))
            .chain(operation.date_range.iter().flat_map(|r| [&r.start, &r.end]))
        {
            if operation.param(name).is_none() {
                return Err(format!(
                    "its x-cake- extensions name {name}, which is no parameter"
                ));
            }
        }
        Ok(operation)
    }

    /// The keys of the object at `pointer` in the document's order (or the JSON map's order,
    /// for a document made from JSON).
    pub fn keys_in_order(&self, pointer: &str) -> Vec<String> {
        self.keys_of(&self.json, pointer)
    }

    fn keys_of(&self, json: &Value, pointer: &str) -> Vec<String> {
        match self.order.get(pointer) {
            Some(keys) => keys.clone(),
            None => json
                .pointer(pointer)
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// The operation with this id.
    pub fn operation_by_id(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// What `reference` points to in the document.
    pub fn resolve(&self, reference: &str) -> Option<&Value> {
        resolve(&self.json, reference)
    }

    /// The document's named schemas (`components.schemas`), in its order.
    pub fn schema_names(&self) -> Vec<String> {
        self.keys_in_order("/components/schemas")
    }
}

impl Operation {
    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The documented response for a status code, when there is one: the code itself, else its
    /// range, else `default`.
    pub fn response_for(&self, code: u16) -> Option<&Response> {
        let find = |f: &dyn Fn(Status) -> bool| self.responses.iter().find(|r| f(r.status));
        find(&|s| s == Status::Code(code))
            .or_else(|| find(&|s| matches!(s, Status::Range(_)) && s.covers(code)))
            .or_else(|| find(&|s| s == Status::Default))
    }

    /// The success response: `200`, else the first documented 2xx.
    pub fn success(&self) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| r.status == Status::Code(200))
            .or_else(|| self.responses.iter().find(|r| r.status.is_success()))
    }
}

/// A YAML value as JSON, recording each mapping's key order by its JSON pointer. Keys must be
/// strings (numbers and booleans are written as text: `200:` is the status `"200"`).
fn to_json(
    yaml: &serde_yaml_ng::Value,
    pointer: String,
    order: &mut HashMap<String, Vec<String>>,
) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => serde_json::to_value(n).map_err(|e| format!("{pointer}: {e}"))?,
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| to_json(v, format!("{pointer}/{i}"), order))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            let mut keys = Vec::with_capacity(mapping.len());
            for (k, v) in mapping {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("{pointer}: a key that is not text: {other:?}")),
                };
                let value = to_json(v, format!("{pointer}/{}", escape(&key)), order)?;
                keys.push(key.clone());
                object.insert(key, value);
            }
            order.insert(pointer, keys);
            Value::Object(object)
        }
        Y::Tagged(tagged) => to_json(&tagged.value, pointer, order)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
openapi: 3.0.3
info: {title: t, version: "7", description: d}
security: [{key: []}]
paths:
  /z/{id}.json:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, format: int64}}
    get:
      operationId: getZ
      x-cake-creates-data: true
      x-cake-idempotency-key: token
      parameters:
        - {name: token, in: query, schema: {type: string}}
        - {name: X-Source, in: header, schema: {type: string}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: object, properties: {b: {type: string}, a: {type: string}}}}}
        4XX: {$ref: '#/components/responses/Bad'}
        default: {description: other}
  /a.json:
    get:
      operationId: getA
      responses: {'200': {description: ok}}
components:
  securitySchemes: {key: {type: apiKey, in: query, name: api_key}}
  responses:
    Bad: {description: bad, content: {application/json: {schema: {$ref: '#/components/schemas/Failure'}}}}
  schemas:
    Failure: {type: object, properties: {message: {type: string}}}
"#;

    #[test]
    fn operations_params_responses_and_order_are_read_as_written() {
        let doc = Document::from_yaml(MINI).unwrap();
        assert_eq!(doc.version, "7");
        assert_eq!(doc.api_key_param, "api_key");
        let ids: Vec<&str> = doc.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["getZ", "getA"], "the document's order, not sorted");
        let z = &doc.operations[0];
        assert_eq!(
            (z.method.as_str(), z.path.as_str()),
            ("GET", "/z/{id}.json")
        );
        let names: Vec<&str> = z.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["id", "token", "X-Source"]);
        assert!(z.creates_data);
        assert_eq!(z.idempotency_key.as_deref(), Some("token"));
        let statuses: Vec<String> = z.responses.iter().map(|r| r.status.to_string()).collect();
        assert_eq!(statuses, ["200", "4XX", "default"]);
        assert!(z.responses[0].own && !z.responses[1].own);
        assert_eq!(
            z.responses[1].schema,
            Some(serde_json::json!({"$ref": "#/components/schemas/Failure"}))
        );
        assert_eq!(
            z.response_for(404).map(|r| r.status),
            Some(Status::Range(4))
        );
        assert_eq!(z.response_for(503).map(|r| r.status), Some(Status::Default));
        let body = z.responses[0].schema_pointer.as_deref().unwrap();
        assert_eq!(doc.keys_in_order(&format!("{body}/properties")), ["b", "a"]);
        assert!(doc.operations[1].responses[0].schema.is_none());
    }

    #[test]
    fn what_the_model_cannot_describe_is_an_error_naming_its_place() {
        let cases = [
            ("operationId: getA\n", "\n", "no operationId"),
            (
                "x-cake-idempotency-key: token",
                "x-cake-idempotency-key: nope",
                "nope",
            ),
            ("openapi: 3.0.3", "openapi: 3.1.0", "3.0.x"),
            ("operationId: getA", "operationId: getZ", "used twice"),
            (
                "'200': {description: ok}}",
                "'2XY': {description: ok}}",
                "2XY",
            ),
            ("/z/{id}.json:", "/z/{ident}.json:", "not in the path"),
        ];
        for (from, to, says) in cases {
            assert!(MINI.contains(from), "{from}");
            let e = Document::from_yaml(&MINI.replacen(from, to, 1)).unwrap_err();
            assert!(e.contains(says), "{from} -> {to}: {e}");
        }
    }
}
