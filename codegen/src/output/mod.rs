//! What leaves the pipeline: [`format`] (prettyplease under a "generated"
//! header) and [`write`] (all files or none, and `--check`'s comparison).

pub(crate) mod format;
pub mod write;
