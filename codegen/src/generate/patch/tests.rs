//! What the passes' tests share, and the tests of the whole list: each
//! pass's own tests are in its file.

use super::*;
pub(super) use crate::error::{Kind, Location};
pub(super) use serde_json::{Value, json};

pub(super) fn file(code: proc_macro2::TokenStream) -> syn::File {
    syn::parse2(code).unwrap()
}

/// The model of `spec`, as its only document.
pub(super) fn api(spec: &Value) -> Api {
    Api::new(spec, spec)
}

/// `code` three ways, each parsed again: as given, printed through its
/// token stream (re-spaced), and reformatted by prettyplease.
fn printings(code: &syn::File) -> [syn::File; 3] {
    [
        code.clone(),
        syn::parse_str(&code.to_token_stream().to_string()).unwrap(),
        syn::parse_str(&prettyplease::unparse(code)).unwrap(),
    ]
}

/// Runs `pass` over each of [`printings`] of `code`, checks that they come
/// out the same (the pass matches structure, not printed text), and returns
/// that text.
pub(super) fn patched_however_printed(code: syn::File, pass: impl Fn(&mut syn::File)) -> String {
    let patched: Vec<String> = printings(&code)
        .into_iter()
        .map(|mut code| {
            pass(&mut code);
            prettyplease::unparse(&code)
        })
        .collect();
    for other in &patched[1..] {
        assert_eq!(
            *other, patched[0],
            "the same code printed differently was patched differently"
        );
    }
    patched.into_iter().next().unwrap_or_default()
}

pub(super) fn union_spec() -> Value {
    json!({"components": {"schemas": {
        "Shape": {"oneOf": [{"$ref": "#/components/schemas/Circle"}], "discriminator": {"propertyName": "kind"}},
        "Circle": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["circle"]}}}
    }}})
}

/// The passes match progenitor's output by structure: today's spec's code,
/// as generated and printed two ways (its token stream's spacing,
/// prettyplease's layout) and parsed again, is
/// patched to the same code, and a pass found what it changes in each.
#[test]
fn passes_find_the_same_code_however_it_is_printed() {
    let spec: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/oz-api.normalized.json"
    )))
    .unwrap();
    let remodelled = crate::remodel::remodel(&spec, true);
    let openapi = crate::validate::parse(&remodelled, "spec").unwrap();
    let generated = crate::generate::generate(&remodelled, &openapi, "spec").unwrap();
    let api = api(&remodelled);
    let patched = patched_however_printed(generated, |code| patch(&api, code).unwrap());
    for changed in [
        "crate::hooks::exec_rebuilding(&__call",
        "crate::hooks::PathText::checked(",
        "run_id: Err(::std::borrow::Cow::Borrowed(\"run_id was not initialized\"))",
        "let run_id = run_id.map_err(::std::borrow::Cow::into_owned);",
        "let mut response = match crate::hooks::answered(",
        "crate::hooks::body(client, &mut response).await",
        "400u16..=499u16 | 500u16..=599u16 =>",
        "crate::Optional<",
        "Error::InvalidRequest(__errors.join",
    ] {
        let text = patched.replace(char::is_whitespace, "");
        assert!(text.contains(&changed.replace(' ', "")), "{changed}");
    }
}

#[test]
fn output_without_what_a_step_needs_is_a_generator_error_naming_the_step() {
    let mut code = file(quote::quote! { pub struct Client; });
    let e = patch(&api(&json!({})), &mut code).unwrap_err();
    assert_eq!(e.kind(), Kind::Generator);
    assert_eq!(e.location, Location::Generator { step: "patch" });
    assert!(e.to_string().contains(crate::error::PROGENITOR), "{e}");

    // A discriminated union typify made into something else.
    let mut code = file(quote::quote! { pub mod types { pub struct Shape { pub kind: String } } });
    let e = patch(&api(&union_spec()), &mut code).unwrap_err();
    assert_eq!(
        e.location,
        Location::Generator {
            step: "discriminated_catch_all"
        }
    );
    assert!(e.message.contains("#/components/schemas/Shape"), "{e}");

    // A string enum of the spec that the output does not have.
    let spec =
        json!({"components": {"schemas": {"Color": {"type": "string", "enum": ["red", "blue"]}}}});
    let mut code = file(quote::quote! { pub mod types {} });
    let e = patch(&api(&spec), &mut code).unwrap_err();
    assert_eq!(e.location, Location::Generator { step: "open_enums" });
    assert!(e.message.contains("[\"blue\", \"red\"]"), "{e}");
}
