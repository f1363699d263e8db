//! Stage 5b, patch: what progenitor and typify cannot express, added to their
//! output. Each patch names what it expects to find and fails when it is gone,
//! so a generator upgrade cannot silently drop one.
//!
//! - `#[deprecated]` on deprecated operations' methods and deprecated fields;
//! - open string enums: a value the spec does not list decodes into
//!   `Unknown(String)` and round-trips (typify has no such option, typify#862);
//!   single-value enums (discriminator tags) stay strict;
//! - a `oneOf` with a discriminator decodes an unknown tag into
//!   `Unknown(serde_json::Value)`, keeping the raw JSON;
//! - `#[non_exhaustive]` on every generated struct and enum;
//! - leaner `send` methods: the same requests and responses with less work
//!   per call (measured in BENCHMARKS.md, client overhead).

use quote::ToTokens;
use serde_json::Value;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Fields, Item, ItemEnum, parse_quote};

use crate::error::{Error, Result};
use crate::validate::{method_name, operations};

pub fn patch(spec: &Value, code: &mut syn::File, file: &str) -> Result<()> {
    let missing = |what: String| {
        Error::at(
            file,
            "",
            format!("the generated code has no {what}; the generator's output changed"),
            "update codegen/src/patch.rs for the new generator output",
        )
    };
    deprecated_operations(spec, code).map_err(missing)?;
    lean_send(code).map_err(missing)?;
    let types = types_module(code).ok_or_else(|| missing("`types` module".into()))?;
    deprecated_fields(spec, types).map_err(missing)?;
    discriminated_catch_all(spec, types).map_err(missing)?;
    open_enums(types);
    non_exhaustive(types);
    Ok(())
}

/// Two things progenitor's `send` methods do on every call that the request and
/// the response do not need:
/// - the `api-version` header goes into a header map of its own, allocated and
///   then merged into the request; here it is added like the `accept` header;
/// - `ResponseValue::from_response` and `ResponseValue::empty` copy the
///   response's headers, which nothing else uses; oz-api's `hooks::json` and
///   `hooks::empty` do the same but take the headers instead.
fn lean_send(code: &mut syn::File) -> Result<(), String> {
    let mut lean = LeanSend {
        api_version_map: api_version_map(),
        ..LeanSend::default()
    };
    lean.visit_file_mut(code);
    if lean.header_maps == 0 || lean.header_maps != lean.headers_calls {
        return Err("`send` method building an `api-version` header map".into());
    }
    if lean.decodes == 0 {
        return Err("`ResponseValue::from_response` call".into());
    }
    Ok(())
}

/// The statements of a header map holding `api-version` alone (an operation
/// with header parameters has a larger one, left as it is).
fn api_version_map() -> Vec<String> {
    tokens(&[
        parse_quote!(let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);),
        parse_quote!(header_map.append(
            ::reqwest::header::HeaderName::from_static("api-version"),
            ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
        );),
    ])
}

fn tokens(stmts: &[syn::Stmt]) -> Vec<String> {
    stmts
        .iter()
        .map(|s| s.to_token_stream().to_string())
        .collect()
}

fn binds_header_map(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Local(local)
        if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "header_map"))
}

#[derive(Default)]
struct LeanSend {
    /// What `api_version_map` returns, built once.
    api_version_map: Vec<String>,
    /// Set inside a block whose `api-version` header map was removed.
    map_removed: bool,
    header_maps: usize,
    headers_calls: usize,
    decodes: usize,
}

impl VisitMut for LeanSend {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let found = block
            .stmts
            .windows(2)
            .position(|w| binds_header_map(&w[0]) && tokens(w) == self.api_version_map);
        if let Some(at) = found {
            block.stmts.drain(at..at + 2);
            self.header_maps += 1;
        }
        let outer = self.map_removed;
        self.map_removed |= found.is_some();
        visit_mut::visit_block_mut(self, block);
        self.map_removed = outer;
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        match expr {
            syn::Expr::MethodCall(call)
                if self.map_removed
                    && call.method == "headers"
                    && call.args.to_token_stream().to_string() == "header_map" =>
            {
                call.method = parse_quote!(header);
                call.args = parse_quote!(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version())
                );
                self.headers_calls += 1;
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(function) = &*call.func else {
                    return;
                };
                let names: Vec<String> = function
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let replacement: syn::Expr = match names.as_slice() {
                    [ty, f] if ty == "ResponseValue" && f == "from_response" => {
                        parse_quote!(crate::hooks::json)
                    }
                    [ty, f] if ty == "ResponseValue" && f == "empty" => {
                        parse_quote!(crate::hooks::empty)
                    }
                    _ => return,
                };
                *call.func = replacement;
                self.decodes += 1;
            }
            _ => {}
        }
    }
}

