//! Seeded random mutations of the spec, for the robustness half of the
//! evolution test: regen must either generate code that compiles or refuse
//! with a located error, never panic and never write half a result.
//!
//! Each mutation applies 1–3 structural edits chosen to look like what
//! happens to a real spec: upstream evolving it (new fields, enum values,
//! parameters, variants) and upstream making mistakes (dangling `$ref`s,
//! `required` naming no property, names that collide once turned into Rust,
//! cycles). Targets are found by walking the JSON, so the mutations follow the
//! spec as it changes and need no list of names.
//!
//! Mutation `n` of seed `s` depends on `(s, n)` only ([`rng_for`]), so any one
//! of them can be reproduced alone, whatever ran before it.

use fastrand::Rng;
use serde_json::{Map, Value, json};

/// One mutated spec and what was done to it, in words, for failure reports.
pub struct Mutation {
    pub spec: Value,
    pub edits: Vec<String>,
}

/// The generator of mutation `index` under `seed` (splitmix64 of the pair,
/// so neighbouring indices get unrelated streams).
pub fn rng_for(seed: u64, index: u64) -> Rng {
    let mut z = seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    Rng::with_seed(z ^ (z >> 31))
}

/// Applies 1–3 random edits to a copy of `base`.
pub fn mutate(base: &Value, rng: &mut Rng) -> Mutation {
    let mut spec = base.clone();
    let mut edits = Vec::new();
    for _ in 0..rng.usize(1..=3) {
        // Some kinds may find no target (no `oneOf` left after a deletion, ...):
        // try others until one applies.
        for _ in 0..20 {
            let kind = KINDS[rng.usize(..KINDS.len())];
            if let Some(description) = kind(&mut spec, rng) {
                edits.push(description);
                break;
            }
        }
    }
    Mutation { spec, edits }
}

type Kind = fn(&mut Value, &mut Rng) -> Option<String>;

const KINDS: [Kind; 12] = [
    delete_node,
    retype,
    add_enum_value,
    duplicate_schema,
    repoint_ref,
    add_required,
    make_nullable,
    add_parameter,
    add_one_of_variant,
    property_to_one_of,
    ref_cycle,
    wrap_in_all_of,
];

// ---- finding targets -------------------------------------------------------

/// A node of the spec by its path (unescaped segments).
type Path = Vec<String>;

/// Every node's path, in document order. Examples and extensions are skipped:
/// they are data, not schema, and mutating them says nothing about regen.
fn walk(spec: &Value) -> Vec<Path> {
    fn go(node: &Value, path: &mut Path, out: &mut Vec<Path>) {
        out.push(path.clone());
        let children: Vec<(String, &Value)> = match node {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return,
        };
        for (key, child) in children {
            if matches!(key.as_str(), "example" | "examples") || key.starts_with("x-") {
                continue;
            }
            path.push(key);
            go(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    go(spec, &mut Vec::new(), &mut out);
    out
}

fn pointer(path: &[String]) -> String {
    codegen::spec::pointer(path)
}

fn get<'a>(spec: &'a Value, path: &[String]) -> Option<&'a Value> {
    spec.pointer(&pointer(path))
}

fn get_mut<'a>(spec: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    spec.pointer_mut(&pointer(path))
}

/// The segment before the last one: what collection a node is in.
fn parent_key(path: &[String]) -> Option<&str> {
    path.len().checked_sub(2).map(|i| path[i].as_str())
}

/// Paths whose node satisfies `keep`.
fn find(spec: &Value, keep: impl Fn(&Path, &Value) -> bool) -> Vec<Path> {
    walk(spec)
        .into_iter()
        .filter(|p| get(spec, p).is_some_and(|v| keep(p, v)))
        .collect()
}

fn pick<T: Clone>(rng: &mut Rng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[rng.usize(..items.len())].clone())
}

const SCHEMA_TYPES: [&str; 6] = ["string", "integer", "number", "boolean", "object", "array"];

