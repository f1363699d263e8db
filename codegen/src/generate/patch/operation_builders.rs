//! Passes over progenitor's operation builders: optional parameters take
//! plain values (`crate::Optional`), every parameter error reported at once,
//! `send` made direct ([`super::send`]), and parameter errors that allocate
//! nothing until one is made.

use super::*;

/// progenitor's operation builders: an optional parameter's setter takes
/// `V: crate::Optional<X>` (`.limit(100)`, `.cursor(None)`; a value out of
/// range says why: `limit: must be from 1 to …, got 0`), and `send` reports
/// every parameter in error at once. Never fails: other shapes stay as
/// progenitor wrote them.
pub(super) fn operation_builders(code: &mut syn::File) {
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
                    merged_status_arms(&mut f.block);
                }
            } else {
                optional_parameter_setter(f);
            }
        }
    }
    // After the setters and `send` are in their final shape.
    parameter_errors_without_allocation(builders);
}

/// `fn p<V>(mut self, value: V) -> Self where V: TryInto<X> { self.p =
/// value.try_into().map(Some).map_err(|_| ..); self }` takes `crate::Optional<X>`.
pub(super) fn optional_parameter_setter(setter: &mut syn::ImplItemFn) {
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
pub(super) fn every_parameter_error_at_once(block: &mut syn::Block) {
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

/// progenitor's operation builders hold each parameter as `Result<X, String>`
/// and start a required one as `Err("… was not initialized".to_string())`: an
/// allocation per required parameter on every call, freed unread. Optimisation
/// (never fails): the fields' error becomes a `Cow<'static, str>` (private
/// fields; the setters and `send` keep their signatures, and `{:?}` of a
/// builder prints the same), `new` borrows the text, a setter's own error is
/// `Cow::Owned`, and `send` turns each back into progenitor's `String` as it
/// starts. A builder whose struct, `new`, setters or `send` have a shape this
/// does not know stays as progenitor wrote it.
pub(super) fn parameter_errors_without_allocation(builders: &mut [Item]) {
    for at in 0..builders.len() {
        let Item::Struct(structure) = &builders[at] else {
            continue;
        };
        let name = structure.ident.clone();
        let Some(impl_at) = builders.iter().position(|item| {
            matches!(item, Item::Impl(block) if block.trait_.is_none()
                && matches!(&*block.self_ty, syn::Type::Path(ty)
                    if ty.path.segments.last().is_some_and(|s| s.ident == name)))
        }) else {
            continue;
        };
        let (Item::Struct(mut structure), Item::Impl(mut block)) =
            (builders[at].clone(), builders[impl_at].clone())
        else {
            continue;
        };
        let fields = cow_errors(&mut structure);
        if fields.is_empty() || !cow_error_methods(&mut block, &fields) {
            continue;
        }
        builders[at] = Item::Struct(structure);
        builders[impl_at] = Item::Impl(block);
    }
}

/// The fields `Result<X, String>` of an operation builder (a struct with a
/// `client` field) made `Result<X, Cow<'static, str>>`; their names.
fn cow_errors(structure: &mut syn::ItemStruct) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let has_client = structure
        .fields
        .iter()
        .any(|f| f.ident.as_ref().is_some_and(|i| i == "client"));
    if !has_client {
        return names;
    }
    for field in structure.fields.iter_mut() {
        let Some(name) = field.ident.as_ref().map(|i| i.to_string()) else {
            continue;
        };
        if !is_type(&field.ty, "Result") {
            continue;
        }
        let syn::Type::Path(path) = &mut field.ty else {
            continue;
        };
        let Some(syn::PathArguments::AngleBracketed(args)) =
            path.path.segments.last_mut().map(|s| &mut s.arguments)
        else {
            continue;
        };
        if args.args.len() != 2 {
            continue;
        }
        let Some(syn::GenericArgument::Type(error)) = args.args.iter_mut().nth(1) else {
            continue;
        };
        if !is_type_path(error, &["String"]) {
            continue;
        }
        *error = parse_quote!(::std::borrow::Cow<'static, str>);
        names.insert(name);
    }
    names
}

/// `new`, the setters and `send` of a builder whose `fields` now hold a
/// `Cow` error; `false` for a shape this does not know.
fn cow_error_methods(block: &mut syn::ItemImpl, fields: &BTreeSet<String>) -> bool {
    let mut saw_new = false;
    let mut saw_send = false;
    for member in &mut block.items {
        let syn::ImplItem::Fn(f) = member else {
            continue;
        };
        let done = if f.sig.ident == "new" {
            saw_new = true;
            cow_new(&mut f.block, fields)
        } else if f.sig.ident == "send" {
            saw_send = true;
            cow_send(&mut f.block, fields)
        } else {
            cow_setter(&mut f.block, fields)
        };
        if !done {
            return false;
        }
    }
    saw_new && saw_send
}

/// `Self { f: Err("…".to_string()), g: Ok(..), .. }`: the text borrowed.
fn cow_new(body: &mut syn::Block, fields: &BTreeSet<String>) -> bool {
    let [syn::Stmt::Expr(syn::Expr::Struct(value), None)] = &mut body.stmts[..] else {
        return false;
    };
    if !value.path.is_ident("Self") {
        return false;
    }
    let mut seen = 0;
    for field in value.fields.iter_mut() {
        let syn::Member::Named(name) = &field.member else {
            return false;
        };
        if !fields.contains(&name.to_string()) {
            continue;
        }
        seen += 1;
        let syn::Expr::Call(call) = &mut field.expr else {
            return false;
        };
        if path_ends(&call.func, &["Ok"]) {
            continue;
        }
        let [syn::Expr::MethodCall(to_string)] = &call.args.iter().collect::<Vec<_>>()[..] else {
            return false;
        };
        let literal = matches!(
            &*to_string.receiver,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(_),
                ..
            })
        );
        if !path_ends(&call.func, &["Err"]) || to_string.method != "to_string" || !literal {
            return false;
        }
        let text = to_string.receiver.clone();
        field.expr = parse_quote!(Err(::std::borrow::Cow::Borrowed(#text)));
    }
    seen == fields.len()
}

/// `let Self { client, f, .. } = self;` first: each `f` is turned back into
/// progenitor's `Result<X, String>` right after it.
fn cow_send(body: &mut syn::Block, fields: &BTreeSet<String>) -> bool {
    let Some(syn::Stmt::Local(local)) = body.stmts.first() else {
        return false;
    };
    let syn::Pat::Struct(pattern) = &local.pat else {
        return false;
    };
    let self_value: syn::Expr = parse_quote!(self);
    if !pattern.path.is_ident("Self")
        || local
            .init
            .as_ref()
            .is_none_or(|init| *init.expr != self_value || init.diverge.is_some())
    {
        return false;
    }
    let mut owned: Vec<syn::Stmt> = Vec::new();
    for field in &pattern.fields {
        let syn::Member::Named(name) = &field.member else {
            return false;
        };
        if !fields.contains(&name.to_string()) {
            continue;
        }
        let syn::Pat::Ident(binding) = &*field.pat else {
            return false;
        };
        let binding = &binding.ident;
        owned.push(parse_quote!(let #binding = #binding.map_err(::std::borrow::Cow::into_owned);));
    }
    if owned.len() != fields.len() {
        return false;
    }
    body.stmts.splice(1..1, owned);
    true
}

/// A setter: `self.f = <value>;` makes its error `Cow::Owned`;
/// `self.f = self.f.map(..);` keeps it; any other use of a field is a shape
/// this does not know.
fn cow_setter(body: &mut syn::Block, fields: &BTreeSet<String>) -> bool {
    for stmt in &mut body.stmts {
        let assigned = match stmt {
            syn::Stmt::Expr(syn::Expr::Assign(assign), Some(_)) => match &*assign.left {
                syn::Expr::Field(field)
                    if *field.base == parse_quote!(self)
                        && matches!(&field.member, syn::Member::Named(n) if fields.contains(&n.to_string())) =>
                {
                    Some(assign)
                }
                _ => None,
            },
            _ => None,
        };
        let Some(assign) = assigned else {
            if fields
                .iter()
                .any(|f| mentions(stmt.to_token_stream(), f) > 0)
            {
                return false;
            }
            continue;
        };
        let left = (*assign.left).clone();
        let keeps_its_error = matches!(&*assign.right, syn::Expr::MethodCall(call)
            if call.method == "map" && *call.receiver == left);
        if keeps_its_error {
            continue;
        }
        let mentioned = fields
            .iter()
            .any(|f| mentions(assign.right.to_token_stream(), f) > 0);
        if mentioned {
            return false;
        }
        // `.map_err(|e| <text>)`: the closure makes the `Cow` (a literal's
        // `to_string()` borrowed instead); any other value is wrapped.
        match &mut *assign.right {
            syn::Expr::MethodCall(call) if call.method == "map_err" && call.args.len() == 1 => {
                match &mut call.args[0] {
                    syn::Expr::Closure(closure) => {
                        // `|_| { x }` as `|_| x`: printed either way.
                        let mut body = &*closure.body;
                        while let syn::Expr::Block(block) = body
                            && block.label.is_none()
                            && let [syn::Stmt::Expr(tail, None)] = &block.block.stmts[..]
                        {
                            body = tail;
                        }
                        let made: syn::Expr = match body {
                            syn::Expr::MethodCall(to_string)
                                if to_string.method == "to_string"
                                    && to_string.args.is_empty()
                                    && matches!(
                                        &*to_string.receiver,
                                        syn::Expr::Lit(syn::ExprLit {
                                            lit: syn::Lit::Str(_),
                                            ..
                                        })
                                    ) =>
                            {
                                let text = &to_string.receiver;
                                parse_quote!(::std::borrow::Cow::Borrowed(#text))
                            }
                            _ => parse_quote!(::std::borrow::Cow::Owned(#body)),
                        };
                        *closure.body = made;
                    }
                    _ => map_err(&mut assign.right, parse_quote!(::std::borrow::Cow::Owned)),
                }
            }
            _ => map_err(&mut assign.right, parse_quote!(::std::borrow::Cow::Owned)),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn operation_builders_take_plain_values_and_report_every_parameter_at_once() {
        let code = file(quote::quote! { pub mod builder {
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
        let text =
            patched_however_printed(code, operation_builders).replace(char::is_whitespace, "");
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

    /// A builder's parameter errors become `Cow<'static, str>` (`new` allocates
    /// nothing); a builder that uses a field in a way the pass does not know
    /// stays as progenitor wrote it.
    #[test]
    fn parameter_errors_are_borrowed_text_unless_a_builder_is_of_another_shape() {
        let builder = |name: proc_macro2::TokenStream, setter: proc_macro2::TokenStream| {
            quote::quote! {
                pub struct #name<'a> {
                    client: &'a super::Client,
                    id: Result<::std::string::String, String>,
                }
                impl<'a> #name<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, id: Err("id was not initialized".to_string()) }
                    }
                    pub fn id<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<::std::string::String>,
                    {
                        #setter
                        self
                    }
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let Self { client, id } = self;
                        let id = id.map_err(Error::InvalidRequest)?;
                        Ok(())
                    }
                }
            }
        };
        let known = builder(
            quote::quote!(Known),
            quote::quote!(self.id = value.try_into().map_err(|_| { "bad id".to_string() });),
        );
        let other = builder(
            quote::quote!(Other),
            quote::quote!(self.id = value.try_into().map_err(|_| "bad id".to_string()); log(&self.id);),
        );
        let mut items: Vec<Item> = file(quote::quote! { #known #other }).items;
        let before = items.clone();
        parameter_errors_without_allocation(&mut items);
        let text = |items: &[Item]| {
            let mut code = file(quote::quote!());
            code.items = items.to_vec();
            prettyplease::unparse(&code).replace(char::is_whitespace, "")
        };
        let after = text(&items);
        let (known, other) = after.split_once("pubstructOther").unwrap();
        for expected in [
            "id:Result<::std::string::String,::std::borrow::Cow<'static,str>>",
            "id:Err(::std::borrow::Cow::Borrowed(\"idwasnotinitialized\"))",
            "map_err(|_|::std::borrow::Cow::Borrowed(\"badid\"))",
            "letSelf{client,id}=self;letid=id.map_err(::std::borrow::Cow::into_owned);",
        ] {
            assert!(known.contains(expected), "{expected}\nin\n{known}");
        }
        let other_before = text(&before);
        let other_before = other_before.split_once("pubstructOther").unwrap().1;
        assert_eq!(
            other, other_before,
            "a builder of another shape is left as it was"
        );
    }

    /// Neighbouring status arms that do the same become one; arms apart, or
    /// with a binding or guard, stay.
    #[test]
    fn neighbouring_status_arms_with_one_body_are_merged() {
        let mut block: syn::Block = parse_quote!({
            match response.status().as_u16() {
                200u16 => ok(),
                400u16..=499u16 => problem(response),
                500u16..=599u16 => problem(response),
                502u16 => other(),
                503u16 => problem(response),
                s if s > 600 => other(),
                _ => other(),
            }
        });
        merged_status_arms(&mut block);
        let expected: syn::Block = parse_quote!({
            match response.status().as_u16() {
                200u16 => ok(),
                400u16..=499u16 | 500u16..=599u16 => problem(response),
                502u16 => other(),
                503u16 => problem(response),
                s if s > 600 => other(),
                _ => other(),
            }
        });
        assert_eq!(block, expected);
    }
}
