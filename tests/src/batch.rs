//! One `cargo check` for every generated crate the evolution test compiles.
//!
//! The generated code names `crate::Policy` and `crate::hooks`, so each
//! generated file needs a crate of its own around it: a copy of `oz-api/`
//! with its `generated.rs` replaced. Compiling them one `cargo` call each would
//! pay cargo's start-up and dependency scan per crate; instead all of them are
//! members of one scratch workspace, checked by one
//! `cargo check --workspace --keep-going`, sharing one target directory for
//! the dependencies.
//!
//! The scratch workspace lives at `target/evolution/ws` and its target
//! directory at `target/evolution/target`, so a rerun only checks what
//! changed: files are written only when their bytes differ (cargo decides
//! freshness by modification time). Directories of members a run does not
//! list stay (cargo ignores them), except old mutation samples; a
//! [`Batch::partial`] batch (the evolution test's second check, which
//! compiles entries one by one when their group fails) removes nothing. The
//! root manifest is the real one with its `members` replaced (same dependency
//! versions, lints and profiles) and `Cargo.lock` is the real one, so
//! `--offline` resolves nothing anew.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The scratch workspace being assembled.
pub struct Batch {
    /// The real workspace root (source of oz-api/, Cargo.toml, Cargo.lock).
    root: PathBuf,
    members: BTreeMap<String, Member>,
    /// Names added with the same code as an earlier member: checked once.
    aliases: BTreeMap<String, String>,
    /// What a member is, written as comment lines atop its Cargo.toml.
    notes: BTreeMap<String, String>,
    /// Whether to delete mutation samples (`m-*`) this batch does not list.
    prune_samples: bool,
}

enum Member {
    /// A copy of oz-api with this generated code ([`client_code`]).
    Client(String),
    /// progenitor's plain output in a crate with oz-api's dependencies.
    Reference(String),
}

/// What `cargo check` said, per member.
pub struct Checked {
    /// Error diagnostics by member name.
    pub errors: BTreeMap<String, Vec<Diagnostic>>,
    /// Set when cargo failed without attributing the failure to a member
    /// (resolution, a dependency, ...): then no member's verdict can be trusted.
    pub cargo_error: Option<String>,
    pub elapsed: Duration,
    /// When the last dependency built anew was done (None: all were fresh).
    pub dependencies: Option<Duration>,
    pub members: usize,
    /// Names that were not compiled separately: the member with the same code.
    pub aliases: BTreeMap<String, String>,
    /// Members cargo had to check (the others were fresh from an earlier run).
    pub rebuilt: usize,
}

/// One compiler error.
pub struct Diagnostic {
    /// The file of its primary span, relative to the member (`src/runs.rs`), if any.
    pub file: Option<String>,
    pub rendered: String,
}

