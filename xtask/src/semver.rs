//! `cargo xtask semver [--baseline-rev REV]`: cargo-semver-checks on oz-api (its
//! default features) against the last release.
//!
//! The baseline is the last release: the commit that added the newest
//! `spec/released/oz-api-<version>.yaml` (hand-written layer included); when git
//! knows none, that spec generated into a scratch copy of this checkout (only the
//! generated code differs); with `--baseline-rev REV`, oz-api as committed at REV.
//!
//! cargo-semver-checks is pinned ([`SEMVER_CHECKS`]) and installed once into
//! `$CARGO_HOME/oz-api-tools/`, shared by checkouts. Both builds share `target/semver`, so a warm run re-documents
//! oz-api only.
//!
//! Exit status: 0 when oz-api's version allows every change, 1 when it does not
//! (the report says which) or the check could not run (`error: …`).

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use codegen::{Error, Location};

/// The cargo-semver-checks to run. Each release reads a few rustdoc JSON formats
/// only (0.51.0: v57, v60 and v61; rustc 1.95.0 writes v57) and needs a recent
/// rustc (0.51.0: ≥ 1.93): change it when a toolchain update makes this command
/// say so.
pub const SEMVER_CHECKS: &str = "0.51.0";

/// Named in errors about the pin.
const THIS_FILE: &str = "xtask/src/semver.rs";

/// `release_type` (`major`, `minor`, `patch`): the bump to check the changes
/// against, instead of the difference between oz-api's version and the baseline's.
pub fn run(
    root: &Path,
    baseline_rev: Option<&str>,
    release_type: Option<&str>,
) -> Result<ExitCode, Error> {
    let tool = install(root)?;
    let started = Instant::now();

    let mut check = Command::new(&tool);
    check
        .current_dir(root)
        .args(["semver-checks", "check-release", "--package", "oz-api"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--default-features")
        .args(
            release_type
                .map(|t| ["--release-type", t])
                .into_iter()
                .flatten(),
        )
        // cargo-semver-checks builds each side in `<its target dir>/semver-checks`:
        // one shared directory, or the scratch baseline would rebuild every
        // dependency on every run.
        .env("CARGO_TARGET_DIR", root.join("target").join("semver"));
    // Dropped (and deleted) after the check.
    let _scratch;
    let baseline = match baseline_rev {
        Some(rev) => {
            check.args(["--baseline-rev", rev]);
            format!("git revision {rev}")
        }
        // The commit that recorded the last release's spec: oz-api as released,
        // hand-written layer included (which the drift report does not see).
        None => {
            let spec = newest_release(root)?;
            match release_commit(root, &spec) {
                Some(rev) => {
                    check.args(["--baseline-rev", &rev]);
                    format!(
                        "the release commit {} (which added {spec})",
                        &rev[..rev.len().min(12)]
                    )
                }
                None => {
                    let scratch = released_baseline(root, &spec)?;
                    check.arg("--baseline-root").arg(&scratch.0);
                    _scratch = scratch;
                    format!("{spec}, regenerated with today's hand-written layer")
                }
            }
        }
    };
    if std::io::stderr().is_terminal() && std::env::var_os("CARGO_TERM_COLOR").is_none() {
        // Its output is piped to us (to read errors), which would turn colours off.
        check.env("CARGO_TERM_COLOR", "always");
    }

    let (status, output) = run_echoing(check).map_err(|e| {
        pin_error(
            format!("cannot run {}: {e}", tool.display()),
            "delete $CARGO_HOME/oz-api-tools to reinstall it",
        )
    })?;
    let seconds = started.elapsed().as_secs_f64();
    match status.code() {
        Some(0) => {
            println!(
                "semver: oz-api's version allows every change since {baseline} \
                 (cargo-semver-checks {SEMVER_CHECKS}, {seconds:.0} s)"
            );
            Ok(ExitCode::SUCCESS)
        }
        // Lints failed (101 is any other error); the report above names each change.
        Some(100) => {
            eprintln!(
                "error: oz-api has changes since {baseline} that its version does not allow \
                 (see above)\n  hint: undo them, or bump `version` in oz-api/Cargo.toml as \
                 the summary says (for 0.x, a breaking change needs the next minor)"
            );
            Ok(ExitCode::from(1))
        }
        _ => Err(match toolchain_mismatch(&output) {
            Some(said) => pin_error(
                format!(
                    "cargo-semver-checks {SEMVER_CHECKS} cannot check with this toolchain \
                     ({}): {said}",
                    rustc_version()
                ),
                format!(
                    "change SEMVER_CHECKS in {THIS_FILE} to a cargo-semver-checks release that \
                     supports this toolchain (its changelog names the rustdoc JSON formats each \
                     reads), or run with one {SEMVER_CHECKS} supports: \
                     `cargo +TOOLCHAIN xtask semver`{}",
                    installed_toolchains()
                ),
            ),
            None => pin_error(
                format!("cargo-semver-checks failed ({status}) comparing with {baseline}"),
                "see its output above",
            ),
        }),
    }
}

/// The pinned cargo-semver-checks, installed unless it is there at that version:
/// per version under `$CARGO_HOME/oz-api-tools/` (default `~/.cargo`),
/// shared by every checkout: a fresh clone does not compile it again.
fn install(root: &Path) -> Result<PathBuf, Error> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| root.join("target"));
    let tools = cargo_home
        .join("oz-api-tools")
        .join(format!("cargo-semver-checks-{SEMVER_CHECKS}"));
    let bin = tools.join("bin").join(format!(
        "cargo-semver-checks{}",
        std::env::consts::EXE_SUFFIX
    ));
    let installed = Command::new(&bin).arg("--version").output();
    // It prints `cargo-semver-checks 0.51.0`.
    if installed.is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .ends_with(&format!(" {SEMVER_CHECKS}"))
    }) {
        return Ok(bin);
    }
    eprintln!(
        "semver: installing cargo-semver-checks {SEMVER_CHECKS} into {} \
         (once; it compiles for several minutes)",
        tools.display()
    );
    let status = Command::new(crate::cargo())
        .args(["install", "--locked", "--force", "cargo-semver-checks"])
        .arg("--version")
        .arg(format!("={SEMVER_CHECKS}"))
        .arg("--root")
        .arg(&tools)
        .status();
    match status {
        Ok(status) if status.success() => Ok(bin),
        outcome => Err(pin_error(
            format!(
                "cannot install cargo-semver-checks {SEMVER_CHECKS} with {} \
                 (it needs rustc ≥ 1.93 to build): {}",
                rustc_version(),
                match outcome {
                    Ok(status) => format!("`cargo install` failed ({status}), see above"),
                    Err(e) => format!("cannot run cargo: {e}"),
                }
            ),
            format!("check the network and the toolchain, or change SEMVER_CHECKS in {THIS_FILE}"),
        )),
    }
}

