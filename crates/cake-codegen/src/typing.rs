//! The spec's schemas as Rust types, through typify (progenitor's type generator): one
//! `TypeSpace` for the document's named schemas and for each operation's parameters and success
//! body, whose `TypeId`s the rest of the generator names types by (never by guessing a name).
//!
//! What the document declares decides the Rust type where a schema's meaning is more than its
//! JSON shape, written once here ([`exact_type`]): `format: decimal` is exact money
//! (`cake_client::Money` in bodies, `cake_client::MoneyParam` in a query), `format:
//! cake-date-time` is `cake_client::CakeDateTime`, `format: date` is chrono's `NaiveDate`. They
//! reach typify as its own `x-rust-type` extension on the schemas handed to it (the spec itself
//! is not edited), so a money field is exact wherever it is written, named or inline. Named
//! string enums that a response can carry are open (see [`crate::open_enums`]) and replace
//! typify's closed ones; the few representation choices by name (ids as `u32`) are in
//! [`REPRESENTATIONS`]. Every replacement is checked to have taken effect.

use std::collections::BTreeSet;

use cake_spec::{refs, Document};
use serde_json::{json, Value};
use typify::{CrateVers, TypeDetails, TypeId, TypeSpace, TypeSpaceImpl, TypeSpaceSettings};

use crate::{
    names::{sanitize, Case},
    Error,
};

/// Representations chosen by schema name: CAKE's ids as `u32` (typify would make a positive
/// int32 a `NonZeroU32`), counts as `u64`, the conversion rate as `f64`.
pub const REPRESENTATIONS: &[(&str, &str)] =
    &[("Id", "u32"), ("Count", "u64"), ("ConversionRate", "f64")];

/// Where a schema is used: its Rust type may differ (money in a query is text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A parameter's value.
    Param,
    /// A request or response body.
    Body,
}

/// The Rust type a schema's declared format makes it, when that is more than its JSON shape:
/// `(crate, path)` of the type.
pub fn exact_type(schema: &Value, place: Place) -> Option<(&'static str, &'static str)> {
    let ty = schema.get("type").and_then(Value::as_str);
    let format = schema.get("format").and_then(Value::as_str);
    match (ty, format, place) {
        (Some("number"), Some("decimal"), Place::Body) => {
            Some(("cake-client", "cake_client::Money"))
        }
        (Some("number"), Some("decimal"), Place::Param) => {
            Some(("cake-client", "cake_client::MoneyParam"))
        }
        (Some("string"), Some("cake-date-time"), _) => {
            Some(("cake-client", "cake_client::CakeDateTime"))
        }
        (Some("string"), Some("date"), _) => Some(("chrono", "chrono::naive::NaiveDate")),
        _ => None,
    }
}

/// The types of one operation.
#[derive(Debug, Clone)]
pub struct OperationTypes {
    /// Each parameter's type (an optional parameter's inner type), in the operation's order.
    pub params: Vec<TypeId>,
    /// The success body's type, when the success response has a JSON body.
    pub success: Option<TypeId>,
    /// Each documented response's body type, in the operation's order (`None`: no JSON body).
    pub responses: Vec<Option<TypeId>>,
}

/// A named string enum that responses carry, generated open.
#[derive(Debug, Clone)]
pub struct OpenEnum {
    /// The Rust name (typify's for the schema).
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its listed values.
    pub values: Vec<String>,
}

/// A named schema replaced by a Rust type: by its exact type ([`exact_type`]), a
/// representation ([`REPRESENTATIONS`]) or an open enum.
#[derive(Debug, Clone)]
pub struct Replacement {
    /// The schema's name in the document.
    pub schema: String,
    /// typify's name for it (the key of its replacement).
    pub name: String,
    /// The Rust type.
    pub rust: String,
}

/// Every type of the document.
pub struct Types {
    /// typify's types.
    pub space: TypeSpace,
    /// Per operation, in the document's order.
    pub operations: Vec<OperationTypes>,
    /// The open enums, by name.
    pub open_enums: Vec<OpenEnum>,
    /// The named schemas replaced by Rust types.
    pub replacements: Vec<Replacement>,
}

