//! Spec stage 4 of 5, validate: reject what progenitor cannot take, before it sees it.
//!
//! progenitor 0.15 panics (`assert!`, `unwrap`, `todo!`) on several inputs that
//! are valid OpenAPI or nearly so. Every such case we know of is checked here on
//! the JSON document, so the error can name a JSON pointer and a fix.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::{Limits, RAISE_SIZE};
use crate::naming::{enum_variants, field_name, method_name, parameter_name, type_name};
use crate::spec::{
    OperationNode, SCHEMAS_LIST, deref, escape, operations, pointer, schema_ref, schemas,
    string_enum, typify_reads, walk_schemas,
};

const FIX_HINT: &str = "add a fix to spec/oz-api.fixes.yaml (the published spec is never edited)";

/// The document's outline, checked right after loading so that a document that
/// is not OpenAPI 3.0 at all is reported as such, not as a stale fix.
pub fn outline(spec: &Value, file: &str) -> Result<()> {
    let Some(root) = spec.as_object() else {
        return Err(Error::at(
            file,
            "",
            "the document is not a mapping",
            "an OpenAPI document starts with `openapi: 3.0.x`, `info` and `paths`",
        ));
    };
    check_version(root.get("openapi"), file)?;
    for key in ["info", "paths"] {
        if !root.get(key).is_some_and(Value::is_object) {
            return Err(Error::at(
                file,
                pointer([key]),
                format!("`{key}` is missing or not a mapping"),
                "an OpenAPI 3.0 document needs `info` (title, version) and `paths`",
            ));
        }
    }
    Ok(())
}

/// Checks `spec` (the fixed, normalized document). `file` names it in errors.
pub fn validate(spec: &Value, file: &str, limits: &Limits) -> Result<openapiv3::OpenAPI> {
    outline(spec, file)?;
    check_weight(spec, file, limits)?;
    check_refs(spec, spec, &mut String::new(), file)?;
    check_ref_cycles(spec, file)?;
    check_composition(spec, file)?;
    check_rust_names(spec, file)?;
    check_operations(spec, file)?;
    parse(spec, file)
}

/// What one operation weighs against [`check_weight`]'s limit; a schema weighs 1.
/// Measured on the debug build (BENCHMARKS.md, "Regen's bounds"): regen takes
/// ~19 ms per tiny operation and ~2.2 ms per schema (component, property, inline).
pub const OPERATION_WEIGHT: u64 = 8;

/// Enum values that weigh as much as a schema (20,000 values take 4.3 s).
pub const ENUM_VALUES_PER_WEIGHT: u64 = 8;

/// Bytes of the size limit per unit of weight: the default 4 MiB allows a weight
/// of 4096, which regen generates in ~10 s and under 600 MB (at most 512 tiny
/// operations, or 4096 schemas); today's spec weighs 884 (28 operations, 660 schemas).
pub const BYTES_PER_WEIGHT: u64 = 1024;

/// Regen's time and memory grow with what progenitor and our stages generate,
/// and a spec of many tiny operations or schemas fits in few bytes: refuse one
/// that would take minutes, at the operation or schema that crosses the limit.
fn check_weight(spec: &Value, file: &str, limits: &Limits) -> Result<()> {
    let limit = limits.max_spec_bytes / BYTES_PER_WEIGHT;
    let (mut weight, mut over) = (0, None::<String>);
    let ops = operations(spec);
    let operations_seen = ops.len() as u64;
    for op in ops {
        weight += OPERATION_WEIGHT;
        if weight > limit && over.is_none() {
            over = Some(op.pointer);
        }
    }
    let mut schemas_seen = 0u64;
    walk_schemas(spec, &mut |at, schema| {
        schemas_seen += 1;
        let values = schema["enum"].as_array().map_or(0, Vec::len) as u64;
        weight += 1 + values / ENUM_VALUES_PER_WEIGHT;
        if weight > limit && over.is_none() {
            over = Some(at.to_string());
        }
    });
    let Some(at) = over else { return Ok(()) };
    Err(Error::at(
        file,
        at,
        format!(
            "the spec is too large to generate: {operations_seen} operations and \
             {schemas_seen} schemas weigh {weight} (an operation {OPERATION_WEIGHT}, a schema 1, \
             {ENUM_VALUES_PER_WEIGHT} enum values 1), \
             over the limit of {limit} (the size limit of {} bytes / {BYTES_PER_WEIGHT}); \
             this is where it is crossed",
            limits.max_spec_bytes
        ),
        format!("regen of it would take minutes; {RAISE_SIZE}"),
    ))
}

