//! The SDK's generated types agree with the spec's component schemas: what schemars says of each
//! type (property names, required properties, types, enums) is held against the spec, so a
//! mismatch between the generated code and the spec is caught.

use std::collections::{BTreeSet, VecDeque};

use cake_contract_tests::{
    harness::Harness,
    params::valid_params,
    target::{Answer, MockTarget},
};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};
use serde_json::{json, Map, Value};

const SPEC_REF: &str = "#/components/schemas/";
const DECLARED_REF: &str = "#/definitions/";

/// schemars' schema of a type, with `Option` (nullable) and `allOf` wrappers taken off.
fn unwrap_declared(v: &Value) -> Value {
    let Some(map) = v.as_object() else {
        return v.clone();
    };
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get(key) {
            let non_null: Vec<&Value> = options
                .iter()
                .filter(|o| **o != json!({"type": "null"}))
                .collect();
            if non_null.len() == 1 && non_null.len() < options.len() {
                return unwrap_declared(non_null[0]);
            }
        }
    }
    if let Some(Value::Array(all)) = map.get("allOf") {
        if all.len() == 1 {
            return unwrap_declared(&all[0]);
        }
    }
    let mut out = map.clone();
    // An optional field is `Option<T>`, which schemars declares nullable: the SDK accepts a null
    // where the spec lets the field be absent. Absent-or-null is not a contract difference.
    if let Some(Value::Array(types)) = out.get("type").cloned() {
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        if rest.len() == 1 {
            out.insert("type".into(), rest[0].clone());
        }
    }
    Value::Object(out)
}

fn ref_name<'a>(v: &'a Value, prefix: &str) -> Option<&'a str> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(prefix))
}

