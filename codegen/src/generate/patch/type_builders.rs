//! Passes over typify's type builders and their errors: unknown members
//! default to empty, optional fields take plain values, every error at once,
//! list bounds checked, pattern messages naming the value, builders named
//! `XBuilder`.

use super::*;

/// typify refuses a string that does not match its schema's `pattern` with
/// "doesn't match pattern \"…\"": the message names the value too
/// (`"image/bmp" doesn't match pattern "…"`). Other messages stay as written.
pub(super) struct PatternMessages;

impl PatternMessages {
    pub(super) fn visit_items(mut self, items: &mut [Item]) {
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

/// typify names a type's builder after the type (`types::builder::RunItem`),
/// so the docs list two `RunItem`s: each builder becomes `RunItemBuilder`,
/// wherever it is named. Never fails: no `types::builder`, nothing to do.
pub(super) fn builder_names(code: &mut syn::File) {
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

pub(super) struct RenameBuilders<'a> {
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

/// typify's builders treat the flattened `extra` map as a required field
/// ("no value supplied for extra"): every builder would fail unless the
/// caller set it. Its default is the empty map. Never fails: a builder that
/// already defaults it, or no builder, is left as it is.
pub(super) fn unknown_members_default_to_empty(types: &mut [Item]) {
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

pub(super) struct DefaultToEmpty(Option<syn::Ident>);

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
pub(super) fn plain_value_setters(types: &mut [Item]) {
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
pub(super) fn optional_setter(setter: &mut syn::ImplItemFn) {
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
pub(super) fn every_error_at_once(block: &mut syn::ItemImpl) {
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
pub(super) fn several_errors_at_once(
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
pub(super) fn option_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let arguments = generic_arguments(ty);
    match (is_type(ty, "Option"), arguments.first()) {
        (true, Some(inner)) => Some(inner),
        _ => None,
    }
}

/// `(T, X)` of a setter generic over one type `T` whose first `where`
/// predicate is `T: ...TryInto<X>` (typify's and progenitor's setters).
pub(super) fn try_into_bound(generics: &syn::Generics) -> Option<(syn::Ident, syn::Type)> {
    let [syn::GenericParam::Type(param)] = generics.params.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let (bounded, last) = crate::code::first_where_bound(generics)?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(target)) = args.args.first() else {
        return None;
    };
    let bounds_param = matches!(bounded, syn::Type::Path(p) if p.path.is_ident(&param.ident));
    (last.ident == "TryInto" && bounds_param).then(|| (param.ident.clone(), target.clone()))
}

/// Replaces `value.try_into()` with `crate::Optional::into_optional(value)`, counting.
pub(super) struct TryIntoCalls(usize);

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
pub(super) fn array_limits(api: &Api, types: &mut [Item]) {
    let mut limits = Vec::new();
    for schema in &api.types.schemas {
        // Its own properties: typify merges `allOf` members' too, but their
        // limits are not checked (yet).
        for field in schema.fields.iter().filter(|f| !f.merged) {
            if let (min, max) = (field.min_items, field.max_items)
                && (min.is_some() || max.is_some())
            {
                limits.push((schema.rust.clone(), field.rust.clone(), min, max));
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn optional_setters_take_plain_values_and_builders_report_every_error() {
        let code = file(quote::quote! { pub mod types { pub mod builder {
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
        let text = patched_however_printed(code, |code| {
            plain_value_setters(module_items_mut(code, "types").unwrap())
        });
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
    fn list_bounds_are_checked_by_the_type_builders() {
        let spec = json!({"components": {"schemas": {"Thing": {"properties": {
            "tags": {"type": "array", "maxItems": 3},
            "ids": {"type": "array", "minItems": 1, "nullable": true},
            "name": {"type": "string", "maxItems": 3}
        }}}}});
        let code = file(quote::quote! { pub mod types {
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
        let model = api(&spec);
        let text = patched_however_printed(code, |code| {
            array_limits(&model, module_items_mut(code, "types").unwrap())
        })
        .replace(char::is_whitespace, "");
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
    fn unknown_members_are_no_required_field_of_a_builder() {
        let code = file(quote::quote! { pub mod types {
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
        let text = patched_however_printed(code, |code| {
            unknown_members_default_to_empty(module_items_mut(code, "types").unwrap())
        });
        assert!(text.contains("extra: Ok(Default::default())"), "{text}");
        assert!(text.contains("name: Err("), "{text}");
    }
}
