//! The generated API as reviewable text: one snapshot per operation and per type,
//! plus an index of names and one for the rest of the document, so a spec
//! change fails only the snapshots it touches, and every change fails one.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use serde_json::Value;

use crate::code::{
    client_methods, generic_arguments, impl_trait, is_type, item_name, last_ident, let_binding,
    module_items, serde_metas, trait_type_argument, type_names,
};
use crate::naming::type_name;

/// `[T, E]` of a function returning `Result<T, E>`.
fn result_arguments(output: &syn::ReturnType) -> Vec<&syn::Type> {
    match output {
        syn::ReturnType::Type(_, ty) => generic_arguments(ty),
        syn::ReturnType::Default => Vec::new(),
    }
}

/// Every snapshot of the generated API: name -> text. Names are
/// `index`, `operation__<operationId>` and `type__<RustTypeName>`.
pub fn snapshots(spec: &Value, code: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut index = String::from("# every operation and type in the generated API\n");
    let client_methods = client_methods(code);
    let builders = module_items(code, "builder");
    let api = crate::model::Api::new(spec, spec);
    let types = module_items(code, "types");
    for op in &api.operations {
        let (id, method) = (op.id.as_str(), &op.method_name);
        index.push_str(&format!("operation {id}: {}\n", op.template()));
        let mut text = String::new();
        let builder_name = client_methods
            .get(method)
            .and_then(|f| return_type_last_ident(&f.sig.output));
        let builder: Vec<&syn::Item> = builder_name
            .as_deref()
            .map(|name| items_named(&builders, name))
            .unwrap_or_default();
        text.push_str(&operation_line(&op.method, &op.path, method, &builder));
        text.push_str(&crate::mock::summary(code, method));
        for name in &op.left_out {
            text.push_str(&format!(
                "  not generated: query parameter {name} (style deepObject, which progenitor cannot send)\n"
            ));
        }
        for pair in api
            .types
            .read_modify_write
            .iter()
            .filter(|p| p.operation == id)
        {
            let (read, update) = (type_name(&pair.read), type_name(&pair.update));
            let generated = types.iter().any(|item| {
                matches!(item, syn::Item::Impl(block)
                    if is_type(&block.self_ty, &update)
                        && trait_type_argument(block).is_some_and(|ty| is_type(ty, &read)))
            });
            let what = if generated { "" } else { "NOT GENERATED: " };
            text.push_str(&format!(
                "  read-modify-write: {what}{update}::try_from({read}) leaves out {}\n",
                pair.read_only.join(", ")
            ));
        }
        text.push_str("\n---- generated Rust ----\n");
        let mut items: Vec<syn::Item> = Vec::new();
        if let Some(f) = client_methods.get(method) {
            items.push(syn::parse_quote!(impl Client { #f }));
        }
        items.extend(builder.into_iter().cloned());
        text.push_str(&render(items));
        // The spec itself, so that a change the generated code does not show
        // (a response's description, say) still fails this snapshot.
        let mut source = serde_json::Map::new();
        let written = spec.pointer(&op.pointer).cloned().unwrap_or_default();
        source.insert(op.method.clone(), written);
        if let Some(shared) = spec["paths"][&op.path].get("parameters") {
            source.insert("parameters (path level)".into(), shared.clone());
        }
        text.push_str(&spec_section(&Value::Object(source)));
        out.insert(format!("operation__{id}"), text);
    }
    // Component schemas by the Rust type typify makes of them.
    let mut schemas: BTreeMap<String, (&String, &Value)> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| (type_name(name), (name, schema)))
        .collect();
    let types = module_items(code, "types");
    for name in type_names(code) {
        index.push_str(&format!("type {name}\n"));
        let items = items_named(&types, &name);
        let mut text = type_block(&name, &items);
        text.push_str("\n---- generated Rust ----\n");
        text.push_str(&render(items.into_iter().cloned().collect()));
        if let Some((_, schema)) = schemas.remove(&name) {
            text.push_str(&spec_section(schema));
        }
        out.insert(format!("type__{name}"), text);
    }
    // Everything else in the document: info, servers, security, other
    // components, and any schema that did not become a type of its own name.
    let mut rest = spec.clone();
    if let Some(root) = rest.as_object_mut() {
        root.remove("paths");
    }
    if let Some(all) = rest
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let unmapped: BTreeSet<&String> = schemas.values().map(|(name, _)| *name).collect();
        all.retain(|name, _| unmapped.contains(name));
    }
    out.insert("document".into(), spec_section(&rest));
    out.insert("index".into(), index);
    out
}

fn spec_section(value: &Value) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    format!("\n---- spec ----\n{json}\n")
}