/// The named schemas that are replaced by a Rust type rather than generated: those with an
/// exact type (a named schema with an `x-rust-type` would be wrapped in a newtype of its name),
/// the [`REPRESENTATIONS`] the document has, and the open enums.
pub fn replacements(doc: &Document, open_enums: &[OpenEnum]) -> Vec<Replacement> {
    let mut out = Vec::new();
    for (schema, place) in component_places(doc) {
        let name = sanitize(&schema, Case::Pascal);
        let written = &doc.json["components"]["schemas"][&schema];
        let rust = match exact_type(written, place) {
            Some((_, path)) => Some(format!("::{path}")),
            None => REPRESENTATIONS
                .iter()
                .find(|(n, _)| *n == schema)
                .map(|(_, r)| r.to_string())
                .or_else(|| {
                    open_enums
                        .iter()
                        .any(|o| o.name == name)
                        .then(|| format!("crate::types::{name}"))
                }),
        };
        if let Some(rust) = rust {
            out.push(Replacement { schema, name, rust });
        }
    }
    out
}

/// The settings the types are generated with: progenitor's for its builder style (struct
/// builders, `PartialEq` and `JsonSchema` derived), the crates of the exact types, the
/// replacements.
pub fn settings(replacements: &[Replacement]) -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    settings
        .with_type_mod("types")
        .with_struct_builder(true)
        .with_derive("PartialEq".into())
        .with_derive("schemars::JsonSchema".into())
        .with_crate("cake-client", CrateVers::Any, None)
        .with_crate("chrono", CrateVers::Any, None);
    for r in replacements {
        settings.with_replacement(&r.name, &r.rust, impls_of(&r.rust));
    }
    settings
}

/// What a replacing type implements, as typify asks (for defaults and conversions): the open
/// enums convert from any text.
pub fn impls_of(rust: &str) -> std::vec::IntoIter<TypeSpaceImpl> {
    if rust.starts_with("crate::types::") {
        open_enum_impls().collect::<Vec<_>>().into_iter()
    } else {
        Vec::new().into_iter()
    }
}

/// What an open enum implements, as typify asks (for defaults and conversions).
pub fn open_enum_impls() -> impl Iterator<Item = TypeSpaceImpl> {
    [
        TypeSpaceImpl::FromStringIrrefutable,
        TypeSpaceImpl::FromStr,
        TypeSpaceImpl::Display,
    ]
    .into_iter()
}

/// A schema of the document as typify takes it: JSON Schema, with the exact types of
/// [`exact_type`] as `x-rust-type` (`place` for the schema itself and what it holds inline).
pub fn for_typify(schema: &Value, place: Place) -> Result<schemars::schema::Schema, Error> {
    let mut converted = cake_spec::schema::json_schema(schema);
    annotate(&mut converted, place);
    serde_json::from_value(converted)
        .map_err(|e| Error::new(format!("a schema typify cannot read: {e}: {schema}")))
}

/// Marks the exact types of [`exact_type`] on `schema` and what it holds inline, as typify's
/// `x-rust-type`.
pub fn annotate(schema: &mut Value, place: Place) {
    let Value::Object(map) = schema else {
        return;
    };
    if let Some((krate, path)) = exact_type(&Value::Object(map.clone()), place) {
        map.insert(
            "x-rust-type".into(),
            json!({"crate": krate, "version": "*", "path": path}),
        );
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = map.get_mut(key) {
            annotate(inner, place);
        }
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for inner in properties.values_mut() {
            annotate(inner, place);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            for inner in list {
                annotate(inner, place);
            }
        }
    }
}

/// The names of the document's schemas that `schema` refers to, through any depth.
fn referenced(doc: &Document, schema: &Value, into: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(refs::schema_name)
            {
                if into.insert(name.to_string()) {
                    if let Some(target) = doc
                        .json
                        .pointer(&format!("/components/schemas/{}", refs::escape(name)))
                    {
                        referenced(doc, target, into);
                    }
                }
            }
            for value in map.values() {
                referenced(doc, value, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| referenced(doc, v, into)),
        _ => {}
    }
}

