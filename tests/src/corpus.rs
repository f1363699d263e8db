//! The evolution corpus: `tests/evolution/*.yaml`, each a spec change we have
//! seen (or expect) upstream and what regen must do with it.
//!
//! ```yaml
//! why: >
//!   Upstream added a free-form metadata object to runs.
//! edits:                      # RFC 6902 JSON Patch on the published spec
//!   - op: add
//!     path: /components/schemas/RunItem/properties/metadata
//!     value: {type: object}
//! # or, instead of edits:  spec: full/first-received.yaml  (relative to tests/evolution/)
//! expect: regenerates         # or: expect: {refused: "substring of the error"}
//! ```
//!
//! JSON Patch is implemented here (add, remove, replace) instead of with the
//! `json-patch` crate: it is ~40 lines, and our own errors can name the entry
//! file and the index of the edit that does not apply, which is what a corpus
//! author needs to fix it.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// What regen must do with an entry's spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Regenerate, and the whole crate compiles.
    Regenerates,
    /// Refuse with an error whose Display contains this text.
    Refused(String),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Regenerates => write!(f, "regenerates"),
            Expect::Refused(s) => write!(f, "refused: {s:?}"),
        }
    }
}

/// Where an entry's spec comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// JSON Patch operations applied to the published spec.
    Edits(Vec<Value>),
    /// A complete spec file, copied byte for byte (so YAML line numbers in
    /// errors refer to it).
    File(PathBuf),
}

/// One corpus entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The file name without `.yaml`: names the entry everywhere.
    pub stem: String,
    pub file: PathBuf,
    pub why: String,
    pub source: Source,
    pub expect: Expect,
}

/// The spec an entry describes, as the bytes to write to `spec/oz-api.yaml`.
pub enum SpecText {
    /// Edits applied to the published spec, serialized as JSON.
    Json(String),
    /// A complete file, as it is.
    Raw(Vec<u8>),
}

impl Entry {
    /// Builds the entry's spec. Errors name the entry file and, for a patch
    /// that does not apply, the edit's index.
    pub fn spec(&self, published: &Value) -> Result<SpecText, String> {
        match &self.source {
            Source::File(path) => std::fs::read(path)
                .map(SpecText::Raw)
                .map_err(|e| format!("{}: spec {}: {e}", self.file.display(), path.display())),
            Source::Edits(edits) => {
                let mut spec = published.clone();
                apply_patch(&mut spec, edits)
                    .map_err(|e| format!("{}: {e}", self.file.display()))?;
                Ok(SpecText::Json(serde_json::to_string_pretty(&spec).unwrap()))
            }
        }
    }
}

/// Loads every `*.yaml` directly in `dir` (not `full/`, which holds the
/// complete specs entries point to), sorted by name. An entry that cannot be
/// read is returned as an error naming its file, so one bad entry does not
/// hide the others.
pub fn load_dir(dir: &Path) -> Vec<Result<Entry, String>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(read) => read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files.iter().map(|f| load_entry(dir, f)).collect()
}

fn load_entry(dir: &Path, file: &Path) -> Result<Entry, String> {
    let named = |message: String| format!("{}: {message}", file.display());
    let text = std::fs::read_to_string(file).map_err(|e| named(e.to_string()))?;
    // codegen's loader, so that unquoted status codes (`200:`) in edit values
    // become the strings OpenAPI means, as they do in the spec itself.
    let value =
        codegen::load::parse(&text, &file.display().to_string()).map_err(|e| e.to_string())?;
    let map = value.as_object().ok_or_else(|| {
        named("an entry is a mapping with `why`, `edits` or `spec`, and `expect`".into())
    })?;
    if let Some(unknown) = map
        .keys()
        .find(|k| !["why", "edits", "spec", "expect"].contains(&k.as_str()))
    {
        return Err(named(format!(
            "unknown key `{unknown}` (known: why, edits, spec, expect)"
        )));
    }
    let why = match map.get("why") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            return Err(named(
                "`why` is missing: say what upstream change this is".into(),
            ));
        }
    };
    let source = match (map.get("edits"), map.get("spec")) {
        (Some(Value::Array(edits)), None) => Source::Edits(edits.clone()),
        (None, Some(Value::String(spec))) => Source::File(dir.join(spec)),
        _ => {
            return Err(named(
                "give either `edits` (a list of JSON Patch operations) or `spec` (a file under tests/evolution/)"
                    .into(),
            ));
        }
    };
    let expect = match map.get("expect") {
        Some(Value::String(s)) if s == "regenerates" => Expect::Regenerates,
        Some(Value::Object(o))
            if o.len() == 1 && o.get("refused").is_some_and(Value::is_string) =>
        {
            Expect::Refused(o["refused"].as_str().unwrap().to_string())
        }
        other => {
            return Err(named(format!(
                "`expect` must be `regenerates` or `{{refused: \"part of the error\"}}`, not {}",
                other.map_or("nothing".into(), Value::to_string)
            )));
        }
    };
    let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
    Ok(Entry {
        stem,
        file: file.to_path_buf(),
        why,
        source,
        expect,
    })
}

/// Applies RFC 6902 `add`, `remove` and `replace` operations in order. The
/// error names the edit by its index (0-based, as in the YAML list).
pub fn apply_patch(doc: &mut Value, edits: &[Value]) -> Result<(), String> {
    for (index, edit) in edits.iter().enumerate() {
        apply_one(doc, edit).map_err(|e| format!("edit {index}: {e}"))?;
    }
    Ok(())
}

