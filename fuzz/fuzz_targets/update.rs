//! `upfront update`'s text edit, end to end: a fuzzed note is written as an
//! incident file and `workflow::append_update` adds a fuzzed message to it.
//! Whatever the bytes: no panic; a refused update leaves the file exactly
//! as it was; an accepted one is the old bytes with one insertion (an empty
//! `updates: []` also loses its `[]`), and the
//! note then reads back as its old timeline, unchanged, plus the new entry.
//!
//! Input format: `[flags] message \0\0 note`. Without the separator the
//! whole input after the flags byte is the note and the message is fixed.
//! The flags pick the status (low bits) and `--reopen` (high bit).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use upfront::author::workflow::{append_update, NewUpdate};
use upfront::source::config::Config;
use upfront::source::content::{parse_item, Item, Section};
use upfront::source::frontmatter::edit::insert_update;

const SITE_TOML: &str = "title = \"Fuzz\"\nbase_url = \"https://status.fuzz.test\"\n\
[[components]]\nid = \"licensing\"\nname = \"License server\"\n\
[[components]]\nid = \"downloads\"\nname = \"Downloads\"\n\
[[components]]\nid = \"website\"\nname = \"Website\"\n";

const STATUSES: &[Option<&str>] = &[
    None,
    Some("investigating"),
    Some("identified"),
    Some("monitoring"),
    Some("resolved"),
    Some("scheduled"),
    Some("in_progress"),
    Some("completed"),
];

fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let root = base.join(format!("upfront-fuzz-update-{}", std::process::id()));
        std::fs::create_dir_all(root.join("content/incidents")).unwrap();
        std::fs::write(root.join("site.toml"), SITE_TOML).unwrap();
        root
    })
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config::load(root()).expect("the fuzz site.toml loads"))
}

/// The old text is a prefix and a suffix of the new one, whole.
fn one_insertion(old: &[u8], new: &[u8]) -> bool {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    prefix + suffix == old.len() && new.len() > old.len()
}

/// An insertion, after removing an empty timeline (`[]`, or a null: `~`,
/// `null`) and the blanks before it on its line, when `updates:` has one on
/// its line or the next line with content, after any node properties
/// (`!tag`, `&anchor`), which stay: the only bytes an edit may drop. Lines
/// are read as the edit reads them: split at `\n`, line breaks trimmed
/// from the end (YAML also breaks lines at a lone `\r`), and a line that is
/// whitespace or a comment has no content.
fn one_edit(old: &str, new: &str) -> bool {
    if one_insertion(old.as_bytes(), new.as_bytes()) {
        return true;
    }
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in old.split_inclusive('\n') {
        lines.push((start, piece.trim_end_matches(['\r', '\n'])));
        start += piece.len();
    }
    // The key as the edit reads it: `updates:~` is a plain scalar.
    let Some(key) = (1..lines.len()).find(|&i| {
        lines[i]
            .1
            .strip_prefix("updates:")
            .is_some_and(|a| a.is_empty() || a.starts_with([' ', '\t']))
    }) else {
        return false;
    };
    let next = || {
        (key + 1..lines.len()).find(|&i| {
            let t = lines[i].1.trim_start();
            !t.is_empty() && !t.starts_with('#')
        })
    };
    let (line, word) = match first_word(lines[key].1, "updates:".len()) {
        Some(w) => (key, w),
        None => match next().and_then(|n| first_word(lines[n].1, 0).map(|w| (n, w))) {
            Some(found) => found,
            None => return false,
        },
    };
    let (line_start, text) = lines[line];
    let Some(empty) = ["[]", "~", "null", "Null", "NULL"]
        .into_iter()
        .find(|e| text[word..].starts_with(e))
    else {
        return false;
    };
    let i = line_start + word;
    let from = old[..i].trim_end_matches([' ', '\t']).len().max(line_start);
    let without = format!("{}{}", &old[..from], &old[i + empty.len()..]);
    one_insertion(without.as_bytes(), new.as_bytes())
}

/// Where the first word of `line` from `at` starts, past blanks and node
/// properties; none before the line or a comment ends.
fn first_word(line: &str, mut at: usize) -> Option<usize> {
    loop {
        at = line.len() - line[at..].trim_start_matches([' ', '\t']).len();
        let rest = &line[at..];
        if rest.is_empty() || rest.starts_with('#') {
            return None;
        }
        if !rest.starts_with(['!', '&']) {
            return Some(at);
        }
        at += rest.find([' ', '\t']).unwrap_or(rest.len());
    }
}

fn split(data: &[u8]) -> (u8, &[u8], &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return (0, b"Fixed.", b"");
    };
    match rest.windows(2).position(|w| w == b"\0\0") {
        Some(i) => (flags, &rest[..i], &rest[i + 2..]),
        None => (flags, b"Fixed.", rest),
    }
}

fuzz_target!(|data: &[u8]| {
    let (flags, message, note) = split(data);
    let Ok(message) = std::str::from_utf8(message) else {
        return;
    };
    let at = chrono::DateTime::parse_from_rfc3339("2099-12-31T00:00:00Z").unwrap();

    // The pure edit: never a panic, and at most one insertion.
    if let Ok(text) = std::str::from_utf8(note) {
        let status = upfront::vocab::choice::Status::Monitoring;
        if let Ok(out) = insert_update(text, at, status, message) {
            assert!(one_edit(text, &out), "insert_update moved bytes");
        }
    }

    // The whole command on a file.
    let path = root().join("content/incidents/fuzz.md");
    std::fs::write(&path, note).unwrap();
    let update = NewUpdate {
        slug: "fuzz".into(),
        status: STATUSES[(flags & 0x7f) as usize % STATUSES.len()].map(String::from),
        message: message.to_string(),
        at: Some(upfront::author::workflow::At::Exact(at)),
        reopen: flags & 0x80 != 0,
    };
    let result = append_update(root(), config(), &update);
    let after = std::fs::read(&path).unwrap();
    match result {
        Err(errors) => {
            assert!(errors.iter().all(|e| !e.message.is_empty()));
            assert_eq!(after, note, "a refused update changed the file");
        }
        Ok(_) => {
            let old = std::str::from_utf8(note).expect("an accepted note is UTF-8");
            let new = std::str::from_utf8(&after).unwrap();
            assert!(one_edit(old, new), "the update moved bytes");
            let display = std::path::Path::new("content/incidents/fuzz.md");
            let (Ok(Item::Incident(before)), Ok(Item::Incident(now))) = (
                parse_item(Section::Incidents, old, display, config()),
                parse_item(Section::Incidents, new, display, config()),
            ) else {
                panic!("an accepted update does not read back");
            };
            assert_eq!(now.updates.len(), before.updates.len() + 1);
            assert!(now.updates.starts_with(&before.updates));
            assert_eq!(
                now.updates.last().unwrap().message_html,
                upfront::source::markdown::to_html(message.trim_end())
            );
        }
    }
    // The edit writes through a temporary file: none is left behind.
    let leftovers = std::fs::read_dir(root().join("content/incidents"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 1, "a temporary file was left behind");
});
