//! Queries over the generated Rust code, shared by `patch` (which changes it)
//! and `surface` (which renders it for review).

use std::collections::BTreeMap;

use syn::{Attribute, Item};

/// The items of the top-level module `name` (`types`, `builder`, ...).
pub fn module_items<'a>(code: &'a syn::File, name: &str) -> Vec<&'a Item> {
    code.items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == name => m.content.as_ref(),
            _ => None,
        })
        .map(|(_, items)| items.iter().collect())
        .unwrap_or_default()
}

/// The items of the top-level module `name`, to change them.
pub fn module_items_mut<'a>(code: &'a mut syn::File, name: &str) -> Option<&'a mut Vec<Item>> {
    submodule_items_mut(&mut code.items, name)
}

/// The items of the module `name` among `items` (`builder` inside `types`), to change them.
pub fn submodule_items_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Names of the structs, enums and aliases in the generated `types` module.
pub fn type_names(code: &syn::File) -> Vec<String> {
    module_items(code, "types")
        .iter()
        .filter_map(|item| item_name(item))
        .collect()
}

/// The name a struct, enum or type alias defines.
pub fn item_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// The methods of the inherent `impl Client` blocks, by name.
pub fn client_methods(code: &syn::File) -> BTreeMap<String, &syn::ImplItemFn> {
    let mut out = BTreeMap::new();
    for item in &code.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || !is_type(&block.self_ty, "Client") {
            continue;
        }
        for member in &block.items {
            if let syn::ImplItem::Fn(f) = member {
                out.insert(f.sig.ident.to_string(), f);
            }
        }
    }
    out
}

