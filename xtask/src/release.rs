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

pub fn run(date: &str, breaking: bool, semver: bool) -> Result<ExitCode, crate::Error> {
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

    // cargo-semver-checks must agree that the changes fit the new version.
    // oz-api/Cargo.toml still says the previous one, so the bump is given.
    if semver {
        let bump = release_type(&release.previous, &release.version);
        let checked = crate::semver::run(&root, None, Some(bump)).map_err(unwritten)?;
        if checked != ExitCode::SUCCESS {
            return Err(unwritten(Error::new(
                codegen::changelog::CHANGELOG,
                Location::File,
                format!("cargo-semver-checks finds breaking changes a {bump} release of oz-api may not make (above)"),
                "undo them, or release with --breaking if a hand-written change breaks code",
            ))
            .into());
        }
    }

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

/// cargo-semver-checks' name for the bump from `previous` to `next`; for 0.x,
/// a new minor is Cargo's breaking release.
fn release_type(previous: &str, next: &str) -> &'static str {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (old, new) = (parts(previous), parts(next));
    match (
        old.first() != new.first(),
        old.get(1) != new.get(1),
        old.first() == Some(&0),
    ) {
        (true, _, _) | (false, true, true) => "major",
        (false, true, false) => "minor",
        _ => "patch",
    }
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

#[cfg(test)]
mod tests {
    use super::release_type;

    #[test]
    fn the_bump_as_cargo_semver_checks_names_it() {
        for (previous, next, bump) in [
            ("0.1.0", "0.1.1", "patch"),
            ("0.1.3", "0.2.0", "major"), // 0.x: a new minor may break
            ("1.2.0", "1.3.0", "minor"),
            ("1.2.3", "2.0.0", "major"),
            ("1.2.3", "1.2.4", "patch"),
        ] {
            assert_eq!(release_type(previous, next), bump, "{previous} -> {next}");
        }
    }
}
