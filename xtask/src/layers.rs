//! `cargo xtask layers [CRATE_DIR ...]`: holds that a crate's modules form layers (no import
//! cycle between them) and that no file is long without saying why. Default: the crates whose
//! rooms were laid out by job, `crates/cake-sim` and `crates/cake-cli`.
//!
//! The import graph is read from the source with `syn`, one node per module (a file, or an
//! inline `mod name { ... }`; `#[cfg(test)]` items are left out: a test may reach anywhere).
//! Module `A` depends on module `B` when `A`'s code names an item of `B` by a path: a private
//! `use` (`use super::model::ClickRecord;`, `use crate::store::Store;`) or a path written in
//! the code (`crate::store::ClickQuery { .. }`, `clicks::Row`). The path is followed through
//! re-exports (`pub use model::*;` in `store`) to the module that defines the item, so that going
//! through a facade hides nothing. What is not an edge:
//! - `mod child;`, and a `pub use` (of any visibility), which publish an item rather than use
//!   it: a parent is the facade of its children;
//! - a method call (`self.persist(..)`): not visible without type inference. A layer that calls a
//!   method another file adds to its type must be reviewed by eye.
//!
//! A cycle is a set of modules that reach one another (a strongly connected component of more
//! than one module); each is printed with the paths that make its edges, file and line.
//!
//! A file over [`LONG`] lines needs a line of its `//!` header that starts with
//! `//! Why it is long:`.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use syn::visit::Visit;

use crate::spec_literals::is_test;

/// The most lines a file may have without saying why in its header.
pub const LONG: usize = 400;

/// The header line that says why a file is longer than [`LONG`].
pub const WHY_LONG: &str = "//! Why it is long:";

type ModId = usize;

/// One module of the crate.
#[derive(Debug, Default)]
struct Module {
    /// Its path from the crate root (`store::clicks`); empty for the root.
    path: Vec<String>,
    parent: Option<ModId>,
    /// Its file, relative to the crate.
    file: String,
    children: BTreeMap<String, ModId>,
    /// The names of the items it defines (not its `use`s).
    defined: BTreeSet<String>,
    /// `pub use` leaves: the name published and the path it comes from (`*` for a glob).
    reexports: Vec<(String, Vec<String>)>,
    /// The paths its code names (private `use` leaves and paths in the code), with their lines.
    uses: Vec<(Vec<String>, usize)>,
}

/// An edge of the graph, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `file:line`, and the path as written.
    pub site: String,
}

/// What the check found in one crate.
#[derive(Debug, Default)]
pub struct Report {
    /// The modules read.
    pub modules: usize,
    /// The edges between distinct modules.
    pub edges: usize,
    /// Each cycle: its modules, and the edges between them.
    pub cycles: Vec<(Vec<String>, Vec<Edge>)>,
    /// Files over [`LONG`] lines without [`WHY_LONG`] in their header, with their length.
    pub long: Vec<(String, usize)>,
}

/// Reads the crate at `dir` (its `src/lib.rs`, else `src/main.rs`) and checks it.
pub fn check(dir: &Path) -> Result<Report, String> {
    let src = dir.join("src");
    let root = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.exists())
        .ok_or_else(|| format!("{}: no src/lib.rs or src/main.rs", dir.display()))?;
    let mut crate_ = Crate::default();
    let mut long = Vec::new();
    crate_.load_file(&root, &src, Vec::new(), None, &mut long)?;
    let edges = crate_.edges();
    let cycles = crate_.cycles(&edges);
    Ok(Report {
        modules: crate_.modules.len(),
        edges: edges.len(),
        cycles,
        long,
    })
}

#[derive(Default)]
struct Crate {
    modules: Vec<Module>,
}

