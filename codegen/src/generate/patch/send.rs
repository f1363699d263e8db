//! `send` returns `crate::Error` and builds its request again for a retry
//! (an optimisation: a shape it does not know stays as progenitor wrote it).
//! Needs `lean_send` before it.

use super::*;

/// progenitor's `send` returns `Result<T, progenitor_client::Error<E>>`; it
/// is rewritten in place to return `Result<T, crate::Error>` (the request's
/// method, path, status and problem in one error type): every `?` and
/// `return` converts its error, a JSON success is read by `crate::hooks::body`
/// and decoded by `crate::hooks::decode`, which returns `crate::Error` (so the value is made where `send`
/// returns it, and not moved out of one more future), any other arm converts
/// its result. Returns `false` (and leaves `send` as it is) for a shape it
/// does not know.
pub(super) fn direct_send(send: &mut syn::ImplItemFn) -> bool {
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
    // progenitor's `let response = result?;`: made `mut`, so that a JSON
    // success's body is read from it in place (`hooks::body(client, &mut
    // response)`), the response staying in `send` for a decode error's URL.
    let response: syn::Ident = parse_quote!(response);
    fn binds_response(stmt: &mut syn::Stmt) -> Option<&mut Option<syn::Token![mut]>> {
        match stmt {
            syn::Stmt::Local(local) => match &mut local.pat {
                syn::Pat::Ident(p) if p.ident == "response" && p.by_ref.is_none() => {
                    Some(&mut p.mutability)
                }
                _ => None,
            },
            _ => None,
        }
    }
    let mutable_response = send
        .block
        .stmts
        .iter_mut()
        .find_map(binds_response)
        .map(|_| response.clone());
    let mut direct = DirectSend {
        error: error.clone(),
        mutable_response,
        reads_in_place: false,
    };
    if let Some(syn::Stmt::Expr(tail, None)) = send.block.stmts.last_mut() {
        direct.tail(tail);
    }
    for stmt in &mut send.block.stmts {
        direct.visit_stmt_mut(stmt);
    }
    if direct.reads_in_place
        && let Some(mutability) = send.block.stmts.iter_mut().find_map(binds_response)
    {
        *mutability = Some(Default::default());
    }
    let call = hook("Call");
    let call: syn::Stmt = parse_quote!(let __call = #call::new(client, #operation););
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
/// `client.pre(..)`, `let result = client.exec(request, &info).await`
/// (which becomes `answered(&__call, exec_rebuilding(..).await)`, and with
/// `client.post(..)` and `let response = result?` after it, one `let response`:
/// [`answered_response`]).
/// Anything else (a binary body, which moves its bytes) stays as it is: its
/// retries send a copy made before the first attempt.
pub(super) fn rebuilt_for_retries(block: &mut syn::Block) {
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
    let (prepare, exec, answered) = (hook("prepare"), hook("exec_rebuilding"), hook("answered"));
    let build: syn::Stmt = parse_quote! {
        let __build = || -> ::std::result::Result<::reqwest::Request, crate::Error> {
            #(let #borrowed = &#borrowed;)*
            #(#built)*
            #prepare(client, &mut #request);
            Ok(#request)
        };
    };
    let first: syn::Stmt = parse_quote!(let #request = __build()?;);
    block.stmts.splice(url_at..url_at, [build, first]);
    // `info` is now at `url_at + 2`; `pre` (in `__build`) and `exec` follow.
    block.stmts.remove(url_at + 3);
    let answer: syn::Expr =
        parse_quote!(#answered(&__call, #exec(&__call, #request, &__build).await));
    match answered_response(&block.stmts[url_at + 4..], &answer) {
        // `info`, `result`, `post` and `response` become one `let response`.
        Some(response) => {
            block.stmts.splice(url_at + 2..url_at + 5, []);
            block.stmts[url_at + 2] = response;
        }
        None => block.stmts[url_at + 3] = parse_quote!(let result = #answer;),
    }
}

/// `stmts` (after `let result = client.exec(..).await;`) start with
/// `client.post(&result, &info).await` (its error handled) then
/// `let response = <result, its error handled>;`, and name neither `result`
/// nor `info` again: that `let response` with `answer` for `result`. oz-api's
/// `post` is progenitor's default, which does nothing (`hooks.rs`): a `send`
/// without it has one `await` fewer, and the response is not moved through
/// `result` first.
pub(super) fn answered_response(stmts: &[syn::Stmt], answer: &syn::Expr) -> Option<syn::Stmt> {
    let post: syn::Expr = parse_quote!(client.post(&result, &info).await);
    let result: syn::Expr = parse_quote!(result);
    let [
        syn::Stmt::Expr(syn::Expr::Match(posted), Some(_)),
        response,
        rest @ ..,
    ] = stmts
    else {
        return None;
    };
    if !is_converted_try(posted) || *posted.expr != post {
        return None;
    }
    let (name, syn::Expr::Match(taken)) = let_binding(response)? else {
        return None;
    };
    if name != "response" || !is_converted_try(taken) || *taken.expr != result {
        return None;
    }
    if rest
        .iter()
        .any(|stmt| names_variable(stmt, "result") || names_variable(stmt, "info"))
    {
        return None;
    }
    let mut response = response.clone();
    if let syn::Stmt::Local(local) = &mut response
        && let Some(init) = &mut local.init
        && let syn::Expr::Match(taken) = &mut *init.expr
    {
        *taken.expr = answer.clone();
    }
    Some(response)
}

/// Whether `pat` is status literals and ranges only (`200u16`,
/// `400u16..=499u16`, either of them): no guard, nothing bound.
fn statuses_only(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Lit(_) | syn::Pat::Range(_) => true,
        syn::Pat::Or(or) => or.cases.iter().all(statuses_only),
        _ => false,
    }
}

/// Whether `stmt` reads the variable `name` (a path of that one name, in an
/// expression or a macro's tokens; `::std::result::Result` is not `result`).
fn names_variable(stmt: &syn::Stmt, name: &str) -> bool {
    struct Finds<'a> {
        name: &'a str,
        found: bool,
    }
    impl VisitMut for Finds<'_> {
        fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
            self.found |= path.qself.is_none() && path.path.is_ident(self.name);
        }
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            self.found |= mentions(mac.tokens.clone(), self.name) > 0;
        }
    }
    let mut finds = Finds { name, found: false };
    finds.visit_stmt_mut(&mut stmt.clone());
    finds.found
}

/// The arms of `send`'s last `match` (on the status) that are next to each
/// other and do the same (`4XX` and `5XX` both decoding the problem body)
/// become one arm with both patterns: the same code once, one `await` fewer.
/// Only neighbours, and only patterns of statuses (no guard, nothing bound),
/// so no value is matched differently.
pub(super) fn merged_status_arms(block: &mut syn::Block) {
    let Some(syn::Stmt::Expr(syn::Expr::Match(status), None)) = block.stmts.last_mut() else {
        return;
    };
    let arms = std::mem::take(&mut status.arms);
    for arm in arms {
        if let Some(previous) = status.arms.last_mut()
            && statuses_only(&previous.pat)
            && statuses_only(&arm.pat)
            && previous.body == arm.body
        {
            let mut cases = syn::punctuated::Punctuated::<syn::Pat, syn::Token![|]>::new();
            for pat in [previous.pat.clone(), arm.pat] {
                match pat {
                    syn::Pat::Or(or) => cases.extend(or.cases),
                    pat => cases.push(pat),
                }
            }
            previous.pat = syn::Pat::Or(syn::PatOr {
                attrs: Vec::new(),
                leading_vert: None,
                cases,
            });
            continue;
        }
        status.arms.push(arm);
    }
}

/// Whether `expr` is `client.client.<method>(url)` followed only by request
/// builder methods that borrow what they are given (and their error handling).
pub(super) fn borrowing_request_chain(expr: &syn::Expr) -> bool {
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
        syn::Expr::Match(m) if is_converted_try(m) => borrowing_request_chain(&m.expr),
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
pub(super) fn bound_names(pat: &syn::Pat, names: &mut Vec<syn::Ident>) {
    match pat {
        syn::Pat::Ident(p) => names.push(p.ident.clone()),
        syn::Pat::Type(t) => bound_names(&t.pat, names),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| bound_names(&f.pat, names)),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| bound_names(p, names)),
        _ => {}
    }
}