fn types_module(code: &mut syn::File) -> Option<&mut Vec<Item>> {
    code.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The Rust type typify makes of a component schema name.
pub(crate) fn type_name(schema: &str) -> String {
    use heck::ToPascalCase;
    schema
        .replace(|c: char| !c.is_alphanumeric() && c != '_', "-")
        .to_pascal_case()
}

fn deprecated_operations(spec: &Value, code: &mut syn::File) -> Result<(), String> {
    for op in operations(spec) {
        if op.value.get("deprecated") != Some(&Value::Bool(true)) {
            continue;
        }
        let Some(id) = op.value.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let name = method_name(id);
        let note = format!(
            "`{} {}` is deprecated in the Oz API spec",
            op.method.to_uppercase(),
            op.path
        );
        let method = code
            .items
            .iter_mut()
            .filter_map(|item| match item {
                Item::Impl(block)
                    if block.trait_.is_none() && is_type(&block.self_ty, "Client") =>
                {
                    Some(block)
                }
                _ => None,
            })
            .flat_map(|block| block.items.iter_mut())
            .find_map(|member| match member {
                syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
                _ => None,
            })
            .ok_or_else(|| format!("method `Client::{name}` for deprecated operation {id}"))?;
        method.attrs.push(parse_quote!(#[deprecated(note = #note)]));
    }
    Ok(())
}

fn is_type(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

fn deprecated_fields(spec: &Value, types: &mut [Item]) -> Result<(), String> {
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (schema_name, schema) in schemas.into_iter().flatten() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for (property, value) in properties.into_iter().flatten() {
            if value.get("deprecated") != Some(&Value::Bool(true)) {
                continue;
            }
            let note = value
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.trim().to_string())
                .unwrap_or_else(|| format!("`{property}` is deprecated in the Oz API spec"));
            let rust = type_name(schema_name);
            let field = types
                .iter_mut()
                .find_map(|item| match item {
                    Item::Struct(s) if s.ident == rust => Some(s),
                    _ => None,
                })
                .and_then(|s| {
                    s.fields.iter_mut().find(|f| {
                        wire_name(&f.attrs, f.ident.as_ref()).as_deref() == Some(property)
                    })
                })
                .ok_or_else(|| format!("field for deprecated property {schema_name}.{property}"))?;
            field.attrs.push(parse_quote!(#[deprecated(note = #note)]));
        }
    }
    Ok(())
}

/// The JSON name of a field or variant: its `#[serde(rename)]`, else its identifier.
fn wire_name(attrs: &[Attribute], ident: Option<&syn::Ident>) -> Option<String> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let mut renamed = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                renamed = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
        if renamed.is_some() {
            return renamed;
        }
    }
    ident.map(|i| i.to_string().trim_start_matches("r#").to_string())
}

fn discriminated_catch_all(spec: &Value, types: &mut [Item]) -> Result<(), String> {
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (schema_name, schema) in schemas.into_iter().flatten() {
        if schema.get("discriminator").is_none() || schema.get("oneOf").is_none() {
            continue;
        }
        let rust = type_name(schema_name);
        let tag = schema
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let item = types
            .iter_mut()
            .find_map(|item| match item {
                Item::Enum(e) if e.ident == rust && has_serde_word(&e.attrs, "untagged") => Some(e),
                _ => None,
            })
            .ok_or_else(|| {
                format!("untagged enum `{rust}` for the discriminated oneOf {schema_name}")
            })?;
        let doc = format!(
            "A `{tag}` this client does not know (the API is newer than its spec), with the JSON as received."
        );
        item.variants.push(parse_quote! {
            #[doc = #doc]
            Unknown(::serde_json::Value)
        });
    }
    Ok(())
}

fn has_serde_word(attrs: &[Attribute], word: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta.path.is_ident(word);
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            });
            found
        })
}