impl Crate {
    /// Reads a module's file (and, through its `mod` items, its children's).
    fn load_file(
        &mut self,
        file: &Path,
        src: &Path,
        path: Vec<String>,
        parent: Option<ModId>,
        long: &mut Vec<(String, usize)>,
    ) -> Result<ModId, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let relative = file
            .strip_prefix(src.parent().unwrap_or(src))
            .unwrap_or(file)
            .display()
            .to_string();
        let lines = text.lines().count();
        let explained = text
            .lines()
            .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
            .any(|l| l.starts_with(WHY_LONG));
        if lines > LONG && !explained {
            long.push((relative.clone(), lines));
        }
        let ast = syn::parse_file(&text).map_err(|e| format!("{relative}: {e}"))?;
        // Where this module's children's files are: beside a `mod.rs`, `lib.rs` or `main.rs`,
        // else in the directory named after the file.
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let dir = match stem {
            "mod" | "lib" | "main" => file.parent().unwrap_or(src).to_path_buf(),
            _ => file.with_extension(""),
        };
        self.load_items(&ast.items, &dir, src, path, parent, relative, long)
    }

    #[allow(clippy::too_many_arguments)]
    fn load_items(
        &mut self,
        items: &[syn::Item],
        dir: &Path,
        src: &Path,
        path: Vec<String>,
        parent: Option<ModId>,
        file: String,
        long: &mut Vec<(String, usize)>,
    ) -> Result<ModId, String> {
        let id = self.modules.len();
        self.modules.push(Module {
            path: path.clone(),
            parent,
            file: file.clone(),
            ..Module::default()
        });
        let mut paths = PathFinder::default();
        for item in items {
            if is_test(item_attrs(item)) {
                continue;
            }
            if let Some(name) = item_name(item) {
                self.modules[id].defined.insert(name);
            }
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    let child_path = [path.clone(), vec![name.clone()]].concat();
                    let child = match &m.content {
                        Some((_, inner)) => self.load_items(
                            inner,
                            &dir.join(&name),
                            src,
                            child_path,
                            Some(id),
                            file.clone(),
                            long,
                        )?,
                        None => {
                            let file = [
                                dir.join(format!("{name}.rs")),
                                dir.join(&name).join("mod.rs"),
                            ]
                            .into_iter()
                            .find(|p| p.exists())
                            .ok_or_else(|| {
                                format!("{file}: no file for `mod {name};` in {}", dir.display())
                            })?;
                            self.load_file(&file, src, child_path, Some(id), long)?
                        }
                    };
                    self.modules[id].children.insert(name, child);
                }
                syn::Item::Use(u) => {
                    let line = u.use_token.span.start().line;
                    let mut leaves = Vec::new();
                    use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
                    let published = !matches!(u.vis, syn::Visibility::Inherited);
                    for (name, path) in leaves {
                        if published {
                            self.modules[id].reexports.push((name, path));
                        } else {
                            self.modules[id].uses.push((path, line));
                        }
                    }
                }
                other => paths.visit_item(other),
            }
        }
        self.modules[id].uses.extend(paths.paths);
        Ok(id)
    }

    /// The module that defines what `segments` names, seen from `from`; `None` for a path
    /// that leaves the crate (another crate, the prelude) or names a local item.
    fn resolve(&self, from: ModId, segments: &[String], depth: usize) -> Option<ModId> {
        if depth > 16 {
            return None;
        }
        let (first, rest) = segments.split_first()?;
        let mut current = match first.as_str() {
            "crate" => 0,
            "self" => from,
            "super" => self.modules[from].parent?,
            name => *self.modules[from].children.get(name)?,
        };
        for segment in rest {
            if segment == "super" {
                current = self.modules[current].parent?;
                continue;
            }
            if segment == "self" || segment == "*" {
                return Some(current);
            }
            if let Some(&child) = self.modules[current].children.get(segment) {
                current = child;
                continue;
            }
            return Some(self.defining(current, segment, depth));
        }
        Some(current)
    }

    /// The module that defines the item `name` that `module` has: its own, or where a
    /// re-export of it leads.
    fn defining(&self, module: ModId, name: &str, depth: usize) -> ModId {
        let m = &self.modules[module];
        if m.defined.contains(name) {
            return module;
        }
        for (published, path) in &m.reexports {
            if published == name {
                if let Some(target) = self.resolve(module, path, depth + 1) {
                    return target;
                }
            }
        }
        for (published, path) in &m.reexports {
            if published == "*" {
                if let Some(target) = self.resolve(module, path, depth + 1) {
                    let found = self.defining(target, name, depth + 1);
                    if found != target || self.modules[target].defined.contains(name) {
                        return found;
                    }
                }
            }
        }
        module
    }

    fn name(&self, id: ModId) -> String {
        match self.modules[id].path.as_slice() {
            [] => "crate".into(),
            path => path.join("::"),
        }
    }

    fn edges(&self) -> BTreeMap<(ModId, ModId), Vec<String>> {
        let mut edges: BTreeMap<(ModId, ModId), Vec<String>> = BTreeMap::new();
        for (from, m) in self.modules.iter().enumerate() {
            for (path, line) in &m.uses {
                if let Some(to) = self.resolve(from, path, 0) {
                    if to != from {
                        edges.entry((from, to)).or_default().push(format!(
                            "{}:{line} `{}`",
                            m.file,
                            path.join("::")
                        ));
                    }
                }
            }
        }
        edges
    }

    /// The strongly connected components of more than one module (Tarjan's algorithm).
    fn cycles(
        &self,
        edges: &BTreeMap<(ModId, ModId), Vec<String>>,
    ) -> Vec<(Vec<String>, Vec<Edge>)> {
        let n = self.modules.len();
        let mut next: Vec<Vec<ModId>> = vec![Vec::new(); n];
        for &(from, to) in edges.keys() {
            next[from].push(to);
        }
        let mut tarjan = Tarjan {
            next: &next,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            counter: 0,
            components: Vec::new(),
        };
        for v in 0..n {
            if tarjan.index[v].is_none() {
                tarjan.visit(v);
            }
        }
        let mut cycles = Vec::new();
        for component in tarjan.components.into_iter().filter(|c| c.len() > 1) {
            let members: BTreeSet<ModId> = component.iter().copied().collect();
            let mut names: Vec<String> = members.iter().map(|&m| self.name(m)).collect();
            names.sort();
            let mut inner = Vec::new();
            for (&(from, to), sites) in edges {
                if members.contains(&from) && members.contains(&to) {
                    for site in sites {
                        inner.push(Edge {
                            from: self.name(from),
                            to: self.name(to),
                            site: site.clone(),
                        });
                    }
                }
            }
            cycles.push((names, inner));
        }
        cycles.sort();
        cycles
    }
}