/// The rewrites of [`direct_send`], inside one `send`'s body.
pub(super) struct DirectSend {
    /// progenitor's `Error<E>`.
    error: syn::Type,
    /// The `send`'s `let response` (see [`direct_send`]), if it has one.
    mutable_response: Option<syn::Ident>,
    /// Whether a success reads its body from it in place (it becomes `mut`).
    reads_in_place: bool,
}

impl DirectSend {
    /// An arm's (or the body's) value: `Result<T, progenitor's Error>` made
    /// `Result<T, crate::Error>`.
    fn tail(&mut self, expr: &mut syn::Expr) {
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
            _ => match json_success(expr).and_then(bare_name) {
                Some(response) if self.mutable_response.as_ref() == Some(response) => {
                    let (decode, body) = (hook("decode"), hook("body"));
                    let response = response.clone();
                    self.reads_in_place = true;
                    *expr = parse_quote!(#decode(
                        #body(client, &mut #response).await?,
                        &#response,
                        &__call,
                    ));
                }
                _ => map_err(expr, parse_quote!(__fail)),
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
            // `match x { Ok(v) => v, Err(e) => return Err(__fail(<Error<E>>::from(e))) }`
            // (the error's type may still be inferred later, as `?` allowed:
            // `value.to_string().try_into()?` of header parameters). A
            // `match`, not `x.map_err(..).map_err(__fail)?`, so a large value
            // is not moved through each `map_err`'s result.
            syn::Expr::Try(tried) => {
                self.visit_expr_mut(&mut tried.expr);
                let error = &self.error;
                let tried =
                    std::mem::replace(&mut *tried.expr, syn::Expr::Verbatim(Default::default()));
                *expr = parse_quote! {
                    match #tried {
                        ::std::result::Result::Ok(__v) => __v,
                        ::std::result::Result::Err(__e) => {
                            return ::std::result::Result::Err(__fail(<#error>::from(__e)))
                        }
                    }
                };
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
pub(super) fn map_err(expr: &mut syn::Expr, f: syn::Expr) {
    let mut call: syn::ExprMethodCall = parse_quote!(x.map_err(#f));
    call.receiver = Box::new(std::mem::replace(
        expr,
        syn::Expr::Verbatim(Default::default()),
    ));
    *expr = syn::Expr::MethodCall(call);
}

/// `response` of `crate::hooks::json(client, response, "op").await` (a JSON
/// success, as `lean_send` wrote it).
pub(super) fn json_success(expr: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Await(awaited) = expr else {
        return None;
    };
    let syn::Expr::Call(call) = &*awaited.base else {
        return None;
    };
    json_call(&awaited.base).then(|| &call.args[1])
}

/// Whether `expr` is `crate::hooks::json(client, response, "op")`.
pub(super) fn json_call(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Call(call)
        if matches!(&*call.func, syn::Expr::Path(p) if is_hook(&p.path, "json")) && call.args.len() == 3)
}

/// Whether `expr` is a path ending in `names`.
pub(super) fn path_ends(expr: &syn::Expr, names: &[&str]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn send_returns_the_crates_error_converting_every_exit() {
        let code = file(quote::quote! { pub mod builder {
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
        let text =
            patched_however_printed(code, operation_builders).replace(char::is_whitespace, "");
        for expected in [
            "pubasyncfnsend(self,)->::std::result::Result<ResponseValue<types::Thing>,crate::Error>",
            // The conversion, declared once.
            "let__call=crate::hooks::Call::new(client,\"get_thing\");\
             let__fail=|e:Error<types::Error>|__call.error(e);",
            // Every `?` (a `match` returning the converted error) and `return`.
            "letid=matchid.map_err(Error::InvalidRequest){::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}};",
            "returnErr(__fail(Error::InvalidRequest(\"empty\".into())));",
            "client.exec(request,&info).await{::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}};",
            // A closure's `?` is its own.
            "Ok(x?)",
            // A JSON success is decoded where `send` returns it, its body read
            // from the response in place (which `send` keeps, for a decode error).
            "letmutresponse=matchclient.exec(request,&info).await{",
            "200u16=>{crate::hooks::decode(matchcrate::hooks::body(client,&mutresponse).await{::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}},&response,&__call,)}",
            // An arm of a shape it does not know: its result converted.
            "201u16=>ResponseValue::stream(response).map_err(__fail)",
            "204u16=>Ok(crate::hooks::empty(response))",
            // An error's body: boxed, then converted.
            "Err(__fail(Error::ErrorResponse(match::std::boxed::Box::pin(",
            "crate::hooks::json(client,response,\"get_thing\"),).await{::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}}",
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
        let code = file(quote::quote! { pub mod builder { #json #binary } });
        let text =
            patched_however_printed(code, operation_builders).replace(char::is_whitespace, "");
        let (put, upload) = text.split_once("impl<'a>Upload<'a>").unwrap();
        for expected in [
            // Parameters by reference: the closure can run again.
            "let__build=||->::std::result::Result<::reqwest::Request,crate::Error>{\
             letbody=&body;letid=&id;letlimit=&limit;lettrace=&trace;\
             leturl=format!(",
            "ifletSome(value)=trace{",
            ".build(){::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}};\
             crate::hooks::prepare(client,&mutrequest);Ok(request)};\
             letrequest=__build()?;\
             letmutresponse=matchcrate::hooks::answered(&__call,crate::hooks::exec_rebuilding(&__call,request,&__build).await,){\
             ::std::result::Result::Ok(__v)=>__v,",
        ] {
            assert!(put.contains(expected), "{expected}\nin\n{put}");
        }
        // `post` (progenitor's default: nothing) is not called, `info` not made.
        assert!(
            !put.contains("client.pre(")
                && !put.contains("client.exec(")
                && !put.contains("client.post(")
                && !put.contains("OperationInfo"),
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
}
