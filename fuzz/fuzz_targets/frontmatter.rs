//! Front matter: any text is split at its fences and its YAML parsed, or
//! refused with an error; never a panic, never a hang, and every line the
//! error mapping reports lies inside the file.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use upfront::source::frontmatter;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("content/incidents/fuzz.md");
    // Offsets anywhere in the bytes map to a line and column.
    let (line, _) = frontmatter::line_col(data, data.len() / 2);
    assert!(line >= 1);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count().max(1) + 1;
    let Ok(doc) = frontmatter::split(text, path) else {
        return;
    };
    assert!(text.len() >= doc.yaml.len() + doc.body.len());
    match frontmatter::parse::<BTreeMap<String, IgnoredAny>>(&doc, path) {
        Ok(map) => {
            for key in map.keys() {
                for l in [
                    frontmatter::key_line(&doc, key),
                    frontmatter::value_line(&doc, key, "x"),
                ]
                .into_iter()
                .flatten()
                {
                    assert!(l <= lines, "line {l} past the end ({lines})");
                }
            }
        }
        Err(e) => {
            if let Some(l) = e.line {
                assert!(l <= lines + 1, "error line {l} past the end ({lines}): {e}");
            }
        }
    }
});
