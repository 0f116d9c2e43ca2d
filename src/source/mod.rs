//! What is on disk, read and checked: site.toml, front matter, notes,
//! Markdown, templates and the walk of the site's folders.

pub mod config;
pub mod content;
pub mod frontmatter;
pub mod markdown;
pub mod templates;
pub mod walk;
