//! Output step 2 of 2, write: all files or none, and the `--check` comparison.

use std::path::{Path, PathBuf};

use crate::OutputFile;
use crate::error::{Error, Result};

/// A generated file whose checked-in contents differ from what the spec produces.
#[derive(Debug)]
pub struct Stale {
    pub path: &'static str,
    /// Unified diff from the file on disk to the generated contents.
    pub diff: String,
}

/// Compares `files` with what is on disk under `root`. Writes nothing.
pub fn check(root: &Path, files: &[OutputFile]) -> Vec<Stale> {
    files
        .iter()
        .filter_map(|file| {
            let current = std::fs::read_to_string(root.join(file.path)).unwrap_or_default();
            (current != file.contents).then(|| Stale {
                path: file.path,
                // A deadline: a huge stale file (a hostile spec) gets a coarser
                // diff in seconds instead of an exact one in hours.
                diff: similar::TextDiff::configure()
                    .timeout(std::time::Duration::from_secs(2))
                    .diff_lines(&current, &file.contents)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                    .to_string(),
            })
        })
        .collect()
}

/// Writes the files that changed ([`write_staged`]). Returns their paths.
pub fn write_all(root: &Path, files: &[OutputFile]) -> Result<Vec<&'static str>> {
    let changed: Vec<&OutputFile> = files
        .iter()
        .filter(|f| std::fs::read_to_string(root.join(f.path)).ok().as_deref() != Some(&f.contents))
        .collect();
    let staged: Vec<(&str, &[u8])> = changed
        .iter()
        .map(|f| (f.path, f.contents.as_bytes()))
        .collect();
    write_staged(root, &staged)?;
    Ok(changed.iter().map(|f| f.path).collect())
}

/// Writes `files` (paths relative to `root`): each to a temporary file beside
/// its target first, then all are renamed into place, so a failed write leaves
/// the tree as it was.
pub fn write_staged(root: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (path, contents) in files {
        let target = root.join(path);
        let temp = target.with_file_name(format!(
            ".{}.regen-tmp",
            target.file_name().unwrap_or_default().to_string_lossy()
        ));
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temp, contents));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            for (temp, _) in &staged {
                let _ = std::fs::remove_file(temp);
            }
            return Err(Error::io(
                target.display().to_string(),
                format!("cannot write: {e}"),
                "check permissions and free disk space; nothing was changed",
            ));
        }
        staged.push((temp, target));
    }
    for (temp, target) in &staged {
        std::fs::rename(temp, target).map_err(|e| {
            Error::io(
                target.display().to_string(),
                format!("cannot write: {e}"),
                "some files may already be replaced: `git checkout` them, then run it again",
            )
        })?;
    }
    Ok(())
}
