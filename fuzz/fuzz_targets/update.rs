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
use upfront::source::config::Config;
use upfront::source::content::{parse_item, Item, Section};
use upfront::author::workflow::{append_update, NewUpdate};
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
/// (`!tag`, `&anchor`), which stay: the only bytes an edit may drop.
fn one_edit(old: &str, new: &str) -> bool {
    if one_insertion(old.as_bytes(), new.as_bytes()) {
        return true;
    }
    let bytes = old.as_bytes();
    // What `str::trim` drops, as the edit tests a line for blank.
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c);
    // The key as the edit reads it, line by line: `updates:~` is a plain
    // scalar, not the key.
    let Some(at) = old
        .match_indices("\nupdates:")
        .map(|(i, k)| i + k.len())
        .find(|&end| {
            let after = &old[end..];
            after.is_empty() || after.starts_with([' ', '\t', '\n']) || after.starts_with("\r\n")
        })
    else {
        return false;
    };
    // Blank lines and comment lines may stand between, as in the edit.
    let mut i = at;
    loop {
        while i < bytes.len() && blank(bytes[i]) {
            i += 1;
        }
        if i < bytes.len() && matches!(bytes[i], b'!' | b'&') {
            while i < bytes.len() && !blank(bytes[i]) {
                i += 1;
            }
            continue;
        }
        if i < bytes.len() && bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        break;
    }
    let Some(empty) = ["[]", "~", "null", "Null", "NULL"]
        .into_iter()
        .find(|e| old[i..].starts_with(e))
    else {
        return false;
    };
    let line_start = old[..i].rfind('\n').map_or(0, |n| n + 1);
    let from = old[..i].trim_end_matches([' ', '\t']).len().max(line_start);
    let without = format!("{}{}", &old[..from], &old[i + empty.len()..]);
    one_insertion(without.as_bytes(), new.as_bytes())
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
