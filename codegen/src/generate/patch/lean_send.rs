//! Leaner `send` methods: the same requests and responses with less work per
//! call (measured in BENCHMARKS.md). Never fails: a shape it does not know
//! stays as progenitor wrote it.

use super::*;

/// Optimisation (never fails). Two things progenitor's `send` methods do on
/// every call that the request and the response do not need:
/// - a header map holding only `api-version`, allocated and then merged into
///   the request: the header is set on the request builder instead;
/// - `ResponseValue::from_response` / `ResponseValue::empty` copy the
///   response's headers: oz-api's `hooks::json` / `hooks::empty` take them;
/// - `encode_path(&p.to_string())` copies each path parameter twice:
///   `hooks::PathSegment(&p)` writes it encoded into the URL (the same text),
///   `hooks::PathText` for a parameter the builder holds as a `String` (its
///   bytes checked and encoded, not formatted through `Display` twice);
/// - `HeaderName::from_static("…")` / `HeaderValue::from_static("…")` check
///   their text on every call: `const { … }` checks it once, when compiling.
///
/// A method whose header map holds more (header parameters), or whose shape
/// is new, keeps progenitor's code; the surface snapshot says which.
pub(super) fn lean_send(code: &mut syn::File) {
    LeanSend::default().visit_file_mut(code);
}

pub(super) type Args = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;

#[derive(Default)]
pub(super) struct LeanSend {
    /// Per operation builder, its parameters held as `String`s (a field
    /// `Result<::std::string::String, _>`): their path segments are written
    /// by `hooks::PathText`.
    text_fields: std::collections::BTreeMap<String, BTreeSet<String>>,
    /// [`Self::text_fields`] of the builder whose impl is being visited.
    text_parameters: BTreeSet<String>,
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
pub(super) fn client_binding(stmt: &syn::Stmt) -> Option<syn::Ident> {
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
pub(super) fn operation_info(stmt: &syn::Stmt) -> Option<syn::LitStr> {
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
pub(super) fn api_version_only_map(block: &syn::Block) -> Option<(usize, Args)> {
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

/// The fields of `item` typed `Result<::std::string::String, _>`.
pub(super) fn text_fields(item: &syn::ItemStruct) -> BTreeSet<String> {
    item.fields
        .iter()
        .filter(|field| {
            is_type(&field.ty, "Result")
                && generic_arguments(&field.ty)
                    .first()
                    .is_some_and(|ty| is_type_path(ty, &["std", "string", "String"]))
        })
        .filter_map(|field| Some(field.ident.as_ref()?.to_string()))
        .collect()
}

impl VisitMut for LeanSend {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.text_fields
            .insert(item.ident.to_string(), text_fields(item));
    }

    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        let fields = match (&block.trait_, &*block.self_ty) {
            (None, syn::Type::Path(ty)) => ty
                .path
                .segments
                .last()
                .and_then(|name| self.text_fields.get(&name.ident.to_string()))
                .cloned(),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.text_parameters, fields.unwrap_or_default());
        visit_mut::visit_item_impl_mut(self, block);
        self.text_parameters = outer;
    }

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
                        // A `String` is checked and encoded as text, without
                        // going through `Display` twice.
                        let segment = if self.text_parameters.contains(&parameter) {
                            hook("PathText")
                        } else {
                            hook("PathSegment")
                        };
                        *expr = parse_quote!(
                            #segment::checked(&#value, #parameter, #operation)?
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
                        {
                            let json = hook("json");
                            parse_quote!(#json)
                        }
                    }
                    [.., ty, f] if ty == "ResponseValue" && f == "empty" => {
                        let empty = hook("empty");
                        parse_quote!(#empty)
                    }
                    _ => return,
                };
                *call.func = replacement;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

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
        let code = send(
            quote::quote! { if let Some(v) = id { header_map.append("x-request-id", v.to_string().try_into()?); } },
        );
        let text = patched_however_printed(code, lean_send);
        assert!(
            text.contains(".headers(header_map)")
                && text.contains("crate::hooks::json(_client, response, \"get_thing\")"),
            "{text}"
        );
        // api-version alone: set on the request builder.
        let code = send(quote::quote! {});
        let text = patched_however_printed(code, lean_send);
        assert!(!text.contains("header_map"), "{text}");
        assert!(text.contains(".header(\n"), "{text}");
    }

    #[test]
    fn every_path_parameter_is_checked_and_encoded_whatever_the_send_around_it() {
        let code = file(quote::quote! {
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
        let text = patched_however_printed(code, lean_send).replace(char::is_whitespace, "");
        for parameter in ["id", "part_id"] {
            let expected = format!(
                "crate::hooks::PathSegment::checked(&{parameter},\"{parameter}\",\"get_thing\")?"
            );
            assert!(text.contains(&expected), "{expected}\nin\n{text}");
        }
        assert!(!text.contains("encode_path"), "{text}");
    }
}
