//! The hand-written layer's items that the generated code calls, in one list:
//! `oz-api/src/hooks.rs` (the request, retry and decode path every `send`
//! takes) and `oz-api/src/mock.rs` (what the typed mocks are built on).
//! Passes name them through [`hook`], [`mock_types`] and [`MOCK_COMMON`], never by a path of their
//! own, and a unit test checks that each is defined where it is said to be, so
//! a rename on either side fails here, naming the item, before the generated
//! crate fails to compile. The other direction, what the hand-written layer
//! needs the spec to keep, is `model::needs`.

use proc_macro2::Span;
use syn::parse_quote;

/// `crate::hooks`' items that generated code calls.
pub(crate) const HOOKS: [&str; 11] = [
    "Call",
    "PathSegment",
    "PathText",
    "prepare",
    "exec_rebuilding",
    "answered",
    "json",
    "empty",
    "body",
    "decode",
    "convert",
];

/// `crate::mock`'s types that the typed mocks use.
pub(crate) const MOCK_TYPES: [&str; 4] = ["Calls", "MockServer", "Then", "When"];

/// The macro in `crate::mock` (exported at the crate root) that gives each
/// typed mock the generic matchers and responders.
pub(crate) const MOCK_COMMON: &str = "__mock_common";

/// [`MOCK_TYPES`] as identifiers, for a `use`.
pub(crate) fn mock_types() -> [syn::Ident; 4] {
    MOCK_TYPES.map(|name| syn::Ident::new(name, Span::call_site()))
}

/// `crate::hooks::{name}`, for one of [`HOOKS`].
pub(crate) fn hook(name: &str) -> syn::Path {
    debug_assert!(HOOKS.contains(&name), "`{name}` is not in runtime::HOOKS");
    let name = syn::Ident::new(name, Span::call_site());
    parse_quote!(crate::hooks::#name)
}

/// Whether `path` is (or ends in) `hooks::{name}`.
pub(crate) fn is_hook(path: &syn::Path, name: &str) -> bool {
    let mut segments = path.segments.iter().rev();
    matches!((segments.next(), segments.next()), (Some(last), Some(module))
        if last.ident == name && module.ident == "hooks")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the items (functions, structs, macros) `file` defines, at
    /// any depth of its modules and impls (`Call::new` counts as `Call`).
    fn defined(file: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../oz-api/src")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap();
        let mut names = Vec::new();
        for item in &file.items {
            match item {
                syn::Item::Fn(f) => names.push(f.sig.ident.to_string()),
                syn::Item::Struct(s) => names.push(s.ident.to_string()),
                syn::Item::Macro(m) => names.extend(m.ident.as_ref().map(|i| i.to_string())),
                _ => {}
            }
        }
        names
    }

    #[test]
    fn every_item_generated_code_calls_is_defined_in_the_hand_written_layer() {
        let mock: Vec<&str> = MOCK_TYPES.into_iter().chain([MOCK_COMMON]).collect();
        for (file, names) in [("hooks.rs", &HOOKS[..]), ("mock.rs", &mock[..])] {
            let defined = defined(file);
            for name in names {
                assert!(
                    defined.iter().any(|d| d == name),
                    "oz-api/src/{file} no longer defines `{name}`, which generated code calls: \
                     rename it in codegen/src/generate/runtime.rs and the passes too"
                );
            }
        }
    }

    #[test]
    fn a_hook_is_found_by_its_last_two_segments() {
        assert!(is_hook(&hook("json"), "json"));
        assert!(is_hook(&parse_quote!(hooks::json), "json"));
        assert!(!is_hook(&parse_quote!(json), "json"));
        assert!(!is_hook(&parse_quote!(crate::mock::json), "json"));
    }
}
