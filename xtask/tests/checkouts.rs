//! Two checkouts sharing one target directory (a global `CARGO_TARGET_DIR`, git
//! worktrees, CI caches) share one xtask binary: cargo builds it in the first and
//! does not rebuild it for the second, where only the checkout differs. Each
//! `cargo xtask regen` must still read and write the checkout it is run in.
//!
//! The checkouts are copies of this working tree's files (tracked and untracked,
//! not ignored, with their modification times) in a temporary directory; the
//! target directory they share stays in `target/xtask-checkouts/target`, so only
//! the first run builds xtask's dependencies (about a minute or two on 2 cores)
//! and later ones take seconds.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// This workspace: cargo sets xtask's manifest directory for the test at run time.
fn root() -> PathBuf {
    let xtask = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    xtask.parent().expect("xtask/ is in the root").to_path_buf()
}

/// The files of the working tree a checkout needs: tracked and untracked ones,
/// without the ignored (`target/`, `node_modules/`) and the deleted.
fn workspace_files(root: &Path) -> Vec<PathBuf> {
    let output = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .expect("this test lists the workspace's files with git: install git");
    assert!(
        output.status.success(),
        "git ls-files failed in {}: {}",
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 file names")
        .split('\0')
        .filter(|name| !name.is_empty())
        .map(PathBuf::from)
        .filter(|name| root.join(name).is_file())
        .collect()
}

/// Copies `files` from `from` to `to`, keeping their modification times, so that
/// cargo finds the same sources as last run and builds nothing new.
fn copy(files: &[PathBuf], from: &Path, to: &Path) {
    for name in files {
        let (source, target) = (from.join(name), to.join(name));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&source, &target).unwrap();
        let modified = std::fs::metadata(&source).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(&target)
            .and_then(|file| file.set_modified(modified))
            .unwrap();
    }
}

/// `cargo run -p xtask -- regen EXTRA` in `checkout`, building into `target`.
fn regen(checkout: &Path, target: &Path, extra: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let started = Instant::now();
    let output = Command::new(cargo)
        .current_dir(checkout)
        .args(["run", "--offline", "-p", "xtask", "--", "regen"])
        .args(extra)
        // Whatever target directory the outer cargo uses, this one is ours.
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_BUILD_DIR")
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo");
    eprintln!(
        "cargo run -p xtask -- {} in {}: {:.1} s",
        format!("regen {}", extra.join(" ")).trim_end(),
        checkout.file_name().unwrap().to_string_lossy(),
        started.elapsed().as_secs_f64()
    );
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn generated(checkout: &Path) -> Vec<String> {
    [codegen::NORMALIZED, codegen::GENERATED_RUST]
        .iter()
        .map(|file| std::fs::read_to_string(checkout.join(file)).unwrap())
        .collect()
}

/// Appends `marker` to the first operation's summary (a documentation change,
/// in both generated files).
fn edit_summary(checkout: &Path, marker: &str) {
    let spec = checkout.join(codegen::SPEC);
    let text = std::fs::read_to_string(&spec).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("      summary: "))
        .expect("the spec has an operation with a summary");
    let edited = text.replacen(line, &format!("{line}{marker}"), 1);
    std::fs::write(&spec, edited).unwrap();
}

/// Sets oz-api's version in the checkout's manifest.
fn set_version(checkout: &Path, version: &str) {
    let manifest = checkout.join("oz-api/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("version = "))
        .expect("oz-api/Cargo.toml sets its version");
    let edited = text.replacen(line, &format!("version = \"{version}\""), 1);
    std::fs::write(&manifest, edited).unwrap();
}

#[test]
fn regen_acts_on_the_checkout_it_is_run_in() {
    let root = root();
    let shared = root.join("target/xtask-checkouts");
    let target = shared.join("target");
    std::fs::create_dir_all(&target).unwrap();
    let checkouts = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&shared)
        .unwrap();
    let (a, b) = (checkouts.path().join("a"), checkouts.path().join("b"));
    let files = workspace_files(&root);
    copy(&files, &root, &a);
    copy(&files, &a, &b);

    // A builds xtask (or finds it built) and regenerates A.
    let output = regen(&a, &target, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let a_generated = generated(&a);

    // B, another version of oz-api, reuses A's binary, and regen regenerates B
    // from B's spec, with B's version in the drift report.
    let b_before = generated(&b);
    set_version(&b, "0.7.0");
    edit_summary(&b, " (edited in checkout B)");
    let output = regen(&b, &target, &[]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Compiling xtask"),
        "cargo rebuilt xtask for checkout B, so this test no longer runs one \
         binary in two checkouts:\n{stderr}"
    );
    let stdout = text(&output.stdout);
    // The normalized spec, the Rust file, CHANGELOG.md's generated part and
    // the mocks' file (its header names the spec's hash).
    assert!(stdout.contains("regen: 4 files changed"), "{stdout}");
    assert!(
        stdout.contains("release 0.7.1 (from 0.7.0)"),
        "no drift report with B's version:\n{stdout}"
    );
    let b_after = generated(&b);
    for (file, (before, after)) in b_before.iter().zip(&b_after).enumerate() {
        assert_ne!(before, after, "B's generated file {file} did not change");
        assert!(after.contains("(edited in checkout B)"));
    }
    assert_eq!(a_generated, generated(&a), "regen in B changed A's files");
    let mocks = |checkout: &Path| std::fs::read(checkout.join(codegen::GENERATED_MOCKS)).unwrap();
    assert_ne!(mocks(&a), mocks(&b), "B's mocks' file was not regenerated");

    // --check: A is fresh; B, after another edit, is stale.
    let output = regen(&a, &target, &["--check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("generated files are up to date"));
    edit_summary(&b, " (edited again)");
    let output = regen(&b, &target, &["--check"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("error: generated files are stale"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(b_after, generated(&b), "regen --check wrote into B");
}
