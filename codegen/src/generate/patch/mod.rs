//! Generation step 2 of 7, patch: what progenitor and typify cannot express, added to their
//! output. Each patch knows from the spec what it must change and fails with a
//! generator error (naming the step) when progenitor's output lacks it, so a
//! generator upgrade cannot silently drop one. Optimisations are different:
//! they never fail, and leave what they do not recognise as progenitor wrote it.
//!
//! - `#[deprecated]` on deprecated operations' methods and deprecated fields;
//! - open string enums: a value the spec does not list decodes into
//!   `Unknown(String)` and round-trips (typify has no such option, typify#862);
//!   single-value enums (discriminator tags) stay strict;
//! - a discriminated `oneOf` (made uniform by `remodel`) reads its tag first:
//!   a known tag decodes its variant strictly, an unknown tag becomes
//!   `Unknown(serde_json::Value)`, keeping the raw JSON;
//! - `#[non_exhaustive]` on every generated struct and enum;
//! - `operation_template(id)`: each operation's method and path template;
//! - `Client::new` removed and `new_with_client` crate-private: clients are
//!   built by `ClientBuilder`, which checks what they need;
//! - unknown members (the `extra` map `remodel` asks typify for) default to
//!   empty in the type builders, instead of being a required field;
//! - a read-modify-write conversion for every replacing `PUT`, from the type
//!   the resource is read as to the update request, carrying unknown members
//!   across (the model's `types.read_modify_write`);
//! - optimisation: leaner `send` methods, the same requests and responses with
//!   less work per call (measured in BENCHMARKS.md, client overhead), among
//!   them a request built again for a retry instead of copied for every call.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Fields, Item, ItemEnum, parse_quote};

use crate::code::{
    bare_name, generic_arguments, has_serde, impl_trait, is_converted_try, is_type, is_type_path,
    let_binding, mentions, module_items_mut, stmt_expr, string_literals, submodule_items_mut,
    trait_type_argument, wire_name, without_error_handling,
};
use crate::error::{Error, Result};
use crate::generate::runtime::{hook, is_hook};
use crate::model::Api;
use crate::model::types::{EnumSite, Schema, Union};
use crate::naming::type_name;

mod client;
mod deprecated;
mod enums;
mod lean_send;
mod operation_builders;
mod read_modify_write;
mod send;
#[cfg(test)]
mod tests;
mod type_builders;
mod unions;

// Every pass's items, for `patch` below and for one another (each file
// starts `use super::*`, which also brings the imports above).
use client::*;
use deprecated::*;
use enums::*;
use lean_send::*;
use operation_builders::*;
use read_modify_write::*;
use send::*;
use type_builders::*;
use unions::*;

/// Patches `code`, generated from the document `api` models. The one
/// ordered list of passes; each says what it needs from the ones before.
pub fn patch(api: &Api, code: &mut syn::File) -> Result<()> {
    // Over progenitor's `Client` and operation builders.
    // Needs progenitor's output only: it finds `Client`'s methods by name.
    deprecated_operations(api, code)?;
    // Needs progenitor's `send` bodies as written (`ResponseValue::from_response`,
    // `encode_path`, the `header_map`).
    lean_send(code);
    // Needs `lean_send` before it: `send` made direct reads `hooks::json` calls.
    operation_builders(code);
    constructors_private(code);
    operation_templates(api, code);
    progenitor_error_private(code);

    // Over typify's `types`.
    let types = module_items_mut(code, "types")
        .ok_or_else(|| Error::generator("patch", "a `types` module"))?;
    deprecated_fields(api, types)?;
    discriminated_catch_all(api, types)?;
    open_enums(api, types)?;
    // After the passes that add enums and variants.
    non_exhaustive(types);
    // Over typify's builders (`types::builder`), before they are renamed.
    unknown_members_default_to_empty(types);
    plain_value_setters(types);
    array_limits(api, types);
    read_modify_write(api, types);
    PatternMessages.visit_items(types);
    // Last: renames the builders every pass above finds by typify's names.
    builder_names(code);
    Ok(())
}
