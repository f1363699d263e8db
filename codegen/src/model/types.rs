//! The model's types: the component schemas as the passes over typify's
//! output read them (objects and their fields, string enums, discriminated
//! unions and their tags), every open enum typify makes a type of, and the
//! read-modify-write pairs.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::naming::{field_name, type_name};
use crate::remodel::is_discriminated_union;
use crate::spec::{
    self, deref, discriminator_tag, schema_ref, schemas, string_enum, tag_constant, typify_reads,
    walk_schemas,
};

use super::Operation;

/// The types of one document.
pub struct Types {
    /// Every component schema, in the document's (sorted) order.
    pub schemas: Vec<Schema>,
    /// Every string enum of two or more values that typify makes a type of
    /// (named or inline, in a property, a parameter, array items, nullable
    /// or not): each must come out open.
    pub open_enums: Vec<EnumSite>,
    /// Every replacing `PUT` whose body and read type are different schemas.
    pub read_modify_write: Vec<ReadModifyWrite>,
}

pub struct Schema {
    /// As the document names it (`RunItem`).
    pub name: String,
    /// typify's type (`RunItem`).
    pub rust: String,
    /// The schema as written in the document.
    pub value: Value,
    pub shape: Shape,
    /// Its properties, then those of the `allOf` members typify merges into it.
    pub fields: Vec<Field>,
}

pub enum Shape {
    /// A `oneOf` with a discriminator (made uniform by `remodel`).
    Union(Union),
    /// A string enum: its values, `null` left out.
    Enum(Vec<String>),
    /// Anything else: an object, an `allOf`, a newtype.
    Other,
}

pub struct Union {
    /// The property the variants are told apart by (openapiv3 requires
    /// `propertyName`, so a spec without it was refused by `validate`).
    pub tag: String,
    pub variants: Vec<Variant>,
}

pub struct Variant {
    /// The tag's value for this variant: the `mapping`'s entry, else the
    /// constant of its tag property, else its schema name (OpenAPI's
    /// implicit mapping).
    pub tag: String,
    /// The component schema it is (its `$ref`).
    pub schema: String,
}

pub struct Field {
    /// As the document names the property (`created_at`).
    pub name: String,
    /// typify's field (`created_at`).
    pub rust: String,
    /// From an `allOf` member, not the schema's own `properties`.
    pub merged: bool,
    /// In its part's `required` list.
    pub required: bool,
    pub nullable: bool,
    pub deprecated: bool,
    pub description: Option<String>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

/// A string enum typify makes a type of.
pub struct EnumSite {
    /// JSON pointer of the schema.
    pub pointer: String,
    pub values: BTreeSet<String>,
}

/// A read-modify-write pair: `PUT path` replaces the resource with an
/// `update` body, and the resource is read (by `GET path`, else by the
/// `PUT`'s own answer) as `read`.
#[derive(Debug, PartialEq)]
pub struct ReadModifyWrite {
    pub operation: String,
    pub read: String,
    pub update: String,
    /// Members `read` knows and `update` does not: read-only, not sent back.
    pub read_only: Vec<String>,
}

impl Types {
    /// The types of `spec`, whose operations are `operations`.
    pub(super) fn new(spec: &Value, operations: &[Operation]) -> Types {
        let schemas: Vec<Schema> = schemas(spec)
            .map(|(name, value)| Schema::new(spec, name, value))
            .collect();
        let read_modify_write = read_modify_write_pairs(operations, &schemas);
        Types {
            open_enums: open_enums(spec),
            read_modify_write,
            schemas,
        }
    }

    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.name == name)
    }

    /// The discriminated unions, with their schemas.
    pub fn unions(&self) -> impl Iterator<Item = (&Schema, &Union)> {
        self.schemas.iter().filter_map(|s| match &s.shape {
            Shape::Union(union) => Some((s, union)),
            _ => None,
        })
    }
}

