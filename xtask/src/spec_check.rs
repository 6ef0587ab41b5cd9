//! Checks of spec/cake.yaml beyond "it parses": what the SDK's generator and the rest of the
//! workspace rely on, and what keeps the document honest. Each problem names its place in the
//! document (`paths./api/2/click.json.get...`) and, for a parameter, the parameter. The last
//! check is the generator itself: a document it cannot make into the SDK fails here, with its
//! reason, before anything is built.

// `$ref`s are followed by the one rule, `cake_spec::refs`.
use cake_spec::{refs::deref, schema::violations};
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
            "openapi: {} (the SDK's generator reads 3.0.x only)",
            spec.openapi
        ));
    }
    problems.extend(cake_spec::refs::unresolved(&raw));
    // The model every reader of the spec uses (references, parameters, extensions), and the
    // SDK generated from it.
    match cake_spec::Document::from_yaml(text) {
        Err(e) => problems.push(e),
        Ok(_) => {
            if let Err(e) = cake_codegen::generate(text) {
                problems.push(format!("the SDK cannot be generated from it: {e}"));
            }
        }
    }

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
                "{place}: no operationId (the SDK names each operation by it)"
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
        if let Some(raw_op) = raw.pointer(&format!(
            "/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        )) {
            check_extensions(&raw, raw_op, &place, &mut problems);
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
    deprecations(&raw, "", &mut problems);
    problems
}

/// Every `x-sunset` in the document, wherever it is (an operation, a parameter, a property of
/// any schema), dates something `deprecated: true` and is a real day. The model reads those of
/// operations and parameters; this reaches the response fields and the rest.
fn deprecations(value: &Value, place: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key(cake_spec::extensions::SUNSET) {
                if let Err(e) = cake_spec::extensions::deprecation(value) {
                    problems.push(format!("{}: {e}", place.trim_start_matches('.')));
                }
            }
            for (key, item) in map {
                deprecations(item, &format!("{place}.{key}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                deprecations(item, &format!("{place}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// The schema at a JSON pointer into instances of `schema` (through properties and `$ref`s).
fn schema_at<'a>(root: &'a Value, schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut at = deref(root, schema)?;
    for segment in cake_spec::extensions::segments(pointer) {
        at = deref(root, at.get("properties")?.get(&segment)?)?;
    }
    Some(at)
}

/// The operation's `x-cake-` extensions: each one is described in `info.description`, and what
/// each names exists with the shape it needs (see `cake_spec::extensions`).
fn check_extensions(root: &Value, op: &Value, place: &str, problems: &mut Vec<String>) {
    use cake_spec::extensions::{date_range, paging, DATE_RANGE, PAGING};
    let described = root
        .pointer("/info/description")
        .and_then(Value::as_str)
        .unwrap_or("");
    for key in op.as_object().into_iter().flat_map(|o| o.keys()) {
        if key.starts_with("x-") && !described.contains(&format!("`{key}`")) {
            problems.push(format!(
                "{place}: {key} is not described in info.description"
            ));
        }
        if key.starts_with("x-cake-")
            && !cake_spec::extensions::OPERATION_EXTENSIONS.contains(&key.as_str())
        {
            problems.push(format!(
                "{place}: {key} is no extension the workspace reads ({})",
                cake_spec::extensions::OPERATION_EXTENSIONS.join(", ")
            ));
        }
    }
    let params: Vec<&Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| deref_param(root, p))
        .collect();
    let param_schema = |name: &str| {
        params
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|p| p.get("schema"))
            .and_then(|s| deref(root, s))
    };
    match paging(op.get(PAGING)) {
        Err(e) => problems.push(format!("{place}: {e}")),
        Ok(None) => {}
        Ok(Some(p)) => {
            match param_schema(&p.offset) {
                Some(s) if s.get("type") == Some(&json!("integer")) => {
                    if s.get("minimum").and_then(Value::as_u64) != Some(p.first_row) {
                        problems.push(format!(
                            "{place}: {PAGING} firstRow {} is not the minimum of {}",
                            p.first_row, p.offset
                        ));
                    }
                }
                _ => problems.push(format!(
                    "{place}: {PAGING} offset {} is not an integer parameter",
                    p.offset
                )),
            }
            match param_schema(&p.limit) {
                Some(s)
                    if s.get("type") == Some(&json!("integer")) && s.get("maximum").is_some() => {}
                _ => problems.push(format!(
                    "{place}: {PAGING} limit {} is not an integer parameter with a maximum",
                    p.limit
                )),
            }
            let body = op.pointer("/responses/200/content/application~1json/schema");
            let rows = body.and_then(|b| schema_at(root, b, &p.rows));
            match rows {
                Some(r) if r.get("type") == Some(&json!("array")) => {
                    if let Some(item) = &p.row_item {
                        let found = r.get("items").and_then(|i| schema_at(root, i, item));
                        if found.is_none() {
                            problems.push(format!(
                                "{place}: {PAGING} rowItem {item} is not in the rows' items"
                            ));
                        }
                    }
                }
                _ => problems.push(format!(
                    "{place}: {PAGING} rows {} is not an array in the 200 body",
                    p.rows
                )),
            }
            if let Some(total) = &p.total {
                let found = body.and_then(|b| schema_at(root, b, total));
                if found.and_then(|t| t.get("type")) != Some(&json!("integer")) {
                    problems.push(format!(
                        "{place}: {PAGING} total {total} is not an integer in the 200 body"
                    ));
                }
            }
        }
    }
    match date_range(op.get(DATE_RANGE)) {
        Err(e) => problems.push(format!("{place}: {e}")),
        Ok(None) => {}
        Ok(Some(r)) => {
            for name in [&r.start, &r.end] {
                let date =
                    param_schema(name).is_some_and(|s| s.get("format") == Some(&json!("date")));
                if !date {
                    problems.push(format!(
                        "{place}: {DATE_RANGE} names {name}, which is not a date parameter"
                    ));
                }
            }
        }
    }
}

fn deref_param<'a>(root: &'a Value, param: &'a Value) -> Option<&'a Value> {
    deref(root, param)
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
    fn extensions_that_name_nothing_real_are_caught() {
        let cases = [
            (
                "rows: /response/data/offers",
                "rows: /response/data/offerz",
                "rows /response/data/offerz is not an array",
            ),
            (
                "total: /response/total_rows",
                "total: /response/clicks",
                "total /response/clicks is not an integer",
            ),
            (
                "firstRow: 0",
                "firstRow: 1",
                "firstRow 1 is not the minimum of start_at_row",
            ),
            (
                "rowItem: /conversion",
                "rowItem: /conversation",
                "rowItem /conversation is not in the rows' items",
            ),
            (
                "limit: row_limit\n        rows: /response/clicks",
                "limit: click_id\n        rows: /response/clicks",
                "limit click_id is not an integer parameter with a maximum",
            ),
            (
                "x-cake-date-range: {start: start_date, end: end_date}\n      tags: [clicks]",
                "x-cake-date-range: {start: start_date, end: click_id}\n      tags: [clicks]",
                "names click_id, which is not a date parameter",
            ),
            (
                "x-cake-creates-data: true",
                "x-cake-creates-data: true\n      x-cake-undescribed: 1",
                "x-cake-undescribed is not described",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(spec().contains(from), "the spec has {from:?}");
            let problems = check(&spec().replacen(from, to, 1)).join("\n");
            assert!(problems.contains(expected), "{to}: {problems}");
        }
    }

    #[test]
    fn a_sunset_anywhere_dates_something_deprecated_and_is_a_day() {
        let field = "        offer_name: {type: string}\n";
        assert!(spec().contains(field));
        let with = |props: &str| {
            spec().replacen(
                field,
                &format!("        offer_name: {{type: string, {props}}}\n"),
                1,
            )
        };
        assert_eq!(
            check(&with("deprecated: true, x-sunset: '2027-06-30'")),
            Vec::<String>::new()
        );
        for (props, says) in [
            (
                "deprecated: true, x-sunset: '2027-02-30'",
                "must be a day YYYY-MM-DD, got \"2027-02-30\"",
            ),
            (
                "x-sunset: '2027-06-30'",
                "x-sunset 2027-06-30 on something not deprecated",
            ),
        ] {
            let problems = check(&with(props)).join("\n");
            assert!(
                problems
                    .contains("components.schemas.OfferReportRow.properties.offer_name: x-sunset"),
                "{props}: {problems}"
            );
            assert!(problems.contains(says), "{props}: {problems}");
        }
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