/// The methods of the inherent impls of the type `ty` (by its last segment)
/// in the top-level module `module`.
pub fn methods_of<'a>(
    code: &'a syn::File,
    module: &str,
    ty: &'a str,
) -> impl Iterator<Item = &'a syn::ImplItemFn> + 'a {
    module_items(code, module)
        .into_iter()
        .filter_map(move |item| match item {
            Item::Impl(block) if block.trait_.is_none() && is_type(&block.self_ty, ty) => {
                Some(&block.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|member| match member {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        })
}

/// `T` of `send(self) -> Result<ResponseValue<T>, _>` on the operation
/// builder `builder`: the type the client decodes the success into.
pub fn success_type<'a>(code: &'a syn::File, builder: &'a str) -> Option<&'a syn::Type> {
    let send = methods_of(code, "builder", builder).find(|f| f.sig.ident == "send")?;
    let syn::ReturnType::Type(_, result) = &send.sig.output else {
        return None;
    };
    let value = *generic_arguments(result).first()?;
    is_type(value, "ResponseValue")
        .then(|| generic_arguments(value).first().copied())
        .flatten()
}

/// The argument types of a parenthesized trait bound among `ty`'s
/// (`impl FnOnce(A, B) -> R` -> `[A, B]`).
pub fn closure_arguments(ty: &syn::Type) -> Vec<&syn::Type> {
    let syn::Type::ImplTrait(bounds) = ty else {
        return Vec::new();
    };
    bounds
        .bounds
        .iter()
        .find_map(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => match &bound.path.segments.last()?.arguments {
                syn::PathArguments::Parenthesized(args) => {
                    Some(args.inputs.iter().map(|arg| &arg.ty).collect())
                }
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_default()
}

/// `name` as an identifier; `None` where `syn::Ident::new` would panic (a
/// keyword, an empty or invalid name), so a name from the spec never does.
pub fn ident(name: &str) -> Option<syn::Ident> {
    syn::parse_str(name).ok()
}

/// The name and value of `let name = value;` (`mut` and attributes allowed).
pub fn let_binding(stmt: &syn::Stmt) -> Option<(&syn::Ident, &syn::Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Pat::Ident(name) = &local.pat else {
        return None;
    };
    Some((&name.ident, &local.init.as_ref()?.expr))
}

/// The last path segment of a type (`types::RunItem` -> `RunItem`).
pub fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The type arguments of a path type (`X<A, B>` -> `[A, B]`).
pub fn generic_arguments(ty: &syn::Type) -> Vec<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return Vec::new();
    };
    let Some(syn::PathArguments::AngleBracketed(args)) =
        path.path.segments.last().map(|s| &s.arguments)
    else {
        return Vec::new();
    };
    args.args
        .iter()
        .filter_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect()
}

pub fn is_type(ty: &syn::Type, name: &str) -> bool {
    last_ident(ty).as_deref() == Some(name)
}

/// The trait an impl block implements, by its last segment (`From`, `Display`, ...).
pub fn impl_trait(block: &syn::ItemImpl) -> Option<String> {
    let (path, _) = block.trait_.as_ref()?;
    path.segments.last().map(|s| s.ident.to_string())
}

/// The first type argument of the trait an impl block implements
/// (`impl From<T> for U` -> `T`).
pub fn trait_type_argument(block: &syn::ItemImpl) -> Option<&syn::Type> {
    let (path, _) = block.trait_.as_ref()?;
    let syn::PathArguments::AngleBracketed(args) = &path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The JSON name of a field or variant: its `#[serde(rename)]`, else its identifier.
pub fn wire_name(attrs: &[Attribute], ident: Option<&syn::Ident>) -> Option<String> {
    serde_value(attrs, "rename")
        .or_else(|| ident.map(|i| i.to_string().trim_start_matches("r#").to_string()))
}

/// The string value of `#[serde(key = "...")]`, if present.
pub fn serde_value(attrs: &[Attribute], key: &str) -> Option<String> {
    serde_metas(attrs)
        .into_iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v)
}

/// Whether `#[serde(word)]` or `#[serde(word = ...)]` is present.
pub fn has_serde(attrs: &[Attribute], word: &str) -> bool {
    serde_metas(attrs).iter().any(|(k, _)| k == word)
}

/// Every `key` / `key = "value"` inside `#[serde(...)]` attributes, parsed, in order.
pub fn serde_metas(attrs: &[Attribute]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value = if meta.input.peek(syn::Token![=]) {
                match meta.value()?.parse::<syn::Expr>()? {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    // serde's values are string literals; anything else as tokens.
                    other => Some(quote::ToTokens::to_token_stream(&other).to_string()),
                }
            } else {
                None
            };
            out.push((key, value));
            Ok(())
        });
    }
    out
}

// Matching by structure. syn compares syntax trees, not their printed text:
// spacing, line breaks and spans do not matter, so a progenitor release that
// prints the same code differently matches the same.

/// `expr` without the error handling around it: trailing `?`s and
/// `.map_err(..)` calls (`client.pre(..).await.map_err(..)?` -> `client.pre(..).await`).
pub fn without_error_handling(mut expr: &syn::Expr) -> &syn::Expr {
    loop {
        expr = match expr {
            syn::Expr::Try(tried) => &tried.expr,
            syn::Expr::MethodCall(call) if call.method == "map_err" => &call.receiver,
            syn::Expr::Match(m) if is_converted_try(m) => &m.expr,
            _ => return expr,
        }
    }
}

/// Whether `m` is a `?` as codegen's `patch` writes it:
/// `match x { Ok(__v) => __v, Err(__e) => return Err(..) }`.
pub fn is_converted_try(m: &syn::ExprMatch) -> bool {
    let [ok, err] = &m.arms[..] else {
        return false;
    };
    let ok_arm: syn::Arm = syn::parse_quote!(::std::result::Result::Ok(__v) => __v,);
    ok.pat == ok_arm.pat
        && ok.body == ok_arm.body
        && matches!(&err.pat, syn::Pat::TupleStruct(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err"))
        && matches!(&*err.body, syn::Expr::Block(b) if matches!(&b.block.stmts[..], [syn::Stmt::Expr(syn::Expr::Return(_), _)]))
}

/// The expression of an expression statement (`x;` or a block's tail `x`).
pub fn stmt_expr(stmt: &syn::Stmt) -> Option<&syn::Expr> {
    match stmt {
        syn::Stmt::Expr(expr, _) => Some(expr),
        _ => None,
    }
}

/// How many times `tokens` name the identifier `ident`, groups included.
pub fn mentions(tokens: proc_macro2::TokenStream, ident: &str) -> usize {
    tokens
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Ident(i) => usize::from(i == ident),
            proc_macro2::TokenTree::Group(g) => mentions(g.stream(), ident),
            _ => 0,
        })
        .sum()
}

