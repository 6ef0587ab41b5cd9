//! `cargo xtask api`: the public API of cake-client as a sorted text listing, one item a line, so
//! that a change to the spec (or to the hand-written runtime) shows in review as a diff of what
//! consumers can name: types, fields, enum variants, functions and methods with their signatures,
//! traits and their implementations, constants and re-exports.
//!
//! It reads source text with `syn`: the crate's own public modules, and the code cake-codegen
//! generates from spec/cake.yaml, which lib.rs includes at the crate's root (`types`, `builder`,
//! `query`, `mock`, the methods on `Client`). Items hidden from docs
//! (`#[doc(hidden)]`) and anything not `pub` are left out. It runs nothing it reads.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::{Attribute, Fields, ImplItem, Item, TraitItem, Visibility};

/// A source file and the public path its items are reached by.
pub struct Source {
    /// The file's text.
    pub text: String,
    /// Where its items are public: `cake_client::call`, `cake_client::types`.
    pub path: String,
    /// When only some of the file's modules are public, and elsewhere: those modules mapped to
    /// their public path (`types` → `cake_client::types`); its other modules and its `use`
    /// items are then left out, its other items listed at `path`.
    pub only_modules: Option<Vec<(&'static str, &'static str)>>,
}

/// The sorted listing of every public item of `sources`.
pub fn listing(sources: &[Source]) -> Result<String, String> {
    let mut lines = BTreeSet::new();
    for source in sources {
        let file = syn::parse_file(&source.text)
            .map_err(|e| format!("{}: cannot parse: {e}", source.path))?;
        match &source.only_modules {
            None => items(&file.items, &source.path, &mut lines),
            Some(modules) => {
                // The named modules at their public paths; the other modules and the re-exports
                // of this file are not reachable from outside; its other items are, at `path`.
                let mut top = Vec::new();
                for item in &file.items {
                    match item {
                        Item::Mod(m) => {
                            if let Some((_, path)) =
                                modules.iter().find(|(name, _)| m.ident == name)
                            {
                                if let Some((_, content)) = &m.content {
                                    items(content, path, &mut lines);
                                }
                            }
                        }
                        Item::Use(_) => {}
                        other => top.push(other.clone()),
                    }
                }
                items(&top, &source.path, &mut lines);
            }
        }
    }
    let mut out = String::from(
        "# The public API of cake-client: `cargo xtask api` writes this file from the crate's source\n\
         # and the code cake-codegen generates from spec/cake.yaml; CI runs `cargo xtask api --check`.\n\
         # Do not edit by hand. A spec change that changes a line here changes what consumers use.\n",
    );
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn hidden(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("doc") && a.to_token_stream().to_string().contains("hidden"))
}

fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|meta| {
            out.push(tidy(&meta.path.to_token_stream().to_string()));
            Ok(())
        });
    }
    out.sort();
    out
}

fn non_exhaustive(attrs: &[Attribute]) -> &'static str {
    if attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
        " #[non_exhaustive]"
    } else {
        ""
    }
}

/// Token text as people write it: `Option<String>`, not `Option < String >`, and without the
/// crate-relative prefixes that say nothing to a consumer. Types and signatures go through
/// prettyplease (as a type alias or an empty function), everything else through spacing rules.
fn tidy(tokens: &str) -> String {
    let mut s = tokens.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        (" > ", "> "),
        (" >", ">"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        ("& ", "&"),
        (" :", ":"),
    ] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    strip_prefixes(s.trim())
}

fn strip_prefixes(s: &str) -> String {
    let mut s = s.replace("mut self", "self");
    // The crate's own paths, and the paths generated code spells out for the prelude's names.
    for prefix in ["::cake_client::", "crate::", "super::", "self::"] {
        s = s.replace(prefix, "");
    }
    for (spelled, name) in [
        ("::std::option::Option", "Option"),
        ("::std::result::Result", "Result"),
        ("::std::string::String", "String"),
        ("::std::vec::Vec", "Vec"),
        ("::std::convert::TryInto", "TryInto"),
        ("std::convert::TryInto", "TryInto"),
    ] {
        s = s.replace(spelled, name);
    }
    s
}

/// prettyplease's rendering of one item, on one line, without its trailing `{}` or `;`.
fn pretty(item: syn::Item) -> String {
    let text = prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: vec![],
        items: vec![item],
    });
    // Long signatures are broken over lines with trailing commas: join them back.
    let one_line = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace("< ", "<")
        .replace(", )", ")")
        .replace(", >", ">")
        .replace(",>", ">")
        .replace(", {}", " {}");
    let trimmed = one_line
        .trim_end_matches(';')
        .trim_end()
        .trim_end_matches("{}")
        .trim_end();
    strip_prefixes(trimmed)
}

