//! Splitting a content file into YAML front matter and a Markdown body, and
//! parsing the YAML. serde_yaml is used here and nowhere else; every position
//! it reports is mapped back to a line of the whole file.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::vocab::error::{serde_hint, Error};

pub mod fast;

#[cfg(any(test, feature = "differential"))]
#[doc(hidden)]
pub mod differential;

/// A content file cut in two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// The 1-based file line on which `yaml` starts.
    pub yaml_line: usize,
    /// Everything after the closing `---` line.
    pub body: &'a str,
}

/// Cuts `text` at its `---` fences. A UTF-8 byte order mark and Windows line
/// endings are accepted, because editors on Windows write both.
pub fn split<'a>(text: &'a str, path: &Path) -> Result<Document<'a>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Error::in_file(path, "the file is empty")
            .at(1, None)
            .hint("a content file starts with a `---` line, its YAML front matter, and another `---` line"));
    }
    let mut lines = LineIter { text, pos: 0 };
    let first = lines.next().map(|(_, l)| l).unwrap_or("");
    if !is_fence(first) {
        return Err(Error::in_file(path, "expected front matter: the first line must be `---`")
            .at(1, Some(1))
            .hint("start the file with `---`, then the YAML fields (title, date, ...), then `---`"));
    }
    let yaml_start = lines.pos;
    for (start, line) in lines.by_ref() {
        if is_fence(line) {
            return Ok(Document {
                yaml: &text[yaml_start..start],
                yaml_line: 2,
                body: &text[lines.pos..],
            });
        }
    }
    Err(
        Error::in_file(path, "the front matter opened on line 1 never closes")
            .at(1, Some(1))
            .hint("add a line with just `---` after the last front matter field"),
    )
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Lines with their start offsets; a line excludes its `\n` (and `\r`).
struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (usize, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (line, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        Some((start, line.strip_suffix('\r').unwrap_or(line)))
    }
}