/// Parses a checked document into openapiv3's model. Everything about the shape
/// the checks above do not cover is openapiv3's to check. It flattens some
// maps, which hides the path, so a failing path item or schema is retried
// alone to locate the error.
pub fn parse(spec: &Value, file: &str) -> Result<openapiv3::OpenAPI> {
    let mut located = match parse_at::<openapiv3::OpenAPI>(spec, "") {
        Ok(openapi) => return Ok(openapi),
        Err(error) => error,
    };
    let children = |base: &str| -> Vec<(String, &Value)> {
        let entries = spec
            .pointer(base)
            .and_then(Value::as_object)
            .into_iter()
            .flatten();
        entries
            .map(|(k, v)| (format!("{base}/{}", escape(k)), v))
            .collect()
    };
    for (at, item) in children("/paths") {
        if let Err(e) = parse_at::<openapiv3::PathItem>(item, &at) {
            located = e;
        }
    }
    for (at, schema) in children("/components/schemas") {
        if let Err(e) = parse_at::<openapiv3::ReferenceOr<openapiv3::Schema>>(schema, &at) {
            located = e;
        }
    }
    Err(Error::at(
        file,
        located.0,
        format!("not a valid OpenAPI 3.0 document: {}", located.1),
        "fix the field at this location (see the OpenAPI 3.0.3 specification)",
    ))
}

/// Deserializes `value` (found at pointer `at`), giving the pointer of the failing field.
fn parse_at<T: serde::de::DeserializeOwned>(
    value: &Value,
    at: &str,
) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner: String = e
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(format!("/{index}")),
                serde_path_to_error::Segment::Map { key } => Some(format!("/{}", escape(key))),
                serde_path_to_error::Segment::Enum { variant } => {
                    Some(format!("/{}", escape(variant)))
                }
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        (format!("{at}{inner}"), e.inner().to_string())
    })
}

fn check_version(version: Option<&Value>, file: &str) -> Result<()> {
    let hint = "progenitor reads OpenAPI 3.0.x only; convert the document or pin an older spec";
    match version.and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(v) => Err(Error::at(
            file,
            "/openapi",
            format!("OpenAPI version {v} is not supported"),
            hint,
        )),
        None => Err(Error::at(
            file,
            "/openapi",
            "no `openapi: 3.0.x` version field (Swagger 2.0 and unversioned documents are not supported)",
            hint,
        )),
    }
}

/// Every `$ref` must be local, of the form `#/components/<kind>/<name>`, and resolve.
fn check_refs(spec: &Value, node: &Value, at: &mut String, file: &str) -> Result<()> {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                let here = format!("{at}/$ref");
                let Some(reference) = reference.as_str() else {
                    return Err(Error::at(file, here, "`$ref` is not a string", FIX_HINT));
                };
                let segments: Vec<&str> = reference.trim_start_matches("#/").split('/').collect();
                if !reference.starts_with("#/components/") || segments.len() != 3 {
                    return Err(Error::at(
                        file,
                        here,
                        format!("unsupported reference `{reference}`"),
                        "only local references of the form #/components/<kind>/<name> are supported; \
                         inline external documents first",
                    ));
                }
                if spec.pointer(&reference[1..]).is_none() {
                    return Err(Error::at(
                        file,
                        here,
                        format!("unresolved reference `{reference}`: no such component"),
                        format!("define it or correct the name; {FIX_HINT}"),
                    ));
                }
                // A parameter, response, body, ... that is only a reference to
                // itself, through any number of others, never resolves (and
                // progenitor would follow it for ever). Schemas: `check_ref_cycles`.
                if segments[1] != "schemas" {
                    let mut chain = vec![reference];
                    let mut next = spec.pointer(&reference[1..]);
                    while let Some(to) = next.and_then(|n| n.get("$ref")).and_then(Value::as_str) {
                        if chain.contains(&to) {
                            chain.push(to);
                            return Err(Error::at(
                                file,
                                here,
                                format!("reference cycle: {} never resolves", chain.join(" -> ")),
                                format!("give one of them a definition of its own; {FIX_HINT}"),
                            ));
                        }
                        chain.push(to);
                        next = to.strip_prefix('#').and_then(|p| spec.pointer(p));
                    }
                }
            }
            for (key, value) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                check_refs(spec, value, at, file)?;
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                check_refs(spec, item, at, file)?;
                at.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// A schema that is only another schema (`$ref`, a one-member `oneOf`/`anyOf`,
