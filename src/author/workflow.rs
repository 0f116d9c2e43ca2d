//! The incident loop from the command line: `new incident`, `update`,
//! `resolve`, `new letter`, `new page`. New files are written from a
//! template; updates are appended as text, so every existing byte of a note
//! (comments, key order, quoting, the body) stays as it was. Every edit is
//! parsed again with the real parser before it is written, and written by
//! rename, so a note is never left half-written or invalid.

use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, SubsecRound, Utc};

use crate::source::config::Config;
use crate::source::content::{self, parse_item, Item, Section};
use crate::source::markdown;
use crate::vocab::choice::Choice;
use crate::vocab::choice::Severity;
use crate::vocab::choice::Status;
use crate::vocab::error::{choice_hint, closest, Error, Result};
use crate::vocab::slug::slugify;
use crate::vocab::times::Time;

/// A file written by a command, and the URL it will have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub url: String,
}

/// `upfront new incident`.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    pub severity: String,
    pub affects: Vec<String>,
    pub message: Option<String>,
    pub summary: Option<String>,
    pub at: Option<Time>,
    pub starts: Option<Time>,
    pub ends: Option<Time>,
}

pub fn new_incident(root: &Path, config: &Config, n: &NewIncident) -> Result<Written> {
    let severity = Severity::parse(&n.severity).ok_or_else(|| {
        Error::new(format!("unknown severity `{}`", n.severity))
            .hint(choice_hint(&n.severity, &Severity::names()))
    })?;
    let known: Vec<&str> = config.components.iter().map(|c| c.id.as_str()).collect();
    for id in &n.affects {
        if !known.contains(&id.as_str()) {
            return Err(Error::new(format!("unknown component `{id}`"))
                .hint(choice_hint(id, &known))
                .into());
        }
    }
    let at = n.at.unwrap_or_else(now);
    let mut text = format!(
        "---\ntitle: {}\ndate: {}\nseverity: {}\naffected: [{}]\n",
        quote(&n.title),
        stamp(at),
        severity.name(),
        n.affects.join(", ")
    );
    if let Some(s) = &n.summary {
        text.push_str(&format!("summary: {}\n", quote(s)));
    }
    let first = if severity == Severity::Maintenance {
        let (Some(starts), Some(ends)) = (n.starts, n.ends) else {
            return Err(Error::new("a maintenance needs its window")
                .hint("pass --starts TIME and --ends TIME (RFC 3339)")
                .into());
        };
        text.push_str(&format!(
            "starts: {}\nends: {}\n",
            stamp(starts),
            stamp(ends)
        ));
        Status::Scheduled
    } else {
        Status::Investigating
    };
    // A maintenance opens with "Scheduled maintenance", an incident with
    // "We are investigating.", in the site's language.
    let message = n
        .message
        .clone()
        .unwrap_or_else(|| config.words.default_message(first).to_string());
    text.push_str("updates:\n");
    text.push_str(&update_entry("  ", at, first, &message, "\n"));
    text.push_str("---\n");
    let slug = slugify(&n.title);
    if slug.is_empty() {
        return Err(Error::new("the title gives an empty slug")
            .hint("use a title with letters or digits")
            .into());
    }
    create(root, config, Section::Incidents, &slug, &text)
}

/// `upfront new letter`: written as a draft, so a letter is never public
/// before its author says so.
pub fn new_letter(
    root: &Path,
    config: &Config,
    title: &str,
    author: &str,
    role: Option<&str>,
    incident: Option<&str>,
) -> Result<Written> {
    if let Some(slug) = incident {
        find_incident(root, slug)?;
    }
    let mut text = format!(
        "---\ntitle: {}\ndate: {}\nauthor: {}\n",
        quote(title),
        stamp(now()),
        quote(author)
    );
    if let Some(r) = role {
        text.push_str(&format!("role: {}\n", quote(r)));
    }
    if let Some(slug) = incident {
        text.push_str(&format!("incidents: [{slug}]\n"));
    }
    text.push_str("draft: true   # set to false (or delete this line) to publish\n---\n");
    text.push_str(
        "Write the letter here, in Markdown. The signature is added from author and role.\n",
    );
    create(root, config, Section::Letters, &slugify(title), &text)
}

