//! Typed httpmock helpers for consumers' tests (`cake_client::mock`, with the `mock` feature):
//! `server.get_offer_report(|when, then| { when.start_date(&day); then.ok(&body); })`, a
//! `When` with a method per parameter and a `Then` with a method per documented response, in
//! the shape progenitor's `Generator::httpmock` gives them (its helpers are not used: their names
//! collide as soon as a parameter is called `new` or two names differ only in case, and the
//! mocks then do not compile). Every name here is made unique in its namespace.

use cake_spec::{params::Location, Status};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::{
    model::Op,
    names::{ident, sanitize, Case, Scope},
    typing::Types,
    Error,
};

/// The `mock` module.
pub fn generate(ops: &[Op], types: &Types) -> Result<TokenStream, Error> {
    let mut structs = TokenStream::new();
    let mut signatures = Vec::new();
    let mut bodies = Vec::new();
    for (op, typed) in ops.iter().zip(&types.operations) {
        let when = format_ident!("{}When", op.name);
        let then = format_ident!("{}Then", op.name);
        structs.extend(one(op, typed, types, &when, &then).map_err(|e| e.at(&op.spec.id))?);
        let method = &op.method;
        let doc = format!(
            "Mocks the {}: `when` matches its requests, `then` answers.",
            op.title
        );
        signatures.push(quote! {
            #[doc = #doc]
            fn #method<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
            where
                F: FnOnce(operations::#when, operations::#then);
        });
        bodies.push(quote! {
            fn #method<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
            where
                F: FnOnce(operations::#when, operations::#then),
            {
                self.mock(|when, then| {
                    config_fn(operations::#when::new(when), operations::#then::new(then))
                })
            }
        });
    }
    Ok(quote! {
        /// Typed httpmock helpers generated from the same spec: `use
        /// cake_client::mock::MockServerExt`, then `server.get_offer_report(|when, then| ...)`.
        #[cfg(feature = "mock")]
        #[allow(clippy::all, missing_docs, unused_imports)]
        pub mod mock {
            /// [`When`](::httpmock::When) and [`Then`](::httpmock::Then) wrappers for each
            /// operation; `into_inner()` gives the wrapped one, to deviate from what the spec
            /// permits.
            pub mod operations {
                use crate::types;

                #structs
            }

            /// A method per operation on [`MockServer`](::httpmock::MockServer): type-checked
            /// [`mock()`](::httpmock::MockServer::mock) calls.
            pub trait MockServerExt {
                #(#signatures)*
            }

            impl MockServerExt for ::httpmock::MockServer {
                #(#bodies)*
            }
        }
    })
}

fn one(
    op: &Op,
    typed: &crate::typing::OperationTypes,
    types: &Types,
    when: &proc_macro2::Ident,
    then: &proc_macro2::Ident,
) -> Result<TokenStream, Error> {
    let method = format_ident!("{}", op.spec.method);
    let path = path_regex(&op.spec.path, None);
    let mut when_names = Scope::with_reserved(&["new", "into_inner"]);
    let when_methods = op.params.iter().map(|p| {
        // The builder's setter's name, unless it is one of `When`'s own.
        let name = when_names.ident(&p.setter.to_string(), Case::Snake);
        let wire = p.spec.name.as_str();
        let ty = types
            .space
            .get_type(&typed.params[p.index])
            .map(|t| t.parameter_ident_with_lifetime("a"))
            .unwrap_or_else(|_| p.ty.clone());
        // typify's parameter type borrows with `'a` when it borrows at all: every method
        // declares the lifetime, used or not.
        let lifetime = quote!('a,);
        match (p.spec.location, p.spec.required) {
            (Location::Path, _) => {
                let matching = path_regex(&op.spec.path, Some(&p.spec.name));
                quote! {
                    pub fn #name<#lifetime>(self, value: #ty) -> Self {
                        let pattern = #matching.replace("{value}", &::regex::escape(&value.to_string()));
                        Self(self.0.path_matches(::regex::Regex::new(&pattern).expect("an escaped value makes a valid pattern")))
                    }
                }
            }
            (location, true) => {
                let call = matcher(location, false);
                quote! {
                    pub fn #name<#lifetime>(self, value: #ty) -> Self {
                        Self(self.0.#call(#wire, value.to_string()))
                    }
                }
            }
            (location, false) => {
                let (call, missing) = (matcher(location, false), matcher(location, true));
                quote! {
                    pub fn #name<#lifetime T>(self, value: T) -> Self
                    where
                        T: Into<Option<#ty>>,
                    {
                        match value.into() {
                            Some(value) => Self(self.0.#call(#wire, value.to_string())),
                            None => Self(self.0.#missing(#wire)),
                        }
                    }
                }
            }
        }
    });
    let when_methods: Vec<TokenStream> = when_methods.collect();
    let mut then_names = Scope::with_reserved(&["new", "into_inner"]);
    let mut then_methods = Vec::new();
    for (r, body_type) in op.spec.responses.iter().zip(&typed.responses) {
        let (value_param, value_use) = match body_type {
            Some(id) => {
                let ty = types
                    .space
                    .get_type(id)
                    .map_err(|e| Error::new(e.to_string()))?
                    .parameter_ident();
                (
                    quote!(value: #ty),
                    quote!(.header("content-type", "application/json").json_body_obj(value)),
                )
            }
            None => (TokenStream::new(), TokenStream::new()),
        };
        let doc = format!("Answers {}: {}", r.status, r.description.trim());
        then_methods.push(match r.status {
            Status::Code(code) => {
                let reason = ::http::StatusCode::from_u16(code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map(|reason| sanitize(reason, Case::Snake))
                    .unwrap_or_else(|| format!("status_{code}"));
                let name = then_names.ident(&reason, Case::Snake);
                quote! {
                    #[doc = #doc]
                    pub fn #name(self, #value_param) -> Self {
                        Self(self.0.status(#code) #value_use)
                    }
                }
            }
            Status::Range(n) => {
                let class = match n {
                    1 => "informational",
                    2 => "success",
                    3 => "redirect",
                    4 => "client_error",
                    _ => "server_error",
                };
                let name = then_names.ident(class, Case::Snake);
                let comma = (!value_param.is_empty()).then(|| quote!(,));
                quote! {
                    #[doc = #doc]
                    ///
                    /// `status` must be in the range (a test's mistake otherwise, which panics).
                    pub fn #name(self, status: u16 #comma #value_param) -> Self {
                        assert_eq!(status / 100, #n, "{status} is not a {}XX status", #n);
                        Self(self.0.status(status) #value_use)
                    }
                }
            }
            Status::Default => {
                let name = then_names.ident("default_response", Case::Snake);
                let comma = (!value_param.is_empty()).then(|| quote!(,));
                quote! {
                    #[doc = #doc]
                    pub fn #name(self, status: u16 #comma #value_param) -> Self {
                        Self(self.0.status(status) #value_use)
                    }
                }
            }
        });
    }
    let when_doc = format!("What a request to the {} must be.", op.title);
    let then_doc = format!("How the mock answers the {}.", op.title);
    Ok(quote! {
        #[doc = #when_doc]
        pub struct #when(::httpmock::When);

        impl #when {
            /// Matches the operation's method and path.
            pub fn new(inner: ::httpmock::When) -> Self {
                Self(inner
                    .method(::httpmock::Method::#method)
                    .path_matches(::regex::Regex::new(#path).expect("the path's pattern is valid")))
            }

            /// The wrapped `When`.
            pub fn into_inner(self) -> ::httpmock::When {
                self.0
            }

            #(#when_methods)*
        }

        #[doc = #then_doc]
        pub struct #then(::httpmock::Then);

        impl #then {
            /// Wraps `inner`.
            pub fn new(inner: ::httpmock::Then) -> Self {
                Self(inner)
            }

            /// The wrapped `Then`.
            pub fn into_inner(self) -> ::httpmock::Then {
                self.0
            }

            #(#then_methods)*
        }
    })
}

/// The httpmock matcher of a parameter in `location`, or of its absence.
fn matcher(location: Location, missing: bool) -> proc_macro2::Ident {
    ident(match (location, missing) {
        (Location::Header, false) => "header",
        (Location::Header, true) => "header_missing",
        (_, false) => "query_param",
        (_, true) => "query_param_missing",
    })
}

/// A regular expression for a path template: each `{parameter}` any one segment's text, or
/// `{value}` (to be replaced by the escaped value) for `only`.
fn path_regex(path: &str, only: Option<&str>) -> String {
    let mut out = String::from("^");
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&regex_escape(&rest[..open]));
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        out.push_str(if Some(name) == only {
            "{value}"
        } else {
            "[^/]*"
        });
        rest = &rest[open + close + 1..];
    }
    out.push_str(&regex_escape(rest));
    out.push('$');
    out
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::path_regex;

    #[test]
    fn a_path_template_matches_its_paths() {
        assert_eq!(
            path_regex("/api/2/click.json", None),
            "^/api/2/click\\.json$"
        );
        assert_eq!(
            path_regex("/things/{id}/x-{kind}.json", None),
            "^/things/[^/]*/x\\-[^/]*\\.json$"
        );
        assert_eq!(
            path_regex("/things/{id}/x-{kind}.json", Some("kind")),
            "^/things/[^/]*/x\\-{value}\\.json$"
        );
    }
}
