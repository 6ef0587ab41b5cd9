//! `cargo xtask literals`: the string literals in hand-written code that name a spec parameter,
//! an operationId or the api_key's parameter.
//!
//! The spec is the single source of truth: code reaches parameters and operations through the
//! generated types (`cake_client::query`, the builders, `spec::OPERATIONS`), where a name the
//! spec does not have fails to compile. A name written as a string is not checked by anything, so
//! each one left must say why on its line or the line above (a `//` comment), and there may be
//! at most [`LIMIT`].
//!
//! Counted: string literals anywhere in the source (macro arguments included) whose whole text is
//! such a name, in `crates/*/src`, `crates/cake-client/build.rs`, `xtask/src` and `tests/src`,
//! outside `#[cfg(test)]` modules and `#[test]` functions. Not counted: generated code (it is
//! not in the tree), tests, benches and examples.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use syn::visit::Visit;

/// The most literals naming the spec that hand-written code may hold.
pub const LIMIT: usize = 10;

/// One literal found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The file, relative to the workspace.
    pub file: String,
    /// Its line (1-based).
    pub line: usize,
    /// The name it holds.
    pub name: String,
    /// Whether a `//` comment sits on its line or the line above.
    pub explained: bool,
}

/// The names the spec gives: its parameters', its operationIds and the security scheme's
/// parameter.
pub fn spec_names(spec: &openapiv3::OpenAPI) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (_, _, op) in spec.operations() {
        names.extend(op.operation_id.clone());
        for p in &op.parameters {
            if let openapiv3::ReferenceOr::Item(p) = p {
                names.insert(p.parameter_data_ref().name.clone());
            }
        }
    }
    if let Some(components) = &spec.components {
        for p in components.parameters.values() {
            if let openapiv3::ReferenceOr::Item(p) = p {
                names.insert(p.parameter_data_ref().name.clone());
            }
        }
        for scheme in components.security_schemes.values() {
            if let openapiv3::ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
                name, ..
            }) = scheme
            {
                names.insert(name.clone());
            }
        }
    }
    names
}

/// The hand-written files the rule covers, under the workspace `root`.
pub fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.join("xtask/src"), root.join("tests/src")];
    if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
        for c in crates.flatten() {
            dirs.push(c.path().join("src"));
        }
    }
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.push(root.join("crates/cake-client/build.rs"));
    out.sort();
    out
}

/// The literals in `source` (the text of `file`) that hold one of `names`.
pub fn scan(file: &str, source: &str, names: &BTreeSet<String>) -> Result<Vec<Hit>, String> {
    let parsed = syn::parse_file(source).map_err(|e| format!("{file}: does not parse: {e}"))?;
    let mut finder = Finder {
        names,
        found: Vec::new(),
    };
    finder.visit_file(&parsed);
    let lines: Vec<&str> = source.lines().collect();
    let commented =
        |line: usize| line >= 1 && lines.get(line - 1).is_some_and(|l| l.contains("//"));
    Ok(finder
        .found
        .into_iter()
        .map(|(line, name)| Hit {
            file: file.to_string(),
            line,
            name,
            explained: commented(line) || commented(line - 1),
        })
        .collect())
}

struct Finder<'n> {
    names: &'n BTreeSet<String>,
    found: Vec<(usize, String)>,
}

impl Finder<'_> {
    fn consider(&mut self, lit: &syn::LitStr) {
        let value = lit.value();
        if self.names.contains(&value) {
            self.found.push((lit.span().start().line, value));
        }
    }

    /// A macro's arguments are tokens, not syntax: every string literal among them is looked at.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Group(g) => self.tokens(g.stream()),
                proc_macro2::TokenTree::Literal(l) => {
                    if let Ok(lit) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                        let value = lit.value();
                        if self.names.contains(&value) {
                            self.found.push((l.span().start().line, value));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// `#[cfg(test)]` or `#[test]`.
pub(crate) fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
    })
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.consider(lit);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
    }

    /// An attribute's arguments (`#[arg(id = "...")]`, `#[serde(rename = "...")]`) are tokens too;
    /// doc comments are prose.
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        match &a.meta {
            syn::Meta::List(list) => self.tokens(list.tokens.clone()),
            syn::Meta::NameValue(nv) if !nv.path.is_ident("doc") => self.visit_expr(&nv.value),
            _ => {}
        }
    }
}

/// Every hit under `root`, for the spec at `root/spec/cake.yaml`.
pub fn run(root: &Path) -> Result<Vec<Hit>, String> {
    let text = std::fs::read_to_string(root.join("spec/cake.yaml"))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let spec: openapiv3::OpenAPI =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("the spec does not parse: {e}"))?;
    let names = spec_names(&spec);
    let mut hits = Vec::new();
    for path in files(root) {
        let source = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        hits.extend(scan(&shown, &source, &names)?);
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::scan;

    fn names() -> BTreeSet<String> {
        ["offer_id", "get_click"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn literals_in_code_and_macros_count_and_tests_do_not() {
        let source = r#"
fn a() -> &'static str {
    "offer_id"
}
fn b() {
    // Why: a reason.
    println!("{}", "get_click");
    let _ = "offer_idx";
    let _ = format!("offer_id {x}", x = 1);
}
/// offer_id
#[doc = "offer_id"]
struct S {
    #[serde(rename = "offer_id")]
    f: u32,
}
#[cfg(test)]
mod tests {
    fn c() { let _ = "offer_id"; }
}
#[test]
fn d() { let _ = "get_click"; }
"#;
        let hits = scan("x.rs", source, &names()).unwrap();
        let found: Vec<(usize, &str, bool)> = hits
            .iter()
            .map(|h| (h.line, h.name.as_str(), h.explained))
            .collect();
        assert_eq!(
            found,
            vec![
                (3, "offer_id", false),
                (7, "get_click", true),
                (14, "offer_id", false)
            ]
        );
    }
}