fn ty(t: &syn::Type) -> String {
    let item: syn::Item = syn::parse_quote!(type T = #t;);
    pretty(item).trim_start_matches("type T = ").to_string()
}

fn signature(sig: &syn::Signature) -> String {
    let item = syn::Item::Fn(syn::ItemFn {
        attrs: vec![],
        vis: Visibility::Inherited,
        sig: sig.clone(),
        block: Box::new(syn::parse_quote!({})),
    });
    pretty(item)
        .trim_start_matches("async ")
        .trim_start_matches("fn ")
        .to_string()
}

fn generics(g: &syn::Generics) -> String {
    tidy(&g.to_token_stream().to_string())
}

fn path_text(p: &syn::Path) -> String {
    tidy(&p.to_token_stream().to_string())
}

fn items(list: &[Item], path: &str, out: &mut BTreeSet<String>) {
    for item in list {
        match item {
            Item::Struct(s) if is_pub(&s.vis) && !hidden(&s.attrs) => {
                let name = format!("{path}::{}{}", s.ident, generics(&s.generics));
                out.insert(format!("struct {name}{}", non_exhaustive(&s.attrs)));
                for d in derives(&s.attrs) {
                    out.insert(format!("impl {d} for {path}::{}", s.ident));
                }
                fields(&s.fields, &format!("{path}::{}", s.ident), out);
            }
            Item::Enum(e) if is_pub(&e.vis) && !hidden(&e.attrs) => {
                out.insert(format!(
                    "enum {path}::{}{}{}",
                    e.ident,
                    generics(&e.generics),
                    non_exhaustive(&e.attrs)
                ));
                for d in derives(&e.attrs) {
                    out.insert(format!("impl {d} for {path}::{}", e.ident));
                }
                for v in &e.variants {
                    let payload = match &v.fields {
                        Fields::Unit => String::new(),
                        Fields::Unnamed(f) => format!(
                            "({})",
                            f.unnamed
                                .iter()
                                .map(|f| ty(&f.ty))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Fields::Named(f) => format!(
                            " {{ {} }}",
                            f.named
                                .iter()
                                .map(|f| format!(
                                    "{}: {}",
                                    f.ident
                                        .as_ref()
                                        .map(ToString::to_string)
                                        .unwrap_or_default(),
                                    ty(&f.ty)
                                ))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.insert(format!("variant {path}::{}::{}{payload}", e.ident, v.ident));
                }
            }
            Item::Fn(f) if is_pub(&f.vis) && !hidden(&f.attrs) => {
                out.insert(format!("fn {path}::{}", signature(&f.sig)));
            }
            Item::Const(c) if is_pub(&c.vis) && !hidden(&c.attrs) => {
                out.insert(format!("const {path}::{}: {}", c.ident, ty(&c.ty)));
            }
            Item::Static(s) if is_pub(&s.vis) && !hidden(&s.attrs) => {
                out.insert(format!("static {path}::{}: {}", s.ident, ty(&s.ty)));
            }
            Item::Type(t) if is_pub(&t.vis) && !hidden(&t.attrs) => {
                out.insert(format!(
                    "type {path}::{}{} = {}",
                    t.ident,
                    generics(&t.generics),
                    ty(&t.ty)
                ));
            }
            Item::Trait(t) if is_pub(&t.vis) && !hidden(&t.attrs) => {
                let name = format!("{path}::{}", t.ident);
                out.insert(format!("trait {name}{}", generics(&t.generics)));
                for ti in &t.items {
                    match ti {
                        TraitItem::Fn(f) if !hidden(&f.attrs) => {
                            out.insert(format!("fn {name}::{}", signature(&f.sig)));
                        }
                        TraitItem::Type(a) if !hidden(&a.attrs) => {
                            out.insert(format!("type {name}::{}", a.ident));
                        }
                        TraitItem::Const(c) if !hidden(&c.attrs) => {
                            out.insert(format!("const {name}::{}: {}", c.ident, ty(&c.ty)));
                        }
                        _ => {}
                    }
                }
            }
            Item::Impl(i) if !hidden(&i.attrs) => {
                let self_ty = qualify(&without_lifetimes(&ty(&i.self_ty)), path);
                if let Some((_, trait_path, _)) = &i.trait_ {
                    out.insert(format!("impl {} for {self_ty}", path_text(trait_path)));
                    continue;
                }
                for ii in &i.items {
                    if let ImplItem::Fn(f) = ii {
                        if is_pub(&f.vis) && !hidden(&f.attrs) {
                            out.insert(format!("fn {self_ty}::{}", signature(&f.sig)));
                        }
                    }
                    if let ImplItem::Const(c) = ii {
                        if is_pub(&c.vis) && !hidden(&c.attrs) {
                            out.insert(format!("const {self_ty}::{}: {}", c.ident, ty(&c.ty)));
                        }
                    }
                }
            }
            Item::Mod(m) if is_pub(&m.vis) && !hidden(&m.attrs) => {
                if let Some((_, content)) = &m.content {
                    items(content, &format!("{path}::{}", m.ident), out);
                }
            }
            Item::Use(u) if is_pub(&u.vis) && !hidden(&u.attrs) => {
                out.insert(format!(
                    "use {path}: {}",
                    tidy(&u.tree.to_token_stream().to_string())
                ));
            }
            _ => {}
        }
    }
}

/// A type without its lifetime arguments (`GetClick<'a>` is `GetClick`), which say nothing about
/// what a consumer can call.
fn without_lifetimes(t: &str) -> String {
    let mut out = t.to_string();
    for (from, to) in [("<'a>", ""), ("<'_>", ""), ("'a, ", ""), ("'_, ", "")] {
        out = out.replace(from, to);
    }
    out
}

/// A self type of an impl, with the module it was written in when it names a bare type
/// (`OfferReportRow` in `cake_client::types` is `cake_client::types::OfferReportRow`).
fn qualify(self_ty: &str, path: &str) -> String {
    let crate_root = path.split("::").next().unwrap_or(path);
    if self_ty.contains("::") {
        format!("{crate_root}::{self_ty}")
    } else {
        format!("{path}::{self_ty}")
    }
}

fn fields(f: &Fields, owner: &str, out: &mut BTreeSet<String>) {
    match f {
        Fields::Named(named) => {
            for field in named.named.iter().filter(|f| is_pub(&f.vis)) {
                let name = field
                    .ident
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                out.insert(format!("field {owner}.{name}: {}", ty(&field.ty)));
            }
        }
        Fields::Unnamed(unnamed) => {
            for (i, field) in unnamed
                .unnamed
                .iter()
                .enumerate()
                .filter(|(_, f)| is_pub(&f.vis))
            {
                out.insert(format!("field {owner}.{i}: {}", ty(&field.ty)));
            }
        }
        Fields::Unit => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{listing, Source};

    fn list(text: &str) -> Vec<String> {
        listing(&[Source {
            text: text.to_string(),
            path: "c::m".into(),
            only_modules: None,
        }])
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
    }

    #[test]
    fn public_items_are_listed_with_their_signatures_and_private_ones_are_not() {
        let got = list(
            r#"
            #[derive(Clone, Debug)]
            pub struct Row { pub id: u32, pub note: Option<String>, secret: String }
            struct Hidden;
            #[non_exhaustive]
            pub enum Status { On, Unknown(String) }
            impl Row {
                pub fn new(id: u32) -> Self { todo!() }
                pub(crate) fn internal(&self) {}
                #[doc(hidden)]
                pub fn hidden(&self) {}
            }
            impl std::fmt::Display for Row { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) } }
            pub const LIMIT: u32 = 5;
            "#,
        );
        assert_eq!(
            got,
            [
                "const c::m::LIMIT: u32",
                "enum c::m::Status #[non_exhaustive]",
                "field c::m::Row.id: u32",
                "field c::m::Row.note: Option<String>",
                "fn c::m::Row::new(id: u32) -> Self",
                "impl Clone for c::m::Row",
                "impl Debug for c::m::Row",
                "impl std::fmt::Display for c::m::Row",
                "struct c::m::Row",
                "variant c::m::Status::On",
                "variant c::m::Status::Unknown(String)",
            ]
        );
    }

    #[test]
    fn a_new_builder_method_is_a_new_line() {
        let before = list(
            "impl<'a> builder::GetClick<'a> { pub fn click_id(self, v: String) -> Self { self } }",
        );
        let after = list(
            "impl<'a> builder::GetClick<'a> { pub fn click_id(self, v: String) -> Self { self } \
             pub fn sub_id_1(mut self, v: String) -> Self { self } }",
        );
        let added: Vec<_> = after.iter().filter(|l| !before.contains(l)).collect();
        assert_eq!(
            added,
            ["fn c::builder::GetClick::sub_id_1(self, v: String) -> Self"]
        );
    }
}
