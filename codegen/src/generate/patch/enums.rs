//! Open string enums (a value the spec does not list decodes into
//! `Unknown(String)` and round-trips; typify#862) and `#[non_exhaustive]` on
//! every generated type. Single-value enums (tags) stay strict.

use super::*;

pub(super) struct OpenEnum {
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
pub(super) fn open_enums(api: &Api, types: &mut Vec<Item>) -> Result<()> {
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
    check_every_enum_opened(&api.types.open_enums, &opened)?;
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

pub(super) fn check_every_enum_opened(sites: &[EnumSite], opened: &[OpenEnum]) -> Result<()> {
    let found: Vec<BTreeSet<&str>> = opened
        .iter()
        .map(|open| open.values.iter().map(|(_, s)| s.as_str()).collect())
        .collect();
    let opened = |site: &&EnumSite| {
        let values: BTreeSet<&str> = site.values.iter().map(String::as_str).collect();
        found.contains(&values)
    };
    match sites.iter().find(|site| !opened(site)) {
        None => Ok(()),
        Some(site) => Err(Error::generator(
            "open_enums",
            format!(
                "a string enum with the values {:?} for the schema #{}",
                site.values.iter().collect::<Vec<_>>(),
                site.pointer
            ),
        )),
    }
}

pub(super) fn open_enum_impls(open: OpenEnum) -> Vec<Item> {
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
pub(super) fn non_exhaustive(types: &mut [Item]) {
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
pub(super) fn string_enum_values(e: &ItemEnum) -> Option<Vec<(syn::Ident, String)>> {
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
    use super::super::tests::*;
    use super::*;

    #[test]
    fn enums_open_with_a_free_catch_all_name() {
        let spec = json!({"components": {"schemas": {"Kind": {"type": "string", "enum": ["Unknown", "known"]}}}});
        let code = file(quote::quote! { pub mod types {
            #[derive(Clone, Copy)]
            pub enum Kind { Unknown, #[serde(rename = "known")] Known }
            impl ::std::str::FromStr for Kind { type Err = (); fn from_str(_: &str) -> Result<Self, ()> { Err(()) } }
        } });
        let model = api(&spec);
        let text = patched_however_printed(code, |code| patch(&model, code).unwrap());
        assert!(text.contains("Other(::std::string::String)"), "{text}");
        assert!(text.contains("#[derive(Clone)]"), "{text}");
        assert_eq!(
            text.matches("impl ::std::str::FromStr for Kind").count(),
            1,
            "{text}"
        );
    }
}
