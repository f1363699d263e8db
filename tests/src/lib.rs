//! Helpers shared by the workspace tests.

/// The README's Rust examples, compiled by `cargo test -p tests --doc`.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeExamples;

/// The published crate's README (oz-api/README.md), likewise.
#[doc = include_str!("../../oz-api/README.md")]
#[cfg(doctest)]
pub struct CrateReadmeExamples;

pub mod batch;
pub mod corpus;
pub mod mutate;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace root")
        .to_path_buf()
}

/// A scratch workspace: a temporary directory holding a copy of `spec/` and
/// the generated files, so the pipeline can run and write without touching the
/// real tree.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("temporary directory");
        for file in [
            "spec/oz-api.yaml",
            "spec/oz-api.fixes.yaml",
            "spec/oz-api.normalized.json",
            "oz-api/src/generated.rs",
        ] {
            let target = dir.path().join(file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(root().join(file), &target).unwrap();
        }
        // The hand-written layer: regen checks names against it.
        let src = root().join("oz-api/src");
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            if path.extension().is_some_and(|e| e == "rs") && name != "generated.rs" {
                std::fs::copy(&path, dir.path().join("oz-api/src").join(name)).unwrap();
            }
        }
        Scratch { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn spec(&self) -> PathBuf {
        self.path().join("spec/oz-api.yaml")
    }

    /// Every file under the scratch root with its bytes, to prove nothing changed.
    pub fn contents(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        out.sort();
        out
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

/// The published spec as YAML text.
pub fn published_spec() -> String {
    std::fs::read_to_string(root().join("spec/oz-api.yaml")).unwrap()
}

/// The published spec as a JSON value, for tests that mutate it.
pub fn published_spec_value() -> serde_json::Value {
    codegen::load::parse(&published_spec(), "spec/oz-api.yaml").unwrap()
}
