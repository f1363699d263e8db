//! Spec stage 5 of 5, remodel: deliberate changes to the spec the client is generated
//! from, kept apart from `fix` (upstream bugs). The normalized spec stays what
//! Warp says; these change only what the generated code accepts, so the drift
//! snapshots show them:
//!
//! - every operation whose errors are the `Error` problem body decodes that body
//!   for *every* 4xx/5xx status (429, 502, 503 are declared almost nowhere);
//! - `Error` keeps extension members (`auth_url`, `provider`, ...), and every
//!   member is optional (as RFC 7807 has it), so a proxy's or a future
//!   server's problem body still decodes;
//! - a deprecated property is never required: the server may stop sending it;
//! - an optional query parameter with `style: deepObject` (a map sent as
//!   `name[key]=value`) is left out: progenitor rejects the whole spec for it.
//!   The operation's snapshot and regen's output name it (the model's `left_out`, from [`left_out`]);
//!   a required one is refused by `validate`;
//! - every discriminated `oneOf` becomes a named component whose variants are
//!   `$ref`s to named components, wherever it occurred (a property, array
//!   items, a body, a response) and whatever its variants were (inline
//!   objects or references). typify then always makes it the same shape, an
//!   untagged enum with one newtype variant per schema (a newtype struct when
//!   it has one variant), which `patch` extends with a catch-all variant.
//!   Without this, inline variants with constant tags become a closed
//!   internally tagged enum, and inline unions get names we cannot predict;
//! - every object keeps the members it does not know: `additionalProperties:
//!   {}` unless the spec says otherwise (typify's flattened `extra` map).

use std::collections::BTreeSet;

use heck::ToPascalCase;
use serde_json::{Value, json};

use crate::naming::{field_name, type_name};
use crate::spec::{
    deref, discriminator_tag, operations, parameters, pointer, schemas, tag_constant, typify_reads,
    unescape, walk_schemas,
};

/// The field typify gives the map of unknown members.
const EXTRA: &str = "extra";

const ERROR_REF: &str = "#/components/schemas/Error";

/// `keep_unknown` is off only to measure what keeping them costs.
pub fn remodel(spec: &Value, keep_unknown: bool) -> Value {
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
    name_discriminated_unions(&mut spec);
    drop_deep_object_parameters(&mut spec);
    if keep_unknown {
        keep_unknown_members(&mut spec);
    }
    rename_error_body(&mut spec);
    spec
}

/// The API's problem body is the component `Error`; the crate's own error
/// type is `oz_api::Error`. The body becomes `ApiProblem` (`types::ApiProblem`),
/// every `$ref` to it following, unless the spec already has an `ApiProblem`.
pub const ERROR_BODY: &str = "ApiProblem";

/// The Rust type name of the component schema `name` after remodel.
pub fn renamed(name: &str) -> &str {
    if name == "Error" { ERROR_BODY } else { name }
}

fn rename_error_body(spec: &mut Value) {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if schemas.contains_key(ERROR_BODY) {
        return;
    }
    let Some(body) = schemas.remove("Error") else {
        return;
    };
    schemas.insert(ERROR_BODY.into(), body);
    let target = json!(format!("#/components/schemas/{ERROR_BODY}"));
    rewrite_refs(spec, ERROR_REF, &target);
}

fn rewrite_refs(node: &mut Value, from: &str, to: &Value) {
    match node {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" && child.as_str() == Some(from) {
                    *child = to.clone();
                } else {
                    rewrite_refs(child, from, to);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_refs(item, from, to)),
        _ => {}
    }
}

