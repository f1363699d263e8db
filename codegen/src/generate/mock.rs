//! Stage 5b, mock: typed mocks of every operation for downstream tests
//! (`oz_api::mock`, feature `mock`), added to the generated code as `mocks`.
//!
//! progenitor's own mock generator writes an extension for the `httpmock`
//! crate; it knows each operation's parameters and responses with the client's
//! exact types and names. Its output is read here and rewritten for the engine
//! in oz-api/src/mock.rs, which adds what it lacks: response scripts (a 429 then
//! a 200), the error body, header parameters, paths and queries encoded as the
//! client encodes them. The shapes read are every one progenitor-impl 0.15's
//! `httpmock.rs` writes; a method of any other shape is left out (a warning),
//! and its operation keeps the generic matchers and responders every mock has.
//!
//! progenitor's matchers take their own types (`&Vec<RunState>`, `&DateTime`);
//! a matcher instead copies the signature and conversion of the client's
//! setter of the same name (read from `mod builder`), so that a test passes a
//! matcher what the code under test passes the client. A setter of a shape not
//! known here leaves progenitor's signature ([`matchers_unlike_setters`]).
//!
//! The module is written to a file of its own ([`outlined`]), which a build
//! without the feature never reads.

use std::collections::BTreeMap;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{ImplItem, ImplItemFn, Item};

/// Adds `pub mod mocks` to `code`. Never fails: what cannot be read is left
/// out and said in the returned warnings.
pub fn add(openapi: &openapiv3::OpenAPI, code: &mut syn::File) -> Vec<String> {
    let mut warnings = Vec::new();
    let httpmock = crate::generate::httpmock_tokens(&with_named_statuses(openapi))
        .and_then(|tokens| syn::parse2::<syn::File>(tokens).map_err(|e| e.to_string()));
    let operations = match httpmock {
        Ok(file) => read_operations(&file),
        Err(e) => {
            warnings.push(format!(
                "no typed mocks: progenitor's mock generator failed: {e}"
            ));
            Vec::new()
        }
    };
    let client_methods = crate::code::client_methods(code);
    let items = operations.iter().map(|op| {
        let link = client_methods.contains_key(&op.name);
        let setters = setters(code, &op.name);
        render(op, link, &setters, &mut warnings)
    });
    let items: Vec<TokenStream> = items.collect();
    code.items.push(syn::parse_quote! {
        /// Typed mocks of every operation: see `crate::mock`.
        #[cfg(feature = "mock")]
        pub mod mocks {
            use super::types;
            use crate::mock::{Calls, MockServer, Then, When};
            #(#items)*
        }
    });
    warnings
}

/// `render(outlined, mocks)`: `code` with the `mocks` module declared out of
/// line (its attributes kept: `#[cfg(feature = "mock")] pub mod mocks;`), and
/// the module's items as a file of their own ([`crate::GENERATED_MOCKS`]), so
/// that a build without the feature never reads them. The items are moved out
/// and back, not copied (a copy of the whole tree was 6 % of regen).
pub fn outlined<T>(code: &mut syn::File, render: impl FnOnce(&syn::File, &syn::File) -> T) -> T {
    let mut mocks: syn::File = syn::parse_quote!();
    let mut brace = None;
    for item in &mut code.items {
        if let Item::Mod(m) = item
            && m.ident == "mocks"
            && let Some((b, items)) = m.content.take()
        {
            (brace, mocks.items) = (Some(b), items);
            m.semi = Some(Default::default());
        }
    }
    let rendered = render(code, &mocks);
    for item in &mut code.items {
        if let Item::Mod(m) = item
            && m.ident == "mocks"
            && let Some(b) = brace.take()
        {
            m.content = Some((b, std::mem::take(&mut mocks.items)));
            m.semi = None;
        }
    }
    rendered
}

/// The client's operations that have no mock in `code` (empty when each has one).
pub fn operations_without_mock(code: &syn::File) -> Vec<String> {
    let mocked: Vec<String> = methods_of(code, "mocks", "MockServer")
        .map(|f| f.sig.ident.to_string())
        .collect();
    crate::code::client_methods(code)
        .into_iter()
        .filter(|(name, f)| matches!(f.vis, syn::Visibility::Public(_)) && !mocked.contains(name))
        .map(|(name, _)| name)
        .collect()
}