impl Schema {
    fn new(spec: &Value, name: &str, value: &Value) -> Schema {
        let shape = match (is_discriminated_union(value), discriminator_tag(value)) {
            (true, Some(tag)) => Shape::Union(Union {
                tag: tag.to_string(),
                variants: variants(spec, value, tag),
            }),
            _ => match string_enum(value) {
                Some(values) => Shape::Enum(values.into_iter().map(String::from).collect()),
                None => Shape::Other,
            },
        };
        let merged = value["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|member| (true, deref(spec, member)));
        let fields = std::iter::once((false, value))
            .chain(merged)
            .filter_map(|(merged, part)| Some((merged, part, part.get("properties")?.as_object()?)))
            .flat_map(|(merged, part, properties)| {
                let required = part["required"].as_array();
                properties.iter().map(move |(name, p)| Field {
                    rust: field_name(name),
                    merged,
                    required: required.is_some_and(|r| r.iter().any(|r| r == name)),
                    nullable: p["nullable"] == true,
                    deprecated: p.get("deprecated") == Some(&Value::Bool(true)),
                    description: p
                        .get("description")
                        .and_then(Value::as_str)
                        .map(String::from),
                    min_items: p.get("minItems").and_then(Value::as_u64),
                    max_items: p.get("maxItems").and_then(Value::as_u64),
                    name: name.clone(),
                })
            })
            .collect();
        Schema {
            name: name.to_string(),
            rust: type_name(name),
            value: value.clone(),
            shape,
            fields,
        }
    }

    /// Its own property `name` (not a merged one).
    pub fn own_field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| !f.merged && f.name == name)
    }

    /// The property names of its own `properties`.
    fn own_properties(&self) -> BTreeSet<String> {
        let own = self.fields.iter().filter(|f| !f.merged);
        own.map(|f| f.name.clone()).collect()
    }
}

