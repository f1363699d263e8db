//! The workspace's tasks, run as `cargo xtask COMMAND` (an alias in `.cargo/config.toml`):
//!
//! - `cargo xtask regen [--check] [--spec PATH] [--root DIR] [--max-spec-bytes N]`: regenerate
//!   oz-api from the spec.
//! - `cargo xtask diff OLD NEW [--output FILE]`: what a spec update changes for users.
//! - `cargo xtask bench [--quick] [--only PART]`: the measurements in BENCHMARKS.md.
//! - `cargo xtask semver [--baseline-rev REV]`: cargo-semver-checks on oz-api against
//!   the last release (see xtask/src/semver.rs).
//! - `cargo xtask release --date YYYY-MM-DD [--breaking]`: release oz-api from the drift report.
//!
//! Every command acts on the checkout it is run in, found at run time: the
//! `CARGO_MANIFEST_DIR` that `cargo run` sets for xtask, or, when the binary is run
//! directly, the nearest directory at or above the current one whose `Cargo.toml` has
//! a `[workspace]` table. `regen --root DIR` overrides both. Never the path xtask was
//! compiled in: checkouts that share one target directory (a global
//! `CARGO_TARGET_DIR`, git worktrees, CI caches) share one xtask binary, which cargo
//! does not rebuild when only the checkout changed.
//!
//! oz-api's version (for the drift report's next release) is what
//! `cargo metadata` reads from that checkout, asked only when a report is printed;
//! `$CARGO` names the cargo binary when set.
//!
//! Exit status: 0 on success, 1 when a command fails (`error: …`; regen then
//! writes nothing) or `regen --check` finds stale files, 2 on a usage error.

mod bench;
mod release;
mod semver;
mod watchdog;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "oz-api's workspace tasks",
    override_usage = "cargo xtask regen [--check] [--spec PATH] [--root DIR]\n       \
                      cargo xtask diff OLD NEW [--output FILE]\n       \
                      cargo xtask bench [--quick] [--only PART]\n       \
                      cargo xtask release --date YYYY-MM-DD [--breaking] [--no-semver]\n       \
                      cargo xtask semver [--baseline-rev REV]",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// generate every file from spec/oz-api.yaml and write the ones that changed
    Regen {
        /// write nothing; fail with a diff if any generated file is stale
        #[arg(long)]
        check: bool,
        /// read the published spec from PATH instead of spec/oz-api.yaml
        /// (to try a new upstream version before adopting it)
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// the workspace to read fixes from and write into
        /// (default: the checkout xtask is run in)
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// refuse a spec larger than N bytes, or larger once its YAML aliases are
        /// expanded (default: $OZ_REGEN_MAX_SPEC_BYTES, else 4194304 = 4 MiB)
        #[arg(long, value_name = "N")]
        max_spec_bytes: Option<u64>,
    },
    /// report what changes for oz-api users between two spec files, and
    /// whether the release is breaking; Markdown to stdout or to FILE
    Diff {
        /// the spec file before the update
        old: PathBuf,
        /// the spec file after it
        new: PathBuf,
        /// write the report to FILE instead of stdout
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// measure regen, its growth with spec size, client overhead and compile cost
    Bench {
        /// fewer repetitions, no compile measurement (a smoke run)
        #[arg(long)]
        quick: bool,
        /// run one part only: regen, scaling, client, decode, compile
        #[arg(long, value_name = "PART")]
        only: Option<String>,
    },
    /// set oz-api's version from the drift verdict, move CHANGELOG.md's
    /// "Unreleased" under it and record the spec in spec/released/
    Release {
        /// the release date, written in CHANGELOG.md
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = release::date)]
        date: String,
        /// a hand-written change listed under "Unreleased" breaks code
        #[arg(long)]
        breaking: bool,
        /// do not run `cargo xtask semver` first (say why in the commit)
        #[arg(long)]
        no_semver: bool,
    },
    /// check oz-api with cargo-semver-checks against the last release
    /// (the newest spec/released/oz-api-<version>.yaml)
    Semver {
        /// compare with oz-api as committed at git revision REV instead
        #[arg(long, value_name = "REV")]
        baseline_rev: Option<String>,
    },
}

