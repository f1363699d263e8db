//! The spec document as the stages read it: operations, JSON pointers, `$ref`s,
//! and a walk over every schema wherever it occurs.

use serde_json::Value;

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Escapes one JSON pointer segment (RFC 6901: `~` -> `~0`, `/` -> `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one JSON pointer segment (`~1` -> `/`, `~0` -> `~`).
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Builds a pointer from unescaped segments.
pub fn pointer<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> String {
    segments
        .into_iter()
        .map(|s| format!("/{}", escape(s.as_ref())))
        .collect()
}

/// The component a local `$ref` names: `#/components/schemas/X` -> `("schemas", "X")`.
pub fn ref_target(reference: &str) -> Option<(&str, &str)> {
    let rest = reference.strip_prefix("#/components/")?;
    let (kind, name) = rest.split_once('/')?;
    (!name.contains('/')).then_some((kind, name))
}

/// The schema name a `{"$ref": "#/components/schemas/X"}` node points at.
pub fn schema_ref(node: &Value) -> Option<&str> {
    let (kind, name) = ref_target(node.get("$ref")?.as_str()?)?;
    (kind == "schemas").then_some(name)
}

/// Follows local `$ref`s to the referenced object; `null` when one does not
/// resolve. Gives up after 32 hops (validate refuses `$ref` cycles).
pub fn deref<'a>(spec: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                node = r
                    .strip_prefix('#')
                    .and_then(|p| spec.pointer(p))
                    .unwrap_or(&Value::Null)
            }
            None => break,
        }
    }
    node
}

/// One operation object of a JSON document, with where it is (the model's
/// `model::Operation` is what later stages read).
pub struct OperationNode<'a> {
    pub path: &'a str,
    pub method: &'a str,
    pub value: &'a Value,
    /// JSON pointer of the operation object.
    pub pointer: String,
}

impl OperationNode<'_> {
    pub fn id(&self) -> Option<&str> {
        self.value.get("operationId").and_then(Value::as_str)
    }
}

/// All operations in document order (sorted, once normalized).
pub fn operations(spec: &Value) -> Vec<OperationNode<'_>> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(value) = item.get(method) {
                    out.push(OperationNode {
                        path,
                        method,
                        value,
                        pointer: pointer(["paths", path.as_str(), method]),
                    });
                }
            }
        }
    }
    out
}

/// The parameters of an operation, `$ref`s followed: its own, then those of
/// its path item.
pub fn parameters<'a>(spec: &'a Value, op: &OperationNode<'a>) -> impl Iterator<Item = &'a Value> {
    let path_level = &spec["paths"][op.path]["parameters"];
    [&op.value["parameters"], path_level]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(move |p| deref(spec, p))
}

/// The component schemas, by name.
pub fn schemas(spec: &Value) -> impl Iterator<Item = (&String, &Value)> {
    spec.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// The property a discriminated union's variants are told apart by.
pub fn discriminator_tag(union: &Value) -> Option<&str> {
    union
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
}

/// The constant value of a variant's `tag` property (a one-value enum), if any.
pub fn tag_constant<'a>(variant: &'a Value, tag: &str) -> Option<&'a str> {
    variant
        .pointer(&pointer(["properties", tag, "enum"]))
        .and_then(Value::as_array)
        .filter(|values| values.len() == 1)
        .and_then(|values| values[0].as_str())
}

/// Keys under which a schema holds a list of schemas.
pub const SCHEMAS_LIST: [&str; 3] = ["allOf", "oneOf", "anyOf"];

/// Calls `visit(pointer, schema)` for every schema in the document: component
/// schemas, parameter, body and response schemas, and every schema nested in
/// them (properties, items, `additionalProperties`, `allOf`/`oneOf`/`anyOf`,
/// `not`). Parents before children. `$ref` nodes are visited, not followed.
pub fn walk_schemas(spec: &Value, visit: &mut dyn FnMut(&str, &Value)) {
    fn schema(at: &mut String, node: &Value, visit: &mut dyn FnMut(&str, &Value)) {
        if !node.is_object() {
            return;
        }
        visit(at, node);
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = node.get(key) {
                descend(at, &[key], child, visit);
            }
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, child) in props {
                descend(at, &["properties", name], child, visit);
            }
        }
        for key in SCHEMAS_LIST {
            for (i, child) in node
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                descend(at, &[key, &i.to_string()], child, visit);
            }
        }
    }
    fn descend(
        at: &mut String,
        segments: &[&str],
        node: &Value,
        visit: &mut dyn FnMut(&str, &Value),
    ) {
        let len = at.len();
        at.push_str(&pointer(segments));
        schema(at, node, visit);
        at.truncate(len);
    }
    // Everything outside schemas that holds one: walk the document and start a
    // schema walk at each `schema` key and each component schema.
    fn outside(at: &mut String, node: &Value, visit: &mut dyn FnMut(&str, &Value)) {
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "schema" {
                        descend(at, &[key], child, visit);
                    } else if key == "schemas" && at == "/components" {
                        for (name, s) in child.as_object().into_iter().flatten() {
                            descend(at, &["schemas", name], s, visit);
                        }
                    } else if key != "example" && key != "examples" {
                        descend_outside(at, key, child, visit);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    descend_outside(at, &i.to_string(), child, visit);
                }
            }
            _ => {}
        }
    }
    fn descend_outside(
        at: &mut String,
        key: &str,
        node: &Value,
        visit: &mut dyn FnMut(&str, &Value),
    ) {
        let len = at.len();
        at.push_str(&pointer([key]));
        outside(at, node, visit);
        at.truncate(len);
    }
    outside(&mut String::new(), spec, visit);
}

