//! The front matter fast path against serde_yaml, on any text: whenever the
//! fast path answers, serde_yaml accepts the same text and gives the same
//! tree and the same value for every target type (see
//! `upfront::source::frontmatter::differential`). The text is tried whole and, when
//! it has fences, as a content file's front matter.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use upfront::source::frontmatter::{self, differential};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    differential::check(text);
    if let Ok(doc) = frontmatter::split(text, Path::new("content/incidents/fuzz.md")) {
        differential::check(doc.yaml);
    }
});
