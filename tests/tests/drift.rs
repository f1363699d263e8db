//! Drift snapshots: any change to the spec fails `cargo test` until a maintainer
//! reviews it (`cargo insta review`), and only the snapshots of the operations
//! and types that changed fail. Plus the freshness test for generated files.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use tests::root;

#[test]
fn api_snapshots() {
    let root = root();
    let generated =
        codegen::run(&root, &root.join(codegen::SPEC)).unwrap_or_else(|e| panic!("{e}"));
    let snapshots = codegen::surface::snapshots(&generated.spec, &generated.code);

    // Assert every snapshot, then report all that changed (not just the first).
    let mut changed = Vec::new();
    for (name, text) in &snapshots {
        let result = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(name.as_str(), text);
            });
        }));
        if result.is_err() {
            changed.push(name.clone());
        }
    }

    // A snapshot file whose operation or type is gone would otherwise linger.
    let dir = root.join("tests/tests/snapshots");
    let expected: BTreeSet<String> = snapshots.keys().map(|n| format!("{n}.snap")).collect();
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|f| f.ends_with(".snap") && !expected.contains(f))
                .collect()
        })
        .unwrap_or_default();

    assert!(
        changed.is_empty() && orphans.is_empty(),
        "the generated API changed.\n  changed or new snapshots: {changed:?}\n  \
         snapshots of operations/types that no longer exist: {orphans:?}\n\
         review with `cargo insta review` (delete orphans from tests/tests/snapshots)"
    );
}

/// rust-analyzer style: plain `cargo test` fails when checked-in generated files are stale.
#[test]
fn generated_files_are_fresh() {
    let root = root();
    let generated =
        codegen::run(&root, &root.join(codegen::SPEC)).unwrap_or_else(|e| panic!("{e}"));
    let stale = codegen::write::check(&root, &generated.files);
    let names: Vec<&str> = stale.iter().map(|s| s.path).collect();
    assert!(
        stale.is_empty(),
        "generated files are stale: {names:?}\nrun `cargo xtask regen` and commit the result\n{}",
        stale
            .iter()
            .map(|s| s.diff.lines().take(40).collect::<Vec<_>>().join("\n"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
