//! `cargo xtask regen` as a maintainer runs it: exit codes, messages, and a tree
//! left exactly as it was on every error.

use std::process::{Command, Output};

use serde_json::{Value, json};
use tests::{Scratch, published_spec_value};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run xtask")
}

/// Writes a copy of the published spec with one more optional `RunItem` field
/// (an additive change) into the scratch, and returns its path.
fn newer_spec(scratch: &Scratch) -> String {
    let mut spec = published_spec_value();
    spec["components"]["schemas"]["RunItem"]["properties"]["priority"] = json!({"type": "integer"});
    let newer = scratch.path().join("newer.json");
    std::fs::write(&newer, serde_json::to_string(&spec).unwrap()).unwrap();
    newer.to_str().unwrap().to_string()
}

/// Makes the scratch's generated Rust stale.
fn make_stale(scratch: &Scratch) {
    std::fs::write(scratch.path().join("oz-api/src/generated.rs"), "// stale\n").unwrap();
}

fn is_stale(scratch: &Scratch) -> bool {
    std::fs::read_to_string(scratch.path().join("oz-api/src/generated.rs")).unwrap() == "// stale\n"
}

fn regen(scratch: &Scratch, extra: &[&str]) -> Output {
    let root = scratch.path().to_str().unwrap();
    let mut args = vec!["regen", "--root", root];
    args.extend_from_slice(extra);
    xtask(&args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs regen on a broken spec and checks: exit 1, each expected fragment in
/// the message, no panic, and no file changed.
fn assert_rejected(spec_text: &str, expected: &[&str]) {
    let scratch = Scratch::new();
    let broken = scratch.path().join("broken.yaml");
    std::fs::write(&broken, spec_text).unwrap();
    let before = scratch.contents();
    let output = regen(&scratch, &["--spec", broken.to_str().unwrap()]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    for fragment in expected {
        assert!(
            message.contains(fragment),
            "expected {fragment:?} in:\n{message}"
        );
    }
    assert!(message.contains("hint:"), "no hint in:\n{message}");
    assert!(
        !message.contains("panicked") && !message.contains("RUST_BACKTRACE"),
        "{message}"
    );
    assert_eq!(before, scratch.contents(), "files changed on error");
}

fn rejected_after(edit: impl FnOnce(&mut Value), expected: &[&str]) {
    let mut spec = published_spec_value();
    edit(&mut spec);
    assert_rejected(&serde_json::to_string_pretty(&spec).unwrap(), expected);
}

#[test]
fn regen_writes_then_check_passes() {
    let scratch = Scratch::new();
    std::fs::write(scratch.path().join("oz-api/src/generated.rs"), "// stale\n").unwrap();
    let output = regen(&scratch, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("28 operations"), "{stdout}");
    assert!(
        stdout.contains("1 files changed: oz-api/src/generated.rs"),
        "{stdout}"
    );
    let check = regen(&scratch, &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("oz-api/src/generated.rs")).unwrap(),
        std::fs::read_to_string(tests::root().join("oz-api/src/generated.rs")).unwrap()
    );
}

#[test]
fn check_reports_stale_files_with_a_diff_and_changes_nothing() {
    let scratch = Scratch::new();
    let file = scratch.path().join("spec/oz-api.normalized.json");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"Oz Agent API\"", "\"Edited\"");
    std::fs::write(&file, &edited).unwrap();
    let before = scratch.contents();
    let output = regen(&scratch, &["--check"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("--- a/spec/oz-api.normalized.json"),
        "{stdout}"
    );
    assert!(stdout.contains("-    \"title\": \"Edited\""), "{stdout}");
    assert!(
        stdout.contains("+    \"title\": \"Oz Agent API\""),
        "{stdout}"
    );
    assert!(stderr(&output).contains("run `cargo xtask regen`"));
    assert_eq!(before, scratch.contents());
}

/// The typed mocks' file is a generated file too: `--check` names it when it
/// is stale or missing, and regen writes it back.
#[test]
fn the_mocks_file_is_checked_and_rewritten_like_the_others() {
    let scratch = Scratch::new();
    let mocks = scratch.path().join(codegen::GENERATED_MOCKS);
    let published = std::fs::read_to_string(tests::root().join(codegen::GENERATED_MOCKS)).unwrap();
    assert!(published.contains("impl MockServer"), "{published}");
    for stale in [Some("// stale\n"), None] {
        match stale {
            Some(text) => std::fs::write(&mocks, text).unwrap(),
            None => std::fs::remove_file(&mocks).unwrap(),
        }
        let output = regen(&scratch, &["--check"]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("generated files are stale: oz-api/src/generated/mocks.rs"),
            "{}",
            stderr(&output)
        );
        let output = regen(&scratch, &[]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            String::from_utf8_lossy(&output.stdout)
                .contains("1 files changed: oz-api/src/generated/mocks.rs"),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(std::fs::read_to_string(&mocks).unwrap(), published);
    }
}

#[test]
fn spec_option_regenerates_from_another_file() {
    let scratch = Scratch::workspace();
    let mut spec = published_spec_value();
    spec["components"]["schemas"]["RunState"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("PAUSED"));
    let newer = scratch.path().join("newer.json");
    std::fs::write(&newer, serde_json::to_string(&spec).unwrap()).unwrap();
    let output = regen(&scratch, &["--spec", newer.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rust = std::fs::read_to_string(scratch.path().join("oz-api/src/generated.rs")).unwrap();
    assert!(rust.contains("#[serde(rename = \"PAUSED\")]"));
    assert!(rust.contains("// Spec: newer.json, normalized SHA-256"));
    // The published spec file itself is untouched.
    assert_eq!(
        std::fs::read(scratch.spec()).unwrap(),
        std::fs::read(tests::root().join("spec/oz-api.yaml")).unwrap()
    );
}

#[test]
fn usage_errors_exit_2() {
    const USAGE: &str = "Usage: cargo xtask regen [--check] [--spec PATH] [--root DIR]\n       \
                         cargo xtask diff OLD NEW [--output FILE]\n       \
                         cargo xtask bench [--quick]";
    for (args, expected) in [
        (
            &["regen", "--bogus"][..],
            &[
                "error: unexpected argument '--bogus' found",
                "Usage: cargo xtask regen",
            ][..],
        ),
        (
            &["frobnicate"],
            &["error: unrecognized subcommand 'frobnicate'", USAGE],
        ),
        (
            &[],
            &[USAGE, "regen    generate every file from spec/oz-api.yaml"],
        ),
        (
            &["regen", "--spec"],
            &["error: a value is required for '--spec <PATH>' but none was supplied"],
        ),
        (
            &["diff", "only-one.yaml"],
            &["<NEW>", "Usage: cargo xtask diff"],
        ),
        (
            &["bench", "--slow"],
            &["'--slow'", "Usage: cargo xtask bench"],
        ),
    ] {
        let output = xtask(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        for fragment in expected {
            assert!(
                stderr(&output).contains(fragment),
                "{args:?}: expected {fragment:?} in:\n{}",
                stderr(&output)
            );
        }
    }
    let help = xtask(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains(USAGE));
    let help = xtask(&["regen", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let regen_help = String::from_utf8_lossy(&help.stdout);
    assert!(
        regen_help.contains(
            "--check               write nothing; fail with a diff if any generated file is stale"
        ),
        "{regen_help}"
    );
    assert!(
        regen_help.contains("--max-spec-bytes <N>  refuse a spec larger than N bytes"),
        "{regen_help}"
    );
}

#[test]
fn missing_spec_file() {
    let scratch = Scratch::new();
    let before = scratch.contents();
    let output = regen(&scratch, &["--spec", "/nonexistent/oz-api.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("/nonexistent/oz-api.yaml: cannot read file"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, scratch.contents());
}

#[test]
fn empty_spec_file() {
    assert_rejected("  \n", &["broken.yaml: file is empty"]);
}

#[test]
fn yaml_syntax_error_names_line_and_column() {
    assert_rejected(
        "openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\npaths: {}\n",
        &["broken.yaml:4:", "invalid YAML"],
    );
}

#[test]
fn document_that_is_not_a_mapping() {
    assert_rejected(
        "- just\n- a list\n",
        &["broken.yaml#/ (document root)", "not a mapping"],
    );
}

#[test]
fn openapi_3_1_is_refused() {
    rejected_after(
        |s| s["openapi"] = json!("3.1.0"),
        &["#/openapi", "OpenAPI version 3.1.0 is not supported"],
    );
}

#[test]
fn swagger_2_is_refused() {
    rejected_after(
        |s| {
            let root = s.as_object_mut().unwrap();
            root.remove("openapi");
            root.insert("swagger".into(), json!("2.0"));
        },
        &["#/openapi", "Swagger 2.0"],
    );
}

#[test]
fn duplicate_operation_id() {
    rejected_after(
        |s| s["paths"]["/agent/runs"]["get"]["operationId"] = json!("getRun"),
        &[
            "duplicate operationId `getRun`",
            "/paths/~1agent~1runs~1{runId}/get/operationId",
        ],
    );
}

#[test]
fn operation_ids_that_become_the_same_method() {
    rejected_after(
        |s| s["paths"]["/agent/models"]["get"]["operationId"] = json!("list_runs"),
        &["both become the Rust method `list_runs`"],
    );
}

#[test]
fn missing_operation_id() {
    rejected_after(
        |s| {
            s["paths"]["/agent/models"]["get"]
                .as_object_mut()
                .unwrap()
                .remove("operationId");
        },
        &[
            "#/paths/~1agent~1models/get/operationId",
            "GET /agent/models has no operationId",
        ],
    );
}

#[test]
fn unresolved_reference() {
    rejected_after(
        |s| {
            s["components"]["schemas"]["RunItem"]["properties"]["state"] =
                json!({"$ref": "#/components/schemas/RunStatus"})
        },
        &[
            "#/components/schemas/RunItem/properties/state/$ref",
            "unresolved reference `#/components/schemas/RunStatus`",
        ],
    );
}

#[test]
fn external_reference() {
    rejected_after(
        |s| {
            s["components"]["schemas"]["RunItem"]["properties"]["state"] =
                json!({"$ref": "common.yaml#/RunState"})
        },
        &[
            "/properties/state/$ref",
            "unsupported reference `common.yaml#/RunState`",
        ],
    );
}

#[test]
fn two_success_body_types() {
    rejected_after(
        |s| {
            s["paths"]["/agent/runs"]["get"]["responses"]["201"] = json!({
                "description": "other",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunItem"}}}
            })
        },
        &[
            "#/paths/~1agent~1runs/get/responses",
            "2 different success (2xx) response bodies",
            "201 -> JSON RunItem",
        ],
    );
}

#[test]
fn two_error_body_types() {
    rejected_after(
        |s| {
            s["paths"]["/agent/runs/{runId}"]["get"]["responses"]["404"]["content"]["application/json"]
                ["schema"] = json!({"$ref": "#/components/schemas/RunItem"})
        },
        &[
            "#/paths/~1agent~1runs~1{runId}/get/responses",
            "different error (4xx/5xx) response bodies",
        ],
    );
}

#[test]
fn json_content_without_schema() {
    rejected_after(
        |s| {
            s["paths"]["/agent/models"]["get"]["responses"]["200"]["content"]["application/json"]
                .as_object_mut()
                .unwrap()
                .remove("schema");
        },
        &[
            "#/paths/~1agent~1models/get/responses/200/content/application~1json",
            "has no schema",
        ],
    );
}

#[test]
fn path_parameter_not_declared() {
    rejected_after(
        |s| {
            let item = s["paths"]
                .as_object_mut()
                .unwrap()
                .remove("/agent/runs/{runId}")
                .unwrap();
            s["paths"]["/agent/runs/{runId}/{extra}"] = item;
        },
        &["uses `{extra}` but no `in: path` parameter `extra` is declared"],
    );
}

#[test]
fn wrongly_typed_field_is_located() {
    rejected_after(
        |s| s["paths"]["/agent/models"]["get"]["parameters"] = json!("limit"),
        &[
            "#/paths/~1agent~1models/get/parameters",
            "not a valid OpenAPI 3.0 document",
        ],
    );
}

#[test]
fn missing_paths() {
    rejected_after(
        |s| {
            s.as_object_mut().unwrap().remove("paths");
        },
        &["#/paths", "`paths` is missing"],
    );
}

/// Upstream made the fix's own change: the fix is moot, not stale. regen
/// goes on (the spec is what the fix wanted) and says to delete the fix.
#[test]
fn moot_fix_whose_bug_upstream_fixed_warns_and_regen_goes_on() {
    let scratch = Scratch::new();
    let mut spec = published_spec_value();
    spec["paths"]["/agent/identities"]["get"]["operationId"] = json!("listAgentIdentities");
    let fixed = scratch.path().join("fixed.json");
    std::fs::write(&fixed, serde_json::to_string(&spec).unwrap()).unwrap();
    let output = regen(&scratch, &["--spec", fixed.to_str().unwrap()]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{message}");
    assert!(
        message.contains("fix `agent-identities-operation-id` is moot")
            && message.contains("delete the fix"),
        "{message}"
    );
    // The same code as from the published spec with the fix applied.
    let generated = |root: &std::path::Path| {
        std::fs::read_to_string(root.join("oz-api/src/generated.rs"))
            .unwrap()
            .lines()
            .skip_while(|l| l.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(generated(scratch.path()), generated(&tests::root()));
}

#[test]
fn stale_fix_whose_target_is_gone() {
    rejected_after(
        |s| {
            s["paths"]
                .as_object_mut()
                .unwrap()
                .remove("/agent/identities");
        },
        &[
            "fix `agent-identities-operation-id` is stale",
            "the target does not exist",
        ],
    );
}

#[test]
fn broken_fixes_file() {
    let scratch = Scratch::new();
    std::fs::write(
        scratch.path().join("spec/oz-api.fixes.yaml"),
        "fixes:\n  - id: x\n    target: /openapi\n",
    )
    .unwrap();
    let before = scratch.contents();
    let output = regen(&scratch, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("spec/oz-api.fixes.yaml:"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("missing field"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, scratch.contents());
}

#[test]
fn diff_prints_a_changelog_section_or_writes_it() {
    let scratch = Scratch::new();
    let mut spec = published_spec_value();
    spec["components"]["schemas"]["RunState"]["enum"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v != "BLOCKED");
    let older = scratch.path().join("older.json");
    std::fs::write(&older, serde_json::to_string(&spec).unwrap()).unwrap();
    let current = tests::root().join("spec/oz-api.yaml");
    let output = xtask(&["diff", older.to_str().unwrap(), current.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("## oz-api 0.1.1: older.json → oz-api.yaml"),
        "{stdout}"
    );
    assert!(stdout.contains("new enum values \"BLOCKED\""), "{stdout}");

    let file = scratch.path().join("CHANGES.md");
    let output = xtask(&[
        "diff",
        current.to_str().unwrap(),
        older.to_str().unwrap(),
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = std::fs::read_to_string(file).unwrap();
    assert!(written.contains("**breaking**: release 0.2.0"), "{written}");

    let missing = xtask(&["diff", "/nonexistent.yaml", current.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(xtask(&["diff", "only-one.yaml"]).status.code(), Some(2));
}

#[test]
fn regen_prints_the_drift_report_against_the_previous_spec() {
    let scratch = Scratch::workspace();
    let newer = newer_spec(&scratch);
    let output = regen(&scratch, &["--spec", &newer]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The version is the one in the workspace regen writes into.
    assert!(
        stdout.contains("Verdict: **additive**: release 0.3.1 (from 0.3.0)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`types::RunItem`: new optional field `priority`"),
        "{stdout}"
    );
}

#[test]
fn drift_report_without_a_readable_version_is_an_error() {
    // Not a cargo workspace: no Cargo.toml to read oz-api's version from.
    let scratch = Scratch::new();
    let newer = newer_spec(&scratch);
    let before = scratch.contents();
    let output = regen(&scratch, &["--spec", &newer]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    let manifest = scratch.path().join("Cargo.toml");
    assert!(
        message.contains(&format!(
            "error: {}: cannot read oz-api's version: `cargo metadata` failed:",
            manifest.display()
        )),
        "{message}"
    );
    assert!(message.contains("hint: "), "{message}");
    assert!(message.ends_with("nothing was written\n"), "{message}");
    assert_eq!(before, scratch.contents(), "files changed on error");

    // A workspace without oz-api.
    std::fs::write(&manifest, "[workspace]\n").unwrap();
    let output = regen(&scratch, &["--spec", &newer]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output)
            .contains("cannot read oz-api's version: the workspace has no package `oz-api`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_and_regen_without_drift_do_not_run_cargo() {
    // `$CARGO` is the cargo regen runs, and it runs none unless it prints a report.
    let scratch = Scratch::workspace();
    let run = |extra: &[&str]| {
        let root = scratch.path().to_str().unwrap();
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["regen", "--root", root])
            .args(extra)
            .env("CARGO", "/nonexistent/cargo")
            .output()
            .unwrap()
    };
    make_stale(&scratch);
    let output = run(&["--check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("generated files are stale: oz-api/src/generated.rs"));
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = run(&["--check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let newer = newer_spec(&scratch);
    let output = run(&["--spec", &newer]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot run `/nonexistent/cargo metadata`"),
        "{}",
        stderr(&output)
    );
}

/// Runs `xtask regen` with no `--root` as a program started in `dir`, with
/// `vars` set and cargo's variables for xtask unset.
fn regen_in(dir: &std::path::Path, vars: &[(&str, &std::path::Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .arg("regen")
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PKG_NAME");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn run_directly_it_acts_on_the_workspace_around_the_current_directory() {
    let here = Scratch::workspace();
    make_stale(&here);
    let output = regen_in(&here.path().join("oz-api/src"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("1 files changed: oz-api/src/generated.rs")
    );
    assert!(!is_stale(&here));

    // Outside any workspace it says so, and writes nothing.
    let nowhere = tempfile::tempdir().unwrap();
    let in_a_workspace = nowhere
        .path()
        .ancestors()
        .any(|dir| dir.join("Cargo.toml").exists());
    if !in_a_workspace {
        let output = regen_in(nowhere.path(), &[]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{message}");
        assert!(
            message
                .contains("no Cargo.toml with a [workspace] table here or in any parent directory"),
            "{message}"
        );
        assert!(message.contains("hint: "), "{message}");
        assert!(message.ends_with("nothing was written\n"), "{message}");
    }
}

#[test]
fn run_by_cargo_it_acts_on_the_workspace_cargo_names() {
    // `cargo run` sets xtask's CARGO_MANIFEST_DIR (and CARGO_PKG_NAME) at run time:
    // that workspace wins over the current directory's.
    let (named, current) = (Scratch::workspace(), Scratch::workspace());
    make_stale(&named);
    make_stale(&current);
    let manifest_dir = named.path().join("xtask");
    let output = regen_in(
        current.path(),
        &[
            ("CARGO_MANIFEST_DIR", &manifest_dir),
            ("CARGO_PKG_NAME", std::path::Path::new("xtask")),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!is_stale(&named));
    assert!(is_stale(&current));

    // Another package's manifest directory, inherited from a `cargo run` of it,
    // says nothing about where xtask was run.
    let output = regen_in(
        current.path(),
        &[
            ("CARGO_MANIFEST_DIR", &manifest_dir),
            ("CARGO_PKG_NAME", std::path::Path::new("another")),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!is_stale(&current));
}
