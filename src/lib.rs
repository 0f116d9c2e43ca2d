//! upfront: a static site generator for incident communications.
//!
//! The flow runs one way: `config` and `content` are read and checked,
//! `model` decides every derived fact, `render` turns the model and the
//! `templates` into files as a pure function, and `output` swaps them in.

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod error;
pub mod frontmatter;
pub mod headers;
pub mod i18n;
pub mod import;
pub mod incremental;
pub mod markdown;
pub mod model;
pub mod output;
pub mod reach;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod slug;
pub mod status;
pub mod statuspage;
pub mod templates;
pub mod times;
pub mod uptime;
pub mod walk;
pub mod watch;
pub mod workflow;

pub use error::{Error, Errors};
