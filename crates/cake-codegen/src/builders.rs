//! The request builders: per operation, a builder that holds each parameter's typed value
//! (`builder::GetOfferReport`, a setter per parameter taking what converts into its type), the
//! client's method that makes it, and the glue to the hand-written request path: which
//! operation it is, how it writes its values (`crate::sending`), how its body decodes, and for a
//! list operation (`x-cake-paging`) how it pages and where its rows are.
//!
//! The builder keeps the values in a struct of its own, so that no parameter name can meet a
//! name of the generated code, and its setters are made unique against the builder's methods.

use proc_macro2::TokenStream;
use quote::quote;

use crate::{
    fields,
    model::{doc_text, Op},
    refs_segments,
    typing::Types,
    Error,
};

/// The `builder` module and the client's methods.
pub fn generate(ops: &[Op], types: &Types) -> Result<TokenStream, Error> {
    let mut builders = TokenStream::new();
    let mut values = TokenStream::new();
    let mut methods = TokenStream::new();
    for (op, typed) in ops.iter().zip(&types.operations) {
        let (builder, value_struct, method) =
            one(op, typed, types).map_err(|e| e.at(&op.spec.id))?;
        builders.extend(builder);
        values.extend(value_struct);
        methods.extend(method);
    }
    Ok(quote! {
        /// A request builder per operation: set its parameters, then `execute()` it (or, on a
        /// list operation, `stream()` its rows). Made by the client's method of the same name.
        #[allow(clippy::all, unused_imports)]
        pub mod builder {
            use crate::types;

            #builders

            /// Each builder's values, one field per parameter.
            mod values {
                use crate::types;

                #values
            }
        }

        impl crate::Client {
            #methods
        }
    })
}

