//! Newer-API fixture corpus: response bodies shaped like the response models of
//! Warp's Python SDK `oz-agent-sdk` 0.15.0, which Stainless generated from a
//! newer spec than `spec/oz-api.yaml`. It is evidence of what the live API sends.
//!
//! `tests/newer-api/manifest.json` lists every SDK response model (with the
//! models nested in it), the oz-api type it corresponds to, what is new in it
//! compared with our spec, and where in which fixture it occurs. Each fixture
//! `tests/newer-api/<name>.json` is `{"rust_type": ..., "body": ...}`.
//!
//! One test checks everything and reports every failure at once:
//! - the manifest and the fixtures agree: every entry, new field, new enum value
//!   and new union variant is contained in some fixture, every fixture is
//!   referenced, and a fixture's `rust_type` is that of an entry covering its body;
//! - every fixture's body decodes into its oz-api type, serializes back to the
//!   same JSON, and no union member whose tag our spec knows decodes as `Unknown`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("newer-api")
}

/// Decodes `body` into the oz-api type named `rust_type` and serializes it
/// back. `None` when the name maps to no type this test knows.
fn round_trip(rust_type: &str, body: &Value) -> Option<Result<Value, String>> {
    macro_rules! decode_as {
        ($ty:ty) => {
            Some(
                serde_json::from_value::<$ty>(body.clone())
                    .map_err(|e| format!("does not decode: {e}"))
                    .and_then(|decoded| {
                        serde_json::to_value(&decoded)
                            .map_err(|e| format!("decodes but does not serialize: {e}"))
                    }),
            )
        };
    }
    macro_rules! types {
        ($($name:ident),* $(,)?) => {
            match rust_type {
                $(stringify!($name) => decode_as!(oz_api::types::$name),)*
                // cancelRun answers a bare JSON string.
                "String" => decode_as!(::std::string::String),
                _ => None,
            }
        };
    }
    types!(
        // top-level response bodies
        RunItem,
        ListRunsResponse,
        RunAgentResponse,
        ArtifactResponse,
        AgentResponse,
        ListAgentIdentitiesResponse,
        ListAgentsResponse,
        ListEnvironmentsResponse,
        ScheduledAgentItem,
        ListScheduledAgentsResponse,
        DeleteScheduledAgentResponse,
        // nested models
        ArtifactItem,
        AmbientAgentConfig,
        CloudEnvironment,
        CloudEnvironmentConfig,
        RunStatusMessage,
        RequestUsage,
    )
}

/// For a union type: decodes `value` and says whether it became `Unknown`.
/// `None` when `rust_type` is no union this test knows.
fn decodes_as_unknown(rust_type: &str, value: &Value) -> Option<Result<bool, String>> {
    use oz_api::types::{ArtifactItem, ArtifactResponse};
    let result = match rust_type {
        "ArtifactItem" => serde_json::from_value::<ArtifactItem>(value.clone())
            .map(|decoded| matches!(decoded, ArtifactItem::Unknown(_))),
        "ArtifactResponse" => serde_json::from_value::<ArtifactResponse>(value.clone())
            .map(|decoded| matches!(decoded, ArtifactResponse::Unknown(_))),
        _ => return None,
    };
    Some(result.map_err(|e| e.to_string()))
}

struct Fixture {
    rust_type: Option<String>,
    body: Value,
}

/// Every value at `at` inside `body`, with its concrete path. `at` is ""
/// (the body) or JSON-pointer segments where `*` stands for every element of
/// an array or every value of an object.
fn resolve(body: &Value, at: &str) -> Result<Vec<(String, Value)>, String> {
    if !at.is_empty() && !at.starts_with('/') {
        return Err(format!("path `{at}` must be empty or start with `/`"));
    }
    let mut found = vec![(String::new(), body.clone())];
    for segment in at.split('/').skip(1) {
        let mut next = Vec::new();
        for (path, value) in found {
            match (segment, &value) {
                ("*", Value::Array(items)) => next.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| (format!("{path}/{i}"), item.clone())),
                ),
                ("*", Value::Object(map)) => next.extend(
                    map.iter()
                        .map(|(key, item)| (format!("{path}/{key}"), item.clone())),
                ),
                (_, Value::Array(items)) => {
                    if let Some(item) = segment.parse::<usize>().ok().and_then(|i| items.get(i)) {
                        next.push((format!("{path}/{segment}"), item.clone()));
                    }
                }
                (_, Value::Object(map)) => {
                    if let Some(item) = map.get(segment) {
                        next.push((format!("{path}/{segment}"), item.clone()));
                    }
                }
                _ => {}
            }
        }
        found = next;
    }
    Ok(found)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 70 {
        format!("{}…", text.chars().take(70).collect::<String>())
    } else {
        text
    }
}

