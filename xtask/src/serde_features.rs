//! Which features of serde_json and rust_decimal cake-client may turn on in a consumer's build.
//!
//! Cargo unifies features across a whole build: a feature the SDK enables is enabled for every
//! crate of the consumer that uses the same package. serde_json's `arbitrary_precision` changes
//! how every crate parses numbers (`#[serde(flatten)]` over `f64` and untagged enums with numbers
//! break), `preserve_order` how maps print, `float_roundtrip` how floats parse; rust_decimal's
//! `serde-float`, `serde-str`, `serde-arbitrary-precision`, ... change the wire form of every
//! Decimal in the build. So only the features below are allowed; anything else fails `cargo xtask
//! deps` with its name. This reads `cargo tree -e features` text and runs nothing itself.

/// The features cake-client's normal graph may enable, per package.
const ALLOWED: &[(&str, &[&str])] = &[
    ("serde_json", &["default", "std", "alloc", "raw_value"]),
    ("rust_decimal", &["default", "std", "serde"]),
];

/// Every feature of a watched package in `tree` (the output of `cargo tree -e features`) that is
/// not allowed, with what to do.
pub fn check(tree: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for line in tree.lines() {
        for (package, allowed) in ALLOWED {
            let marker = format!("{package} feature \"");
            let Some(at) = line.find(&marker) else {
                continue;
            };
            let feature = line[at + marker.len()..]
                .split('"')
                .next()
                .unwrap_or_default();
            let problem = format!(
                "{package}'s feature `{feature}` is enabled in cake-client's graph: it would change \
                 how every crate of a consumer's build handles JSON; keep it out (allowed: {})",
                allowed.join(", ")
            );
            if !allowed.contains(&feature) && !problems.contains(&problem) {
                problems.push(problem);
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_plain_features_pass() {
        let tree = "cake-client v0.1.0\n├── serde_json feature \"default\"\n│   └── serde_json feature \"std\"\n├── serde_json feature \"raw_value\"\n└── rust_decimal feature \"serde\"\n";
        assert_eq!(check(tree), Vec::<String>::new());
    }

    #[test]
    fn arbitrary_precision_and_decimal_float_serde_fail_by_name() {
        let tree = "├── serde_json feature \"arbitrary_precision\"\n│   └── rust_decimal feature \"serde-float\"\n├── serde_json feature \"arbitrary_precision\" (*)\n";
        let problems = check(tree);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("serde_json's feature `arbitrary_precision`"));
        assert!(problems[1].contains("rust_decimal's feature `serde-float`"));
    }

    #[test]
    fn preserve_order_fails_too() {
        assert_eq!(check("serde_json feature \"preserve_order\"").len(), 1);
    }
}
