//! The spec stages, in order: [`load`] the published YAML within bounds,
//! [`fix`] it with the declarative fixes, [`normalize`] it to one canonical
//! text, [`validate`] it (refusing what progenitor cannot take, located), and
//! [`remodel`] it into the document the client is generated from. `walk`'s
//! helpers read any of these documents (operations, pointers, `$ref`s).

pub(crate) mod fix;
pub mod load;
pub mod normalize;
pub(crate) mod remodel;
pub(crate) mod validate;
mod walk;

pub use walk::*;
