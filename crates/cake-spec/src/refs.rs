//! `$ref`s, followed in one place: what a local reference (`#/components/...`) points to, and a
//! schema with every reference replaced by its target. Every reader of the spec in the workspace
//! (the parameters, the document model, the JSON Schema conversion, `cargo xtask spec-diff`, the
//! contract suite's generators) follows references through here.

use serde_json::{Map, Value};

/// What `reference` (`#/components/...`, a local JSON pointer) points to in `spec`.
pub fn resolve<'a>(spec: &'a Value, reference: &str) -> Option<&'a Value> {
    spec.pointer(reference.strip_prefix('#')?)
}

/// `value` itself, or what it refers to when it is a `{"$ref": ...}` (followed until it is not),
/// or `None` when a reference does not resolve or the references go round in a cycle.
pub fn deref<'a>(spec: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => value = resolve(spec, reference)?,
            None => return Some(value),
        }
    }
    None
}

/// The schema with every `$ref` replaced by what it points to; keywords beside a `$ref` win over
/// its target's. The spec's schemas are not recursive: a cycle is an error, not an overflow.
pub fn inline_refs(spec: &Value, schema: &Value) -> Result<Value, String> {
    fn go(spec: &Value, schema: &Value, depth: usize) -> Result<Value, String> {
        if depth > 32 {
            return Err("a $ref cycle".into());
        }
        match schema {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let target = resolve(spec, r).ok_or_else(|| format!("{r} does not resolve"))?;
                    let mut inlined = go(spec, target, depth + 1)?;
                    if let Value::Object(out) = &mut inlined {
                        for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    return Ok(inlined);
                }
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), go(spec, v, depth + 1)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .iter()
                .map(|v| go(spec, v, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }
    go(spec, schema, 0)
}

/// Every `$ref` in `spec` that points outside the document or does not resolve in it, as
/// "place: why" (the place as a dotted path, `paths./api/2/click.json.get.parameters[0]`).
pub fn unresolved(spec: &Value) -> Vec<String> {
    fn walk(root: &Value, node: &Value, place: &str, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if !r.starts_with("#/") {
                        out.push(format!("{place}: $ref {r} points outside this document"));
                    } else if resolve(root, r).is_none() {
                        out.push(format!("{place}: $ref {r} does not resolve"));
                    }
                }
                for (k, v) in map {
                    walk(root, v, format!("{place}.{k}").trim_start_matches('.'), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(root, v, &format!("{place}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(spec, spec, "", &mut out);
    out
}

/// The name of the component a `#/components/schemas/NAME` reference names.
pub fn schema_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// One JSON pointer segment, escaped (`/` as `~1`, `~` as `~0`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer's segments (`/response/data/offers` → `response`, `data`, `offers`), with
/// `~1` and `~0` unescaped.
pub fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_followed_and_cycles_are_errors() {
        let spec = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string", "maxLength": 3},
            "Loop": {"$ref": "#/components/schemas/Loop"},
            "Holder": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B", "description": "mine"}}}
        }}});
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(
            deref(&spec, &a),
            Some(&json!({"type": "string", "maxLength": 3}))
        );
        assert_eq!(
            deref(&spec, &json!({"$ref": "#/components/schemas/Loop"})),
            None
        );
        assert_eq!(deref(&spec, &json!({"$ref": "#/nowhere"})), None);
        let holder = inline_refs(&spec, &json!({"$ref": "#/components/schemas/Holder"})).unwrap();
        assert_eq!(
            holder["properties"]["b"],
            json!({"type": "string", "maxLength": 3, "description": "mine"})
        );
        assert!(inline_refs(&spec, &json!({"$ref": "#/components/schemas/Loop"})).is_err());
        assert_eq!(schema_name("#/components/schemas/Money"), Some("Money"));
        let dangling =
            json!({"a": [{"$ref": "#/components/schemas/Nope"}], "b": {"$ref": "other.yaml#/X"}});
        assert_eq!(
            unresolved(&dangling),
            [
                "a[0]: $ref #/components/schemas/Nope does not resolve",
                "b: $ref other.yaml#/X points outside this document"
            ]
        );
        assert_eq!(escape("/api/2/x~y"), "~1api~12~1x~0y");
        assert_eq!(segments("/a~1b/c~0d"), ["a/b", "c~d"]);
    }
}
