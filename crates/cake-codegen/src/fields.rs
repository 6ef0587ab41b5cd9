//! Reaching into typify's types by the spec's property names: a JSON pointer into a body
//! (`x-cake-paging`'s `rows`, `/response/data/offers`) becomes the field path the generated code
//! reads, each step checked against the fields typify generated (a property typify named
//! otherwise is an error here, never code that does not compile).

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use typify::{TypeDetails, TypeId, TypeSpace};

use crate::{
    names::{ident, sanitize, Case},
    Error,
};

/// What a type is, as far as walking into it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A struct with properties.
    Struct,
    /// `Option<inner>`.
    Option(TypeId),
    /// `Vec<item>`.
    Vec(TypeId),
    /// Anything else.
    Other,
}

/// The shape of the type `id`.
pub fn shape(space: &TypeSpace, id: &TypeId) -> Shape {
    match space.get_type(id) {
        Ok(t) => match t.details() {
            TypeDetails::Struct(_) => Shape::Struct,
            TypeDetails::Option(inner) => Shape::Option(inner),
            TypeDetails::Vec(item) => Shape::Vec(item),
            _ => Shape::Other,
        },
        Err(_) => Shape::Other,
    }
}

/// One step of a path: the field, and whether it is optional there.
#[derive(Debug, Clone)]
pub struct Step {
    /// The Rust field.
    pub field: Ident,
    /// The field holds an `Option`.
    pub optional: bool,
}

/// The field of the struct type `of` that holds the property `property`, and that field's type.
pub fn field(space: &TypeSpace, of: &TypeId, property: &str) -> Result<(Step, TypeId), Error> {
    let ty = space.get_type(of).map_err(|e| Error::new(e.to_string()))?;
    let TypeDetails::Struct(s) = ty.details() else {
        return Err(Error::new(format!(
            "{} is not an object with properties (looking for {property})",
            ty.name()
        )));
    };
    let name = sanitize(property, Case::Snake);
    let info = s
        .properties_info()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::new(format!("{} has no property {property}", ty.name())))?;
    let (optional, inner) = match shape(space, &info.type_id) {
        Shape::Option(inner) => (true, inner),
        _ => (false, info.type_id.clone()),
    };
    Ok((
        Step {
            field: ident(&name),
            optional,
        },
        inner,
    ))
}

/// The steps of `segments` from the type `from`, and the type at the end.
pub fn walk(
    space: &TypeSpace,
    from: &TypeId,
    segments: &[String],
) -> Result<(Vec<Step>, TypeId), Error> {
    let mut steps = Vec::new();
    let mut at = from.clone();
    for segment in segments {
        let (step, next) = field(space, &at, segment)?;
        steps.push(step);
        at = next;
    }
    Ok((steps, at))
}

/// An expression that moves the value at `steps` out of `root`, in a closure body returning an
/// `Option` (an optional field on the way that is absent gives `None`).
pub fn moved(root: TokenStream, steps: &[Step]) -> TokenStream {
    let mut expr = root;
    for step in steps {
        let field = &step.field;
        expr = if step.optional {
            quote!(#expr.#field?)
        } else {
            quote!(#expr.#field)
        };
    }
    expr
}

/// An expression that reads the value at `steps` of `root` (a reference) and clones it, in a
/// closure body returning an `Option`.
pub fn cloned(root: TokenStream, steps: &[Step]) -> TokenStream {
    let mut expr = root;
    for step in steps {
        let field = &step.field;
        expr = if step.optional {
            quote!(#expr.#field.as_ref()?)
        } else {
            quote!(#expr.#field)
        };
    }
    quote!(::std::clone::Clone::clone(&#expr))
}
