//! The drift report: what a spec update changes for users of the generated
//! crate, each change classified under Cargo's semver rules for the code as the
//! pipeline generates it, and the release that follows.
//!
//! It compares two fixed, normalized specs. How a change affects Rust code
//! depends on the generated shape, which is a parameter ([`Shape`]): the pipeline
//! marks every generated type `#[non_exhaustive]` and every string enum open,
//! which turns "new optional field" and "new enum value" from breaking into additive.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::Value;

use crate::model::types::{Schema, Types};
use crate::model::{Api, Operation, Parameter};
use crate::naming::method_name;

/// How a change affects code that uses the generated API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// Nothing a user's code can observe at compile time (paths, docs).
    Internal,
    /// New API; existing code compiles and behaves as before.
    Additive,
    /// Existing code may stop compiling or start failing.
    Breaking,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub effect: Effect,
    pub text: String,
}

/// What the generated code looks like, as far as semver is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Generated structs and enums are `#[non_exhaustive]`.
    pub non_exhaustive: bool,
}

/// The shape the pipeline generates today.
pub const GENERATED: Shape = Shape {
    non_exhaustive: true,
};

#[derive(Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
}

impl Report {
    /// The most severe effect, or `None` when nothing changed.
    pub fn verdict(&self) -> Option<Effect> {
        self.changes.iter().map(|c| c.effect).max()
    }

    pub fn of(&self, effect: Effect) -> Vec<&str> {
        self.changes
            .iter()
            .filter(|c| c.effect == effect)
            .map(|c| c.text.as_str())
            .collect()
    }
}

/// The version that follows `current` (`x.y.z`) for this verdict.
pub fn next_version(current: &str, verdict: Option<Effect>) -> String {
    let parts: Vec<u64> = current.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let (major, minor, patch) = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    );
    match (verdict, major) {
        (None, _) => current.to_string(),
        (Some(Effect::Breaking), 0) => format!("0.{}.0", minor + 1),
        (Some(Effect::Breaking), _) => format!("{}.0.0", major + 1),
        (Some(Effect::Additive), 0) | (Some(Effect::Internal), _) => {
            format!("{major}.{minor}.{}", patch + 1)
        }
        (Some(Effect::Additive), _) => format!("{major}.{}.0", minor + 1),
    }
}

/// Changelog-ready Markdown for the release that follows `current`.
pub fn markdown(report: &Report, current: &str, title: &str) -> String {
    let verdict = report.verdict();
    let next = next_version(current, verdict);
    let mut out = String::new();
    let _ = writeln!(out, "## oz-api {next}: {title}\n");
    let summary = match verdict {
        None => "no change to the generated API; no release needed".to_string(),
        Some(Effect::Breaking) => format!("**breaking**: release {next} (from {current})"),
        Some(Effect::Additive) => format!("**additive**: release {next} (from {current})"),
        Some(Effect::Internal) => {
            format!("**internal** (no API change): release {next} (from {current})")
        }
    };
    let _ = writeln!(out, "Verdict: {summary}\n");
    write_changes(&mut out, report, "###");
    out
}

/// The changes as Markdown lists, most severe first, under `level` headings
/// (`###`); nothing for an effect without changes.
pub fn write_changes(out: &mut String, report: &Report, level: &str) {
    for (effect, heading) in [
        (Effect::Breaking, "Breaking changes"),
        (Effect::Additive, "Additions"),
        (Effect::Internal, "Internal changes"),
    ] {
        let items = report.of(effect);
        if !items.is_empty() {
            let _ = writeln!(out, "{level} {heading}\n");
            for item in items {
                let _ = writeln!(out, "- {item}");
            }
            out.push('\n');
        }
    }
}

/// Compares two fixed, normalized specs.
pub fn compare(old: &Value, new: &Value, shape: Shape) -> Report {
    let (old_api, new_api) = (Api::new(old, old), Api::new(new, new));
    let mut diff = Diff {
        changes: Vec::new(),
        shape,
        request_side: request_side(&new_api),
    };
    diff.operations(&old_api, &new_api);
    diff.schemas(&old_api.types, &new_api.types);
    Report {
        changes: diff.changes,
    }
}

struct Diff {
    changes: Vec<Change>,
    shape: Shape,
    /// Component schemas reachable from a request (bodies, parameters).
    request_side: BTreeSet<String>,
}

/// Keys that only document.
const DOC_KEYS: [&str; 5] = ["description", "summary", "example", "examples", "title"];