/// or any `allOf` member, which typify merges) cannot be itself: typify would
/// recurse forever or write `struct A(B); struct B(A);`, which cannot compile.
/// (A cycle through a property or array is fine: typify boxes it.)
fn check_ref_cycles(spec: &Value, file: &str) -> Result<()> {
    let aliases = |schema: &Value| -> Vec<String> {
        let mut out: Vec<String> = schema_ref(schema).into_iter().map(String::from).collect();
        for key in SCHEMAS_LIST {
            let members = schema[key]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if key == "allOf" || members.len() == 1 {
                out.extend(members.iter().filter_map(schema_ref).map(String::from));
            }
        }
        out
    };
    // Depth-first along alias edges; `trail` is the path from the start.
    fn find_cycle(
        name: &str,
        trail: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        edges: &dyn Fn(&str) -> Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = trail.iter().position(|n| n == name) {
            let mut cycle = trail[at..].to_vec();
            cycle.push(name.to_string());
            return Some(cycle);
        }
        if !done.insert(name.to_string()) {
            return None;
        }
        trail.push(name.to_string());
        for next in edges(name) {
            if let Some(cycle) = find_cycle(&next, trail, done, edges) {
                return Some(cycle);
            }
        }
        trail.pop();
        None
    }
    let edges = |name: &str| aliases(&spec["components"]["schemas"][name]);
    let mut done = BTreeSet::new();
    for (start, _) in schemas(spec) {
        let Some(cycle) = find_cycle(start, &mut Vec::new(), &mut done, &edges) else {
            continue;
        };
        let first = &cycle[0];
        return Err(Error::at(
            file,
            pointer(["components", "schemas", first.as_str()]),
            format!(
                "schema `{first}` is defined only in terms of itself ({}): \
                 a `$ref`/`allOf` cycle that no Rust type can hold",
                cycle.join(" -> ")
            ),
            format!(
                "give one schema of the cycle its own properties, or drop the cycle; {FIX_HINT}"
            ),
        ));
    }
    Ok(())
}

/// How far typify's merging of `allOf` may go. It inlines every schema an
/// `allOf`, `anyOf` or `oneOf` names, so schemas that each name the one before
/// twice (`allOf: [A, A, {..}]`) cost twice as much per level: 11 such levels
/// overflowed the stack. And it merges every combination of the unions an
/// `allOf` holds: unions nested 5 deep across an `allOf`'s members ran for
/// minutes (3 deep: 1 s). Both are measured in schema nodes, through `$ref`s.
const MAX_EXPANDED_NODES: u64 = 4096;
const MAX_UNION_DEPTH_IN_ALL_OF: u64 = 3;

