//! Discriminated `oneOf`s (made uniform by `remodel`) read their tag first:
//! a known tag decodes its variant strictly, an unknown one becomes
//! `Unknown(serde_json::Value)`, keeping the raw JSON.

use super::*;

/// Every discriminated `oneOf` (a component with `$ref` variants, after
/// `remodel`) gets a catch-all `Unknown(serde_json::Value)` variant. typify
/// makes it an untagged enum, or, with one variant, a newtype struct, which
/// is rewritten as an untagged enum so that the next variant is additive.
pub(super) fn discriminated_catch_all(spec: &Value, types: &mut Vec<Item>) -> Result<()> {
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
pub(super) fn tag_dispatch(
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
pub(super) fn drop_derive(attrs: &mut [syn::Attribute], name: &str) {
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
pub(super) fn free_variant(taken: impl IntoIterator<Item = String>) -> syn::Ident {
    let taken: BTreeSet<String> = taken.into_iter().collect();
    let name = ["Unknown", "Other", "Unlisted"]
        .into_iter()
        .map(String::from)
        .chain((2..).map(|n| format!("Unknown{n}")))
        .find(|n| !taken.contains(n))
        .unwrap_or_default();
    syn::Ident::new(&name, proc_macro2::Span::call_site())
}
