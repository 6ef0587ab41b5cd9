//! The typed queries: per operation, its parameters as one struct (`query::GetOfferReportQuery`,
//! a field per parameter, optional ones without a default as `Option`s, defaults filled), parsed
//! and validated from name-value pairs with the spec's rules and written back; and the exhaustive
//! enums of the operations (`Operation`, `OperationQuery`), so that code that serves or
//! dispatches every operation (the simulator, the `cake` command, the contract suite) stops
//! compiling when the spec gains one.

use cake_spec::params::Kind;
use proc_macro2::TokenStream;
use quote::quote;

use crate::{model::Op, Error};

/// The `query` module.
pub fn generate(ops: &[Op]) -> Result<TokenStream, Error> {
    let mut structs = TokenStream::new();
    for op in ops {
        structs.extend(one(op));
    }
    let names: Vec<_> = ops.iter().map(|o| &o.name).collect();
    let queries: Vec<_> = ops.iter().map(|o| &o.query).collect();
    let ids: Vec<_> = ops.iter().map(|o| o.spec.id.as_str()).collect();
    let query_docs = ops.iter().map(|o| format!("{}.", o.title));
    let op_docs = ops
        .iter()
        .map(|o| format!("{} (`{}`).", o.title, o.spec.id));
    Ok(quote! {
        /// Each operation's query, typed and parsed from name-value pairs with the spec's
        /// rules, and `OperationQuery`, the exhaustive enum of them.
        #[allow(clippy::all, unused_imports)]
        pub mod query {
            use crate::types;

            #structs

            /// Every operation's query, one variant each: exhaustive on purpose, so that a
            /// `match` over it stops compiling when the spec gains an operation.
            #[derive(Debug, Clone, PartialEq)]
            pub enum OperationQuery {
                #(
                    #[doc = #query_docs]
                    #names(#queries),
                )*
            }

            impl OperationQuery {
                /// The query of the operation `operation_id`, parsed and validated; `None` when
                /// the spec has no such operation.
                pub fn parse<'q>(
                    operation_id: &str,
                    query: impl IntoIterator<Item = (&'q str, &'q str)>,
                ) -> Option<Result<Self, crate::spec::ParamError>> {
                    Some(match operation_id {
                        #(#ids => #queries::from_pairs(query).map(Self::#names),)*
                        _ => return None,
                    })
                }

                /// Its operation.
                pub fn operation(&self) -> Operation {
                    match self {
                        #(Self::#names(_) => Operation::#names,)*
                    }
                }

                /// Its operation's `operationId`.
                pub fn operation_id(&self) -> &'static str {
                    self.operation().id()
                }

                /// The query as pairs.
                pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
                    match self {
                        #(Self::#names(q) => q.to_pairs(),)*
                    }
                }
            }

            /// Every operation of the spec, one variant each: exhaustive on purpose, so that a
            /// `match` over it (the `cake` command's and the contract suite's dispatch) stops
            /// compiling when the spec gains an operation, until someone decides what it does
            /// there.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Operation {
                #(
                    #[doc = #op_docs]
                    #names,
                )*
            }

            impl Operation {
                /// Every operation, in the spec's order.
                pub const ALL: &'static [Operation] = &[#(Self::#names),*];

                /// The operation with this `operationId`.
                pub fn from_id(operation_id: &str) -> Option<Self> {
                    match operation_id {
                        #(#ids => Some(Self::#names),)*
                        _ => None,
                    }
                }

                /// Its `operationId`.
                pub fn id(self) -> &'static str {
                    match self {
                        #(Self::#names => #ids,)*
                    }
                }

                /// Its constraints in the SDK's table.
                pub fn spec(self) -> &'static crate::spec::OperationSpec {
                    &crate::spec::operations()[self as usize]
                }
            }
        }
    })
}

fn one(op: &Op) -> TokenStream {
    let query = &op.query;
    let id = op.spec.id.as_str();
    let index = op.index;
    let title = &op.title;
    let doc = format!(
        "The {title}'s query, typed: one field per parameter of the spec (optional ones without \
         a default are `Option`s; a default fills an absent one)."
    );
    let mut fields = Vec::new();
    let mut constants = Vec::new();
    let mut reads = Vec::new();
    let mut inits = Vec::new();
    let mut writes = Vec::new();
    for p in &op.params {
        let (field, ty, constant) = (&p.field, &p.query_ty, &p.constant);
        let name = p.spec.name.as_str();
        let plain = p.spec.required || p.spec.default.is_some();
        let description = p.spec.description.as_str();
        fields.push(if plain {
            quote!(#[doc = #description] pub #field: #ty,)
        } else {
            quote!(#[doc = #description] pub #field: ::std::option::Option<#ty>,)
        });
        let constant_doc = format!("The name of [`Self::{field}`] in a request.");
        constants.push(quote!(#[doc = #constant_doc] pub const #constant: &'static str = #name;));
        let parse = |text: TokenStream| match p.spec.kind {
            Kind::Date => quote!(crate::spec::parse_date(#text)),
            _ => quote!(#text.parse::<#ty>().ok()),
        };
        let parse_text = parse(quote!(text));
        reads.push(quote! {
            let #field: ::std::option::Option<#ty> = match pairs.iter().find(|(k, _)| *k == #name) {
                Some((_, text)) => Some(#parse_text.ok_or_else(|| crate::spec::ParamError {
                    parameter: #name.into(),
                    message: format!("{text:?} does not parse as this parameter's type"),
                })?),
                None => None,
            };
        });
        inits.push(match (&p.spec.default, p.spec.required) {
            (_, true) => quote! {
                #field: #field.ok_or_else(|| crate::spec::ParamError {
                    parameter: #name.into(),
                    message: "is required".into(),
                })?,
            },
            (Some(default), false) => {
                let text = match default {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let parse_default = parse(quote!(#text));
                quote! {
                    #field: match #field {
                        Some(v) => v,
                        None => #parse_default.ok_or_else(|| crate::spec::ParamError {
                            parameter: #name.into(),
                            message: "the spec's default does not parse".into(),
                        })?,
                    },
                }
            }
            (None, false) => quote!(#field,),
        });
        writes.push(if plain {
            quote!(pairs.push((#name, self.#field.to_string()));)
        } else {
            quote! {
                if let Some(v) = &self.#field {
                    pairs.push((#name, v.to_string()));
                }
            }
        });
    }
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #query {
            #(#fields)*
        }

        impl #query {
            /// The operation's `operationId`.
            pub const OPERATION_ID: &'static str = #id;

            #(#constants)*

            /// Parses a query (without the api_key) as the spec says: every rule of
            /// [`OperationSpec::validate`](crate::spec::OperationSpec::validate), then each
            /// value into its field.
            pub fn from_pairs<'q>(
                query: impl IntoIterator<Item = (&'q str, &'q str)>,
            ) -> Result<Self, crate::spec::ParamError> {
                let pairs: Vec<(&str, &str)> = query.into_iter().collect();
                crate::spec::operations()[#index].validate(pairs.iter().copied())?;
                #(#reads)*
                Ok(Self {
                    #(#inits)*
                })
            }

            /// The query as pairs, as [`Self::from_pairs`] reads them back.
            pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
                #[allow(unused_mut)]
                let mut pairs = Vec::new();
                #(#writes)*
                pairs
            }
        }
    }
}