/// One line for the operation's snapshot: the mock's typed matchers and responders.
pub(crate) fn summary(code: &syn::File, operation: &str) -> String {
    let Some(mock) = methods_of(code, "mocks", "MockServer").find(|f| f.sig.ident == operation)
    else {
        return "  mock: NONE (every operation must have one)\n".into();
    };
    let names = closure_types(mock);
    let list = |ty: Option<&String>| -> String {
        let names: Vec<String> = ty
            .map(|ty| {
                methods_of(code, "mocks", ty)
                    .map(|f| f.sig.ident.to_string())
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            "-".into()
        } else {
            names.join(", ")
        }
    };
    format!(
        "  mock: mock.{operation}(|when, then| ..): when {}; then {}\n",
        list(names.first()),
        list(names.get(1))
    )
}

/// The typed matchers whose signature is not that of the client's setter of
/// the same name (generics, bounds, argument), as `operation.matcher`: those
/// left as progenitor's mock generator wrote them.
pub fn matchers_unlike_setters(code: &syn::File) -> Vec<String> {
    let mut out = Vec::new();
    for mock in methods_of(code, "mocks", "MockServer") {
        let operation = mock.sig.ident.to_string();
        let Some(when) = closure_types(mock).into_iter().next() else {
            continue;
        };
        let setters = setters(code, &operation);
        for m in methods_of(code, "mocks", &when) {
            let name = m.sig.ident.to_string();
            if WHEN_COMMON.contains(&name.as_str()) {
                continue;
            }
            let sig = &m.sig;
            // syn compares the trees, not their printed text.
            let same = setters.get(&name).is_some_and(|setter| setter.sig == *sig);
            if !same {
                out.push(format!("{operation}.{name}"));
            }
        }
    }
    out
}

/// `config: impl FnOnce(XWhen, XThen) -> R`: the names of the mock's `When` and `Then`.
fn closure_types(mock: &ImplItemFn) -> Vec<String> {
    calls(quote!(#mock))
        .into_iter()
        .find(|(name, _)| name == "FnOnce")
        .map(|(_, args)| {
            flatten(args)
                .iter()
                .filter_map(|t| match t {
                    TokenTree::Ident(i) => Some(i.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The methods of the inherent impls of `ty` in the module `module` of `code`.
fn methods_of<'a>(
    code: &'a syn::File,
    module: &str,
    ty: &'a str,
) -> impl Iterator<Item = &'a ImplItemFn> + 'a {
    crate::code::module_items(code, module)
        .into_iter()
        .filter_map(move |item| match item {
            Item::Impl(i)
                if i.trait_.is_none()
                    && matches!(&*i.self_ty, syn::Type::Path(p) if p.path.is_ident(ty)) =>
            {
                Some(&i.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        })
}

/// progenitor's generator names a status's responder by its canonical reason
/// and panics on a status that has none (`299`): those are left to the generic
/// responders, not given to it.
fn with_named_statuses(openapi: &openapiv3::OpenAPI) -> openapiv3::OpenAPI {
    let mut openapi = openapi.clone();
    for item in openapi.paths.paths.values_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .retain(|status, _| match status {
                    openapiv3::StatusCode::Code(code) => http::StatusCode::from_u16(*code)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .is_some(),
                    openapiv3::StatusCode::Range(_) => true,
                });
        }
    }
    openapi
}

/// A setter of the client's builder, of progenitor's shape:
/// `pub fn x<V>(mut self, value: V) -> Self where .. { self.x = conversion; self }`.
/// A matcher copies its signature and conversion, so it takes what the
/// client's setter takes (arrays, `&str`, plain dates, builders) and refuses
/// what it refuses.
struct Setter {
    /// The setter's signature, `self` not `mut`.
    sig: syn::Signature,
    /// The right-hand side, an expression of `value` alone.
    conversion: syn::Expr,
    /// The field's type within `Result<_, String>`.
    ty: syn::Type,
}

/// The setters of the builder the client's method `operation` returns, by
/// name; a setter of any other shape is not among them (its matcher keeps
/// progenitor's signature).
fn setters(code: &syn::File, operation: &str) -> BTreeMap<String, Setter> {
    let mut out = BTreeMap::new();
    let Some(builder) = crate::code::client_methods(code)
        .get(operation)
        .and_then(|f| match &f.sig.output {
            syn::ReturnType::Type(_, ty) => crate::code::last_ident(ty),
            syn::ReturnType::Default => None,
        })
    else {
        return out;
    };
    let items = crate::code::module_items(code, "builder");
    let fields: BTreeMap<String, &syn::Type> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if s.ident == builder => Some(&s.fields),
            _ => None,
        })
        .flatten()
        .filter_map(|f| {
            let ty = *crate::code::generic_arguments(&f.ty).first()?;
            Some((f.ident.as_ref()?.to_string(), ty))
        })
        .collect();
    let methods = items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(i)
                if i.trait_.is_none()
                    && crate::code::last_ident(&i.self_ty).as_deref() == Some(&builder) =>
            {
                Some(&i.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        });
    for f in methods {
        if let Some((name, setter)) = read_setter(f, &fields) {
            out.insert(name, setter);
        }
    }
    out
}

fn read_setter(f: &ImplItemFn, fields: &BTreeMap<String, &syn::Type>) -> Option<(String, Setter)> {
    let mut sig = f.sig.clone();
    let mut inputs = sig.inputs.iter_mut();
    let (Some(syn::FnArg::Receiver(receiver)), Some(syn::FnArg::Typed(value)), None) =
        (inputs.next(), inputs.next(), inputs.next())
    else {
        return None;
    };
    receiver.mutability = None;
    if !matches!(&*value.pat, syn::Pat::Ident(p) if p.ident == "value") {
        return None;
    }
    let [
        syn::Stmt::Expr(syn::Expr::Assign(assign), Some(_)),
        syn::Stmt::Expr(last, None),
    ] = f.block.stmts.as_slice()
    else {
        return None;
    };
    let field = match &*assign.left {
        syn::Expr::Field(syn::ExprField {
            base,
            member: syn::Member::Named(field),
            ..
        }) if matches!(&**base, syn::Expr::Path(p) if p.path.is_ident("self")) => field,
        _ => return None,
    };
    let returns_self = matches!(last, syn::Expr::Path(p) if p.path.is_ident("self"));
    let conversion = &*assign.right;
    let uses_self = flatten(quote!(#conversion))
        .iter()
        .any(|t| matches!(t, TokenTree::Ident(i) if i == "self"));
    let ty = fields.get(&field.to_string())?;
    (returns_self && !uses_self && *field == f.sig.ident).then(|| {
        let setter = Setter {
            sig,
            conversion: conversion.clone(),
            ty: (*ty).clone(),
        };
        (field.to_string(), setter)
    })
}

/// One operation as progenitor's mock generator describes it.
struct Operation {
    /// The client method's name (`get_run`).
    name: String,
    when: syn::Ident,
    then: syn::Ident,
    method: String,
    /// A regex for the whole path, constants escaped.
    path: String,
    when_methods: Vec<ImplItemFn>,
    then_methods: Vec<ImplItemFn>,
}

fn read_operations(file: &syn::File) -> Vec<Operation> {
    let methods = |ty: &syn::Ident| -> Vec<ImplItemFn> {
        let ty = ty.to_string();
        methods_of(file, "operations", &ty).cloned().collect()
    };
    let trait_fns = file.items.iter().filter_map(|item| match item {
        Item::Trait(t) if t.ident == "MockServerExt" => Some(&t.items),
        _ => None,
    });
    let mut operations = Vec::new();
    for f in trait_fns.flatten() {
        let syn::TraitItem::Fn(f) = f else { continue };
        let Some((when, then)) = closure_arguments(&f.sig) else {
            continue;
        };
        let when_methods = methods(&when);
        let Some((method, path)) = when_methods
            .iter()
            .find(|m| m.sig.ident == "new")
            .and_then(|new| method_and_path(&new.block))
        else {
            continue;
        };
        let then_methods = methods(&then);
        operations.push(Operation {
            name: f.sig.ident.to_string(),
            when,
            then,
            method,
            path,
            when_methods,
            then_methods,
        });
    }
    operations
}

/// `where F: FnOnce(operations::XWhen, operations::XThen)`: the two types.
fn closure_arguments(sig: &syn::Signature) -> Option<(syn::Ident, syn::Ident)> {
    let (_, bound) = crate::code::first_where_bound(&sig.generics)?;
    let syn::PathArguments::Parenthesized(args) = &bound.arguments else {
        return None;
    };
    let last = |arg: &syn::NamedArg| match &arg.ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    };
    let mut inputs = args.inputs.iter();
    Some((last(inputs.next()?)?, last(inputs.next()?)?))
}

/// `inner.method(::httpmock::Method::GET).path_matches(Regex::new("^/a/[^/]*$")...)`.
fn method_and_path(block: &syn::Block) -> Option<(String, String)> {
    let tokens = flatten(quote!(#block));
    let method = tokens.windows(4).find_map(|w| match w {
        [
            TokenTree::Ident(m),
            TokenTree::Punct(_),
            TokenTree::Punct(_),
            TokenTree::Ident(v),
        ] if m == "Method" => Some(v.to_string()),
        _ => None,
    })?;
    let (_, args) = calls(quote!(#block))
        .into_iter()
        .find(|(name, _)| name == "new")?;
    let wildcard = first_string(args)?;
    Some((method, escape_pattern(&wildcard, "[^/]*")))
}

/// progenitor's path patterns do not escape the path's constants: escape them,
/// keeping its anchors and its wildcard for other parameters.
fn escape_pattern(pattern: &str, wildcard: &str) -> String {
    let start = pattern.strip_prefix('^');
    let inner = start.unwrap_or(pattern);
    let end = inner.strip_suffix('$');
    let inner = end.unwrap_or(inner);
    let escaped: Vec<String> = inner.split(wildcard).map(regex_escape).collect();
    format!(
        "{}{}{}",
        if start.is_some() { "^" } else { "" },
        escaped.join(wildcard),
        if end.is_some() { "$" } else { "" }
    )
}

/// `regex::escape`, for the characters a URL path can hold.
fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What a `When` method of progenitor's matches on.
enum Matched {
    /// The pattern around the value, as a prefix and a suffix.
    Path(String, String),
    Query {
        name: String,
        optional: bool,
    },
    Header {
        name: String,
        optional: bool,
    },
    JsonBody,
    TextBody,
}

fn read_when(method: &ImplItemFn) -> Option<Matched> {
    let block = &method.block;
    let calls = calls(quote!(#block));
    let find = |name: &str| {
        calls
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, args)| args.clone())
    };
    let has = |name: &str| calls.iter().any(|(n, _)| n == name);
    if has("path_matches") {
        let pattern = first_string(find("format")?)?;
        let (prefix, suffix) = pattern.split_once("{}")?;
        return Some(Matched::Path(
            escape_pattern(prefix, ".*"),
            escape_pattern(suffix, ".*"),
        ));
    }
    if let Some(args) = find("query_param") {
        let optional = has("query_param_missing");
        return Some(Matched::Query {
            name: first_string(args)?,
            optional,
        });
    }
    if let Some(args) = find("header") {
        let optional = has("header_missing");
        return Some(Matched::Header {
            name: first_string(args)?,
            optional,
        });
    }
    if has("json_body_obj") || has("json_body") {
        return Some(Matched::JsonBody);
    }
    has("body").then_some(Matched::TextBody)
}

/// What a `Then` method of progenitor's answers.
struct Answered {
    /// `None`: the caller gives it (`status: u16`).
    status: Option<u16>,
    /// The status class a range responder checks (4 for `4XX`).
    class: Option<u16>,
    json: bool,
}

fn read_then(method: &ImplItemFn) -> Option<Answered> {
    let block = &method.block;
    let calls = calls(quote!(#block));
    let (_, status) = calls.iter().find(|(n, _)| n == "status")?;
    let status = match status.clone().into_iter().next()? {
        TokenTree::Literal(l) => Some(int_literal(&l)?),
        TokenTree::Ident(i) if i == "status" => None,
        _ => return None,
    };
    let class = calls
        .iter()
        .find(|(n, _)| n == "assert_eq")
        .and_then(|(_, args)| {
            flatten(args.clone()).iter().rev().find_map(|t| match t {
                TokenTree::Literal(l) => int_literal(l),
                _ => None,
            })
        });
    let json = calls
        .iter()
        .any(|(n, _)| n == "json_body_obj" || n == "json_body");
    Some(Answered {
        status,
        class,
        json,
    })
}

/// Names the generic methods of every `When` and `Then` take (`__mock_common!`).
const WHEN_COMMON: [&str; 2] = ["header", "matches"];
const THEN_COMMON: [&str; 7] = [
    "json",
    "empty",
    "body",
    "rate_limited",
    "problem",
    "header",
    "delay",
];

fn render(
    op: &Operation,
    link: bool,
    setters: &BTreeMap<String, Setter>,
    warnings: &mut Vec<String>,
) -> TokenStream {
    let Operation {
        name,
        when,
        then,
        method,
        path,
        ..
    } = op;
    let mut when_methods = Vec::new();
    for m in rewritable(&op.when_methods, &WHEN_COMMON, "matcher", name, warnings) {
        let Some(matched) = read_when(m) else {
            warnings.push(left_out(name, "matcher", m));
            continue;
        };
        let setter = setters.get(&m.sig.ident.to_string());
        let (sig, value, doc) = match setter.and_then(|s| from_setter(s, &matched)) {
            Some((value, doc)) => (setter.map(|s| &s.sig).unwrap_or(&m.sig), value, doc),
            None => (&m.sig, from_progenitor(&matched), String::new()),
        };
        let param = m.sig.ident.to_string();
        let (body, what) = match matched {
            Matched::Path(prefix, suffix) => (
                quote!(Self(self.0.path_param(#param, #prefix, #suffix, value))),
                "The path parameter is `value`.".to_string(),
            ),
            Matched::Query { name, optional } => (
                quote!(Self(self.0.query_param(#name, value))),
                format!("Query parameter `{name}` is `value`{}.", absent(optional)),
            ),
            Matched::Header { name, optional } => (
                quote!(Self(self.0.header_param(#name, value))),
                format!("Header `{name}` is `value`{}.", absent(optional)),
            ),
            Matched::JsonBody => (
                quote!(Self(self.0.json_body(value))),
                "The JSON body equals `value`.".to_string(),
            ),
            Matched::TextBody => (
                quote!(Self(self.0.bytes_body(value))),
                "The body is `value`.".to_string(),
            ),
        };
        let doc = format!("{what}{doc}");
        when_methods.push(quote! { #[doc = #doc] pub #sig { #value #body } });
    }
    let mut then_methods = Vec::new();
    let mut named = Vec::new();
    for m in rewritable(&op.then_methods, &THEN_COMMON, "responder", name, warnings) {
        let Some(answered) = read_then(m) else {
            warnings.push(left_out(name, "responder", m));
            continue;
        };
        let status = match answered.status {
            Some(code) => quote!(#code),
            None => quote!(status),
        };
        let mut target = quote!(self.0);
        if let Some(class) = answered.class {
            target = quote!(#target.in_class(#class, status));
        }
        let (body, what) = if answered.json {
            (
                quote!(Self(#target.json(#status, value))),
                "`value` as JSON",
            )
        } else {
            (quote!(Self(#target.empty(#status))), "no body")
        };
        let doc = match answered.status {
            Some(code) => format!("Answers `{code}` with {what}."),
            None => format!("Answers `status` with {what}."),
        };
        let sig = &m.sig;
        then_methods.push(quote! { #[doc = #doc] pub #sig { #body } });
        named.extend(named_statuses(m, &answered));
    }
    // The common statuses of a range, named, unless the spec names them itself.
    let defined: Vec<String> = op
        .then_methods
        .iter()
        .map(|m| m.sig.ident.to_string())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    named.retain(|(name, _)| !defined.contains(&name.to_string()) && seen.insert(name.to_string()));
    then_methods.extend(named.into_iter().map(|(_, tokens)| tokens));
    let shown = path
        .trim_start_matches('^')
        .trim_end_matches('$')
        .replace("[^/]*", "{…}")
        .replace('\\', "");
    let doc = if link {
        format!("Mocks [`Client::{name}`](crate::Client::{name}): `{method} {shown}`.")
    } else {
        format!("Mocks `{name}`: `{method} {shown}`.")
    };
    let when_doc = format!("What a request to `{name}` must carry to match.");
    let then_doc = format!("What the mock of `{name}` answers, in order; the last one repeats.");
    let Some(op_ident) = crate::code::ident(name) else {
        warnings.push(format!("no typed mock for `{name}`: not an identifier"));
        return TokenStream::new();
    };
    quote! {
        #[doc = #when_doc]
        pub struct #when(When);
        impl #when { #(#when_methods)* }
        #[doc = #then_doc]
        pub struct #then(Then);
        impl #then { #(#then_methods)* }
        crate::__mock_common!(#when, #then);
        impl MockServer {
            #[doc = #doc]
            pub async fn #op_ident<R>(&self, config: impl FnOnce(#when, #then) -> R) -> Calls {
                let (when, then) = (When::new(#method, #path), Then::default());
                config(#when(when.clone()), #then(then.clone()));
                self.mount(#name, when, then).await
            }
        }
    }
}

/// `let value: Result<_, String> = ..;` converted as the client's setter
/// converts it, and the doc saying so; `None` for a shape whose setter's type
/// does not fit the matcher (an optional path parameter or body, a text body
/// of a type other than `String` or bytes).
fn from_setter(setter: &Setter, matched: &Matched) -> Option<(TokenStream, String)> {
    let Setter { conversion, ty, .. } = setter;
    // progenitor keeps a text body as a `reqwest::Body` converted from the
    // setter's target (`V: TryInto<String>`): the matcher keeps the target.
    let target = setter_target(&setter.sig);
    let ty = match (matched, &target) {
        (Matched::TextBody, Some(target)) => target,
        _ => ty,
    };
    let optional = crate::code::is_type(ty, "Option");
    // Path and header values are written with `.to_string()`, as the client
    // writes them (a method call: a newtype that derefs to a `String` has one).
    let rewrap = match matched {
        Matched::Query { .. } if !optional => quote!(let value = value.map(Some);),
        Matched::Query { .. } => TokenStream::new(),
        Matched::Header { .. } if !optional => {
            quote!(let value = value.map(|v| Some(v.to_string()));)
        }
        Matched::Header { .. } => quote!(let value = value.map(|v| v.map(|v| v.to_string()));),
        Matched::Path(..) if !optional => quote!(let value = value.map(|v| v.to_string());),
        // progenitor keeps a body as its type's builder, checked when sent.
        Matched::JsonBody if !optional => match &target {
            Some(target) if same(target, ty) => TokenStream::new(),
            Some(target) => quote! {
                let value = value.and_then(|v| {
                    <#target as ::std::convert::TryFrom<_>>::try_from(v).map_err(|e| format!("{}: {e}", "body"))
                });
            },
            None => return None,
        },
        Matched::TextBody
            if crate::code::is_type(ty, "String") || crate::code::is_type(ty, "Vec") =>
        {
            TokenStream::new()
        }
        _ => return None,
    };
    let value = quote! {
        let value: ::std::result::Result<#ty, ::std::string::String> = #conversion;
        #rewrap
    };
    let doc = format!(
        " Takes what the client's `.{}(..)` takes.",
        setter.sig.ident
    );
    Some((value, doc))
}

/// `T` of the setter's bound on its argument (`V: TryInto<T>`).
fn setter_target(sig: &syn::Signature) -> Option<syn::Type> {
    let (_, bound) = crate::code::first_where_bound(&sig.generics)?;
    let syn::PathArguments::AngleBracketed(args) = &bound.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    })
}

fn same(a: &syn::Type, b: &syn::Type) -> bool {
    a == b
}

/// `let value = Ok(..);` from progenitor's matcher argument, for a matcher
/// without a setter of the client's to copy.
fn from_progenitor(matched: &Matched) -> TokenStream {
    let value = match matched {
        Matched::Path(..) => quote!(value.to_string()),
        Matched::Query { optional: true, .. } => quote!(value.into()),
        Matched::Header { optional: true, .. } => quote!(value.into().map(|v| v.to_string())),
        Matched::Query { .. } => quote!(Some(value)),
        Matched::Header { .. } => quote!(Some(value.to_string())),
        Matched::JsonBody | Matched::TextBody => quote!(value),
    };
    quote!(let value = ::std::result::Result::<_, ::std::string::String>::Ok(#value);)
}

/// Statuses a client commonly meets, by class, named as progenitor names a status.
const NAMED_STATUSES: [(u16, &str); 9] = [
    (400, "bad_request"),
    (401, "unauthorized"),
    (403, "forbidden"),
    (404, "not_found"),
    (409, "conflict"),
    (422, "unprocessable_entity"),
    (429, "too_many_requests"),
    (500, "internal_server_error"),
    (503, "service_unavailable"),
];

/// For a range responder with a body (`client_error(status, value)`), one
/// responder per common status of its class (`not_found(value)`).
fn named_statuses(m: &ImplItemFn, answered: &Answered) -> Vec<(syn::Ident, TokenStream)> {
    let (Some(class), true) = (answered.class, answered.json) else {
        return Vec::new();
    };
    let value = m.sig.inputs.iter().find_map(|input| match input {
        syn::FnArg::Typed(t) if matches!(&*t.pat, syn::Pat::Ident(p) if p.ident == "value") => {
            Some(t.ty.clone())
        }
        _ => None,
    });
    let Some(value) = value else {
        return Vec::new();
    };
    NAMED_STATUSES
        .iter()
        .filter(|(code, _)| code / 100 == class)
        .map(|(code, name)| {
            let ident = format_ident!("{}", name);
            let doc = format!("Answers `{code}` with `value` as JSON.");
            (
                ident.clone(),
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, value: #value) -> Self { Self(self.0.json(#code, value)) }
                },
            )
        })
        .collect()
}

/// progenitor's methods to rewrite: not its constructor and accessor, and
/// none named like a generic method (which wins; said in a warning).
fn rewritable<'a>(
    methods: &'a [ImplItemFn],
    common: &[&str],
    kind: &str,
    operation: &str,
    warnings: &mut Vec<String>,
) -> Vec<&'a ImplItemFn> {
    let own = methods
        .iter()
        .filter(|m| m.sig.ident != "new" && m.sig.ident != "into_inner");
    own.filter(|m| {
        let clash = common.contains(&m.sig.ident.to_string().as_str());
        if clash {
            warnings.push(left_out(operation, kind, m));
        }
        !clash
    })
    .collect()
}

fn left_out(operation: &str, kind: &str, m: &ImplItemFn) -> String {
    format!(
        "mock of `{operation}`: progenitor's {kind} method `{}` has a shape or name this pipeline \
         does not know; left out (the generic methods remain)",
        m.sig.ident
    )
}

fn absent(optional: bool) -> &'static str {
    if optional { " (`None`: absent)" } else { "" }
}

/// Every `name(args)` and `name!(args)` in `tokens`, nested ones included, in order.
fn calls(tokens: TokenStream) -> Vec<(String, TokenStream)> {
    let mut out = Vec::new();
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(name) => {
                let next = match tokens.get(i + 1) {
                    Some(TokenTree::Punct(p)) if p.as_char() == '!' => tokens.get(i + 2),
                    other => other,
                };
                if let Some(TokenTree::Group(g)) = next
                    && g.delimiter() == Delimiter::Parenthesis
                {
                    out.push((name.to_string(), g.stream()));
                }
            }
            TokenTree::Group(g) => out.extend(calls(g.stream())),
            _ => {}
        }
    }
    out
}

/// The tokens of `tokens` with groups opened, in order.
fn flatten(tokens: TokenStream) -> Vec<TokenTree> {
    tokens
        .into_iter()
        .flat_map(|t| match t {
            TokenTree::Group(g) => flatten(g.stream()),
            other => vec![other],
        })
        .collect()
}

/// An integer literal's value (`200u16`).
fn int_literal(literal: &proc_macro2::Literal) -> Option<u16> {
    syn::parse_str::<syn::LitInt>(&literal.to_string())
        .ok()?
        .base10_parse()
        .ok()
}

/// The first string literal among `tokens` (nested ones included).
fn first_string(tokens: TokenStream) -> Option<String> {
    flatten(tokens).into_iter().find_map(|t| match t {
        TokenTree::Literal(l) => syn::parse_str::<syn::LitStr>(&l.to_string())
            .ok()
            .map(|s| s.value()),
        _ => None,
    })
}