/// The definition of `name` and every impl for it (except the trivial `From<&T>`).
fn items_named<'a>(items: &[&'a syn::Item], name: &str) -> Vec<&'a syn::Item> {
    items
        .iter()
        .copied()
        .filter(|item| match item {
            syn::Item::Impl(i) => {
                last_ident(&i.self_ty).as_deref() == Some(name)
                    && !(impl_trait(i).as_deref() == Some("From")
                        && matches!(trait_type_argument(i), Some(syn::Type::Reference(_))))
            }
            item => item_name(item).as_deref() == Some(name),
        })
        .collect()
}

fn return_type_last_ident(output: &syn::ReturnType) -> Option<String> {
    match output {
        syn::ReturnType::Type(_, ty) => last_ident(ty),
        syn::ReturnType::Default => None,
    }
}

/// `GET /agent/runs -> client.list_runs() [cursor?: String, ...] -> types::ListRunsResponse`
fn operation_line(method: &str, path: &str, rust: &str, builder: &[&syn::Item]) -> String {
    let mut params = Vec::new();
    let mut response = String::from("?");
    let mut kept: Vec<&str> = Vec::new();
    for item in builder {
        match item {
            syn::Item::Struct(s) => {
                for field in s
                    .fields
                    .iter()
                    .filter(|f| f.ident.as_ref().is_some_and(|i| i != "client"))
                {
                    let name = field
                        .ident
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    // Builder fields are `Result<T, String>`; optional ones `Result<Option<T>, String>`.
                    let ty = first_generic(&field.ty).unwrap_or_else(|| type_text(&field.ty));
                    match ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
                        Some(inner) => params.push(format!("    {name}?: {inner}\n")),
                        None => params.push(format!("    {name}: {ty}\n")),
                    }
                }
            }
            syn::Item::Impl(i) => {
                let Some(send) = i.items.iter().find_map(|member| match member {
                    syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                    _ => None,
                }) else {
                    continue;
                };
                // `send` returns Result<ResponseValue<T>, E>: progenitor's
                // `Error<Body>`, or `crate::Error` converted from progenitor's
                // (by `__fail`, whose argument `Error<Body>` names the body).
                let [value, error] = result_arguments(&send.sig.output)[..] else {
                    continue;
                };
                let value = generic_arguments(value)
                    .first()
                    .map_or_else(|| type_text(value), |t| type_text(t));
                let progenitor_error = send
                    .block
                    .stmts
                    .iter()
                    .find_map(fail_argument)
                    .unwrap_or(error);
                let body = generic_arguments(progenitor_error)
                    .first()
                    .map(|b| type_text(b));
                let error = type_text(error);
                response = match (error.as_str(), body) {
                    ("crate::Error", Some(body)) => {
                        format!("{value}, error oz_api::Error (body {body})")
                    }
                    (_, Some(body)) => format!("{value}, error body {body}"),
                    (error, None) => format!("{value}, error {error}"),
                };
                let body = send.block.to_token_stream();
                // What patch's lean_send left as progenitor wrote it.
                for (left, what) in [
                    (&["header_map"][..], "its own header map"),
                    (
                        &["ResponseValue", "from_response"],
                        "a copy of the response headers",
                    ),
                    (
                        &["ResponseValue", "empty"],
                        "a copy of the response headers",
                    ),
                ] {
                    let found = crate::code::mentions_path(body.clone(), left);
                    if found && !kept.contains(&what) {
                        kept.push(what);
                    }
                }
            }
            _ => {}
        }
    }
    let send = if kept.is_empty() {
        String::new()
    } else {
        format!("  send as progenitor wrote it: {}\n", kept.join(", "))
    };
    format!(
        "{} {path}\n  client.{rust}()\n{}  returns {response}\n{send}",
        method.to_uppercase(),
        params.concat()
    )
}

fn first_generic(ty: &syn::Type) -> Option<String> {
    generic_arguments(ty).first().map(|t| type_text(t))
}

