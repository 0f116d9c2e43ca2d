//! The byte-preserving edits of a note's YAML front matter: an update
//! appended to the timeline (`update`, `resolve`), a key set or removed
//! (`edit`, `publish`), and the YAML text upfront writes for a value
//! (`quote`, `stamp`, `update_entry`; also the importer's writer). Each edit
//! is an insertion or a replacement of one value's bytes; every other byte
//! (comments, key order, quoting, the body) stays where it was.

use std::path::Path;

use chrono::{SecondsFormat, Utc};

use crate::vocab::choice::{Choice, Status};
use crate::vocab::error::Error;
use crate::vocab::times::Time;

/// The note's text with one update appended at the end of its `updates:`
/// list (made when missing); nothing else changes, except an empty
/// timeline (`updates: []`, or a null: `~`, `null`), which becomes a block
/// list: its `[]` or null (and the blanks before it) are the only bytes
/// removed.
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
    // The key as YAML reads it: `updates:~` is one plain scalar, not the
    // key with a null.
    let key = (1..close).find(|&i| {
        let after = line(i).strip_prefix("updates:");
        after.is_some_and(|a| a.is_empty() || a.starts_with([' ', '\t']))
    });
    let Some(key) = key else {
        // No timeline yet: add one at the end of the front matter.
        let entry = format!(
            "updates:{eol}{}",
            update_entry("  ", at, status, message, eol)
        );
        return Ok(splice(text, lines[close].0, &entry));
    };
    // What follows `updates:` on its line, and on the next line with
    // content when nothing does: node properties (an anchor, a tag such as
    // `!!seq`) stay where they are; an empty list (`[]`, `~`, `null`)
    // becomes a block list; anything else written on one line is refused.
    let key_value = lines[key].0 + "updates:".len();
    let mut empty = None;
    match scalar_after_properties(text, key_value, lines[key].1) {
        Value::Empty(span) => empty = Some((key, span)),
        Value::Other => {
            return Err(Error::new("`updates:` is written on one line (flow style)")
                .at(key + 1, None)
                .hint("write it as a list of `- at: ...` entries, one per update"))
        }
        Value::None => {
            let next = (key + 1..close).find(|&i| {
                let t = line(i).trim_start();
                !t.is_empty() && !t.starts_with('#')
            });
            if let Some(n) = next {
                if let Value::Empty(span) = scalar_after_properties(text, lines[n].0, lines[n].1) {
                    empty = Some((n, span));
                }
            }
        }
    }
    if let Some((at_line, (start, end))) = empty {
        // Only the empty list and the blanks before it go; properties and
        // a comment after it stay.
        let blanks = text[..start].trim_end_matches([' ', '\t']).len();
        let from = blanks.max(lines[at_line].0);
        let entry = update_entry("  ", at, status, message, eol);
        let mut out = String::with_capacity(text.len() + entry.len());
        out.push_str(&text[..from]);
        out.push_str(&text[end..lines[at_line].1]);
        out.push_str(&entry);
        out.push_str(&text[lines[at_line].1..]);
        return Ok(out);
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

/// The byte offsets of a top-level key in the front matter: the start of
/// its line, the end of its `key:`, and the end of its value (past the
/// newline of its last line). A value runs on over indented lines, lines of
/// a list written at the key's column (`- x`), and blank or comment lines
/// between them; a blank or comment line after it at column 0 is not part
/// of it.
pub fn key_span(text: &str, key: &str) -> Option<(usize, usize, usize)> {
    let lines = line_spans(text);
    let line = |i: usize| text[lines[i].0..lines[i].1].trim_end_matches(['\r', '\n']);
    let fence = |i: usize| line(i).trim_start_matches('\u{feff}').trim_end() == "---";
    if lines.is_empty() || !fence(0) {
        return None;
    }
    let close = (1..lines.len()).find(|&i| fence(i))?;
    let k = (1..close).find(|&i| {
        line(i)
            .strip_prefix(key)
            .is_some_and(|r| r.trim_start_matches([' ', '\t']).starts_with(':'))
    })?;
    let colon = lines[k].0 + line(k).find(':')? + 1;
    let mut end = k;
    for i in k + 1..close {
        let l = line(i);
        let t = l.trim_start();
        if l.starts_with([' ', '\t']) && !t.is_empty() && !t.starts_with('#')
            || l.starts_with("- ")
            || l == "-"
        {
            end = i;
        } else if t.is_empty() || t.starts_with('#') {
            continue;
        } else {
            break;
        }
    }
    Some((lines[k].0, colon, lines[end].1))
}

/// Sets a top-level key of the front matter to `value` (YAML as written),
/// replacing its old value's bytes only; a comment after a one-line value
/// stays. A key that is not there is added before `updates:` (so the
/// timeline stays last), else before the closing `---`.
pub fn set_key(text: &str, key: &str, value: &str) -> Result<String, Error> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let Some((_, colon, end)) = key_span(text, key) else {
        let line = format!("{key}: {value}{eol}");
        let at = match key_span(text, "updates") {
            Some((start, _, _)) => start,
            None => closing_fence(text).ok_or_else(|| {
                Error::new("the front matter never closes").hint("end it with a `---` line")
            })?,
        };
        return Ok(splice(text, at, &line));
    };
    let first_end = colon
        + text[colon..]
            .find('\n')
            .map_or(text.len() - colon, |i| i + 1);
    let mut out = String::with_capacity(text.len() + value.len());
    out.push_str(&text[..colon]);
    out.push(' ');
    out.push_str(value);
    if first_end == end {
        // One line: keep a comment after the value, with its spacing.
        let old = text[colon..end].trim_end_matches(['\r', '\n']);
        if let Some(c) = comment_start(old) {
            let before = old[..c].len() - old[..c].trim_end_matches([' ', '\t']).len();
            out.push_str(&old[c - before..]);
        }
    }
    out.push_str(eol);
    out.push_str(&text[end..]);
    Ok(out)
}

