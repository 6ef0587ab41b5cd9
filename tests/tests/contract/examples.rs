//! The spec's own response examples and the recorded responses (`tests/recorded/`) hold the
//! spec and decode through the SDK, and every optional response field is omitted by at least one
//! recording, so that a spec change servers would not follow (an omitted field made required)
//! fails here, naming the operation and the field.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use cake_contract_tests::{
    harness::{report, response_problems, Harness},
    ops::Spec,
    params::valid_params,
    target::{Answer, MockTarget},
};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};
use serde_json::Value;

fn recorded_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("recorded")
}

/// Every recording: (operation id, file name, status, body).
fn recordings() -> Vec<(String, String, u16, Value)> {
    let mut out = Vec::new();
    let dirs = std::fs::read_dir(recorded_dir()).expect("tests/recorded exists");
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        let op = dir.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(dir.path())
            .expect("a readable folder")
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(file.path()).expect("a readable file");
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{op}/{name}: not JSON: {e}"));
            let status =
                v.get("status")
                    .and_then(Value::as_u64)
                    .unwrap_or_else(|| panic!("{op}/{name}: no status")) as u16;
            let body = v
                .get("body")
                .cloned()
                .unwrap_or_else(|| panic!("{op}/{name}: no body"));
            out.push((op.clone(), name, status, body));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// The spec's response examples: (operation id, status, example).
fn spec_examples(spec: &Spec) -> Vec<(String, u16, Value)> {
    let mut out = Vec::new();
    for op in &spec.operations {
        let Some(responses) = spec
            .json
            .pointer(&format!(
                "/paths/{}/{}/responses",
                op.path.replace('~', "~0").replace('/', "~1"),
                op.method.to_lowercase()
            ))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (status, r) in responses {
            let r = match r.get("$ref").and_then(Value::as_str) {
                Some(reference) => cake_contract_tests::schema::resolve(&spec.json, reference)
                    .cloned()
                    .unwrap_or(Value::Null),
                None => r.clone(),
            };
            if let Some(example) = r.pointer("/content/application~1json/example") {
                let code = status
                    .parse::<u16>()
                    .unwrap_or_else(|_| status[..1].parse::<u16>().unwrap_or(5) * 100);
                out.push((op.id.clone(), code, example.clone()));
            }
        }
    }
    out
}

fn serve_and_check(
    h: &Harness,
    op_id: &str,
    what: &str,
    status: u16,
    body: &Value,
) -> Option<String> {
    let Some(op) = h.spec.operation(op_id) else {
        return Some(format!("{what}: no operation {op_id} in the spec"));
    };
    let mut runner = TestRunner::deterministic();
    let params = valid_params(op)
        .new_tree(&mut runner)
        .expect("a value")
        .current();
    let answer = Answer::json(status, body);
    let x = match h.exchange(&MockTarget, op, &params, answer.clone()) {
        Ok(x) => x,
        Err(e) => return Some(format!("{what}: {e}")),
    };
    let problems = response_problems(&h.spec, op, &answer, &x.dispatched);
    (!problems.is_empty()).then(|| format!("{what}: {}", report(op, &problems, &x)))
}

#[test]
fn the_spec_response_examples_hold_the_spec_and_decode() {
    let h = Harness::new().unwrap();
    let examples = spec_examples(&h.spec);
    assert!(!examples.is_empty(), "the spec has no response examples");
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|(op, status, body)| {
            serve_and_check(
                &h,
                op,
                &format!("the spec's example for {op} {status}"),
                *status,
                body,
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn recorded_responses_hold_the_spec_and_decode() {
    let h = Harness::new().unwrap();
    let all = recordings();
    assert!(!all.is_empty(), "no recordings in tests/recorded");
    let failures: Vec<String> = all
        .iter()
        .filter_map(|(op, name, status, body)| {
            serve_and_check(
                &h,
                op,
                &format!("recorded response tests/recorded/{op}/{name}"),
                *status,
                body,
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Optional properties of every component reachable from `schema`: "Component.property".
fn optional_properties(
    spec: &Value,
    schema: &Value,
    component: &str,
    seen: &mut BTreeSet<String>,
    out: &mut BTreeSet<String>,
) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        if seen.insert(name.clone()) {
            if let Some(target) = cake_contract_tests::schema::resolve(spec, r) {
                optional_properties(spec, target, &name, seen, out);
            }
        }
        return;
    }
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (name, s) in props {
            if !required.contains(name.as_str()) {
                out.insert(format!("{component}.{name}"));
            }
            optional_properties(spec, s, component, seen, out);
        }
    }
    if let Some(items) = schema.get("items") {
        optional_properties(spec, items, component, seen, out);
    }
}

/// Optional properties that `body` leaves out, as "Component.property".
fn omitted(
    spec: &Value,
    schema: &Value,
    component: &str,
    body: &Value,
    out: &mut BTreeSet<String>,
) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if let Some(target) = cake_contract_tests::schema::resolve(spec, r) {
            omitted(spec, target, r.rsplit('/').next().unwrap_or(r), body, out);
        }
        return;
    }
    match body {
        Value::Object(o) => {
            if let Some(Value::Object(props)) = schema.get("properties") {
                for (name, s) in props {
                    match o.get(name) {
                        None => {
                            out.insert(format!("{component}.{name}"));
                        }
                        Some(v) => omitted(spec, s, component, v, out),
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for item in items {
                    omitted(spec, s, component, item, out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_optional_response_field_is_omitted_by_some_recorded_response() {
    let spec = Spec::load().unwrap();
    let mut optional: BTreeMap<String, String> = BTreeMap::new();
    for op in &spec.operations {
        for r in &op.responses {
            let mut found = BTreeSet::new();
            optional_properties(
                &spec.json,
                &r.schema,
                "(inline)",
                &mut BTreeSet::new(),
                &mut found,
            );
            for f in found {
                optional
                    .entry(f)
                    .or_insert_with(|| format!("{} {}", op.id, r.status));
            }
        }
    }
    let mut left_out = BTreeSet::new();
    for (op_id, _, status, body) in recordings() {
        if let Some(r) = spec
            .operation(&op_id)
            .and_then(|op| op.response_for(status))
        {
            omitted(&spec.json, &r.schema, "(inline)", &body, &mut left_out);
        }
    }
    let unrecorded: Vec<String> = optional
        .iter()
        .filter(|(field, _)| !left_out.contains(*field))
        .map(|(field, op)| format!("{field} (in {op})"))
        .collect();
    assert!(
        unrecorded.is_empty(),
        "optional response fields that no recorded response omits; add a recording without each to tests/recorded/<operation_id>/: {}",
        unrecorded.join(", ")
    );
}