/// A schema with a plain `type` (not a security scheme's `type: http`).
fn is_typed_schema(path: &Path, node: &Value) -> bool {
    path.first()
        .is_some_and(|p| p != "components" || path.get(1).is_some_and(|s| s == "schemas"))
        && node
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| SCHEMA_TYPES.contains(&t))
}

fn is_object_schema(_: &Path, node: &Value) -> bool {
    node.get("properties").is_some_and(Value::is_object)
}

fn is_property(path: &Path, _: &Value) -> bool {
    parent_key(path) == Some("properties")
}

fn component_schemas(spec: &Value) -> Vec<String> {
    spec.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Removes the node at `path` from its parent mapping or list.
fn remove(spec: &mut Value, path: &[String]) -> Option<Value> {
    let (last, parent) = path.split_last()?;
    match get_mut(spec, parent)? {
        Value::Object(map) => map.remove(last),
        Value::Array(items) => {
            let at: usize = last.parse().ok()?;
            (at < items.len()).then(|| items.remove(at))
        }
        _ => None,
    }
}

/// The mapping at `path`, created if missing.
fn object_at<'a>(
    spec: &'a mut Value,
    path: &[String],
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    let node = get_mut(spec, path)?.as_object_mut()?;
    node.entry(key).or_insert_with(|| json!({})).as_object_mut()
}

/// The list at `path`/`key`, created if missing.
fn array_at<'a>(spec: &'a mut Value, path: &[String], key: &str) -> Option<&'a mut Vec<Value>> {
    let node = get_mut(spec, path)?.as_object_mut()?;
    node.entry(key).or_insert_with(|| json!([])).as_array_mut()
}

// ---- the edits ---------------------------------------------------------------
// Each returns a one-line description, or None when it found no target.

/// Upstream drops something: a property, schema, parameter, response, enum
/// value or `required` entry.
fn delete_node(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let what = [
        "property",
        "schema",
        "parameter",
        "response",
        "enum value",
        "required entry",
    ];
    let kind = what[rng.usize(..what.len())];
    let candidates = find(spec, |p, _| match kind {
        "property" => is_property(p, &Value::Null),
        "schema" => p.len() == 3 && p[0] == "components" && p[1] == "schemas",
        "parameter" => parent_key(p) == Some("parameters"),
        "response" => parent_key(p) == Some("responses"),
        "enum value" => parent_key(p) == Some("enum"),
        _ => parent_key(p) == Some("required"),
    });
    let path = pick(rng, &candidates)?;
    remove(spec, &path)?;
    Some(format!("remove {kind} {}", pointer(&path)))
}

/// A schema changes type (a real change, or a typo upstream).
fn retype(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = pick(rng, &find(spec, is_typed_schema))?;
    let node = get_mut(spec, &path)?.as_object_mut()?;
    let old = node["type"].as_str()?.to_string();
    let choices: Vec<&str> = SCHEMA_TYPES.iter().copied().filter(|t| *t != old).collect();
    let new = pick(rng, &choices)?;
    node.insert("type".into(), json!(new));
    // An array without `items` is a mistake real specs make; half the time.
    if new == "array" && rng.bool() {
        node.insert("items".into(), json!({"type": "string"}));
    }
    Some(format!("retype {} from {old} to {new}", pointer(&path)))
}

