//! Passes over progenitor's operation builders: optional parameters take
//! plain values (`crate::Optional`), every parameter error reported at once,
//! and `send` made direct ([`super::send`]).

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
                }
            } else {
                optional_parameter_setter(f);
            }
        }
    }
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
}