/// Gives every object schema typify reads as a struct `additionalProperties:
/// {}` unless it says otherwise, so typify adds a flattened `extra` map: the
/// members a newer API sends that this client does not know are kept, and
/// written back when the value is serialized. Runs last, after unions and
/// their variants are components.
fn keep_unknown_members(spec: &mut Value) {
    let mut objects = Vec::new();
    walk_schemas(spec, &mut |at, schema| {
        // An `allOf` of several members is one struct (typify merges them);
        // a lone `allOf: [$ref]` is only a wrapper around the referenced type.
        let composed = schema
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|members| members.len() > 1);
        let object = (schema.get("properties").is_some_and(Value::is_object) || composed)
            && schema.get("type").is_none_or(|t| t == "object");
        // typify_reads says no to any schema with `allOf`: a composed one is
        // a type of its own unless it is itself merged into a parent.
        let own_type = typify_reads(spec, at, schema)
            || (composed && at.rsplit('/').nth(1).is_none_or(|parent| parent != "allOf"));
        // A property that typify names `extra` would meet the map's field: that
        // type keeps no unknown members (as progenitor alone has it).
        let has_extra = schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.keys().any(|name| field_name(name) == EXTRA));
        if object && schema.get("additionalProperties").is_none() && own_type && !has_extra {
            objects.push(at.to_string());
        }
    });
    for at in objects {
        if let Some(schema) = spec.pointer_mut(&at).and_then(Value::as_object_mut) {
            schema.insert("additionalProperties".into(), json!({}));
        }
    }
}

/// Whether a (dereferenced) parameter is sent with `style: deepObject`.
pub fn is_deep_object(parameter: &Value) -> bool {
    parameter.get("style").and_then(Value::as_str) == Some("deepObject")
}

/// Whether remodel leaves a (dereferenced) parameter out: an optional deepObject one.
fn is_left_out(parameter: &Value) -> bool {
    is_deep_object(parameter) && parameter["required"] != true
}