/// Refuses a schema whose expansion through compositions passes
/// [`MAX_EXPANDED_NODES`], or an `allOf` over unions nested more than
/// [`MAX_UNION_DEPTH_IN_ALL_OF`] deep, before typify takes minutes or the stack.
fn check_composition(spec: &Value, file: &str) -> Result<()> {
    struct Walk<'a> {
        spec: &'a Value,
        /// Per component schema: (expanded nodes, union depth); `None` while
        /// it is being walked (a cycle through a property counts once).
        memo: BTreeMap<&'a str, Option<(u64, u64)>>,
        /// The first `allOf` over unions nested too deep, and its depth.
        too_deep: Option<(String, u64)>,
    }
    impl<'a> Walk<'a> {
        fn component(&mut self, name: &'a str) -> (u64, u64) {
            match self.memo.get(name) {
                Some(Some(done)) => return *done,
                Some(None) => return (1, 0),
                None => {}
            }
            self.memo.insert(name, None);
            let schema = &self.spec["components"]["schemas"][name];
            let mut at = pointer(["components", "schemas", name]);
            let done = self.node(schema, &mut at);
            self.memo.insert(name, Some(done));
            done
        }
        /// (nodes, union depth) of `node`, a schema at pointer `at`.
        fn node(&mut self, node: &'a Value, at: &mut String) -> (u64, u64) {
            if let Some(name) = schema_ref(node) {
                return self.component(name);
            }
            let Value::Object(map) = node else {
                return (1, 0);
            };
            let (mut nodes, mut depth) = (1u64, 0u64);
            for (key, value) in map {
                let members: Vec<&'a Value> = match (key.as_str(), value) {
                    ("properties" | "patternProperties", Value::Object(m)) => m.values().collect(),
                    ("items" | "additionalProperties" | "not", v @ Value::Object(_)) => vec![v],
                    (k, Value::Array(items)) if SCHEMAS_LIST.contains(&k) => items.iter().collect(),
                    _ => continue,
                };
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                let mut sum = 0u64;
                let (mut deepest, mut depths) = (0u64, 0u64);
                for member in members {
                    // Properties and items become types of their own: only
                    // what a composition names is inlined, and counts.
                    let (n, d) = self.node(member, at);
                    if SCHEMAS_LIST.contains(&key.as_str()) {
                        sum = sum.saturating_add(n);
                        deepest = deepest.max(d);
                        depths = depths.saturating_add(d);
                    }
                }
                if key == "allOf" && depths > MAX_UNION_DEPTH_IN_ALL_OF && self.too_deep.is_none() {
                    self.too_deep = Some((at.clone(), depths));
                }
                at.truncate(len);
                nodes = nodes.saturating_add(sum);
                depth = depth.max(match key.as_str() {
                    "anyOf" | "oneOf" => deepest + 1,
                    "allOf" => deepest,
                    _ => 0,
                });
            }
            (nodes, depth)
        }
    }
    let mut walk = Walk {
        spec,
        memo: BTreeMap::new(),
        too_deep: None,
    };
    for (name, _) in schemas(spec) {
        let (nodes, _) = walk.component(name);
        if nodes > MAX_EXPANDED_NODES {
            return Err(Error::at(
                file,
                pointer(["components", "schemas", name]),
                format!(
                    "schema `{name}` expands to {nodes} schema nodes through its \
                     allOf/anyOf/oneOf members (at most {MAX_EXPANDED_NODES}): typify inlines \
                     each, and would take minutes or overflow its stack"
                ),
                format!(
                    "name each repeated member once, or give the schemas their own properties; {FIX_HINT}"
                ),
            ));
        }
        if let Some((at, depth)) = walk.too_deep.take() {
            return Err(Error::at(
                file,
                at,
                format!(
                    "an allOf over unions (anyOf/oneOf) nested {depth} deep in all (at most \
                     {MAX_UNION_DEPTH_IN_ALL_OF}): typify merges every combination, which takes minutes"
                ),
                format!("flatten the unions, or name the merged schema; {FIX_HINT}"),
            ));
        }
    }
    Ok(())
}

