//! The drift report: each kind of spec change, classified by its effect on code
//! using the generated crate, and the release verdict.

use codegen::drift::{Effect, GENERATED, Report, Shape, compare, markdown, next_version};
use serde_json::{Value, json};

/// The published spec as regen compares it: fixed and normalized.
fn current() -> Value {
    let root = tests::root();
    codegen::comparable_spec(&root, &root.join(codegen::SPEC))
        .unwrap()
        .0
}

fn report_after(edit: impl FnOnce(&mut Value)) -> Report {
    let mut new = current();
    edit(&mut new);
    compare(&current(), &new, GENERATED)
}

/// The one change expected, its effect, and a fragment of its text.
fn assert_single(report: &Report, effect: Effect, fragment: &str) {
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    assert_eq!(report.changes[0].effect, effect, "{:#?}", report.changes);
    assert!(
        report.changes[0].text.contains(fragment),
        "{:#?}",
        report.changes
    );
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    &mut spec["components"]["schemas"][name]
}

#[test]
fn no_change_no_release() {
    let report = compare(&current(), &current(), GENERATED);
    assert_eq!(report.verdict(), None);
    assert!(markdown(&report, "0.1.0", "t").contains("no release needed"));
}

#[test]
fn operation_added_is_additive_and_removed_is_breaking() {
    let mut spec = current();
    let added = spec["paths"]["/agent/models"]["get"].clone();
    let mut added = added;
    added["operationId"] = json!("listModelsV2");
    spec["paths"]["/agent/models/v2"] = json!({"get": added});
    assert_single(
        &compare(&current(), &spec, GENERATED),
        Effect::Additive,
        "new operation `listModelsV2`",
    );

    let removed = report_after(|s| {
        s["paths"]["/agent/models"]
            .as_object_mut()
            .unwrap()
            .remove("get");
    });
    assert_single(&removed, Effect::Breaking, "`Client::list_models` is gone");
}

#[test]
fn moved_path_is_internal() {
    let report = report_after(|s| {
        let item = s["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/agent/models")
            .unwrap();
        s["paths"]["/agent/llm-models"] = item;
    });
    assert_single(
        &report,
        Effect::Internal,
        "now sent to GET /agent/llm-models",
    );
}

#[test]
fn parameters_added_and_removed() {
    let optional = report_after(|s| {
        s["paths"]["/agent/models"]["get"]["parameters"] =
            json!([{"name": "provider", "in": "query", "schema": {"type": "string"}}]);
    });
    assert_single(
        &optional,
        Effect::Additive,
        "new optional parameter `.provider(..)`",
    );

    // A new required parameter: `a_new_required_query_parameter_breaks_at_run_time`.

    let removed = report_after(|s| {
        let params = s["paths"]["/agent/runs"]["get"]["parameters"]
            .as_array_mut()
            .unwrap();
        params.retain(|p| p["name"] != "q");
    });
    assert_single(&removed, Effect::Breaking, "parameter `q` removed");
}

#[test]
fn response_fields() {
    let added = report_after(|s| {
        schema(s, "RunItem")["properties"]["priority"] = json!({"type": "integer"});
    });
    assert_single(
        &added,
        Effect::Additive,
        "`types::RunItem`: new optional field `priority`",
    );

    let removed = report_after(|s| {
        schema(s, "RunItem")["properties"]
            .as_object_mut()
            .unwrap()
            .remove("session_link");
    });
    assert_single(&removed, Effect::Breaking, "field `session_link` removed");

    // Retyped: `a_retyped_field_breaks`; new and required: `a_new_required_response_field_breaks_builders`.

    let now_required = report_after(|s| {
        schema(s, "RunItem")["required"]
            .as_array_mut()
            .unwrap()
            .push(json!("session_link"));
    });
    assert_single(
        &now_required,
        Effect::Breaking,
        "field `session_link` is now required",
    );

    let now_optional = report_after(|s| {
        schema(s, "RunItem")["required"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r != "title");
    });
    assert_single(
        &now_optional,
        Effect::Breaking,
        "field `title` is now optional",
    );

    let deprecated = report_after(|s| {
        schema(s, "RunItem")["properties"]["session_link"]["deprecated"] = json!(true);
    });
    assert_single(
        &deprecated,
        Effect::Additive,
        "field `session_link` is deprecated",
    );
}