fn names(v: Option<&Value>) -> BTreeSet<String> {
    match v {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// Compares one spec schema with one declared schema; queues named components met on the way.
fn compare(
    spec: &Value,
    s: &Value,
    d: &Value,
    at: &str,
    queue: &mut VecDeque<(String, String)>,
    problems: &mut Vec<String>,
) {
    let d = unwrap_declared(d);
    match (ref_name(s, SPEC_REF), ref_name(&d, DECLARED_REF)) {
        (Some(sn), Some(dn)) => {
            if sn == dn {
                queue.push_back((sn.to_string(), format!("{at} ({sn})")));
            } else {
                problems.push(format!("{at}: the spec says {sn}, the SDK's type is {dn}"));
            }
            return;
        }
        (Some(sn), None) => {
            // A component the generator inlined (a newtype or a plain alias such as `Id`).
            let target = spec
                .pointer(&format!("/components/schemas/{sn}"))
                .cloned()
                .unwrap_or(Value::Null);
            return compare(spec, &target, &d, at, queue, problems);
        }
        _ => {}
    }
    let sty = s.get("type").and_then(Value::as_str).unwrap_or("");
    let dty = d.get("type").and_then(Value::as_str).unwrap_or("");
    let sformat = s.get("format").and_then(Value::as_str).unwrap_or("");
    match (sty, sformat, dty) {
        // schemars 0.8 describes `rust_decimal::Decimal` as a string with a digits pattern,
        // because that crate's default serde form is a string. The SDK puts
        // cake_client::money::json on every money field, so on the wire a Decimal is a JSON
        // number with exact digits: the spec's `number`/`decimal`. The wire form
        // itself is checked by the response contract (schema validation of re-encoded bodies).
        ("number", "decimal", "string") if d.get("pattern").is_some() => {}
        (s_ty, _, d_ty) if s_ty == d_ty => {}
        (s_ty, _, d_ty) => problems.push(format!(
            "{at}: the spec says type {s_ty:?} ({sformat}), the SDK's type is {d_ty:?}"
        )),
    }
    if sformat == "cake-date-time"
        && d.get("format").and_then(Value::as_str) != Some("cake-date-time")
    {
        problems.push(format!(
            "{at}: the spec says format cake-date-time, the SDK's type says {:?}",
            d.get("format")
        ));
    }
    // A response enum is open in the SDK (it keeps a value the spec does not list): its schema
    // is a plain string that carries the listed values under `x-cake-open-enum`.
    let declared_values = d.get("enum").or_else(|| d.get("x-cake-open-enum"));
    if s.get("enum").is_some() && names(s.get("enum")) != names(declared_values) {
        problems.push(format!(
            "{at}: enum {:?} in the spec, {:?} in the SDK",
            names(s.get("enum")),
            names(declared_values)
        ));
    }
    if sty == "object" {
        let (sp, dp) = (names(s.get("properties")), names(d.get("properties")));
        if sp != dp {
            problems.push(format!(
                "{at}: properties only in the spec {:?}, only in the SDK {:?}",
                sp.difference(&dp).collect::<Vec<_>>(),
                dp.difference(&sp).collect::<Vec<_>>()
            ));
        }
        let (sr, dr) = (names(s.get("required")), names(d.get("required")));
        if sr != dr {
            problems.push(format!(
                "{at}: required only in the spec {:?}, only in the SDK {:?}",
                sr.difference(&dr).collect::<Vec<_>>(),
                dr.difference(&sr).collect::<Vec<_>>()
            ));
        }
        let empty = Map::new();
        let sprops = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let dprops = d
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (name, ps) in sprops {
            if let Some(pd) = dprops.get(name) {
                compare(spec, ps, pd, &format!("{at}.{name}"), queue, problems);
            }
        }
    }
    if sty == "array" {
        if let (Some(si), Some(di)) = (s.get("items"), d.get("items")) {
            compare(spec, si, di, &format!("{at}[]"), queue, problems);
        }
    }
}

/// Compares a root spec schema with a root schemars schema, following every named component.
fn agree(spec: &Value, root: &Value, declared: &Value, what: &str) -> Vec<String> {
    let defs = declared.get("definitions").cloned().unwrap_or(json!({}));
    let mut problems = Vec::new();
    let mut queue = VecDeque::new();
    let mut done = BTreeSet::new();
    compare(spec, root, declared, what, &mut queue, &mut problems);
    while let Some((name, at)) = queue.pop_front() {
        if !done.insert(name.clone()) {
            continue;
        }
        let s = spec
            .pointer(&format!("/components/schemas/{name}"))
            .cloned()
            .unwrap_or(Value::Null);
        match defs.get(&name) {
            Some(d) => compare(spec, &s, d, &at, &mut queue, &mut problems),
            None => problems.push(format!("{at}: the SDK declares no type {name}")),
        }
    }
    problems
}

#[test]
fn the_sdks_response_types_agree_with_the_spec_schemas() {
    let h = Harness::new().unwrap();
    let mut runner = TestRunner::deterministic();
    let mut problems = Vec::new();
    for op in &h.spec.operations {
        let params = valid_params(op).new_tree(&mut runner).unwrap().current();
        let x = h
            .exchange(&MockTarget, op, &params, Answer::json(200, &json!({})))
            .unwrap_or_else(|e| panic!("{e}"));
        let declared = serde_json::to_value((x.dispatched.declared)()).unwrap();
        let success = op.success().expect("a success response");
        for p in agree(&h.spec.json, &success.schema, &declared, &op.id) {
            problems.push(format!("operation {}: {p}", op.id));
        }
    }
    let failure = serde_json::to_value(schemars::schema_for!(cake_client::types::Failure)).unwrap();
    for op in &h.spec.operations {
        for r in op.responses.iter().filter(|r| !r.status.is_success()) {
            for p in agree(
                &h.spec.json,
                &r.schema,
                &failure,
                &format!("{} {}", op.id, r.status),
            ) {
                problems.push(format!("operation {} (error body): {p}", op.id));
            }
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "the SDK's types and the spec disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_disagreement_is_caught() {
    // The comparison itself must find a difference: a required property the type lacks.
    let spec = json!({"components": {"schemas": {"T": {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}}}});
    let declared = json!({"$ref": "#/definitions/T", "definitions": {"T": {"type": "object", "properties": {"a": {"type": ["integer", "null"]}}}}});
    let problems = agree(
        &spec,
        &json!({"$ref": "#/components/schemas/T"}),
        &declared,
        "t",
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("required only in the spec") && p.contains("\"a\"")),
        "{problems:?}"
    );
}
