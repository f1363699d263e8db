//! One error type for every stage: whose fault it is, where the problem is,
//! what it is, what to do. Three parties can be at fault, each located its own
//! way: the spec (file + JSON pointer or line), the fixes file (file + the
//! fix's entry), and the generator (the pipeline step, what it expected in
//! progenitor's output, and the progenitor version).

use std::fmt;

/// Where in a file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file (it is missing, empty, ...).
    File,
    /// A YAML syntax error: 1-based line and column.
    Line { line: usize, column: usize },
    /// A JSON pointer (RFC 6901) into the spec document (or the fixes file).
    Pointer(String),
    /// The code progenitor generated, as pipeline step `step` reads it.
    Generator { step: &'static str },
}

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The spec (or a file given in its place).
    Spec,
    /// `spec/oz-api.fixes.yaml`.
    Fixes,
    /// progenitor's output is not what a pipeline step was written for.
    Generator,
    /// Reading or writing files.
    Io,
}

/// The progenitor this pipeline was written against (checked against
/// Cargo.lock by a test), named in generator errors.
pub const PROGENITOR: &str = "progenitor 0.15.1";

/// A pipeline error. Displayed as `file:location: message` plus a hint line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Whose fault it is.
    pub kind: Kind,
    pub file: String,
    pub location: Location,
    pub message: String,
    /// What the maintainer should do about it.
    pub hint: String,
}

impl Error {
    pub fn new(
        file: impl Into<String>,
        location: Location,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        let file = file.into();
        Error {
            kind: if file == crate::FIXES {
                Kind::Fixes
            } else {
                Kind::Spec
            },
            file,
            location,
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub fn at(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::new(file, Location::Pointer(pointer.into()), message, hint)
    }

    /// progenitor's output lacks what step `step` was written for: `expected`
    /// says what, in terms of the spec item it came from.
    pub fn generator(step: &'static str, expected: impl std::fmt::Display) -> Self {
        Error {
            kind: Kind::Generator,
            ..Error::new(
                PROGENITOR,
                Location::Generator { step },
                format!(
                    "expected {expected}, but the generated code has none; the generator's output changed"
                ),
                format!(
                    "update step `{step}` in codegen/src for this generator's output, \
                 or pin the {PROGENITOR} this pipeline was written for"
                ),
            )
        }
    }

    /// Reading or writing a file of the workspace failed.
    pub fn io(
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error {
            kind: Kind::Io,
            ..Error::new(path, Location::File, message, hint)
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File => write!(f, "{}", self.file)?,
            Location::Line { line, column } => write!(f, "{}:{line}:{column}", self.file)?,
            Location::Pointer(p) if p.is_empty() => write!(f, "{}#/ (document root)", self.file)?,
            Location::Pointer(p) => write!(f, "{}#{p}", self.file)?,
            Location::Generator { step } => {
                write!(f, "generated code ({}), step `{step}`", self.file)?
            }
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub use crate::spec::{escape, pointer};

#[cfg(test)]
mod tests {
    #[test]
    fn the_progenitor_named_in_errors_is_the_one_in_cargo_lock() {
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
        let version = super::PROGENITOR.strip_prefix("progenitor ").unwrap();
        assert!(
            lock.contains(&format!("name = \"progenitor\"\nversion = \"{version}\"")),
            "Cargo.lock has another progenitor than {}: update error::PROGENITOR",
            super::PROGENITOR
        );
    }
}
