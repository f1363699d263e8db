//! Typed Rust client for Warp's Oz Agent API.
//!
//! The operations and types are generated from the published OpenAPI spec
//! (`spec/oz-api.yaml`) by `cargo xtask regen`; this file is the hand-written layer.

// Generated code: prettyplease's output is its canonical form, so rustfmt skips it.
#[rustfmt::skip]
#[allow(deprecated, clippy::all, unused_imports)]
mod generated;

pub use generated::*;

/// Per-client settings the generated code carries for the hand-written hooks.
#[derive(Clone, Debug, Default)]
pub struct Policy {}

impl progenitor_client::ClientHooks<Policy> for Client {}
