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
            "oz-api/src/generated/mocks.rs",
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

    /// A scratch copy that is also a cargo workspace with an `oz-api` package
    /// at version 0.3.0, where regen reads the version for its drift report.
    pub fn workspace() -> Scratch {
        let scratch = Scratch::new();
        std::fs::write(
            scratch.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"oz-api\"]\nresolver = \"3\"\n",
        )
        .unwrap();
        std::fs::write(
            scratch.path().join("oz-api/Cargo.toml"),
            "[package]\nname = \"oz-api\"\nversion = \"0.3.0\"\nedition = \"2024\"\n\n\
             [lib]\npath = \"src/generated.rs\"\n",
        )
        .unwrap();
        scratch
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

/// The documented nodes of `rust` (a generated file) with a code block that is
/// not a `text` block, as `node: info` of the first such block (`indented` for
/// an indented one): what rustdoc would compile and run as a doctest. Docs are
/// read per node, fragments joined as rustdoc joins them, and each alone too.
pub fn doctests_in(rust: &str) -> Vec<String> {
    // VisitMut: the workspace's syn has `visit-mut` (not `visit`) enabled.
    use syn::visit_mut::VisitMut;

    struct Docs(Vec<String>);
    impl Docs {
        fn check(&mut self, node: &str, attrs: &[syn::Attribute]) {
            let fragments: Vec<String> = attrs.iter().filter_map(doc_of).collect();
            let joined = fragments.join("\n");
            // One finding per node: the first block that is not text.
            let found = [&joined]
                .into_iter()
                .chain(&fragments)
                .flat_map(|doc| codegen::docs::code_blocks(doc))
                .find(|info| info.as_deref() != Some("text"));
            if let Some(info) = found {
                let info = info.unwrap_or_else(|| "indented".into());
                self.0.push(format!("{node}: {info}"));
            }
        }
    }
    fn doc_of(attr: &syn::Attribute) -> Option<String> {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            return None;
        };
        match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) if nv.path.is_ident("doc") => Some(s.value()),
            _ => None,
        }
    }
    impl VisitMut for Docs {
        fn visit_item_mut(&mut self, item: &mut syn::Item) {
            use syn::Item as I;
            let attrs = match item {
                I::Const(i) => &i.attrs,
                I::Enum(i) => &i.attrs,
                I::ExternCrate(i) => &i.attrs,
                I::Fn(i) => &i.attrs,
                I::ForeignMod(i) => &i.attrs,
                I::Impl(i) => &i.attrs,
                I::Macro(i) => &i.attrs,
                I::Mod(i) => &i.attrs,
                I::Static(i) => &i.attrs,
                I::Struct(i) => &i.attrs,
                I::Trait(i) => &i.attrs,
                I::TraitAlias(i) => &i.attrs,
                I::Type(i) => &i.attrs,
                I::Union(i) => &i.attrs,
                I::Use(i) => &i.attrs,
                _ => &Vec::new(),
            };
            self.check("item", attrs);
            syn::visit_mut::visit_item_mut(self, item);
        }
        fn visit_impl_item_fn_mut(&mut self, item: &mut syn::ImplItemFn) {
            self.check(&format!("fn {}", item.sig.ident), &item.attrs);
            syn::visit_mut::visit_impl_item_fn_mut(self, item);
        }
        fn visit_impl_item_const_mut(&mut self, item: &mut syn::ImplItemConst) {
            self.check("impl const", &item.attrs);
        }
        fn visit_impl_item_type_mut(&mut self, item: &mut syn::ImplItemType) {
            self.check("impl type", &item.attrs);
        }
        fn visit_trait_item_mut(&mut self, item: &mut syn::TraitItem) {
            if let syn::TraitItem::Fn(f) = item {
                self.check("trait fn", &f.attrs);
            }
            syn::visit_mut::visit_trait_item_mut(self, item);
        }
        fn visit_field_mut(&mut self, field: &mut syn::Field) {
            self.check("field", &field.attrs);
            syn::visit_mut::visit_field_mut(self, field);
        }
        fn visit_variant_mut(&mut self, variant: &mut syn::Variant) {
            self.check(&format!("variant {}", variant.ident), &variant.attrs);
            syn::visit_mut::visit_variant_mut(self, variant);
        }
    }
    let mut file: syn::File = syn::parse_str(rust).expect("the generated file parses");
    let mut docs = Docs(Vec::new());
    docs.check("file", &file.attrs);
    docs.visit_file_mut(&mut file);
    docs.0
}
