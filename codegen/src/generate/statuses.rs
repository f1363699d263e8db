//! Generation step 3 of 7, statuses: what each documented response status means, said where
//! users look.
//!
//! - every operation's method on `Client` gets a `# Responses` section: each
//!   status the spec documents, its description, the API error codes the spec
//!   names for it (`error_code: conflict` in the description, or an example's
//!   problem `type`), and whether the client retries it ([`retried`], the
//!   rules of `oz_api::retry`);
//! - `oz_api::Error` gets an `is_<reason>()` helper for every 4xx/5xx status
//!   any operation documents (`is_conflict`, `is_unprocessable_entity`), so a
//!   newly documented status gets one, named after its IANA reason phrase.
//!   A name the hand-written layer already defines on `Error` is its own.
//!
//! Never fails: an operation whose method it does not find keeps its docs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use syn::{Item, parse_quote};

use crate::model::types::Shape;
use crate::model::{Api, Operation, Response};

/// The schema whose values are the API's error codes (the hand-written
/// layer's `PlatformErrorCode`, which `needs` requires).
const ERROR_CODES: &str = "PlatformErrorCode";

/// Whether the client retries a status for a method, as `oz_api::retry` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retried {
    /// Not an error: nothing to retry.
    NotAnError,
    /// Retried (408, 429; 409 and 5xx for methods safe to repeat).
    Yes,
    /// Retried only when the problem body says `retryable: true`.
    IfTheProblemSaysSo,
}

/// The retry rule for `status` on `method` (lowercase or not): `oz_api::retry`'s
/// table (a test compares the two against a server).
pub fn retried(method: &str, status: u16) -> Retried {
    let idempotent = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]
        .contains(&method.to_ascii_uppercase().as_str());
    match status {
        408 | 429 => Retried::Yes,
        409 | 500..=599 if idempotent => Retried::Yes,
        400..=599 => Retried::IfTheProblemSaysSo,
        _ => Retried::NotAnError,
    }
}

/// `is_conflict` for 409: the mocks' responder name for the status
/// (`naming::status_responder`, the reason phrase in snake case) after
/// `is_`; `is_status_<n>` for a status without one.
pub fn helper_name(status: u16) -> String {
    match crate::naming::status_responder(status) {
        Some(responder) => format!("is_{responder}"),
        None => format!("is_status_{status}"),
    }
}

