//! The model: the API's operations as the stages after `remodel` read them,
//! built once from the remodelled document (the ids, parameters, bodies and
//! responses the client is generated from) and the spec as published and
//! fixed (the responses as documented, which remodelling folds into ranges).
//!
//! Questions about an operation have one answer here: what "the success" is
//! ([`Operation::success`]), which statuses it documents, what it is called in
//! Rust. Stages before the model (validate, remodel, names) read the spec
//! itself: they decide what the model will be.
//!
//! Beside it: [`naming`] (the Rust names progenitor and typify make of spec
//! names) and `needs` (what the hand-written layer needs the model to keep).

pub(crate) mod naming;
pub(crate) mod needs;
pub mod types;

use serde_json::Value;

use crate::naming::{builder_name, method_name, parameter_name};
use crate::spec::{self, deref, operations, schema_ref, string_enum};
pub use types::Types;

/// Every operation, in the document's (sorted) order, and the types.
pub struct Api {
    pub operations: Vec<Operation>,
    pub types: Types,
}

pub struct Operation {
    /// The operationId (after `names` renamed any that would clash).
    pub id: String,
    /// progenitor's method on `Client` (`get_run`).
    pub method_name: String,
    /// progenitor's builder struct (`GetRun`).
    pub builder: String,
    /// Lowercase, as the spec writes it (`get`).
    pub method: String,
    /// The path template (`/agent/runs/{runId}`).
    pub path: String,
    /// JSON pointer of the operation object (the same in both documents).
    pub pointer: String,
    pub deprecated: bool,
    /// `summary` and `description`, as written.
    pub docs: [Option<String>; 2],
    pub parameters: Vec<Parameter>,
    /// The documented parameters the client leaves out (`remodel`): optional
    /// `style: deepObject` query parameters, which progenitor cannot send.
    pub left_out: Vec<String>,
    /// The JSON request body's schema, `$ref`s of the body itself followed.
    pub body: Option<Value>,
    /// The request body's media type (`application/json`, `text/plain`):
    /// its one `content` key, which `validate` requires.
    pub body_media_type: Option<String>,
    /// As documented, numeric statuses first, in order.
    pub responses: Vec<Response>,
    /// As the client is generated from them (after remodelling, which folds
    /// the error statuses into `4XX` and `5XX`), in progenitor's order:
    /// `default` first, then as the document keys them.
    pub client_responses: Vec<Response>,
    /// The success as the client is generated from it: the first 2xx
    /// response with a JSON body, after remodelling (which may name an
    /// inline schema).
    success: Option<Response>,
}

pub struct Parameter {
    pub name: String,
    /// JSON pointer of where it is listed (the operation's `parameters`, or
    /// its path item's).
    pub pointer: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    pub required: bool,
    pub schema: Value,
    /// progenitor's setter on the operation's builder (`run_id`).
    pub setter: String,
}

#[derive(Clone)]
pub struct Response {
    /// `200`, `4XX`, `default`: as the spec keys it.
    pub status: String,
    pub description: String,
    /// The JSON body's schema, `$ref`s of the response itself followed.
    pub json: Option<Value>,
    /// The JSON body's examples (`example`, and each of `examples`' values).
    pub examples: Vec<Value>,
    /// The media types of its body (`content`'s keys), as written.
    pub media_types: Vec<String>,
    /// The JSON body is a string enum (`$ref`s followed): typify's simple
    /// enum, which its generated code passes by value, not by reference.
    pub json_enum: bool,
}

/// A response's key as openapiv3 reads it.
#[derive(Debug, PartialEq)]
pub enum Status {
    /// `404`
    Code(u16),
    /// `4XX`: the class, 4.
    Range(u16),
    Default,
}

impl Response {
    /// Its key as openapiv3 reads it; `None` for a key that is none of the three.
    pub fn key(&self) -> Option<Status> {
        let key = self.status.as_str();
        if key == "default" {
            return Some(Status::Default);
        }
        if key.len() != 3 {
            return None;
        }
        if let Ok(code) = key.parse::<u16>() {
            return Some(Status::Code(code));
        }
        match key.to_ascii_uppercase().as_bytes() {
            [n, b'X', b'X'] if n.is_ascii_digit() => Some(Status::Range(u16::from(n - b'0'))),
            _ => None,
        }
    }

    /// The numeric status, for `200`; `None` for a range, `default`, or a
    /// number that is no HTTP status.
    pub fn code(&self) -> Option<u16> {
        match self.key() {
            Some(Status::Code(code)) if (100..600).contains(&code) => Some(code),
            _ => None,
        }
    }

    /// The component schema the JSON body is, or `None` (no JSON body, or an inline schema).
    pub fn json_component(&self) -> Option<&str> {
        schema_ref(self.json.as_ref()?)
    }
}

impl Operation {
    /// The success: the first 2xx response that has a JSON body, as the
    /// client is generated from it.
    pub fn success(&self) -> Option<&Response> {
        self.success.as_ref()
    }