/// A scratch copy of the checkout with oz-api generated from the released
/// `spec` (a path relative to `root`).
fn released_baseline(root: &Path, spec: &str) -> Result<Scratch, Error> {
    let scratch =
        Scratch(std::env::temp_dir().join(format!("oz-api-semver-{}", std::process::id())));
    // The working tree's files, untracked ones included: the same sources the
    // current side is built from, so only the generated code differs.
    let listed = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .ok_or_else(|| {
            Error::io(
                root.display().to_string(),
                "`git ls-files` failed: cannot list the files to copy for the baseline",
                "run it in a git checkout of oz-api, or give --baseline-rev REV",
            )
        })?;
    for name in String::from_utf8_lossy(&listed.stdout).split('\0') {
        let from = root.join(name);
        // Deleted in the working tree (or a directory, e.g. a submodule).
        if name.is_empty() || !from.is_file() {
            continue;
        }
        let to = scratch.0.join(name);
        std::fs::create_dir_all(to.parent().unwrap_or(&scratch.0))
            .and_then(|()| std::fs::copy(&from, &to))
            .map_err(|e| {
                Error::io(
                    to.display().to_string(),
                    format!("cannot copy {name} for the baseline: {e}"),
                    "check free space in the temporary directory (TMPDIR)",
                )
            })?;
    }
    let generated = codegen::run(&scratch.0, &scratch.0.join(spec))?;
    codegen::write::write_all(&scratch.0, &generated.files)?;
    Ok(scratch)
}

/// The commit (on HEAD's history) that added the released `spec`, if git knows one.
fn release_commit(root: &Path, spec: &str) -> Option<String> {
    let log = Command::new("git")
        .current_dir(root)
        .args(["log", "--diff-filter=A", "--format=%H", "-1", "--", spec])
        .output();
    log.ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|rev| !rev.is_empty())
}

/// The newest released spec (`spec/released/oz-api-<version>.yaml`, by version),
/// as the changelog finds it.
fn newest_release(root: &Path) -> Result<String, Error> {
    codegen::changelog::newest_release(root)?
        .map(|(_, spec)| spec)
        .ok_or_else(|| {
            Error::new(
                codegen::changelog::RELEASED,
                Location::File,
                "no released spec to compare with: no oz-api-<version>.yaml in it",
                "keep the spec of each release as spec/released/oz-api-<version>.yaml, \
                 or compare with a git revision: --baseline-rev REV",
            )
        })
}