/// Adds the responses' docs and the status helpers to `code`, for the
/// operations of `api` (its error codes' enum gives the codes); `taken` are
/// the methods the hand-written layer defines on `Error`.
pub fn add(api: &Api, code: &mut syn::File, taken: &BTreeSet<String>) {
    let known_codes: BTreeSet<&str> = match api.types.schema(ERROR_CODES).map(|s| &s.shape) {
        Some(Shape::Enum(values)) => values.iter().map(String::as_str).collect(),
        _ => BTreeSet::new(),
    };
    let mut statuses: BTreeSet<u16> = BTreeSet::new();
    let mut sections = BTreeMap::new();
    for op in &api.operations {
        for status in op.responses.iter().filter_map(Response::code) {
            if status >= 400 {
                statuses.insert(status);
            }
        }
        sections.insert(op.method_name.as_str(), section(op, &known_codes));
    }
    for item in &mut code.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || !crate::code::is_type(&block.self_ty, "Client") {
            continue;
        }
        for member in &mut block.items {
            if let syn::ImplItem::Fn(f) = member
                && let Some(lines) = sections.get(f.sig.ident.to_string().as_str())
            {
                f.attrs
                    .extend(lines.iter().map(|line| parse_quote!(#[doc = #line])));
            }
        }
    }
    let helpers = statuses.iter().filter_map(|status| {
        let name = helper_name(*status);
        if taken.contains(&name) {
            return None;
        }
        let ident = crate::code::ident(&name)?;
        let reason = http::StatusCode::from_u16(*status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or_default();
        // Not the list of operations: a line that changes with every
        // operation documenting the status would make each spec's code differ
        // from the next in lines that say nothing about it.
        let doc = format!(
            " Whether the status is `{status} {reason}`, which some operations document \
             (each operation's `# Responses` on [`Client`](crate::Client) lists its statuses)."
        );
        let doc = doc.replace(" ``", "").replace("` `", "`");
        Some(quote::quote! {
            #[doc = #doc]
            pub fn #ident(&self) -> bool {
                self.status().is_some_and(|status| status.as_u16() == #status)
            }
        })
    });
    code.items.push(parse_quote! {
        /// A helper for every error status the spec documents on some
        /// operation (generated: a newly documented status gets one).
        impl crate::Error {
            #(#helpers)*
        }
    });
}

/// The API error codes a response names: `error_code: <code>` in its
/// description, or the last segment of an example problem's `type`; only
/// values of the error-code enum count.
fn error_codes(response: &Response, known: &BTreeSet<&str>) -> Vec<String> {
    let mut found = BTreeSet::new();
    let description = &response.description;
    for (at, _) in description.match_indices("error_code") {
        let rest = description[at + "error_code".len()..].trim_start_matches([':', ' ', '`']);
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        found.insert(word);
    }
    for example in &response.examples {
        if let Some(kind) = example.get("type").and_then(Value::as_str) {
            found.insert(kind.rsplit('/').next().unwrap_or_default().to_string());
        }
    }
    found
        .into_iter()
        .filter(|code| known.contains(code.as_str()))
        .collect()
}

/// The doc lines of an operation's `# Responses` section.
fn section(op: &Operation, known_codes: &BTreeSet<&str>) -> Vec<String> {
    let documented: Vec<(u16, &Response)> = op
        .responses
        .iter()
        .filter_map(|r| Some((r.code()?, r)))
        .collect();
    if documented.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![String::new(), " # Responses".to_string(), String::new()];
    for (status, response) in documented {
        let mut notes = Vec::new();
        if status >= 400 {
            // Generated below, or the hand-written layer's own.
            let helper = helper_name(status);
            notes.push(format!("[`Error::{helper}`](crate::Error::{helper})"));
        }
        match error_codes(response, known_codes).as_slice() {
            [] => {}
            [code] => notes.push(format!("error code `{code}`")),
            codes => notes.push(format!("error codes `{}`", codes.join("`, `"))),
        }
        match retried(&op.method, status) {
            Retried::NotAnError => {}
            Retried::Yes => notes.push("retried".into()),
            Retried::IfTheProblemSaysSo => {
                notes.push("not retried unless the problem says `retryable: true`".into())
            }
        }
        let notes = match notes.is_empty() {
            true => String::new(),
            false => format!(" ({})", notes.join("; ")),
        };
        let description = response.description.split_whitespace();
        let description = description.collect::<Vec<_>>().join(" ");
        let description = match description.is_empty() {
            true => String::new(),
            false => format!(": {description}"),
        };
        lines.push(format!(" - `{status}`{notes}{description}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn helpers_are_named_after_the_reason_phrase() {
        assert_eq!(helper_name(409), "is_conflict");
        assert_eq!(helper_name(422), "is_unprocessable_entity");
        // As the mocks' responder for the status is named (`then.im_a_teapot()`).
        assert_eq!(helper_name(418), "is_im_a_teapot");
        assert_eq!(helper_name(599), "is_status_599");
    }

    #[test]
    fn retry_rules_follow_the_method() {
        assert_eq!(retried("get", 409), Retried::Yes);
        assert_eq!(retried("post", 409), Retried::IfTheProblemSaysSo);
        assert_eq!(retried("post", 429), Retried::Yes);
        assert_eq!(retried("post", 503), Retried::IfTheProblemSaysSo);
        assert_eq!(retried("delete", 503), Retried::Yes);
        assert_eq!(retried("get", 404), Retried::IfTheProblemSaysSo);
        assert_eq!(retried("get", 200), Retried::NotAnError);
    }

    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {"/things/{id}/cancel": {"post": {
                "operationId": "cancelThing",
                "responses": {
                    "200": {"description": "Cancelled"},
                    "409": {"description": "Busy.\nRetry later (error_code: conflict, retryable: true).",
                            "content": {"application/json": {"example": {
                                "type": "https://docs.warp.dev/errors/resource_unavailable"}}}},
                    "422": {"description": "Not supported (error_code: made_up)"},
                    "4XX": {"description": "ranges have no helper"},
                    "default": {"description": "neither"}
                }
            }}},
            "components": {"schemas": {"PlatformErrorCode": {
                "type": "string", "enum": ["conflict", "resource_unavailable", "resource_not_found"]
            }}}
        })
    }

    #[test]
    fn each_method_lists_its_statuses_codes_and_retries() {
        let mut code: syn::File = parse_quote! {
            impl Client {
                /// Sends a POST.
                pub fn cancel_thing(&self) -> u8 { 0 }
            }
        };
        let taken = BTreeSet::from(["is_not_found".to_string()]);
        add(&Api::new(&spec(), &spec()), &mut code, &taken);
        let text = prettyplease::unparse(&code);
        for expected in [
            "/// # Responses",
            "/// - `200`: Cancelled",
            "/// - `409` ([`Error::is_conflict`](crate::Error::is_conflict); error codes \
             `conflict`, `resource_unavailable`; not retried unless the problem says \
             `retryable: true`): Busy. Retry later (error_code: conflict, retryable: true).",
            // A code the enum does not have is not named.
            "/// - `422` ([`Error::is_unprocessable_entity`](crate::Error::is_unprocessable_entity); \
             not retried unless the problem says `retryable: true`): Not supported (error_code: made_up)",
            "pub fn is_conflict(&self) -> bool",
            "pub fn is_unprocessable_entity(&self) -> bool",
            "/// Whether the status is `409 Conflict`, which some operations document",
        ] {
            assert!(text.contains(expected), "{expected}\nin\n{text}");
        }
        assert!(!text.contains("4XX"), "{text}");
    }

    #[test]
    fn a_helper_the_hand_written_layer_defines_is_not_generated() {
        let mut code: syn::File = parse_quote! {};
        let taken = BTreeSet::from(["is_conflict".to_string()]);
        add(&Api::new(&spec(), &spec()), &mut code, &taken);
        let text = prettyplease::unparse(&code);
        assert!(!text.contains("fn is_conflict"), "{text}");
        assert!(text.contains("fn is_unprocessable_entity"), "{text}");
    }
}