/// The named string enums (two values or more) that a response body can hold: these are open.
/// Single-valued enums (`SuccessStatus`) are markers, not lists that grow; enums only requests
/// use stay strict.
fn open_enums(doc: &Document) -> Vec<OpenEnum> {
    let mut in_bodies = BTreeSet::new();
    for op in &doc.operations {
        for response in &op.responses {
            if let Some(schema) = &response.schema {
                referenced(doc, schema, &mut in_bodies);
            }
        }
    }
    let mut open = Vec::new();
    for name in doc.schema_names() {
        if !in_bodies.contains(&name) {
            continue;
        }
        let schema = &doc.json["components"]["schemas"][&name];
        let values: Option<Vec<String>> = schema.get("enum").and_then(Value::as_array).map(|v| {
            v.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        });
        match values {
            Some(values) if schema.get("type") == Some(&json!("string")) && values.len() > 1 => {
                open.push(OpenEnum {
                    name: sanitize(&name, Case::Pascal),
                    description: schema
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or(&name)
                        .trim()
                        .to_string(),
                    values,
                })
            }
            _ => {}
        }
    }
    open
}

/// A schema that refers to the named schema `name`.
pub fn reference(name: &str) -> schemars::schema::Schema {
    schemars::schema::Schema::Object(schemars::schema::SchemaObject {
        reference: Some(format!("#/components/schemas/{name}")),
        ..Default::default()
    })
}

/// The type name typify suggests for an operation's parameter or body, as progenitor names it
/// (so that progenitor's mocks and these types agree).
pub fn hint(operation_id: &str, what: &str) -> String {
    sanitize(&format!("{operation_id}-{what}"), Case::Pascal)
}

/// Where each named schema is used: those only parameters refer to hold query values (their
/// money is `MoneyParam`); the others are bodies.
pub fn component_places(doc: &Document) -> Vec<(String, Place)> {
    let (mut in_params, mut in_bodies) = (BTreeSet::new(), BTreeSet::new());
    for op in &doc.operations {
        for p in &op.params {
            referenced(doc, &p.written_schema, &mut in_params);
        }
        for r in &op.responses {
            if let Some(schema) = &r.schema {
                referenced(doc, schema, &mut in_bodies);
            }
        }
    }
    doc.schema_names()
        .into_iter()
        .map(|name| {
            let place = if in_params.contains(&name) && !in_bodies.contains(&name) {
                Place::Param
            } else {
                Place::Body
            };
            (name, place)
        })
        .collect()
}

/// Every type of `doc`.
pub fn types(doc: &Document) -> Result<Types, Error> {
    let open_enums = open_enums(doc);
    let replacements = replacements(doc, &open_enums);
    let mut space = TypeSpace::new(&settings(&replacements));
    let mut components = Vec::new();
    for (name, place) in component_places(doc) {
        let schema = for_typify(&doc.json["components"]["schemas"][&name], place)
            .map_err(|e| e.at(&format!("components.schemas.{name}")))?;
        components.push((name, schema));
    }
    space
        .add_ref_types(components)
        .map_err(|e| Error::new(format!("typify could not type the named schemas: {e}")))?;

    let mut operations = Vec::new();
    for op in &doc.operations {
        let mut params = Vec::new();
        for p in &op.params {
            let schema = for_typify(&p.written_schema, Place::Param)?;
            let id = space
                .add_type_with_name(&schema, Some(hint(&op.id, &p.name)))
                .map_err(|e| Error::new(format!("{}.{}: typify: {e}", op.id, p.name)))?;
            // A schema that is itself optional (nullable) is its inner type, optional.
            let id = match crate::fields::shape(&space, &id) {
                crate::fields::Shape::Option(inner) => inner,
                _ => id,
            };
            params.push(id);
        }
        let success = op.success().map(|r| r.status);
        let mut responses = Vec::new();
        let mut success_type = None;
        for r in &op.responses {
            let id = match &r.schema {
                Some(schema) => {
                    let schema = for_typify(schema, Place::Body)?;
                    let name = if Some(r.status) == success {
                        hint(&op.id, "response")
                    } else {
                        hint(&op.id, &format!("response-{}", r.status))
                    };
                    Some(space.add_type_with_name(&schema, Some(name)).map_err(|e| {
                        Error::new(format!("{}: its {} body: typify: {e}", op.id, r.status))
                    })?)
                }
                None => None,
            };
            if Some(r.status) == success {
                success_type = id.clone();
            }
            responses.push(id);
        }
        operations.push(OperationTypes {
            params,
            success: success_type,
            responses,
        });
    }
    let mut types = Types {
        space,
        operations,
        open_enums,
        replacements,
    };
    types.check_replacements()?;
    Ok(types)
}

