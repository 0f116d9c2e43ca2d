//! upfront: a static site generator for incident communications.
//!
//! The stages only look down (see the book's architecture chapter):
//! `vocab` → `source` → `site` → `publish` → `pipeline` → `dev` / `author`
//! → `cli`.

pub mod author;
pub mod cli;
pub mod dev;
pub mod pipeline;
pub mod publish;
pub mod site;
pub mod source;
pub mod vocab;

pub use vocab::error::{Error, Errors};