/// The variants of a discriminated union: the `mapping`'s entries, then, for
/// a variant the mapping does not name, the constant of its tag property,
/// else its schema name.
fn variants(spec: &Value, union: &Value, tag: &str) -> Vec<Variant> {
    let mapping = union
        .pointer("/discriminator/mapping")
        .and_then(Value::as_object);
    let refs: Vec<(&str, &Value)> = union["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((schema_ref(v)?, deref(spec, v))))
        .collect();
    // A mapping entry naming a schema that is not a variant is ignored (as
    // progenitor does): its tag decodes as unknown.
    let mut out: Vec<Variant> = mapping
        .into_iter()
        .flatten()
        .filter_map(|(value, target)| {
            let target = target.as_str()?;
            let name = target.rsplit('/').next().unwrap_or(target);
            refs.iter().any(|(n, _)| *n == name).then(|| Variant {
                tag: value.clone(),
                schema: name.to_string(),
            })
        })
        .collect();
    for (name, schema) in refs {
        if out.iter().any(|v| v.schema == name) {
            continue;
        }
        out.push(Variant {
            tag: tag_constant(schema, tag).unwrap_or(name).to_string(),
            schema: name.to_string(),
        });
    }
    out
}

fn open_enums(spec: &Value) -> Vec<EnumSite> {
    let mut sites = Vec::new();
    walk_schemas(spec, &mut |at, schema| {
        if schema.get("$ref").is_some() {
            return;
        }
        let Some(values) = string_enum(schema) else {
            return;
        };
        let values: BTreeSet<String> = values.into_iter().map(String::from).collect();
        if values.len() >= 2 && typify_reads(spec, at, schema) {
            sites.push(EnumSite {
                pointer: at.to_string(),
                values,
            });
        }
    });
    sites
}

/// Every replacing `PUT` whose body and read type are different component schemas.
fn read_modify_write_pairs(operations: &[Operation], schemas: &[Schema]) -> Vec<ReadModifyWrite> {
    fn answer(op: &Operation) -> Option<&str> {
        let mut successes = op.client_responses.iter();
        successes.find_map(|r| r.status.starts_with('2').then(|| r.json_component())?)
    }
    let properties = |name: &str| {
        let schema = schemas.iter().find(|s| s.name == name);
        schema.map(Schema::own_properties).unwrap_or_default()
    };
    let mut pairs = Vec::new();
    for put in operations.iter().filter(|op| op.method == "put") {
        let Some(update) = put.body.as_ref().and_then(|b| spec::schema_ref(b)) else {
            continue;
        };
        let get = operations
            .iter()
            .find(|op| op.method == "get" && op.path == put.path);
        let Some(read) = get.and_then(answer).or_else(|| answer(put)) else {
            continue;
        };
        if read == update {
            continue;
        }
        let writable = properties(update);
        pairs.push(ReadModifyWrite {
            operation: put.id.clone(),
            read_only: properties(read).difference(&writable).cloned().collect(),
            read: read.to_string(),
            update: update.to_string(),
        });
    }
    pairs
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use crate::model::Api;

    use super::*;

    /// A union whose tags come from each of the three places (the mapping,
    /// a variant's tag constant, a variant's name), with a mapping entry
    /// naming a schema that is no variant.
    pub(crate) fn three_way_union_spec() -> serde_json::Value {
        json!({"components": {"schemas": {
            "Shape": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Circle"},
                    {"$ref": "#/components/schemas/Square"},
                    {"$ref": "#/components/schemas/Blob"}
                ],
                "discriminator": {"propertyName": "kind", "mapping": {
                    "round": "#/components/schemas/Circle",
                    "gone": "#/components/schemas/NotAVariant"
                }}
            },
            "Circle": {"properties": {"kind": {"enum": ["circle"]}}},
            "Square": {"properties": {"kind": {"enum": ["square"]}}},
            "Blob": {"properties": {"kind": {"type": "string"}}}
        }}})
    }

    #[test]
    fn tag_values_come_from_the_mapping_then_the_tag_constant_then_the_schema_name() {
        let spec = three_way_union_spec();
        let api = Api::new(&spec, &spec);
        let unions: Vec<_> = api.types.unions().collect();
        let [(schema, union)] = unions[..] else {
            panic!("one union")
        };
        assert_eq!(
            (schema.rust.as_str(), union.tag.as_str()),
            ("Shape", "kind")
        );
        let pairs: Vec<(&str, &str)> = union
            .variants
            .iter()
            .map(|v| (v.tag.as_str(), v.schema.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("round", "Circle"), ("square", "Square"), ("Blob", "Blob")]
        );
    }

    #[test]
    fn fields_come_from_the_schema_then_its_all_of_members() {
        let spec = json!({"components": {"schemas": {
            "Base": {"properties": {"task_id": {"deprecated": true, "description": " Use run_id. "}},
                     "required": ["task_id"]},
            "Run": {
                "allOf": [{"$ref": "#/components/schemas/Base"}],
                "properties": {"tags": {"type": "array", "minItems": 1, "maxItems": 5, "nullable": true}},
                "required": ["tags"]
            },
            "Color": {"type": "string", "enum": ["red", "blue", null]}
        }}});
        let api = Api::new(&spec, &spec);
        let run = api.types.schema("Run").unwrap();
        let fields: Vec<_> = run
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.merged,
                    f.required,
                    f.nullable,
                    f.deprecated,
                )
            })
            .collect();
        assert_eq!(
            fields,
            [
                ("tags", false, true, true, false),
                ("task_id", true, true, false, true)
            ]
        );
        assert_eq!(
            (run.fields[0].min_items, run.fields[0].max_items),
            (Some(1), Some(5))
        );
        assert_eq!(run.fields[1].description.as_deref(), Some(" Use run_id. "));
        assert!(run.own_field("task_id").is_none() && run.own_field("tags").is_some());
        match &api.types.schema("Color").unwrap().shape {
            Shape::Enum(values) => assert_eq!(values, &["red", "blue"]),
            _ => panic!("Color is a string enum"),
        }
        let sites: Vec<&str> = api
            .types
            .open_enums
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(sites, ["/components/schemas/Color"]);
    }

    #[test]
    fn every_replacing_put_gets_its_read_modify_write_pair() {
        let body = |name: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
        let spec = json!({
            "paths": {
                "/things/{id}": {
                    "get": {"operationId": "getThing", "responses": {"200": body("Thing")}},
                    "put": {"operationId": "putThing", "requestBody": body("ThingUpdate"), "responses": {"200": body("Thing")}}
                },
                "/others/{id}": {
                    "put": {"operationId": "putOther", "requestBody": body("OtherUpdate"), "responses": {"201": body("Other")}}
                },
                "/same/{id}": {
                    "put": {"operationId": "putSame", "requestBody": body("Same"), "responses": {"200": body("Same")}}
                }
            },
            "components": {"schemas": {
                "Thing": {"properties": {"id": {}, "name": {}, "created_at": {}}},
                "ThingUpdate": {"properties": {"name": {}, "mode": {}}},
                "Other": {"properties": {"name": {}}},
                "OtherUpdate": {"properties": {"name": {}}},
                "Same": {"properties": {"name": {}}}
            }}
        });
        let api = Api::new(&spec, &spec);
        let found: Vec<_> = api
            .types
            .read_modify_write
            .iter()
            .map(|p| {
                (
                    p.operation.as_str(),
                    p.read.as_str(),
                    p.update.as_str(),
                    p.read_only.clone(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("putOther", "Other", "OtherUpdate", vec![]),
                (
                    "putThing",
                    "Thing",
                    "ThingUpdate",
                    vec!["created_at".to_string(), "id".to_string()]
                ),
            ]
        );
    }
}