/// `upfront new page`.
pub fn new_page(root: &Path, config: &Config, name: &str) -> Result<Written> {
    let text = format!(
        "---\ntitle: {}\nnotices: []   # component ids whose active incidents put a Special Notice here\n---\n",
        quote(name)
    );
    create(root, config, Section::Pages, &slugify(name), &text)
}

/// Writes a new note, with a unique file name: `slug.md`, else `slug-2.md`...
fn create(
    root: &Path,
    config: &Config,
    section: Section,
    slug: &str,
    text: &str,
) -> Result<Written> {
    let dir = root.join("content").join(section.dir());
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create the folder", &e))?;
    let mut n = 1;
    let (path, slug) = loop {
        let candidate = if n == 1 {
            slug.to_string()
        } else {
            format!("{slug}-{n}")
        };
        let path = dir.join(format!("{candidate}.md"));
        if !path.exists() {
            break (path, candidate);
        }
        n += 1;
    };
    let display = content::display_path(root, &path);
    parse_item(section, text, &display, config)?;
    write_atomic(&path, text, true)?;
    let url = match section {
        Section::Incidents => format!("/incidents/{slug}/"),
        Section::Letters => format!("/letters/{slug}/"),
        Section::Pages => format!("/{slug}/"),
    };
    Ok(Written {
        path: display,
        url: config.absolute(&url),
    })
}

/// `upfront update` and `upfront resolve`.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub slug: String,
    /// `None`: the status that ends the incident (resolved / completed).
    pub status: Option<String>,
    pub message: String,
    pub at: Option<Time>,
    pub reopen: bool,
}

pub fn append_update(root: &Path, config: &Config, u: &NewUpdate) -> Result<Written> {
    let path = find_incident(root, &u.slug)?;
    let display = content::display_path(root, &path);
    let text = content::read_text(&path, &display)?;
    let Item::Incident(incident) = parse_item(Section::Incidents, &text, &display, config)? else {
        unreachable!("the incidents section parses to incidents")
    };
    let allowed = Status::allowed_for(incident.severity);
    let status = match &u.status {
        None => *allowed.last().unwrap_or(&Status::Resolved),
        Some(s) => Status::parse(s)
            .filter(|st| allowed.contains(st))
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|s| s.name()).collect();
                Error::new(format!(
                    "`{s}` is not a status of a {} incident",
                    incident.severity.name()
                ))
                .hint(choice_hint(s, &names))
            })?,
    };
    let at = u.at.unwrap_or_else(now);
    if let Some(last) = incident.updates.last() {
        if at < last.at {
            return Err(Error::in_file(
                &display,
                format!(
                    "the update's time {} is before the last update ({})",
                    stamp(at),
                    stamp(last.at)
                ),
            )
            .hint("updates are kept oldest first; pass a later --at")
            .into());
        }
        if last.status.is_final() && !u.reopen {
            return Err(Error::in_file(
                &display,
                format!("the incident is already {}", last.status.name()),
            )
            .hint("pass --reopen to add an update after the resolution")
            .into());
        }
    }
    let message = u.message.trim_end();
    if message.trim().is_empty() {
        return Err(Error::new("the message is empty")
            .hint("pass --message TEXT, or --message - to read it from standard input")
            .into());
    }
    let edited = insert_update(&text, at, status, message).map_err(|e| e.file(&display))?;
    // The edit must parse, and to exactly the timeline plus the new entry.
    let Item::Incident(after) = parse_item(Section::Incidents, &edited, &display, config)? else {
        unreachable!("the incidents section parses to incidents")
    };
    let added = after.updates.last();
    let as_expected = after.updates.len() == incident.updates.len() + 1
        && after.updates.starts_with(&incident.updates)
        && added.is_some_and(|a| {
            a.at == at && a.status == status && a.message_html == markdown::to_html(message)
        });
    if !as_expected {
        return Err(Error::in_file(&display, "could not add the update safely")
            .hint("add it by hand; the file was not changed")
            .into());
    }
    write_atomic(&path, &edited, false)?;
    Ok(Written {
        path: display,
        url: config.absolute(&format!("/incidents/{}/", incident.slug)),
    })
}

