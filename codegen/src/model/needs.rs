//! What oz-api's hand-written layer (`oz-api/src/*.rs` except `generated.rs`)
//! uses of the generated code. A spec that takes one of these away would
//! generate code the crate cannot compile with; it is refused naming both the
//! spec item and the hand-written item that needs it. When the hand-written
//! layer starts or stops using something generated, update this list (the
//! evolution corpus in `tests/` compiles the whole crate and finds omissions).

use crate::error::{Error, Result};
use crate::model::Api;
use crate::model::types::Shape;
use crate::spec::pointer;

enum Need {
    /// An operation, by operationId.
    Operation(&'static str),
    /// A parameter of an operation (`name`, `in`).
    Parameter(&'static str, &'static str, &'static str),
    /// The JSON success body of an operation is this component schema; `None`:
    /// it has no JSON success body (a redirect read as raw bytes).
    Returns(&'static str, Option<&'static str>),
    /// A value of a component string enum.
    Value(&'static str, &'static str),
    /// A property of a component schema, and whether it must be required
    /// (a plain field) or optional (an `Option`).
    Property(&'static str, &'static str, bool),
}

use Need::*;

/// Each need with the hand-written item that has it.
const NEEDS: &[(Need, &str)] = &[
    (
        Operation("getRun"),
        "oz-api/src/runs.rs `Client::wait_for_run`",
    ),
    (
        Parameter("getRun", "runId", "path"),
        "oz-api/src/runs.rs `Client::wait_for_run`",
    ),
    (
        Returns("getRun", Some("RunItem")),
        "oz-api/src/runs.rs `Client::wait_for_run`",
    ),
    (
        Property("RunItem", "state", true),
        "oz-api/src/runs.rs `Client::wait_for_run`",
    ),
    (
        Value("RunState", "SUCCEEDED"),
        "oz-api/src/runs.rs `RunState::is_terminal`",
    ),
    (
        Value("RunState", "FAILED"),
        "oz-api/src/runs.rs `RunState::is_terminal`",
    ),
    (
        Value("RunState", "ERROR"),
        "oz-api/src/runs.rs `RunState::is_terminal`",
    ),
    (
        Value("RunState", "CANCELLED"),
        "oz-api/src/runs.rs `RunState::is_terminal`",
    ),
    (
        Value("RunState", "BLOCKED"),
        "oz-api/src/runs.rs `RunState::is_terminal`",
    ),
    (
        Operation("listRuns"),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Parameter("listRuns", "cursor", "query"),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Returns("listRuns", Some("ListRunsResponse")),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Property("ListRunsResponse", "runs", true),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Property("ListRunsResponse", "page_info", true),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Property("PageInfo", "has_next_page", true),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Property("PageInfo", "next_cursor", false),
        "oz-api/src/runs.rs `builder::ListRuns::stream`",
    ),
    (
        Operation("getRunTranscript"),
        "oz-api/src/runs.rs `Client::run_transcript_url`",
    ),
    (
        Parameter("getRunTranscript", "runId", "path"),
        "oz-api/src/runs.rs `Client::run_transcript_url`",
    ),
    (
        Returns("getRunTranscript", None),
        "oz-api/src/runs.rs `Client::run_transcript_url`",
    ),
    (
        Operation("getTranscriptDownload"),
        "oz-api/src/runs.rs `Client::harness_transcript_url`",
    ),
    (
        Returns("getTranscriptDownload", None),
        "oz-api/src/runs.rs `Client::harness_transcript_url`",
    ),
    (
        Property("ApiProblem", "type", false),
        "oz-api/src/errors.rs `types::ApiProblem::code`",
    ),
    (
        Property("ApiProblem", "trace_id", false),
        "oz-api/src/errors.rs `ApiErrorExt::trace_id`",
    ),
    (
        Property("ApiProblem", "retryable", false),
        "oz-api/src/errors.rs `ApiErrorExt::retryable`",
    ),
    (
        Value("PlatformErrorCode", "resource_not_found"),
        "oz-api/src/errors.rs `ApiErrorExt::is_not_found`",
    ),
];

/// Checks `api` (of the fixed and remodelled spec: `Error`'s members are
/// optional by then) against every need.
pub fn check(api: &Api, file: &str) -> Result<()> {
    for (need, user) in NEEDS {
        if let Err((at, missing)) = met(api, need) {
            return Err(Error::at(
                file,
                at,
                format!("{missing}, which the hand-written layer needs: {user}"),
                "keep it with a fix in spec/oz-api.fixes.yaml until the hand-written item is \
                 changed, then update its entry in codegen/src/model/needs.rs",
            ));
        }
    }
    Ok(())
}

/// `Err((pointer, what is missing))` when `need` is not met.
fn met(api: &Api, need: &Need) -> Result<(), (String, String)> {
    let schema = |name: &str| {
        api.types.schema(name).ok_or_else(|| {
            (
                "/components/schemas".into(),
                format!("there is no schema `{name}`"),
            )
        })
    };
    let operation = |id: &str| {
        api.operation(id).ok_or_else(|| {
            (
                "/paths".to_string(),
                format!("there is no operation `{id}`"),
            )
        })
    };
    match *need {
        Operation(id) => operation(id).map(drop),
        Parameter(id, name, location) => {
            let op = operation(id)?;
            let found = op
                .parameters
                .iter()
                .any(|p| p.name == name && p.location == location);
            found.then_some(()).ok_or_else(|| {
                (
                    format!("{}/parameters", op.pointer),
                    format!("operation `{id}` has no {location} parameter `{name}`"),
                )
            })
        }
        Returns(id, expected) => {
            let op = operation(id)?;
            let actual = op
                .success()
                .map(|r| r.json_component().unwrap_or("an inline schema"));
            if actual == expected {
                return Ok(());
            }
            let said = |s: Option<&str>| s.map_or("no JSON body".to_string(), |s| format!("`{s}`"));
            Err((
                format!("{}/responses", op.pointer),
                format!(
                    "operation `{id}` succeeds with {} instead of {}",
                    said(actual),
                    said(expected)
                ),
            ))
        }
        Value(name, value) => {
            let values = match &schema(name)?.shape {
                Shape::Enum(values) => values.as_slice(),
                _ => &[],
            };
            values
                .iter()
                .any(|v| v == value)
                .then_some(())
                .ok_or_else(|| {
                    (
                        pointer(["components", "schemas", name, "enum"]),
                        format!("`{name}` has no value `{value}`"),
                    )
                })
        }
        Property(name, property, required) => {
            let at = pointer(["components", "schemas", name]);
            let Some(field) = schema(name)?.own_field(property) else {
                return Err((
                    format!("{at}/properties"),
                    format!("`{name}` has no property `{property}`"),
                ));
            };
            match (required, field.required && !field.nullable) {
                (true, false) => Err((
                    format!("{at}/required"),
                    format!("`{name}.{property}` is optional or nullable, not required"),
                )),
                (false, true) => Err((
                    format!("{at}/required"),
                    format!("`{name}.{property}` is required, not optional"),
                )),
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published() -> serde_json::Value {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/oz-api.yaml"))
                .unwrap();
        let mut spec = crate::load::parse(&text, "spec").unwrap();
        spec["paths"]["/agent/identities"]["get"]["operationId"] = "listAgentIdentities".into();
        crate::remodel::remodel(&spec, true)
    }

    #[test]
    fn the_published_spec_meets_every_need() {
        let spec = published();
        check(&Api::new(&spec, &spec), "spec").unwrap();
    }

    #[test]
    fn a_missing_value_names_the_spec_item_and_the_hand_written_item() {
        let mut spec = published();
        let values = spec
            .pointer_mut("/components/schemas/RunState/enum")
            .unwrap();
        values.as_array_mut().unwrap().retain(|v| v != "CANCELLED");
        let e = check(&Api::new(&spec, &spec), "spec").unwrap_err();
        assert_eq!(
            e.location,
            crate::Location::Pointer("/components/schemas/RunState/enum".into())
        );
        assert!(
            e.message.contains("`RunState` has no value `CANCELLED`"),
            "{e}"
        );
        assert!(
            e.message
                .contains("oz-api/src/runs.rs `RunState::is_terminal`"),
            "{e}"
        );
    }

    #[test]
    fn a_next_cursor_made_required_is_refused() {
        let mut spec = published();
        spec["components"]["schemas"]["PageInfo"]["required"] =
            serde_json::json!(["has_next_page", "next_cursor"]);
        let e = check(&Api::new(&spec, &spec), "spec").unwrap_err();
        assert!(
            e.message
                .contains("`PageInfo.next_cursor` is required, not optional"),
            "{e}"
        );
    }
}
