//! cState issues: any text is converted to an incident or refused with an
//! error, never a panic; every note line lies inside the file; and every
//! converted issue becomes an upfront note that the real parser accepts,
//! with the same timeline.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use upfront::author::import::{self, cstate};
use upfront::source::config::Config;
use upfront::source::content::{parse_item, Item, Section};
use upfront::vocab::slug::slugify;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("content/issues/fuzz.md");
    let c = cstate::convert(text, path, chrono_tz::Tz::UTC);
    let lines = text.lines().count().max(1) + 1;
    for n in &c.notes {
        if let Some(l) = n.line {
            assert!(l <= lines, "note line {l} past the end ({lines}): {n:?}");
        }
    }
    let Ok(cstate::Converted::Incident(issue)) = c.result else {
        return;
    };
    let mut ids: Vec<String> = issue
        .affected
        .iter()
        .map(|a| slugify(&a.name))
        .filter(|i| !i.is_empty())
        .collect();
    ids.dedup();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    let components: String = unique
        .iter()
        .map(|id| format!("[[components]]\nid = '{id}'\nname = '{id}'\n"))
        .collect();
    let config = Config::parse(
        &format!("title = 'T'\nbase_url = 'https://x.test'\n{components}"),
        Path::new("site.toml"),
    )
    .expect("config");
    let note = import::note_text(&issue, &ids, "content/issues/fuzz.md");
    match parse_item(Section::Incidents, &note, Path::new("x.md"), &config) {
        Ok(Item::Incident(parsed)) => {
            assert_eq!(parsed.updates.len(), issue.updates.len(), "{note}");
            assert_eq!(parsed.title, issue.title, "{note}");
        }
        Ok(_) => unreachable!(),
        Err(e) => panic!("an imported note does not parse:\n{note}\n{e}"),
    }
});