fn apply_one(doc: &mut Value, edit: &Value) -> Result<(), String> {
    let op = edit.get("op").and_then(Value::as_str).unwrap_or("");
    let path = edit
        .get("path")
        .and_then(Value::as_str)
        .ok_or("`path` is missing")?;
    let value = || {
        edit.get("value")
            .cloned()
            .ok_or(format!("`{op}` needs a `value`"))
    };
    let mut segments = parse_pointer(path)?;
    let Some(last) = segments.pop() else {
        // The root itself: only replacing (or adding) the whole document makes sense.
        return match op {
            "add" | "replace" => {
                *doc = value()?;
                Ok(())
            }
            _ => Err(format!("cannot `{op}` the document root")),
        };
    };
    let parent = resolve(doc, &segments).ok_or_else(|| format!("{path}: parent does not exist"))?;
    match (op, parent) {
        ("add", Value::Object(map)) => {
            map.insert(last, value()?);
        }
        ("add", Value::Array(items)) => {
            let at = if last == "-" {
                items.len()
            } else {
                array_index(&last, items.len() + 1).ok_or(format!("{path}: no index {last}"))?
            };
            items.insert(at, value()?);
        }
        ("remove", Value::Object(map)) => {
            map.remove(&last)
                .ok_or(format!("{path}: nothing to remove"))?;
        }
        ("remove", Value::Array(items)) => {
            let at = array_index(&last, items.len()).ok_or(format!("{path}: no index {last}"))?;
            items.remove(at);
        }
        ("replace", Value::Object(map)) => {
            let slot = map
                .get_mut(&last)
                .ok_or(format!("{path}: nothing to replace"))?;
            *slot = value()?;
        }
        ("replace", Value::Array(items)) => {
            let at = array_index(&last, items.len()).ok_or(format!("{path}: no index {last}"))?;
            items[at] = value()?;
        }
        ("add" | "remove" | "replace", _) => {
            return Err(format!("{path}: parent is neither a mapping nor a list"));
        }
        (other, _) => {
            return Err(format!(
                "unknown op `{other}` (supported: add, remove, replace)"
            ));
        }
    }
    Ok(())
}

/// RFC 6901: `""` is the root, otherwise `/`-separated segments with `~1` for
/// `/` and `~0` for `~`.
pub fn parse_pointer(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer.strip_prefix('/').ok_or(format!(
        "`{pointer}` is not a JSON pointer (must start with `/`)"
    ))?;
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn resolve<'a>(doc: &'a mut Value, segments: &[String]) -> Option<&'a mut Value> {
    segments.iter().try_fold(doc, |node, segment| match node {
        Value::Object(map) => map.get_mut(segment),
        Value::Array(items) => {
            let at = array_index(segment, items.len())?;
            items.get_mut(at)
        }
        _ => None,
    })
}

/// A decimal index below `len`, without leading zeros (RFC 6901).
fn array_index(segment: &str, len: usize) -> Option<usize> {
    if segment.len() > 1 && segment.starts_with('0') {
        return None;
    }
    segment.parse().ok().filter(|&i| i < len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_adds_removes_and_replaces() {
        let mut doc = json!({"a": {"b": [1, 2]}, "c~d": 1});
        let edits = [
            json!({"op": "add", "path": "/a/b/-", "value": 3}),
            json!({"op": "add", "path": "/a/b/0", "value": 0}),
            json!({"op": "remove", "path": "/c~0d"}),
            json!({"op": "replace", "path": "/a/b/1", "value": 9}),
            json!({"op": "add", "path": "/a/x~1y", "value": true}),
        ];
        apply_patch(&mut doc, &edits).unwrap();
        assert_eq!(doc, json!({"a": {"b": [0, 9, 2, 3], "x/y": true}}));
    }

    #[test]
    fn bad_edits_are_named_by_index() {
        let mut doc = json!({"a": {}});
        let err = apply_patch(
            &mut doc,
            &[
                json!({"op": "add", "path": "/a/b", "value": 1}),
                json!({"op": "move", "path": "/a/b"}),
            ],
        )
        .unwrap_err();
        assert!(err.starts_with("edit 1: unknown op `move`"), "{err}");
        let err = apply_patch(&mut doc, &[json!({"op": "remove", "path": "/nope/x"})]).unwrap_err();
        assert_eq!(err, "edit 0: /nope/x: parent does not exist");
        let err = apply_patch(
            &mut doc,
            &[json!({"op": "replace", "path": "/zz", "value": 1})],
        )
        .unwrap_err();
        assert_eq!(err, "edit 0: /zz: nothing to replace");
    }

    #[test]
    fn a_bad_entry_is_named_by_file_and_edit() {
        let dir = tempfile::tempdir().unwrap();
        let entry = "why: test\nedits:\n  - {op: add, path: /a, value: 1}\n  - {op: remove, path: /b/c}\nexpect: regenerates\n";
        std::fs::write(dir.path().join("01-bad.yaml"), entry).unwrap();
        std::fs::write(
            dir.path().join("02-typo.yaml"),
            "why: x\nedits: []\nexpects: regenerates\n",
        )
        .unwrap();
        let loaded = load_dir(dir.path());
        let first = loaded[0].as_ref().unwrap();
        let Err(err) = first.spec(&json!({})) else {
            panic!("the patch applies")
        };
        assert!(
            err.ends_with("01-bad.yaml: edit 1: /b/c: parent does not exist"),
            "{err}"
        );
        let err = loaded[1].as_ref().unwrap_err();
        assert!(err.contains("02-typo.yaml: unknown key `expects`"), "{err}");
    }
}
