//! Reports for the maintainer and the release, read from the model and the
//! generated code, never changing them: [`surface`] (the generated API as
//! reviewable text, the drift snapshots), [`drift`] (what a spec update
//! changes for users), [`changelog`] (CHANGELOG.md's generated part).

pub mod changelog;
pub mod drift;
pub mod surface;