/// Why a command failed. `main` prints it as `error: {it}` and exits 1.
enum Error {
    /// From the pipeline, or finding the checkout or oz-api's version: names a
    /// file and says what to do.
    Located(codegen::Error),
    /// From a benchmark.
    Bench(String),
}

impl From<codegen::Error> for Error {
    fn from(e: codegen::Error) -> Self {
        Error::Located(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Located(e) => e.fmt(f),
            Error::Bench(e) => f.write_str(e),
        }
    }
}

fn main() -> ExitCode {
    // Usage errors: clap prints them and exits 2 (`--help`: prints it, exits 0).
    let command = Cli::parse().command;
    let regen = matches!(command, Command::Regen { .. });
    let result = match command {
        Command::Regen {
            check,
            spec,
            root,
            max_spec_bytes,
        } => with_deep_stack(|| run_regen(check, spec, root, max_spec_bytes)),
        Command::Diff { old, new, output } => diff(&old, &new, output.as_deref()),
        Command::Bench { quick, only } => bench(quick, only.as_deref()),
        Command::Release {
            date,
            breaking,
            no_semver,
        } => release::run(&date, breaking, !no_semver),
        Command::Semver { baseline_rev } => semver(baseline_rev.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if regen {
                eprintln!("nothing was written");
            }
            ExitCode::from(1)
        }
    }
}

/// The checkout to act on (see the module docs): the runtime `CARGO_MANIFEST_DIR`
/// of xtask when `cargo run` set it, else the current directory, and from there up
/// to the first `Cargo.toml` with a `[workspace]` table.
fn workspace_root() -> Result<PathBuf, codegen::Error> {
    // Set by `cargo run` (and `cargo test`) for xtask; an inherited one of another
    // package does not say where xtask was run.
    let from_cargo = match std::env::var_os("CARGO_PKG_NAME") {
        Some(name) if name == "xtask" => std::env::var_os("CARGO_MANIFEST_DIR"),
        _ => None,
    };
    let start = match from_cargo {
        Some(dir) => PathBuf::from(dir),
        None => std::env::current_dir().map_err(|e| {
            codegen::Error::new(
                ".",
                codegen::Location::File,
                format!("cannot read the current directory: {e}"),
                "run xtask from inside an oz-api checkout",
            )
        })?,
    };
    start
        .ancestors()
        .find(|dir| declares_workspace(&dir.join("Cargo.toml")))
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            codegen::Error::new(
                start.display().to_string(),
                codegen::Location::File,
                "no Cargo.toml with a [workspace] table here or in any parent directory",
                "run it in an oz-api checkout (regen: or give one with --root DIR)",
            )
        })
}

/// Whether the manifest at `path` exists and has a `[workspace]` table.
fn declares_workspace(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|manifest| {
        manifest.lines().any(|line| {
            let table = line.split('#').next().unwrap_or_default().trim();
            table == "[workspace]" || table.starts_with("[workspace.")
        })
    })
}

