//! `cargo xtask release --date YYYY-MM-DD [--breaking]`: releases oz-api from the
//! drift report. The plan (version, changelog, manifest, lock, recorded spec) is
//! `codegen::changelog::plan_release`; this checks that regen's files are fresh
//! and writes the plan, all files or none.
//!
//! Cargo.lock is edited as text (oz-api's one `version` line, see
//! `set_lock_version`) instead of running `cargo update --workspace --offline`:
//! the same result, with no registry index, and nothing else in the lock can move.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::drift::Effect;
use codegen::{Error, Location};

/// `--date`'s parser: clap reports a bad date as a usage error.
pub fn date(text: &str) -> Result<String, String> {
    codegen::changelog::check_date(text).map(|()| text.to_string())
}

pub fn run(date: &str, breaking: bool) -> Result<ExitCode, crate::Error> {
    let root = crate::workspace_root()?;
    // A release records what was reviewed: regen's output, CHANGELOG.md's
    // generated part among it, must be what the spec gives.
    let generated = codegen::run(&root, &root.join(codegen::SPEC)).map_err(unwritten)?;
    let stale = codegen::write::check(&root, &generated.files);
    if !stale.is_empty() {
        let names: Vec<&str> = stale.iter().map(|s| s.path).collect();
        return Err(unwritten(Error::new(
            names.join(", "),
            Location::File,
            "stale: not what regen generates from the spec",
            "run `cargo xtask regen` first (review and commit), then release",
        ))
        .into());
    }
    let release = codegen::changelog::plan_release(&root, date, breaking).map_err(unwritten)?;

    // ---- `cargo xtask semver` (xtask/src/semver.rs) goes here, before anything is
    // written: check oz-api against `release.previous` for `release.version` (semver
    // reads the version from oz-api/Cargo.toml, which still says `release.previous`).
    // On failure: `return Err(unwritten(..))`. ----

    write_all(&root, &release.files)?;
    let spec = match release.verdict {
        None => "no change to the generated API",
        Some(Effect::Breaking) => "breaking spec changes",
        Some(Effect::Additive) => "additive spec changes",
        Some(Effect::Internal) => "internal spec changes",
    };
    let hand = match (breaking, release.hand_written) {
        (true, _) => ", a breaking hand-written change",
        (false, true) => ", hand-written changes",
        (false, false) => "",
    };
    println!(
        "release: oz-api {} (from {}: {spec}{hand})",
        release.version, release.previous
    );
    let names: Vec<&str> = release.files.iter().map(|(p, _)| p.as_str()).collect();
    println!("release: wrote {}", names.join(", "));
    println!("review `git diff` and commit them together");
    Ok(ExitCode::SUCCESS)
}

/// Says so in the error: every check runs before the first write.
fn unwritten(e: Error) -> Error {
    let hint = match e.hint.as_str() {
        "" => "nothing was written".to_string(),
        hint => format!("{hint}; nothing was written"),
    };
    Error { hint, ..e }
}

/// Each file to a temporary file beside it first, then all renamed into place.
fn write_all(root: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (path, contents) in files {
        let target = root.join(path);
        let temp = target.with_file_name(format!(
            ".{}.release-tmp",
            target.file_name().unwrap_or_default().to_string_lossy()
        ));
        if let Err(e) = std::fs::write(&temp, contents) {
            let _ = std::fs::remove_file(&temp);
            for (temp, _) in &staged {
                let _ = std::fs::remove_file(temp);
            }
            return Err(unwritten(Error::io(
                path.as_str(),
                format!("cannot write: {e}"),
                "check permissions and free disk space",
            )));
        }
        staged.push((temp, target));
    }
    for (temp, target) in &staged {
        std::fs::rename(temp, target).map_err(|e| {
            Error::io(
                target.display().to_string(),
                format!("cannot write: {e}"),
                "some files were written: `git checkout` them, then release again",
            )
        })?;
    }
    Ok(())
}
