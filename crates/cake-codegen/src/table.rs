//! The spec's constraints as static data (`crate::table`), for the hand-written runtime: each
//! operation's method, path, extensions and parameters with what each admits, so that the SDK's
//! checks before sending, the simulator's validation and the `cake` command's flags restate no
//! limit by hand.

use cake_spec::{
    params::{Kind, Location},
    Document,
};
use proc_macro2::TokenStream;
use quote::quote;

use crate::{model::Op, Error};

/// The `table` module.
pub fn generate(doc: &Document, ops: &[Op]) -> Result<TokenStream, Error> {
    let api_key = doc.api_key_param.as_str();
    let version = doc.version.as_str();
    let operations = ops
        .iter()
        .map(|op| operation(op).map_err(|e| e.at(&op.spec.id)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quote! {
        /// The spec's operations and their constraints, as data.
        #[allow(clippy::all)]
        pub(crate) mod table {
            use crate::spec::{DateRange, Location, OperationSpec, Paging, ParamKind, ParamSpec};

            /// The query parameter that carries the api_key: the spec's `apiKey` security scheme.
            pub const API_KEY_PARAM: &str = #api_key;

            /// The spec's `info.version`, sent as the `api-version` header.
            pub const API_VERSION: &str = #version;

            pub(crate) static OPERATIONS: &[OperationSpec] = &[#(#operations),*];
        }
    })
}

fn operation(op: &Op) -> Result<TokenStream, Error> {
    let spec = op.spec;
    let (id, method, path, summary) = (&spec.id, &spec.method, &spec.path, op.title.as_str());
    let creates_data = spec.creates_data;
    let idempotency_key = option(spec.idempotency_key.as_ref().map(|k| quote!(#k)));
    let paging = match &spec.paging {
        None => quote!(None),
        Some(p) => {
            let max = op
                .spec
                .param(&p.limit)
                .and_then(|l| match l.kind {
                    Kind::Integer { max: Some(max), .. } => u32::try_from(max).ok(),
                    _ => None,
                })
                .ok_or_else(|| {
                    Error::new(format!(
                        "x-cake-paging limit {} needs an integer maximum (the largest page)",
                        p.limit
                    ))
                })?;
            let first_row = u32::try_from(p.first_row)
                .map_err(|_| Error::new("x-cake-paging firstRow does not fit 32 bits"))?;
            let (offset, limit) = (&p.offset, &p.limit);
            quote!(Some(Paging {
                offset: #offset,
                limit: #limit,
                first_row: #first_row,
                max_page_size: #max,
            }))
        }
    };
    let date_range = option(spec.date_range.as_ref().map(|r| {
        let (start, end) = (&r.start, &r.end);
        quote!(DateRange { start: #start, end: #end })
    }));
    let params = op
        .params
        .iter()
        .map(|p| {
            let p = p.spec;
            if p.location == Location::Header && !is_token(&p.name) {
                return Err(Error::new(format!(
                    "{}: not a valid HTTP header name",
                    p.name
                )));
            }
            let (name, description, required) = (&p.name, &p.description, p.required);
            let location = match p.location {
                Location::Query => quote!(Location::Query),
                Location::Header => quote!(Location::Header),
                Location::Path => quote!(Location::Path),
            };
            let default = option(p.default.as_ref().map(|d| {
                let text = match d {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                quote!(#text)
            }));
            let kind = kind(&p.kind);
            Ok(quote! {
                ParamSpec {
                    name: #name,
                    location: #location,
                    description: #description,
                    required: #required,
                    default: #default,
                    kind: #kind,
                }
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(quote! {
        OperationSpec {
            id: #id,
            method: #method,
            path: #path,
            summary: #summary,
            creates_data: #creates_data,
            idempotency_key: #idempotency_key,
            params: &[#(#params),*],
            paging: #paging,
            date_range: #date_range,
        }
    })
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn text(value: &Option<String>) -> TokenStream {
    option(value.as_ref().map(|v| quote!(#v)))
}

fn kind(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Integer { min, max } => {
            let (min, max) = (
                option(min.map(|m| quote!(#m))),
                option(max.map(|m| quote!(#m))),
            );
            quote!(ParamKind::Integer { min: #min, max: #max })
        }
        Kind::Decimal { min, max, decimals } => {
            let (min, max) = (text(min), text(max));
            let decimals = option(decimals.map(|d| quote!(#d)));
            quote!(ParamKind::Decimal { min: #min, max: #max, decimals: #decimals })
        }
        Kind::Number { min, max } => {
            let (min, max) = (text(min), text(max));
            quote!(ParamKind::Number { min: #min, max: #max })
        }
        Kind::Boolean => quote!(ParamKind::Boolean),
        Kind::Date => quote!(ParamKind::Date),
        Kind::DateTime => quote!(ParamKind::DateTime),
        Kind::Enum(values) => quote! {
            ParamKind::String { min_length: 0, max_length: None, pattern: None, values: &[#(#values),*] }
        },
        Kind::Text {
            min_length,
            max_length,
            pattern,
        } => {
            let max_length = option(max_length.map(|m| quote!(#m)));
            let pattern = text(pattern);
            quote! {
                ParamKind::String {
                    min_length: #min_length,
                    max_length: #max_length,
                    pattern: #pattern,
                    values: &[],
                }
            }
        }
    }
}

/// Whether `name` is an HTTP token (a header name).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
