//! Spec stage 2 of 5, fix: apply the declarative fixes in `spec/oz-api.fixes.yaml`.
//!
//! Each fix names one node by JSON pointer and says what it does there: one
//! [`Change`] (replace the value it expects to find, remove it, remove one
//! item of an array, add a keyword the spec leaves out).
//! A fix whose target is gone, or holds anything but the expected value, fails
//! the whole run: upstream has changed and the fix must be revisited, never
//! silently skipped (the k8s-openapi rule). One exception: when upstream made
//! the fix's very change (the target already holds the `set` value, the
//! removed node or item is gone), the spec is what the fix wanted; the fix is
//! moot, and regen goes on with a warning to delete it.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// The fixes, in the order they are applied.
#[derive(Debug)]
pub struct FixFile {
    pub fixes: Vec<Fix>,
}

#[derive(Debug)]
pub struct Fix {
    /// Short kebab-case name, used in error messages.
    pub id: String,
    /// JSON pointer to the node the fix changes.
    pub target: String,
    pub change: Change,
}

/// What a fix does to its target. A new kind is a variant here, a row in
/// [`parse`]'s match (how the file says it) and an arm in `apply_one`.
#[derive(Debug)]
pub enum Change {
    /// Replace the value the published spec has (`expect`) with `set`.
    Set { expect: Value, set: Value },
    /// Remove the node, which holds `expect`.
    Remove { expect: Value },
    /// Remove this value from the array at the target: a name in a
    /// `required` list, which no `expect` of the whole list would survive.
    RemoveItem(Value),
    /// Put this value at the target, which must not exist yet (its parent
    /// must): a keyword the spec leaves out (`maxItems`), without pinning its
    /// siblings.
    Add(Value),
}

/// A fix as the file writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    id: String,
    /// Why the fix exists: the upstream bug it works around (required, for the reader).
    why: String,
    target: String,
    #[serde(default)]
    expect: Option<Value>,
    #[serde(default)]
    set: Option<Value>,
    #[serde(default)]
    remove: bool,
    #[serde(default)]
    remove_item: Option<Value>,
    #[serde(default)]
    add: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenFile {
    fixes: Vec<Written>,
}

/// What applying one fix found.
enum Outcome {
    Applied,
    /// Upstream already made the change.
    Moot,
}

/// Parses the fixes file. `name` is how the file is named in errors.
pub fn parse(text: &str, name: &str) -> Result<FixFile> {
    let file: WrittenFile = serde_yaml::from_str(text).map_err(|e| {
        crate::load::yaml_error(
            &e,
            name,
            "invalid fixes file",
            "each fix needs `id`, `why`, `target`, and one of `expect` + `set`, `expect` + `remove: true`, `remove_item`, `add`",
        )
    })?;
    let mut seen = std::collections::BTreeSet::new();
    let mut fixes = Vec::new();
    for (i, fix) in file.fixes.into_iter().enumerate() {
        let at = format!("/fixes/{i}");
        if !seen.insert(fix.id.clone()) {
            return Err(Error::at(
                name,
                at,
                format!("fix `{}` is defined twice", fix.id),
                "give every fix its own id",
            ));
        }
        if fix.why.trim().is_empty() {
            return Err(Error::at(
                name,
                at,
                format!("fix `{}` does not say why it exists", fix.id),
                "describe the upstream bug in `why`",
            ));
        }
        if !fix.target.starts_with('/') {
            return Err(Error::at(
                name,
                at,
                format!(
                    "fix `{}`: target `{}` is not a JSON pointer",
                    fix.id, fix.target
                ),
                "targets are JSON pointers such as /paths/~1agent/get/operationId",
            ));
        }
        let change = match (fix.expect, fix.set, fix.remove, fix.remove_item, fix.add) {
            (Some(expect), Some(set), false, None, None) => Change::Set { expect, set },
            (Some(expect), None, true, None, None) => Change::Remove { expect },
            (None, None, false, Some(item), None) => Change::RemoveItem(item),
            (None, None, false, None, Some(value)) => Change::Add(value),
            _ => {
                return Err(Error::at(
                    name,
                    at,
                    format!(
                        "fix `{}` must say one thing it does: `expect` + `set`, \
                         `expect` + `remove: true`, `remove_item`, or `add`",
                        fix.id
                    ),
                    "say what the fix does to its target, stating the value the spec has \
                     there in `expect` for `set` and `remove`",
                ));
            }
        };
        fixes.push(Fix {
            id: fix.id,
            target: fix.target,
            change,
        });
    }
    Ok(FixFile { fixes })
}

