//! oz-api as a published crate: its `rust-version` is what its dependencies need.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// `1.88` → (1, 88, 0).
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

/// Edition 2024 needs Rust 1.85.
const EDITION_2024: (u64, u64, u64) = (1, 85, 0);

#[test]
fn rust_version_is_what_the_dependencies_need() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Every feature: a user may turn any of them on.
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--offline",
        ])
        .current_dir(tests::root())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = |id: &str| {
        metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
    };
    let oz_api = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "oz-api")
        .unwrap();
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    // What building oz-api compiles: normal and build dependencies, transitively.
    let mut closure = BTreeSet::new();
    let mut stack = vec![oz_api["id"].as_str().unwrap().to_string()];
    while let Some(id) = stack.pop() {
        if !closure.insert(id.clone()) {
            continue;
        }
        let node = nodes.iter().find(|n| n["id"] == id.as_str()).unwrap();
        for dep in node["deps"].as_array().unwrap() {
            let built = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if built {
                stack.push(dep["pkg"].as_str().unwrap().to_string());
            }
        }
    }
    closure.remove(oz_api["id"].as_str().unwrap());
    let (needed, by) = closure
        .iter()
        .filter_map(|id| {
            let p = package(id);
            Some((
                version(p["rust_version"].as_str()?),
                p["name"].as_str()?.to_string(),
            ))
        })
        .chain([(EDITION_2024, "edition 2024".to_string())])
        .max()
        .unwrap();
    let declared = oz_api["rust_version"]
        .as_str()
        .expect("oz-api declares rust-version");
    let needed_text = format!("{}.{}", needed.0, needed.1);
    assert_eq!(
        version(declared),
        needed,
        "oz-api's rust-version is {declared}, but its dependencies need {needed_text} ({by}): \
         set `rust-version = \"{needed_text}\"` in the root Cargo.toml's [workspace.package]"
    );
}