impl Diff {
    fn push(&mut self, effect: Effect, text: String) {
        // One line each: names from the spec cannot start a Markdown block or
        // end the changelog's generated part.
        let text = crate::format::one_line(&text);
        self.changes.push(Change { effect, text });
    }

    /// Additive when the generated types are non-exhaustive, else breaking.
    fn grows(&self) -> Effect {
        if self.shape.non_exhaustive {
            Effect::Additive
        } else {
            Effect::Breaking
        }
    }

    fn operations(&mut self, old: &Api, new: &Api) {
        fn index(api: &Api) -> BTreeMap<&str, &Operation> {
            api.operations
                .iter()
                .map(|op| (op.id.as_str(), op))
                .collect()
        }
        let (before, after) = (index(old), index(new));
        for (id, op) in &after {
            let (method, route) = (&op.method_name, op.template());
            let Some(old_op) = before.get(id) else {
                self.push(
                    Effect::Additive,
                    format!("new operation `{id}` ({route}): `Client::{method}`"),
                );
                continue;
            };
            let subject = format!("`Client::{method}` ({route})");
            let old_route = old_op.template();
            if old_route != route {
                self.push(
                    Effect::Internal,
                    format!(
                        "{subject}: now sent to {route} (was {old_route}); calls are unchanged"
                    ),
                );
            }
            match (old_op.deprecated, op.deprecated) {
                (false, true) => self.push(
                    Effect::Additive,
                    format!("{subject} is deprecated (`#[deprecated]` warns)"),
                ),
                (true, false) => self.push(
                    Effect::Internal,
                    format!("{subject} is no longer deprecated"),
                ),
                _ => {}
            }
            self.parameters(&subject, old_op, op);
            if shape_of(old_op.body.as_ref()) != shape_of(op.body.as_ref()) {
                self.push(
                    Effect::Breaking,
                    format!("{subject}: the request body type changed"),
                );
            }
            let success = |op: &Operation| shape_of(op.success().and_then(|r| r.json.as_ref()));
            if success(old_op) != success(op) {
                self.push(
                    Effect::Breaking,
                    format!("{subject}: the response type changed"),
                );
            }
            if old_op.docs != op.docs {
                self.push(
                    Effect::Internal,
                    format!("{subject}: documentation changed"),
                );
            }
        }
        for (id, op) in &before {
            if !after.contains_key(id) {
                self.push(
                    Effect::Breaking,
                    format!(
                        "operation `{id}` ({}) removed: `Client::{}` is gone",
                        op.template(),
                        op.method_name
                    ),
                );
            }
        }
    }

    fn parameters(&mut self, subject: &str, old: &Operation, new: &Operation) {
        fn params(op: &Operation) -> BTreeMap<&str, &Parameter> {
            op.parameters.iter().map(|p| (p.name.as_str(), p)).collect()
        }
        let (before, after) = (params(old), params(new));
        for (name, param) in &after {
            let setter = method_name(name);
            let Some(was) = before.get(name) else {
                if param.required {
                    // progenitor's builder checks it in `send()`: it compiles, then fails.
                    self.push(Effect::Breaking, format!("{subject}: new required parameter `{name}`; calls without `.{setter}(..)` fail at run time"));
                } else {
                    self.push(
                        Effect::Additive,
                        format!("{subject}: new optional parameter `.{setter}(..)`"),
                    );
                }
                continue;
            };
            match (was.required, param.required) {
                (false, true) => self.push(
                    Effect::Breaking,
                    format!("{subject}: parameter `{name}` is now required; calls without `.{setter}(..)` fail at run time"),
                ),
                (true, false) => self.push(
                    Effect::Additive,
                    format!("{subject}: parameter `{name}` is now optional"),
                ),
                _ => {}
            }
            // Schema `$ref`s stay: `schema` compares them by name.
            self.schema(
                &format!("{subject}: parameter `{name}`"),
                &was.schema,
                &param.schema,
                true,
            );
        }
        for name in before.keys().filter(|n| !after.contains_key(*n)) {
            self.push(
                Effect::Breaking,
                format!(
                    "{subject}: parameter `{name}` removed (`.{}(..)` is gone)",
                    method_name(name)
                ),
            );
        }
    }

    fn schemas(&mut self, old: &Types, new: &Types) {
        for Schema {
            name,
            value: schema,
            ..
        } in &new.schemas
        {
            let rust = crate::remodel::renamed(name);
            match old.schema(name).map(|s| &s.value) {
                None => self.push(Effect::Additive, format!("new type `types::{rust}`")),
                Some(was) => {
                    let request = self.request_side.contains(name);
                    self.schema(&format!("`types::{rust}`"), was, schema, request);
                    if docs(was) != docs(schema) {
                        self.push(
                            Effect::Internal,
                            format!("`types::{rust}`: documentation changed"),
                        );
                    }
                }
            }
        }
        for name in old.schemas.iter().map(|s| &s.name) {
            if new.schema(name).is_some() {
                continue;
            }
            let rust = crate::remodel::renamed(name);
            self.push(Effect::Breaking, format!("type `types::{rust}` removed"));
        }
    }

