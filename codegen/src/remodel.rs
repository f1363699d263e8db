//! Stage 4b, remodel: deliberate changes to the spec the client is generated
//! from, kept apart from `fix` (upstream bugs). The normalized spec stays what
//! Warp says; these change only what the generated code accepts, so the drift
//! snapshots show them:
//!
//! - every operation whose errors are the `Error` problem body decodes that body
//!   for *every* 4xx/5xx status (429, 502, 503 are declared almost nowhere);
//! - `Error` keeps extension members (`auth_url`, `provider`, ...), and every
//!   member is optional (as RFC 7807 has it), so a proxy's or a future
//!   server's problem body still decodes;
//! - a deprecated property is never required: the server may stop sending it.

use serde_json::{Value, json};

use crate::validate::operations;

const ERROR_REF: &str = "#/components/schemas/Error";

pub fn remodel(spec: &Value) -> Value {
    let mut spec = spec.clone();
    error_responses_for_every_status(&mut spec);
    if let Some(error) = spec
        .pointer_mut("/components/schemas/Error")
        .and_then(Value::as_object_mut)
    {
        // `{}` rather than `true`: typify then keeps them in a flattened `extra` map.
        error.insert("additionalProperties".into(), json!({}));
        error.remove("required");
    }
    if let Some(schemas) = spec.pointer_mut("/components/schemas") {
        deprecated_properties_are_optional(schemas);
    }
    spec
}

fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

/// Replaces the declared 4xx/5xx `Error` responses by `4XX` and `5XX` ranges.
fn error_responses_for_every_status(spec: &mut Value) {
    let targets: Vec<String> = operations(spec)
        .into_iter()
        .filter(|op| {
            let responses = op.value["responses"].as_object();
            responses.into_iter().flatten().all(|(code, response)| {
                !is_error_status(code)
                    || response.pointer("/content/application~1json/schema/$ref")
                        == Some(&Value::from(ERROR_REF))
            })
        })
        .map(|op| format!("{}/responses", op.pointer))
        .collect();
    for pointer in targets {
        let Some(responses) = spec.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        responses.retain(|code, _| !is_error_status(code));
        for (range, description) in [
            ("4XX", "Client error (RFC 7807 problem details)"),
            ("5XX", "Server error (RFC 7807 problem details)"),
        ] {
            responses.insert(
                range.into(),
                json!({
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}
                }),
            );
        }
    }
}

/// Drops deprecated properties from `required`, in every schema object at any depth.
fn deprecated_properties_are_optional(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let deprecated: Vec<String> = map
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(_, p)| p.get("deprecated") == Some(&Value::Bool(true)))
                .map(|(name, _)| name.clone())
                .collect();
            if let Some(Value::Array(required)) = map.get_mut("required") {
                required.retain(|r| {
                    !r.as_str()
                        .is_some_and(|r| deprecated.iter().any(|d| d == r))
                });
            }
            map.values_mut()
                .for_each(deprecated_properties_are_optional);
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(deprecated_properties_are_optional),
        _ => {}
    }
}
