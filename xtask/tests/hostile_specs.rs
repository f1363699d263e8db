//! Hostile specs (`tests/hostile/`, see its README): `cargo xtask regen` on
//! specs written to hurt the maintainer who regenerates from them. Each ends
//! as pinned: regenerated with no doctest from the spec, or refused with the
//! file, a location, the limit and a hint, exit 1 and nothing written. Run as
//! a subprocess, so a bound that fails costs that process, not the test's.
//! Outcomes are asserted, never timings (BENCHMARKS.md has those).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use tests::corpus::{self, Expect, SpecText};
use tests::{Scratch, published_spec_value};

fn regen(scratch: &Scratch, spec: &Path, extra: &[&str]) -> Output {
    regen_with(scratch, spec, extra, &[])
}

fn regen_with(scratch: &Scratch, spec: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--root"])
        .arg(scratch.path())
        .arg("--spec")
        .arg(spec)
        .args(extra)
        .env("RUST_BACKTRACE", "1")
        .env_remove("OZ_REGEN_MAX_SPEC_BYTES")
        .env_remove("OZ_REGEN_WATCHDOG_SECS")
        .env_remove("OZ_REGEN_WATCHDOG_MIB")
        .envs(env.iter().copied())
        .output()
        .expect("run xtask")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Regen refuses the spec at `spec`: exit 1, every fragment in the message, a
/// hint, no panic, and the scratch root exactly as it was.
#[track_caller]
fn assert_refused(scratch: &Scratch, spec: &Path, extra: &[&str], expected: &[&str]) {
    let before = scratch.contents();
    let output = regen(scratch, spec, extra);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    for fragment in expected
        .iter()
        .chain(&["\n  hint: ", "nothing was written"])
    {
        assert!(
            message.contains(fragment),
            "expected {fragment:?} in:\n{message}"
        );
    }
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(before, scratch.contents(), "files changed on a refusal");
}

/// Regen accepts the spec at `spec`, and the Rust it writes holds no doctest.
#[track_caller]
fn assert_regenerates_without_doctests(scratch: &Scratch, spec: &Path) -> String {
    let output = regen(scratch, spec, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rust = std::fs::read_to_string(scratch.path().join("oz-api/src/generated.rs")).unwrap();
    let mocks = std::fs::read_to_string(scratch.path().join(codegen::GENERATED_MOCKS)).unwrap();
    for code in [&rust, &mocks] {
        let doctests = tests::doctests_in(code);
        assert!(
            doctests.is_empty(),
            "code blocks that would run: {doctests:?}"
        );
    }
    rust
}

fn write_spec(scratch: &Scratch, name: &str, spec: &Value) -> PathBuf {
    let path = scratch.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    path
}

#[test]
fn every_entry_of_the_hostile_corpus_ends_as_pinned() {
    let dir = tests::root().join("tests/hostile");
    let entries = corpus::load_dir(&dir);
    assert!(entries.len() >= 4, "{entries:?}");
    let published = published_spec_value();
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let scratch = Scratch::workspace();
        // The spec keeps its file name, so refusals name it as the maintainer would see it.
        let (name, bytes) = match entry.spec(&published).unwrap() {
            SpecText::Raw(bytes) => {
                let corpus::Source::File(file) = &entry.source else {
                    unreachable!()
                };
                (file.file_name().unwrap().to_owned(), bytes)
            }
            SpecText::Json(text) => (format!("{}.json", entry.stem).into(), text.into_bytes()),
        };
        let spec = scratch.path().join(name);
        std::fs::write(&spec, bytes).unwrap();
        match &entry.expect {
            Expect::Regenerates => {
                assert_regenerates_without_doctests(&scratch, &spec);
            }
            Expect::Refused(text) => assert_refused(&scratch, &spec, &[], &[text]),
        }
    }
}

#[test]
fn the_docs_entry_keeps_its_prose_and_its_code_as_text() {
    let entry = corpus::load_dir(&tests::root().join("tests/hostile"))
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.stem == "code-in-docs")
        .unwrap();
    let mut spec = published_spec_value();
    corpus::apply_patch(&mut spec, entry.edits().unwrap()).unwrap();
    let scratch = Scratch::workspace();
    let rust =
        assert_regenerates_without_doctests(&scratch, &write_spec(&scratch, "s.json", &spec));
    // Docs holding an unmatched `*/` are printed as `#[doc = "…"]`, escaped.
    for text in [
        "Lists runs.",
        "spec code ran: fenced",
        "spec code ran: in a quote",
        "Closing */ and opening /* a comment.",
        "spec code ran: split between summary and description",
        "spec code ran: unclosed",
        "u{202e}",
    ] {
        assert!(rust.contains(text), "{text:?} is not in the generated docs");
    }
    assert!(!rust.contains('\r') && !rust.contains('\u{202E}'));
    // The check above can fail: a doc with a plain fenced block is a doctest.
    assert_eq!(
        tests::doctests_in("/// ```\n/// spec_code();\n/// ```\nstruct S;\n"),
        ["item: "]
    );
}

