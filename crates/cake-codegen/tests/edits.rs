//! Every valid edit a spec editor may make to `spec/cake.yaml` that once stopped the build
//! (issue 16), made alone on the workspace's spec, still generates the SDK, with the Rust name
//! each new thing gets; and a document the generator cannot turn into an SDK is an error that
//! names the place, never a panic. (`hostile-sdk` compiles and runs all of them at once.)

use serde_json::{json, Value};

fn spec() -> Value {
    serde_yaml_ng::from_str(cake_openapi::YAML).unwrap()
}

fn offer_report(spec: &mut Value) -> &mut Value {
    &mut spec["paths"]["/api/2/report/offer.json"]["get"]
}

fn add_param(spec: &mut Value, param: Value) {
    offer_report(spec)["parameters"]
        .as_array_mut()
        .unwrap()
        .push(param);
}

/// An edit of the spec.
type Edit = Box<dyn Fn(&mut Value)>;

fn generate(spec: &Value) -> Result<String, cake_codegen::Error> {
    cake_codegen::generate(&serde_json::to_string(spec).unwrap())
}

#[test]
fn each_hostile_edit_alone_generates_the_sdk() {
    let mut edits: Vec<(&str, Edit, &str)> = vec![(
        "a new operation with a camelCase operationId",
        Box::new(|s| {
            let mut copy = offer_report(s).clone();
            copy["operationId"] = json!("getOfferReportCopy");
            s["paths"]["/api/2/report/offer2.json"] = json!({ "get": copy });
        }),
        "pub fn get_offer_report_copy(&self) -> builder::GetOfferReportCopy<'_>",
    )];
    for name in [
        "url", "request", "response", "result", "client", "query", "body",
    ] {
        edits.push((
            name,
            Box::new(move |s| {
                add_param(
                    s,
                    json!({"name": name, "in": "query", "schema": {"type": "string", "maxLength": 200}}),
                )
            }),
            // The setter of the Offer Report's builder, by the parameter's own name.
            match name {
                "url" => "pub fn url<V>(mut self, value: V) -> Self",
                "request" => "pub fn request<V>(mut self, value: V) -> Self",
                "response" => "pub fn response<V>(mut self, value: V) -> Self",
                "result" => "pub fn result<V>(mut self, value: V) -> Self",
                "client" => "pub fn client<V>(mut self, value: V) -> Self",
                "query" => "pub fn query<V>(mut self, value: V) -> Self",
                _ => "pub fn body<V>(mut self, value: V) -> Self",
            },
        ));
    }
    edits.extend::<Vec<(&str, Edit, &str)>>(vec![
        (
            "a Rust keyword",
            Box::new(|s| add_param(s, json!({"name": "type", "in": "query", "schema": {"type": "string"}}))),
            "pub fn type_<V>(mut self, value: V) -> Self",
        ),
        (
            "camelCase names with an enum default",
            Box::new(|s| {
                add_param(
                    s,
                    json!({"name": "sortOrder", "in": "query",
                           "schema": {"type": "string", "enum": ["asc", "desc"], "default": "asc"}}),
                );
                add_param(
                    s,
                    json!({"name": "supportsAllDrives", "in": "query",
                           "schema": {"type": "boolean", "default": false}}),
                );
            }),
            "pub sort_order: types::GetOfferReportSortOrder,",
        ),
        (
            "a header parameter",
            Box::new(|s| {
                add_param(
                    s,
                    json!({"name": "X-Request-Source", "in": "header", "schema": {"type": "string"}}),
                )
            }),
            "pub fn x_request_source<V>(mut self, value: V) -> Self",
        ),
        (
            "a path parameter",
            Box::new(|s| {
                let mut op = offer_report(s).clone();
                op["operationId"] = json!("get_offer");
                op["parameters"] = json!([{"name": "offerId", "in": "path", "required": true,
                    "schema": {"$ref": "#/components/schemas/Id"}}]);
                op.as_object_mut().unwrap().remove("x-cake-paging");
                op.as_object_mut().unwrap().remove("x-cake-date-range");
                s["paths"]["/api/2/offers/{offerId}.json"] = json!({ "get": op });
            }),
            "Location::Path",
        ),
        (
            "a required int64",
            Box::new(|s| {
                add_param(
                    s,
                    json!({"name": "big", "in": "query", "required": true,
                           "schema": {"type": "integer", "format": "int64"}}),
                )
            }),
            "V: ::std::convert::TryInto<i64>,",
        ),
        (
            "a new GET operation whose 200 schema is inline",
            Box::new(|s| {
                s["paths"]["/api/2/ping.json"] = json!({"get": {
                    "operationId": "ping",
                    "responses": {"200": {"description": "pong", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["pong"],
                                   "properties": {"pong": {"type": "boolean"},
                                                  "amount": {"type": "number", "format": "decimal"}}}}}}}}});
            }),
            "pub amount: ::std::option::Option<::cake_client::Money>,",
        ),
    ]);
    for (what, edit, shows) in edits {
        let mut s = spec();
        edit(&mut s);
        let code = generate(&s).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            code.contains(shows),
            "{what}: the generated code has no `{shows}`"
        );
    }
}