/// Finds an incident's file by slug: `<slug>.md`, else the note whose
/// `slug:` says so.
pub fn find_incident(root: &Path, slug: &str) -> Result<PathBuf> {
    let dir = root.join("content/incidents");
    let direct = dir.join(format!("{slug}.md"));
    if direct.is_file() {
        return Ok(direct);
    }
    let mut stems = Vec::new();
    let mut errors = crate::vocab::error::Errors::default();
    for (_, path) in content::list_files(root, &mut errors) {
        if !path.starts_with(&dir) {
            continue;
        }
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if let Ok(text) = std::fs::read_to_string(&path) {
            let declared = text
                .lines()
                .skip(1)
                .take_while(|l| l.trim_end() != "---")
                .find_map(|l| l.strip_prefix("slug:"))
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string());
            if declared.as_deref() == Some(slug) {
                return Ok(path);
            }
            stems.push(declared.unwrap_or(stem));
        }
    }
    let names: Vec<&str> = stems.iter().map(String::as_str).collect();
    let hint = match closest(slug, names.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "run `upfront new incident` to create it".into(),
    };
    Err(Error::new(format!("no incident has the slug `{slug}`"))
        .hint(hint)
        .into())
}

/// The note's text with one update appended at the end of its `updates:`
/// list (made when missing); nothing else changes, except an empty flow
/// list `updates: []`, which becomes a block list: its `[]` (and the blanks
/// before it) are the only bytes removed.
pub fn insert_update(
    text: &str,
    at: Time,
    status: Status,
    message: &str,
) -> std::result::Result<String, Error> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines = line_spans(text);
    let is_fence = |i: usize| {
        text[lines[i].0..lines[i].1]
            .trim_start_matches('\u{feff}')
            .trim_end()
            == "---"
    };
    if lines.is_empty() || !is_fence(0) {
        return Err(Error::new("the note has no front matter"));
    }
    let close = (1..lines.len()).find(|&i| is_fence(i)).ok_or_else(|| {
        Error::new("the front matter never closes").hint("end it with a `---` line")
    })?;
    let line = |i: usize| text[lines[i].0..lines[i].1].trim_end_matches(['\r', '\n']);
    let key = (1..close).find(|&i| {
        let l = line(i);
        l.starts_with("updates:")
    });
    let Some(key) = key else {
        // No timeline yet: add one at the end of the front matter.
        let entry = format!(
            "updates:{eol}{}",
            update_entry("  ", at, status, message, eol)
        );
        return Ok(splice(text, lines[close].0, &entry));
    };
    let rest = line(key)["updates:".len()..].trim();
    let rest = rest.split(" #").next().unwrap_or("").trim();
    if rest == "[]" {
        // The empty flow list becomes a block list: only the `[]` and the
        // blanks before it go; a comment after it stays.
        let key_end = lines[key].0 + "updates:".len();
        let list_end = key_end + text[key_end..].find("[]").unwrap_or(0) + 2;
        let entry = update_entry("  ", at, status, message, eol);
        let mut out = String::with_capacity(text.len() + entry.len());
        out.push_str(&text[..key_end]);
        out.push_str(&text[list_end..lines[key].1]);
        out.push_str(&entry);
        out.push_str(&text[lines[key].1..]);
        return Ok(out);
    }
    if !rest.is_empty() && !rest.starts_with('#') {
        return Err(Error::new("`updates:` is written on one line (flow style)")
            .at(key + 1, None)
            .hint("write it as a list of `- at: ...` entries, one per update"));
    }
    // The list's items: lines indented under the key, or `- ` at its level.
    let mut indent = None;
    let mut last = key;
    for i in key + 1..close {
        let l = line(i);
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = l.len() - trimmed.len();
        let item_indent = *indent.get_or_insert_with(|| {
            if trimmed.starts_with("- ") || trimmed == "-" {
                depth
            } else {
                usize::MAX
            }
        });
        let belongs = depth > item_indent
            || (depth == item_indent && (trimmed.starts_with("- ") || trimmed == "-"));
        if !belongs {
            break;
        }
        last = i;
    }
    let pad = match indent {
        Some(d) if d != usize::MAX => " ".repeat(d),
        _ => "  ".into(),
    };
    let entry = update_entry(&pad, at, status, message, eol);
    // A last line without its newline (the fence follows) cannot happen:
    // the closing fence comes after it.
    let right_after = splice(text, lines[last].1, &entry);
    // Blank lines after the last entry may belong to its message (a `|+`
    // block keeps them); then the new entry goes after them, or the old
    // message would lose them.
    let mut blanks_end = last;
    while blanks_end + 1 < close && line(blanks_end + 1).trim().is_empty() {
        blanks_end += 1;
    }
    if blanks_end > last && !keeps_timeline(text, &right_after) {
        return Ok(splice(text, lines[blanks_end].1, &entry));
    }
    Ok(right_after)
}