/// Replaces array indices in a path with `*`, so that the same difference in
/// every item of a list is reported once.
fn generalize(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Differences between the fixture body and what oz-api serialized back.
fn diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(exp), Value::Object(act)) => {
            for (key, value) in exp {
                let here = format!("{path}/{key}");
                match act.get(key) {
                    Some(other) => diff(&here, value, other, out),
                    None => out.push(format!("dropped `{}`", generalize(&here))),
                }
            }
            for (key, value) in act {
                if !exp.contains_key(key) {
                    let here = generalize(&format!("{path}/{key}"));
                    out.push(format!("added `{here}`: {}", short(value)));
                }
            }
        }
        (Value::Array(exp), Value::Array(act)) if exp.len() == act.len() => {
            for (i, (e, a)) in exp.iter().zip(act).enumerate() {
                diff(&format!("{path}/{i}"), e, a, out);
            }
        }
        _ if expected != actual => out.push(format!(
            "changed `{}`: {} -> {}",
            if path.is_empty() { "/" } else { path },
            short(expected),
            short(actual)
        )),
        _ => {}
    }
}

fn nulls(path: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(if path.is_empty() {
            "/".into()
        } else {
            path.into()
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nulls(&format!("{path}/{i}"), item, out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                nulls(&format!("{path}/{key}"), item, out);
            }
        }
        _ => {}
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))
}