    /// Compares one schema; `request` when it is sent by the client.
    fn schema(&mut self, subject: &str, old: &Value, new: &Value, request: bool) {
        let (old, new) = (unwrap(old), unwrap(new));
        if let (Some(a), Some(b)) = (old.get("$ref"), new.get("$ref")) {
            if a != b {
                self.push(
                    Effect::Breaking,
                    format!(
                        "{subject}: type changed from `{}` to `{}`",
                        last(a),
                        last(b)
                    ),
                );
            }
            return; // the referenced component is compared on its own
        }
        if kind(old) != kind(new) {
            self.push(
                Effect::Breaking,
                format!(
                    "{subject}: type changed from {} to {}",
                    kind(old),
                    kind(new)
                ),
            );
            return;
        }
        self.enum_values(subject, old, new);
        self.variants(subject, old, new);
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.schema(&format!("{subject} items"), a, b, request);
        }
        self.properties(subject, old, new, request);
    }

    fn enum_values(&mut self, subject: &str, old: &Value, new: &Value) {
        let values = |s: &Value| -> BTreeSet<String> {
            s.get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|v| v.to_string())
                .collect()
        };
        let (before, after) = (values(old), values(new));
        let added: Vec<&String> = after.difference(&before).collect();
        let removed: Vec<&String> = before.difference(&after).collect();
        if !added.is_empty() {
            let list = added
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let effect = self.grows();
            let note = if effect == Effect::Additive {
                "; values decoded as `Unknown(..)` until now get their own variant"
            } else {
                "; exhaustive `match`es stop compiling"
            };
            self.push(effect, format!("{subject}: new enum values {list}{note}"));
        }
        if !removed.is_empty() {
            let list = removed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            self.push(
                Effect::Breaking,
                format!("{subject}: enum values removed: {list} (their variants are gone)"),
            );
        }
    }

    fn variants(&mut self, subject: &str, old: &Value, new: &Value) {
        let variants = |s: &Value| -> BTreeSet<String> {
            s.get("oneOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|v| v.get("$ref").map(last).unwrap_or_else(|| v.to_string()))
                .collect()
        };
        let (before, after) = (variants(old), variants(new));
        for added in after.difference(&before) {
            self.push(
                self.grows(),
                format!("{subject}: new `oneOf` variant `{added}`"),
            );
        }
        for removed in before.difference(&after) {
            self.push(
                Effect::Breaking,
                format!("{subject}: `oneOf` variant `{removed}` removed"),
            );
        }
    }

    fn properties(&mut self, subject: &str, old: &Value, new: &Value, request: bool) {
        let props = |s: &Value| {
            s.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (before, after) = (props(old), props(new));
        let (was_required, is_required) = (required_fields(old), required_fields(new));
        // Named once, with the first field that takes it away.
        let mut loses_default = has_default(old) && !has_default(new);
        let deprecated = |p: &Value| p.get("deprecated") == Some(&Value::Bool(true));
        for (name, prop) in &after {
            let field = method_name(name);
            let now = is_required.contains(name);
            let Some(was) = before.get(name) else {
                if now {
                    let lost = std::mem::take(&mut loses_default);
                    self.push(
                        Effect::Breaking,
                        format!(
                            "{subject}: new required field `{field}`; {}",
                            unset(&field, request, lost)
                        ),
                    );
                    continue;
                }
                let effect = self.grows();
                let note = if effect == Effect::Breaking {
                    " (struct literals stop compiling)"
                } else {
                    ""
                };
                self.push(
                    effect,
                    format!("{subject}: new optional field `{field}`{note}"),
                );
                continue;
            };
            match (was_required.contains(name), now) {
                (false, true) => {
                    let lost = std::mem::take(&mut loses_default);
                    self.push(
                        Effect::Breaking,
                        format!(
                            "{subject}: field `{field}` is now required (`Option<T>` becomes `T`){}",
                            if lost { LOST_DEFAULT } else { "" }
                        ),
                    );
                }
                // typify keeps an optional array a `Vec`, empty when absent.
                (true, false) if prop.get("type").and_then(Value::as_str) == Some("array") => self
                    .push(
                        Effect::Additive,
                        format!("{subject}: field `{field}` is now optional (stays a `Vec`, empty when absent)"),
                    ),
                (true, false) => self.push(
                    Effect::Breaking,
                    format!("{subject}: field `{field}` is now optional (`T` becomes `Option<T>`)"),
                ),
                _ => {}
            }
            if !deprecated(was) && deprecated(prop) {
                self.push(
                    Effect::Additive,
                    format!("{subject}: field `{field}` is deprecated (`#[deprecated]` warns)"),
                );
            }
            self.schema(&format!("{subject}.{field}"), was, prop, request);
        }
        for name in before.keys().filter(|n| !after.contains_key(*n)) {
            self.push(
                Effect::Breaking,
                format!("{subject}: field `{}` removed", method_name(name)),
            );
        }
        // Lost for another reason (a whole-type `default` or `additionalProperties` changed).
        if loses_default {
            self.push(
                Effect::Breaking,
                format!("{subject}: no longer has `impl Default` (`::default()` stops compiling)"),
            );
        }
    }
}

const LOST_DEFAULT: &str = "; the type loses `impl Default` (`::default()` stops compiling)";

/// What breaks when a new required field is not set. Both sides build values
/// with typify's builders, whose `try_into()` fails at run time for an unset
/// required field; struct literals are no way round (`#[non_exhaustive]`).
fn unset(field: &str, request: bool, lost_default: bool) -> String {
    let fails = if request {
        format!("requests built without `.{field}(..)` fail at run time")
    } else {
        format!(
            "code that builds one with its builder (test fixtures, mocks) fails at run time until it sets `.{field}(..)`"
        )
    };
    format!("{fails}{}", if lost_default { LOST_DEFAULT } else { "" })
}

/// The properties that are required fields in the generated struct: the
/// pipeline makes deprecated properties optional.
fn required_fields(schema: &Value) -> BTreeSet<String> {
    let props = schema.get("properties");
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| {
            props
                .and_then(|p| p.get(*name))
                .is_some_and(|p| p.get("deprecated") != Some(&Value::Bool(true)))
        })
        .map(String::from)
        .collect()
}