struct Tarjan<'a> {
    next: &'a [Vec<ModId>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<ModId>,
    counter: usize,
    components: Vec<Vec<ModId>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: ModId) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &self.next[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(i) if self.on_stack[w] => self.low[v] = self.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// The leaves of a `use` tree: the name each brings in (`*` for a glob) and its full path.
fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            // `use super::{self, ..}` names the module itself.
            let path = if name == "self" {
                prefix.clone()
            } else {
                [prefix.clone(), vec![name.clone()]].concat()
            };
            let published = if name == "self" {
                prefix.last().cloned().unwrap_or_default()
            } else {
                name
            };
            out.push((published, path));
        }
        syn::UseTree::Rename(r) => out.push((
            r.rename.to_string(),
            [prefix.clone(), vec![r.ident.to_string()]].concat(),
        )),
        syn::UseTree::Glob(_) => {
            out.push(("*".into(), [prefix.clone(), vec!["*".into()]].concat()))
        }
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_leaves(tree, prefix, out);
            }
        }
    }
}

/// The paths written in code (types, expressions, patterns, macro names), with their lines;
/// nested modules and test items are left to their own visit.
#[derive(Default)]
struct PathFinder {
    paths: Vec<(Vec<String>, usize)>,
}

impl<'ast> Visit<'ast> for PathFinder {
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}

    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            let line = path
                .segments
                .first()
                .map_or(0, |s| s.ident.span().start().line);
            self.paths.push((
                path.segments.iter().map(|s| s.ident.to_string()).collect(),
                line,
            ));
        }
        syn::visit::visit_path(self, path);
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        syn::Item::Mod(i) => &i.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The crates checked by default.
pub fn default_crates(root: &Path) -> Vec<PathBuf> {
    ["crates/cake-sim", "crates/cake-cli"]
        .iter()
        .map(|c| root.join(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway crate with these files under `src/`.
    fn crate_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-layers-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let file = dir.join("src").join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        dir
    }

    /// The cycle: a store internal at the crate root that takes the store's records,
    /// while the store takes its table back.
    #[test]
    fn a_cycle_through_the_crate_root_is_found_with_its_sites() {
        let dir = crate_with(
            "cycle",
            &[
                ("lib.rs", "mod clicks;\npub mod store;\n"),
                ("clicks.rs", "use crate::store::ClickRecord;\npub struct ClickTable;\n"),
                ("store/mod.rs", "mod model;\npub use model::*;\nuse crate::clicks::ClickTable;\npub struct Store;\n"),
                ("store/model.rs", "pub struct ClickRecord;\n"),
            ],
        );
        let report = check(&dir).unwrap();
        assert_eq!(report.modules, 4);
        assert_eq!(report.cycles.len(), 0, "{:?}", report.cycles);
        // Through the re-export, `crate::store::ClickRecord` is `store::model`'s: no cycle yet.
        // Now the model takes the table back.
        std::fs::write(
            dir.join("src/store/model.rs"),
            "pub struct ClickRecord(crate::clicks::ClickTable);\n",
        )
        .unwrap();
        let report = check(&dir).unwrap();
        assert_eq!(report.cycles.len(), 1, "{:?}", report.cycles);
        let (members, edges) = &report.cycles[0];
        assert_eq!(members, &["clicks", "store::model"]);
        let sites: Vec<&str> = edges.iter().map(|e| e.site.as_str()).collect();
        assert_eq!(
            sites,
            [
                "src/clicks.rs:1 `crate::store::ClickRecord`",
                "src/store/model.rs:1 `crate::clicks::ClickTable`",
            ]
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_parent_that_uses_a_child_that_uses_it_is_a_cycle_but_a_facade_is_not() {
        let facade = crate_with(
            "facade",
            &[
                ("lib.rs", "mod sim;\npub use sim::Simulator;\n"),
                (
                    "sim/mod.rs",
                    "mod call;\npub use call::Answer;\npub struct Simulator;\n",
                ),
                (
                    "sim/call.rs",
                    "use super::Simulator;\npub struct Answer;\nimpl Simulator {}\n",
                ),
            ],
        );
        assert!(check(&facade).unwrap().cycles.is_empty());
        std::fs::write(
            facade.join("src/sim/mod.rs"),
            "mod call;\nuse call::Answer;\npub struct Simulator(Answer);\n",
        )
        .unwrap();
        let report = check(&facade).unwrap();
        assert_eq!(report.cycles.len(), 1);
        assert_eq!(report.cycles[0].0, ["sim", "sim::call"]);
        let _ = std::fs::remove_dir_all(facade);
    }

    #[test]
    fn test_code_and_inline_paths_count_as_they_should() {
        let dir = crate_with(
            "inline",
            &[
                ("lib.rs", "mod a;\nmod b;\n"),
                // A path in the code is an edge; one in a test module is not.
                ("a.rs", "pub fn f() { let _ = crate::b::g(); }\n"),
                (
                    "b.rs",
                    "pub fn g() {}\n#[cfg(test)]\nmod tests { fn t() { crate::a::f(); } }\n",
                ),
            ],
        );
        let report = check(&dir).unwrap();
        assert_eq!(report.edges, 1);
        assert!(report.cycles.is_empty());
        std::fs::write(dir.join("src/b.rs"), "pub fn g() { super::a::f() }\n").unwrap();
        assert_eq!(check(&dir).unwrap().cycles.len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_long_file_needs_its_reason_in_its_header() {
        let body = "fn f() {}\n".repeat(LONG + 1);
        let dir = crate_with(
            "long",
            &[
                ("lib.rs", "mod long;\nmod why;\n"),
                ("long.rs", &body),
                (
                    "why.rs",
                    &format!("//! One job.\n{WHY_LONG} a table.\n{body}"),
                ),
            ],
        );
        let report = check(&dir).unwrap();
        assert_eq!(report.long, [("src/long.rs".to_string(), LONG + 1)]);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The crates laid out by job hold: no cycle, no long file without its reason.
    #[test]
    fn the_simulator_and_the_cli_are_layered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for dir in default_crates(root) {
            let report = check(&dir).unwrap();
            assert!(report.modules > 5, "{}: {report:?}", dir.display());
            assert!(
                report.cycles.is_empty(),
                "{}: {:#?}",
                dir.display(),
                report.cycles
            );
            assert!(
                report.long.is_empty(),
                "{}: {:?}",
                dir.display(),
                report.long
            );
        }
    }
}
