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

impl Entry {
    /// The entry's JSON Patch, None for a full spec file.
    pub fn edits(&self) -> Option<&[Value]> {
        match &self.source {
            Source::Edits(edits) => Some(edits),
            Source::File(_) => None,
        }
    }

    /// Whether any edit removes something.
    pub fn removes(&self) -> bool {
        self.edits()
            .is_some_and(|edits| edits.iter().any(|e| e["op"] == "remove"))
    }
}

/// Entries packed together to be compiled as one crate: the published spec
/// with the edits of all of them applied in order.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Indices into the list given to [`pack`], in its order.
    pub members: Vec<usize>,
    pub spec: Value,
}

/// Packs edit lists greedily, in order: each joins the current pack when
/// (a) all its edits apply on top of the pack's spec so far, (b) none of them
/// touches a slot an edit of another member touched (see [`slot`]), and (c)
/// `fits` accepts the combined spec with its members (the candidate last);
/// otherwise it starts a new pack. A pack of one is the list's own spec,
/// which `fits` is not asked about.
pub fn pack(
    published: &Value,
    lists: &[&[Value]],
    mut fits: impl FnMut(&Value, &[usize]) -> bool,
) -> Vec<Pack> {
    let mut packs: Vec<Pack> = Vec::new();
    // The slots each member of the current pack touched.
    let mut taken: Vec<Vec<String>> = Vec::new();
    for (index, edits) in lists.iter().enumerate() {
        if let Some(current) = packs.last_mut()
            && let Some((spec, slots)) = apply_tracked(&current.spec, edits)
            && !slots.iter().any(|s| taken.iter().any(|t| slots_meet(s, t)))
            && fits(&spec, &[current.members.as_slice(), &[index]].concat())
        {
            current.members.push(index);
            current.spec = spec;
            taken.extend(slots);
            continue;
        }
        let (spec, slots) = apply_tracked(published, edits).unwrap_or_else(|| {
            // Does not apply even alone: a pack of its own, as the published spec
            // (the entry itself is reported as bad elsewhere).
            (published.clone(), Vec::new())
        });
        packs.push(Pack {
            members: vec![index],
            spec,
        });
        taken = slots;
    }
    packs
}

/// `edits` applied to a copy of `doc`, with the slot of each edit; None when
/// one does not apply.
fn apply_tracked(doc: &Value, edits: &[Value]) -> Option<(Value, Vec<Vec<String>>)> {
    let mut doc = doc.clone();
    let mut slots = Vec::new();
    for edit in edits {
        slots.push(slot(&doc, edit)?);
        apply_one(&mut doc, edit).ok()?;
    }
    Some((doc, slots))
}

/// The part of `doc` an edit acts on, as pointer segments: its path, except
/// that inserting into or removing from a list (a numeric index) shifts every
/// later item, so it claims the whole list. Appending (`-`) claims a slot of
/// its own: `-` matches nothing in [`slots_meet`]. None for an edit without
/// a valid path.
pub fn slot(doc: &Value, edit: &Value) -> Option<Vec<String>> {
    let mut segments = parse_pointer(edit.get("path")?.as_str()?).ok()?;
    let op = edit.get("op").and_then(Value::as_str).unwrap_or("");
    if matches!(op, "add" | "remove") && segments.len() > 1 {
        let parent = &segments[..segments.len() - 1];
        let last = &segments[segments.len() - 1];
        if last != "-"
            && doc
                .pointer(&codegen::spec::pointer(parent))
                .is_some_and(Value::is_array)
        {
            segments.pop();
        }
    }
    Some(segments)
}

/// Whether two slots overlap: one is a prefix of the other (or they are
/// equal). An append (`-`) is a new item, equal to no other.
pub fn slots_meet(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y && x != "-")
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
    fn slots_meet_by_prefix_and_lists_are_claimed_whole_by_inserts_and_removals() {
        let doc = json!({"a": {"list": [1, 2], "m": {"200": 1}}});
        let slot_of = |op: &str, path: &str| {
            slot(&doc, &json!({"op": op, "path": path, "value": 0})).unwrap()
        };
        assert_eq!(slot_of("remove", "/a/list/1"), ["a", "list"]);
        assert_eq!(slot_of("add", "/a/list/0"), ["a", "list"]);
        assert_eq!(slot_of("replace", "/a/list/1"), ["a", "list", "1"]);
        assert_eq!(slot_of("add", "/a/list/-"), ["a", "list", "-"]);
        // A numeric key of a mapping (a status code) is just a key.
        assert_eq!(slot_of("add", "/a/m/201"), ["a", "m", "201"]);
        let meet =
            |x: &str, y: &str| slots_meet(&parse_pointer(x).unwrap(), &parse_pointer(y).unwrap());
        assert!(meet("/a/b", "/a/b"));
        assert!(meet("/a", "/a/b/c"));
        assert!(meet("/a/b/c", "/a"));
        assert!(!meet("/a/b", "/a/c"));
        assert!(!meet("/a/-", "/a/-"));
        assert!(meet("/a", "/a/-"));
    }

    #[test]
    fn packs_are_greedy_in_order() {
        let published = json!({"s": {"A": {}, "list": [1, 2, 3]}});
        let add = |path: &str| json!({"op": "add", "path": path, "value": 1});
        let remove = |path: &str| json!({"op": "remove", "path": path});
        let lists: Vec<Vec<Value>> = vec![
            vec![add("/s/A/x"), add("/s/list/-")],
            vec![add("/s/A/y"), add("/s/list/-")], // joins: disjoint, appends
            vec![add("/s/A/x")],                   // same slot as 0: new pack
            vec![remove("/s/list/0")],             // joins 2
            vec![add("/s/list/-"), remove("/s/A")], // list claimed whole by 3: new pack
            vec![add("/s/A/z")],                   // /s/A is gone in 4: new pack
            vec![add("/s/B")],                     // joins 5 unless `fits` says no
        ];
        let lists: Vec<&[Value]> = lists.iter().map(Vec::as_slice).collect();
        let members = |fits: bool| -> Vec<Vec<usize>> {
            pack(&published, &lists, |_, _| fits)
                .into_iter()
                .map(|p| p.members)
                .collect()
        };
        assert_eq!(members(true), [vec![0, 1], vec![2, 3], vec![4], vec![5, 6]]);
        assert_eq!(
            members(false),
            [
                vec![0],
                vec![1],
                vec![2],
                vec![3],
                vec![4],
                vec![5],
                vec![6]
            ]
        );
        let packs = pack(&published, &lists, |_, _| true);
        // `fits` is asked with the members, the candidate last.
        let mut asked = Vec::new();
        pack(&published, &lists[..2], |_, members| {
            asked.push(members.to_vec());
            true
        });
        assert_eq!(asked, [vec![0, 1]]);
        assert_eq!(
            packs[0].spec,
            json!({"s": {"A": {"x": 1, "y": 1}, "list": [1, 2, 3, 1, 1]}})
        );
        assert_eq!(packs[1].spec, json!({"s": {"A": {"x": 1}, "list": [2, 3]}}));
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
