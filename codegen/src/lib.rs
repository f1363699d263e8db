//! The oz-api generation pipeline, in the order data flows (ARCHITECTURE.md):
//!
//! 1. [`spec`]: `load` -> `fix` -> `normalize` -> `validate` -> `remodel`;
//! 2. [`model`]: the operations as the later stages read them (+ `names`
//!    renaming operations that would clash, `needs` checking what the
//!    hand-written layer uses);
//! 3. generation: `generate` (progenitor) -> `patch` -> `statuses` -> `mock`
//!    -> `constructors` -> `names` (the backstop) -> `docs`, all over syn's
//!    tree with the queries of `code`;
//! 4. [`output`]: `format` -> `write`;
//! 5. [`reports`]: `surface`, `drift`, `changelog`.

pub mod error;
mod generate;
pub mod model;
pub mod output;
pub mod reports;
pub mod spec;

// Each stage by its own name, as the pipeline and the tests call it.
pub(crate) use generate::{code, constructors, names, patch};
pub use generate::{docs, mock, statuses};
pub(crate) use model::{naming, needs};
pub(crate) use output::format;
pub use output::write;
pub use reports::{changelog, drift, surface};
pub(crate) use spec::{fix, remodel, validate};
pub use spec::{load, normalize};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use error::{Error, Kind, Location, PROGENITOR, Result};

/// Where the published spec lives, relative to the workspace root.
pub const SPEC: &str = "spec/oz-api.yaml";
/// The declarative fixes applied to it.
pub const FIXES: &str = "spec/oz-api.fixes.yaml";
/// The fixed spec in canonical form.
pub const NORMALIZED: &str = "spec/oz-api.normalized.json";
/// The generated client code.
pub const GENERATED_RUST: &str = "oz-api/src/generated.rs";
/// The typed mocks (`oz_api::mock`), which `generated.rs` declares out of line
/// under `#[cfg(feature = "mock")]`: a build without the feature never reads them.
pub const GENERATED_MOCKS: &str = "oz-api/src/generated/mocks.rs";

/// One file the pipeline produces, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: &'static str,
    pub contents: String,
}

/// Everything one run of the pipeline produces.
#[derive(Debug)]
pub struct Generated {
    pub files: Vec<OutputFile>,
    /// The generated Rust code, parsed (for the surface summary).
    pub code: syn::File,
    /// The fixed, normalized spec.
    pub spec: serde_json::Value,
    pub spec_sha256: String,
    pub operations: usize,
    /// What the maintainer should know that did not stop regen (parameters left out).
    pub warnings: Vec<String>,
    pub stages: Vec<(&'static str, Duration)>,
}

impl Generated {
    pub fn lines(&self) -> usize {
        self.files.iter().map(|f| f.contents.lines().count()).sum()
    }

    pub fn types(&self) -> usize {
        code::type_names(&self.code).len()
    }
}

/// Choices `run` makes that a benchmark may turn off to measure their cost.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every object type keeps the members it does not know (`extra`).
    pub keep_unknown_members: bool,
    /// Bounds on the spec (size; see [`load`]).
    pub limits: load::Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keep_unknown_members: true,
            limits: load::Limits::default(),
        }
    }
}

/// Runs every stage except writing. `root` is the workspace root; `spec` the
/// published spec to read (usually `root/spec/oz-api.yaml`). Nothing is written.
pub fn run(root: &Path, spec: &Path) -> Result<Generated> {
    run_with(root, spec, &Options::default())
}