/// Removes a top-level key and its value (every line of it) from the front
/// matter; the text is unchanged when the key is not there.
pub fn remove_key(text: &str, key: &str) -> Result<String, Error> {
    Ok(match key_span(text, key) {
        Some((start, _, end)) => format!("{}{}", &text[..start], &text[end..]),
        None => text.to_string(),
    })
}

/// The offset of a `# comment` in one line of YAML, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') if chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') if matches!(prev, ' ' | '\t' | '[' | '{' | ',') => quote = Some(c),
            (None, '#') if matches!(prev, ' ' | '\t') => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

fn closing_fence(text: &str) -> Option<usize> {
    let lines = line_spans(text);
    (1..lines.len())
        .find(|&i| text[lines[i].0..lines[i].1].trim_end() == "---")
        .map(|i| lines[i].0)
}

/// Refuses an edit that changed anything but `keys` in what the parser
/// reads: every other key's value and the body must read back the same.
pub fn check_only_keys_changed(old: &str, new: &str, keys: &[&str]) -> Result<(), Error> {
    type Keys = std::collections::BTreeMap<String, serde_json::Value>;
    let path = Path::new("note.md");
    let read = |t: &str| -> Option<(Keys, String)> {
        let doc = super::split(t, path).ok()?;
        let mut map: Keys = super::parse(&doc, path).ok()?;
        map.retain(|k, _| !keys.contains(&k.as_str()));
        Some((map, doc.body.to_string()))
    };
    match (read(old), read(new)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(Error::new("could not make the edit safely")
            .hint("edit the note by hand; the file was not changed")),
    }
}

/// How the lines of a file moved in an edit (one changed region), to name
/// lines of the edited text as lines of the file the user has.
#[derive(Debug, Clone, Copy)]
pub struct LineShift {
    /// First and last line of the changed region in the edited text.
    new_first: usize,
    new_last: usize,
    /// Lines the edit added (less the lines it removed).
    added: isize,
}

/// The lengths of the longest common prefix and suffix of `old` and `new`,
/// never overlapping: what an edit left alone on either side.
pub fn common_ends(old: &str, new: &str) -> (usize, usize) {
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    (prefix, suffix)
}