struct OpenEnum {
    name: syn::Ident,
    /// `(variant, wire value)`
    values: Vec<(syn::Ident, String)>,
    /// The variant holding unknown values.
    catch_all: syn::Ident,
}

/// Rewrites every string enum with two or more values as an open enum.
fn open_enums(types: &mut Vec<Item>) {
    let mut opened: Vec<OpenEnum> = Vec::new();
    for item in types.iter_mut() {
        let Item::Enum(e) = item else { continue };
        let Some(values) = string_enum_values(e) else {
            continue;
        };
        // `Unknown`, unless the spec lists a value of that name.
        let catch_all = ["Unknown", "Other", "Unlisted"]
            .into_iter()
            .map(|n| syn::Ident::new(n, proc_macro2::Span::call_site()))
            .find(|n| values.iter().all(|(v, _)| v != n));
        let (true, Some(catch_all)) = (values.len() >= 2, catch_all) else {
            continue;
        };
        for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            if let Ok(list) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) {
                let kept = list.into_iter().filter(|p| !p.is_ident("Copy"));
                *attr = parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        e.variants.push(parse_quote! {
            /// A value this client does not know (the API is newer than its spec), kept as sent.
            #[serde(untagged)]
            #catch_all(::std::string::String)
        });
        opened.push(OpenEnum {
            name: e.ident.clone(),
            values,
            catch_all,
        });
    }
    // typify's conversions reject unknown values: replace them.
    types.retain(|item| match item {
        Item::Impl(block) => !opened.iter().any(|open| {
            is_type(&block.self_ty, &open.name.to_string())
                && block.trait_.as_ref().is_some_and(|(path, _)| {
                    path.segments.last().is_some_and(|s| {
                        ["Display", "FromStr", "TryFrom"].contains(&s.ident.to_string().as_str())
                    })
                })
        }),
        _ => true,
    });
    for OpenEnum {
        name,
        values,
        catch_all,
    } in opened
    {
        let idents: Vec<&syn::Ident> = values.iter().map(|(i, _)| i).collect();
        let strings: Vec<&String> = values.iter().map(|(_, s)| s).collect();
        types.push(parse_quote! {
            impl #name {
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#idents => #strings,)*
                        Self::#catch_all(value) => value.as_str(),
                    }
                }
                /// Whether the spec this client was generated from lists this value.
                pub fn is_known(&self) -> bool {
                    !matches!(self, Self::#catch_all(_))
                }
            }
        });
        types.push(parse_quote! {
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        });
        types.push(parse_quote! {
            impl ::std::convert::From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#strings => Self::#idents,)*
                        other => Self::#catch_all(other.to_string()),
                    }
                }
            }
        });
        types.push(parse_quote! {
            impl ::std::convert::From<::std::string::String> for #name {
                fn from(value: ::std::string::String) -> Self {
                    Self::from(value.as_str())
                }
            }
        });
        types.push(parse_quote! {
            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                    Ok(Self::from(value))
                }
            }
        });
    }
}

/// Every generated struct and enum is `#[non_exhaustive]`, so a new field or
/// enum value in a later spec is an additive release, not a breaking one (see
/// `drift`). Values are built with the generated builders
/// (`types::RunAgentRequest::builder()`), not struct literals.
fn non_exhaustive(types: &mut [Item]) {
    for item in types {
        match item {
            Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => {
                s.attrs.push(parse_quote!(#[non_exhaustive]))
            }
            Item::Enum(e) => e.attrs.push(parse_quote!(#[non_exhaustive])),
            _ => {}
        }
    }
}

/// `(variant, wire value)` pairs when `e` is a plain string enum.
fn string_enum_values(e: &ItemEnum) -> Option<Vec<(syn::Ident, String)>> {
    if has_serde_word(&e.attrs, "untagged") || has_serde_word(&e.attrs, "tag") {
        return None;
    }
    e.variants
        .iter()
        .map(|v| match v.fields {
            Fields::Unit => Some((v.ident.clone(), wire_name(&v.attrs, Some(&v.ident))?)),
            _ => None,
        })
        .collect()
}