/// A new enum value, often one that is awkward as a Rust identifier or
/// collides with an existing value once sanitised.
fn add_enum_value(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = pick(
        rng,
        &find(spec, |_, v| v.get("enum").is_some_and(Value::is_array)),
    )?;
    let values = get_mut(spec, &path)?.get_mut("enum")?.as_array_mut()?;
    let existing = pick(rng, values).and_then(|v| v.as_str().map(str::to_string));
    let mut odd: Vec<String> = [
        "in-progress",
        "1h",
        "type",
        "",
        "Self",
        "PAUSED",
        "unknown",
        "a b",
        "é",
        "42",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(existing) = existing {
        // Differs from an existing value only in case or separators.
        odd.push(existing.to_lowercase());
        odd.push(existing.to_uppercase());
        odd.push(existing.replace('_', "-"));
        odd.push(format!("{existing}_"));
    }
    let value = pick(rng, &odd)?;
    values.push(json!(value));
    Some(format!("add enum value {value:?} to {}", pointer(&path)))
}

/// A second schema whose name collides with an existing one once converted to
/// a Rust type name (`RunItem` and `run_item` are both `RunItem`).
fn duplicate_schema(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let names = component_schemas(spec);
    let name = pick(rng, &names)?;
    let snake: String = name
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let sep = (i > 0 && c.is_uppercase()).then_some('_');
            sep.into_iter().chain(c.to_lowercase())
        })
        .collect();
    let mut first_lower = name.clone();
    first_lower[..1].make_ascii_lowercase();
    let variants = [
        snake,
        first_lower,
        name.to_uppercase(),
        format!("{name}_"),
        format!("{name}-"),
        format!("{name}.v2"),
    ];
    let new = pick(rng, &variants)?;
    let schemas = spec.pointer_mut("/components/schemas")?.as_object_mut()?;
    if schemas.contains_key(&new) {
        return None;
    }
    let copy = schemas[&name].clone();
    schemas.insert(new.clone(), copy);
    Some(format!("duplicate schema {name} as {new:?}"))
}

/// A `$ref` now points elsewhere: another schema, or one that does not exist.
fn repoint_ref(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = pick(
        rng,
        &find(spec, |_, v| v.get("$ref").is_some_and(Value::is_string)),
    )?;
    let target = if rng.u8(..10) < 7 {
        pick(rng, &component_schemas(spec))?
    } else {
        "DoesNotExist".to_string()
    };
    let node = get_mut(spec, &path)?.as_object_mut()?;
    node.insert("$ref".into(), schema_ref(&target)["$ref"].clone());
    Some(format!("repoint $ref at {} to {target}", pointer(&path)))
}

/// A property becomes required; sometimes one that does not exist (a typo).
fn add_required(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = pick(rng, &find(spec, is_object_schema))?;
    let node = get(spec, &path)?;
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let optional: Vec<String> = node["properties"]
        .as_object()?
        .keys()
        .filter(|k| !required.contains(&k.as_str()))
        .cloned()
        .collect();
    let name = match pick(rng, &optional) {
        Some(name) if rng.u8(..4) > 0 => name,
        _ => "ghost_field".to_string(),
    };
    array_at(spec, &path, "required")?.push(json!(name));
    Some(format!("require {name:?} in {}", pointer(&path)))
}

/// A schema (or, wrongly, a `$ref`) becomes nullable.
fn make_nullable(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let candidates = find(spec, |p, v| {
        is_typed_schema(p, v) || v.get("$ref").is_some()
    });
    let path = pick(rng, &candidates)?;
    get_mut(spec, &path)?
        .as_object_mut()?
        .insert("nullable".into(), json!(true));
    Some(format!("make {} nullable", pointer(&path)))
}

/// A new header, query or cookie parameter, sometimes with a name that
/// collides with an existing one or with a Rust keyword.
fn add_parameter(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let operations = find(spec, |p, v| {
        p.len() == 3
            && p[0] == "paths"
            && codegen::spec::METHODS.contains(&p[2].as_str())
            && v.is_object()
    });
    let path = pick(rng, &operations)?;
    let location = pick(rng, &["header", "query", "cookie"])?;
    let name = pick(
        rng,
        &[
            "x-request-id",
            "X-Trace-Id",
            "type",
            "api-version",
            "limit",
            "cursor",
            "self",
            "page[size]",
            "runId",
            "run_id",
        ],
    )?;
    let schema = pick(
        rng,
        &[
            json!({"type": "string"}),
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "array", "items": {"type": "string"}}),
            json!({"type": "string", "enum": ["a", "b"]}),
        ],
    )?;
    let required = rng.bool();
    array_at(spec, &path, "parameters")?.push(json!({
        "name": name, "in": location, "required": required, "schema": schema
    }));
    Some(format!(
        "add {}{location} parameter {name:?} to {}",
        if required { "required " } else { "" },
        pointer(&path)
    ))
}