impl LineShift {
    pub fn between(old: &str, new: &str) -> LineShift {
        let (prefix, suffix) = common_ends(old, new);
        let newlines = |t: &str| t.bytes().filter(|&b| b == b'\n').count() as isize;
        let line_at = |t: &str, at: usize| newlines(&t[..at]) as usize + 1;
        let new_end = new.len() - suffix;
        LineShift {
            new_first: line_at(new, prefix),
            // The line of the last changed byte.
            new_last: line_at(new, new_end.saturating_sub(1).max(prefix)),
            added: newlines(&new[prefix..new_end]) - newlines(&old[prefix..old.len() - suffix]),
        }
    }

    /// The original line of a line of the edited text; `None` inside the edit.
    pub fn to_original(self, line: usize) -> Option<usize> {
        if line < self.new_first {
            Some(line)
        } else if line > self.new_last {
            usize::try_from(line as isize - self.added).ok()
        } else {
            None
        }
    }
}

/// What a line holds from `from` to `to` (its end), after node properties.
enum Value {
    /// Nothing (a comment at most): the value is on the lines below.
    None,
    /// An empty list or a null, at these byte offsets.
    Empty((usize, usize)),
    /// Anything else.
    Other,
}

fn scalar_after_properties(text: &str, from: usize, to: usize) -> Value {
    let line = text[from..to].trim_end_matches(['\r', '\n']);
    let mut pos = 0;
    loop {
        let rest = &line[pos..];
        let token_start = pos + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let token = &line[token_start..];
        if token.is_empty() || token.starts_with('#') {
            return Value::None;
        }
        let token_end = token_start + token.find([' ', '\t']).unwrap_or(token.len());
        let word = &line[token_start..token_end];
        if word.starts_with('&') || word.starts_with('!') {
            pos = token_end;
            continue;
        }
        let after = line[token_end..].trim_start_matches([' ', '\t']);
        let ends_here = after.is_empty() || after.starts_with('#');
        return match word {
            "[]" | "~" | "null" | "Null" | "NULL" if ends_here => {
                Value::Empty((from + token_start, from + token_end))
            }
            _ => Value::Other,
        };
    }
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

/// RFC 3339 to the second, as written in notes.
pub(crate) fn stamp(t: Time) -> String {
    if t.offset().local_minus_utc() == 0 {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
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

        let null = "---\ntitle: a\nupdates: ~\n---\n";
        let out =
            insert_update(null, t("2008-08-12T10:00:00Z"), Status::Investigating, "x").unwrap();
        assert!(out.starts_with("---\ntitle: a\nupdates:\n  - at:"), "{out}");

        // `updates:~` is one plain scalar to YAML, not the key (found by
        // the fuzzer): the timeline is added, nothing is dropped.
        let glued = "---\ntitle: a\nupdates:~\n---\n";
        let out =
            insert_update(glued, t("2008-08-12T10:00:00Z"), Status::Investigating, "x").unwrap();
        assert!(
            out.starts_with("---\ntitle: a\nupdates:~\nupdates:\n  - at:"),
            "{out}"
        );

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
        if g.next().is_multiple_of(3) {
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
    fn lines_after_an_edit_map_back_to_the_users_file() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nb\nX\nY\nZ\nc\nd\n";
        let shift = LineShift::between(old, new);
        assert_eq!(shift.to_original(2), Some(2));
        assert_eq!(shift.to_original(4), None);
        assert_eq!(shift.to_original(6), Some(3));
        assert_eq!(shift.to_original(7), Some(4));
    }

    #[test]
    fn keys_are_set_in_place_or_added_before_the_timeline() {
        let note = "---\ntitle: 'a # b'   # why\naffected:\n- x\n- y\n\n# kept\nupdates: []\n---\n";
        let out = set_key(note, "title", "\"new\"").unwrap();
        assert_eq!(out, note.replace("'a # b'", "\"new\""));
        let out = set_key(note, "affected", "[z]").unwrap();
        assert_eq!(
            out,
            note.replace("affected:\n- x\n- y\n", "affected: [z]\n")
        );
        let out = set_key(note, "summary", "\"s\"").unwrap();
        assert_eq!(
            out,
            note.replace("updates: []", "summary: \"s\"\nupdates: []")
        );
        let out = remove_key(note, "affected").unwrap();
        assert_eq!(out, note.replace("affected:\n- x\n- y\n", ""));
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

    /// A value `edit` may write, as YAML and as what the parser reads.
    fn edit_value() -> impl Strategy<Value = (String, serde_json::Value)> {
        let ids = prop::collection::vec("[a-z][a-z0-9-]{0,7}", 0..4);
        prop_oneof![
            any::<String>().prop_map(|t| (quote(&t), serde_json::Value::String(t))),
            ids.clone().prop_map(|ids| (
                format!("[{}]", ids.join(", ")),
                serde_json::Value::Array(ids.into_iter().map(serde_json::Value::String).collect())
            )),
            prop::collection::btree_map(
                "[a-z][a-z0-9-]{0,7}",
                prop::sample::select(vec![
                    "degraded_performance",
                    "partial_outage",
                    "major_outage",
                    "under_maintenance"
                ]),
                1..4
            )
            .prop_map(|m| {
                let yaml: Vec<String> = m.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                let json = m
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v.into())))
                    .collect();
                (
                    format!("{{{}}}", yaml.join(", ")),
                    serde_json::Value::Object(json),
                )
            }),
            prop::sample::select(vec!["minor", "critical", "maintenance"])
                .prop_map(|w| (w.to_string(), serde_json::Value::String(w.into()))),
        ]
    }

    /// The old bytes an edit dropped: `old[from..to]`, from the longest
    /// common prefix and suffix.
    fn changed_region(old: &str, new: &str) -> (usize, usize) {
        let (prefix, suffix) = common_ends(old, new);
        (prefix, old.len() - suffix)
    }

    fn body(note: &str) -> String {
        crate::source::frontmatter::split(note, Path::new("n.md"))
            .unwrap()
            .body
            .to_string()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// `edit`: setting a key changes that key's value and nothing
        /// else: the bytes dropped lie inside the old value, every other
        /// key and the timeline read back the same, and the body is kept.
        #[test]
        fn an_edit_changes_one_value_and_keeps_every_other_byte(
            (note, _) in note(),
            key in prop::sample::select(vec!["title", "summary", "affected", "severity", "pinned", "letter"]),
            (yaml, value) in edit_value(),
        ) {
            // A key written twice is refused by the note's own parse
            // before `edit` runs.
            prop_assume!(note.matches(&format!("\n{key}:")).count() <= 1);
            let (entries, mut keys) = read(&note);
            let span = key_span(&note, key);
            let out = set_key(&note, key, &yaml).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let (after_entries, mut after_keys) = read(&out);
            prop_assert_eq!(&after_entries, &entries, "timeline changed:\n{}", out);
            prop_assert_eq!(after_keys.remove(key), Some(value), "{}", out);
            keys.remove(key);
            prop_assert_eq!(&after_keys, &keys, "other keys changed:\n{}", out);
            prop_assert_eq!(body(&out), body(&note));
            let (from, to) = changed_region(&note, &out);
            match span {
                // Only bytes of the old value (after `key:`) were replaced.
                Some((_, colon, end)) => prop_assert!(
                    out == note || (colon <= from && to <= end),
                    "{}\n---\n{}", note, out
                ),
                // A new key: a pure insertion.
                None => prop_assert_eq!(from, to, "{}\n---\n{}", note, out),
            }
            // Setting it again to the same value changes nothing more.
            prop_assert_eq!(set_key(&out, key, &yaml).unwrap(), out.clone());
        }

        /// `publish`: removing a key removes its lines and nothing else.
        #[test]
        fn removing_a_key_keeps_every_other_byte(
            (note, _) in note(),
            key in prop::sample::select(vec!["title", "summary", "affected", "pinned", "draft"]),
        ) {
            prop_assume!(note.matches(&format!("\n{key}:")).count() <= 1);
            let (entries, mut keys) = read(&note);
            let out = remove_key(&note, key).unwrap();
            let (after_entries, after_keys) = read(&out);
            prop_assert_eq!(&after_entries, &entries);
            keys.remove(key);
            prop_assert_eq!(&after_keys, &keys, "{}", out);
            prop_assert_eq!(body(&out), body(&note));
            match key_span(&note, key) {
                Some((start, _, end)) => prop_assert_eq!(format!("{}{}", &note[..start], &note[end..]), out),
                None => prop_assert_eq!(&out, &note),
            }
        }


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
