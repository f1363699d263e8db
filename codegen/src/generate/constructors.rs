//! Generation step 5 of 7, constructors (after `patch` and `mock`, before the `names`
//! backstop): a value, a test's fixture above all, is one call with the
//! fields that have no default.
//!
//! - `X::new(a, b, ..)` for every struct of `types` with named fields: one
//!   argument (`impl Into<T>`) per required field, in field order; an
//!   `Option` is `None`, a `#[serde(default)]` field its default (the same
//!   expression serde uses for a missing member), a flattened map (`extra`)
//!   empty, a field whose type is a one-value enum (a discriminator's tag)
//!   that value. The rest is set afterwards: `x.field = Some(..)`.
//! - For every discriminated union: the tag, `U::<tag field>(&self) -> &str`
//!   (read from the JSON for the catch-all), and one constructor per variant
//!   that sets the tag (`ArtifactItem::pull_request(created_at, data)`).
//!
//! Read from the syntax, never from printed tokens, and all optional: a type
//! whose shape is not understood here (a newtype, a generic, a serde
//! attribute not listed below, a flattened non-map), or whose method name is
//! taken (by the generated code or the hand-written layer), is left without
//! one. Never fails.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use syn::{Fields, Item, parse_quote};

use crate::code::{generic_arguments, has_serde, is_type, last_ident, serde_metas, wire_name};
use crate::model::Api;
use crate::model::types::Variant;
use crate::naming::{field_name, type_name};

/// Field attributes that say nothing about the Rust value a constructor
/// must give (`default` and `flatten` are read on their own).
const FIELD_SERDE: [&str; 8] = [
    "rename",
    "alias",
    "skip_serializing_if",
    "default",
    "flatten",
    "with",
    "serialize_with",
    "deserialize_with",
];

/// Container attributes a struct may have and still be built field by field.
const STRUCT_SERDE: [&str; 2] = ["deny_unknown_fields", "rename"];

/// Adds the constructors to the `types` module of `code`, generated from
/// the document `api` models. `taken`: the inherent methods each type
/// already has (`names::type_methods`).
pub fn add(api: &Api, code: &mut syn::File, taken: &BTreeMap<String, BTreeSet<String>>) {
    let Some(types) = crate::code::module_items_mut(code, "types") else {
        return;
    };
    let tags = one_value_enums(types);
    let plans: BTreeMap<String, Plan> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some((s.ident.to_string(), plan(s, &tags)?)),
            _ => None,
        })
        .collect();
    let mut added: Vec<(String, Item)> = Vec::new();
    for (name, plan) in &plans {
        if taken.get(name).is_some_and(|m| m.contains("new")) {
            continue;
        }
        if let Some(block) = constructor(name, plan) {
            added.push((name.clone(), block));
        }
    }
    for (schema, union) in api.types.unions() {
        let rust = &schema.rust;
        let Some(e) = types.iter().find_map(|item| match item {
            Item::Enum(e) if e.ident == rust => Some(e),
            _ => None,
        }) else {
            continue;
        };
        let mut methods = taken.get(rust).cloned().unwrap_or_default();
        let variants = &union.variants;
        if let Some(block) =
            union_methods(e, &union.tag, variants, types, &plans, &tags, &mut methods)
        {
            added.push((rust.clone(), block));
        }
    }
    // Each block right after its type's last item (its typify `impl`), so the
    // file reads type by type.
    for (name, block) in added {
        let after = types
            .iter()
            .rposition(|item| match item {
                Item::Impl(i) => i.trait_.is_none() && is_type(&i.self_ty, &name),
                other => crate::code::item_name(other).as_deref() == Some(name.as_str()),
            })
            .map_or(types.len(), |at| at + 1);
        types.insert(after, block);
    }
}

/// How a struct is built: its required fields, and every field's value.
struct Plan {
    /// `(field, type)` of each required field, in field order.
    arguments: Vec<(syn::Ident, syn::Type)>,
    /// `(field, value)` of every field, in field order.
    values: Vec<(syn::Ident, syn::Expr)>,
}

/// One-value enums of `types` (a discriminator's tag): `name -> (variant, wire value)`.
fn one_value_enums(types: &[Item]) -> BTreeMap<String, (syn::Ident, String)> {
    types
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) if e.variants.len() == 1 && e.generics.params.is_empty() => {
                let v = e.variants.first()?;
                if !matches!(v.fields, Fields::Unit) || has_serde(&v.attrs, "untagged") {
                    return None;
                }
                let wire = wire_name(&v.attrs, Some(&v.ident))?;
                Some((e.ident.to_string(), (v.ident.clone(), wire)))
            }
            _ => None,
        })
        .collect()
}