/// Runs `work` on a thread with a deep stack (1 GiB of address space, used
/// only as deep as it goes): the generator recurses through the spec's
/// schemas (progenitor and typify too), and a shape nobody bounded must end in
/// the watchdog's error, not in a stack overflow that aborts the process.
fn with_deep_stack<T: Send>(work: impl FnOnce() -> Result<T, Error> + Send) -> Result<T, Error> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("regen".into())
            .stack_size(1 << 30)
            .spawn_scoped(scope, work)
            .map_err(|e| {
                codegen::Error::new(
                    "xtask",
                    codegen::Location::File,
                    format!("cannot start the generator's thread: {e}"),
                    "free memory or raise the process's address-space limit (ulimit -v)",
                )
            })?;
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn run_regen(
    check: bool,
    spec: Option<PathBuf>,
    root: Option<PathBuf>,
    max_spec_bytes: Option<u64>,
) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let watchdog = watchdog::start()?;
    let root = match root {
        Some(root) => root,
        None => workspace_root()?,
    };
    let spec = spec.unwrap_or_else(|| root.join(codegen::SPEC));
    let mut options = codegen::Options::default();
    options.limits.max_spec_bytes = match max_spec_bytes {
        Some(max) => max,
        None => env_number(
            "OZ_REGEN_MAX_SPEC_BYTES",
            codegen::load::DEFAULT_MAX_SPEC_BYTES,
        )?,
    };
    let generated =
        codegen::run_with(&root, &spec, &options).map_err(|e| whose_failure(e, &root, &spec))?;

    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    if check {
        let stale = codegen::write::check(&root, &generated.files);
        if stale.is_empty() {
            println!(
                "regen --check: {} generated files are up to date",
                generated.files.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        for file in &stale {
            print!("{}", limit_lines(&file.diff, 400));
        }
        let names: Vec<&str> = stale.iter().map(|s| s.path).collect();
        eprintln!(
            "error: generated files are stale: {}\n  run `cargo xtask regen` and commit the result",
            names.join(", ")
        );
        return Ok(ExitCode::from(1));
    }

    // What this changes for users, against the spec generated from last time.
    if let Some(previous) = codegen::previous_spec(&root) {
        let report = codegen::drift::compare(&previous, &generated.spec, codegen::drift::GENERATED);
        if report.verdict().is_some() {
            print!(
                "{}",
                codegen::drift::markdown(&report, &crate_version(&root)?, "Oz API spec update")
            );
        }
    }

    let write_started = Instant::now();
    watchdog.writing();
    let changed = codegen::write::write_all(&root, &generated.files)?;
    let mut stages = generated.stages.clone();
    stages.push(("write", write_started.elapsed()));
    println!(
        "regen: {} operations, {} types, {} lines in {:.2} s ({})",
        generated.operations,
        generated.types(),
        generated.lines(),
        started.elapsed().as_secs_f64(),
        stages
            .iter()
            .map(|(name, d)| format!("{name} {:.0} ms", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match changed.as_slice() {
        [] => println!("regen: no files changed"),
        files => println!("regen: {} files changed: {}", files.len(), files.join(", ")),
    }
    Ok(ExitCode::SUCCESS)
}

/// The whole number in the environment variable `name`, or `default` when it
/// is unset (regen's limits: `OZ_REGEN_MAX_SPEC_BYTES`, the watchdog's).
fn env_number(name: &str, default: u64) -> Result<u64, codegen::Error> {
    let Some(value) = std::env::var_os(name) else {
        return Ok(default);
    };
    let value = value.to_string_lossy();
    value.trim().parse().map_err(|_| {
        codegen::Error::new(
            format!("${name}"),
            codegen::Location::File,
            format!("`{value}` is not a whole number"),
            format!("set {name} to a whole number (default {default}), or unset it"),
        )
    })
}

fn diff(old: &Path, new: &Path, output: Option<&Path>) -> Result<ExitCode, Error> {
    let root = workspace_root()?;
    let (before, skipped_old) = codegen::comparable_spec(&root, old)?;
    let (after, skipped_new) = codegen::comparable_spec(&root, new)?;
    for (path, skipped) in [(old, skipped_old), (new, skipped_new)] {
        if !skipped.is_empty() {
            eprintln!(
                "note: fixes not applied to {} (they do not fit it): {}",
                path.display(),
                skipped.join(", ")
            );
        }
    }
    let report = codegen::drift::compare(&before, &after, codegen::drift::GENERATED);
    let title = format!("{} → {}", file_name(old), file_name(new));
    let text = codegen::drift::markdown(&report, &crate_version(&root)?, &title);
    match output {
        None => print!("{text}"),
        Some(file) => std::fs::write(file, text).map_err(|e| {
            codegen::Error::io(
                file.display().to_string(),
                format!("cannot write: {e}"),
                "choose a writable path",
            )
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

fn bench(quick: bool, only: Option<&str>) -> Result<ExitCode, Error> {
    let root = workspace_root()?;
    bench::run(&root, quick, only).map_err(Error::Bench)?;
    Ok(ExitCode::SUCCESS)
}

fn semver(baseline_rev: Option<&str>) -> Result<ExitCode, Error> {
    let root = workspace_root()?;
    Ok(semver::run(&root, baseline_rev, None)?)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The cargo to run: `$CARGO` (set by cargo for the programs it runs), else `cargo`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// oz-api's version, as `cargo metadata` reads it from the workspace at `root`.
fn crate_version(root: &Path) -> Result<String, codegen::Error> {
    let manifest = root.join("Cargo.toml");
    let error = |message: String, hint: &str| {
        codegen::Error::new(
            manifest.display().to_string(),
            codegen::Location::File,
            format!("cannot read oz-api's version: {message}"),
            hint,
        )
    };
    let cargo = cargo();
    let output = std::process::Command::new(&cargo)
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .map_err(|e| {
            error(
                format!("cannot run `{} metadata`: {e}", cargo.to_string_lossy()),
                "install cargo, or set CARGO to the cargo binary",
            )
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr = stderr.trim();
        return Err(error(
            format!(
                "`cargo metadata` failed: {}",
                stderr.strip_prefix("error: ").unwrap_or(stderr)
            ),
            "the drift report names the next version: run it in an oz-api checkout \
             (regen: or give one with --root DIR) whose manifests cargo can read",
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        error(
            format!("`cargo metadata` printed no JSON: {e}"),
            "check the cargo that CARGO or PATH names",
        )
    })?;
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| package["name"] == "oz-api")
        .ok_or_else(|| {
            error(
                "the workspace has no package `oz-api`".into(),
                "run it in an oz-api checkout (regen: or give one with --root DIR)",
            )
        })?;
    package["version"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| {
            error(
                format!("{} has no version", package["manifest_path"]),
                "set `version` in oz-api's Cargo.toml",
            )
        })
}

fn limit_lines(text: &str, max: usize) -> String {
    let total = text.lines().count();
    if total <= max {
        return text.to_string();
    }
    let mut out: String = text.lines().take(max).flat_map(|l| [l, "\n"]).collect();
    out.push_str(&format!("... {} more diff lines\n", total - max));
    out
}

/// A failure blamed on the generated code (a patch pass that no longer finds
/// its target, say) says whether progenitor alone, with the spec fixes,
/// generates this spec: if it does, the bug is this pipeline's (our rule: we
/// never fail where progenitor alone succeeds); if not, progenitor's reason.
fn whose_failure(mut e: codegen::Error, root: &Path, spec: &Path) -> codegen::Error {
    if e.kind == codegen::Kind::Generator {
        let verdict = match codegen::run_plain(root, spec) {
            Ok(_) => "progenitor alone (with the spec fixes) generates this spec, so the \
                      failure is this pipeline's own: report it with the spec"
                .to_string(),
            Err(why) => format!("progenitor alone fails on this spec too: {why}"),
        };
        e.hint = format!("{}; {verdict}", e.hint);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generator_failure_says_whether_progenitor_alone_succeeds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let published = root.join(codegen::SPEC);
        let e = whose_failure(
            codegen::Error::generator("a_step", "a thing"),
            root,
            &published,
        );
        assert!(
            e.hint.ends_with("progenitor alone (with the spec fixes) generates this spec, so the failure is this pipeline's own: report it with the spec"),
            "{e}"
        );

        let dir = std::env::temp_dir().join(format!("oz-whose-failure-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("spec.yaml");
        // A query parameter sent `style: deepObject`, which progenitor rejects
        // (remodel leaves it out for the pipeline).
        let parameters = "      operationId: listRuns\n      tags:\n        - agent\n      \
                          security:\n        - bearerAuth: []\n      parameters:\n";
        let deep_object = "        - name: filter\n          in: query\n          \
                           style: deepObject\n          schema:\n            type: object\n";
        let text = std::fs::read_to_string(&published).unwrap();
        assert!(text.contains(parameters));
        let text = text.replace(parameters, &format!("{parameters}{deep_object}"));
        std::fs::write(&spec, text).unwrap();
        let e = whose_failure(codegen::Error::generator("a_step", "a thing"), root, &spec);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            e.hint.contains("progenitor alone fails on this spec too: "),
            "{e}"
        );

        // Any other failure is the spec's: nothing added.
        let other = codegen::Error::at("spec.yaml", "/paths", "bad", "fix it");
        assert_eq!(whose_failure(other, root, &published).hint, "fix it");
    }
}