#[test]
fn newer_api_fixtures_decode_and_round_trip() {
    let dir = corpus_dir();
    // Failures by subject ("manifest: <class>" or a fixture file name).
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    macro_rules! fail {
        ($subject:expr, $what:expr $(,)?) => {
            failures
                .entry(::std::string::ToString::to_string($subject))
                .or_default()
                .push($what)
        };
    }

    // ---------------------------------------------------------------- load
    let manifest = match read_json(&dir.join("manifest.json")) {
        Ok(manifest) => manifest,
        Err(e) => panic!("{}: {e}", dir.join("manifest.json").display()),
    };
    let mut fixtures: BTreeMap<String, Fixture> = BTreeMap::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| name.ends_with(".json") && name != "manifest.json")
        .collect();
    names.sort();
    for name in names {
        let value = match read_json(&dir.join(&name)) {
            Ok(value) => value,
            Err(e) => {
                fail!(&name, e);
                continue;
            }
        };
        let rust_type = match value.get("rust_type") {
            Some(Value::String(name)) => Some(name.clone()),
            Some(Value::Null) => None,
            _ => {
                fail!(&name, "`rust_type` must be a string or null".into());
                continue;
            }
        };
        let Some(body) = value.get("body").cloned() else {
            fail!(&name, "no `body`".into());
            continue;
        };
        let mut null_paths = Vec::new();
        nulls("", &body, &mut null_paths);
        for path in null_paths {
            fail!(
                &name,
                format!("explicit null at `{path}` (omit the field instead)")
            );
        }
        fixtures.insert(name, Fixture { rust_type, body });
    }
    let empty = Vec::new();
    let entries = manifest
        .get("entries")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if entries.is_empty() {
        fail!("manifest", "no `entries`".into());
    }

    // ------------------------------------------ manifest <-> fixture coverage
    let mut referenced: BTreeSet<&str> = BTreeSet::new();
    // Fixture -> rust types of the entries covering its whole body.
    let mut body_types: BTreeMap<&str, Vec<Option<&str>>> = BTreeMap::new();
    // Union members to check for `Unknown`: (fixture, path, union type, tag, known).
    let mut union_members: Vec<(String, String, String, String, bool)> = Vec::new();
    let mut python_names = BTreeSet::new();
    for entry in entries {
        let python = entry.get("python").and_then(Value::as_str).unwrap_or("?");
        let subject = format!("manifest: {python}");
        if !python_names.insert(python) {
            fail!(&subject, "listed twice".into());
        }
        let kind = entry.get("kind").and_then(Value::as_str).unwrap_or("");
        let rust_type = match entry.get("rust_type") {
            Some(Value::String(name)) => Some(name.as_str()),
            Some(Value::Null) => {
                if entry.get("reason").and_then(Value::as_str).is_none() {
                    fail!(&subject, "`rust_type` is null without a `reason`".into());
                }
                None
            }
            _ => {
                fail!(&subject, "`rust_type` must be a string or null".into());
                None
            }
        };
        let refs = entry
            .get("fixtures")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        if refs.is_empty() {
            fail!(&subject, "no fixture covers it".into());
        }
        // Every instance of the model in the corpus: (fixture, path, value).
        let mut instances: Vec<(&str, String, Value)> = Vec::new();
        for reference in refs {
            let file = reference.get("file").and_then(Value::as_str).unwrap_or("");
            let at = reference.get("at").and_then(Value::as_str).unwrap_or("");
            referenced.insert(file);
            let Some(fixture) = fixtures.get(file) else {
                fail!(&subject, format!("fixture `{file}` does not exist"));
                continue;
            };
            if at.is_empty() {
                body_types.entry(file).or_default().push(rust_type);
            }
            match resolve(&fixture.body, at) {
                Ok(found) if found.is_empty() => {
                    fail!(&subject, format!("`{file}` has nothing at `{at}`"))
                }
                Ok(found) => {
                    instances.extend(found.into_iter().map(|(path, value)| (file, path, value)))
                }
                Err(e) => fail!(&subject, format!("`{file}`: {e}")),
            }
        }
        if let Some(tag) = entry.get("tag").and_then(Value::as_object) {
            for (file, path, value) in &instances {
                for (key, expected) in tag {
                    if value.get(key) != Some(expected) {
                        fail!(
                            &subject,
                            format!("`{file}` at `{path}`: `{key}` is not {expected}"),
                        );
                    }
                }
            }
        }
        let has_field = |field: &str| {
            instances
                .iter()
                .any(|(_, _, value)| value.get(field).is_some())
        };
        match kind {
            "object" | "union" => {
                for (file, path, value) in &instances {
                    if !value.is_object() {
                        fail!(&subject, format!("`{file}` at `{path}` is not an object"));
                    }
                }
            }
            "enum" => {
                for (file, path, value) in &instances {
                    if !value.is_string() {
                        fail!(&subject, format!("`{file}` at `{path}` is not a string"));
                    }
                }
            }
            "scalar" => {}
            other => fail!(&subject, format!("unknown kind `{other}`")),
        }
        for field in strings(entry.get("new_fields")) {
            if !has_field(&field) {
                fail!(&subject, format!("new field `{field}` is in no fixture"));
            }
        }
        if let Some(values) = entry.get("new_field_values").and_then(Value::as_object) {
            for (field, values) in values {
                for wanted in strings(Some(values)) {
                    let present = instances.iter().any(|(_, _, value)| {
                        value.get(field).and_then(Value::as_str) == Some(wanted.as_str())
                    });
                    if !present {
                        fail!(
                            &subject,
                            format!("new value `{field}: {wanted}` is in no fixture"),
                        );
                    }
                }
            }
        }
        for wanted in strings(entry.get("new_values")) {
            if !instances
                .iter()
                .any(|(_, _, value)| value.as_str() == Some(wanted.as_str()))
            {
                fail!(&subject, format!("new value `{wanted}` is in no fixture"));
            }
        }
        if kind == "union" {
            let Some(discriminator) = entry.get("discriminator").and_then(Value::as_str) else {
                fail!(&subject, "union without `discriminator`".into());
                continue;
            };
            let variants = strings(entry.get("variants"));
            let new_variants = strings(entry.get("new_variants"));
            for wanted in &new_variants {
                if !variants.contains(wanted) {
                    fail!(
                        &subject,
                        format!("new variant `{wanted}` is not in `variants`"),
                    );
                }
                if !instances.iter().any(|(_, _, value)| {
                    value.get(discriminator).and_then(Value::as_str) == Some(wanted.as_str())
                }) {
                    fail!(&subject, format!("new variant `{wanted}` is in no fixture"));
                }
            }
            for (file, path, value) in instances {
                let tag = value
                    .get(discriminator)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                if !variants.contains(&tag) {
                    fail!(
                        &subject,
                        format!(
                            "`{file}` at `{path}`: `{discriminator}` `{tag}` is not in `variants`"
                        ),
                    );
                }
                if let Some(union_type) = rust_type {
                    let known = !new_variants.contains(&tag);
                    union_members.push((file.to_owned(), path, union_type.to_owned(), tag, known));
                }
            }
        }
    }
    for name in fixtures.keys() {
        if !referenced.contains(name.as_str()) {
            fail!(name, "not referenced by manifest.json".into());
        }
    }
    for (name, fixture) in &fixtures {
        let covering = body_types.get(name.as_str()).cloned().unwrap_or_default();
        if !covering.contains(&fixture.rust_type.as_deref()) {
            fail!(
                name,
                format!(
                    "`rust_type` {} is not the rust_type of any manifest entry covering the body (at \"\"): {covering:?}",
                    fixture.rust_type.as_deref().unwrap_or("null")
                ),
            );
        }
    }

    // ------------------------------------------ decode, round trip, unions
    let mut not_decoded = Vec::new();
    let mut passed = Vec::new();
    for (name, fixture) in &fixtures {
        let Some(rust_type) = &fixture.rust_type else {
            not_decoded.push(name.clone());
            continue;
        };
        let before = failures.get(name).map_or(0, Vec::len);
        let decoded = match round_trip(rust_type, &fixture.body) {
            None => {
                fail!(
                    name,
                    format!("rust_type `{rust_type}` maps to no oz-api type in this test"),
                );
                false
            }
            Some(Err(e)) => {
                fail!(name, e);
                false
            }
            Some(Ok(back)) => {
                let mut differences = Vec::new();
                diff("", &fixture.body, &back, &mut differences);
                let mut counted: Vec<(String, usize)> = Vec::new();
                for difference in differences {
                    match counted.iter_mut().find(|(seen, _)| *seen == difference) {
                        Some((_, count)) => *count += 1,
                        None => counted.push((difference, 1)),
                    }
                }
                for (difference, count) in counted {
                    let times = if count > 1 {
                        format!(" ({count}x)")
                    } else {
                        String::new()
                    };
                    fail!(name, format!("round trip: {difference}{times}"));
                }
                true
            }
        };
        // Unions inside a body that does not decode are not looked at: the
        // decoding error above already names them.
        for (file, path, union_type, tag, known) in &union_members {
            if file != name || !decoded {
                continue;
            }
            let shown = if path.is_empty() { "/" } else { path.as_str() };
            let value = resolve(&fixture.body, path)
                .ok()
                .and_then(|found| found.into_iter().next())
                .map(|(_, value)| value)
                .unwrap_or(Value::Null);
            match decodes_as_unknown(union_type, &value) {
                None => fail!(
                    name,
                    format!("union `{union_type}` maps to no oz-api union in this test"),
                ),
                Some(Err(e)) => fail!(
                    name,
                    format!("`{shown}` does not decode as {union_type}: {e}"),
                ),
                Some(Ok(true)) if *known => fail!(
                    name,
                    format!("`{shown}`: known tag `{tag}` decoded as {union_type}::Unknown"),
                ),
                Some(Ok(_)) => {}
            }
        }
        if failures.get(name).map_or(0, Vec::len) == before {
            passed.push(format!("{name} ({rust_type})"));
        }
    }

    // ---------------------------------------------------------------- report
    eprintln!(
        "newer-api corpus: {} manifest entries, {} fixtures",
        entries.len(),
        fixtures.len()
    );
    eprintln!("pass: {}", passed.join(", "));
    eprintln!(
        "not decoded (rust_type null: no oz-api counterpart): {}",
        not_decoded.join(", ")
    );
    if !failures.is_empty() {
        let mut report = format!(
            "{} of {} fixtures or manifest entries fail:\n",
            failures.len(),
            fixtures.len() + entries.len()
        );
        for (subject, what) in &failures {
            let rust_type = fixtures
                .get(subject)
                .and_then(|fixture| fixture.rust_type.as_deref())
                .map(|name| format!(" ({name})"))
                .unwrap_or_default();
            let _ = writeln!(report, "\n{subject}{rust_type}:");
            for line in what {
                let _ = writeln!(report, "  - {line}");
            }
        }
        panic!("{report}");
    }
}
