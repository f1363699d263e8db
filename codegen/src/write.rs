//! Stage 7, write: all files or none, and the `--check` comparison.

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
                diff: similar::TextDiff::from_lines(&current, &file.contents)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                    .to_string(),
            })
        })
        .collect()
}

/// Writes the files that changed: each to a temporary file beside its target
/// first, then all are renamed into place, so an error leaves the tree as it was.
/// Returns the paths that changed.
pub fn write_all(root: &Path, files: &[OutputFile]) -> Result<Vec<&'static str>> {
    let changed: Vec<&OutputFile> = files
        .iter()
        .filter(|f| std::fs::read_to_string(root.join(f.path)).ok().as_deref() != Some(&f.contents))
        .collect();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let io_error = |path: &Path, e: std::io::Error| {
        Error::io(
            path.display().to_string(),
            format!("cannot write: {e}"),
            "check permissions and free disk space; nothing was changed",
        )
    };
    for file in &changed {
        let target = root.join(file.path);
        let temp = target.with_file_name(format!(
            ".{}.regen-tmp",
            target.file_name().unwrap_or_default().to_string_lossy()
        ));
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temp, &file.contents));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            for (temp, _) in &staged {
                let _ = std::fs::remove_file(temp);
            }
            return Err(io_error(&target, e));
        }
        staged.push((temp, target));
    }
    for (temp, target) in &staged {
        std::fs::rename(temp, target).map_err(|e| io_error(target, e))?;
    }
    Ok(changed.iter().map(|f| f.path).collect())
}