/// Whether typify emits no type of its own for the schema at `at`: it merges
/// an `allOf` member into its parent, and a schema beside `allOf`/`oneOf`/
/// `anyOf` with them (a string enum there may merge into something else, or
/// into nothing: `string` and `object`); it emits nothing for a `not`.
fn merged_away(at: &str, schema: &Value) -> bool {
    let segments: Vec<&str> = at.split('/').collect();
    let under_not = segments
        .windows(2)
        .any(|w| w[1] == "not" && w[0] != "properties");
    let allof_member = segments.len() >= 2 && segments[segments.len() - 2] == "allOf";
    under_not || allof_member || SCHEMAS_LIST.iter().any(|k| schema.get(*k).is_some())
}

/// Whether typify reads the schema at `at` as a type of its own where it
/// is: not [`merged_away`], and every step down to it fits its parent's type
/// (`properties` and `additionalProperties` of an object, `items` of an
/// array; typify ignores the properties of a `type: string`, say).
pub fn typify_reads(spec: &Value, at: &str, schema: &Value) -> bool {
    if merged_away(at, schema) {
        return false;
    }
    let mut node = spec;
    for segment in at.split('/').skip(1).map(unescape) {
        let ty = node.get("type").and_then(Value::as_str);
        let fits = match segment.as_str() {
            "properties" | "additionalProperties" => ty.is_none_or(|t| t == "object"),
            "items" => ty.is_none_or(|t| t == "array"),
            _ => true,
        };
        // Only a schema has a `type` or `properties`; elsewhere (a path
        // item, a `properties` map) the segment is a name, not a keyword.
        let in_schema = node.get("type").is_some() || node.get("properties").is_some();
        if in_schema && !fits {
            return false;
        }
        let child = match node {
            Value::Object(map) => map.get(&segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match child {
            Some(child) => node = child,
            None => return true,
        }
    }
    true
}

/// The values of a string enum schema (`null` left out), if it is one.
pub fn string_enum(schema: &Value) -> Option<Vec<&str>> {
    let values = schema.get("enum")?.as_array()?;
    let strings: Option<Vec<&str>> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(Value::as_str)
        .collect();
    strings.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(
            pointer(["paths", "/agent/runs", "get"]),
            "/paths/~1agent~1runs/get"
        );
        assert_eq!(escape("a~b"), "a~0b");
    }

    #[test]
    fn refs_name_their_component() {
        assert_eq!(
            ref_target("#/components/schemas/RunItem"),
            Some(("schemas", "RunItem"))
        );
        assert_eq!(ref_target("#/components/schemas/a/b"), None);
        assert_eq!(
            schema_ref(&json!({"$ref": "#/components/responses/X"})),
            None
        );
    }

    #[test]
    fn the_walk_reaches_schemas_everywhere_they_occur() {
        let spec = json!({
            "paths": {"/a": {"get": {
                "parameters": [{"name": "s", "in": "query", "schema": {"type": "array", "items": {"enum": ["x", "y"]}}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/A"}]}}}}}
            }}},
            "components": {"schemas": {"A": {"properties": {"b": {"additionalProperties": {"type": "string"}}}}}}
        });
        let mut seen = Vec::new();
        walk_schemas(&spec, &mut |at, _| seen.push(at.to_string()));
        assert_eq!(
            seen,
            [
                "/components/schemas/A",
                "/components/schemas/A/properties/b",
                "/components/schemas/A/properties/b/additionalProperties",
                "/paths/~1a/get/parameters/0/schema",
                "/paths/~1a/get/parameters/0/schema/items",
                "/paths/~1a/get/responses/200/content/application~1json/schema",
                "/paths/~1a/get/responses/200/content/application~1json/schema/oneOf/0",
            ]
        );
    }

    #[test]
    fn string_enums_leave_out_null() {
        assert_eq!(string_enum(&json!({"enum": ["a", null]})), Some(vec!["a"]));
        assert_eq!(string_enum(&json!({"enum": [1, 2]})), None);
    }
}
