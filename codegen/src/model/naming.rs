//! Rust names of spec names, exactly as the generators make them, so a stage
//! can find what progenitor and typify generated for a spec item.
//!
//! Mirrors `sanitize` in progenitor-impl 0.15 (`src/util.rs`: method and
//! parameter names) and in typify-impl 0.8 (`src/util.rs`: type, field and
//! variant names): apostrophes dropped, every character that cannot continue
//! an identifier turned into `-`, then heck's case conversion; a name that
//! does not start like an identifier gets a prefix (progenitor `_`, typify
//! `x`/`X`); a keyword gets a trailing `_`. The unit tests pin the cases.

use heck::{ToPascalCase, ToSnakeCase};
use unicode_ident::{is_xid_continue, is_xid_start};

#[derive(Clone, Copy)]
enum Case {
    Pascal,
    Snake,
}

#[derive(Clone, Copy)]
enum Generator {
    Progenitor,
    Typify,
}

fn sanitize(input: &str, case: Case, generator: Generator) -> String {
    let to_case = |s: &str| match case {
        Case::Pascal => s.to_pascal_case(),
        Case::Snake => s.to_snake_case(),
    };
    let out = match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c: char| !is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if is_xid_start(c) => out,
        Some(_) => match generator {
            Generator::Progenitor => format!("_{out}"),
            Generator::Typify => format!("{}{out}", to_case("x")),
        },
    };
    if is_keyword(&out) {
        format!("{out}_")
    } else {
        out
    }
}

/// typify's `accept_as_ident` list (typify-impl 0.8 `util.rs`), `gen` included.
fn is_keyword(ident: &str) -> bool {
    matches!(
        ident,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "Self"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// The `Client` method progenitor makes of an operationId.
pub fn method_name(operation_id: &str) -> String {
    sanitize(operation_id, Case::Snake, Generator::Progenitor)
}

/// The operation builder struct progenitor makes of an operationId (`builder::GetRun`).
pub fn builder_name(operation_id: &str) -> String {
    sanitize(operation_id, Case::Pascal, Generator::Progenitor)
}

/// The builder setter progenitor makes of a parameter name.
pub fn parameter_name(name: &str) -> String {
    sanitize(name, Case::Snake, Generator::Progenitor)
}

/// The `When` and `Then` types progenitor's mock generator (progenitor-impl
/// 0.15 `httpmock.rs`) makes of a client method (`get_run` -> `GetRunWhen`).
pub fn mock_types(method_name: &str) -> [String; 2] {
    ["when", "then"].map(|kind| builder_name(&format!("{method_name}-{kind}")))
}

/// The responder progenitor's mock generator makes of a status: its
/// canonical reason (`404` -> `not_found`); `None` for a status without one
/// (`299`), on which that generator panics.
pub fn status_responder(status: u16) -> Option<String> {
    let reason = http::StatusCode::from_u16(status)
        .ok()?
        .canonical_reason()?;
    Some(sanitize(reason, Case::Snake, Generator::Progenitor))
}

/// The Rust type typify makes of a component schema name.
pub fn type_name(schema: &str) -> String {
    sanitize(schema, Case::Pascal, Generator::Typify)
}

/// The struct field typify makes of a property name.
pub fn field_name(property: &str) -> String {
    sanitize(property, Case::Snake, Generator::Typify)
}

/// The variants typify makes of a string enum's values (typify-impl 0.8
/// `type_entry.rs`, `TypeEntryEnum::from_metadata`): plain sanitising; if two
/// collide, every `_` and non-identifier character becomes `X` first; if they
/// still collide typify panics. `Err` holds the values that collide.
pub fn enum_variants(values: &[&str]) -> Result<Vec<String>, Vec<String>> {
    let unique = |names: &[String]| {
        let set: std::collections::BTreeSet<&String> = names.iter().collect();
        set.len() == names.len()
    };
    let plain: Vec<String> = values.iter().map(|v| type_name(v)).collect();
    if unique(&plain) {
        return Ok(plain);
    }
    let marked: Vec<String> = values
        .iter()
        .map(|v| type_name(&v.replace(|c: char| c == '_' || !is_xid_continue(c), "X")))
        .collect();
    if unique(&marked) {
        return Ok(marked);
    }
    Err(values
        .iter()
        .zip(&marked)
        .filter(|(_, name)| marked.iter().filter(|n| n == name).count() > 1)
        .map(|(value, _)| value.to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_parameters_follow_progenitor() {
        assert_eq!(method_name("listAgentIdentities"), "list_agent_identities");
        assert_eq!(method_name("get-run's.transcript"), "get_runs_transcript");
        assert_eq!(method_name("2fa"), "_2fa");
        assert_eq!(method_name("type"), "type_");
        assert_eq!(parameter_name("runId"), "run_id");
        assert_eq!(parameter_name("X-Request-Id"), "x_request_id");
        assert_eq!(mock_types("get_run"), ["GetRunWhen", "GetRunThen"]);
        assert_eq!(status_responder(404).as_deref(), Some("not_found"));
        assert_eq!(status_responder(418).as_deref(), Some("im_a_teapot"));
        assert_eq!(status_responder(299), None);
    }

    #[test]
    fn types_and_fields_follow_typify() {
        assert_eq!(type_name("RunItem"), "RunItem");
        assert_eq!(type_name("run_item_v2"), "RunItemV2");
        assert_eq!(type_name("1Password"), "X1password");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(field_name("runId"), "run_id");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("$schema"), "schema");
        assert_eq!(field_name("1h"), "x1h");
        assert_eq!(field_name(""), "x");
    }
}