/// What the spec deprecates is `#[deprecated]` in the SDK, its sunset in the note: a
/// parameter's setter, an operation's method.
#[test]
fn a_deprecated_parameter_or_operation_is_deprecated_in_rust() {
    let mut s = spec();
    let params = offer_report(&mut s)["parameters"].as_array_mut().unwrap();
    let vertical = params
        .iter_mut()
        .find(|p| p["name"] == "vertical_id")
        .unwrap();
    vertical["deprecated"] = json!(true);
    vertical["x-sunset"] = json!("2027-06-30");
    s["paths"]["/api/2/click.json"]["get"]["deprecated"] = json!(true);
    let code = generate(&s).unwrap();
    let setter = "#[deprecated(\n            note = \"the spec deprecates this parameter: it goes on 2027-06-30 (its sunset)\"\n        )]\n        pub fn vertical_id<V>";
    assert!(
        code.contains(setter),
        "no deprecated setter in:\n{}",
        &code[code
            .find("pub fn vertical_id")
            .unwrap_or(0)
            .saturating_sub(400)..][..800.min(code.len())]
    );
    assert!(
        code.contains("#[deprecated(note = \"the spec deprecates this operation\")]\n    pub fn get_click(&self)"),
        "no deprecated method"
    );
    let mut bad = spec();
    offer_report(&mut bad)["x-sunset"] = json!("2027-06-30");
    let e = generate(&bad).unwrap_err().to_string();
    assert!(
        e.contains("x-sunset 2027-06-30 on something not deprecated"),
        "{e}"
    );
}

#[test]
fn what_cannot_be_an_sdk_is_an_error_naming_its_place() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|s| {
                add_param(
                    s,
                    json!({"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}}),
                )
            }),
            "get_offer_report: ids: a parameter of type array is not supported",
        ),
        (
            Box::new(|s| {
                offer_report(s)["x-cake-paging"]["limit"] = json!("sort_descending");
            }),
            "get_offer_report: x-cake-paging limit sort_descending needs an integer maximum",
        ),
        (
            Box::new(|s| {
                offer_report(s)["x-cake-paging"]["rows"] = json!("/response/data/nowhere");
            }),
            "get_offer_report: x-cake-paging rows /response/data/nowhere: OfferReportData has no property nowhere",
        ),
        (
            Box::new(|s| {
                s["paths"]["/api/2/click.json"]["get"]
                    .as_object_mut()
                    .unwrap()
                    .remove("operationId");
            }),
            "GET /api/2/click.json: no operationId",
        ),
    ];
    for (edit, says) in cases {
        let mut s = spec();
        edit(&mut s);
        let e = generate(&s).expect_err(says);
        assert!(e.to_string().contains(says), "{e}");
    }
}