/// The names of the parameters remodel leaves out of `op` (of `spec`, as documented).
pub fn left_out(spec: &Value, op: &crate::spec::OperationNode) -> Vec<String> {
    parameters(spec, op)
        .filter(|p| is_left_out(p))
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn drop_deep_object_parameters(spec: &mut Value) {
    let lists: Vec<String> = operations(spec)
        .iter()
        .flat_map(|op| {
            [
                format!("{}/parameters", op.pointer),
                pointer(["paths", op.path, "parameters"]),
            ]
        })
        .collect();
    let resolved = spec.clone();
    for list in lists {
        if let Some(Value::Array(params)) = spec.pointer_mut(&list) {
            params.retain(|p| !is_left_out(deref(&resolved, p)));
        }
    }
}

/// Whether `schema` is a `oneOf` with a discriminator.
pub fn is_discriminated_union(schema: &Value) -> bool {
    schema.get("discriminator").is_some() && schema.get("oneOf").is_some_and(Value::is_array)
}

/// Moves every inline discriminated `oneOf` into `components/schemas`, then
/// every inline variant of a discriminated `oneOf` too (see the module docs).
fn name_discriminated_unions(spec: &mut Value) {
    // Deepest first, so that moving one never moves another that is still to do.
    loop {
        let mut inline = Vec::new();
        walk_schemas(spec, &mut |at, schema| {
            if is_discriminated_union(schema) && !is_component(at) {
                inline.push(at.to_string());
            }
        });
        let Some(at) = inline.into_iter().max_by_key(|at| at.matches('/').count()) else {
            break;
        };
        let name = unique_name(spec, &name_for(spec, &at));
        hoist(spec, &at, &name);
    }
    let unions: Vec<String> = schemas(spec)
        .filter(|(_, schema)| is_discriminated_union(schema))
        .map(|(name, _)| name.clone())
        .collect();
    for union in unions {
        let tag = discriminator_tag(&spec["components"]["schemas"][&union])
            .unwrap_or_default()
            .to_string();
        let count = spec["components"]["schemas"][&union]["oneOf"]
            .as_array()
            .map_or(0, Vec::len);
        for i in 0..count {
            let at = pointer([
                "components",
                "schemas",
                union.as_str(),
                "oneOf",
                &i.to_string(),
            ]);
            let variant = &spec.pointer(&at).cloned().unwrap_or_default();
            if variant.get("$ref").is_some() {
                continue;
            }
            // Named by its tag value when it has a constant one.
            let tag_value = tag_constant(variant, &tag)
                .map(|v| v.to_lowercase().to_pascal_case())
                .unwrap_or_else(|| format!("Variant{i}"));
            let name = unique_name(spec, &format!("{union}{tag_value}"));
            hoist(spec, &at, &name);
        }
    }
}

fn is_component(at: &str) -> bool {
    at.strip_prefix("/components/schemas/")
        .is_some_and(|name| !name.contains('/'))
}

/// A name for the schema at `at`, from where it is: the component or operation
/// it is in, then each property, `Item` for array items, `Value` for map values.
fn name_for(spec: &Value, at: &str) -> String {
    let segments: Vec<String> = at.split('/').skip(1).map(unescape).collect();
    let mut name = String::new();
    let mut rest: &[String] = &segments;
    if let [kind, owner, tail @ ..] = rest
        && kind == "components"
    {
        // components/<kind>/<name>/...
        let (owner, tail) = match (owner.as_str(), tail) {
            (_, [n, t @ ..]) => (n.as_str(), t),
            _ => ("", tail),
        };
        name.push_str(&owner.to_pascal_case());
        rest = tail;
    } else if let [kind, path, method, tail @ ..] = rest
        && kind == "paths"
    {
        let id = spec["paths"][path][method]["operationId"]
            .as_str()
            .unwrap_or(method);
        name.push_str(&id.to_pascal_case());
        rest = tail;
    }
    let mut segments = rest.iter().peekable();
    while let Some(segment) = segments.next() {
        match segment.as_str() {
            "properties" | "parameters" => {
                if let Some(property) = segments.next() {
                    name.push_str(&property.to_pascal_case());
                }
            }
            "requestBody" => name.push_str("Body"),
            "responses" => {
                segments.next();
                name.push_str("Response");
            }
            "items" => name.push_str("Item"),
            "additionalProperties" => name.push_str("Value"),
            "oneOf" | "anyOf" | "allOf" => {
                if let Some(i) = segments.next() {
                    name.push_str(&format!("Variant{i}"));
                }
            }
            _ => {}
        }
    }
    if name.is_empty() {
        "Union".into()
    } else {
        name
    }
}

/// `wanted`, or `wanted2`, `wanted3`, ...: the first whose Rust name no
/// component has yet.
fn unique_name(spec: &Value, wanted: &str) -> String {
    let taken: BTreeSet<String> = schemas(spec).map(|(n, _)| type_name(n)).collect();
    (1..)
        .map(|n| {
            if n == 1 {
                wanted.to_string()
            } else {
                format!("{wanted}{n}")
            }
        })
        .find(|candidate| !taken.contains(&type_name(candidate)))
        .unwrap_or_default()
}

/// Moves the schema at `at` to `components/schemas/<name>`, leaving a `$ref`.
fn hoist(spec: &mut Value, at: &str, name: &str) {
    let Some(node) = spec.pointer_mut(at) else {
        return;
    };
    let schema = std::mem::replace(
        node,
        json!({"$ref": format!("#/components/schemas/{name}")}),
    );
    if let Some(schemas) = spec
        .as_object_mut()
        .map(|root| root.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    {
        schemas.insert(name.to_string(), schema);
    }
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
            // A `default` response answers errors too: it must be `Error` or
            // bodiless, or progenitor would see two error body types.
            responses.into_iter().flatten().all(|(code, response)| {
                let response = deref(spec, response);
                let is_error = response.pointer("/content/application~1json/schema/$ref")
                    == Some(&Value::from(ERROR_REF));
                let bodiless = response.get("content").is_none();
                !(is_error_status(code) || code == "default")
                    || is_error
                    || (code == "default" && bodiless)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_typify_makes_a_struct_keeps_unknown_members() {
        let object = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let spec = json!({"components": {"schemas": {
            "Plain": object.clone(),
            "Closed": {"type": "object", "properties": {"a": {}}, "additionalProperties": false},
            "Nested": {"type": "object", "properties": {"inner": object.clone(), "list": {"type": "array", "items": object.clone()}}},
            "Composed": {"allOf": [{"$ref": "#/components/schemas/Plain"}, object.clone()]},
            "Wrapper": {"type": "object", "properties": {"p": {"allOf": [{"$ref": "#/components/schemas/Plain"}], "description": "d"}}},
            "Name": {"type": "string", "enum": ["x"]}
        }}});
        let out = remodel(&spec, true);
        let extra = |at: &str| {
            out.pointer(&format!("/components/schemas/{at}/additionalProperties"))
                .cloned()
        };
        for at in [
            "Plain",
            "Nested",
            "Nested/properties/inner",
            "Nested/properties/list/items",
            "Composed",
            "Wrapper",
        ] {
            assert_eq!(extra(at), Some(json!({})), "{at}");
        }
        assert_eq!(extra("Closed"), Some(json!(false)));
        // Merged into their parent, or a wrapper of a referenced type: left alone.
        for at in ["Composed/allOf/1", "Wrapper/properties/p", "Name"] {
            assert_eq!(extra(at), None, "{at}");
        }
        assert_eq!(
            remodel(&spec, false)["components"]["schemas"]["Plain"],
            object
        );
    }

    #[test]
    fn inline_unions_and_inline_variants_become_named_components() {
        let variant = |tag: &str| json!({"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": [tag]}}});
        let union = json!({"oneOf": [variant("LINK"), {"$ref": "#/components/schemas/Note"}], "discriminator": {"propertyName": "kind"}});
        let spec = json!({
            "paths": {"/things": {"post": {
                "operationId": "makeThing",
                "requestBody": {"content": {"application/json": {"schema": union.clone()}}},
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": {
                "Note": variant("NOTE"),
                "Run": {"type": "object", "properties": {"parts": {"type": "array", "items": union}}}
            }}
        });
        let out = remodel(&spec, true);
        let schemas = out["components"]["schemas"].as_object().unwrap();
        let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "MakeThingBody",
                "MakeThingBodyLink",
                "Note",
                "Run",
                "RunPartsItem",
                "RunPartsItemLink"
            ]
        );
        assert_eq!(
            out.pointer("/paths/~1things/post/requestBody/content/application~1json/schema"),
            Some(&json!({"$ref": "#/components/schemas/MakeThingBody"}))
        );
        assert_eq!(
            out["components"]["schemas"]["RunPartsItem"]["oneOf"],
            json!([{"$ref": "#/components/schemas/RunPartsItemLink"}, {"$ref": "#/components/schemas/Note"}])
        );
    }

    #[test]
    fn a_hoisted_name_never_collides_in_rust() {
        let union = json!({"oneOf": [{"$ref": "#/components/schemas/A"}], "discriminator": {"propertyName": "t"}});
        let spec = json!({"components": {"schemas": {
            "A": {"type": "object"},
            "run_items": {"type": "object"},
            "Run": {"type": "object", "properties": {"items": union}}
        }}});
        let out = remodel(&spec, true);
        assert!(
            out["components"]["schemas"].get("RunItems2").is_some(),
            "{out:#}"
        );
    }

    #[test]
    fn deprecated_properties_are_never_required() {
        let spec = json!({"components": {"schemas": {"R": {
            "required": ["a", "b"],
            "properties": {"a": {"deprecated": true}, "b": {}}
        }}}});
        assert_eq!(
            remodel(&spec, true)["components"]["schemas"]["R"]["required"],
            json!(["b"])
        );
    }
}