fn one(
    op: &Op,
    typed: &crate::typing::OperationTypes,
    types: &Types,
) -> Result<(TokenStream, TokenStream, TokenStream), Error> {
    let name = &op.name;
    let method = &op.method;
    let index = op.index;
    let output = op.output();
    let spec = op.spec;

    let method_doc = {
        let mut text = op.title.clone();
        if let Some(description) = &spec.description {
            text.push_str("\n\n");
            text.push_str(&doc_text(description));
        }
        text.push_str(&format!("\n\nSends `{} {}`.", spec.method, spec.path));
        text
    };
    let builder_doc = format!(
        "Builder for [`Client::{method}`](crate::Client::{method}): the {}.",
        op.title
    );

    let fields = op.params.iter().map(|p| {
        let field = &p.field;
        let ty = &p.ty;
        quote!(pub(super) #field: crate::sending::Slot<#ty>,)
    });
    let value_struct = quote! {
        #[derive(Debug, Clone, Default)]
        pub(super) struct #name {
            #(#fields)*
        }
    };

    let setters = op.params.iter().map(|p| {
        let (setter, field, ty) = (&p.setter, &p.field, &p.ty);
        let mut doc = doc_text(&p.spec.description);
        if doc.is_empty() {
            doc = format!("The `{}` parameter.", p.spec.name);
        }
        let place = format!(
            "`{}` ({}{}).",
            p.spec.name,
            p.spec.location.as_str(),
            if p.spec.required { ", required" } else { "" }
        );
        let deprecated = deprecation(p.spec.deprecated, p.spec.sunset.as_deref(), "parameter");
        quote! {
            #[doc = #doc]
            ///
            #[doc = #place]
            #deprecated
            pub fn #setter<V>(mut self, value: V) -> Self
            where
                V: ::std::convert::TryInto<#ty>,
            {
                self.values.#field = crate::sending::Slot::from_try(value);
                self
            }
        }
    });

    let writes = op.params.iter().map(|p| {
        let (i, field) = (p.index, &p.field);
        quote!(sending.param(#i, &self.values.#field);)
    });

    let set_arms: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let (i, setter, ty) = (p.index, &p.setter, &p.ty);
            quote!(#i => self.#setter(crate::spec::parse_value::<#ty>(name, value)?),)
        })
        .collect();
    let set_param = if set_arms.is_empty() {
        quote! {
            // The operation has no parameter: any name is refused.
            let _ = self;
            Err(match crate::spec::check_param_at(#index, name, value) {
                Ok(_) => crate::spec::unknown_param(#index, name),
                Err(e) => e,
            })
        }
    } else {
        quote! {
            Ok(match crate::spec::check_param_at(#index, name, value)? {
                #(#set_arms)*
                _ => return Err(crate::spec::unknown_param(#index, name)),
            })
        }
    };
    let (sending, values_attr) = if op.params.is_empty() {
        (quote!(_sending), quote!(#[allow(dead_code)]))
    } else {
        (quote!(sending), TokenStream::new())
    };

    let decode = if op.success.is_some() {
        quote!(::serde_json::from_slice(body))
    } else {
        quote! {
            let _ = body;
            Ok(())
        }
    };

    let list = match &spec.paging {
        Some(paging) => paging_glue(op, typed, types, paging)?,
        None => TokenStream::new(),
    };

    let builder = quote! {
        #[doc = #builder_doc]
        #[derive(Debug, Clone)]
        pub struct #name<'a> {
            client: &'a crate::Client,
            #values_attr
            values: values::#name,
        }

        impl<'a> #name<'a> {
            /// A request with no parameter set yet, to be sent by `client`.
            pub fn new(client: &'a crate::Client) -> Self {
                Self {
                    client,
                    values: ::std::default::Default::default(),
                }
            }

            #(#setters)*

            /// Sends the request and returns its decoded body, or this crate's
            /// [`Error`](crate::Error). The request is held to the spec before anything is
            /// sent.
            pub async fn execute(self) -> ::std::result::Result<#output, crate::Error> {
                crate::call::execute(self, crate::CallOptions::default()).await
            }

            /// [`Self::execute`], with the answer's status, headers and number of attempts
            /// beside the decoded body.
            pub async fn execute_with_response(
                self,
            ) -> ::std::result::Result<crate::Response<#output>, crate::Error> {
                crate::call::execute_with_response(self, crate::CallOptions::default()).await
            }

            /// This request with settings of its own (timeout, retry policy) that override the
            /// client's; then `execute()` or `execute_with_response()` (or, on a list,
            /// `stream()`).
            pub fn with_options(self, options: crate::CallOptions) -> crate::call::WithOptions<Self> {
                crate::call::WithOptions::new(self, options)
            }

            /// Sets a parameter by its name in the spec from its text (`"row_limit"`, `"50"`),
            /// for tools that take parameters as text (the `cake` command). The value is held
            /// to the spec first: an unknown name or a bad value is
            /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming it.
            #[allow(deprecated)]
            pub fn set_param(self, name: &str, value: &str) -> ::std::result::Result<Self, crate::Error> {
                #set_param
            }
        }

        impl crate::call::Request for #name<'_> {
            type Output = #output;
            const OPERATION: usize = #index;

            fn client(&self) -> &crate::Client {
                self.client
            }

            fn write(&self, #sending: &mut crate::sending::Sending<'_>) {
                #(#writes)*
            }

            fn decode(body: &[u8]) -> ::std::result::Result<Self::Output, ::serde_json::Error> {
                #decode
            }
        }

        #list
    };

    let deprecated = deprecation(spec.deprecated, spec.sunset.as_deref(), "operation");
    let method = quote! {
        #[doc = #method_doc]
        #deprecated
        pub fn #method(&self) -> builder::#name<'_> {
            builder::#name::new(self)
        }
    };
    Ok((builder, value_struct, method))
}

/// `#[deprecated]` for what the spec deprecates, with its sunset in the note.
fn deprecation(deprecated: bool, sunset: Option<&str>, what: &str) -> TokenStream {
    if !deprecated {
        return TokenStream::new();
    }
    let note = match sunset {
        Some(day) => format!("the spec deprecates this {what}: it goes on {day} (its sunset)"),
        None => format!("the spec deprecates this {what}"),
    };
    quote!(#[deprecated(note = #note)])
}

/// For a list operation: `ListRequest` (how a page is asked for, where its rows and total
/// are) and the builder's `stream()`, `stream_with()` and `collect_all()`.
fn paging_glue(
    op: &Op,
    typed: &crate::typing::OperationTypes,
    types: &Types,
    paging: &cake_spec::extensions::Paging,
) -> Result<TokenStream, Error> {
    let name = &op.name;
    let title = &op.title;
    let body_type = typed.success.as_ref().ok_or_else(|| {
        Error::new("x-cake-paging on an operation whose success response has no JSON body")
    })?;
    let space = &types.space;
    let (row_steps, array) = fields::walk(space, body_type, &refs_segments(&paging.rows))
        .map_err(|e| e.at(&format!("x-cake-paging rows {}", paging.rows)))?;
    let item = match fields::shape(space, &array) {
        fields::Shape::Vec(item) => item,
        _ => {
            return Err(Error::new(format!(
                "x-cake-paging rows {} is not an array",
                paging.rows
            )))
        }
    };
    let rows = fields::moved(quote!(body), &row_steps);
    let (row_type, rows_expr) = match &paging.row_item {
        None => (item, quote!(#rows)),
        Some(row_item) => {
            let (steps, row) = fields::walk(space, &item, &refs_segments(row_item))
                .map_err(|e| e.at(&format!("x-cake-paging rowItem {row_item}")))?;
            let inner = fields::moved(quote!(item), &steps);
            let any_optional = steps.iter().any(|s| s.optional);
            let map = if any_optional {
                quote!(.filter_map(|item| -> ::std::option::Option<_> { Some(#inner) }))
            } else {
                quote!(.map(|item| #inner))
            };
            (row, quote!(#rows.into_iter() #map .collect()))
        }
    };
    let row = space
        .get_type(&row_type)
        .map_err(|e| Error::new(e.to_string()))?
        .ident();
    let total = match &paging.total {
        None => quote!(None),
        Some(pointer) => {
            let (steps, _) = fields::walk(space, body_type, &refs_segments(pointer))
                .map_err(|e| e.at(&format!("x-cake-paging total {pointer}")))?;
            let value = fields::cloned(quote!((&body)), &steps);
            quote! {
                (|| -> ::std::option::Option<u64> {
                    ::std::convert::TryFrom::try_from(#value).ok()
                })()
            }
        }
    };
    let field_of = |name: &str, what: &str| {
        op.params
            .iter()
            .find(|p| p.spec.name == name)
            .map(|p| &p.field)
            .ok_or_else(|| Error::new(format!("x-cake-paging {what} {name} is no parameter")))
    };
    let (offset, limit) = (
        field_of(&paging.offset, "offset")?,
        field_of(&paging.limit, "limit")?,
    );
    let stream_doc = format!(
        "Every matching row of the {title}, page after page, as a stream; see \
         [`paginate`](crate::paginate). The builder's own `{}` and `{}` are replaced.",
        paging.offset, paging.limit
    );
    let collect_doc = format!("Every matching row of the {title}, collected (all pages).");
    Ok(quote! {
        impl crate::paginate::ListRequest for #name<'_> {
            type Row = #row;

            fn with_page(mut self, offset: u32, limit: u32) -> Self {
                self.values.#offset = crate::sending::Slot::from_try(offset);
                self.values.#limit = crate::sending::Slot::from_try(limit);
                self
            }

            fn page(body: Self::Output) -> crate::paginate::Page<Self::Row> {
                let total_rows = #total;
                let rows = (move || -> ::std::option::Option<::std::vec::Vec<#row>> {
                    Some(#rows_expr)
                })()
                .unwrap_or_default();
                crate::paginate::Page { rows, total_rows }
            }
        }

        impl<'a> #name<'a> {
            #[doc = #stream_doc]
            pub fn stream(self) -> crate::paginate::RowStream<'a, #row> {
                crate::paginate::RowStream::new(self, crate::paginate::PageOptions::default())
            }

            /// [`Self::stream`] with a page size and prefetch of your choosing.
            pub fn stream_with(self, options: crate::paginate::PageOptions) -> crate::paginate::RowStream<'a, #row> {
                crate::paginate::RowStream::new(self, options)
            }

            #[doc = #collect_doc]
            pub async fn collect_all(self) -> ::std::result::Result<::std::vec::Vec<#row>, crate::Error> {
                self.stream().try_collect_all().await
            }
        }
    })
}