/// Whether `edited` reads back with the whole timeline of `text`, unchanged,
/// ahead of its new entry (true when `text` does not parse: there is
/// nothing to keep, and `update` refuses the edit on its own).
fn keeps_timeline(text: &str, edited: &str) -> bool {
    let timeline = |t: &str| -> Option<Vec<serde_json::Value>> {
        let path = Path::new("note.md");
        let doc = crate::source::frontmatter::split(t, path).ok()?;
        let mut keys: std::collections::BTreeMap<String, serde_json::Value> =
            crate::source::frontmatter::parse(&doc, path).ok()?;
        match keys.remove("updates")? {
            serde_json::Value::Array(a) => Some(a),
            _ => None,
        }
    };
    let Some(before) = timeline(text) else {
        return true;
    };
    timeline(edited).is_some_and(|after| after.starts_with(&before))
}

/// (start, end) byte offsets of each line, newline included.
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

fn splice(text: &str, at: usize, insert: &str) -> String {
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..at]);
    out.push_str(insert);
    out.push_str(&text[at..]);
    out
}

/// One timeline entry as YAML, at the list's indentation. A message of
/// several lines is a literal block scalar (`|-`: it reads back without a
/// final newline, exactly as given) when a block can hold it unchanged;
/// anything else is double-quoted, which holds any text.
pub(crate) fn update_entry(
    pad: &str,
    at: Time,
    status: Status,
    message: &str,
    eol: &str,
) -> String {
    let message = message.trim_end();
    let value = if message.contains('\n') && fits_block(message) {
        let body: Vec<String> = message
            .split('\n')
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{pad}    {l}")
                }
            })
            .collect();
        format!("|-{eol}{}", body.join(eol))
    } else {
        quote(message)
    };
    format!(
        "{pad}- at: {}{eol}{pad}  status: {}{eol}{pad}  message: {value}{eol}",
        stamp(at),
        status.name()
    )
}

/// Whether a literal block scalar reads back as exactly `message`: its
/// indentation is taken from the first line with text, so that line must
/// not start with a space or tab; a line of only blanks would lose them;
/// and every character must be one YAML carries as itself.
fn fits_block(message: &str) -> bool {
    let first = message.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    !first.starts_with([' ', '\t'])
        && message
            .split('\n')
            .all(|l| l.is_empty() || !l.trim_start_matches([' ', '\t']).is_empty())
        && message.chars().all(|c| c == '\n' || yaml_prints(c))
}