impl Checked {
    /// The member a name was compiled as (itself, or the member with its code).
    pub fn resolve<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map_or(name, String::as_str)
    }

    /// Whether the member compiled (checked without errors).
    pub fn compiled(&self, member: &str) -> bool {
        self.cargo_error.is_none() && !self.errors.contains_key(self.resolve(member))
    }

    pub fn errors_of(&self, member: &str) -> &[Diagnostic] {
        self.errors
            .get(self.resolve(member))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether every error of the member is in hand-written files (the
    /// generated code compiles, but the hand-written layer uses something the
    /// spec change removed or renamed).
    pub fn only_hand_written_errors(&self, member: &str) -> bool {
        // Summary lines ("aborting due to ...") have no file: they decide nothing.
        let files: Vec<&str> = self
            .errors_of(member)
            .iter()
            .filter_map(|d| d.file.as_deref())
            .collect();
        !files.is_empty()
            && files
                .iter()
                .all(|f| !f.ends_with("generated.rs") && !f.contains("generated/"))
    }

    /// The first `lines` lines of the member's errors, for a failure report.
    pub fn excerpt(&self, member: &str, lines: usize) -> String {
        let text: String = self
            .errors_of(member)
            .iter()
            .map(|d| d.rendered.as_str())
            .collect();
        let mut out: Vec<&str> = text.lines().take(lines).collect();
        if text.lines().count() > lines {
            out.push("…");
        }
        out.join("\n")
    }
}

/// The code of a generated file without its leading `//` comment lines: the
/// header names the spec's hash, which differs whenever the spec does, even
/// where the code does not.
pub fn code_of(generated: &str) -> &str {
    let mut rest = generated;
    while rest.starts_with("//") {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    rest
}

/// A valid package name (`v-01-new-field`) from a prefix and an entry name.
pub fn member_name(prefix: &str, name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{cleaned}")
}

impl Batch {
    pub fn new(root: &Path) -> Batch {
        Batch {
            root: root.to_path_buf(),
            members: BTreeMap::new(),
            aliases: BTreeMap::new(),
            notes: BTreeMap::new(),
            prune_samples: true,
        }
    }

    /// A batch checked beside the main one in the same workspace (the second,
    /// attributing check): it leaves the other members' directories alone, so
    /// the next main check finds them fresh.
    pub fn partial(root: &Path) -> Batch {
        Batch {
            prune_samples: false,
            ..Batch::new(root)
        }
    }

    /// Says what a member is, in comment lines atop its Cargo.toml.
    pub fn note(&mut self, name: &str, text: &str) {
        self.notes.insert(name.to_string(), text.to_string());
    }

    pub fn dir(&self) -> PathBuf {
        self.root.join("target/evolution")
    }

    /// Adds a copy of oz-api whose generated files are `generated` ([`client_code`]).
    pub fn add_client(&mut self, name: &str, generated: String) {
        self.members
            .insert(name.to_string(), Member::Client(generated));
    }

    /// Adds a crate holding progenitor's plain output as a module.
    pub fn add_reference(&mut self, name: &str, plain: String) {
        self.members
            .insert(name.to_string(), Member::Reference(plain));
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Writes the workspace and runs one `cargo check` over it.
    pub fn check(&self) -> std::io::Result<Checked> {
        let ws = self.dir().join("ws");
        self.write(&ws)?;
        let started = Instant::now();
        let mut child = cargo(&ws, &self.dir().join("target"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let mut errors: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        let mut unattributed = Vec::new();
        let mut rebuilt = std::collections::BTreeSet::new();
        let mut dependencies = None;
        // Read as cargo writes, to time when the last dependency was built.
        for line in BufReader::new(child.stdout.take().expect("stdout is piped")).split(b'\n') {
            let Ok(message) = serde_json::from_str::<Value>(&String::from_utf8_lossy(&line?))
            else {
                continue;
            };
            if message["reason"] == "compiler-artifact" && message["fresh"] == false {
                match member_of(&ws, &message) {
                    Some(member) => {
                        rebuilt.insert(member);
                    }
                    None => dependencies = Some(started.elapsed()),
                }
            }
            if let Some((member, diagnostic)) = error_of(&ws, &message) {
                match member {
                    Some(member) if self.members.contains_key(&member) => {
                        errors.entry(member).or_default().push(diagnostic)
                    }
                    _ => unattributed.push(diagnostic.rendered),
                }
            }
        }
        let status = child.wait()?;
        let elapsed = started.elapsed();
        let stderr = stderr.join().unwrap_or_default();
        // cargo failing with no error of any member means it did not get as far
        // as our crates (offline resolution, a dependency that fails to build).
        let cargo_error = ((!status.success() && errors.is_empty()) || !unattributed.is_empty())
            .then(|| {
                let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                format!(
                    "cargo check in {} failed ({}):\n{}\n{}",
                    ws.display(),
                    status,
                    unattributed.join(""),
                    tail.join("\n")
                )
            });
        // A member with errors has no artifact, but was checked all the same.
        let checked_anew = rebuilt.len() + errors.keys().filter(|m| !rebuilt.contains(*m)).count();
        Ok(Checked {
            errors,
            cargo_error,
            elapsed,
            dependencies,
            members: self.members.len(),
            aliases: self.aliases.clone(),
            rebuilt: checked_anew,
        })
    }

    /// Brings `ws` to exactly the members added, touching only what changed.
    fn write(&self, ws: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(ws)?;
        let manifest = std::fs::read_to_string(self.root.join("Cargo.toml"))?;
        write_if_changed(
            &ws.join("Cargo.toml"),
            &workspace_manifest(&manifest, self.members.keys()),
        )?;
        write_if_changed(
            &ws.join("Cargo.lock"),
            &std::fs::read_to_string(self.root.join("Cargo.lock"))?,
        )?;
        let oz_api = self.root.join("oz-api");
        let crate_manifest = std::fs::read_to_string(oz_api.join("Cargo.toml"))?;
        for (name, member) in &self.members {
            let dir = ws.join(name);
            let note: String = self.notes.get(name).map_or(String::new(), |text| {
                text.lines().map(|l| format!("# {l}\n")).collect()
            });
            write_if_changed(
                &dir.join("Cargo.toml"),
                &format!("{note}{}", rename_package(&crate_manifest, name)),
            )?;
            match member {
                Member::Client(generated) => {
                    copy_sources(&oz_api.join("src"), &dir.join("src"), generated)?
                }
                Member::Reference(plain) => {
                    sync_dir(&dir.join("src"), &["lib.rs", "generated.rs"])?;
                    write_if_changed(&dir.join("src/lib.rs"), REFERENCE_LIB)?;
                    write_if_changed(&dir.join("src/generated.rs"), plain)?;
                }
            }
        }
        // Mutation samples of earlier runs: they change with the seed and would
        // pile up. Other members' directories are kept even when this run does
        // not list them (a run reproducing one mutation, an entry that now
        // fails to regenerate): rewritten later, they would all be checked anew.
        for entry in std::fs::read_dir(ws)? {
            let path = entry?.path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if self.prune_samples
                && path.is_dir()
                && name.starts_with("m-")
                && !self.members.contains_key(&name)
            {
                std::fs::remove_dir_all(&path)?;
            }
        }
        Ok(())
    }
}

/// The reference crate: progenitor's output compiled as plain progenitor users
/// would, without our lints (warnings are not the question here).
const REFERENCE_LIB: &str = "\
//! progenitor's output alone (no remodel, no patches, no hooks), to learn
//! whether it compiles where our pipeline refuses.
#![allow(warnings)]

#[rustfmt::skip]
#[allow(clippy::all)]
mod generated;

pub use generated::*;
";

/// The real root manifest with `members = [...]` replaced by ours.
fn workspace_manifest<'a>(real: &str, members: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<String> = members.map(|m| format!("{m:?}")).collect();
    let start = real
        .find("\nmembers")
        .expect("the root Cargo.toml has a `members` list")
        + 1;
    let end = start + real[start..].find(']').expect("`members` ends with `]`") + 1;
    format!(
        "# Written by tests/tests/evolution.rs: the workspace's Cargo.toml with its own members.\n{}members = [{}]{}",
        &real[..start],
        list.join(", "),
        &real[end..]
    )
}

/// oz-api's manifest with the package renamed to `name`, the typed mocks
/// (feature `mock`) on by default so that they are compiled for every spec too,
/// and no `[[example]]` tables (a member has `src/` only).
fn rename_package(manifest: &str, name: &str) -> String {
    let mut out = String::new();
    let mut in_example = false;
    for line in manifest.split_inclusive('\n') {
        if line.starts_with('[') {
            in_example = line.trim_end() == "[[example]]";
        }
        if !in_example {
            out.push_str(line);
        }
    }
    out.replacen("name = \"oz-api\"", &format!("name = \"{name}\""), 1)
        .replacen("\ndefault = [", "\ndefault = [\"mock\", ", 1)
}

/// Between `generated.rs` and the mocks' file in [`client_code`].
const MOCKS_MARKER: &str = "\n// ---- oz-api/src/generated/mocks.rs ----\n";

/// A regen's generated Rust as one text: `generated.rs`, then the typed
/// mocks' file after a marker line, without its header (which names the
/// spec's hash, as [`code_of`] strips from the first). One text, so that a
/// group's code is compared and checked for determinism as a whole; [`Batch`]
/// writes the two files apart.
pub fn client_code(files: &[codegen::OutputFile]) -> String {
    let of = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.contents.as_str())
    };
    let rust = of(codegen::GENERATED_RUST).expect("regen produces the generated Rust file");
    match of(codegen::GENERATED_MOCKS) {
        Some(mocks) => format!("{rust}{MOCKS_MARKER}{}", code_of(mocks)),
        None => rust.to_string(),
    }
}

/// Copies oz-api's sources into `to`, with `generated` ([`client_code`]) as
/// `generated.rs` and `generated/mocks.rs`.
fn copy_sources(from: &Path, to: &Path, generated: &str) -> std::io::Result<()> {
    let (generated, mocks) = match generated.split_once(MOCKS_MARKER) {
        Some((rust, mocks)) => (rust, Some(mocks)),
        None => (generated, None),
    };
    let mut names = Vec::new();
    if let Some(mocks) = mocks {
        write_if_changed(&to.join("generated/mocks.rs"), mocks)?;
        names.push("generated".to_string());
    }
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_file() {
            let contents = if name == "generated.rs" {
                generated.to_string()
            } else {
                std::fs::read_to_string(&path)?
            };
            write_if_changed(&to.join(&name), &contents)?;
            names.push(name);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    sync_dir(to, &names)
}

/// Removes files in `dir` not named in `keep` (left over from another kind of member).
fn sync_dir(dir: &Path, keep: &[&str]) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !keep.contains(&name.as_str()) {
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}

/// Writes only when the bytes differ, so cargo sees unchanged files as fresh.
fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(contents.as_bytes()) {
        return Ok(());
    }
    std::fs::create_dir_all(path.parent().unwrap())?;
    std::fs::write(path, contents)
}

/// `cargo check` over the scratch workspace, isolated from the outer build:
/// the test runs under `cargo test`, whose target directory and flags must not
/// leak into this one.
fn cargo(ws: &Path, target: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "check",
            "--workspace",
            "--offline",
            "--keep-going",
            "--message-format",
            "json",
        ])
        .current_dir(ws);
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTDOCFLAGS",
        "CARGO_ENCODED_RUSTDOCFLAGS",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(var);
    }
    // Incremental state of ~30 copies of a 16k-line crate is large, and a
    // changed generated.rs is mostly new code anyway.
    command
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0");
    command
}

