//! `cargo xtask release --date YYYY-MM-DD [--breaking]`: releases oz-api from the
//! drift report. The plan (version, changelog, manifest, lock, recorded spec) is
//! `codegen::changelog::plan_release`; this checks that regen's files are fresh
//! and writes the plan, all files or none.
//!
//! Cargo.lock is edited as text (oz-api's one `version` line, see
//! `set_lock_version`) instead of running `cargo update --workspace --offline`:
//! the same result, with no registry index, and nothing else in the lock can move.

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

    let files: Vec<(&str, &[u8])> = release
        .files
        .iter()
        .map(|(path, contents)| (path.as_str(), contents.as_slice()))
        .collect();
    codegen::write::write_staged(&root, &files)?;
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
    let version = |v: &str| codegen::changelog::parse_version(v).unwrap_or_default();
    let ((major, minor, _), (next_major, next_minor, _)) = (version(previous), version(next));
    if major != next_major || (major == 0 && minor != next_minor) {
        "major"
    } else if minor != next_minor {
        "minor"
    } else {
        "patch"
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
