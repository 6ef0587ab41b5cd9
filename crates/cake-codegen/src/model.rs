//! The operations as the generated code names them: for each operation and parameter, its Rust
//! names (made unique against each other and against the names the generated code itself
//! uses, in each namespace they live in) and types (typify's, by `TypeId`). Every part of the
//! generator (builders, typed queries, the constraint table, columns) names things through this
//! one model, so that they agree.

use cake_spec::{params::Kind, Document};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::{
    names::{Case, Scope},
    typing::Types,
    Error,
};

/// The methods a request builder has besides its setters: a parameter cannot take these names.
pub const BUILDER_METHODS: &[&str] = &[
    "new",
    "execute",
    "execute_with_response",
    "with_options",
    "set_param",
    "stream",
    "stream_with",
    "collect_all",
    "clone",
    "fmt",
];

/// The client's own methods: an operation cannot take these names.
pub const CLIENT_METHODS: &[&str] = &["builder", "base_url", "clone", "fmt"];

/// The names in the `query` module besides each operation's query type.
pub const QUERY_TYPES: &[&str] = &["Operation", "OperationQuery"];

/// The associated constants of a typed query besides each parameter's name.
pub const QUERY_CONSTANTS: &[&str] = &["OPERATION_ID"];

/// One operation.
pub struct Op<'d> {
    /// Its place in the document (and in the SDK's table).
    pub index: usize,
    /// The spec's operation.
    pub spec: &'d cake_spec::Operation,
    /// The client's method (`get_offer_report`).
    pub method: Ident,
    /// The builder, and the variant in the exhaustive enums (`GetOfferReport`).
    pub name: Ident,
    /// The typed query's type (`GetOfferReportQuery`).
    pub query: Ident,
    /// Its parameters, in the document's order.
    pub params: Vec<Param<'d>>,
    /// The success body's type, when there is a JSON body.
    pub success: Option<TokenStream>,
    /// How it is called in docs: its summary, or its id.
    pub title: String,
}

/// One parameter of an operation.
pub struct Param<'d> {
    /// Its place in the operation's parameters (and in the SDK's table).
    pub index: usize,
    /// The spec's parameter.
    pub spec: &'d cake_spec::params::Param,
    /// Its field in the builder's values and in the typed query.
    pub field: Ident,
    /// The builder's setter.
    pub setter: Ident,
    /// The typed query's constant holding its name (`START_DATE`).
    pub constant: Ident,
    /// The type the builder holds it as (typify's).
    pub ty: TokenStream,
    /// The type the typed query holds it as (by its kind: ids as `u32`, money as `Decimal`).
    pub query_ty: TokenStream,
}

/// Every operation of `doc`, named.
pub fn operations<'d>(doc: &'d Document, types: &Types) -> Result<Vec<Op<'d>>, Error> {
    let mut methods = Scope::with_reserved(CLIENT_METHODS);
    let mut names = Scope::default();
    let mut queries = Scope::with_reserved(QUERY_TYPES);
    let mut out = Vec::new();
    for (index, (spec, typed)) in doc.operations.iter().zip(&types.operations).enumerate() {
        let method = methods.ident(&spec.id, Case::Snake);
        let name = names.ident(&spec.id, Case::Pascal);
        let query = queries.ident(&format!("{name}Query"), Case::Pascal);
        let mut fields = Scope::default();
        let mut setters = Scope::with_reserved(BUILDER_METHODS);
        let mut constants = Scope::with_reserved(QUERY_CONSTANTS);
        let mut params = Vec::new();
        for (i, (p, type_id)) in spec.params.iter().zip(&typed.params).enumerate() {
            let ty = types
                .space
                .get_type(type_id)
                .map_err(|e| Error::new(format!("{}.{}: {e}", spec.id, p.name)))?
                .ident();
            let query_ty = query_type(&p.kind, &ty);
            params.push(Param {
                index: i,
                spec: p,
                field: fields.ident(&p.name, Case::Snake),
                setter: setters.ident(&p.name, Case::Snake),
                constant: constants.ident(&p.name, Case::Shouty),
                ty,
                query_ty,
            });
        }
        let success = match &typed.success {
            Some(id) => Some(
                types
                    .space
                    .get_type(id)
                    .map_err(|e| Error::new(format!("{}: {e}", spec.id)))?
                    .ident(),
            ),
            None => None,
        };
        out.push(Op {
            index,
            method,
            name,
            query,
            params,
            success,
            title: spec.summary.clone().unwrap_or_else(|| spec.id.clone()),
            spec,
        });
    }
    Ok(out)
}

/// The typed query's type for a parameter of `kind` (`builder` is its builder type, which an
/// enum keeps).
fn query_type(kind: &Kind, builder: &TokenStream) -> TokenStream {
    match kind {
        Kind::Integer { min, max } => {
            let fits_u32 =
                min.is_some_and(|m| m >= 0) && max.is_some_and(|m| m <= i64::from(u32::MAX));
            if fits_u32 {
                quote!(u32)
            } else {
                quote!(i64)
            }
        }
        Kind::Decimal { .. } => quote!(::rust_decimal::Decimal),
        Kind::Number { .. } => quote!(f64),
        Kind::Boolean => quote!(bool),
        Kind::Date => quote!(::chrono::NaiveDate),
        Kind::DateTime => quote!(crate::CakeDateTime),
        Kind::Enum(_) => builder.clone(),
        Kind::Text { .. } => quote!(::std::string::String),
    }
}

impl Op<'_> {
    /// The body type `execute()` returns: the success body, or `()` when it has none.
    pub fn output(&self) -> TokenStream {
        self.success.clone().unwrap_or_else(|| quote!(()))
    }
}

/// A doc comment's text: the spec's text with its lines kept.
pub fn doc_text(text: &str) -> String {
    text.trim().to_string()
}