/// Runs `command` with its stdout and stderr merged (its report on one stream,
/// in order), copied to our stderr as they come, and also returned.
fn run_echoing(mut command: Command) -> std::io::Result<(std::process::ExitStatus, String)> {
    let (reader, writer) = std::io::pipe()?;
    command.stdout(writer.try_clone()?).stderr(writer);
    let mut child = command.spawn()?;
    // Our copies of the writer would keep the pipe open after the child exits.
    drop(command);
    let mut captured = String::new();
    for line in BufReader::new(reader).lines() {
        let line = line?;
        eprintln!("{line}");
        captured.push_str(&line);
        captured.push('\n');
    }
    Ok((child.wait()?, captured))
}

/// What cargo-semver-checks said, if it failed because it cannot work with this
/// toolchain: trustfall_rustdoc's `UnsupportedFormat` (a rustdoc JSON format it
/// has no adapter for, with the list it has on the next line), `RustdocParsing`
/// (a format number it knows, with other contents: a nightly), or its rustc minimum.
fn toolchain_mismatch(output: &str) -> Option<String> {
    const SIGNS: [&str; 3] = [
        "unsupported rustdoc format v",
        "failed to parse rustdoc JSON format v",
        "rustc version is not high enough",
    ];
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    // From the sign on: the line may start with `error: ` (ANSI-coloured or not).
    let (at, start) = lines.iter().enumerate().find_map(|(i, line)| {
        SIGNS
            .iter()
            .find_map(|sign| line.find(sign))
            .map(|start| (i, start))
    })?;
    let mut said = lines[at][start..].to_string();
    if let Some(next) = lines
        .get(at + 1)
        .filter(|l| l.starts_with("(supported formats"))
    {
        said = format!("{said} {next}");
    }
    Some(said)
}

fn pin_error(message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::new(THIS_FILE, Location::File, message, hint)
}

/// `rustc --version` of the toolchain cargo-semver-checks will use (`$RUSTC`, as
/// it reads it, else `rustc`).
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "rustc of unknown version".into())
}

/// ` (installed: a, b)` from `rustup toolchain list`, or nothing without rustup.
fn installed_toolchains() -> String {
    let Ok(output) = Command::new("rustup").args(["toolchain", "list"]).output() else {
        return String::new();
    };
    let names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    if names.is_empty() {
        return String::new();
    }
    format!(" (installed: {})", names.join(", "))
}

/// A directory deleted when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::toolchain_mismatch;

    // Captured from cargo-semver-checks 0.51.0 (RUST_BACKTRACE unset), its rustdoc
    // JSON relabelled v58 by a wrapper set as RUSTDOC.
    const UNSUPPORTED: &str = "    Building oz-api v0.1.0 (current)
       Built [   3.912s] (current)
     Parsing oz-api v0.1.0 (current)
error: unsupported rustdoc format v58 for file: /tmp/semver-ws/target/semver/doc/oz_api.json
(supported formats are v57, v60, v61)
";

    // Captured with RUSTC set to a script that says it is rustc 1.90.0.
    const RUSTC_TOO_OLD: &str =
        "error: rustc version is not high enough: >=1.93.0 needed, got 1.90.0

HELP: to use the latest rustc, run `rustup update stable && cargo +stable semver-checks <args>`
";

    #[test]
    fn an_unsupported_rustdoc_format_is_a_toolchain_mismatch() {
        assert_eq!(
            toolchain_mismatch(UNSUPPORTED).as_deref(),
            Some(
                "unsupported rustdoc format v58 for file: \
                 /tmp/semver-ws/target/semver/doc/oz_api.json \
                 (supported formats are v57, v60, v61)"
            )
        );
    }

    #[test]
    fn a_rustc_below_its_minimum_is_a_toolchain_mismatch() {
        assert_eq!(
            toolchain_mismatch(RUSTC_TOO_OLD).as_deref(),
            Some("rustc version is not high enough: >=1.93.0 needed, got 1.90.0")
        );
    }

    #[test]
    fn a_failed_build_is_not() {
        let output = "error: running cargo-doc on crate 'oz-api' failed with output:\n-----\n\
                      error[E0425]: cannot find value `x` in this scope\n";
        assert_eq!(toolchain_mismatch(output), None);
    }
}
