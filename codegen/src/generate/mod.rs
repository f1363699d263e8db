//! Generation step 1 of 7, generate: progenitor's builder-style client.
//!
//! progenitor panics on some inputs. `validate` rejects every case we know of;
//! as a last line of defence the panic is caught here, and the operation that
//! causes it is found by generating each operation alone.

// The passes over progenitor's output, in the order `lib.rs` runs them.
pub(crate) mod code;
pub(crate) mod constructors;
pub mod docs;
pub mod mock;
pub(crate) mod names;
pub(crate) mod patch;
pub(crate) mod runtime;
pub mod statuses;

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::spec::{METHODS, operations};

/// Runs progenitor on the validated document (`spec` is its JSON form, to
/// locate a failure).
pub fn generate(spec: &Value, openapi: &openapiv3::OpenAPI, file: &str) -> Result<syn::File> {
    let tokens = run_progenitor(openapi, &settings())
        .map_err(|message| locate_failure(spec, file, message))?;
    syn::parse2(tokens).map_err(|e| {
        Error::at(
            file,
            "",
            format!("progenitor produced code that does not parse: {e}"),
            "this is a generator bug; report it with the spec",
        )
    })
}

/// progenitor alone, as a maintainer would run it without this pipeline: the
/// same interface and tag style, no hooks, no inner type, nothing patched. The
/// reference that `run` must never be less robust than.
pub fn generate_plain(openapi: &openapiv3::OpenAPI) -> Result<syn::File, String> {
    let tokens = run_progenitor(openapi, &plain_settings())?;
    syn::parse2(tokens).map_err(|e| format!("progenitor produced code that does not parse: {e}"))
}

/// The interface and tag style; the same for the pipeline and for progenitor alone.
fn plain_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged);
    settings
}

fn settings() -> GenerationSettings {
    let mut settings = plain_settings();
    settings
        .with_hooks(HooksMode::Expected)
        // Retry policy and auth settings live in the hand-written layer.
        .with_inner_type(quote::quote!(crate::Policy));
    settings
}

thread_local! {
    /// Set while progenitor runs on this thread: its panics are captured, not printed.
    static CAPTURED_PANIC: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

fn run_progenitor(
    openapi: &openapiv3::OpenAPI,
    settings: &GenerationSettings,
) -> Result<TokenStream, String> {
    catch_progenitor(|| Generator::new(settings).generate_tokens(openapi))
}

/// Runs a progenitor generator, turning its panics into errors.
fn catch_progenitor(
    generate: impl FnOnce() -> std::result::Result<TokenStream, progenitor::Error>,
) -> Result<TokenStream, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let captured = CAPTURED_PANIC.with(|c| {
                let mut slot = c.borrow_mut();
                match slot.as_mut() {
                    Some(message) => {
                        *message = Some(panic_message(info.payload()));
                        true
                    }
                    None => false,
                }
            });
            if !captured {
                previous(info);
            }
        }));
    });
    CAPTURED_PANIC.with(|c| *c.borrow_mut() = Some(None));
    let result = catch_unwind(AssertUnwindSafe(generate));
    let panic = CAPTURED_PANIC.with(|c| c.borrow_mut().take()).flatten();
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(format!("progenitor rejected the spec: {e}")),
        Err(_) => Err(format!(
            "progenitor panicked: {}",
            panic.unwrap_or_else(|| "(no message)".into())
        )),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Whether progenitor (with the pipeline's settings) fails on `document`;
/// `None` when it is not an OpenAPI document at all.
fn fails(document: Value) -> Option<bool> {
    let openapi = serde_json::from_value::<openapiv3::OpenAPI>(document).ok()?;
    Some(run_progenitor(&openapi, &settings()).is_err())
}

/// progenitor fails on the component schemas alone: find the schema, then the
/// property, whose blanking (`{}`: any value) makes it succeed, by bisection
/// (about 2 log2(n) runs). `None` when no single one does.
fn culprit_schema(spec: &Value) -> Option<String> {
    let fails_with_blanked = |blank: &[String]| -> bool {
        let mut copy = spec.clone();
        if let Some(paths) = copy.get_mut("paths").and_then(Value::as_object_mut) {
            paths.clear();
        }
        for at in blank {
            if let Some(node) = copy.pointer_mut(at) {
                *node = serde_json::json!({});
            }
        }
        // A document that no longer parses cannot clear the blanked schemas.
        fails(copy).unwrap_or(true)
    };
    let children = |at: &str, key: &str| -> Vec<String> {
        let map = spec
            .pointer(&format!("{at}{key}"))
            .and_then(Value::as_object);
        map.into_iter()
            .flatten()
            .map(|(name, _)| format!("{at}{key}/{}", crate::spec::escape(name)))
            .collect()
    };
    let bisect = |mut candidates: Vec<String>| -> Option<String> {
        while candidates.len() > 1 {
            let second = candidates.split_off(candidates.len() / 2);
            if fails_with_blanked(&candidates) {
                candidates = second; // blanking the first half did not help
            }
        }
        let found = candidates.pop()?;
        (!fails_with_blanked(std::slice::from_ref(&found))).then_some(found)
    };
    let schema = bisect(children("", "/components/schemas"))?;
    Some(bisect(children(&schema, "/properties")).unwrap_or(schema))
}

/// Finds the operation progenitor fails on by generating each one alone.
fn locate_failure(spec: &Value, file: &str, message: String) -> Error {
    let hint = "validation did not catch this; fix the spec here with a fix in spec/oz-api.fixes.yaml, \
                and report it so validate.rs learns the case";
    let alone = |keep: Option<(&str, &str)>| -> bool {
        let mut copy = spec.clone();
        if let Some(paths) = copy.get_mut("paths").and_then(Value::as_object_mut) {
            paths.retain(|path, _| keep.is_some_and(|(p, _)| p == path));
            for item in paths.values_mut().filter_map(Value::as_object_mut) {
                item.retain(|method, _| {
                    !METHODS.contains(&method.as_str()) || keep.is_some_and(|(_, m)| m == method)
                });
            }
        }
        fails(copy).unwrap_or(false)
    };
    if alone(None) {
        let at = culprit_schema(spec).unwrap_or_else(|| "/components/schemas".into());
        return Error::at(file, at, message, hint);
    }
    for op in operations(spec) {
        if alone(Some((op.path, op.method))) {
            return Error::at(file, op.pointer, message, hint);
        }
    }
    Error::at(file, "/paths", message, hint)
}