#[test]
fn a_spec_larger_than_the_limit_is_refused_before_it_is_read() {
    let scratch = Scratch::new();
    let big = scratch.path().join("big.yaml");
    // Valid YAML (a comment line), one byte over 4 MiB.
    let mut text = tests::published_spec();
    text.push('#');
    text.push_str(&" ".repeat((4 << 20) + 1 - text.len()));
    std::fs::write(&big, &text).unwrap();
    assert_refused(
        &scratch,
        &big,
        &[],
        &[
            "big.yaml: the spec is larger than the limit of 4194304 bytes",
            "--max-spec-bytes N",
            "OZ_REGEN_MAX_SPEC_BYTES",
        ],
    );
    // The flag raises the limit (and lowers it).
    let output = regen(&scratch, &big, &["--max-spec-bytes", "5000000", "--check"]);
    assert!(
        stderr(&output).contains("generated files are stale") || output.status.success(),
        "{}",
        stderr(&output)
    );
    assert_refused(
        &scratch,
        &scratch.spec(),
        &["--max-spec-bytes", "1000"],
        &["oz-api.yaml: the spec is larger than the limit of 1000 bytes"],
    );
}

#[test]
fn many_tiny_operations_are_refused_before_generating() {
    let mut spec = published_spec_value();
    for i in 0..600 {
        spec["paths"][format!("/tiny/{i}")] = json!({"get": {
            "operationId": format!("tiny{i}"),
            "responses": {"204": {"description": "nothing"}},
        }});
    }
    let scratch = Scratch::new();
    let path = write_spec(&scratch, "tiny.json", &spec);
    assert_refused(
        &scratch,
        &path,
        &[],
        &[
            "tiny.json#/paths/~1tiny~1",
            "the spec is too large to generate: 628 operations",
            "over the limit of 4096 (the size limit of 4194304 bytes / 1024)",
            "--max-spec-bytes N",
        ],
    );
}

#[test]
fn a_long_ref_chain_counts_against_the_same_limit() {
    // Chain0 -> Chain1 -> ... -> Chain5000, an object: progenitor follows it
    // (a 3,000 chain regenerates in ~10 s), and each link is a schema to generate.
    let mut spec = published_spec_value();
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    for i in 0..5000 {
        schemas.insert(
            format!("Chain{i}"),
            json!({"$ref": format!("#/components/schemas/Chain{}", i + 1)}),
        );
    }
    schemas.insert("Chain5000".into(), json!({"type": "object"}));
    let scratch = Scratch::new();
    let path = write_spec(&scratch, "chain.json", &spec);
    assert_refused(
        &scratch,
        &path,
        &[],
        &[
            "chain.json#/components/schemas/Chain",
            "the spec is too large to generate",
        ],
    );
}

#[test]
fn a_spec_path_with_a_newline_stays_in_the_header_comment() {
    let scratch = Scratch::workspace();
    let path = scratch
        .path()
        .join("spec\n#[cfg(any())] pub fn injected() {}\n.yaml");
    std::fs::copy(scratch.spec(), &path).unwrap();
    let output = regen(&scratch, &path, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rust = std::fs::read_to_string(scratch.path().join("oz-api/src/generated.rs")).unwrap();
    assert!(
        rust.contains("// Spec: spec\\n#[cfg(any())] pub fn injected() {}\\n.yaml, normalized"),
        "{}",
        rust.lines().take(4).collect::<Vec<_>>().join("\n")
    );
    assert!(!rust.contains("\npub fn injected"));
}

#[test]
fn the_watchdog_stops_regen_before_anything_is_written() {
    // No spec admitted by the bounds gets near the default 900 MiB; a limit of
    // 1 MiB, which every process passes, shows what happens when one does.
    let scratch = Scratch::workspace();
    std::fs::write(scratch.path().join("oz-api/src/generated.rs"), "// stale\n").unwrap();
    let before = scratch.contents();
    let output = regen_with(
        &scratch,
        &scratch.spec(),
        &[],
        &[("OZ_REGEN_WATCHDOG_MIB", "1")],
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("MiB of memory, more than 1 MiB, stopped before writing anything"),
        "{message}"
    );
    assert!(message.contains("OZ_REGEN_WATCHDOG_MIB") && message.contains("nothing was written"));
    assert_eq!(before, scratch.contents());
    // A knob that is not a number is a usage error of its own.
    let output = regen_with(
        &scratch,
        &scratch.spec(),
        &[],
        &[("OZ_REGEN_WATCHDOG_SECS", "soon")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("$OZ_REGEN_WATCHDOG_SECS: `soon` is not a whole number"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, scratch.contents());
}
