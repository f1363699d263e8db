//! One error type for every stage: where the problem is, what it is, what to do.

use std::fmt;

/// Where in a file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file (it is missing, empty, ...).
    File,
    /// A YAML syntax error: 1-based line and column.
    Line { line: usize, column: usize },
    /// A JSON pointer (RFC 6901) into the spec document.
    Pointer(String),
}

/// A pipeline error. Displayed as `file:location: message` plus a hint line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
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
        Error {
            file: file.into(),
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File => write!(f, "{}", self.file)?,
            Location::Line { line, column } => write!(f, "{}:{line}:{column}", self.file)?,
            Location::Pointer(p) if p.is_empty() => write!(f, "{}#/ (document root)", self.file)?,
            Location::Pointer(p) => write!(f, "{}#{p}", self.file)?,
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

/// Escapes one JSON pointer segment (RFC 6901: `~` -> `~0`, `/` -> `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Builds a pointer from unescaped segments.
pub fn pointer<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> String {
    segments
        .into_iter()
        .map(|s| format!("/{}", escape(s.as_ref())))
        .collect()
}
