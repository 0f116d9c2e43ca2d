//! Commands that write notes for the author: new, update, resolve, import,
//! init.

pub mod ask;
pub mod import;
pub mod scaffold;
pub mod slugs;
pub mod workflow;
