//! The crate root of oz-api names each item once. Its names come from
//! `oz-api/src/lib.rs` and, through `pub use generated::*`, from the top of the
//! generated module; a name both define is listed twice by rustdoc (a new user
//! saw `oz_api::Error` and progenitor's `Error` side by side), although code
//! sees only the explicit one.

use std::collections::BTreeMap;

/// The names a file's top level makes public, each with what defines it.
/// A glob re-export of `generated` brings in what `generated` makes public.
fn public_names(file: &syn::File, generated: Option<&syn::File>) -> Vec<(String, String)> {
    let mut names = Vec::new();
    for item in &file.items {
        let (vis, name) = match item {
            syn::Item::Use(u) => {
                if matches!(u.vis, syn::Visibility::Public(_)) {
                    use_names(&u.tree, String::new(), generated, &mut names);
                }
                continue;
            }
            syn::Item::Mod(m) => (&m.vis, &m.ident),
            syn::Item::Struct(s) => (&s.vis, &s.ident),
            syn::Item::Enum(e) => (&e.vis, &e.ident),
            syn::Item::Fn(f) => (&f.vis, &f.sig.ident),
            syn::Item::Trait(t) => (&t.vis, &t.ident),
            syn::Item::Type(t) => (&t.vis, &t.ident),
            syn::Item::Const(c) => (&c.vis, &c.ident),
            syn::Item::Static(s) => (&s.vis, &s.ident),
            _ => continue,
        };
        if matches!(vis, syn::Visibility::Public(_)) {
            names.push((name.to_string(), format!("{name} (defined here)")));
        }
    }
    names
}

fn use_names(
    tree: &syn::UseTree,
    prefix: String,
    generated: Option<&syn::File>,
    names: &mut Vec<(String, String)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            use_names(&p.tree, format!("{prefix}{}::", p.ident), generated, names)
        }
        syn::UseTree::Name(n) => names.push((n.ident.to_string(), format!("{prefix}{}", n.ident))),
        syn::UseTree::Rename(r) => {
            names.push((r.rename.to_string(), format!("{prefix}{}", r.ident)))
        }
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_names(tree, prefix.clone(), generated, names);
            }
        }
        syn::UseTree::Glob(_) => {
            let generated = generated
                .filter(|_| prefix == "generated::")
                .unwrap_or_else(|| panic!("a glob re-export of `{prefix}*` this test cannot read"));
            for (name, from) in public_names(generated, None) {
                names.push((name, format!("{prefix}{from}")));
            }
        }
    }
}

fn parse(path: &str) -> syn::File {
    let text = std::fs::read_to_string(tests::root().join(path)).unwrap();
    syn::parse_file(&text).unwrap()
}

#[test]
fn the_crate_root_names_each_item_once_and_error_is_the_crates_own() {
    let lib = parse("oz-api/src/lib.rs");
    let generated = parse("oz-api/src/generated.rs");
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, from) in public_names(&lib, Some(&generated)) {
        by_name.entry(name).or_default().push(from);
    }
    let twice: Vec<_> = by_name.iter().filter(|(_, from)| from.len() > 1).collect();
    assert!(
        twice.is_empty(),
        "the crate root names these more than once: {twice:?}"
    );
    assert_eq!(by_name["Error"], ["errors::Error"]);
    // What users name from the generated module is still there.
    for name in [
        "Client",
        "types",
        "builder",
        "ResponseValue",
        "ByteStream",
        "ClientInfo",
    ] {
        assert!(by_name.contains_key(name), "`oz_api::{name}` is gone");
    }
}

/// The docs that say which API version the client is built for say the one it
/// sends (`ClientInfo::api_version`, from the spec's `info.version`).
#[test]
fn the_docs_name_the_api_version_the_client_sends() {
    let generated = std::fs::read_to_string(tests::root().join("oz-api/src/generated.rs")).unwrap();
    let (_, after) = generated
        .split_once("fn api_version() -> &'static str {")
        .unwrap();
    let version = after.split('"').nth(1).unwrap();
    for doc in ["README.md", "oz-api/README.md", "oz-api/src/lib.rs"] {
        let text = std::fs::read_to_string(tests::root().join(doc)).unwrap();
        let said: Vec<&str> = text
            .split("api-version: ")
            .skip(1)
            .map(|rest| {
                rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                    .next()
                    .unwrap()
            })
            .map(|v| v.trim_end_matches('.'))
            .collect();
        assert!(
            !said.is_empty(),
            "{doc} does not say which api-version is sent"
        );
        assert!(
            said.iter().all(|v| *v == version),
            "{doc} says api-version {said:?}, the client sends {version}"
        );
    }
}