/// Whether the struct typify makes of an object schema has `impl Default`: for a
/// whole-type `default`, or when every field has one (typify-impl 0.8,
/// `type_entry.rs`), i.e. none is required. An object that leaves out
/// `additionalProperties` gets a required flattened `extra` map (`remodel`'s
/// `keep_unknown_members`), so it never has one.
fn has_default(schema: &Value) -> bool {
    let extra_map = !matches!(schema.get("additionalProperties"), Some(Value::Bool(_)));
    schema.get("properties").is_some()
        && (schema.get("default").is_some() || (!extra_map && required_fields(schema).is_empty()))
}

/// `allOf: [$ref]` wrappers (that only add `nullable`/`description`) are their target.
fn unwrap(schema: &Value) -> &Value {
    match schema.get("allOf").and_then(Value::as_array) {
        Some(all) if all.len() == 1 => &all[0],
        _ => schema,
    }
}

/// A schema's kind, for "type changed" messages: `string/date-time`, `object`, `oneOf`, ...
fn kind(schema: &Value) -> String {
    if schema.get("oneOf").is_some() {
        return "oneOf".into();
    }
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            "any"
        },
    );
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{ty}/{format}"),
        None => ty.to_string(),
    }
}

fn last(reference: &Value) -> String {
    reference
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("?")
        .to_string()
}

/// A schema without its documentation, for "did the type change" questions.
fn shape_of(schema: Option<&Value>) -> Option<Value> {
    schema.map(strip_docs)
}

fn strip_docs(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !DOC_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_docs(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_docs).collect()),
        other => other.clone(),
    }
}

fn docs(value: &Value) -> Vec<Option<&Value>> {
    DOC_KEYS.iter().map(|k| value.get(*k)).collect()
}

/// Component schemas a request can carry: request bodies and parameters, and
/// everything they reference.
fn request_side(api: &Api) -> BTreeSet<String> {
    let mut roots: Vec<Value> = Vec::new();
    for op in &api.operations {
        roots.extend(op.body.iter().cloned());
        roots.extend(op.parameters.iter().map(|p| p.schema.clone()));
    }
    let mut seen = BTreeSet::new();
    while let Some(node) = roots.pop() {
        let mut refs = Vec::new();
        collect_refs(&node, &mut refs);
        for name in refs {
            if seen.insert(name.clone())
                && let Some(schema) = api.types.schema(&name)
            {
                roots.push(schema.value.clone());
            }
        }
    }
    seen
}

fn collect_refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(r.to_string());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