/// Deserialises the front matter into `T`, with errors located in the file.
/// The common forms take the fast path (see `fast`); everything else, and
/// every error, is serde_yaml's.
pub fn parse<T: DeserializeOwned>(doc: &Document, path: &Path) -> Result<T, Error> {
    if doc.yaml.trim().is_empty() {
        return Err(Error::in_file(path, "the front matter is empty")
            .at(doc.yaml_line, None)
            .hint("add at least a `title:` field between the `---` lines"));
    }
    if let Some(value) = fast::parse(doc.yaml) {
        return Ok(value);
    }
    serde_yaml::from_str(doc.yaml).map_err(|e| {
        let message = e.to_string();
        // serde_yaml appends " at line L column C"; we report the location ourselves.
        let message = match message.find(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        let mut err = Error::in_file(path, format!("invalid front matter: {message}"));
        if let Some(loc) = e.location() {
            // From the byte offset, not serde_yaml's line: YAML also breaks
            // lines at a lone `\r`, which editors (and our line numbers) do not.
            let (line, col) = line_col(doc.yaml.as_bytes(), loc.index());
            err = err.at(doc.yaml_line + line - 1, Some(col));
        }
        if let Some(h) = serde_hint(&message) {
            err = err.hint(h);
        }
        err
    })
}

/// The 1-based file line of the top-level YAML key `key`, for errors about
/// a field's value (which serde does not locate once parsing succeeded).
pub fn key_line(doc: &Document, key: &str) -> Option<usize> {
    LineIter {
        text: doc.yaml,
        pos: 0,
    }
    .position(|(_, l)| {
        l.strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    })
    .map(|i| doc.yaml_line + i)
}

/// The line of `value` at or after the line of `key` (a list item, say).
pub fn value_line(doc: &Document, key: &str, value: &str) -> Option<usize> {
    let from = key_line(doc, key)?;
    LineIter {
        text: doc.yaml,
        pos: 0,
    }
    .enumerate()
    .skip(from - doc.yaml_line)
    .find(|(_, (_, l))| l.contains(value))
    .map(|(i, _)| doc.yaml_line + i)
    .or(Some(from))
}

/// The line of `field` in item `index` (0-based) of the block list under the
/// top-level key `list` (`updates:` then `  - at: ...`, say), or the line of
/// `list` itself when the list is written another way.
pub fn item_field_line(doc: &Document, list: &str, index: usize, field: &str) -> Option<usize> {
    let from = key_line(doc, list)?;
    let mut item: Option<usize> = None;
    let lines = LineIter {
        text: doc.yaml,
        pos: 0,
    }
    .enumerate()
    .skip(from - doc.yaml_line + 1);
    for (i, (_, line)) in lines {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indented = line.len() > trimmed.len();
        let item_start = trimmed
            .strip_prefix('-')
            .filter(|r| r.is_empty() || r.starts_with(' '));
        if !indented && item_start.is_none() {
            break; // the next top-level key
        }
        let text = match item_start {
            Some(rest) => {
                item = Some(item.map_or(0, |n| n + 1));
                rest.trim_start()
            }
            None => trimmed,
        };
        let is_field = text
            .strip_prefix(field)
            .is_some_and(|r| r.trim_start().starts_with(':'));
        if item == Some(index) && is_field {
            return Some(doc.yaml_line + i);
        }
        if item.is_some_and(|n| n > index) {
            break;
        }
    }
    Some(from)
}

/// The first 1-based line of `text` that contains `needle`.
pub fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn p() -> &'static Path {
        Path::new("c.md")
    }

    #[test]
    fn splits_front_matter_and_body() {
        let d = split("---\ntitle: A\n---\nBody\n", p()).unwrap();
        assert_eq!(d.yaml, "title: A\n");
        assert_eq!(d.body, "Body\n");
        assert_eq!(d.yaml_line, 2);
    }

    #[test]
    fn accepts_bom_and_crlf() {
        let d = split("\u{feff}---\r\ntitle: A\r\n---\r\nBody\r\n", p()).unwrap();
        assert_eq!(d.yaml, "title: A\r\n");
        assert_eq!(d.body, "Body\r\n");
    }

    #[test]
    fn refuses_missing_and_unclosed_fences() {
        assert!(split("", p()).unwrap_err().message.contains("empty"));
        assert!(split("title: A\n", p())
            .unwrap_err()
            .message
            .contains("first line"));
        let e = split("---\ntitle: A\n", p()).unwrap_err();
        assert!(e.message.contains("never closes"), "{e}");
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        title: String,
    }

    #[test]
    fn yaml_errors_are_located_in_the_file() {
        let text = "---\ntitle: A\ntitel: B\n---\n";
        let d = split(text, p()).unwrap();
        let e = parse::<T>(&d, p()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.hint.unwrap().contains("did you mean `title`"));
    }

    #[test]
    fn yaml_error_lines_ignore_lone_carriage_returns() {
        // Found by the frontmatter fuzz target: a stray `\r` counted as a
        // line, so the error pointed past the end of the file.
        let text = "---\n'itle: ---ted: [\r\r\r\r\r\rLecte\n---\n-y-\n\nB,ody\n";
        let d = split(text, p()).unwrap();
        let e = parse::<T>(&d, p()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn yaml_bomb_is_an_error_not_a_hang() {
        let mut y = String::from("---\na: &a [x,x,x,x,x,x,x,x,x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            y.push_str(&format!("b{i}: &b{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        y.push_str("---\n");
        let d = split(&y, p()).unwrap();
        assert!(parse::<serde_yaml::Value>(&d, p()).is_err());
    }

    #[test]
    fn key_and_value_lines() {
        let d = split("---\ntitle: A\naffected:\n  - a\n  - bogus\n---\n", p()).unwrap();
        assert_eq!(key_line(&d, "affected"), Some(3));
        assert_eq!(value_line(&d, "affected", "bogus"), Some(5));
        assert_eq!(key_line(&d, "nope"), None);
    }

    #[test]
    fn fields_of_list_items_are_found() {
        let text = "---\ntitle: A\nupdates:\n  - at: 1\n    status: a\n  # note\n  - status: b\n    at: 2\nslug: x\n---\n";
        let d = split(text, p()).unwrap();
        assert_eq!(item_field_line(&d, "updates", 0, "at"), Some(4));
        assert_eq!(item_field_line(&d, "updates", 0, "status"), Some(5));
        assert_eq!(item_field_line(&d, "updates", 1, "status"), Some(7));
        assert_eq!(item_field_line(&d, "updates", 1, "at"), Some(8));
        // Not there: the list's own line.
        assert_eq!(item_field_line(&d, "updates", 2, "at"), Some(3));
        assert_eq!(item_field_line(&d, "updates", 1, "message"), Some(3));
        let flow = split("---\nupdates: [{at: 1}]\n---\n", p()).unwrap();
        assert_eq!(item_field_line(&flow, "updates", 0, "at"), Some(2));
        let crlf = split(
            "\u{feff}---\r\nupdates:\r\n- at: 1\r\n  status: a\r\n---\r\n",
            p(),
        )
        .unwrap();
        assert_eq!(item_field_line(&crlf, "updates", 0, "status"), Some(4));
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d".as_bytes(), 7), (2, 4));
    }
}