impl Types {
    /// The type of the document's schema `name`.
    pub fn named(&mut self, name: &str) -> Result<TypeId, Error> {
        self.space
            .add_type(&reference(name))
            .map_err(|e| Error::new(format!("components.schemas.{name}: {e}")))
    }

    /// Each replacement took effect: the schema's type is the replacement.
    fn check_replacements(&mut self) -> Result<(), Error> {
        for r in self.replacements.clone() {
            let id = self.named(&r.schema)?;
            let replaced = self
                .space
                .get_type(&id)
                .is_ok_and(|t| matches!(t.details(), TypeDetails::Builtin(b) if b == r.rust));
            if !replaced {
                return Err(Error::new(format!(
                    "components.schemas.{}: typify did not use {} for it (its rule for naming \
                     schemas changed?)",
                    r.schema, r.rust
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A small document: one operation whose parameter and body use `schemas`.
    fn doc(schemas: Value, param: Value, body: Value) -> Document {
        Document::from_json(json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "security": [{"key": []}],
            "paths": {"/x.json": {"get": {
                "operationId": "get_x",
                "parameters": [{"name": "p", "in": "query", "schema": param}],
                "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": body}}}}
            }}},
            "components": {
                "securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}},
                "schemas": schemas
            }
        }))
        .unwrap()
    }

    /// The Rust type typify gives `id`: a replacement's or a native's path, or the name of the
    /// type it generates.
    fn type_name(types: &Types, id: &TypeId) -> String {
        let ty = types.space.get_type(id).unwrap();
        let builtin = match ty.details() {
            TypeDetails::Builtin(path) => Some(path.to_string()),
            _ => None,
        };
        builtin.unwrap_or_else(|| ty.name())
    }

    #[test]
    fn the_declared_format_decides_money_and_dates_whatever_the_schema_is_named() {
        let d = doc(
            json!({
                "Amount": {"type": "number", "format": "decimal"},
                "Limit": {"type": "number", "format": "decimal", "minimum": 0},
                "Row": {"type": "object", "required": ["a", "b", "c"], "properties": {
                    "a": {"$ref": "#/components/schemas/Amount"},
                    "b": {"type": "number", "format": "decimal"},
                    "c": {"type": "string", "format": "cake-date-time"},
                    "d": {"type": "string", "format": "date"},
                    "e": {"type": "number", "format": "double"}
                }}
            }),
            json!({"$ref": "#/components/schemas/Limit"}),
            json!({"$ref": "#/components/schemas/Row"}),
        );
        let mut t = types(&d).unwrap();
        assert_eq!(
            type_name(&t, &t.operations[0].params[0]),
            "::cake_client::MoneyParam"
        );
        let row = t.named("Row").unwrap();
        let field = |t: &Types, p: &str| {
            let (_, id) = crate::fields::field(&t.space, &row, p).unwrap();
            type_name(t, &id)
        };
        assert_eq!(
            field(&t, "a"),
            "::cake_client::Money",
            "named otherwise than Money"
        );
        assert_eq!(field(&t, "b"), "::cake_client::Money", "written inline");
        assert_eq!(field(&t, "c"), "::cake_client::CakeDateTime");
        assert_eq!(field(&t, "d"), "::chrono::naive::NaiveDate");
        assert_eq!(field(&t, "e"), "f64", "a ratio, not money");
    }

    #[test]
    fn only_named_enums_of_two_values_or_more_that_responses_carry_are_open() {
        let d = doc(
            json!({
                "Status": {"type": "string", "enum": ["a", "b"]},
                "Marker": {"type": "string", "enum": ["Success"]},
                "Sort": {"type": "string", "enum": ["x", "y"]},
                "Body": {"type": "object", "properties": {
                    "status": {"$ref": "#/components/schemas/Status"},
                    "marker": {"$ref": "#/components/schemas/Marker"}
                }}
            }),
            json!({"$ref": "#/components/schemas/Sort"}),
            json!({"$ref": "#/components/schemas/Body"}),
        );
        let t = types(&d).unwrap();
        let open: Vec<&str> = t.open_enums.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(open, ["Status"]);
        assert_eq!(
            type_name(&t, &t.operations[0].params[0]),
            "Sort",
            "requests stay strict"
        );
    }
}