/// Whether `tokens` contain the path `a::b::..` (`ResponseValue::from_response`),
/// groups included.
pub fn mentions_path(tokens: proc_macro2::TokenStream, path: &[&str]) -> bool {
    use proc_macro2::TokenTree;
    let flat: Vec<TokenTree> = flatten(tokens);
    // `a::b` is `a`, `:`, `:`, `b`: three tokens per step.
    let len = path.len() * 3 - 2;
    flat.windows(len).any(|window| {
        window
            .iter()
            .enumerate()
            .all(|(i, token)| match (i % 3, token) {
                (0, TokenTree::Ident(ident)) => ident == path[i / 3],
                (1 | 2, TokenTree::Punct(punct)) => punct.as_char() == ':',
                _ => false,
            })
    })
}

/// The string literals' values among `tokens`, groups included.
pub fn string_literals(tokens: proc_macro2::TokenStream) -> Vec<String> {
    flatten(tokens)
        .into_iter()
        .filter_map(|token| match token {
            proc_macro2::TokenTree::Literal(literal) => match syn::Lit::new(literal) {
                syn::Lit::Str(text) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `tokens` with every group's contents in place of the group.
fn flatten(tokens: proc_macro2::TokenStream) -> Vec<proc_macro2::TokenTree> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Group(group) => out.extend(flatten(group.stream())),
            other => out.push(other),
        }
    }
    out
}

/// The first `where` predicate's first trait bound: the type it bounds and
/// the bound's last segment (`where V: TryInto<T>` -> `V`, `TryInto<T>`).
pub fn first_where_bound(generics: &syn::Generics) -> Option<(&syn::Type, &syn::PathSegment)> {
    let syn::WherePredicate::Type(predicate) =
        generics.where_clause.as_ref()?.predicates.first()?
    else {
        return None;
    };
    let syn::TypeParamBound::Trait(bound) = predicate.bounds.first()? else {
        return None;
    };
    Some((&predicate.bounded_ty, bound.path.segments.last()?))
}

/// The one identifier an expression is (`run_id`), if it is a bare name.
pub fn bare_name(expr: &syn::Expr) -> Option<&syn::Ident> {
    match expr {
        syn::Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}

/// Whether `ty` is the path type `segments`, its generic arguments aside
/// (`::std::vec::Vec<X>` is `["std", "vec", "Vec"]`; a leading `::` is not
/// required to match).
pub fn is_type_path(ty: &syn::Type, segments: &[&str]) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path.path.segments.len() == segments.len()
        && path
            .path
            .segments
            .iter()
            .zip(segments)
            .all(|(segment, name)| segment.ident == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn serde_attributes_are_read_parsed_not_as_text() {
        let item: syn::ItemStruct = parse_quote! {
            #[serde(untagged, rename = "x y", default = "defaults::f")]
            struct S;
        };
        assert!(has_serde(&item.attrs, "untagged"));
        assert_eq!(serde_value(&item.attrs, "rename").as_deref(), Some("x y"));
        assert_eq!(
            serde_value(&item.attrs, "default").as_deref(),
            Some("defaults::f")
        );
        assert_eq!(wire_name(&item.attrs, None).as_deref(), Some("x y"));
        let ident: syn::Ident = parse_quote!(r#type);
        assert_eq!(wire_name(&[], Some(&ident)).as_deref(), Some("type"));
    }
}