    /// `GET /agent/runs/{runId}`.
    pub fn template(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

impl Api {
    /// The model of `remodelled` (the document the client is generated
    /// from), with each operation's responses as `documented` has them at
    /// the same pointer (the same document where nothing was remodelled).
    pub fn new(documented: &Value, remodelled: &Value) -> Api {
        let documented_operations = operations(documented);
        let operations: Vec<Operation> = operations(remodelled)
            .into_iter()
            .filter_map(|op| {
                let id = op.id()?.to_string();
                let as_documented = documented_operations
                    .iter()
                    .find(|d| d.pointer == op.pointer);
                let left_out = as_documented
                    .map(|d| crate::remodel::left_out(documented, d))
                    .unwrap_or_default();
                let as_documented = as_documented.map_or(op.value, |d| d.value);
                let client_responses = responses(remodelled, op.value);
                let parameters = combined_parameters(remodelled, &op)
                    .into_iter()
                    .map(|(pointer, p)| {
                        let name = p["name"].as_str().unwrap_or_default().to_string();
                        Parameter {
                            pointer,
                            setter: parameter_name(&name),
                            location: p["in"].as_str().unwrap_or_default().to_string(),
                            required: p["required"] == true,
                            schema: p["schema"].clone(),
                            name,
                        }
                    })
                    .collect();
                let body = deref(remodelled, &op.value["requestBody"]);
                Some(Operation {
                    method_name: method_name(&id),
                    builder: builder_name(&id),
                    method: op.method.to_string(),
                    path: op.path.to_string(),
                    deprecated: op.value.get("deprecated") == Some(&Value::Bool(true)),
                    parameters,
                    left_out,
                    docs: ["summary", "description"]
                        .map(|key| Some(op.value.get(key)?.as_str()?.to_string())),
                    body: json_schema(remodelled, body).cloned(),
                    body_media_type: media_types(body).into_iter().next(),
                    responses: sorted(responses(documented, as_documented)),
                    success: client_responses
                        .iter()
                        .find(|r| r.status.starts_with('2') && r.json.is_some())
                        .cloned(),
                    client_responses,
                    pointer: op.pointer.clone(),
                    id,
                })
            })
            .collect();
        Api {
            types: Types::new(remodelled, &operations),
            operations,
        }
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }
}

/// An operation's parameters as progenitor combines them: its path item's,
/// then its own, one per name (progenitor keys them by name alone), a later
/// one taking an earlier one's place; each with where it is listed.
fn combined_parameters<'a>(
    spec: &'a Value,
    op: &spec::OperationNode<'a>,
) -> Vec<(String, &'a Value)> {
    let levels = [
        spec::pointer(["paths", op.path, "parameters"]),
        format!("{}/parameters", op.pointer),
    ];
    let mut combined: Vec<(String, &Value)> = Vec::new();
    for list in levels {
        let listed = spec.pointer(&list).and_then(Value::as_array);
        for (i, p) in listed.into_iter().flatten().enumerate() {
            let p = (format!("{list}/{i}"), deref(spec, p));
            match combined.iter().position(|(_, q)| q["name"] == p.1["name"]) {
                Some(at) => combined[at] = p,
                None => combined.push(p),
            }
        }
    }
    combined
}

/// The JSON schema of a request body or response (`$ref`s followed).
fn json_schema<'a>(spec: &'a Value, node: &'a Value) -> Option<&'a Value> {
    deref(spec, node).pointer("/content/application~1json/schema")
}

fn examples(spec: &Value, response: &Value) -> Vec<Value> {
    let Some(json) = response.pointer("/content/application~1json") else {
        return Vec::new();
    };
    let many = json
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|e| e.values())
        .filter_map(|e| deref(spec, e).get("value"));
    json.get("example")
        .into_iter()
        .chain(many)
        .cloned()
        .collect()
}

/// The keys of a request body's or response's `content`.
fn media_types(node: &Value) -> Vec<String> {
    let content = node.get("content").and_then(Value::as_object);
    content
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .collect()
}

/// `default` first, then as the document keys them (progenitor's order).
fn responses(spec: &Value, operation: &Value) -> Vec<Response> {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<Response> = responses
        .iter()
        .map(|(status, response)| {
            let json = json_schema(spec, response);
            Response {
                status: status.clone(),
                description: deref(spec, response)
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                json_enum: json.is_some_and(|s| string_enum(deref(spec, s)).is_some()),
                json: json.cloned(),
                examples: examples(spec, deref(spec, response)),
                media_types: media_types(deref(spec, response)),
            }
        })
        .collect();
    out.sort_by_key(|r| r.status != "default");
    out
}

/// Numeric statuses in order, then ranges as written, then `default`.
fn sorted(mut responses: Vec<Response>) -> Vec<Response> {
    responses.sort_by_key(|r| (r.code().is_none(), r.code(), r.status == "default"));
    responses
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_success_is_the_first_2xx_with_a_json_body() {
        let spec = json!({"paths": {"/t/{id}": {
            "parameters": [{"name": "id", "in": "query"}, {"name": "q", "in": "query"}],
            "get": {
            "operationId": "getThing",
            "parameters": [{"name": "id", "in": "path", "required": true}],
            "responses": {
                "default": {"description": "other"},
                "204": {"description": "nothing"},
                "200": {"$ref": "#/components/responses/Thing"},
                "4XX": {"description": "range"},
                "404": {"description": "gone"}
            }
        }}}, "components": {"responses": {"Thing": {"description": "a thing",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}});
        let api = Api::new(&spec, &spec);
        let op = api.operation("getThing").unwrap();
        assert_eq!(
            (op.method_name.as_str(), op.builder.as_str()),
            ("get_thing", "GetThing")
        );
        assert_eq!(op.template(), "GET /t/{id}");
        let statuses: Vec<&str> = op.responses.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["200", "204", "404", "4XX", "default"]);
        // As progenitor reads them: `default` first, then as keyed.
        let statuses: Vec<&str> = op
            .client_responses
            .iter()
            .map(|r| r.status.as_str())
            .collect();
        assert_eq!(statuses, ["default", "200", "204", "404", "4XX"]);
        let success = op.success().unwrap();
        assert_eq!(
            (success.status.as_str(), success.json_component()),
            ("200", Some("Thing"))
        );
        assert_eq!(success.description, "a thing");
        // The operation's `id` replaces its path item's, in place.
        assert!(op.parameters[0].required && op.parameters[0].location == "path");
        assert_eq!(op.parameters[1].setter, "q");
        assert_eq!(op.parameters.len(), 2);
    }
}
