//! Rust names for what the spec names: a parameter, an operation, a property. The rule is
//! typify's (the type generator's), so that a field named here is the field typify generated: any
//! text becomes an identifier (`sortOrder` → `sort_order`, `type` → `type_`, `X-Request-Source`
//! → `x_request_source`), and a [`Scope`] makes names unique against each other and against the
//! names the generated code itself uses, so that no spec can make two things share a name.

use proc_macro2::{Ident, Span};
use unicode_ident::{is_xid_continue, is_xid_start};

/// The case of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `snake_case`: functions, methods, fields, modules.
    Snake,
    /// `PascalCase`: types and variants.
    Pascal,
    /// `SHOUTY_SNAKE_CASE`: constants.
    Shouty,
}

/// `input` as an identifier of `case`, by typify's rule: characters that cannot be in an
/// identifier separate words, a leading one that cannot start it gets an `x` before it, and a
/// keyword gets a `_` after it.
pub fn sanitize(input: &str, case: Case) -> String {
    use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
    let to_case = |s: &str| match case {
        Case::Snake => s.to_snake_case(),
        Case::Pascal => s.to_pascal_case(),
        Case::Shouty => s.to_shouty_snake_case(),
    };
    let out = match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c: char| !is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("{}{out}", to_case("x")),
    };
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// The identifier `name` (already sanitized).
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Names given out in one namespace (a module's types, a type's methods or fields): each new
/// name is made unique against the reserved ones and those given before it, by a number
/// (`Builder2`, `foo_bar_2`).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    taken: Vec<String>,
}

impl Scope {
    /// A scope in which `reserved` (the names the generated code itself uses there) are taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A unique name of `case` for `input`.
    pub fn name(&mut self, input: &str, case: Case) -> String {
        let base = sanitize(input, case);
        let mut name = base.clone();
        let mut n = 1;
        while self.taken.contains(&name) {
            n += 1;
            name = match case {
                Case::Pascal => format!("{base}{n}"),
                Case::Snake | Case::Shouty => format!("{}_{n}", base.trim_end_matches('_')),
            };
        }
        self.taken.push(name.clone());
        name
    }

    /// [`Self::name`] as an identifier.
    pub fn ident(&mut self, input: &str, case: Case) -> Ident {
        ident(&self.name(input, case))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_text_becomes_an_identifier() {
        let cases = [
            ("sortOrder", Case::Snake, "sort_order"),
            ("type", Case::Snake, "type_"),
            ("X-Request-Source", Case::Snake, "x_request_source"),
            ("getOfferReportCopy", Case::Pascal, "GetOfferReportCopy"),
            ("get_offer_report", Case::Pascal, "GetOfferReport"),
            (
                "get_offer_report-sort_field",
                Case::Pascal,
                "GetOfferReportSortField",
            ),
            ("1st", Case::Snake, "x1st"),
            ("", Case::Snake, "x"),
            ("self", Case::Snake, "self_"),
            ("Self", Case::Pascal, "Self_"),
            ("row_limit", Case::Shouty, "ROW_LIMIT"),
            ("supportsAllDrives", Case::Shouty, "SUPPORTS_ALL_DRIVES"),
        ];
        for (input, case, want) in cases {
            assert_eq!(sanitize(input, case), want, "{input}");
        }
    }

    #[test]
    fn a_scope_never_gives_a_name_twice() {
        let mut scope = Scope::with_reserved(&["execute", "new", "Builder"]);
        assert_eq!(scope.name("execute", Case::Snake), "execute_2");
        assert_eq!(scope.name("fooBar", Case::Snake), "foo_bar");
        assert_eq!(scope.name("foo_bar", Case::Snake), "foo_bar_2");
        assert_eq!(scope.name("foo-bar", Case::Snake), "foo_bar_3");
        assert_eq!(scope.name("new", Case::Snake), "new_2");
        assert_eq!(scope.name("builder", Case::Pascal), "Builder2");
        assert_eq!(scope.name("type", Case::Snake), "type_");
        assert_eq!(scope.name("type", Case::Snake), "type_2");
    }
}
