//! Stage 5b, patch: what progenitor and typify cannot express, added to their
//! output. Each patch knows from the spec what it must change and fails with a
//! generator error (naming the step) when progenitor's output lacks it, so a
//! generator upgrade cannot silently drop one. Optimisations are different:
//! they never fail, and leave what they do not recognise as progenitor wrote it.
//!
//! - `#[deprecated]` on deprecated operations' methods and deprecated fields;
//! - open string enums: a value the spec does not list decodes into
//!   `Unknown(String)` and round-trips (typify has no such option, typify#862);
//!   single-value enums (discriminator tags) stay strict;
//! - a discriminated `oneOf` (made uniform by `remodel`) reads its tag first:
//!   a known tag decodes its variant strictly, an unknown tag becomes
//!   `Unknown(serde_json::Value)`, keeping the raw JSON;
//! - `#[non_exhaustive]` on every generated struct and enum;
//! - `operation_template(id)`: each operation's method and path template;
//! - `Client::new` removed and `new_with_client` crate-private: clients are
//!   built by `ClientBuilder`, which checks what they need;
//! - unknown members (the `extra` map `remodel` asks typify for) default to
//!   empty in the type builders, instead of being a required field;
//! - a read-modify-write conversion for every replacing `PUT`, from the type
//!   the resource is read as to the update request, carrying unknown members
//!   across ([`read_modify_write_pairs`]);
//! - optimisation: leaner `send` methods, the same requests and responses with
//!   less work per call (measured in BENCHMARKS.md, client overhead), among
//!   them a request built again for a retry instead of copied for every call.

use std::collections::BTreeSet;

use quote::ToTokens;
use serde_json::Value;
use syn::visit_mut::{self, VisitMut};
use syn::{Fields, Item, ItemEnum, parse_quote};

use crate::code::{
    bare_name, generic_arguments, has_serde, impl_trait, is_type, is_type_path, let_binding,
    mentions, module_items_mut, stmt_expr, string_literals, submodule_items_mut,
    trait_type_argument, wire_name, without_error_handling,
};
use crate::error::{Error, Result};
use crate::naming::{method_name, type_name};
use crate::remodel::is_discriminated_union;
use crate::spec::{
    deref, discriminator_tag, operations, schema_ref, schemas, string_enum, tag_constant,
    typify_reads, walk_schemas,
};

/// Patches `code`, generated from `spec` (the remodelled document).
pub fn patch(spec: &Value, code: &mut syn::File) -> Result<()> {
    deprecated_operations(spec, code)?;
    lean_send(code);
    operation_builders(code);
    constructors_private(code);
    operation_templates(spec, code);
    progenitor_error_private(code);
    let types = module_items_mut(code, "types")
        .ok_or_else(|| Error::generator("patch", "a `types` module"))?;
    deprecated_fields(spec, types)?;
    discriminated_catch_all(spec, types)?;
    open_enums(spec, types)?;
    non_exhaustive(types);
    unknown_members_default_to_empty(types);
    plain_value_setters(types);
    array_limits(spec, types);
    read_modify_write(spec, types);
    PatternMessages.visit_items(types);
    builder_names(code);
    Ok(())
}

/// typify refuses a string that does not match its schema's `pattern` with
/// "doesn't match pattern \"…\"": the message names the value too
/// (`"image/bmp" doesn't match pattern "…"`). Other messages stay as written.
struct PatternMessages;

impl PatternMessages {
    fn visit_items(mut self, items: &mut [Item]) {
        items.iter_mut().for_each(|item| self.visit_item_mut(item));
    }
}

impl VisitMut for PatternMessages {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "into"
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(message),
                ..
            }) = &*call.receiver
            && let Some(pattern) = message.value().strip_prefix("doesn't match pattern ")
        {
            let pattern = pattern.to_string();
            *expr = parse_quote!(format!("{value:?} doesn't match pattern {}", #pattern).into());
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// progenitor re-exports its `Error` from the generated module, which the
/// crate root re-exports whole: the docs would list two `Error`s, progenitor's
/// and the crate's own. It becomes a private import, which the generated code
/// (and its submodules' `use super::…`) still reaches. Never fails: no such
/// re-export, nothing to do.
fn progenitor_error_private(code: &mut syn::File) {
    let at = code.items.iter_mut().position(|item| {
        let Item::Use(u) = item else { return false };
        let syn::UseTree::Path(path) = &mut u.tree else {
            return false;
        };
        let syn::UseTree::Group(group) = &mut *path.tree else {
            return false;
        };
        let is_error = |t: &syn::UseTree| matches!(t, syn::UseTree::Name(n) if n.ident == "Error");
        if !matches!(u.vis, syn::Visibility::Public(_))
            || path.ident != "progenitor_client"
            || !group.items.iter().any(is_error)
        {
            return false;
        }
        group.items = std::mem::take(&mut group.items)
            .into_iter()
            .filter(|t| !is_error(t))
            .collect();
        true
    });
    if let Some(at) = at {
        code.items.insert(
            at + 1,
            parse_quote! {
                #[allow(unused_imports)]
                use progenitor_client::Error;
            },
        );
    }
}

/// typify names a type's builder after the type (`types::builder::RunItem`),
/// so the docs list two `RunItem`s: each builder becomes `RunItemBuilder`,
/// wherever it is named. Never fails: no `types::builder`, nothing to do.
fn builder_names(code: &mut syn::File) {
    let Some(types) = module_items_mut(code, "types") else {
        return;
    };
    let Some(builders) = submodule_items_mut(types, "builder") else {
        return;
    };
    let names: BTreeSet<String> = builders
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    // Inside `types::builder`, a builder is named alone (`X`); inside `types`,
    // `builder::X`; anywhere, `types::builder::X`.
    for item in builders.iter_mut() {
        RenameBuilders {
            names: &names,
            prefix: &[],
        }
        .visit_item_mut(item);
    }
    for item in types
        .iter_mut()
        .filter(|i| !matches!(i, Item::Mod(m) if m.ident == "builder"))
    {
        RenameBuilders {
            names: &names,
            prefix: &["builder"],
        }
        .visit_item_mut(item);
    }
    RenameBuilders {
        names: &names,
        prefix: &["types", "builder"],
    }
    .visit_file_mut(code);
}

struct RenameBuilders<'a> {
    names: &'a BTreeSet<String>,
    /// The segments before the builder's name (a path may have more before them).
    prefix: &'a [&'a str],
}

impl RenameBuilders<'_> {
    fn renamed(&self, ident: &syn::Ident) -> Option<syn::Ident> {
        let name = ident.to_string();
        self.names
            .contains(&name)
            .then(|| crate::code::ident(&format!("{name}Builder")))
            .flatten()
    }
}

impl VisitMut for RenameBuilders<'_> {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if self.prefix.is_empty()
            && let Some(new) = self.renamed(&item.ident)
        {
            item.ident = new;
        }
        visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let (n, k) = (path.segments.len(), self.prefix.len());
        // Alone means alone: `X`, not `super::X` (the data type).
        let fits = if k == 0 {
            n == 1 && path.leading_colon.is_none()
        } else {
            n > k
                && path
                    .segments
                    .iter()
                    .skip(n - 1 - k)
                    .zip(self.prefix)
                    .all(|(s, p)| s.ident == p)
        };
        if fits
            && let Some(last) = path.segments.last_mut()
            && let Some(new) = self.renamed(&last.ident)
        {
            last.ident = new;
        }
        visit_mut::visit_path_mut(self, path);
    }
}

/// progenitor's operation builders: an optional parameter's setter takes
/// `V: crate::Optional<X>` (`.limit(100)`, `.cursor(None)`; a value out of
/// range says why: `limit: must be from 1 to …, got 0`), and `send` reports
/// every parameter in error at once. Never fails: other shapes stay as
/// progenitor wrote them.
fn operation_builders(code: &mut syn::File) {
    let Some(builders) = module_items_mut(code, "builder") else {
        return;
    };
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        for member in &mut block.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident == "send" {
                every_parameter_error_at_once(&mut f.block);
                if direct_send(f) {
                    rebuilt_for_retries(&mut f.block);
                }
            } else {
                optional_parameter_setter(f);
            }
        }
    }
}

