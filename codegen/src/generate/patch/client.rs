//! Passes over `Client`: built by `ClientBuilder` only, each operation's
//! method and path template (`operation_template`), progenitor's `Error`
//! kept out of the public API.

use super::*;

/// progenitor re-exports its `Error` from the generated module, which the
/// crate root re-exports whole: the docs would list two `Error`s, progenitor's
/// and the crate's own. It becomes a private import, which the generated code
/// (and its submodules' `use super::…`) still reaches. Never fails: no such
/// re-export, nothing to do.
pub(super) fn progenitor_error_private(code: &mut syn::File) {
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

/// `crate::operation_template("get_run")` is `("GET", "/agent/runs/{runId}")`:
/// the hand-written layer names calls by template in traces and errors made
/// before a request exists (progenitor's `OperationInfo` has only the id).
pub(super) fn operation_templates(api: &Api, code: &mut syn::File) {
    let arms = api.operations.iter().map(|op| {
        let id = &op.method_name;
        let method = op.method.to_uppercase();
        let path = &op.path;
        quote::quote! { #id => (#method, #path), }
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
pub(super) fn constructors_private(code: &mut syn::File) {
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn clients_are_built_by_the_builder_only() {
        let code = file(quote::quote! {
            impl Client {
                pub fn new(baseurl: &str, inner: crate::Policy) -> Self { todo!() }
                pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::Policy) -> Self { todo!() }
                pub fn baseurl(&self) -> &String { todo!() }
            }
            impl<'a> GetRun<'a> { pub fn new(client: &'a super::Client) -> Self { todo!() } }
        });
        let text = patched_however_printed(code, constructors_private);
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
}
