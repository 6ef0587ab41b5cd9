//! The enums a response can carry, open to values the spec does not list: CAKE may add one
//! (a new conversion status), and one new value must not fail a whole page. Each is generated
//! from its named schema, in place of typify's closed enum: a variant per listed value,
//! `Unknown(String)` for any other (kept and written back as it came), `#[non_exhaustive]` so that
//! a value the spec adds later is not a breaking change. Requests still send only listed values
//! (the SDK's check refuses others before sending).

use proc_macro2::TokenStream;
use quote::quote;

use crate::{
    names::{ident, sanitize, Case, Scope},
    typing::OpenEnum,
    Error,
};

/// The open enums, for the `types` module.
pub fn generate(enums: &[OpenEnum]) -> Result<TokenStream, Error> {
    let mut out = TokenStream::new();
    for e in enums {
        out.extend(one(e)?);
    }
    Ok(out)
}

fn one(e: &OpenEnum) -> Result<TokenStream, Error> {
    let name = ident(&e.name);
    let mut variants = Scope::with_reserved(&["Unknown"]);
    let idents: Vec<_> = e
        .values
        .iter()
        .map(|v| variants.ident(v, Case::Pascal))
        .collect();
    if e.values
        .iter()
        .any(|v| sanitize(v, Case::Pascal) == "Unknown")
    {
        return Err(Error::new(format!(
            "{}: a listed value named `unknown` would be confused with values the spec does not list",
            e.name
        )));
    }
    let values = &e.values;
    let doc = &e.description;
    let doc_name = &e.name;
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    let unknown_doc = format!(
        "Open to values the spec does not list: CAKE may add one, and it is kept as \
         [`{0}::Unknown`] with its text, instead of failing the whole response. In a request only \
         the listed values are sent (anything else is refused before sending, naming the \
         parameter).",
        e.name
    );
    Ok(quote! {
        #[doc = #doc]
        ///
        #[doc = #unknown_doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #idents,
            )*
            /// A value this version of the spec does not list, exactly as it came.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The values the spec lists.
            pub const LISTED: &'static [&'static str] = &[#(#values),*];

            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #values,)*
                    Self::Unknown(text) => text,
                }
            }

            /// Whether the spec lists this value (false for [`Self::Unknown`]).
            pub fn is_listed(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#idents,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::convert::From<&::std::string::String> for #name {
            fn from(value: &::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from(text.as_ref()))
            }
        }

        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::string::String {
                #doc_name.to_string()
            }

            /// A string: the listed values, or another that a later CAKE may send.
            fn json_schema(_: &mut ::schemars::gen::SchemaGenerator) -> ::schemars::schema::Schema {
                ::schemars::schema::SchemaObject {
                    instance_type: Some(::schemars::schema::InstanceType::String.into()),
                    extensions: [(
                        "x-cake-open-enum".to_string(),
                        ::serde_json::json!([#(#values),*]),
                    )]
                    .into_iter()
                    .collect(),
                    ..Default::default()
                }
                .into()
            }
        }

        impl crate::columns::ToColumnValue for #name {
            fn to_column_value(&self) -> crate::columns::ColumnValue<'_> {
                crate::columns::ColumnValue::Text(::std::borrow::Cow::Borrowed(self.as_str()))
            }
        }
    })
}