/// A `oneOf` gains a variant: another schema, or an inline one.
fn add_one_of_variant(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = pick(
        rng,
        &find(spec, |_, v| v.get("oneOf").is_some_and(Value::is_array)),
    )?;
    let variant = if rng.bool() {
        schema_ref(&pick(rng, &component_schemas(spec))?)
    } else {
        pick(
            rng,
            &[
                json!({"type": "string"}),
                json!({"type": "object", "properties": {"extra": {"type": "string"}}, "required": ["extra"]}),
            ],
        )?
    };
    let description = format!("add oneOf variant {variant} to {}", pointer(&path));
    get_mut(spec, &path)?
        .get_mut("oneOf")?
        .as_array_mut()?
        .push(variant);
    Some(description)
}

/// A property becomes an inline `oneOf` (upstream widening a field).
fn property_to_one_of(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = pick(rng, &find(spec, is_property))?;
    let node = get_mut(spec, &path)?;
    let old = node.take();
    *node = if rng.bool() {
        json!({"oneOf": [old, {"type": "integer"}]})
    } else {
        json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
    };
    Some(format!(
        "turn property {} into an inline oneOf",
        pointer(&path)
    ))
}

/// Schemas that refer to each other (or themselves), sometimes through a
/// required property, which needs boxing in Rust.
fn ref_cycle(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let objects: Vec<String> = component_schemas(spec)
        .into_iter()
        .filter(|n| {
            spec["components"]["schemas"][n]
                .get("properties")
                .is_some_and(Value::is_object)
        })
        .collect();
    let a = pick(rng, &objects)?;
    let b = pick(rng, &objects)?;
    let required = rng.bool();
    let mut link = |from: &str, to: &str, field: &str| -> Option<()> {
        let path = [
            "components".to_string(),
            "schemas".to_string(),
            from.to_string(),
        ];
        object_at(spec, &path, "properties")?.insert(field.to_string(), schema_ref(to));
        if required {
            array_at(spec, &path, "required")?.push(json!(field));
        }
        Some(())
    };
    link(&a, &b, "next_item")?;
    if a != b {
        link(&b, &a, "back_item")?;
    }
    Some(format!(
        "insert a $ref cycle {a} -> {b}{}{}",
        if a != b {
            format!(" -> {a}")
        } else {
            String::new()
        },
        if required { " (required)" } else { "" }
    ))
}

/// A schema is wrapped in `allOf`, alone or with an extension object.
fn wrap_in_all_of(spec: &mut Value, rng: &mut Rng) -> Option<String> {
    let candidates = find(spec, |p, _| {
        (p.len() == 3 && p[0] == "components" && p[1] == "schemas") || is_property(p, &Value::Null)
    });
    let path = pick(rng, &candidates)?;
    let extend = rng.bool();
    let node = get_mut(spec, &path)?;
    let old = node.take();
    *node = if extend {
        json!({"allOf": [old, {"type": "object", "properties": {"extension": {"type": "string"}}}]})
    } else {
        json!({"allOf": [old], "description": "wrapped"})
    };
    Some(format!(
        "wrap {} in allOf{}",
        pointer(&path),
        if extend {
            " with an extension object"
        } else {
            ""
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_index_give_the_same_mutation() {
        let base = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"x": {"type": "string", "enum": ["a"]}}, "required": ["x"]},
            "B": {"oneOf": [{"$ref": "#/components/schemas/A"}]}
        }}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}});
        for index in 0..50 {
            let one = mutate(&base, &mut rng_for(7, index));
            let two = mutate(&base, &mut rng_for(7, index));
            assert_eq!(one.spec, two.spec);
            assert_eq!(one.edits, two.edits);
            assert!(!one.edits.is_empty());
        }
    }
}