/// One block per type: its kind, then fields with types, or enum values / variants.
fn type_block(name: &str, items: &[&syn::Item]) -> String {
    let mut out = String::new();
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                out.push_str(&format!("struct {name}{}\n", serde_attrs(&s.attrs)));
                for field in &s.fields {
                    let field_name = field
                        .ident
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "0".into());
                    out.push_str(&format!(
                        "  {field_name}: {}{}{}\n",
                        type_text(&field.ty),
                        serde_attrs(&field.attrs),
                        deprecated(&field.attrs)
                    ));
                }
            }
            syn::Item::Enum(e) => {
                out.push_str(&format!("enum {name}{}\n", serde_attrs(&e.attrs)));
                for variant in &e.variants {
                    let data = match &variant.fields {
                        syn::Fields::Unit => String::new(),
                        fields => {
                            let types: Vec<String> =
                                fields.iter().map(|f| type_text(&f.ty)).collect();
                            format!("({})", types.join(", "))
                        }
                    };
                    out.push_str(&format!(
                        "  {}{data}{}\n",
                        variant.ident,
                        serde_attrs(&variant.attrs)
                    ));
                }
            }
            syn::Item::Type(t) => out.push_str(&format!("type {name} = {}\n", type_text(&t.ty))),
            _ => {}
        }
    }
    out
}

/// What the serde attributes say about the wire format, in short:
/// ` = "json_name"`, ` (default)`, ` [untagged]`, ` [tag = "type"]`, ...
fn serde_attrs(attrs: &[syn::Attribute]) -> String {
    let mut out = String::new();
    for (key, value) in serde_metas(attrs) {
        match (key.as_str(), value) {
            ("rename", Some(name)) => out.push_str(&format!(" = {name:?}")),
            ("default", _) => out.push_str(" (default)"),
            ("skip_serializing_if", _) => {}
            (key, Some(value)) => out.push_str(&format!(" [{key} = {value:?}]")),
            (key, None) => out.push_str(&format!(" [{key}]")),
        }
    }
    out
}

fn deprecated(attrs: &[syn::Attribute]) -> &'static str {
    if attrs.iter().any(|a| a.path().is_ident("deprecated")) {
        " (deprecated)"
    } else {
        ""
    }
}

/// A type as a person would write it, printed from the parsed type (not from
/// token spacing), with the long std and chrono paths shortened.
fn type_text(ty: &syn::Type) -> String {
    let mut out = String::new();
    write_type(&mut out, ty);
    for (long, short) in [
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::option::", ""),
        ("::std::collections::", ""),
        ("::std::num::", ""),
        ("::chrono::DateTime<::chrono::offset::Utc>", "DateTime<Utc>"),
        ("::serde_json::", "serde_json::"),
        ("::uuid::", "uuid::"),
        ("types::", ""),
    ] {
        out = out.replace(long, short);
    }
    out.trim_start_matches("::").to_string()
}

fn write_type(out: &mut String, ty: &syn::Type) {
    match ty {
        syn::Type::Path(p) => {
            if p.path.leading_colon.is_some() {
                out.push_str("::");
            }
            for (i, segment) in p.path.segments.iter().enumerate() {
                if i > 0 {
                    out.push_str("::");
                }
                out.push_str(&segment.ident.to_string());
                if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                    out.push('<');
                    for (i, arg) in args.args.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        match arg {
                            syn::GenericArgument::Type(t) => write_type(out, t),
                            syn::GenericArgument::Lifetime(l) => {
                                out.push_str(&format!("'{}", l.ident))
                            }
                            other => out.push_str(&other.to_token_stream().to_string()),
                        }
                    }
                    out.push('>');
                }
            }
        }
        syn::Type::Reference(r) => {
            out.push('&');
            if let Some(l) = &r.lifetime {
                out.push_str(&format!("'{} ", l.ident));
            }
            if r.mutability.is_some() {
                out.push_str("mut ");
            }
            write_type(out, &r.elem);
        }
        syn::Type::Slice(s) => {
            out.push('[');
            write_type(out, &s.elem);
            out.push(']');
        }
        syn::Type::Tuple(t) => {
            out.push('(');
            for (i, elem) in t.elems.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_type(out, elem);
            }
            out.push(')');
        }
        other => out.push_str(&other.to_token_stream().to_string()),
    }
}

fn render(items: Vec<syn::Item>) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        frontmatter: None,
        attrs: Vec::new(),
        items,
    })
}

/// `Error<Body>` of patch's `let __fail = |e: Error<Body>| ...;` in a `send`.
fn fail_argument(stmt: &syn::Stmt) -> Option<&syn::Type> {
    let (name, syn::Expr::Closure(closure)) = let_binding(stmt)? else {
        return None;
    };
    match closure.inputs.first()? {
        syn::Pat::Type(typed) if name == "__fail" => Some(&typed.ty),
        _ => None,
    }
}
