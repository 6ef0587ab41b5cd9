//! Checks of spec/cake.yaml beyond "it parses": what progenitor and the rest of the workspace
//! rely on, and what keeps the document honest. Each problem names its place in the document
//! (`paths./api/2/click.json.get...`) and, for a parameter, the parameter.

use cake_spec::schema::{resolve, violations};
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr};
use serde_json::{json, Value};

/// Every problem found, empty when the spec is sound.
pub fn check(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let raw: Value = match serde_yaml_ng::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let spec: OpenAPI = match serde_yaml_ng::from_str(text) {
        Ok(s) => s,
        Err(e) => return vec![format!("not an OpenAPI 3.0 document: {e}")],
    };
    if !spec.openapi.starts_with("3.0.") {
        problems.push(format!(
            "openapi: {} (progenitor accepts 3.0.x only)",
            spec.openapi
        ));
    }
    check_refs(&raw, &raw, "", &mut problems);

    let declared_tags: Vec<&str> = spec.tags.iter().map(|t| t.name.as_str()).collect();
    let mut ids = Vec::new();
    for (path, method, op) in spec.operations() {
        let place = format!("paths.{path}.{method}");
        match &op.operation_id {
            Some(id) if ids.contains(id) => {
                problems.push(format!("{place}: operationId {id} is used twice"))
            }
            Some(id) => ids.push(id.clone()),
            None => problems.push(format!(
                "{place}: no operationId (progenitor needs one on every operation)"
            )),
        }
        if op.tags.is_empty() {
            problems.push(format!("{place}: no tag"));
        }
        for tag in &op.tags {
            if !declared_tags.contains(&tag.as_str()) {
                problems.push(format!("{place}: tag {tag} is not declared under `tags`"));
            }
        }
        if op.summary.as_deref().unwrap_or("").trim().is_empty() {
            problems.push(format!("{place}: no summary"));
        }
        if op.description.as_deref().unwrap_or("").trim().is_empty() {
            problems.push(format!("{place}: no description"));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let p = match p {
                ReferenceOr::Item(p) => p,
                ReferenceOr::Reference { reference } => {
                    let name = reference.trim_start_matches("#/components/parameters/");
                    match spec
                        .components
                        .as_ref()
                        .and_then(|c| c.parameters.get(name))
                    {
                        Some(ReferenceOr::Item(p)) => p,
                        _ => continue, // reported by check_refs
                    }
                }
            };
            let data = p.parameter_data_ref();
            let pplace = format!("{place}.parameters[{i}] ({})", data.name);
            if !matches!(p, Parameter::Query { .. }) {
                problems.push(format!("{pplace}: CAKE takes query parameters only"));
            }
            if data.description.as_deref().unwrap_or("").trim().is_empty() {
                problems.push(format!("{pplace}: no description"));
            }
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                problems.push(format!("{pplace}: no schema"));
                continue;
            };
            let schema = serde_json::to_value(schema).expect("a schema serializes");
            if let Some(example) = &data.example {
                for v in violations(&raw, &schema, example) {
                    problems.push(format!(
                        "{pplace}: example {example} breaks the parameter's schema: {v}"
                    ));
                }
            }
        }
        for (status, response) in &op.responses.responses {
            let ReferenceOr::Item(response) = response else {
                continue;
            };
            for (media_type, media) in &response.content {
                let Some(schema) = &media.schema else {
                    problems.push(format!(
                        "{place}.responses.{status}.content.{media_type}: no schema"
                    ));
                    continue;
                };
                let schema = serde_json::to_value(schema).expect("a schema serializes");
                if let Some(example) = &media.example {
                    for v in violations(&raw, &schema, example) {
                        problems.push(format!(
                            "{place}.responses.{status}.content.{media_type}.example: {v}"
                        ));
                    }
                }
            }
        }
    }
    if let Some(responses) = raw
        .pointer("/components/responses")
        .and_then(Value::as_object)
    {
        for (name, response) in responses {
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media_type, media) in content {
                    if let (Some(schema), Some(example)) =
                        (media.get("schema"), media.get("example"))
                    {
                        for v in violations(&raw, schema, example) {
                            problems.push(format!(
                                "components.responses.{name}.content.{media_type}.example: {v}"
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(schemas) = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            if let Some(example) = schema.get("example") {
                let by_ref = json!({ "$ref": format!("#/components/schemas/{name}") });
                for v in violations(&raw, &by_ref, example) {
                    problems.push(format!("components.schemas.{name}.example: {v}"));
                }
            }
        }
    }
    problems
}

/// Every `$ref` resolves inside the document.
fn check_refs(root: &Value, node: &Value, place: &str, problems: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if !r.starts_with("#/") {
                    problems.push(format!("{place}: $ref {r} points outside this document"));
                } else if resolve(root, r).is_none() {
                    problems.push(format!("{place}: $ref {r} does not resolve"));
                }
            }
            for (k, v) in map {
                check_refs(
                    root,
                    v,
                    format!("{place}.{k}").trim_start_matches('.'),
                    problems,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(root, v, &format!("{place}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    fn spec() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/cake.yaml")).unwrap()
    }

    #[test]
    fn the_spec_is_sound() {
        assert_eq!(check(&spec()), Vec::<String>::new());
    }

    #[test]
    fn a_missing_operation_id_is_named_with_its_path() {
        let broken = spec().replacen("      operationId: get_click\n", "", 1);
        let problems = check(&broken).join("\n");
        assert!(
            problems.contains("paths./api/2/click.json.get: no operationId"),
            "{problems}"
        );
    }

    #[test]
    fn a_broken_example_is_named_with_its_place_and_field() {
        let broken = spec().replacen(
            "click_date: '2026-01-15 09:42:11'",
            "click_date: '2026-01-15T09:42:11Z'",
            1,
        );
        let problems = check(&broken).join("\n");
        assert!(
            problems.contains("paths./api/2/click.json.get.responses.200.content.application/json.example: /response/clicks/0/click_date"),
            "{problems}"
        );
    }

    #[test]
    fn a_money_example_written_as_a_string_is_caught() {
        let broken = spec().replacen("epc: 0.667", "epc: '0.667'", 1);
        let problems = check(&broken).join("\n");
        assert!(
            problems.contains("/response/data/offers/0/epc"),
            "{problems}"
        );
    }

    #[test]
    fn a_parameter_example_out_of_bounds_names_the_parameter() {
        let broken = spec().replacen("          example: 50\n", "          example: 50000\n", 1);
        let problems = check(&broken).join("\n");
        assert!(
            problems.contains("(row_limit): example 50000"),
            "{problems}"
        );
    }

    #[test]
    fn a_dangling_ref_is_caught() {
        let broken = spec().replacen(
            "$ref: '#/components/schemas/Click'",
            "$ref: '#/components/schemas/Clik'",
            1,
        );
        let problems = check(&broken).join("\n");
        assert!(
            problems.contains("#/components/schemas/Clik does not resolve"),
            "{problems}"
        );
    }
}