/// The member a cargo message is about, by its manifest path: a directory
/// directly under `ws` (dependencies live elsewhere).
fn member_of(ws: &Path, message: &Value) -> Option<String> {
    let manifest = Path::new(message["manifest_path"].as_str()?);
    manifest
        .parent()
        .filter(|dir| dir.parent() == Some(ws))
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
}

/// An error-level compiler message, with the member it belongs to.
fn error_of(ws: &Path, message: &Value) -> Option<(Option<String>, Diagnostic)> {
    if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
        return None;
    }
    let member = member_of(ws, message);
    let file = message["message"]["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
        .and_then(|s| s["file_name"].as_str())
        .map(|f| {
            // Relative to the workspace (`v-x/src/runs.rs`): keep the member-relative part.
            let f = f.replace('\\', "/");
            match f.split_once("/src/") {
                Some((_, rest)) => format!("src/{rest}"),
                None => f,
            }
        });
    let rendered = message["message"]["rendered"]
        .as_str()
        .unwrap_or("")
        .to_string();
    Some((member, Diagnostic { file, rendered }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_manifest_keeps_everything_but_members() {
        let real = "[workspace]\nresolver = \"3\"\nmembers = [\"a\", \"b\"]\n\n[workspace.package]\nedition = \"2024\"\n";
        let names = ["v-x".to_string(), "m-1".to_string()];
        let written = workspace_manifest(real, names.iter());
        assert!(
            written
                .contains("resolver = \"3\"\nmembers = [\"v-x\", \"m-1\"]\n\n[workspace.package]")
        );
        assert_eq!(member_name("v", "01-New_field.x"), "v-01-new-field-x");
        assert_eq!(code_of("// a\n// b\nmod x;\n// c\n"), "mod x;\n// c\n");
    }

    #[test]
    fn a_member_manifest_is_renamed_with_mocks_and_without_examples() {
        let real = std::fs::read_to_string(crate::root().join("oz-api/Cargo.toml")).unwrap();
        let member = rename_package(&real, "v-x");
        assert!(member.contains("name = \"v-x\""), "{member}");
        assert!(member.contains("\ndefault = [\"mock\", "), "{member}");
        assert!(!member.contains("[[example]]"), "{member}");
        assert!(
            member.contains("[dependencies]") && member.contains("[lints]"),
            "{member}"
        );
    }
}