#[test]
fn enum_values_and_one_of_variants() {
    let added = report_after(|s| {
        schema(s, "RunState")["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("PAUSED"))
    });
    assert_single(&added, Effect::Additive, "new enum values \"PAUSED\"");
    let removed = report_after(|s| {
        schema(s, "RunState")["enum"]
            .as_array_mut()
            .unwrap()
            .retain(|v| v != "BLOCKED")
    });
    assert_single(
        &removed,
        Effect::Breaking,
        "enum values removed: \"BLOCKED\"",
    );

    let variant_added = report_after(|s| {
        schema(s, "VideoArtifact")["type"] = json!("object");
        schema(s, "ArtifactItem")["oneOf"]
            .as_array_mut()
            .unwrap()
            .push(json!({"$ref": "#/components/schemas/VideoArtifact"}));
    });
    assert_eq!(
        variant_added.verdict(),
        Some(Effect::Additive),
        "{:#?}",
        variant_added.changes
    );
    assert!(
        variant_added
            .of(Effect::Additive)
            .iter()
            .any(|c| c.contains("new `oneOf` variant `VideoArtifact`"))
    );
    let variant_removed = report_after(|s| {
        schema(s, "ArtifactItem")["oneOf"]
            .as_array_mut()
            .unwrap()
            .retain(|v| v["$ref"] != "#/components/schemas/FileArtifact");
    });
    assert_single(
        &variant_removed,
        Effect::Breaking,
        "`oneOf` variant `FileArtifact` removed",
    );
}

#[test]
fn documentation_only_is_internal() {
    let report = report_after(|s| {
        schema(s, "RunItem")["description"] = json!("A run, newly documented");
        s["paths"]["/agent/models"]["get"]["summary"] = json!("Models");
    });
    assert_eq!(report.verdict(), Some(Effect::Internal));
    assert_eq!(report.changes.len(), 2, "{:#?}", report.changes);
}

/// Why the pipeline marks generated types `#[non_exhaustive]`: without it, a new
/// optional response field or enum value breaks struct literals and exhaustive
/// matches, so every additive spec change would force a breaking release.
#[test]
fn verdicts_before_and_after_non_exhaustive() {
    let exhaustive = Shape {
        non_exhaustive: false,
    };
    let mut new = current();
    schema(&mut new, "RunItem")["properties"]["priority"] = json!({"type": "integer"});
    schema(&mut new, "RunState")["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("PAUSED"));
    assert_eq!(
        compare(&current(), &new, exhaustive).verdict(),
        Some(Effect::Breaking)
    );
    assert_eq!(
        compare(&current(), &new, GENERATED).verdict(),
        Some(Effect::Additive)
    );
}

#[test]
fn the_generated_types_really_are_non_exhaustive() {
    let rust = std::fs::read_to_string(tests::root().join(codegen::GENERATED_RUST)).unwrap();
    for definition in [
        "pub struct RunItem {",
        "pub enum RunState {",
        "pub enum ArtifactItem {",
    ] {
        let at = rust
            .find(definition)
            .unwrap_or_else(|| panic!("{definition}"));
        // The report classifies by `GENERATED`; it must describe the real code.
        assert_eq!(
            rust[..at].trim_end().ends_with("#[non_exhaustive]"),
            GENERATED.non_exhaustive,
            "{definition}: #[non_exhaustive] disagrees with drift::GENERATED"
        );
    }
}

/// The API as first documented (seeds/api-docs-runs.txt): six run states and
/// three run operations. Upgrading from it is additive; going back is breaking.
#[test]
fn older_published_version_from_the_seeds() {
    // The current spec, fixes included, cut back: only the cuts differ.
    let mut old = current();
    let keep = ["/agent/run", "/agent/runs", "/agent/runs/{runId}"];
    old["paths"]
        .as_object_mut()
        .unwrap()
        .retain(|path, _| keep.contains(&path.as_str()));
    old["paths"]["/agent/runs"]
        .as_object_mut()
        .unwrap()
        .remove("post");
    schema(&mut old, "RunState")["enum"] = json!([
        "QUEUED",
        "PENDING",
        "CLAIMED",
        "INPROGRESS",
        "SUCCEEDED",
        "FAILED"
    ]);
    let old = codegen::normalize::canonical(&old);

    let upgrade = compare(&old, &current(), GENERATED);
    assert_eq!(
        upgrade.verdict(),
        Some(Effect::Additive),
        "{:#?}",
        upgrade.of(Effect::Breaking)
    );
    assert!(
        upgrade
            .of(Effect::Additive)
            .iter()
            .any(|c| c.contains("new operation `createRun`"))
    );
    assert!(
        upgrade
            .of(Effect::Additive)
            .iter()
            .any(|c| c.contains("\"BLOCKED\", \"CANCELLED\", \"ERROR\""))
    );
    let text = markdown(&upgrade, "0.1.0", "spec update");
    assert!(text.starts_with("## oz-api 0.1.1: spec update\n"), "{text}");

    let downgrade = compare(&current(), &old, GENERATED);
    assert_eq!(downgrade.verdict(), Some(Effect::Breaking));
    assert!(markdown(&downgrade, "0.1.0", "x").contains("release 0.2.0 (from 0.1.0)"));
}

#[test]
fn versions_follow_cargo_semver() {
    assert_eq!(next_version("0.1.0", Some(Effect::Breaking)), "0.2.0");
    assert_eq!(next_version("0.1.0", Some(Effect::Additive)), "0.1.1");
    assert_eq!(next_version("1.4.2", Some(Effect::Breaking)), "2.0.0");
    assert_eq!(next_version("1.4.2", Some(Effect::Additive)), "1.5.0");
    assert_eq!(next_version("1.4.2", Some(Effect::Internal)), "1.4.3");
    assert_eq!(next_version("1.4.2", None), "1.4.2");
}

/// A required array made optional keeps its `Vec` (typify fills it empty):
/// nothing that reads or builds it breaks. A scalar becomes an `Option`.
#[test]
fn required_array_made_optional_is_additive_a_scalar_is_breaking() {
    let required_without = |s: &mut Value, schema_name: &str, field: &str| {
        let required = schema(s, schema_name)["required"].as_array_mut().unwrap();
        required.retain(|v| v != field);
    };
    let array = report_after(|s| required_without(s, "AgentResponse", "secrets"));
    assert_single(&array, Effect::Additive, "stays a `Vec`");
    let scalar = report_after(|s| required_without(s, "AgentResponse", "name"));
    assert_single(&scalar, Effect::Breaking, "`T` becomes `Option<T>`");
}

/// Without a required field, `Default` goes when the unknown-members map comes
/// back (`additionalProperties` dropped).
#[test]
fn default_lost_without_a_new_required_field() {
    let mut old = current();
    schema(&mut old, "RunAgentRequest")["additionalProperties"] = json!(false);
    assert_single(
        &compare(&old, &current(), GENERATED),
        Effect::Breaking,
        "`types::RunAgentRequest`: no longer has `impl Default`",
    );
}

// Where cargo-semver-checks 0.51 is blind (it reports no breaking change for
// these), the drift report decides. CI does not run cargo-semver-checks; these
// pin the decisions.

/// (a) The field keeps its name and changes its type: reads and writes of it
/// stop compiling.
#[test]
fn a_retyped_field_breaks() {
    let report = report_after(|s| {
        schema(s, "RunItem")["properties"]["title"] = json!({"type": "integer"});
    });
    assert_single(
        &report,
        Effect::Breaking,
        "`types::RunItem`.title: type changed from string to integer",
    );
}

/// (b) A new field in a `#[non_exhaustive]` struct is additive to
/// cargo-semver-checks, but requests built without it fail at run time. The
/// message names the lost `impl Default` only where typify really derived it.
#[test]
fn a_new_required_request_field_breaks_and_names_the_lost_default() {
    let require_team = |s: &mut Value, name: &str| {
        schema(s, name)["properties"]["team_uid"] = json!({"type": "string"});
        let required = schema(s, name)
            .as_object_mut()
            .unwrap()
            .entry("required")
            .or_insert(json!([]));
        required.as_array_mut().unwrap().push(json!("team_uid"));
    };
    let report = report_after(|s| require_team(s, "CreateAgentRequest"));
    assert_single(
        &report,
        Effect::Breaking,
        "`types::CreateAgentRequest`: new required field `team_uid`; requests built without `.team_uid(..)` fail at run time",
    );
    assert!(!report.changes[0].text.contains("Default"), "{report:#?}");

    // No required field and no unknown-members map: typify derived `Default`.
    let mut old = current();
    schema(&mut old, "RunAgentRequest")["additionalProperties"] = json!(false);
    let mut new = old.clone();
    require_team(&mut new, "RunAgentRequest");
    assert_single(
        &compare(&old, &new, GENERATED),
        Effect::Breaking,
        "requests built without `.team_uid(..)` fail at run time; the type loses `impl Default` (`::default()` stops compiling)",
    );
}

/// As generated, `RunAgentRequest` has no required field, yet no `Default`: the
/// pipeline gives every object a required flattened `extra` map. So a new
/// required field takes no `Default` away.
#[test]
fn the_unknown_members_map_rules_out_default() {
    let rust = std::fs::read_to_string(tests::root().join(codegen::GENERATED_RUST)).unwrap();
    let types = &rust[..rust.find("pub mod builder").unwrap()];
    let at = types.find("pub struct RunAgentRequest {").unwrap();
    let derive = types[..at].rfind("#[derive(").unwrap();
    assert!(
        !types[derive..at].contains("Default"),
        "{}",
        &types[derive..at]
    );
    assert!(!types.contains("Default for RunAgentRequest"));
    assert!(types[at..].contains("pub extra: ::serde_json::Map"));

    let report = report_after(|s| {
        schema(s, "RunAgentRequest")["properties"]["team_uid"] = json!({"type": "string"});
        schema(s, "RunAgentRequest")["required"] = json!(["team_uid"]);
    });
    assert_single(&report, Effect::Breaking, "new required field `team_uid`");
    assert!(!report.changes[0].text.contains("Default"), "{report:#?}");
}

/// (c) progenitor's request builder checks required parameters in `send()`:
/// calls that do not set it still compile.
#[test]
fn a_new_required_query_parameter_breaks_at_run_time() {
    let report = report_after(|s| {
        s["paths"]["/agent/models"]["get"]["parameters"] = json!([{"name": "provider", "in": "query", "required": true, "schema": {"type": "string"}}]);
    });
    assert_single(
        &report,
        Effect::Breaking,
        "new required parameter `provider`; calls without `.provider(..)` fail at run time",
    );

    let now_required = report_after(|s| {
        let params = s["paths"]["/agent/runs"]["get"]["parameters"]
            .as_array_mut()
            .unwrap();
        let q = params.iter_mut().find(|p| p["name"] == "q").unwrap();
        q["required"] = json!(true);
    });
    assert_single(
        &now_required,
        Effect::Breaking,
        "parameter `q` is now required; calls without `.q(..)` fail at run time",
    );
}

/// (d) Code that builds a response type (test fixtures, mocks) with its builder
/// fails at run time until it sets the new field; the same goes for a field
/// made required (which also turns `Option<T>` into `T`, see `response_fields`)
/// and for a type used on both sides.
#[test]
fn a_new_required_response_field_breaks_builders() {
    let report = report_after(|s| {
        schema(s, "RunItem")["properties"]["foo"] = json!({"type": "string"});
        schema(s, "RunItem")["required"]
            .as_array_mut()
            .unwrap()
            .push(json!("foo"));
    });
    assert_single(
        &report,
        Effect::Breaking,
        "`types::RunItem`: new required field `foo`; code that builds one with its builder (test fixtures, mocks) fails at run time until it sets `.foo(..)`",
    );

    // Sent and received: the request message, which covers builders too.
    let both = report_after(|s| {
        schema(s, "SessionSharingConfig")["properties"]["foo"] = json!({"type": "string"});
        schema(s, "SessionSharingConfig")["required"] = json!(["foo"]);
    });
    assert_single(
        &both,
        Effect::Breaking,
        "`types::SessionSharingConfig`: new required field `foo`; requests built without `.foo(..)` fail at run time",
    );
}
