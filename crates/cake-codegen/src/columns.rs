//! `Columns` for every flat response type (its properties scalars, or required objects of
//! scalars): the columns named and ordered as the spec's properties, a nested object's
//! properties in its place, each value with its kind (see `cake_client::columns`). A property
//! the spec adds is a new column with no other edit.

use cake_spec::{refs, Document};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use typify::{TypeDetails, TypeId, TypeSpace};

use crate::{fields, typing::Types, Error};

/// Types whose values `cake_client::columns::ToColumnValue` knows: everything else that is a
/// scalar is written as its text.
const KNOWN: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "f64",
    "bool",
    "::cake_client::Money",
    "::cake_client::CakeDateTime",
    "::chrono::naive::NaiveDate",
];

/// The `Columns` implementations.
pub fn generate(doc: &Document, types: &mut Types) -> Result<TokenStream, Error> {
    let mut out = TokenStream::new();
    let open: Vec<String> = types
        .open_enums
        .iter()
        .map(|o| format!("crate::types::{}", o.name))
        .collect();
    for name in doc.schema_names() {
        let pointer = format!("/components/schemas/{}", refs::escape(&name));
        let Some(schema) = doc.json.pointer(&pointer) else {
            continue;
        };
        if schema.get("properties").is_none() {
            continue;
        }
        let id = types.named(&name)?;
        if fields::shape(&types.space, &id) != fields::Shape::Struct {
            continue;
        }
        if let Some(implementation) = one(doc, &types.space, &open, &id, &pointer)? {
            out.extend(implementation);
        }
    }
    Ok(out)
}

enum Scalar {
    /// `ToColumnValue` knows it.
    Known,
    /// Written as its text.
    Display,
}

fn scalar(space: &TypeSpace, id: &TypeId, open: &[String]) -> Option<Scalar> {
    match space.get_type(id).ok()?.details() {
        TypeDetails::Builtin(b) if KNOWN.contains(&b) || open.iter().any(|o| o == b) => {
            Some(Scalar::Known)
        }
        TypeDetails::String => Some(Scalar::Known),
        TypeDetails::Builtin(_) | TypeDetails::Newtype(_) => Some(Scalar::Display),
        TypeDetails::Enum(e) => e
            .variants()
            .all(|(_, v)| matches!(v, typify::TypeEnumVariant::Simple))
            .then_some(Scalar::Display),
        _ => None,
    }
}

fn value(access: TokenStream, optional: bool, kind: Scalar) -> TokenStream {
    match (kind, optional) {
        (Scalar::Known, _) => {
            quote!(crate::columns::ToColumnValue::to_column_value(&self.#access))
        }
        (Scalar::Display, false) => quote! {
            crate::columns::ColumnValue::Text(::std::string::ToString::to_string(&self.#access).into())
        },
        (Scalar::Display, true) => quote! {
            self.#access.as_ref().map_or(crate::columns::ColumnValue::Missing, |v| {
                crate::columns::ColumnValue::Text(::std::string::ToString::to_string(v).into())
            })
        },
    }
}

/// The columns of the struct `id` (the schema at `pointer`), or `None` when it is not flat.
fn one(
    doc: &Document,
    space: &TypeSpace,
    open: &[String],
    id: &TypeId,
    pointer: &str,
) -> Result<Option<TokenStream>, Error> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    for property in doc.keys_in_order(&format!("{pointer}/properties")) {
        let (step, inner) = fields::field(space, id, &property)?;
        let field = &step.field;
        if let Some(kind) = scalar(space, &inner, open) {
            names.push(property);
            values.push(value(quote!(#field), step.optional, kind));
            continue;
        }
        // A required object of scalars: its properties in its place.
        if step.optional || fields::shape(space, &inner) != fields::Shape::Struct {
            return Ok(None);
        }
        let written = doc
            .json
            .pointer(&format!("{pointer}/properties/{}", refs::escape(&property)))
            .cloned()
            .unwrap_or(Value::Null);
        let inner_pointer = match written
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(refs::schema_name)
        {
            Some(name) => format!("/components/schemas/{}", refs::escape(name)),
            None => format!("{pointer}/properties/{}", refs::escape(&property)),
        };
        for inner_property in doc.keys_in_order(&format!("{inner_pointer}/properties")) {
            let (inner_step, leaf) = fields::field(space, &inner, &inner_property)?;
            let Some(kind) = scalar(space, &leaf, open) else {
                return Ok(None);
            };
            let inner_field = &inner_step.field;
            names.push(inner_property);
            values.push(value(
                quote!(#field.#inner_field),
                inner_step.optional,
                kind,
            ));
        }
    }
    if names.is_empty() {
        return Ok(None);
    }
    let ty = space
        .get_type(id)
        .map_err(|e| Error::new(e.to_string()))?
        .ident();
    Ok(Some(quote! {
        impl crate::columns::Columns for crate::#ty {
            const COLUMNS: &'static [&'static str] = &[#(#names),*];
            fn column_values(&self) -> ::std::vec::Vec<crate::columns::ColumnValue<'_>> {
                ::std::vec![#(#values),*]
            }
        }
    }))
}