/// How to build `s`, or `None` for a shape this step does not know.
fn plan(s: &syn::ItemStruct, tags: &BTreeMap<String, (syn::Ident, String)>) -> Option<Plan> {
    let Fields::Named(fields) = &s.fields else {
        return None; // a newtype or unit struct: `From` / `TryFrom` build it
    };
    if !s.generics.params.is_empty()
        || serde_metas(&s.attrs)
            .iter()
            .any(|(k, _)| !STRUCT_SERDE.contains(&k.as_str()))
    {
        return None;
    }
    let mut plan = Plan {
        arguments: Vec::new(),
        values: Vec::new(),
    };
    for field in &fields.named {
        let ident = field.ident.clone()?;
        let metas = serde_metas(&field.attrs);
        if metas
            .iter()
            .any(|(k, _)| !FIELD_SERDE.contains(&k.as_str()))
        {
            return None;
        }
        let default = metas.iter().find(|(k, _)| k == "default").map(|(_, v)| v);
        let ty = &field.ty;
        let value: syn::Expr = match default {
            // serde calls this path when the member is missing; so do we.
            Some(Some(path)) => {
                let path: syn::ExprPath = syn::parse_str(path).ok()?;
                parse_quote!(#path())
            }
            Some(None) => parse_quote!(::std::default::Default::default()),
            None if is_type(ty, "Option") => parse_quote!(::std::option::Option::None),
            None if has_serde(&field.attrs, "flatten") => {
                if !is_map(ty) {
                    return None;
                }
                parse_quote!(::std::default::Default::default())
            }
            None => match one_value(ty, tags) {
                Some((value, _, _)) => value,
                None => {
                    plan.arguments.push((ident.clone(), ty.clone()));
                    parse_quote!(::std::convert::Into::into(#ident))
                }
            },
        };
        plan.values.push((ident, value));
    }
    // A one-segment default function would be shadowed by an argument of its name.
    let shadowed = plan.values.iter().any(|(_, value)| match value {
        syn::Expr::Call(call) => matches!(&*call.func, syn::Expr::Path(p)
            if p.path.segments.len() == 1
                && plan.arguments.iter().any(|(a, _)| p.path.is_ident(a))),
        _ => false,
    });
    (!shadowed).then_some(plan)
}

/// A map type (`serde_json::Map`, `HashMap`, `BTreeMap`): empty by `Default`.
fn is_map(ty: &syn::Type) -> bool {
    matches!(
        last_ident(ty).as_deref(),
        Some("Map" | "HashMap" | "BTreeMap")
    ) && generic_arguments(ty).len() == 2
}

/// `Tag::Only` and its wire value when `ty` names a one-value enum of `types`.
fn one_value<'a>(
    ty: &syn::Type,
    tags: &'a BTreeMap<String, (syn::Ident, String)>,
) -> Option<(syn::Expr, &'a syn::Ident, &'a str)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() || path.path.segments.len() != 1 {
        return None;
    }
    let segment = path.path.segments.first()?;
    if !segment.arguments.is_empty() {
        return None;
    }
    let (variant, wire) = tags.get(&segment.ident.to_string())?;
    let name = &segment.ident;
    Some((parse_quote!(#name::#variant), variant, wire))
}

/// `impl X { pub fn new(..) -> Self }`.
fn constructor(name: &str, plan: &Plan) -> Option<Item> {
    let ty = crate::code::ident(name)?;
    let parameters = plan
        .arguments
        .iter()
        .map(|(ident, ty)| quote!(#ident: impl ::std::convert::Into<#ty>));
    let inits = plan
        .values
        .iter()
        .map(|(ident, value)| quote!(#ident: #value));
    let doc = format!(
        " {}. Set more after: `value.field = Some(..)`.",
        built(&format!("`{name}`"), plan.arguments.iter().map(|(i, _)| i))
    );
    Some(parse_quote! {
        impl #ty {
            #[doc = #doc]
            pub fn new(#(#parameters),*) -> Self {
                Self { #(#inits),* }
            }
        }
    })
}

/// What a constructor of `what` does with its `arguments`, for its docs. The
/// arguments are not listed (the signature has them): a line that changed
/// with every required field would differ between specs that differ elsewhere.
fn built<'a>(what: &str, mut arguments: impl Iterator<Item = &'a syn::Ident>) -> String {
    let rest = "`None`, empty or its default";
    match arguments.next() {
        None => format!("{what} with every field {rest}"),
        Some(_) => format!(
            "{what} from its required fields (the arguments, in field order); every other field {rest}"
        ),
    }
}

/// The tag accessor and one constructor per variant of the discriminated
/// union `union` (tag property `tag`; `(tag value, variant schema)` as the
/// `Deserialize` dispatches them). Names in `methods` are not taken, and
/// those taken here are added. `None` when there is nothing to add.
fn union_methods(
    union: &syn::ItemEnum,
    tag: &str,
    variants: &[Variant],
    types: &[Item],
    plans: &BTreeMap<String, Plan>,
    tags: &BTreeMap<String, (syn::Ident, String)>,
    methods: &mut BTreeSet<String>,
) -> Option<Item> {
    // The catch-all `patch` adds last; every other variant holds one struct.
    let (catch_all, known) = union
        .variants
        .iter()
        .collect::<Vec<_>>()
        .split_last()
        .map(|(l, k)| (*l, k.to_vec()))?;
    let single = |v: &syn::Variant| match &v.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => f.unnamed.first().map(|f| f.ty.clone()),
        _ => None,
    };
    if !single(catch_all).is_some_and(|ty| is_type(&ty, "Value")) {
        return None;
    }
    let struct_of = |name: &str| {
        types.iter().find_map(|item| match item {
            Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
    };
    // The tag field of each variant's struct: (field, its type).
    let tag_field = |ty: &syn::Type| -> Option<(syn::Ident, syn::Type)> {
        let s = struct_of(&last_ident(ty)?)?;
        s.fields.iter().find_map(|f| {
            let ident = f.ident.clone()?;
            (wire_name(&f.attrs, Some(&ident))? == tag).then(|| (ident, f.ty.clone()))
        })
    };
    let mut items: Vec<proc_macro2::TokenStream> = Vec::new();

    // The accessor: every known variant must say where its tag is.
    let mut arms = Vec::new();
    let mut accessor_name = None;
    for variant in &known {
        let Some((field, ty)) = single(variant).and_then(|ty| tag_field(&ty)) else {
            arms.clear();
            break;
        };
        accessor_name.get_or_insert(field.clone());
        let v = &variant.ident;
        let read = match (one_value(&ty, tags), last_ident(&ty)) {
            (Some((_, _, wire)), _) => quote!(Self::#v(_) => #wire,),
            (None, Some(name)) if name == "String" || opens(types, &name) => {
                quote!(Self::#v(value) => value.#field.as_str(),)
            }
            _ => {
                arms.clear();
                break;
            }
        };
        arms.push(read);
    }
    if let Some(name) = accessor_name.filter(|_| !arms.is_empty())
        && methods.insert(name.to_string())
    {
        let c = &catch_all.ident;
        let doc = format!(
            " The `{tag}` of this value: the variant's, or for `{c}` the JSON's (empty if it has none)."
        );
        items.push(quote! {
            #[doc = #doc]
            pub fn #name(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::#c(value) => value
                        .get(#tag)
                        .and_then(::serde_json::Value::as_str)
                        .unwrap_or_default(),
                }
            }
        });
    }

    // One constructor per tag value, named after typify's name for the tag
    // value (`PullRequest` -> `pull_request`), else the variant's.
    for Variant {
        tag: value,
        schema: variant_schema,
    } in variants
    {
        let rust = type_name(variant_schema);
        let Some(variant) = known
            .iter()
            .find(|v| single(v).is_some_and(|ty| is_type(&ty, &rust)))
        else {
            continue;
        };
        let (Some(plan), Some((field, ty))) = (
            plans.get(&rust),
            single(variant).and_then(|t| tag_field(&t)),
        ) else {
            continue;
        };
        let by_tag = one_value(&ty, tags)
            .filter(|(_, _, wire)| wire == value)
            .map(|(_, v, _)| field_name(&v.to_string()));
        let is_string = is_type(&ty, "String") || last_ident(&ty).is_some_and(|n| opens(types, &n));
        if by_tag.is_none() && !is_string {
            continue; // a tag of a type this step cannot set from its value
        }
        let name = [by_tag, Some(field_name(&variant.ident.to_string()))]
            .into_iter()
            .flatten()
            .filter_map(|n| crate::code::ident(&n))
            .find(|n| !methods.contains(&n.to_string()));
        let Some(name) = name else { continue };
        methods.insert(name.to_string());
        let arguments: Vec<_> = plan.arguments.iter().filter(|(i, _)| *i != field).collect();
        let parameters = arguments
            .iter()
            .map(|(ident, ty)| quote!(#ident: impl ::std::convert::Into<#ty>));
        let inits = plan.values.iter().map(|(ident, init)| {
            if *ident == field && is_string {
                quote!(#ident: ::std::convert::Into::into(#value))
            } else {
                quote!(#ident: #init)
            }
        });
        let struct_name = crate::code::ident(&rust)?;
        let v = &variant.ident;
        let doc = format!(
            " {}.",
            built(
                &format!("`{v}` with `{tag}` `{value}`,"),
                arguments.iter().map(|(i, _)| i)
            )
        );
        items.push(quote! {
            #[doc = #doc]
            pub fn #name(#(#parameters),*) -> Self {
                Self::#v(#struct_name { #(#inits),* })
            }
        });
    }
    if items.is_empty() {
        return None;
    }
    let name = &union.ident;
    Some(parse_quote! {
        impl #name {
            #(#items)*
        }
    })
}

/// Whether the enum `name` of `types` is open (`patch`'s `open_enums`: a
/// `Unknown(String)`-like variant, `as_str` and `From<&str>`).
fn opens(types: &[Item], name: &str) -> bool {
    let from_str = types.iter().any(|item| matches!(item, Item::Impl(block)
        if crate::code::impl_trait(block).as_deref() == Some("From")
            && is_type(&block.self_ty, name)
            && crate::code::trait_type_argument(block).is_some_and(|t| matches!(t, syn::Type::Reference(r) if is_type(&r.elem, "str")))));
    let as_str = types.iter().any(|item| matches!(item, Item::Impl(block)
        if block.trait_.is_none() && is_type(&block.self_ty, name)
            && block.items.iter().any(|m| matches!(m, syn::ImplItem::Fn(f) if f.sig.ident == "as_str"))));
    from_str && as_str
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use serde_json::{Value, json};

    /// The `(name, parameters)` of every method `add` wrote for type `ty`.
    fn methods_of(code: &syn::File, ty: &str) -> Vec<(String, Vec<String>)> {
        crate::code::module_items(code, "types")
            .into_iter()
            .filter_map(|item| match item {
                Item::Impl(block) if is_type(&block.self_ty, ty) => Some(block),
                _ => None,
            })
            .flat_map(|block| &block.items)
            .filter_map(|member| match member {
                syn::ImplItem::Fn(f) => Some(f),
                _ => None,
            })
            .filter(|f| f.sig.ident != "builder")
            .map(|f| {
                let parameters = f.sig.inputs.iter().map(|i| match i {
                    syn::FnArg::Typed(t) => t.pat.to_token_stream().to_string(),
                    syn::FnArg::Receiver(_) => "self".to_string(),
                });
                (f.sig.ident.to_string(), parameters.collect())
            })
            .collect()
    }

    fn body_of(code: &syn::File, ty: &str, method: &str) -> String {
        crate::code::module_items(code, "types")
            .into_iter()
            .filter_map(|item| match item {
                Item::Impl(block) if is_type(&block.self_ty, ty) => Some(block),
                _ => None,
            })
            .flat_map(|block| &block.items)
            .find_map(|member| match member {
                syn::ImplItem::Fn(f) if f.sig.ident == method => {
                    Some(f.block.to_token_stream().to_string())
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    /// Every field shape typify writes, as it writes it.
    const TYPES: &str = r#"
        pub mod types {
            pub struct Run {
                pub created_at: ::chrono::DateTime<::chrono::offset::Utc>,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub note: ::std::option::Option<::std::string::String>,
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                pub tags: ::std::vec::Vec<::std::string::String>,
                #[serde(default = "defaults::run_limit")]
                pub limit: i64,
                #[serde(rename = "type")]
                pub type_: ::std::string::String,
                pub kind: RunKind,
                pub next: ::std::boxed::Box<Run>,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            }
            impl Run {
                pub fn builder() -> builder::RunBuilder { Default::default() }
            }
            pub enum RunKind {
                #[serde(rename = "RUN")]
                Run,
            }
            pub struct Usage {
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub cost: ::std::option::Option<f64>,
            }
            pub struct Empty {}
        }
    "#;

    fn add_to(text: &str, taken: &BTreeMap<String, BTreeSet<String>>) -> syn::File {
        let mut code = syn::parse_file(text).unwrap();
        add(&Api::new(&json!({}), &json!({})), &mut code, taken);
        code
    }

    #[test]
    fn every_struct_is_built_from_its_required_fields_alone() {
        let code = add_to(TYPES, &BTreeMap::new());
        assert_eq!(
            methods_of(&code, "Run"),
            [(
                "new".to_string(),
                vec!["created_at".into(), "type_".into(), "next".into()]
            )]
        );
        let body = body_of(&code, "Run", "new");
        for init in [
            "note : :: std :: option :: Option :: None",
            "tags : :: std :: default :: Default :: default ()",
            "limit : defaults :: run_limit ()",
            "kind : RunKind :: Run",
            "next : :: std :: convert :: Into :: into (next)",
            "extra : :: std :: default :: Default :: default ()",
        ] {
            assert!(body.contains(init), "{init} in {body}");
        }
        // No required field: `new()`; the impl sits after the type's own.
        assert_eq!(methods_of(&code, "Usage"), [("new".to_string(), vec![])]);
        assert_eq!(methods_of(&code, "Empty"), [("new".to_string(), vec![])]);
        let types = crate::code::module_items(&code, "types");
        let at = |i: usize| types[i].to_token_stream().to_string();
        assert!(at(1).starts_with("impl Run { pub fn builder"), "{}", at(1));
        assert!(at(2).contains("pub fn new"), "{}", at(2));
    }

    #[test]
    fn the_same_code_respaced_or_reformatted_gets_the_same_constructors() {
        let expected = add_to(TYPES, &BTreeMap::new())
            .to_token_stream()
            .to_string();
        // One long line with every token spaced apart, as `to_string` prints it.
        let respaced = syn::parse_file(TYPES)
            .unwrap()
            .to_token_stream()
            .to_string();
        assert_eq!(
            add_to(&respaced, &BTreeMap::new())
                .to_token_stream()
                .to_string(),
            expected
        );
        // As prettyplease writes it, attributes split over lines.
        let pretty = prettyplease::unparse(&syn::parse_file(TYPES).unwrap());
        assert_eq!(
            add_to(&pretty, &BTreeMap::new())
                .to_token_stream()
                .to_string(),
            expected
        );
    }

    #[test]
    fn a_shape_it_does_not_know_or_a_name_that_is_taken_is_left_alone() {
        let text = r#"
            pub mod types {
                pub struct MimeType(::std::string::String);
                pub struct Id(pub ::std::string::String);
                pub struct Page<T> { pub items: ::std::vec::Vec<T> }
                pub struct Skipped { #[serde(skip)] pub cache: i64 }
                pub struct Tagged { pub a: i64 }
                pub struct Merged {
                    pub a: i64,
                    #[serde(flatten)]
                    pub rest: Other,
                }
                pub struct Shadowed { #[serde(default = "f")] pub x: i64, pub f: i64 }
                pub struct Made { pub a: i64 }
                impl Made { pub fn new() -> Self { todo!() } }
                pub struct Hand { pub a: i64 }
            }
        "#;
        let text = text.replace(
            "pub struct Tagged",
            "#[serde(tag = \"kind\")] pub struct Tagged",
        );
        let taken = BTreeMap::from([
            ("Made".to_string(), BTreeSet::from(["new".to_string()])),
            ("Hand".to_string(), BTreeSet::from(["new".to_string()])),
        ]);
        let before = syn::parse_file(&text)
            .unwrap()
            .to_token_stream()
            .to_string();
        let code = add_to(&text, &taken);
        assert_eq!(code.to_token_stream().to_string(), before);
    }

    /// A union as `patch` leaves it: untagged, a catch-all, the derived
    /// `Deserialize` replaced; one variant tagged by a one-value enum, one by
    /// a string, one by an open enum.
    const UNION: &str = r#"
        pub mod types {
            pub enum Shape {
                Circle(Circle),
                Square(Square),
                Blob(Blob),
                Unknown(::serde_json::Value),
            }
            impl Shape { pub fn circle() {} }
            pub struct Circle {
                pub kind: CircleKind,
                pub radius: f64,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            }
            pub enum CircleKind { #[serde(rename = "circle")] Circle }
            pub struct Square { pub kind: ::std::string::String, pub side: f64 }
            pub struct Blob { pub kind: BlobKind }
            pub enum BlobKind { A, B, Unknown(::std::string::String) }
            impl BlobKind { pub fn as_str(&self) -> &str { todo!() } }
            impl ::std::convert::From<&str> for BlobKind { fn from(v: &str) -> Self { todo!() } }
        }
    "#;

    fn union_spec() -> Value {
        let variant = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        json!({"components": {"schemas": {
            "Shape": {
                "oneOf": [variant("Circle"), variant("Square"), variant("Blob")],
                "discriminator": {"propertyName": "kind", "mapping": {"blob": "#/components/schemas/Blob"}}
            },
            "Circle": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["circle"]}}},
            "Square": {"type": "object", "properties": {"kind": {"type": "string"}}},
            "Blob": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["A", "B"]}}}
        }}})
    }

    #[test]
    fn a_union_reads_its_tag_and_builds_each_variant_with_it_set() {
        let mut code = syn::parse_file(UNION).unwrap();
        let taken = BTreeMap::from([("Shape".to_string(), BTreeSet::from(["circle".to_string()]))]);
        add(&Api::new(&union_spec(), &union_spec()), &mut code, &taken);
        let methods = methods_of(&code, "Shape");
        let names: Vec<&str> = methods.iter().map(|(n, _)| n.as_str()).collect();
        // `circle` is taken (the tag's name and the variant's): no constructor.
        assert_eq!(names, ["circle", "kind", "blob", "square"]);
        let accessor = body_of(&code, "Shape", "kind");
        for arm in [
            "Self :: Circle (_) => \"circle\"",
            "Self :: Square (value) => value . kind . as_str ()",
            "Self :: Blob (value) => value . kind . as_str ()",
            "Self :: Unknown (value) => value . get (\"kind\")",
        ] {
            assert!(accessor.contains(arm), "{arm} in {accessor}");
        }
        // The string tags are set from the mapping, else the schema name.
        let blob = body_of(&code, "Shape", "blob");
        assert!(
            blob.contains("kind : :: std :: convert :: Into :: into (\"blob\")"),
            "{blob}"
        );
        let square = body_of(&code, "Shape", "square");
        assert!(square.contains("Into :: into (\"Square\")"), "{square}");
        let (_, parameters) = methods.iter().find(|(n, _)| n == "square").unwrap();
        assert_eq!(parameters, &["side"]);

        // Free, `circle` builds the variant with its one tag value.
        let mut code = syn::parse_file(&UNION.replace("pub fn circle() {}", "")).unwrap();
        add(
            &Api::new(&union_spec(), &union_spec()),
            &mut code,
            &BTreeMap::new(),
        );
        let circle = body_of(&code, "Shape", "circle");
        assert!(
            circle.contains("Self :: Circle (Circle { kind : CircleKind :: Circle"),
            "{circle}"
        );
    }

    #[test]
    fn a_union_with_a_variant_it_cannot_read_gets_no_accessor() {
        // A tag typed as an integer: no accessor, no constructor for it.
        let text = UNION.replace(
            "pub struct Square { pub kind: ::std::string::String",
            "pub struct Square { pub kind: i64",
        );
        let mut code = syn::parse_file(&text.replace("pub fn circle() {}", "")).unwrap();
        add(
            &Api::new(&union_spec(), &union_spec()),
            &mut code,
            &BTreeMap::new(),
        );
        let names: Vec<String> = methods_of(&code, "Shape")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["blob", "circle"]);
    }

    #[test]
    fn a_hand_written_method_of_the_name_keeps_the_type_without_a_constructor() {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join("oz-api/src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(
            src.join("fixtures.rs"),
            "use crate::types::Usage;\nimpl Usage {\n    pub fn new(cost: f64) -> Self { todo!() }\n}\n",
        )
        .unwrap();
        let hand = crate::names::hand_written(root.path());
        let mut code = syn::parse_file(TYPES).unwrap();
        let taken = crate::names::type_methods(&code, &hand);
        assert!(taken["Run"].contains("builder"), "{taken:?}");
        add(&Api::new(&json!({}), &json!({})), &mut code, &taken);
        assert_eq!(methods_of(&code, "Usage"), []);
        assert_eq!(methods_of(&code, "Run").len(), 1);
    }
}
