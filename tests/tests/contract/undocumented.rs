//! Properties the schemas do not name are information, not failures: the spec admits them and
//! the SDK ignores them by design, so a target that adds one (a live CAKE with a new field, a
//! spec-driven mock server in its dynamic mode) has not broken the contract. The round trip
//! compares what the schemas name; the rest is listed per operation and JSON pointer, and fails
//! only with strict fields (`CAKE_CONTRACT_STRICT_FIELDS=1`).

use std::collections::BTreeMap;

use cake_contract_tests::{
    bodies::{body_strategy, named_only},
    harness::{response_problems_with, undocumented_properties, Harness},
    params::anchored_params,
    target::{Answer, BoxFuture, CapturedRequest, Target},
};
use proptest::{prelude::*, strategy::Union};
use serde_json::{json, Value};

/// The name of the property the target adds to every object of its answers.
const ADDED: &str = "cake_added/field~";

/// httpmock as CAKE, adding a property the spec does not name to every object of every answer.
struct AddsFields;

fn add_everywhere(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(add_everywhere);
            map.insert(ADDED.into(), json!("not in the spec"));
        }
        Value::Array(items) => items.iter_mut().for_each(add_everywhere),
        _ => {}
    }
}

impl Target for AddsFields {
    fn name(&self) -> String {
        "httpmock adding undocumented properties".into()
    }

    fn allows_writes(&self) -> bool {
        true
    }

    fn serves_generated(&self) -> bool {
        // Its answers are not the generated ones: the harness asks it for each.
        false
    }

    fn answer<'a>(
        &'a self,
        _: &'a CapturedRequest,
        generated: Answer,
    ) -> BoxFuture<'a, Result<Answer, String>> {
        Box::pin(async move {
            let mut body: Value =
                serde_json::from_slice(&generated.body).map_err(|e| e.to_string())?;
            add_everywhere(&mut body);
            Ok(Answer::json(generated.status, &body))
        })
    }

    fn default_cases(&self) -> u32 {
        64
    }
}

#[test]
fn named_only_keeps_what_the_schema_names_and_lists_the_rest() {
    let spec = json!({"components": {"schemas": {
        "Row": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "Page": {"type": "object", "properties": {
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}}
        }}
    }}});
    let schema = json!({"$ref": "#/components/schemas/Page"});
    let served = json!({
        "rows": [{"id": 1, "new": true}, {"id": 2, "new": false, "a/b": 0}],
        "tags": {"any": "kept"},
        "total": 2
    });
    let (named, unnamed) = named_only(&spec, &schema, &served);
    assert_eq!(
        named,
        json!({"rows": [{"id": 1}, {"id": 2}], "tags": {"any": "kept"}})
    );
    // One pointer per property, array rows as `*`, `/` escaped.
    assert_eq!(unnamed, ["/rows/*/a~1b", "/rows/*/new", "/total"]);
}

/// Every operation, answered with its generated success plus a property the spec does not name
/// in every object: the response contract holds, each such property is listed, and with strict
/// fields each is a failure naming its pointer.
#[test]
fn an_added_property_is_listed_and_fails_only_when_strict() {
    let h = Harness::new().unwrap();
    let target = AddsFields;
    let cases: Vec<BoxedStrategy<(usize, _, Value)>> = h
        .spec
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let success = op.success().expect("a success response");
            let body = body_strategy(&h.spec.json, &success.schema).expect("a body strategy");
            (anchored_params(op, Vec::new()), body)
                .prop_map(move |(params, body)| (i, params, body.0))
                .boxed()
        })
        .collect();
    let seen: std::sync::Mutex<BTreeMap<String, Vec<String>>> = Default::default();
    h.run(
        "undocumented properties",
        &target,
        Union::new(cases),
        |(i, params, body)| {
            let op = &h.spec.operations[i];
            let status = op
                .success()
                .and_then(|r| r.status.examples().first().copied())
                .unwrap_or(200);
            let x = h
                .exchange(&target, op, &params, Answer::json(status, &body))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let Some(answer) = &x.answer else {
                return Err(TestCaseError::fail("nothing was sent"));
            };
            let lenient = response_problems_with(&h.spec, op, answer, &x.dispatched, false);
            prop_assert!(lenient.is_empty(), "{}: {lenient:?}", op.id);
            let unnamed = undocumented_properties(&h.spec, op, answer);
            let top = format!("/{}", ADDED.replace('~', "~0").replace('/', "~1"));
            prop_assert!(unnamed.contains(&top), "{}: {unnamed:?}", op.id);
            let strict = response_problems_with(&h.spec, op, answer, &x.dispatched, true);
            prop_assert_eq!(strict.len(), unnamed.len(), "{}: {:?}", op.id, strict);
            prop_assert!(strict.iter().all(|p| p.contains("does not name")));
            if let Ok(mut seen) = seen.lock() {
                seen.entry(op.id.clone()).or_default().extend(unnamed);
            }
            Ok(())
        },
    );
    // Every operation was answered, and the nested objects' additions were found too.
    let seen = seen.into_inner().unwrap_or_default();
    assert_eq!(seen.len(), h.spec.operations.len(), "{seen:?}");
    assert!(
        seen.values().flatten().any(|p| p.matches('/').count() > 2),
        "no nested addition listed: {seen:?}"
    );
}