/// progenitor's `send` returns `Result<T, progenitor_client::Error<E>>`; it
/// is rewritten in place to return `Result<T, crate::Error>` (the request's
/// method, path, status and problem in one error type): every `?` and
/// `return` converts its error, a JSON success is read by `crate::hooks::body`
/// and decoded by `crate::hooks::decode` (so the value is made where `send`
/// returns it, and not moved out of one more future), any other arm converts
/// its result. Returns `false` (and leaves `send` as it is) for a shape it
/// does not know.
fn direct_send(send: &mut syn::ImplItemFn) -> bool {
    let syn::ReturnType::Type(_, output) = &send.sig.output else {
        return false;
    };
    let [value, error] = generic_arguments(output)[..] else {
        return false;
    };
    if !is_type(output, "Result") || !is_type(error, "Error") {
        return false;
    }
    let Some(operation) = send.block.stmts.iter().find_map(operation_info) else {
        return false;
    };
    // progenitor names the client `_client` when a parameter is called `client`.
    let destructures_client = send
        .block
        .stmts
        .first()
        .and_then(client_binding)
        .is_some_and(|client| client == "client");
    let Some(syn::Stmt::Expr(_, None)) = send.block.stmts.last() else {
        return false;
    };
    if send.sig.asyncness.is_none() || !destructures_client {
        return false;
    }
    let (value, error) = (value.clone(), error.clone());
    let mut direct = DirectSend {
        operation: operation.clone(),
        error: error.clone(),
    };
    if let Some(syn::Stmt::Expr(tail, None)) = send.block.stmts.last_mut() {
        direct.tail(tail);
    }
    for stmt in &mut send.block.stmts {
        direct.visit_stmt_mut(stmt);
    }
    let call: syn::Stmt = parse_quote!(let __call = crate::hooks::Call::new(client, #operation););
    let fail: syn::Stmt = parse_quote!(let __fail = |e: #error| __call.error(e););
    send.block.stmts.splice(1..1, [call, fail]);
    send.sig.output = parse_quote!(-> ::std::result::Result<#value, crate::Error>);
    true
}

/// The request is built in a closure, `__build`, called once for the first
/// attempt and again only for a retry (`crate::hooks::exec_rebuilding`), so
/// a call that succeeds does not copy its request in case it fails. The
/// closure sees the parameters by reference (`let id = &id;`), so it can run
/// more than once. Recognised: the statements from `let url = format!(..)`
/// to `let mut request = ..;` (header map statements between), a request
/// chain of methods that only borrow the parameters, then `let info = ..`,
/// `client.pre(..)`, `let result = client.exec(request, &info).await`.
/// Anything else (a binary body, which moves its bytes) stays as it is: its
/// retries send a copy made before the first attempt.
fn rebuilt_for_retries(block: &mut syn::Block) {
    let stmts = &block.stmts;
    let Some(info_at) = stmts.iter().position(|s| operation_info(s).is_some()) else {
        return;
    };
    let Some((request, init)) = info_at
        .checked_sub(1)
        .and_then(|request_at| let_binding(&stmts[request_at]))
    else {
        return;
    };
    let (request_at, request) = (info_at - 1, request.clone());
    if !borrowing_request_chain(init) {
        return;
    }
    // `client.pre(&mut request, &info).await` (its error handled), then
    // `let result = client.exec(request, &info).await;`.
    let pre: syn::Expr = parse_quote!(client.pre(&mut #request, &info).await);
    let exec: syn::Stmt = parse_quote!(let result = client.exec(#request, &info).await;);
    let pre_follows = stmts
        .get(info_at + 1)
        .and_then(stmt_expr)
        .is_some_and(|e| *without_error_handling(e) == pre);
    if !pre_follows || stmts.get(info_at + 2) != Some(&exec) {
        return;
    }
    let Some(url_at) = stmts[..request_at].iter().rposition(|s| {
        matches!(let_binding(s), Some((_, syn::Expr::Macro(m))) if m.mac.path.is_ident("format"))
    }) else {
        return;
    };
    let header_map_only = stmts[url_at + 1..request_at]
        .iter()
        .all(|s| mentions(s.to_token_stream(), "header_map") > 0);
    if !header_map_only {
        return;
    }
    // The parameters the request is built from, seen by reference.
    let region: proc_macro2::TokenStream = stmts[url_at..=request_at]
        .iter()
        .map(|s| s.to_token_stream())
        .collect();
    let mut borrowed = BTreeSet::new();
    for stmt in &stmts[..url_at] {
        let syn::Stmt::Local(local) = stmt else {
            continue;
        };
        let mut names = Vec::new();
        bound_names(&local.pat, &mut names);
        for name in names {
            if name != "client"
                && name != "__fail"
                && name != "__call"
                && mentions(region.clone(), &name.to_string()) > 0
            {
                borrowed.insert(name);
            }
        }
    }
    let borrowed = borrowed.iter();
    let built: Vec<syn::Stmt> = block.stmts.drain(url_at..=request_at).collect();
    let build: syn::Stmt = parse_quote! {
        let __build = || -> ::std::result::Result<::reqwest::Request, crate::Error> {
            #(let #borrowed = &#borrowed;)*
            #(#built)*
            crate::hooks::prepare(client, &mut #request);
            Ok(#request)
        };
    };
    let first: syn::Stmt = parse_quote!(let #request = __build()?;);
    block.stmts.splice(url_at..url_at, [build, first]);
    // `info` is now at `url_at + 2`; `pre` (in `__build`) and `exec` follow.
    block.stmts.remove(url_at + 3);
    block.stmts[url_at + 3] = parse_quote! {
        let result = crate::hooks::exec_rebuilding(&__call, #request, &__build).await;
    };
}

/// Whether `expr` is `client.client.<method>(url)` followed only by request
/// builder methods that borrow what they are given (and their error handling).
fn borrowing_request_chain(expr: &syn::Expr) -> bool {
    const BORROWING: [&str; 7] = [
        "header",
        "headers",
        "query",
        "json",
        "form_urlencoded",
        "build",
        "map_err",
    ];
    // `reqwest::Client`'s methods that start a request (not the spec's methods).
    const STARTS_A_REQUEST: [&str; 6] = ["get", "post", "put", "patch", "delete", "head"];
    match expr {
        syn::Expr::Try(t) => borrowing_request_chain(&t.expr),
        syn::Expr::MethodCall(call) if BORROWING.contains(&call.method.to_string().as_str()) => {
            borrowing_request_chain(&call.receiver)
        }
        syn::Expr::MethodCall(call) => {
            STARTS_A_REQUEST.contains(&call.method.to_string().as_str())
                && *call.receiver == parse_quote!(client.client)
                && call.args.len() == 1
        }
        _ => false,
    }
}

/// The names a `let` pattern binds (`let Self { client, id } = self;`, `let id = ..`).
fn bound_names(pat: &syn::Pat, names: &mut Vec<syn::Ident>) {
    match pat {
        syn::Pat::Ident(p) => names.push(p.ident.clone()),
        syn::Pat::Type(t) => bound_names(&t.pat, names),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| bound_names(&f.pat, names)),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| bound_names(p, names)),
        _ => {}
    }
}

/// The rewrites of [`direct_send`], inside one `send`'s body.
struct DirectSend {
    operation: syn::LitStr,
    /// progenitor's `Error<E>`.
    error: syn::Type,
}

impl DirectSend {
    /// An arm's (or the body's) value: `Result<T, progenitor's Error>` made
    /// `Result<T, crate::Error>`.
    fn tail(&self, expr: &mut syn::Expr) {
        match expr {
            syn::Expr::Match(m) => {
                for arm in &mut m.arms {
                    self.tail(&mut arm.body);
                }
            }
            syn::Expr::Block(b)
                if b.block
                    .stmts
                    .last()
                    .is_some_and(|s| matches!(s, syn::Stmt::Expr(_, None))) =>
            {
                if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last_mut() {
                    self.tail(tail);
                }
            }
            syn::Expr::Call(call) if path_ends(&call.func, &["Ok"]) => {}
            syn::Expr::Call(call) if path_ends(&call.func, &["Err"]) && call.args.len() == 1 => {
                let inner = &call.args[0];
                call.args[0] = parse_quote!(__fail(#inner));
            }
            _ => match json_success(expr) {
                Some(response) => {
                    let operation = &self.operation;
                    *expr = parse_quote!(crate::hooks::decode(
                        crate::hooks::body(client, #response).await?,
                        #operation,
                    ).map_err(__fail));
                }
                None => map_err(expr, parse_quote!(__fail)),
            },
        }
    }
}

impl VisitMut for DirectSend {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        match expr {
            // Their `?` and `return` are their own.
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
            // `x?` converted its error with `From` into progenitor's error:
            // `x.map_err(<Error<E>>::from).map_err(__fail)?` (a path, not a
            // closure, so that the error's type may be inferred later, as `?`
            // allowed: `value.to_string().try_into()?` of header parameters).
            syn::Expr::Try(tried) => {
                self.visit_expr_mut(&mut tried.expr);
                let error = &self.error;
                map_err(&mut tried.expr, parse_quote!(<#error>::from));
                map_err(&mut tried.expr, parse_quote!(__fail));
            }
            syn::Expr::Return(ret) => {
                if let Some(value) = &mut ret.expr {
                    self.tail(value);
                    self.visit_expr_mut(value);
                }
            }
            // An error's body (successes were rewritten by `tail`): boxed, so
            // that `send`'s future does not hold room for it beside the
            // success's (rustc lays out the two apart).
            syn::Expr::Await(awaited) if json_call(&awaited.base) => {
                let call = &awaited.base;
                *awaited.base = parse_quote!(::std::boxed::Box::pin(#call));
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, _: &mut Item) {}
}

/// `expr` becomes `expr.map_err(f)`.
fn map_err(expr: &mut syn::Expr, f: syn::Expr) {
    let mut call: syn::ExprMethodCall = parse_quote!(x.map_err(#f));
    call.receiver = Box::new(std::mem::replace(
        expr,
        syn::Expr::Verbatim(Default::default()),
    ));
    *expr = syn::Expr::MethodCall(call);
}

/// `response` of `crate::hooks::json(client, response, "op").await` (a JSON
/// success, as `lean_send` wrote it).
fn json_success(expr: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Await(awaited) = expr else {
        return None;
    };
    let syn::Expr::Call(call) = &*awaited.base else {
        return None;
    };
    json_call(&awaited.base).then(|| &call.args[1])
}

/// Whether `expr` is `crate::hooks::json(client, response, "op")`.
fn json_call(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Call(call)
        if path_ends(&call.func, &["hooks", "json"]) && call.args.len() == 3)
}

/// Whether `expr` is a path ending in `names`.
fn path_ends(expr: &syn::Expr, names: &[&str]) -> bool {
    let syn::Expr::Path(path) = expr else {
        return false;
    };
    let segments = &path.path.segments;
    segments.len() >= names.len()
        && segments
            .iter()
            .rev()
            .zip(names.iter().rev())
            .all(|(segment, name)| segment.ident == name)
}

/// `fn p<V>(mut self, value: V) -> Self where V: TryInto<X> { self.p =
/// value.try_into().map(Some).map_err(|_| ..); self }` takes `crate::Optional<X>`.
fn optional_parameter_setter(setter: &mut syn::ImplItemFn) {
    let Some((param, target)) = try_into_bound(&setter.sig.generics) else {
        return;
    };
    let one_predicate = setter
        .sig
        .generics
        .where_clause
        .as_ref()
        .is_some_and(|clause| clause.predicates.len() == 1);
    if !one_predicate {
        return;
    }
    // `self.<field> = value.try_into().map(Some).map_err(..);`
    let [syn::Stmt::Expr(syn::Expr::Assign(assign), Some(_)), _] = &setter.block.stmts[..] else {
        return;
    };
    let syn::Expr::Field(field) = &*assign.left else {
        return;
    };
    let syn::Member::Named(name) = &field.member else {
        return;
    };
    let syn::Expr::MethodCall(map_err) = &*assign.right else {
        return;
    };
    if map_err.method != "map_err" || *map_err.receiver != parse_quote!(value.try_into().map(Some))
    {
        return;
    }
    let label = name.to_string();
    let name = name.clone();
    setter.sig.generics.where_clause = Some(parse_quote!(where #param: crate::Optional<#target>));
    setter.block = parse_quote!({
        self.#name = crate::Optional::into_optional(value).map_err(|e| format!("{}: {e}", #label));
        self
    });
    let doc = " Takes the value, `Some(value)` or `None`; a `&str` for text, an integer \
               for a `NonZero` number ([`crate::Optional`]).";
    setter.attrs.push(parse_quote!(#[doc = #doc]));
}

/// Before progenitor's `let p = <p>.map_err(Error::InvalidRequest)?;` lines
/// (one per parameter and body, the first in error ends `send`), every one's
/// `<p>` is computed and its error collected; several are reported together.
fn every_parameter_error_at_once(block: &mut syn::Block) {
    // `(name, <p>)` of `let name = <p>.map_err(Error::InvalidRequest)?;`
    fn checked(stmt: &syn::Stmt) -> Option<(syn::Ident, syn::Expr)> {
        let (name, syn::Expr::Try(tried)) = let_binding(stmt)? else {
            return None;
        };
        let syn::Expr::MethodCall(call) = &*tried.expr else {
            return None;
        };
        let invalid_request: syn::Expr = parse_quote!(Error::InvalidRequest);
        (call.method == "map_err" && call.args.len() == 1 && call.args[0] == invalid_request)
            .then(|| (name.clone(), (*call.receiver).clone()))
    }
    let Some(first) = block.stmts.iter().position(|s| checked(s).is_some()) else {
        return;
    };
    let checks: Vec<(syn::Ident, syn::Expr)> =
        block.stmts[first..].iter().map_while(checked).collect();
    if checks.len() < 2 {
        return;
    }
    let mut stmts: Vec<syn::Stmt> = Vec::new();
    for (name, value) in &checks {
        if !matches!(value, syn::Expr::Path(p) if p.path.is_ident(name)) {
            stmts.push(parse_quote!(let #name = #value;));
        }
    }
    let results = checks.iter().map(|(name, _)| parse_quote!(#name));
    stmts.extend(several_errors_at_once(
        results,
        parse_quote!(Error::InvalidRequest(__errors.join("; "))),
    ));
    for (name, _) in &checks {
        stmts.push(parse_quote!(let #name = #name.map_err(Error::InvalidRequest)?;));
    }
    block.stmts.splice(first..first + checks.len(), stmts);
}

/// `crate::operation_template("get_run")` is `("GET", "/agent/runs/{runId}")`:
/// the hand-written layer names calls by template in traces and errors made
/// before a request exists (progenitor's `OperationInfo` has only the id).
fn operation_templates(spec: &Value, code: &mut syn::File) {
    let arms = operations(spec).into_iter().filter_map(|op| {
        let id = method_name(op.id()?);
        let method = op.method.to_uppercase();
        let path = &op.path;
        Some(quote::quote! { #id => (#method, #path), })
    });
    code.items.push(parse_quote! {
        /// The method and path template of an operation, by the id progenitor gives it.
        pub(crate) fn operation_template(operation_id: &str) -> (&'static str, &'static str) {
            match operation_id {
                #(#arms)*
                _ => ("", ""),
            }
        }
    });
}

/// `Client::new(baseurl, policy)` builds its own `reqwest::Client` (15 s
/// timeouts, redirects followed, no TLS provider installed) and takes a
/// `Policy` no caller can build: it goes, and `new_with_client` is for
/// `ClientBuilder` only. Users build clients with `Client::builder()`.
/// Never fails: constructors it does not find are left as they are.
fn constructors_private(code: &mut syn::File) {
    for item in &mut code.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || !is_type(&block.self_ty, "Client") {
            continue;
        }
        block
            .items
            .retain(|member| !matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
        for member in &mut block.items {
            if let syn::ImplItem::Fn(f) = member
                && f.sig.ident == "new_with_client"
            {
                f.vis = parse_quote!(pub(crate));
            }
        }
    }
}

/// typify's builders treat the flattened `extra` map as a required field
/// ("no value supplied for extra"): every builder would fail unless the
/// caller set it. Its default is the empty map. Never fails: a builder that
/// already defaults it, or no builder, is left as it is.
fn unknown_members_default_to_empty(types: &mut [Item]) {
    let mut maps = Vec::new();
    for item in types.iter() {
        let Item::Struct(s) = item else { continue };
        for field in &s.fields {
            let is_map = crate::code::last_ident(&field.ty).as_deref() == Some("Map");
            if is_map && has_serde(&field.attrs, "flatten") {
                maps.push((s.ident.clone(), field.ident.clone()));
            }
        }
    }
    let Some(builders) = crate::code::submodule_items_mut(types, "builder") else {
        return;
    };
    for block in builders.iter_mut().filter_map(|item| match item {
        Item::Impl(block) if impl_trait(block).as_deref() == Some("Default") => Some(block),
        _ => None,
    }) {
        for (name, field) in &maps {
            if !is_type(&block.self_ty, &name.to_string()) {
                continue;
            }
            let mut visit = DefaultToEmpty(field.clone());
            visit.visit_item_impl_mut(block);
        }
    }
}

struct DefaultToEmpty(Option<syn::Ident>);

impl VisitMut for DefaultToEmpty {
    fn visit_field_value_mut(&mut self, init: &mut syn::FieldValue) {
        let is_field = matches!(&init.member, syn::Member::Named(m) if Some(m) == self.0.as_ref());
        let is_err = matches!(&init.expr, syn::Expr::Call(call)
            if matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err")));
        if is_field && is_err {
            init.expr = parse_quote!(Ok(Default::default()));
        }
        visit_mut::visit_field_value_mut(self, init);
    }
}

/// typify's setter of an optional field takes `T: TryInto<Option<Y>>`: a `&str`
/// or a nested builder does not fit, and the compiler's complaint does not say
/// what would. It takes `T: crate::Optional<Y>` instead: the value, `Some`/
/// `None`, a `&str` for a `String`, a nested type's builder (an impl generated
/// here for every builder typify converts), an integer for a `NonZero*`.
/// Optimisation-like: a setter of another shape is left as typify wrote it.
fn plain_value_setters(types: &mut [Item]) {
    let Some(builders) = crate::code::submodule_items_mut(types, "builder") else {
        return;
    };
    let mut converted = Vec::new();
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if impl_trait(block).as_deref() == Some("TryFrom")
            && let syn::Type::Path(target) = &*block.self_ty
            && target
                .path
                .segments
                .first()
                .is_some_and(|s| s.ident == "super")
            && let Some(from) = trait_type_argument(block).and_then(crate::code::last_ident)
        {
            converted.extend(crate::code::ident(&from));
            every_error_at_once(block);
            continue;
        }
        if block.trait_.is_some() {
            continue;
        }
        for member in &mut block.items {
            if let syn::ImplItem::Fn(setter) = member {
                optional_setter(setter);
            }
        }
    }
    for name in converted {
        builders.push(parse_quote! {
            impl crate::Optional<super::#name> for #name {
                fn into_optional(self) -> ::std::result::Result<::std::option::Option<super::#name>, ::std::string::String> {
                    super::#name::try_from(self).map(Some).map_err(|e| e.to_string())
                }
            }
        });
    }
}

/// Rewrites one setter `fn f<T>(mut self, value: T) -> Self where T:
/// TryInto<Option<Y>>, ...` to take `T: crate::Optional<Y>`; any other shape
/// is left alone.
fn optional_setter(setter: &mut syn::ImplItemFn) {
    let Some((param, option)) = try_into_bound(&setter.sig.generics) else {
        return;
    };
    let Some(inner) = option_argument(&option).cloned() else {
        return;
    };
    let mut calls = TryIntoCalls(0);
    let mut block = setter.block.clone();
    calls.visit_block_mut(&mut block);
    if calls.0 != 1 {
        return;
    }
    setter.block = block;
    setter.sig.generics.where_clause = Some(parse_quote!(where #param: crate::Optional<#inner>));
    let doc = " Takes the value, `Some(value)` or `None`; a `&str` for text, an integer \
               for a `NonZero` number, a builder for a nested type ([`crate::Optional`]).";
    setter.attrs.push(parse_quote!(#[doc = #doc]));
}

/// typify's `TryFrom<builder::X> for X` stops at the first field in error
/// (`a: value.a?, b: value.b?`): a value missing three fields reports one.
/// Before that, every field's error is now collected and, when there are
/// several, reported together. A body of another shape is left alone.
fn every_error_at_once(block: &mut syn::ItemImpl) {
    let Some(syn::ImplItem::Fn(try_from)) = block
        .items
        .iter_mut()
        .find(|member| matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "try_from"))
    else {
        return;
    };
    let Some(syn::Stmt::Expr(syn::Expr::Call(ok), None)) = try_from.block.stmts.last() else {
        return;
    };
    let Some(syn::Expr::Struct(value)) = ok.args.first() else {
        return;
    };
    let fields: Option<Vec<syn::Member>> = value
        .fields
        .iter()
        .map(|field| match &field.expr {
            syn::Expr::Try(tried) => match &*tried.expr {
                syn::Expr::Field(access)
                    if matches!(&*access.base, syn::Expr::Path(p) if p.path.is_ident("value")) =>
                {
                    Some(access.member.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    let Some(fields) = fields.filter(|f| f.len() > 1) else {
        return;
    };
    let results = fields.iter().map(|field| parse_quote!(value.#field));
    let checks = several_errors_at_once(results, parse_quote!(__errors.join("; ").into()));
    let at = try_from.block.stmts.len() - 1;
    try_from.block.stmts.splice(at..at, checks);
}

/// Statements that collect the `Err(String)` of each of `results` (expressions
/// of type `Result<_, String>`) into `__errors` (a name no parameter or field
/// has: progenitor and typify strip leading underscores) and, when there are several,
/// return `Err(report)`: one error is left to the code that follows, as the
/// generator wrote it.
fn several_errors_at_once(
    results: impl Iterator<Item = syn::Expr>,
    report: syn::Expr,
) -> [syn::Stmt; 2] {
    [
        parse_quote! {
            let __errors: ::std::vec::Vec<&str> = [#(#results.as_ref().err()),*]
                .into_iter()
                .flatten()
                .map(::std::string::String::as_str)
                .collect();
        },
        parse_quote! {
            if __errors.len() > 1 {
                return Err(#report);
            }
        },
    ]
}

/// `Y` of `Option<Y>` (any path ending in `Option`).
fn option_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let arguments = generic_arguments(ty);
    match (is_type(ty, "Option"), arguments.first()) {
        (true, Some(inner)) => Some(inner),
        _ => None,
    }
}

/// `(T, X)` of a setter generic over one type `T` whose first `where`
/// predicate is `T: ...TryInto<X>` (typify's and progenitor's setters).
fn try_into_bound(generics: &syn::Generics) -> Option<(syn::Ident, syn::Type)> {
    let [syn::GenericParam::Type(param)] = generics.params.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let Some(syn::WherePredicate::Type(bound)) = generics.where_clause.as_ref()?.predicates.first()
    else {
        return None;
    };
    let Some(syn::TypeParamBound::Trait(try_into)) = bound.bounds.first() else {
        return None;
    };
    let last = try_into.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(target)) = args.args.first() else {
        return None;
    };
    let bounds_param =
        matches!(&bound.bounded_ty, syn::Type::Path(p) if p.path.is_ident(&param.ident));
    (last.ident == "TryInto" && bounds_param).then(|| (param.ident.clone(), target.clone()))
}

/// Replaces `value.try_into()` with `crate::Optional::into_optional(value)`, counting.
struct TryIntoCalls(usize);

impl VisitMut for TryIntoCalls {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "try_into"
            && call.args.is_empty()
            && matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("value"))
        {
            *expr = parse_quote!(crate::Optional::into_optional(value));
            self.0 += 1;
        }
    }
}

/// typify does not check `minItems`/`maxItems`; the type builders do: the
/// `TryFrom<builder::X> for X` of a component with such a property refuses a
/// list out of bounds (`attachments: at most 5 items, got 6`) before anything
/// is sent. Only for fields typify made a `Vec` or `Option<Vec>`; others are
/// left alone (never fails).
fn array_limits(spec: &Value, types: &mut [Item]) {
    let mut limits = Vec::new();
    for (schema, body) in schemas(spec) {
        for (property, value) in body["properties"].as_object().into_iter().flatten() {
            let bound = |key: &str| value.get(key).and_then(Value::as_u64);
            if let (min, max) = (bound("minItems"), bound("maxItems"))
                && (min.is_some() || max.is_some())
            {
                limits.push((
                    type_name(schema),
                    crate::naming::field_name(property),
                    min,
                    max,
                ));
            }
        }
    }
    let field_types: Vec<(String, String, syn::Type)> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s),
            _ => None,
        })
        .flat_map(|s| {
            s.fields.iter().filter_map(move |f| {
                Some((
                    s.ident.to_string(),
                    f.ident.as_ref()?.to_string(),
                    f.ty.clone(),
                ))
            })
        })
        .collect();
    const VEC: [&str; 3] = ["std", "vec", "Vec"];
    const OPTION: [&str; 3] = ["std", "option", "Option"];
    let Some(builders) = crate::code::submodule_items_mut(types, "builder") else {
        return;
    };
    for (schema, field, min, max) in limits {
        let Some((_, _, ty)) = field_types
            .iter()
            .find(|(s, f, _)| *s == schema && *f == field)
        else {
            continue;
        };
        let Some(ident) = crate::code::ident(&field) else {
            continue;
        };
        let optional_vec = is_type_path(ty, &OPTION)
            && matches!(generic_arguments(ty)[..], [inner] if is_type_path(inner, &VEC));
        let len: syn::Expr = if is_type_path(ty, &VEC) {
            parse_quote!(value.#ident.as_ref().ok().map(|v| v.len()))
        } else if optional_vec {
            parse_quote!(value.#ident.as_ref().ok().and_then(|v| v.as_ref()).map(|v| v.len()))
        } else {
            continue;
        };
        let out_of_bounds: syn::Expr = match (min.filter(|m| *m > 0), max) {
            (Some(min), Some(max)) => parse_quote!(len < #min as usize || len > #max as usize),
            (Some(min), None) => parse_quote!(len < #min as usize),
            (None, Some(max)) => parse_quote!(len > #max as usize),
            (None, None) => continue,
        };
        let wanted = match (min.filter(|m| *m > 0), max) {
            (Some(min), Some(max)) => format!("from {min} to {max} items"),
            (Some(min), None) => format!("at least {min} items"),
            (_, Some(max)) => format!("at most {max} items"),
            (None, None) => continue,
        };
        let check: syn::Stmt = parse_quote! {
            if let Some(len) = #len
                && (#out_of_bounds)
            {
                return Err(format!("{}: {}, got {len}", #field, #wanted).into());
            }
        };
        let Some(block) = builders.iter_mut().find_map(|item| match item {
            Item::Impl(block)
                if impl_trait(block).as_deref() == Some("TryFrom")
                    && trait_type_argument(block)
                        .and_then(crate::code::last_ident)
                        .as_deref()
                        == Some(schema.as_str()) =>
            {
                Some(block)
            }
            _ => None,
        }) else {
            continue;
        };
        if let Some(syn::ImplItem::Fn(f)) = block
            .items
            .iter_mut()
            .find(|m| matches!(m, syn::ImplItem::Fn(f) if f.sig.ident == "try_from"))
        {
            let at = f.block.stmts.len().saturating_sub(1);
            f.block.stmts.insert(at, check);
        }
    }
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

/// Every replacing `PUT` whose body and read type are different component schemas.
pub fn read_modify_write_pairs(spec: &Value) -> Vec<ReadModifyWrite> {
    let json_ref = |node: Option<&Value>| {
        let schema = node?.pointer("/content/application~1json/schema")?;
        schema_ref(schema).map(str::to_string)
    };
    let ops = operations(spec);
    let mut pairs = Vec::new();
    for put in ops.iter().filter(|op| op.method == "put") {
        let Some(update) = json_ref(deref(spec, &put.value["requestBody"]).into()) else {
            continue;
        };
        let answer = |op: &crate::spec::Operation| {
            let responses = op.value.get("responses")?.as_object()?;
            responses
                .iter()
                .filter(|(code, _)| code.starts_with('2'))
                .find_map(|(_, r)| json_ref(Some(deref(spec, r))))
        };
        let get = ops
            .iter()
            .find(|op| op.method == "get" && op.path == put.path);
        let Some(read) = get.and_then(answer).or_else(|| answer(put)) else {
            continue;
        };
        let (Some(id), true) = (put.id(), read != update) else {
            continue;
        };
        let properties = |name: &str| -> BTreeSet<String> {
            spec.pointer(&crate::spec::pointer([
                "components",
                "schemas",
                name,
                "properties",
            ]))
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
        };
        let writable = properties(&update);
        pairs.push(ReadModifyWrite {
            operation: id.to_string(),
            read_only: properties(&read).difference(&writable).cloned().collect(),
            read,
            update,
        });
    }
    pairs
}

/// `impl TryFrom<read> for update` for each [`read_modify_write_pairs`]: by
/// way of JSON, so what the read type does not know (its `extra` members)
/// and members only the update request knows come across, and the
/// read-only members are left out; `crate::hooks::convert` names the member
/// that does not fit. Never fails: a pair whose types are not both in the
/// output gets no conversion.
fn read_modify_write(spec: &Value, types: &mut Vec<Item>) {
    let names: BTreeSet<String> = types.iter().filter_map(crate::code::item_name).collect();
    for pair in read_modify_write_pairs(spec) {
        let (read, update) = (type_name(&pair.read), type_name(&pair.update));
        if !names.contains(&read) || !names.contains(&update) {
            continue;
        }
        let (Some(read_ident), Some(update_ident)) =
            (crate::code::ident(&read), crate::code::ident(&update))
        else {
            continue;
        };
        let read_only = &pair.read_only;
        let count = read_only.len();
        let doc = format!(
            " For a read-modify-write through `{}` (a `PUT` replaces the whole \
             resource): `{read}` as read, less what only the server sets \
             ({}), with every member this client does not know kept, so a \
             newer server's settings survive the update. A member kept that \
             `{update}` types otherwise fails the conversion, naming the member, \
             its value and what is allowed.",
            pair.operation,
            if read_only.is_empty() {
                "nothing".to_string()
            } else {
                read_only
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        types.push(parse_quote! {
            #[doc = #doc]
            impl ::std::convert::TryFrom<#read_ident> for #update_ident {
                type Error = ::serde_json::Error;
                fn try_from(value: #read_ident) -> ::std::result::Result<Self, Self::Error> {
                    let mut members = match ::serde_json::to_value(value)? {
                        ::serde_json::Value::Object(members) => members,
                        other => return ::serde_json::from_value(other),
                    };
                    let read_only: [&str; #count] = [#(#read_only),*];
                    for member in read_only {
                        members.remove(member);
                    }
                    crate::hooks::convert(#read, ::serde_json::Value::Object(members))
                }
            }
        });
    }
}

fn deprecated_operations(spec: &Value, code: &mut syn::File) -> Result<()> {
    for op in operations(spec) {
        if op.value.get("deprecated") != Some(&Value::Bool(true)) {
            continue;
        }
        let Some(id) = op.id() else { continue };
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
            .ok_or_else(|| {
                Error::generator(
                    "deprecated_operations",
                    format!(
                        "method `Client::{name}` for deprecated operation `{id}` (#{})",
                        op.pointer
                    ),
                )
            })?;
        method.attrs.push(parse_quote!(#[deprecated(note = #note)]));
    }
    Ok(())
}

/// Optimisation (never fails). Two things progenitor's `send` methods do on
/// every call that the request and the response do not need:
/// - a header map holding only `api-version`, allocated and then merged into
///   the request: the header is set on the request builder instead;
/// - `ResponseValue::from_response` / `ResponseValue::empty` copy the
///   response's headers: oz-api's `hooks::json` / `hooks::empty` take them;
/// - `encode_path(&p.to_string())` copies each path parameter twice:
///   `hooks::PathSegment(&p)` writes it encoded into the URL (the same text);
/// - `HeaderName::from_static("…")` / `HeaderValue::from_static("…")` check
///   their text on every call: `const { … }` checks it once, when compiling.
///
/// A method whose header map holds more (header parameters), or whose shape
/// is new, keeps progenitor's code; the surface snapshot says which.
fn lean_send(code: &mut syn::File) {
    LeanSend::default().visit_file_mut(code);
}

type Args = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;

#[derive(Default)]
struct LeanSend {
    /// The arguments of the `api-version` append whose header map was removed
    /// from the block being visited, until `.headers(header_map)` takes them.
    api_version: Option<Args>,
    /// `info.operation_id` of the `send` being visited, for decode errors.
    operation: Option<syn::LitStr>,
    /// The `send`'s client binding (`client`, or `_client` beside a parameter
    /// named `client`), which reads bodies within its limit.
    client: Option<syn::Ident>,
}

/// The client a `let Self { client, .. } = self;` binds: progenitor prefixes
/// `_` to its name while a parameter has it, so the longest `_*client` is it.
fn client_binding(stmt: &syn::Stmt) -> Option<syn::Ident> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Pat::Struct(pattern) = &local.pat else {
        return None;
    };
    if !pattern.path.is_ident("Self") {
        return None;
    }
    pattern
        .fields
        .iter()
        .filter_map(|f| match &f.member {
            syn::Member::Named(m) if m.to_string().trim_start_matches('_') == "client" => {
                Some(m.clone())
            }
            _ => None,
        })
        .max_by_key(|m| m.to_string().len())
}

/// The `operation_id` of a `let info = OperationInfo { operation_id: "…" };`.
fn operation_info(stmt: &syn::Stmt) -> Option<syn::LitStr> {
    let (name, syn::Expr::Struct(info)) = let_binding(stmt)? else {
        return None;
    };
    if name != "info" || !info.path.is_ident("OperationInfo") {
        return None;
    }
    info.fields
        .iter()
        .find_map(|field| match (&field.member, &field.expr) {
            (
                syn::Member::Named(m),
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(id),
                    ..
                }),
            ) if m == "operation_id" => Some(id.clone()),
            _ => None,
        })
}

/// `(index, append arguments)` of a `let mut header_map = ...;` followed by one
/// `header_map.append(<"api-version">, value);`, when nothing else in the
/// block uses the map but one `.headers(header_map)`.
fn api_version_only_map(block: &syn::Block) -> Option<(usize, Args)> {
    let binds =
        |stmt: &syn::Stmt| matches!(let_binding(stmt), Some((name, _)) if name == "header_map");
    let at = block.stmts.iter().position(binds)?;
    let syn::Stmt::Expr(syn::Expr::MethodCall(append), _) = block.stmts.get(at + 1)? else {
        return None;
    };
    let names_api_version = string_literals(append.args.first()?.to_token_stream())
        .iter()
        .any(|text| text == "api-version");
    let receiver_is_map = bare_name(&append.receiver).is_some_and(|name| name == "header_map");
    if !receiver_is_map || append.method != "append" || !names_api_version {
        return None;
    }
    let uses: usize = block.stmts[at + 2..]
        .iter()
        .map(|s| mentions(s.to_token_stream(), "header_map"))
        .sum();
    (uses == 1).then(|| (at, append.args.clone()))
}

impl LeanSend {
    /// The `operation_id` of the `send` being visited, as a literal.
    fn operation_name(&self) -> proc_macro2::TokenStream {
        self.operation
            .as_ref()
            .map_or_else(|| "?".to_token_stream(), |o| o.to_token_stream())
    }
}

impl VisitMut for LeanSend {
    /// `format!("{}/runs/{}", client.baseurl, encode_path(..))`: its arguments
    /// are tokens to syn; they are visited as expressions.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let Ok(mut args) = mac.parse_body_with(Args::parse_terminated) else {
            return;
        };
        for arg in args.iter_mut() {
            self.visit_expr_mut(arg);
        }
        mac.tokens = args.to_token_stream();
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        if let Some(id) = block.stmts.iter().find_map(operation_info) {
            self.operation = Some(id);
        }
        if let Some(client) = block.stmts.iter().find_map(client_binding) {
            self.client = Some(client);
        }
        let Some((at, args)) = api_version_only_map(block) else {
            return visit_mut::visit_block_mut(self, block);
        };
        let original = block.clone();
        block.stmts.drain(at..at + 2);
        let outer = self.api_version.replace(args);
        visit_mut::visit_block_mut(self, block);
        let taken = self.api_version.is_none();
        self.api_version = outer;
        if !taken {
            // The map was used some other way: keep progenitor's code.
            *block = original;
            visit_mut::visit_block_mut(self, block);
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        match expr {
            syn::Expr::MethodCall(call)
                if call.method == "headers"
                    && call.args.len() == 1
                    && bare_name(&call.args[0]).is_some_and(|name| name == "header_map") =>
            {
                if let Some(args) = self.api_version.take() {
                    call.method = parse_quote!(header);
                    call.args = args;
                    for arg in &mut call.args {
                        self.visit_expr_mut(arg);
                    }
                }
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
                    // `from_static` is a `const fn` that checks its text:
                    // computed once, at compile time, not on every call.
                    [.., ty, f]
                        if (ty == "HeaderName" || ty == "HeaderValue")
                            && f == "from_static"
                            && matches!(&call.args.first(), Some(syn::Expr::Lit(_)))
                            && call.args.len() == 1 =>
                    {
                        *expr = parse_quote!(const { #expr });
                        return;
                    }
                    // `encode_path(&p.to_string())`: `PathSegment(&p)`.
                    [.., f] if f == "encode_path" && call.args.len() == 1 => {
                        let Some(syn::Expr::Reference(arg)) = call.args.first() else {
                            return;
                        };
                        let syn::Expr::MethodCall(to_string) = &*arg.expr else {
                            return;
                        };
                        if to_string.method != "to_string" || !to_string.args.is_empty() {
                            return;
                        }
                        // Checked: a value that is empty, `.` or `..` is
                        // refused, as it would address another path.
                        let value = &to_string.receiver;
                        let Some(parameter) = bare_name(value).map(|name| name.to_string()) else {
                            return;
                        };
                        let operation = self.operation_name();
                        *expr = parse_quote!(
                            crate::hooks::PathSegment::checked(&#value, #parameter, #operation)?
                        );
                        return;
                    }
                    // Read within the client's body limit.
                    [.., ty, f] if ty == "ResponseValue" && f == "from_response" => {
                        let Some(client) = self.client.clone() else {
                            return;
                        };
                        let operation = self.operation_name();
                        call.args.insert(0, parse_quote!(#client));
                        call.args.push(parse_quote!(#operation));
                        parse_quote!(crate::hooks::json)
                    }
                    [.., ty, f] if ty == "ResponseValue" && f == "empty" => {
                        parse_quote!(crate::hooks::empty)
                    }
                    _ => return,
                };
                *call.func = replacement;
            }
            _ => {}
        }
    }
}

/// Properties marked `deprecated` in component schemas (and the `allOf`
/// members they merge) get `#[deprecated]` on their field. Inline object
/// schemas are not marked (typify names them by context); their fields keep
/// the spec's description.
fn deprecated_fields(spec: &Value, types: &mut [Item]) -> Result<()> {
    for (schema_name, schema) in schemas(spec) {
        let mut parts = vec![schema];
        for member in schema["allOf"].as_array().into_iter().flatten() {
            parts.push(deref(spec, member));
        }
        let deprecated: Vec<(&String, &Value)> = parts
            .iter()
            .filter_map(|part| part.get("properties").and_then(Value::as_object))
            .flatten()
            .filter(|(_, p)| p.get("deprecated") == Some(&Value::Bool(true)))
            .collect();
        if deprecated.is_empty() {
            continue;
        }
        let rust = type_name(schema_name);
        let Some(item) = types
            .iter_mut()
            .find(|item| crate::code::item_name(item).as_deref() == Some(&rust))
        else {
            return Err(Error::generator(
                "deprecated_fields",
                format!("type `{rust}` for schema #/components/schemas/{schema_name}"),
            ));
        };
        // A schema with properties that typify made an enum (merged with a
        // oneOf, say) or a newtype (`nullable`, a `type` other than object)
        // has no fields to mark.
        let Item::Struct(item) = item else { continue };
        if !matches!(item.fields, Fields::Named(_)) {
            continue;
        }
        for (property, value) in deprecated {
            let note = value
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.trim().to_string())
                .unwrap_or_else(|| format!("`{property}` is deprecated in the Oz API spec"));
            let field = item
                .fields
                .iter_mut()
                .find(|f| wire_name(&f.attrs, f.ident.as_ref()).as_deref() == Some(property))
                .ok_or_else(|| {
                    Error::generator(
                        "deprecated_fields",
                        format!("field `{rust}::{property}` for deprecated property #/components/schemas/{schema_name}/properties/{property}"),
                    )
                })?;
            if !field.attrs.iter().any(|a| a.path().is_ident("deprecated")) {
                field.attrs.push(parse_quote!(#[deprecated(note = #note)]));
            }
        }
    }
    Ok(())
}

/// Every discriminated `oneOf` (a component with `$ref` variants, after
/// `remodel`) gets a catch-all `Unknown(serde_json::Value)` variant. typify
/// makes it an untagged enum, or, with one variant, a newtype struct, which
/// is rewritten as an untagged enum so that the next variant is additive.
fn discriminated_catch_all(spec: &Value, types: &mut Vec<Item>) -> Result<()> {
    for (schema_name, schema) in schemas(spec) {
        if !is_discriminated_union(schema) {
            continue;
        }
        let rust = type_name(schema_name);
        let tag = discriminator_tag(schema).unwrap_or("?");
        let doc = format!(
            "A `{tag}` this client does not know (the API is newer than its spec), with the JSON as received."
        );
        let expected = || {
            Error::generator(
                "discriminated_catch_all",
                format!(
                    "an untagged enum (or, for one variant, a newtype struct) `{rust}` for the discriminated oneOf #/components/schemas/{schema_name}"
                ),
            )
        };
        let at = types
            .iter()
            .position(|item| crate::code::item_name(item).as_deref() == Some(&rust))
            .ok_or_else(expected)?;
        match &mut types[at] {
            Item::Enum(e) if has_serde(&e.attrs, "untagged") => {
                let catch_all = free_variant(e.variants.iter().map(|v| v.ident.to_string()));
                e.variants.push(parse_quote! {
                    #[doc = #doc]
                    #catch_all(::serde_json::Value)
                });
            }
            Item::Struct(s) if matches!(&s.fields, Fields::Unnamed(f) if f.unnamed.len() == 1) => {
                let inner = s
                    .fields
                    .iter()
                    .next()
                    .map(|f| f.ty.clone())
                    .ok_or_else(expected)?;
                let variant = crate::code::last_ident(&inner).ok_or_else(expected)?;
                let variant = crate::code::ident(&variant).ok_or_else(expected)?;
                let catch_all = free_variant([variant.to_string()]);
                let docs: Vec<&syn::Attribute> = s
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("doc"))
                    .collect();
                let name = s.ident.clone();
                let union: ItemEnum = parse_quote! {
                    #(#docs)*
                    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                    #[serde(untagged)]
                    pub enum #name {
                        #variant(#inner),
                        #[doc = #doc]
                        #catch_all(::serde_json::Value),
                    }
                };
                types[at] = Item::Enum(union);
                // The newtype's impls (Deref, From both ways) no longer fit.
                types.retain(|item| match item {
                    Item::Impl(block) => {
                        !(is_type(&block.self_ty, &rust)
                            || (impl_trait(block).as_deref() == Some("From")
                                && trait_type_argument(block).is_some_and(|ty| is_type(ty, &rust))))
                    }
                    _ => true,
                });
                types.push(parse_quote! {
                    impl ::std::convert::From<#inner> for #name {
                        fn from(value: #inner) -> Self {
                            Self::#variant(value)
                        }
                    }
                });
            }
            _ => return Err(expected()),
        }
        let Item::Enum(union) = &mut types[at] else {
            return Err(expected());
        };
        let deserialize = tag_dispatch(spec, schema_name, schema, tag, union)?;
        types.push(deserialize);
    }
    Ok(())
}

/// `(tag value, variant schema)` for every `$ref` variant of a discriminated
/// union: the `mapping`'s entries, then, for a variant the mapping does not
/// name, the constant of its tag property, else its schema name (OpenAPI's
/// implicit mapping).
pub(crate) fn tag_values(spec: &Value, union: &Value, tag: &str) -> Vec<(String, String)> {
    let mapping = union
        .pointer("/discriminator/mapping")
        .and_then(Value::as_object);
    let variants: Vec<(&str, &Value)> = union["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((schema_ref(v)?, deref(spec, v))))
        .collect();
    // A mapping entry naming a schema that is not a variant is ignored (as
    // progenitor does): its tag decodes as unknown.
    let mut out: Vec<(String, String)> = mapping
        .into_iter()
        .flatten()
        .filter_map(|(value, target)| {
            let target = target.as_str()?;
            let name = target.rsplit('/').next().unwrap_or(target);
            variants
                .iter()
                .any(|(n, _)| *n == name)
                .then(|| (value.clone(), name.to_string()))
        })
        .collect();
    for (name, schema) in variants {
        if out.iter().any(|(_, n)| n == name) {
            continue;
        }
        let constant = tag_constant(schema, tag).unwrap_or(name);
        out.push((constant.to_string(), name.to_string()));
    }
    out
}

/// A `Deserialize` that reads the tag first: a known tag decodes its variant
/// strictly (a failure says which tag and type), any other tag, or none,
/// becomes the catch-all. (An untagged enum tries each variant in turn, so a
/// known variant that no longer matches fell through to the catch-all.) The
/// derived `Deserialize` is dropped; `Serialize` stays untagged: each variant
/// writes its own tag.
fn tag_dispatch(
    spec: &Value,
    schema_name: &str,
    union: &Value,
    tag: &str,
    e: &mut ItemEnum,
) -> Result<Item> {
    let name = e.ident.clone();
    let mut arms = Vec::new();
    for (value, variant_schema) in tag_values(spec, union, tag) {
        let rust = type_name(&variant_schema);
        let variant = e
            .variants
            .iter()
            .find(|v| matches!(&v.fields, Fields::Unnamed(f) if f.unnamed.len() == 1
                && crate::code::last_ident(&f.unnamed[0].ty).as_deref() == Some(rust.as_str())))
            .map(|v| v.ident.clone())
            .ok_or_else(|| {
                Error::generator(
                    "discriminated_catch_all",
                    format!(
                        "a variant holding `{rust}` in enum `{name}` for #/components/schemas/{schema_name} (tag `{value}`)"
                    ),
                )
            })?;
        let context = format!("{tag} `{value}` ({rust})");
        arms.push(quote::quote! {
            ::std::option::Option::Some(#value) => ::serde_json::from_value(value)
                .map(Self::#variant)
                .map_err(|e| ::serde::de::Error::custom(::std::format_args!("{}: {}", #context, e))),
        });
    }
    // The catch-all is the variant this step just added, the last one.
    let catch_all = e.variants.last().map(|v| v.ident.clone()).ok_or_else(|| {
        Error::generator(
            "discriminated_catch_all",
            format!("the catch-all variant of `{name}`"),
        )
    })?;
    drop_derive(&mut e.attrs, "Deserialize");
    Ok(parse_quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(::serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#arms)*
                    _ => ::std::result::Result::Ok(Self::#catch_all(value)),
                }
            }
        }
    })
}

/// Removes `derive`d trait `name` (`Copy`, `::serde::Deserialize`, ...) from `attrs`.
fn drop_derive(attrs: &mut [syn::Attribute], name: &str) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        if let Ok(list) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) {
            let kept = list
                .into_iter()
                .filter(|p| p.segments.last().is_none_or(|s| s.ident != name));
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
}

/// `Unknown`, unless a variant has that name: then `Other`, `Unlisted`, `Unknown2`, ...
fn free_variant(taken: impl IntoIterator<Item = String>) -> syn::Ident {
    let taken: BTreeSet<String> = taken.into_iter().collect();
    let name = ["Unknown", "Other", "Unlisted"]
        .into_iter()
        .map(String::from)
        .chain((2..).map(|n| format!("Unknown{n}")))
        .find(|n| !taken.contains(n))
        .unwrap_or_default();
    syn::Ident::new(&name, proc_macro2::Span::call_site())
}

struct OpenEnum {
    name: syn::Ident,
    /// `(variant, wire value)`
    values: Vec<(syn::Ident, String)>,
    /// The variant holding unknown values.
    catch_all: syn::Ident,
}

/// Rewrites every string enum with two or more values as an open enum, and
/// checks that every such enum in the spec (named or inline, in a property, a
/// parameter, array items, nullable or not) was found among them, by its
/// values: a value read from the API can then always be sent back.
fn open_enums(spec: &Value, types: &mut Vec<Item>) -> Result<()> {
    let mut opened: Vec<OpenEnum> = Vec::new();
    for item in types.iter_mut() {
        let Item::Enum(e) = item else { continue };
        let Some(values) = string_enum_values(e) else {
            continue;
        };
        if values.len() < 2 {
            continue;
        }
        let catch_all = free_variant(values.iter().map(|(v, _)| v.to_string()));
        drop_derive(&mut e.attrs, "Copy");
        // serde's message for a value no variant takes (`2` where a string
        // belongs) is "data did not match any variant"; say what is allowed.
        let expecting = format!(
            "expected {}, a string: {} or a value a newer API added",
            e.ident,
            values
                .iter()
                .map(|(_, s)| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        e.attrs.push(parse_quote!(#[serde(expecting = #expecting)]));
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
    check_every_enum_opened(spec, &opened)?;
    // typify's conversions reject unknown values: replace them.
    types.retain(|item| match item {
        Item::Impl(block) => !opened.iter().any(|open| {
            is_type(&block.self_ty, &open.name.to_string())
                && impl_trait(block)
                    .is_some_and(|t| ["Display", "FromStr", "TryFrom"].contains(&t.as_str()))
        }),
        _ => true,
    });
    for open in opened {
        types.extend(open_enum_impls(open));
    }
    Ok(())
}

fn check_every_enum_opened(spec: &Value, opened: &[OpenEnum]) -> Result<()> {
    let value_set =
        |values: Vec<&str>| -> BTreeSet<String> { values.into_iter().map(String::from).collect() };
    let found: Vec<BTreeSet<String>> = opened
        .iter()
        .map(|open| value_set(open.values.iter().map(|(_, s)| s.as_str()).collect()))
        .collect();
    let mut missing = None;
    walk_schemas(spec, &mut |at, schema| {
        if missing.is_some() || schema.get("$ref").is_some() {
            return;
        }
        let Some(values) = string_enum(schema).map(value_set) else {
            return;
        };
        // Only an enum typify reads as a type of its own (the costlier check, last).
        if values.len() >= 2 && !found.contains(&values) && typify_reads(spec, at, schema) {
            missing = Some((at.to_string(), values));
        }
    });
    match missing {
        None => Ok(()),
        Some((at, values)) => Err(Error::generator(
            "open_enums",
            format!(
                "a string enum with the values {:?} for the schema #{at}",
                values.into_iter().collect::<Vec<_>>()
            ),
        )),
    }
}

fn open_enum_impls(open: OpenEnum) -> Vec<Item> {
    let OpenEnum {
        name,
        values,
        catch_all,
    } = open;
    let idents: Vec<&syn::Ident> = values.iter().map(|(i, _)| i).collect();
    let strings: Vec<&String> = values.iter().map(|(_, s)| s).collect();
    vec![
        parse_quote! {
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
        },
        parse_quote! {
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        },
        parse_quote! {
            impl ::std::convert::From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#strings => Self::#idents,)*
                        other => Self::#catch_all(other.to_string()),
                    }
                }
            }
        },
        parse_quote! {
            impl ::std::convert::From<::std::string::String> for #name {
                fn from(value: ::std::string::String) -> Self {
                    Self::from(value.as_str())
                }
            }
        },
        parse_quote! {
            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                    Ok(Self::from(value))
                }
            }
        },
    ]
}

/// Every generated struct and enum is `#[non_exhaustive]`, so a new field or
/// enum value in a later spec is an additive release, not a breaking one (see
/// `drift`). Values are built with the generated builders
/// (`types::RunAgentRequest::builder()`), not struct literals.
fn non_exhaustive(types: &mut [Item]) {
    for item in types {
        let attrs = match item {
            Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(parse_quote!(#[non_exhaustive]));
        }
    }
}

/// `(variant, wire value)` pairs when `e` is a plain string enum.
fn string_enum_values(e: &ItemEnum) -> Option<Vec<(syn::Ident, String)>> {
    if has_serde(&e.attrs, "untagged") || has_serde(&e.attrs, "tag") {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Kind, Location};
    use serde_json::json;

    fn file(code: proc_macro2::TokenStream) -> syn::File {
        syn::parse2(code).unwrap()
    }

    fn union_spec() -> Value {
        json!({"components": {"schemas": {
            "Shape": {"oneOf": [{"$ref": "#/components/schemas/Circle"}], "discriminator": {"propertyName": "kind"}},
            "Circle": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["circle"]}}}
        }}})
    }

    /// The passes match progenitor's output by structure: today's spec's code,
    /// as generated and printed two ways (its token stream's spacing,
    /// prettyplease's layout) and parsed again, is
    /// patched to the same code, and a pass found what it changes in each.
    #[test]
    fn passes_find_the_same_code_however_it_is_printed() {
        let spec: Value =
            serde_json::from_str(include_str!("../../spec/oz-api.normalized.json")).unwrap();
        let remodelled = crate::remodel::remodel(&spec, true);
        let openapi = crate::validate::parse(&remodelled, "spec").unwrap();
        let generated = crate::generate::generate(&remodelled, &openapi, "spec").unwrap();
        let tokens = generated.to_token_stream().to_string();
        let printings = [
            generated.clone(),
            syn::parse_str::<syn::File>(&tokens).unwrap(),
            syn::parse_str::<syn::File>(&prettyplease::unparse(&generated)).unwrap(),
        ];
        let patched: Vec<String> = printings
            .into_iter()
            .map(|mut code| {
                patch(&remodelled, &mut code).unwrap();
                prettyplease::unparse(&code)
            })
            .collect();
        assert!(patched.iter().all(|p| *p == patched[0]));
        for changed in [
            "crate::hooks::exec_rebuilding(&__call",
            "crate::hooks::PathSegment::checked(",
            "crate::Optional<",
            "Error::InvalidRequest(__errors.join",
        ] {
            let text = patched[0].replace(char::is_whitespace, "");
            assert!(text.contains(&changed.replace(' ', "")), "{changed}");
        }
    }

    #[test]
    fn output_without_what_a_step_needs_is_a_generator_error_naming_the_step() {
        let mut code = file(quote::quote! { pub struct Client; });
        let e = patch(&json!({}), &mut code).unwrap_err();
        assert_eq!(e.kind(), Kind::Generator);
        assert_eq!(e.location, Location::Generator { step: "patch" });
        assert!(e.to_string().contains(crate::error::PROGENITOR), "{e}");

        // A discriminated union typify made into something else.
        let mut code =
            file(quote::quote! { pub mod types { pub struct Shape { pub kind: String } } });
        let e = patch(&union_spec(), &mut code).unwrap_err();
        assert_eq!(
            e.location,
            Location::Generator {
                step: "discriminated_catch_all"
            }
        );
        assert!(e.message.contains("#/components/schemas/Shape"), "{e}");

        // A string enum of the spec that the output does not have.
        let spec = json!({"components": {"schemas": {"Color": {"type": "string", "enum": ["red", "blue"]}}}});
        let mut code = file(quote::quote! { pub mod types {} });
        let e = patch(&spec, &mut code).unwrap_err();
        assert_eq!(e.location, Location::Generator { step: "open_enums" });
        assert!(e.message.contains("[\"blue\", \"red\"]"), "{e}");
    }

    #[test]
    fn a_one_variant_union_becomes_an_open_enum() {
        let mut code = file(quote::quote! { pub mod types {
            #[serde(transparent)]
            pub struct Shape(pub Circle);
            impl ::std::ops::Deref for Shape { type Target = Circle; fn deref(&self) -> &Circle { &self.0 } }
            impl ::std::convert::From<Shape> for Circle { fn from(value: Shape) -> Self { value.0 } }
            impl ::std::convert::From<Circle> for Shape { fn from(value: Circle) -> Self { Self(value) } }
            pub struct Circle { pub kind: CircleKind }
            pub enum CircleKind { #[serde(rename = "circle")] Circle }
        } });
        patch(&union_spec(), &mut code).unwrap();
        let text = prettyplease::unparse(&code);
        assert!(text.contains("#[serde(untagged)]\n    #[non_exhaustive]\n    pub enum Shape {\n        Circle(Circle),"), "{text}");
        assert!(text.contains("Unknown(::serde_json::Value)"), "{text}");
        assert!(
            !text.contains("Deref for Shape") && !text.contains("From<Shape> for Circle"),
            "{text}"
        );
        assert!(
            text.contains("impl ::std::convert::From<Circle> for Shape"),
            "{text}"
        );
        // The single-value tag enum stays strict.
        assert!(
            !text.contains(
                "CircleKind {\n        #[serde(rename = \"circle\")]\n        Circle,\n        ///"
            ),
            "{text}"
        );
    }

    #[test]
    fn enums_open_with_a_free_catch_all_name() {
        let spec = json!({"components": {"schemas": {"Kind": {"type": "string", "enum": ["Unknown", "known"]}}}});
        let mut code = file(quote::quote! { pub mod types {
            #[derive(Clone, Copy)]
            pub enum Kind { Unknown, #[serde(rename = "known")] Known }
            impl ::std::str::FromStr for Kind { type Err = (); fn from_str(_: &str) -> Result<Self, ()> { Err(()) } }
        } });
        patch(&spec, &mut code).unwrap();
        let text = prettyplease::unparse(&code);
        assert!(text.contains("Other(::std::string::String)"), "{text}");
        assert!(text.contains("#[derive(Clone)]"), "{text}");
        assert_eq!(
            text.matches("impl ::std::str::FromStr for Kind").count(),
            1,
            "{text}"
        );
    }

    #[test]
    fn optional_setters_take_plain_values_and_builders_report_every_error() {
        let mut code = file(quote::quote! { pub mod types { pub mod builder {
            impl Thing {
                pub fn name<T>(mut self, value: T) -> Self
                where T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>, T::Error: ::std::fmt::Display,
                { self.name = value.try_into().map_err(|e| format!("error converting supplied value for name: {e}")); self }
                pub fn tags<T>(mut self, value: T) -> Self
                where T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>, T::Error: ::std::fmt::Display,
                { self.tags = value.try_into().map_err(|e| format!("{e}")); self }
            }
            impl ::std::convert::TryFrom<Thing> for super::Thing {
                type Error = super::error::ConversionError;
                fn try_from(value: Thing) -> ::std::result::Result<Self, super::error::ConversionError> {
                    Ok(Self { name: value.name?, tags: value.tags? })
                }
            }
        }}});
        let types = module_items_mut(&mut code, "types").unwrap();
        plain_value_setters(types);
        let text = prettyplease::unparse(&code);
        assert!(
            text.contains("T: crate::Optional<::std::string::String>"),
            "{text}"
        );
        assert!(
            text.contains("crate::Optional::into_optional(value)"),
            "{text}"
        );
        // Not an optional field: as typify wrote it.
        assert!(
            text.contains("T: ::std::convert::TryInto<::std::vec::Vec"),
            "{text}"
        );
        assert!(
            text.contains("impl crate::Optional<super::Thing> for Thing"),
            "{text}"
        );
        assert!(
            text.contains("value.name.as_ref().err(),\n") && text.contains("errors.join"),
            "{text}"
        );
    }

    #[test]
    fn operation_builders_take_plain_values_and_report_every_parameter_at_once() {
        let mut code = file(quote::quote! { pub mod builder {
            impl<'a> ListThings<'a> {
                pub fn limit<V>(mut self, value: V) -> Self
                where V: std::convert::TryInto<::std::num::NonZeroU64>,
                { self.limit = value.try_into().map(Some).map_err(|_| "conversion failed".to_string()); self }
                pub fn id<V>(mut self, value: V) -> Self
                where V: std::convert::TryInto<::std::string::String>,
                { self.id = value.try_into().map_err(|_| "conversion failed".to_string()); self }
                pub async fn send(self) -> Result<(), Error<()>> {
                    let Self { client, id, limit, body } = self;
                    let id = id.map_err(Error::InvalidRequest)?;
                    let limit = limit.map_err(Error::InvalidRequest)?;
                    let body = body.and_then(|v| Thing::try_from(v).map_err(|e| e.to_string())).map_err(Error::InvalidRequest)?;
                    Ok(())
                }
            }
        }});
        operation_builders(&mut code);
        let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
        assert!(
            text.contains("V:crate::Optional<::std::num::NonZeroU64>"),
            "{text}"
        );
        assert!(
            text.contains("V:std::convert::TryInto<::std::string::String>"),
            "required: as it was"
        );
        assert!(
            text.contains("[id.as_ref().err(),limit.as_ref().err(),body.as_ref().err(),]"),
            "{text}"
        );
        assert!(text.contains("letbody=body.and_then("), "{text}");
        assert!(
            text.contains("letbody=body.map_err(Error::InvalidRequest)?;"),
            "{text}"
        );
    }

    #[test]
    fn send_returns_the_crates_error_converting_every_exit() {
        let mut code = file(quote::quote! { pub mod builder {
            impl<'a> GetThing<'a> {
                ///Sends a `GET` request to `/things/{id}`
                pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<types::Error>> {
                    let Self { client, id } = self;
                    let id = id.map_err(Error::InvalidRequest)?;
                    if id.is_empty() {
                        return Err(Error::InvalidRequest("empty".into()));
                    }
                    let info = OperationInfo { operation_id: "get_thing" };
                    let response = client.exec(request, &info).await?;
                    let check = |x: u8| -> Result<u8, ()> { Ok(x?) };
                    match response.status().as_u16() {
                        200u16 => crate::hooks::json(client, response, "get_thing").await,
                        201u16 => ResponseValue::stream(response),
                        204u16 => Ok(crate::hooks::empty(response)),
                        400u16..=499u16 => Err(Error::ErrorResponse(crate::hooks::json(client, response, "get_thing").await?)),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
            impl<'a> Odd<'a> {
                pub fn send(self) -> u8 { 0 }
            }
        }});
        operation_builders(&mut code);
        let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
        for expected in [
            "pubasyncfnsend(self,)->::std::result::Result<ResponseValue<types::Thing>,crate::Error>",
            // The conversion, declared once.
            "let__call=crate::hooks::Call::new(client,\"get_thing\");\
             let__fail=|e:Error<types::Error>|__call.error(e);",
            // Every `?` and `return`.
            "letid=id.map_err(Error::InvalidRequest).map_err(<Error<types::Error>>::from).map_err(__fail)?;",
            "returnErr(__fail(Error::InvalidRequest(\"empty\".into())));",
            "client.exec(request,&info).await.map_err(<Error<types::Error>>::from).map_err(__fail)?;",
            // A closure's `?` is its own.
            "Ok(x?)",
            // A JSON success is decoded where `send` returns it.
            "200u16=>{crate::hooks::decode(crate::hooks::body(client,response).await.map_err(<Error<types::Error>>::from).map_err(__fail)?,\"get_thing\",).map_err(__fail)}",
            // An arm of a shape it does not know: its result converted.
            "201u16=>ResponseValue::stream(response).map_err(__fail)",
            "204u16=>Ok(crate::hooks::empty(response))",
            // An error's body: boxed, then converted.
            "Err(__fail(Error::ErrorResponse(::std::boxed::Box::pin(",
            "crate::hooks::json(client,response,\"get_thing\"),).await.map_err(<Error<types::Error>>::from).map_err(__fail)?",
            "_=>Err(__fail(Error::UnexpectedResponse(response)))",
            // A `send` of another shape: as it was.
            "pubfnsend(self)->u8",
        ] {
            assert!(text.contains(expected), "{expected}\nin\n{text}");
        }
        assert!(!text.contains("send_progenitor"), "{text}");
    }

    #[test]
    fn a_request_that_only_borrows_its_parameters_is_built_again_for_a_retry() {
        let send = |name: proc_macro2::TokenStream, body: proc_macro2::TokenStream| {
            quote::quote! {
                impl<'a> #name<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<types::Error>> {
                        let Self { client, id, limit, trace, body } = self;
                        let id = id.map_err(Error::InvalidRequest)?;
                        let limit = limit.map_err(Error::InvalidRequest)?;
                        let trace = trace.map_err(Error::InvalidRequest)?;
                        let body = body.map_err(Error::InvalidRequest)?;
                        let url = format!("{}/things/{}", client.baseurl, crate::hooks::PathSegment(&id));
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                        if let Some(value) = trace {
                            header_map.append("x-trace", value.to_string().try_into()?);
                        }
                        #[allow(unused_mut)]
                        let mut request = client.client.put(url)#body
                            .query(&progenitor_client::QueryParam::new("limit", &limit))
                            .headers(header_map)
                            .build()?;
                        let info = OperationInfo { operation_id: "put_thing" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        client.post(&result, &info).await?;
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => crate::hooks::json(client, response, "put_thing").await,
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        let json = send(quote::quote!(PutThing), quote::quote!(.json(&body)));
        let binary = send(quote::quote!(Upload), quote::quote!(.body(body)));
        let mut code = file(quote::quote! { pub mod builder { #json #binary } });
        operation_builders(&mut code);
        let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
        let (put, upload) = text.split_once("impl<'a>Upload<'a>").unwrap();
        for expected in [
            // Parameters by reference: the closure can run again.
            "let__build=||->::std::result::Result<::reqwest::Request,crate::Error>{\
             letbody=&body;letid=&id;letlimit=&limit;lettrace=&trace;\
             leturl=format!(",
            "ifletSome(value)=trace{",
            ".build().map_err(<Error<types::Error>>::from).map_err(__fail)?;\
             crate::hooks::prepare(client,&mutrequest);Ok(request)};\
             letrequest=__build()?;letinfo=OperationInfo{operation_id:\"put_thing\",};\
             letresult=crate::hooks::exec_rebuilding(&__call,request,&__build).await;\
             client.post(&result,&info)",
        ] {
            assert!(put.contains(expected), "{expected}\nin\n{put}");
        }
        assert!(
            !put.contains("client.pre(") && !put.contains("client.exec("),
            "{put}"
        );
        // A binary body moves its bytes into the request: sent as before,
        // its retries send a copy.
        assert!(!upload.contains("__build"), "{upload}");
        assert!(
            upload.contains("client.exec(request,&info).await;"),
            "{upload}"
        );
        assert!(upload.contains("client.pre(&mutrequest,&info)"), "{upload}");
    }

    #[test]
    fn list_bounds_are_checked_by_the_type_builders() {
        let spec = json!({"components": {"schemas": {"Thing": {"properties": {
            "tags": {"type": "array", "maxItems": 3},
            "ids": {"type": "array", "minItems": 1, "nullable": true},
            "name": {"type": "string", "maxItems": 3}
        }}}}});
        let mut code = file(quote::quote! { pub mod types {
            pub struct Thing {
                pub tags: ::std::vec::Vec<String>,
                pub ids: ::std::option::Option<::std::vec::Vec<String>>,
                pub name: String,
            }
            pub mod builder {
                impl ::std::convert::TryFrom<Thing> for super::Thing {
                    type Error = super::error::ConversionError;
                    fn try_from(value: Thing) -> ::std::result::Result<Self, super::error::ConversionError> {
                        Ok(Self { tags: value.tags?, ids: value.ids?, name: value.name? })
                    }
                }
            }
        }});
        let types = module_items_mut(&mut code, "types").unwrap();
        array_limits(&spec, types);
        let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
        assert!(
            text.contains("value.tags.as_ref().ok().map(|v|v.len())"),
            "{text}"
        );
        assert!(
            text.contains("len>3u64asusize") && text.contains("\"atmost3items\""),
            "{text}"
        );
        assert!(
            text.contains("len<1u64asusize") && text.contains("\"atleast1items\""),
            "{text}"
        );
        assert!(
            text.contains("value.ids.as_ref().ok().and_then(|v|v.as_ref()).map(|v|v.len())"),
            "{text}"
        );
        assert!(
            !text.contains("value.name.as_ref().ok()"),
            "not a list: {text}"
        );
    }

    #[test]
    fn clients_are_built_by_the_builder_only() {
        let mut code = file(quote::quote! {
            impl Client {
                pub fn new(baseurl: &str, inner: crate::Policy) -> Self { todo!() }
                pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::Policy) -> Self { todo!() }
                pub fn baseurl(&self) -> &String { todo!() }
            }
            impl<'a> GetRun<'a> { pub fn new(client: &'a super::Client) -> Self { todo!() } }
        });
        constructors_private(&mut code);
        let text = prettyplease::unparse(&code);
        assert!(!text.contains("pub fn new(baseurl"), "{text}");
        assert!(text.contains("pub(crate) fn new_with_client"), "{text}");
        assert!(
            text.contains("pub fn baseurl") && text.contains("pub fn new(client"),
            "{text}"
        );
    }

    #[test]
    fn progenitors_error_is_imported_privately_and_the_rest_stays_public() {
        let mut code = file(quote::quote! {
            pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
            use progenitor_client::{encode_path, ClientHooks};
            pub mod builder { use super::Error; }
        });
        progenitor_error_private(&mut code);
        let text = prettyplease::unparse(&code);
        assert!(
            text.contains("pub use progenitor_client::{ByteStream, ClientInfo, ResponseValue};")
                && text.contains("\nuse progenitor_client::Error;"),
            "{text}"
        );
        // Without such a re-export, nothing changes.
        let before = prettyplease::unparse(&code);
        progenitor_error_private(&mut code);
        assert_eq!(prettyplease::unparse(&code), before);
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
        let pairs = read_modify_write_pairs(&spec);
        let found: Vec<_> = pairs
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

    #[test]
    fn unknown_members_are_no_required_field_of_a_builder() {
        let mut code = file(quote::quote! { pub mod types {
            pub struct Thing {
                pub name: String,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            }
            pub mod builder {
                impl ::std::default::Default for Thing {
                    fn default() -> Self {
                        Self {
                            name: Err("no value supplied for name".to_string()),
                            extra: Err("no value supplied for extra".to_string()),
                        }
                    }
                }
            }
        }});
        let types = module_items_mut(&mut code, "types").unwrap();
        unknown_members_default_to_empty(types);
        let text = prettyplease::unparse(&code);
        assert!(text.contains("extra: Ok(Default::default())"), "{text}");
        assert!(text.contains("name: Err("), "{text}");
    }

    #[test]
    fn lean_send_leaves_a_shape_it_does_not_know_as_progenitor_wrote_it() {
        let send = |extra: proc_macro2::TokenStream| {
            file(quote::quote! {
                impl Send {
                    pub async fn send(self) {
                        let Self { _client, client } = self;
                        let info = OperationInfo { operation_id: "get_thing" };
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                        header_map.append(
                            ::reqwest::header::HeaderName::from_static("api-version"),
                            ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                        );
                        #extra
                        let request = client.get(url).headers(header_map).build()?;
                        ResponseValue::from_response(response).await
                    }
                }
            })
        };
        // A header parameter: the map is kept, the decode is still leaner.
        let mut code = send(
            quote::quote! { if let Some(v) = id { header_map.append("x-request-id", v.to_string().try_into()?); } },
        );
        lean_send(&mut code);
        let text = prettyplease::unparse(&code);
        assert!(
            text.contains(".headers(header_map)")
                && text.contains("crate::hooks::json(_client, response, \"get_thing\")"),
            "{text}"
        );
        // api-version alone: set on the request builder.
        let mut code = send(quote::quote! {});
        lean_send(&mut code);
        let text = prettyplease::unparse(&code);
        assert!(!text.contains("header_map"), "{text}");
        assert!(text.contains(".header(\n"), "{text}");
    }

    #[test]
    fn every_path_parameter_is_checked_and_encoded_whatever_the_send_around_it() {
        let mut code = file(quote::quote! {
            impl Odd {
                pub async fn send(self) {
                    let info = OperationInfo { operation_id: "get_thing" };
                    let url = format!(
                        "{}/things/{}/parts/{}",
                        client.baseurl,
                        encode_path(&id.to_string()),
                        encode_path(&part_id.to_string()),
                    );
                }
            }
        });
        lean_send(&mut code);
        let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
        for parameter in ["id", "part_id"] {
            let expected = format!(
                "crate::hooks::PathSegment::checked(&{parameter},\"{parameter}\",\"get_thing\")?"
            );
            assert!(text.contains(&expected), "{expected}\nin\n{text}");
        }
        assert!(!text.contains("encode_path"), "{text}");
    }

    #[test]
    fn deprecated_operations_and_fields_are_marked_where_the_spec_says() {
        let spec = json!({
            "paths": {"/old": {"get": {"operationId": "getOld", "deprecated": true}}},
            "components": {"schemas": {
                "Base": {"type": "object", "properties": {"task_id": {"type": "string", "deprecated": true, "description": "Use run_id."}}},
                "Run": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"old": {"deprecated": true}}}]}
            }}
        });
        let mut code = file(quote::quote! {
            impl Client { pub fn get_old(&self) {} }
            pub mod types {
                pub struct Base { pub task_id: Option<String> }
                pub struct Run { pub task_id: Option<String>, #[serde(rename = "old")] pub old_: Option<String> }
            }
        });
        patch(&spec, &mut code).unwrap();
        let text = prettyplease::unparse(&code);
        assert!(text.contains("#[deprecated(note = \"`GET /old` is deprecated in the Oz API spec\")]\n    pub fn get_old"), "{text}");
        assert_eq!(
            text.matches("#[deprecated(note = \"Use run_id.\")]")
                .count(),
            2,
            "{text}"
        );
        assert!(
            text.contains(
                "#[deprecated(note = \"`old` is deprecated in the Oz API spec\")]\n        pub old_"
            ),
            "{text}"
        );
        assert_eq!(text.matches("#[non_exhaustive]").count(), 2, "{text}");

        // The method is gone from progenitor's output: a generator error.
        let mut code = file(quote::quote! { impl Client {} pub mod types {} });
        let e = patch(&spec, &mut code).unwrap_err();
        assert_eq!(
            e.location,
            Location::Generator {
                step: "deprecated_operations"
            }
        );
    }

    #[test]
    fn tag_values_come_from_the_mapping_then_the_tag_constant_then_the_schema_name() {
        let spec = json!({"components": {"schemas": {
            "Shape": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Circle"},
                    {"$ref": "#/components/schemas/Square"},
                    {"$ref": "#/components/schemas/Blob"}
                ],
                "discriminator": {"propertyName": "kind", "mapping": {"round": "#/components/schemas/Circle"}}
            },
            "Circle": {"properties": {"kind": {"enum": ["circle"]}}},
            "Square": {"properties": {"kind": {"enum": ["square"]}}},
            "Blob": {"properties": {"kind": {"type": "string"}}}
        }}});
        let values = tag_values(&spec, &spec["components"]["schemas"]["Shape"], "kind");
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|(v, s)| (v.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("round", "Circle"), ("square", "Square"), ("Blob", "Blob")]
        );

        let mut code = file(quote::quote! { pub mod types {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(untagged)]
            pub enum Shape { Circle(Circle), Square(Square), Blob(Blob) }
        } });
        patch(&spec, &mut code).unwrap();
        let text = prettyplease::unparse(&code);
        assert!(
            text.contains("#[derive(::serde::Serialize, Clone, Debug)]"),
            "{text}"
        );
        for arm in ["Some(\"round\")", "Some(\"square\")", "Some(\"Blob\")"] {
            assert!(text.contains(arm), "{arm} in {text}");
        }
        assert!(
            text.contains("_ => ::std::result::Result::Ok(Self::Unknown(value))"),
            "{text}"
        );
    }
}