/// [`run`], with `options`.
pub fn run_with(root: &Path, spec: &Path, options: &Options) -> Result<Generated> {
    let mut stages = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str| {
        stages.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let (spec_name, mut document) = load_outlined(root, spec, &options.limits)?;
    let fixes = load_fixes(root)?;
    lap("load");

    let moot_fixes = fix::apply(&mut document, &fixes, FIXES)?;
    lap("fix");

    let canonical = normalize::canonical(&document);
    let canonical_text = normalize::to_text(&canonical);
    let sha = normalize::sha256(&canonical_text);
    lap("normalize");

    validate::validate(&canonical, &spec_name, &options.limits)?;
    lap("validate");

    // The remodelled document passed the checks above before remodelling;
    // it only needs parsing, and the hand-written layer's needs checked.
    let mut remodelled = remodel::remodel(&canonical, options.keep_unknown_members);
    let hand_written = names::hand_written(root);
    let renamed =
        names::rename_operations(&mut remodelled, &names::reserved(&hand_written), &spec_name);
    let api = model::Api::new(&canonical, &remodelled);
    let openapi = validate::parse(&remodelled, &spec_name)?;
    needs::check(&api, &spec_name)?;
    lap("remodel");

    let mut code = generate::generate(&remodelled, &openapi, &spec_name)?;
    lap("generate");
    patch::patch(&api, &mut code)?;
    statuses::add(&api, &mut code, &hand_written.methods_on("Error"));
    lap("patch");
    let mock_warnings = mock::add(&api, &mut code);
    lap("mock");
    // Last addition before the backstop, so every method it could collide with exists.
    let methods = names::type_methods(&code, &hand_written);
    constructors::add(&api, &mut code, &methods);
    lap("constructors");
    names::check(&canonical, &api, &code, &hand_written, &spec_name)?;
    lap("names");
    // Last change to the code: nothing added after it escapes it.
    docs::make_text(&mut code);
    lap("docs");

    let header = format::header(&spec_name, &sha);
    let (rust, mocks) = mock::outlined(&mut code, |outlined, mocks| {
        (
            format::rust_file(&header, outlined),
            format::rust_file(&header, mocks),
        )
    });
    let files = vec![
        OutputFile {
            path: NORMALIZED,
            contents: format::normalized_json(&canonical_text, &spec_name, &sha),
        },
        OutputFile {
            path: GENERATED_RUST,
            contents: rust,
        },
        OutputFile {
            path: GENERATED_MOCKS,
            contents: mocks,
        },
    ];
    lap("format");
    // CHANGELOG.md's generated part, when the root keeps a changelog.
    let files: Vec<OutputFile> = files
        .into_iter()
        .chain(changelog::output(root, spec, &canonical)?)
        .collect();
    lap("changelog");

    let dropped = api.operations.iter().flat_map(|op| {
        op.left_out.iter().map(|name| {
            format!(
                "{spec_name}: query parameter `{name}` of `{}` is not generated: \
                 `style: deepObject` is not supported by {}",
                op.id,
                error::PROGENITOR
            )
        })
    });
    let warnings = moot_fixes
        .into_iter()
        .chain(renamed)
        .chain(dropped)
        .chain(mock_warnings)
        .collect();
    Ok(Generated {
        files,
        code,
        spec: canonical,
        spec_sha256: sha,
        operations: api.operations.len(),
        warnings,
        stages,
    })
}

/// progenitor alone on `spec` with our fixes applied (no remodel, no patches):
/// the reference `run` is measured against. Returns the formatted Rust file, or
/// why progenitor could not generate it. Nothing is written.
pub fn run_plain(root: &Path, spec: &Path) -> std::result::Result<String, String> {
    let (spec_name, mut document) =
        load_outlined(root, spec, &load::Limits::default()).map_err(|e| e.to_string())?;
    let fixes = load_fixes(root).map_err(|e| e.to_string())?;
    fix::apply(&mut document, &fixes, FIXES).map_err(|e| e.to_string())?;
    let canonical = normalize::canonical(&document);
    let openapi = validate::parse(&canonical, &spec_name).map_err(|e| e.to_string())?;
    let code = generate::generate_plain(&openapi)?;
    Ok(format::rust_file(
        "// progenitor alone (reference)\n\n",
        &code,
    ))
}

/// Loads a spec and checks it is an OpenAPI 3.0 document at all (before fixes,
/// so that a wrong file is not reported as a stale fix). Returns its display name too.
fn load_outlined(
    root: &Path,
    spec: &Path,
    limits: &load::Limits,
) -> Result<(String, serde_json::Value)> {
    let spec_name = display_name(root, spec);
    let document = load::load_file_with(spec, &spec_name, limits)?;
    validate::outline(&document, &spec_name)?;
    Ok((spec_name, document))
}

fn load_fixes(root: &Path) -> Result<fix::FixFile> {
    let text = std::fs::read_to_string(root.join(FIXES)).map_err(|e| {
        Error::new(
            FIXES,
            Location::File,
            format!("cannot read the fixes file: {e}"),
            "restore it from git; an empty list is written `fixes: []`",
        )
    })?;
    fix::parse(&text, FIXES)
}

/// A spec file as the drift report compares it: loaded, with the fixes that fit
/// applied (an older or newer spec may not need them all), normalized.
/// Returns the spec and the ids of the fixes that did not fit.
pub fn comparable_spec(root: &Path, spec: &Path) -> Result<(serde_json::Value, Vec<String>)> {
    let (_, mut document) = load_outlined(root, spec, &load::Limits::default())?;
    let skipped = fix::apply_where_they_fit(&mut document, &load_fixes(root)?);
    Ok((normalize::canonical(&document), skipped))
}

/// The checked-in normalized spec (the last one generated from), if any.
pub fn previous_spec(root: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(root.join(NORMALIZED)).ok()?;
    let mut value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.as_object_mut()?.remove("x-generated");
    Some(value)
}

/// The spec's name in messages and headers: relative to the root when inside it,
/// so output does not depend on where the workspace is checked out.
fn display_name(root: &Path, spec: &Path) -> String {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let name: PathBuf = absolute(spec)
        .strip_prefix(absolute(root))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| spec.to_path_buf());
    name.to_string_lossy().replace('\\', "/")
}