/// Names that Rust would see as one after the generators' renaming: two
/// component schemas (`run_item` and `RunItem`: two `struct RunItem`), two
/// properties of one object (`runId` and `run_id`: one field declared twice).
/// progenitor alone writes code that does not compile for both.
fn check_rust_names(spec: &Value, file: &str) -> Result<()> {
    let mut types: BTreeMap<String, &String> = BTreeMap::new();
    for (name, _) in schemas(spec) {
        if let Some(first) = types.insert(type_name(name), name) {
            return Err(Error::at(
                file,
                pointer(["components", "schemas", name.as_str()]),
                format!(
                    "schemas `{first}` and `{name}` both become the Rust type `{}`",
                    type_name(name)
                ),
                format!("rename one of them (and its $refs); {FIX_HINT}"),
            ));
        }
    }
    // One walk for both checks, over what typify reads as a type of its own.
    let mut clash = None;
    let mut clash_values = None;
    walk_schemas(spec, &mut |at, schema| {
        if clash_values.is_none()
            && let Some(values) = string_enum(schema)
            && typify_reads(spec, at, schema)
            && let Err(dups) = enum_variants(&values)
        {
            clash_values = Some((format!("{at}/enum"), dups));
        }
        // typify makes fields only of what it reads as an object.
        let is_object = schema.get("type").is_none_or(|t| t == "object");
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        if clash.is_some() || !is_object || !typify_reads(spec, at, schema) {
            return;
        }
        let mut fields: BTreeMap<String, &String> = BTreeMap::new();
        for name in properties.keys() {
            if let Some(first) = fields.insert(field_name(name), name)
                && clash.is_none()
            {
                clash = Some((
                    format!("{at}/properties/{}", escape(name)),
                    first.clone(),
                    name.clone(),
                ));
            }
        }
    });
    if let Some((at, dups)) = clash_values {
        return Err(Error::at(
            file,
            at,
            format!(
                "enum values {} all become one Rust variant name (typify panics on this)",
                dups.iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("remove or rename one of them; {FIX_HINT}"),
        ));
    }
    if let Some((at, first, name)) = clash {
        return Err(Error::at(
            file,
            at,
            format!(
                "properties `{first}` and `{name}` of one object both become the Rust field `{}`",
                field_name(&name)
            ),
            format!("remove or rename one of them; {FIX_HINT}"),
        ));
    }
    Ok(())
}

fn check_operations(spec: &Value, file: &str) -> Result<()> {
    let paths = spec["paths"].as_object().into_iter().flatten();
    for (path, item) in paths {
        let at = pointer(["paths", path.as_str()]);
        if !path.starts_with('/') {
            return Err(Error::at(
                file,
                at,
                format!("path `{path}` does not start with `/`"),
                FIX_HINT,
            ));
        }
        if item.get("$ref").is_some() {
            return Err(Error::at(
                file,
                at,
                "path items given by `$ref` are not supported by progenitor",
                format!("inline the path item; {FIX_HINT}"),
            ));
        }
    }

    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    for op in operations(spec) {
        let id_at = format!("{}/operationId", op.pointer);
        let Some(id) = op.value.get("operationId").and_then(Value::as_str) else {
            return Err(Error::at(
                file,
                id_at,
                format!(
                    "{} {} has no operationId",
                    op.method.to_uppercase(),
                    op.path
                ),
                format!("every operation needs a unique operationId; {FIX_HINT}"),
            ));
        };
        if let Some(first) = ids.insert(id.to_string(), op.pointer.clone()) {
            return Err(Error::at(
                file,
                id_at,
                format!("duplicate operationId `{id}`: also used by {first}"),
                format!("give one of them its own operationId; {FIX_HINT}"),
            ));
        }
        let method = method_name(id);
        if let Some(first) = methods.insert(method.clone(), id.to_string()) {
            return Err(Error::at(
                file,
                id_at,
                format!("operationId `{id}` and `{first}` both become the Rust method `{method}`"),
                format!("rename one of them; {FIX_HINT}"),
            ));
        }
        if op.value.get("x-dropshot-websocket").is_some() {
            return Err(Error::at(
                file,
                format!("{}/x-dropshot-websocket", op.pointer),
                "a websocket upgrade: progenitor generates it with the `rand` crate, \
                 which oz-api does not depend on, so the crate would not compile",
                format!("remove the extension (a `remove: true` fix); {FIX_HINT}"),
            ));
        }
        check_path_parameters(spec, &op, file)?;
        check_request_body(spec, &op, file)?;
        check_responses(spec, &op, file)?;
    }
    Ok(())
}

fn check_path_parameters(spec: &Value, op: &OperationNode, file: &str) -> Result<()> {
    let path_item = &spec["paths"][op.path];
    let params = [&path_item["parameters"], &op.value["parameters"]];
    let mut declared = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut setters: BTreeMap<String, String> = BTreeMap::new();
    for (list, base) in params.iter().zip([
        pointer(["paths", op.path, "parameters"]),
        format!("{}/parameters", op.pointer),
    ]) {
        for (i, p) in list.as_array().into_iter().flatten().enumerate() {
            let p = deref(spec, p);
            let (Some(name), Some(location)) = (
                p.get("name").and_then(Value::as_str),
                p.get("in").and_then(Value::as_str),
            ) else {
                continue; // openapiv3 reports the missing field with its path
            };
            // Operation-level parameters may override path-level ones, not repeat each other.
            if base.starts_with(&op.pointer) && !seen.insert((name, location)) {
                return Err(Error::at(
                    file,
                    format!("{base}/{i}"),
                    format!("parameter `{name}` (in {location}) is declared twice"),
                    FIX_HINT,
                ));
            }
            if location == "path" {
                declared.insert(name.to_string());
            }
            // An operation-level parameter may override a path-level one of the same name.
            let setter = parameter_name(name);
            // progenitor 0.15's `send` renames its locals `url`, `request`,
            // `response`, `result` and `client` away from a parameter's name
            // (`unique_ident_from`, method.rs), but not its `header_map`, which
            // the parameter's value would then be read from.
            if setter == "header_map" {
                return Err(Error::at(
                    file,
                    format!("{base}/{i}"),
                    format!(
                        "parameter `{name}` is named like progenitor's local `header_map` in \
                         `send`, which it would be read from, so the crate would not compile"
                    ),
                    format!("rename the parameter; {FIX_HINT}"),
                ));
            }
            if let Some(first) = setters.insert(setter.clone(), name.to_string())
                && first != name
            {
                return Err(Error::at(
                    file,
                    format!("{base}/{i}"),
                    format!(
                        "parameters `{first}` and `{name}` both become the builder method `{setter}`"
                    ),
                    format!("rename one of them; {FIX_HINT}"),
                ));
            }
            // An optional one is left out by remodel (and the snapshot says so).
            if crate::remodel::is_deep_object(p) && p["required"] == true {
                return Err(Error::at(
                    file,
                    format!("{base}/{i}"),
                    format!(
                        "required query parameter `{name}` has `style: deepObject`, which progenitor cannot send"
                    ),
                    format!(
                        "until progenitor does, drop it with a fix in spec/oz-api.fixes.yaml \
                         (`target: {base}/{i}`, `remove: true`, `expect:` the parameter); \
                         the operation keeps its other parameters"
                    ),
                ));
            }
            if location == "cookie" {
                return Err(Error::at(
                    file,
                    format!("{base}/{i}"),
                    format!("cookie parameter `{name}` is not supported by progenitor"),
                    FIX_HINT,
                ));
            }
        }
    }
    let in_template: BTreeSet<String> = op
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect();
    if let Some(missing) = in_template.difference(&declared).next() {
        return Err(Error::at(
            file,
            format!("{}/parameters", op.pointer),
            format!(
                "path `{}` uses `{{{missing}}}` but no `in: path` parameter `{missing}` is declared",
                op.path
            ),
            FIX_HINT,
        ));
    }
    if let Some(extra) = declared.difference(&in_template).next() {
        return Err(Error::at(
            file,
            format!("{}/parameters", op.pointer),
            format!(
                "path parameter `{extra}` does not appear in the path `{}`",
                op.path
            ),
            FIX_HINT,
        ));
    }
    Ok(())
}

fn check_request_body(spec: &Value, op: &OperationNode, file: &str) -> Result<()> {
    let Some(body) = op.value.get("requestBody") else {
        return Ok(());
    };
    let at = format!("{}/requestBody", op.pointer);
    let content = deref(spec, body).get("content").and_then(Value::as_object);
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        return Err(Error::at(file, at, "request body has no content", FIX_HINT));
    };
    if content.len() > 1 {
        return Err(Error::at(
            file,
            format!("{at}/content"),
            format!(
                "request body has {} media types ({}); progenitor takes exactly one",
                content.len(),
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            format!("keep one media type; {FIX_HINT}"),
        ));
    }
    for (media, value) in content {
        check_media_type(
            media,
            value,
            &format!("{at}/content/{}", escape(media)),
            file,
        )?;
    }
    Ok(())
}

fn check_media_type(media: &str, value: &Value, at: &str, file: &str) -> Result<()> {
    if !is_json(media) {
        return Ok(());
    }
    if value.get("schema").is_none() {
        return Err(Error::at(
            file,
            at,
            format!("`{media}` content has no schema (progenitor panics on this)"),
            format!("add a schema; {FIX_HINT}"),
        ));
    }
    if value
        .get("encoding")
        .is_some_and(|e| e.as_object().is_some_and(|e| !e.is_empty()))
    {
        return Err(Error::at(
            file,
            format!("{at}/encoding"),
            "`encoding` on JSON content is not supported by progenitor (it panics)",
            format!("remove it; {FIX_HINT}"),
        ));
    }
    Ok(())
}

/// A JSON media type (`application/json`, with parameters or without).
pub(crate) fn is_json(media: &str) -> bool {
    media == "application/json" || media.starts_with("application/json;")
}

/// progenitor asserts that the 2xx responses (and, separately, the 4xx/5xx
/// responses) of an operation share one body type: check it here instead.
fn check_responses(spec: &Value, op: &OperationNode, file: &str) -> Result<()> {
    let at = format!("{}/responses", op.pointer);
    let Some(responses) = op.value.get("responses").and_then(Value::as_object) else {
        return Err(Error::at(
            file,
            at,
            "operation has no `responses`",
            format!("declare at least the success response; {FIX_HINT}"),
        ));
    };
    let mut success: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut failure: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let has_2xx_range = responses.contains_key("2XX");
    for (code, response) in responses {
        let class = match code.as_str() {
            "default" => None,
            c if c.len() == 3 && c.ends_with("XX") => c.chars().next(),
            c if c.len() == 3 && c.chars().all(|d| d.is_ascii_digit()) => c.chars().next(),
            c => {
                return Err(Error::at(
                    file,
                    format!("{at}/{}", escape(c)),
                    format!("`{c}` is not a status code"),
                    "use a code such as 200, a range such as 2XX, or `default`",
                ));
            }
        };
        let response = deref(spec, response);
        let content = response.get("content").and_then(Value::as_object);
        let body = match content.and_then(|c| c.iter().find(|(m, _)| is_json(m))) {
            Some((media, value)) => {
                let here = format!("{at}/{}/content/{}", escape(code), escape(media));
                check_media_type(media, value, &here, file)?;
                format!("JSON {}", describe_schema(&value["schema"]))
            }
            None if content.is_some_and(|c| !c.is_empty()) => "raw bytes".to_string(),
            None => "no body".to_string(),
        };
        let is_default = class.is_none();
        if class == Some('2') || (is_default && !has_2xx_range) {
            success.entry(body.clone()).or_default().push(code);
        }
        if matches!(class, Some('4' | '5')) || is_default {
            failure.entry(body).or_default().push(code);
        }
    }
    for (kinds, which) in [(success, "success (2xx)"), (failure, "error (4xx/5xx)")] {
        if kinds.len() > 1 {
            let list: Vec<String> = kinds
                .iter()
                .map(|(body, codes)| format!("{} -> {body}", codes.join("/")))
                .collect();
            return Err(Error::at(
                file,
                at,
                format!(
                    "{} {} has {} different {which} response bodies ({}); progenitor needs one",
                    op.method.to_uppercase(),
                    op.path,
                    kinds.len(),
                    list.join("; ")
                ),
                format!(
                    "make those responses share one schema or drop the odd one out; {FIX_HINT}"
                ),
            ));
        }
    }
    Ok(())
}

fn describe_schema(schema: &Value) -> String {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r.rsplit('/').next().unwrap_or(r).to_string(),
        None => schema.to_string(),
    }
}