/// Whether YAML carries `c` as itself inside a scalar: its printable set,
/// less the characters YAML 1.1 reads as line breaks (U+0085, U+2028,
/// U+2029) and the byte order mark.
fn yaml_prints(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// A YAML double-quoted string: always safe, whatever the text holds; a
/// character YAML would not read back as itself is written as an escape.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if yaml_prints(c) => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The current time to the second, as notes write it.
fn now() -> Time {
    Utc::now().fixed_offset().trunc_subsecs(0)
}

/// RFC 3339 to the second, as written in notes.
pub(crate) fn stamp(t: Time) -> String {
    if t.offset().local_minus_utc() == 0 {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Writes through a temporary file and a rename: readers (and a running
/// `serve`) see the old note or the new one, never half of one.
fn write_atomic(path: &Path, text: &str, must_be_new: bool) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.upfront-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, "write", &e))?;
    if must_be_new && path.exists() {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::in_file(path, "already exists").into());
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, "replace", &e)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    const NOTE: &str = "---\n# a comment the author wants kept\ntitle: 'Quoted'\nseverity: minor\naffected: [website]\nupdates:\n- at: 2008-08-12T09:05:00Z\n  status: investigating\n  message: >\n    folded\n    text\n\n# trailing comment\npinned: true\n---\nBody stays.\n";

    #[test]
    fn an_update_is_appended_and_nothing_else_moves() {
        let out =
            insert_update(NOTE, t("2008-08-12T10:00:00Z"), Status::Resolved, "Fixed.").unwrap();
        let added = "- at: 2008-08-12T10:00:00Z\n  status: resolved\n  message: \"Fixed.\"\n";
        assert_eq!(out.replacen(added, "", 1), NOTE, "{out}");
        assert!(out.find(added).unwrap() < out.find("# trailing").unwrap());
    }

    #[test]
    fn indented_lists_empty_lists_missing_lists_and_crlf() {
        let indented = NOTE.replace("\n- at", "\n  - at").replace(
            "\n  status: investigating\n  message: >\n    folded\n    text",
            "\n    status: investigating\n    message: >\n      folded\n      text",
        );
        let out = insert_update(
            &indented,
            t("2008-08-12T10:00:00Z"),
            Status::Identified,
            "x",
        )
        .unwrap();
        assert!(
            out.contains("      text\n  - at: 2008-08-12T10:00:00Z\n    status: identified\n"),
            "{out}"
        );

        let empty = "---\ntitle: a\nupdates: []\n---\n";
        let out =
            insert_update(empty, t("2008-08-12T10:00:00Z"), Status::Investigating, "x").unwrap();
        assert_eq!(out, "---\ntitle: a\nupdates:\n  - at: 2008-08-12T10:00:00Z\n    status: investigating\n    message: \"x\"\n---\n");

        let none = "---\ntitle: a\n---\nbody\n";
        let out =
            insert_update(none, t("2008-08-12T10:00:00Z"), Status::Investigating, "x").unwrap();
        assert!(
            out.starts_with("---\ntitle: a\nupdates:\n  - at:") && out.ends_with("---\nbody\n"),
            "{out}"
        );

        let crlf = NOTE.replace('\n', "\r\n");
        let out =
            insert_update(&crlf, t("2008-08-12T10:00:00Z"), Status::Resolved, "a\nb").unwrap();
        assert!(
            !out.replace("\r\n", "").contains('\n'),
            "only CRLF line ends: {out:?}"
        );
    }

    #[test]
    fn multi_line_messages_are_block_scalars_and_quotes_are_safe() {
        let e = update_entry(
            "  ",
            t("2008-08-12T10:00:00Z"),
            Status::Monitoring,
            "line one\n\n- a list: yes",
            "\n",
        );
        assert_eq!(e, "  - at: 2008-08-12T10:00:00Z\n    status: monitoring\n    message: |-\n      line one\n\n      - a list: yes\n");
        assert_eq!(
            quote("say \"hi\"\\ # not a comment"),
            "\"say \\\"hi\\\"\\\\ # not a comment\""
        );
    }

    /// A tiny deterministic generator (xorshift) so the property test needs
    /// no extra dependency and every failure is reproducible from its seed.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
            options[(self.next() % options.len() as u64) as usize]
        }
    }

    #[derive(serde::Deserialize)]
    struct Timeline {
        updates: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        message: String,
    }

    /// A note in one of many shapes: indentation, comments, quoting styles,
    /// keys after the list, CRLF, a BOM, a body that looks like YAML.
    fn random_note(g: &mut Gen) -> (String, usize) {
        let items = (g.next() % 4) as usize + 1;
        let pad = g.pick(&["", "  ", "    "]);
        let mut s = String::from(g.pick(&["", "\u{feff}"]));
        s.push_str("---\n");
        s.push_str(g.pick(&["", "# leading comment\n"]));
        s.push_str(g.pick(&[
            "title: \"Q: \\\"x\\\"\"\n",
            "title: 'it''s'\n",
            "title: plain\n",
        ]));
        s.push_str("updates:");
        s.push_str(g.pick(&["", "   # the timeline", " "]));
        s.push('\n');
        for i in 0..items {
            s.push_str(&format!("{pad}- at: 2008-08-12T0{i}:00:00Z\n"));
            s.push_str(g.pick(&["", "\n", "# between\n"]));
            s.push_str(&format!("{pad}  status: investigating\n"));
            let msg = g.pick(&[
                "  message: plain words\n",
                "  message: 'single # quoted'\n",
                "  message: >\n      folded\n\n      paragraph\n",
                "  message: |-\n      kept\n      lines\n",
            ]);
            // Block scalar lines sit deeper than the item, whatever its pad.
            s.push_str(&msg.replace("\n    ", &format!("\n{pad}    ")).replacen(
                "  ",
                &format!("{pad}  "),
                1,
            ));
        }
        s.push_str(g.pick(&["", "# trailing comment\n", "\n"]));
        s.push_str(g.pick(&["", "pinned: true\n", "summary: >\n  after\n"]));
        s.push_str("---\n");
        s.push_str(g.pick(&["", "Body.\n", "updates:\n- at: not front matter\n"]));
        if g.next() % 3 == 0 {
            s = s.replace('\n', "\r\n");
        }
        (s, items)
    }

    #[test]
    fn generated_notes_keep_every_byte_and_parse_to_one_more_update() {
        let messages = [
            "Fixed.",
            "a: b # c",
            "- dash first",
            "quote \" and \\ back",
            "two\nlines: yes",
            "'single' {flow} [list] &anchor *alias !tag %",
            "tab\tand unicode ✓",
        ];
        for seed in 1..=400u64 {
            let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let (note, items) = random_note(&mut g);
            let message = g.pick(&messages);
            let out = insert_update(&note, t("2008-08-12T10:00:00Z"), Status::Resolved, message)
                .unwrap_or_else(|e| panic!("seed {seed}: {e:?}\n{note}"));
            // Exactly one contiguous insertion: a common prefix and suffix
            // cover the whole original text.
            let prefix = note
                .bytes()
                .zip(out.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let suffix = note.as_bytes()[prefix..]
                .iter()
                .rev()
                .zip(out.as_bytes().iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            assert_eq!(
                prefix + suffix,
                note.len(),
                "seed {seed}: bytes moved\n{note}\n---\n{out}"
            );
            // The real parser sees the old timeline plus the new message.
            let path = Path::new("note.md");
            let doc = crate::source::frontmatter::split(&out, path)
                .unwrap_or_else(|e| panic!("seed {seed}: {e:?}\n{out}"));
            let parsed: Timeline = crate::source::frontmatter::parse(&doc, path)
                .unwrap_or_else(|e| panic!("seed {seed}: {e:?}\n{out}"));
            assert_eq!(parsed.updates.len(), items + 1, "seed {seed}\n{out}");
            // The message reads back exactly as given.
            assert_eq!(parsed.updates[items].message, message, "seed {seed}\n{out}");
        }
    }

    #[test]
    fn flow_style_timelines_are_refused_with_the_line() {
        let flow = "---\ntitle: a\nupdates: [{at: 2008-08-12T10:00:00Z, status: identified, message: x}]\n---\n";
        let e = insert_update(flow, t("2008-08-12T11:00:00Z"), Status::Resolved, "x").unwrap_err();
        assert_eq!(e.line, Some(3));
    }
}

/// Property tests of `update`'s text edit: for notes in many YAML styles and
/// any message, the edit is one insertion (every old byte kept, in order)
/// and the real parser reads the old timeline plus the new entry, whose
/// message is exactly the one given.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Entry {
        at: String,
        status: String,
        message: String,
    }

    /// The note parsed: its timeline, and every other key as JSON values.
    fn read(note: &str) -> (Vec<Entry>, BTreeMap<String, serde_json::Value>) {
        let path = Path::new("note.md");
        let doc = crate::source::frontmatter::split(note, path)
            .unwrap_or_else(|e| panic!("{e:?}\n{note}"));
        let mut keys: BTreeMap<String, serde_json::Value> =
            crate::source::frontmatter::parse(&doc, path)
                .unwrap_or_else(|e| panic!("{e:?}\n{note}"));
        let updates = keys.remove("updates").unwrap_or(serde_json::Value::Null);
        let entries = match updates {
            serde_json::Value::Null => vec![],
            v => serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}\n{note}")),
        };
        (entries, keys)
    }

    /// Stands for "whatever the parser says" in the generator's expectations.
    const KEEP: &str = "(kept blank lines)";

    /// A message value in one of YAML's scalar styles, as the lines after
    /// `message:` (the first without indentation, the rest at `deeper`).
    fn styled_message() -> impl Strategy<Value = (String, String)> {
        // (YAML as written with `@` for the continuation indentation, the
        // text it stands for)
        prop::sample::select(vec![
            (" plain words", "plain words"),
            (" plain # then a comment", "plain"),
            (" 'single # quoted, it''s'", "single # quoted, it's"),
            (" \"double \\\" \\\\ \\u00e9\"", "double \" \\ é"),
            (" >\n@folded\n@text\n\n@para", "folded text\npara\n"),
            (" >-\n@folded\n@stripped", "folded stripped"),
            (" |\n@kept\n@lines", "kept\nlines\n"),
            (" |-\n@kept\n\n@  deeper", "kept\n\n  deeper"),
            // What a `|+` block holds depends on the blank lines after it.
            (" |+\n@kept newlines\n", KEEP),
            (" |2\n@   indented first", "   indented first\n"),
            (" multi-line\n@plain scalar", "multi-line plain scalar"),
            (" \"folded\n@double\"", "folded double"),
            (" ''", ""),
        ])
        .prop_map(|(y, t)| (y.to_string(), t.to_string()))
    }

    #[derive(Debug, Clone)]
    struct Style {
        bom: bool,
        crlf: bool,
        /// Indentation of the list's `-` under `updates:`.
        pad: usize,
        /// Spaces after each `-`.
        dash_gap: usize,
        key_comment: bool,
        before: &'static str,
        between: &'static str,
        after: &'static str,
        body: &'static str,
    }

    fn style() -> impl Strategy<Value = Style> {
        (
            any::<bool>(),
            any::<bool>(),
            0usize..5,
            1usize..4,
            any::<bool>(),
            prop::sample::select(vec![
                "",
                "# leading comment\n",
                "title: 'it''s'\n",
                "title: \"Q: \\\"x\\\"\"\nsummary: >\n  folded\n  summary\n",
                "affected: [a, b]\n",
            ]),
            prop::sample::select(vec![
                "",
                "\n",
                "# between\n",
                "   # indented comment\n",
                "\n\n",
            ]),
            prop::sample::select(vec![
                "",
                "# trailing comment\n",
                "\n",
                "pinned: true\n",
                "summary: |\n  after\n",
                "\n# c\nletter: x\n",
            ]),
            prop::sample::select(vec![
                "",
                "Body.\n",
                "updates:\n- at: not front matter\n---\n",
                "no final newline",
            ]),
        )
            .prop_map(
                |(bom, crlf, pad, dash_gap, key_comment, before, between, after, body)| Style {
                    bom,
                    crlf,
                    pad,
                    dash_gap,
                    key_comment,
                    before,
                    between,
                    after,
                    body,
                },
            )
    }

    /// A note with `items` timeline entries (key order, message styles and
    /// the layout around them varied), and the entries it stands for.
    fn note() -> impl Strategy<Value = (String, Vec<Entry>)> {
        (
            style(),
            prop::collection::vec(
                (styled_message(), prop::sample::select(vec![0usize, 1, 2])),
                0..4,
            ),
        )
            .prop_map(|(st, items)| {
                let mut s = String::new();
                if st.bom {
                    s.push('\u{feff}');
                }
                s.push_str("---\n");
                s.push_str(st.before);
                s.push_str(match (items.is_empty(), st.key_comment, st.dash_gap) {
                    // No timeline yet, written in each way a note can say so.
                    (true, _, 1) => "severity: minor\n",
                    (true, true, 2) => "updates: []   # none yet\n",
                    (true, false, 2) => "updates: []\n",
                    (_, true, _) => "updates:   # the timeline\n",
                    (_, false, _) => "updates:\n",
                });
                let pad = " ".repeat(st.pad);
                // Keys after the first sit under it, past the dash and gap.
                let inner = " ".repeat(st.pad + 1 + st.dash_gap);
                let mut entries = vec![];
                for (i, ((yaml, text), order)) in items.into_iter().enumerate() {
                    let at = format!("2008-08-12T0{i}:00:00Z");
                    let deeper = format!("{inner}  ");
                    let message = format!("message:{}", yaml.replace('@', &deeper));
                    let keys = [
                        format!("at: {at}"),
                        "status: investigating".to_string(),
                        message,
                    ];
                    let ordered: Vec<&String> = match order {
                        0 => vec![&keys[0], &keys[1], &keys[2]],
                        1 => vec![&keys[2], &keys[0], &keys[1]],
                        _ => vec![&keys[1], &keys[2], &keys[0]],
                    };
                    for (k, key) in ordered.into_iter().enumerate() {
                        if k == 0 {
                            s.push_str(&format!("{pad}-{}{key}\n", " ".repeat(st.dash_gap)));
                        } else {
                            s.push_str(&format!("{inner}{key}\n"));
                        }
                    }
                    s.push_str(st.between);
                    entries.push(Entry {
                        at,
                        status: "investigating".into(),
                        message: text,
                    });
                }
                s.push_str(st.after);
                s.push_str("---\n");
                s.push_str(st.body);
                if st.crlf {
                    s = s.replace('\n', "\r\n");
                }
                (s, entries)
            })
    }

    /// Messages as `update --message` passes them: any text, with the
    /// characters that mean something to YAML (or break its lines) often.
    fn message() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z :#'\"\\\\\\-{}\\[\\],&*!|>%@`?\n\t\r é🚨\u{85}\u{2028}\u{feff}\u{0}\u{7}\u{fffe}]{1,40}",
            "[a-z]{1,8}(\n[ a-z:#|>-]{0,12}){1,5}",
        ]
        .prop_map(|m| m.trim_end().to_string())
        .prop_filter("update refuses a blank message", |m| !m.trim().is_empty())
    }

    fn at() -> Time {
        chrono::DateTime::parse_from_rfc3339("2008-08-12T10:00:00Z").unwrap()
    }

    /// Whether `new` is `old` with one contiguous insertion.
    fn one_insertion(old: &str, new: &str) -> bool {
        let prefix = old
            .bytes()
            .zip(new.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let suffix = old.as_bytes()[prefix..]
            .iter()
            .rev()
            .zip(new.as_bytes().iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        prefix + suffix == old.len() && new.len() > old.len()
    }

    /// An insertion, after removing an empty flow list's `[]` (and the
    /// blanks before it) from the `updates:` line when there is one: the
    /// only bytes an edit may drop.
    fn one_edit(old: &str, new: &str) -> bool {
        if one_insertion(old, new) {
            return true;
        }
        let Some(key) = old.find("\nupdates:").map(|i| i + "\nupdates:".len()) else {
            return false;
        };
        let rest = &old[key..];
        let list = rest.trim_start();
        if !list.starts_with("[]") || rest[..rest.len() - list.len()].contains('\n') {
            return false;
        }
        let without = format!("{}{}", &old[..key], &list[2..]);
        one_insertion(&without, new)
    }

    #[test]
    fn quoting_keeps_what_yaml_reads_as_line_breaks_or_refuses() {
        for text in [
            "a\u{2028}b",
            "a\u{85}b",
            "\u{feff}x",
            "x\u{fffe}",
            "\u{1}\u{7f}\u{9f}",
            "🚨",
        ] {
            let (_, keys) = read(&format!("---\nk: {}\n---\n", quote(text)));
            assert_eq!(
                keys["k"],
                serde_json::Value::String(text.into()),
                "{text:?}"
            );
        }
        // The same characters in a message of several lines: quoted, not a
        // block, which could not hold them.
        let e = update_entry("", at(), Status::Identified, "a\u{2028}\nb", "\n");
        assert!(e.contains("message: \"a\\u2028\\nb\""), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn an_update_is_one_insertion_and_reads_back_exactly((note, entries) in note(), message in message()) {
            let (before, keys) = read(&note);
            prop_assert_eq!(before.len(), entries.len());
            for (got, meant) in before.iter().zip(&entries) {
                prop_assert_eq!(&got.at, &meant.at);
                if meant.message != KEEP {
                    prop_assert_eq!(&got.message, &meant.message, "the generator's note:\n{}", note);
                }
            }
            let out = insert_update(&note, at(), Status::Monitoring, &message)
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            // One contiguous insertion: a common prefix and suffix cover
            // every byte of the old note (less an empty list's `[]`).
            prop_assert!(one_edit(&note, &out), "bytes moved:\n{}\n---\n{}", note, out);
            let (after, after_keys) = read(&out);
            prop_assert_eq!(after.len(), before.len() + 1, "{}", out);
            prop_assert_eq!(&after[..before.len()], &before[..], "old entries changed:\n{}", out);
            prop_assert_eq!(&after_keys, &keys, "other keys changed:\n{}", out);
            let new = after.last().unwrap();
            prop_assert_eq!(&new.message, &message, "{}", out);
            prop_assert_eq!(new.status.as_str(), "monitoring");
            prop_assert_eq!(new.at.as_str(), "2008-08-12T10:00:00Z");
        }

        #[test]
        fn a_quoted_string_reads_back_as_itself(text in any::<String>()) {
            let yaml = format!("---\nk: {}\n---\n", quote(&text));
            let (_, keys) = read(&yaml);
            prop_assert_eq!(&keys["k"], &serde_json::Value::String(text));
        }
    }
}