/// Applies every fix to `spec`. `fixes_name` names the fixes file in errors.
/// Returns a warning for each moot fix.
pub fn apply(spec: &mut Value, fixes: &FixFile, fixes_name: &str) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    for (i, fix) in fixes.fixes.iter().enumerate() {
        let outcome = apply_one(spec, fix).map_err(|found| {
            let expected = match &fix.change {
                Change::Set { expect, .. } | Change::Remove { expect } => compact(expect),
                Change::RemoveItem(item) => format!("an array holding {}", compact(item)),
                Change::Add(_) => "nothing (the fix adds it) under an existing parent".into(),
            };
            Error::at(
                fixes_name,
                format!("/fixes/{i}"),
                format!(
                    "fix `{}` is stale: expected {expected} at {} in the spec, {found}",
                    fix.id, fix.target
                ),
                format!(
                    "upstream changed this part of the spec; check whether the bug is fixed, \
                     then update or delete fix `{}` in {fixes_name}",
                    fix.id
                ),
            )
        })?;
        if let Outcome::Moot = outcome {
            warnings.push(format!(
                "{fixes_name}: fix `{}` is moot: the spec already has its change at {}; \
                 upstream fixed the bug, delete the fix",
                fix.id, fix.target
            ));
        }
    }
    Ok(warnings)
}

/// Applies the fixes whose target is as expected and returns the ids of the
/// others: for comparing with older or newer specs, which a fix may not fit.
pub fn apply_where_they_fit(spec: &mut Value, fixes: &FixFile) -> Vec<String> {
    fixes
        .fixes
        .iter()
        .filter(|fix| apply_one(spec, fix).is_err())
        .map(|fix| fix.id.clone())
        .collect()
}

/// Applies one fix, or says what was found instead of the expected value.
fn apply_one(spec: &mut Value, fix: &Fix) -> Result<Outcome, String> {
    let (parent, last) = fix.target.rsplit_once('/').unwrap_or(("", ""));
    let parent_exists = spec.pointer(parent).is_some();
    let found = |node: &Value| format!("but found {}", compact(node));
    match &fix.change {
        Change::Add(value) => match spec.pointer(&fix.target) {
            Some(node) if node == value => Ok(Outcome::Moot),
            Some(node) => Err(found(node)),
            None => match spec.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.insert(crate::spec::unescape(last), value.clone());
                    Ok(Outcome::Applied)
                }
                _ => Err("but its parent does not exist".into()),
            },
        },
        Change::RemoveItem(item) => match spec.pointer_mut(&fix.target) {
            // A removal upstream already made: the node's parent is still there.
            None if parent_exists => Ok(Outcome::Moot),
            None => Err("but the target does not exist".into()),
            Some(Value::Array(items)) => {
                let before = items.len();
                items.retain(|v| v != item);
                Ok(match items.len() < before {
                    true => Outcome::Applied,
                    false => Outcome::Moot,
                })
            }
            Some(node) => Err(found(node)),
        },
        Change::Remove { expect } => match spec.pointer(&fix.target) {
            None if parent_exists => Ok(Outcome::Moot),
            None => Err("but the target does not exist".into()),
            Some(node) if node != expect => Err(found(node)),
            Some(_) => {
                remove(spec, &fix.target);
                Ok(Outcome::Applied)
            }
        },
        Change::Set { expect, set } => match spec.pointer_mut(&fix.target) {
            None => Err("but the target does not exist".into()),
            Some(node) if node == set && node != expect => Ok(Outcome::Moot),
            Some(node) if node != expect => Err(found(node)),
            Some(node) => {
                *node = set.clone();
                Ok(Outcome::Applied)
            }
        },
    }
}

fn remove(spec: &mut Value, target: &str) {
    let (parent, last) = target.rsplit_once('/').unwrap_or(("", target));
    let key = crate::spec::unescape(last);
    match spec.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = key.parse::<usize>()
                && index < items.len()
            {
                items.remove(index);
            }
        }
        _ => {}
    }
}

fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixes(yaml: &str) -> FixFile {
        parse(yaml, "fixes.yaml").unwrap()
    }

    #[test]
    fn a_fix_applies_where_its_target_holds_what_it_expects() {
        let mut spec = json!({"a": {"b": "old", "c": 1}});
        let file = fixes(
            "fixes:\n- {id: x, why: bug, target: /a/b, expect: old, set: new}\n- {id: y, why: bug, target: /a/c, expect: 1, remove: true}\n",
        );
        apply(&mut spec, &file, "fixes.yaml").unwrap();
        assert_eq!(spec, json!({"a": {"b": "new"}}));
    }

    #[test]
    fn remove_item_takes_one_value_out_of_an_array() {
        let file = fixes("fixes:\n- {id: x, why: bug, target: /r, remove_item: b}\n");
        let mut spec = json!({"r": ["a", "b", "c"]});
        assert!(apply(&mut spec, &file, "fixes.yaml").unwrap().is_empty());
        assert_eq!(spec, json!({"r": ["a", "c"]}));
        let e = apply(&mut json!({"r": "b"}), &file, "fixes.yaml").unwrap_err();
        assert!(e.message.contains("an array holding \"b\""), "{e}");
    }

    #[test]
    fn add_puts_a_keyword_the_spec_leaves_out() {
        let file = fixes("fixes:\n- {id: x, why: bug, target: /a/maxItems, add: 5}\n");
        let mut spec = json!({"a": {"type": "array", "items": {}}});
        assert!(apply(&mut spec, &file, "f.yaml").unwrap().is_empty());
        assert_eq!(spec["a"]["maxItems"], 5);
        // Siblings may change; the same value upstream is moot; another is stale.
        let mut spec = json!({"a": {"type": "array", "items": {"$ref": "#/x"}}});
        assert!(apply(&mut spec, &file, "f.yaml").unwrap().is_empty());
        let mut spec = json!({"a": {"maxItems": 5}});
        assert_eq!(apply(&mut spec, &file, "f.yaml").unwrap().len(), 1);
        let e = apply(&mut json!({"a": {"maxItems": 9}}), &file, "f.yaml").unwrap_err();
        assert!(e.message.contains("but found 9"), "{e}");
        assert!(apply(&mut json!({}), &file, "f.yaml").is_err());
    }

    #[test]
    fn a_fix_upstream_already_made_is_moot_not_stale() {
        for (yaml, spec) in [
            (
                "{id: x, why: bug, target: /a/b, expect: old, set: new}",
                json!({"a": {"b": "new"}}),
            ),
            (
                "{id: x, why: bug, target: /a/b, expect: 1, remove: true}",
                json!({"a": {}}),
            ),
            (
                "{id: x, why: bug, target: /a/r, remove_item: b}",
                json!({"a": {"r": ["a"]}}),
            ),
            (
                "{id: x, why: bug, target: /a/r, remove_item: b}",
                json!({"a": {}}),
            ),
        ] {
            let mut changed = spec.clone();
            let warnings = apply(
                &mut changed,
                &fixes(&format!("fixes:\n- {yaml}\n")),
                "f.yaml",
            )
            .unwrap();
            assert_eq!(changed, spec, "{yaml}");
            assert_eq!(warnings.len(), 1, "{yaml}");
            assert!(warnings[0].contains("fix `x` is moot"), "{}", warnings[0]);
        }
        // Gone with its parent: the spec changed past what the fix knows.
        let file = fixes("fixes:\n- {id: x, why: bug, target: /a/r, remove_item: b}\n");
        assert!(apply(&mut json!({}), &file, "f.yaml").is_err());
    }

    #[test]
    fn a_stale_fix_names_its_entry() {
        let mut spec = json!({"a": {"b": "changed upstream"}});
        let file = fixes("fixes:\n- {id: x, why: bug, target: /a/b, expect: old, set: new}\n");
        let e = apply(&mut spec, &file, "fixes.yaml").unwrap_err();
        assert_eq!(
            e.kind(),
            crate::Kind::Spec,
            "the fixes file here is not crate::FIXES"
        );
        assert_eq!(e.location, crate::Location::Pointer("/fixes/0".into()));
        assert!(e.message.contains("fix `x` is stale"), "{e}");
        assert_eq!(spec, json!({"a": {"b": "changed upstream"}}));
        let e = apply(&mut json!({}), &file, crate::FIXES).unwrap_err();
        assert_eq!(e.kind(), crate::Kind::Fixes);
    }

    #[test]
    fn a_fix_must_say_why_and_what() {
        for bad in [
            "fixes:\n- {id: x, why: '', target: /a, expect: 1, set: 2}\n",
            "fixes:\n- {id: x, why: bug, target: /a, expect: 1}\n",
            "fixes:\n- {id: x, why: bug, target: /a, expect: [1], remove_item: 1}\n",
            "fixes:\n- {id: x, why: bug, target: /a, set: 2}\n",
            "fixes:\n- {id: x, why: bug, target: /a, expect: 1, add: 2}\n",
            "fixes:\n- {id: x, why: bug, target: a, expect: 1, set: 2}\n",
            "fixes:\n- {id: x, why: bug, target: /a, expect: 1, set: 2}\n- {id: x, why: bug, target: /b, expect: 1, set: 2}\n",
        ] {
            assert!(parse(bad, "fixes.yaml").is_err(), "{bad}");
        }
    }
}
