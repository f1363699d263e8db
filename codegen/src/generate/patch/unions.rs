//! Discriminated `oneOf`s (made uniform by `remodel`) read their tag first:
//! a known tag decodes its variant strictly, an unknown one becomes
//! `Unknown(serde_json::Value)`, keeping the raw JSON.

use super::*;

/// Every discriminated `oneOf` (a component with `$ref` variants, after
/// `remodel`) gets a catch-all `Unknown(serde_json::Value)` variant. typify
/// makes it an untagged enum, or, with one variant, a newtype struct, which
/// is rewritten as an untagged enum so that the next variant is additive.
pub(super) fn discriminated_catch_all(api: &Api, types: &mut Vec<Item>) -> Result<()> {
    for (schema, union) in api.types.unions() {
        let (schema_name, rust, tag) = (&schema.name, &schema.rust, &union.tag);
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
            .position(|item| crate::code::item_name(item).as_ref() == Some(rust))
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
                        !(is_type(&block.self_ty, rust)
                            || (impl_trait(block).as_deref() == Some("From")
                                && trait_type_argument(block).is_some_and(|ty| is_type(ty, rust))))
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
        let Item::Enum(e) = &mut types[at] else {
            return Err(expected());
        };
        let deserialize = tag_dispatch(schema, union, e)?;
        types.push(deserialize);
    }
    Ok(())
}

/// A `Deserialize` that reads the tag first: a known tag decodes its variant
/// strictly (a failure says which tag and type), any other tag, or none,
/// becomes the catch-all. (An untagged enum tries each variant in turn, so a
/// known variant that no longer matches fell through to the catch-all.) The
/// derived `Deserialize` is dropped; `Serialize` stays untagged: each variant
/// writes its own tag.
pub(super) fn tag_dispatch(schema: &Schema, union: &Union, e: &mut ItemEnum) -> Result<Item> {
    let (schema_name, tag) = (&schema.name, &union.tag);
    let name = e.ident.clone();
    let mut arms = Vec::new();
    for variant in &union.variants {
        let value = &variant.tag;
        let rust = type_name(&variant.schema);
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

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    #[test]
    fn a_one_variant_union_becomes_an_open_enum() {
        let code = file(quote::quote! { pub mod types {
            #[serde(transparent)]
            pub struct Shape(pub Circle);
            impl ::std::ops::Deref for Shape { type Target = Circle; fn deref(&self) -> &Circle { &self.0 } }
            impl ::std::convert::From<Shape> for Circle { fn from(value: Shape) -> Self { value.0 } }
            impl ::std::convert::From<Circle> for Shape { fn from(value: Circle) -> Self { Self(value) } }
            pub struct Circle { pub kind: CircleKind }
            pub enum CircleKind { #[serde(rename = "circle")] Circle }
        } });
        let model = api(&union_spec());
        let text = patched_however_printed(code, |code| patch(&model, code).unwrap());
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
    fn a_union_reads_its_tag_first_and_keeps_what_it_does_not_know() {
        let spec = crate::model::types::tests::three_way_union_spec();
        let code = file(quote::quote! { pub mod types {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(untagged)]
            pub enum Shape { Circle(Circle), Square(Square), Blob(Blob) }
        } });
        let model = api(&spec);
        let text = patched_however_printed(code, |code| patch(&model, code).unwrap());
        assert!(
            text.contains("#[derive(::serde::Serialize, Clone, Debug)]"),
            "{text}"
        );
        for arm in ["Some(\"round\")", "Some(\"square\")", "Some(\"Blob\")"] {
            assert!(text.contains(arm), "{arm} in {text}");
        }
        // A mapping entry naming no variant decodes as unknown: no arm.
        assert!(!text.contains("Some(\"gone\")"), "{text}");
        assert!(
            text.contains("_ => ::std::result::Result::Ok(Self::Unknown(value))"),
            "{text}"
        );
    }
}
