//! The fast path for front matter: a line-based reader for the strict
//! subset of block YAML that notes are written in (by hand, by `upfront
//! new`/`update`/`resolve`, by importers), exposed as a serde
//! `Deserializer` so the same derived code fills the same structs.
//!
//! It answers `None` for anything outside the subset and for any
//! deserialisation error; the caller then asks serde_yaml, which stays the
//! reference for every other input and for every error message. So the
//! rule here is: never accept what serde_yaml refuses, never give a value
//! serde_yaml would not give. Where its behaviour for a form is not certain,
//! the form is outside the subset.
//!
//! The subset (the document must end with a line break):
//! - a top-level block mapping at column 0; keys are plain words
//!   (`[A-Za-z_][A-Za-z0-9_-]*`), each once per mapping, followed by `:`
//!   and a space or the end of the line;
//! - values: a one-line plain scalar (no `: `, not starting with an
//!   indicator, a ` #` comment ends it), a one-line single-quoted scalar, a
//!   one-line double-quoted scalar with the escapes `\\ \" \n \t \r \uXXXX
//!   \UXXXXXXXX`, a literal block scalar `|` or `|-`, a one-line flow
//!   sequence of plain words (`[a, b-c, d_e]`, `[]`), or nothing (null)
//!   followed by a block sequence, indented or at the key's own column;
//! - block sequence items: a one-line scalar as above, or a mapping whose
//!   first key is on the `- ` line;
//! - blank lines and whole-line comments between entries, comments after a
//!   value;
//! - only printable characters YAML carries as themselves: no tabs, no
//!   lone carriage returns (`\r\n` is a line break), no U+0085, U+2028,
//!   U+2029, U+FEFF.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

/// `Some(value)` when `yaml` lies in the subset and deserialises into `T`;
/// `None` means "ask serde_yaml".
pub fn parse<T: DeserializeOwned>(yaml: &str) -> Option<T> {
    let tree = tree(yaml)?;
    T::deserialize(Node::Map(tree)).ok()
}

/// How a scalar was written: serde_yaml gives a plain scalar's text to a
/// string but reads it as null or a boolean where one is asked for; a
/// quoted or block scalar is always text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Quoted,
    Literal,
}

/// A parsed value.
#[derive(Debug, PartialEq)]
pub(crate) enum Node<'a> {
    Scalar(Cow<'a, str>, Style),
    Seq(Vec<Node<'a>>),
    Map(Vec<(&'a str, Node<'a>)>),
}

type Entries<'a> = Vec<(&'a str, Node<'a>)>;

/// Deeper nesting than this is outside the subset (the notes need 3).
const MAX_DEPTH: usize = 8;
/// serde_yaml (libyaml) refuses implicit keys over 1024 characters.
const MAX_KEY: usize = 64;

/// The top-level mapping of `yaml`, or `None` when `yaml` is outside the
/// subset.
pub(crate) fn tree(yaml: &str) -> Option<Entries<'_>> {
    if !yaml.ends_with('\n') || !printable(yaml) {
        return None;
    }
    let mut lines: Vec<Line> = Vec::with_capacity(yaml.len() / 16 + 8);
    lines.extend(yaml.strip_suffix('\n')?.split('\n').map(Line::new));
    let mut p = Parser {
        lines,
        pos: 0,
        depth: 0,
    };
    let entries = p.mapping(0, None)?;
    p.skip_insignificant();
    (p.pos == p.lines.len() && !entries.is_empty()).then_some(entries)
}

/// Whether every character is one YAML reads as itself in this subset:
/// printable (YAML 1.1's set, as libyaml checks it), no tab, no line break
/// but `\n` and `\r\n`. One pass over the UTF-8 bytes: of the characters
/// from U+0080 up, only U+0080..U+009F (`C2 80..9F`), U+2028, U+2029 (`E2 80
/// A8`, `A9`), U+FEFF (`EF BB BF`) and U+FFFE, U+FFFF (`EF BF BE`, `BF`) are
/// out; surrogates cannot occur in a `str`.
fn printable(yaml: &str) -> bool {
    let b = yaml.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let ok = match b[i] {
            b' '..=b'~' | b'\n' => true,
            b'\r' => at(i + 1) == b'\n',
            0xC2 => at(i + 1) >= 0xA0,
            0xE2 => !(at(i + 1) == 0x80 && matches!(at(i + 2), 0xA8 | 0xA9)),
            0xEF => !matches!((at(i + 1), at(i + 2)), (0xBB, 0xBF) | (0xBF, 0xBE | 0xBF)),
            // Continuation bytes, and the lead bytes of allowed characters.
            0x80..=0xC1 | 0xC3..=0xE1 | 0xE3..=0xEE | 0xF0..=0xF4 => true,
            _ => false,
        };
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// One line without its line break.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// Leading spaces.
    indent: usize,
    /// The rest, as written (trailing spaces included).
    text: &'a str,
}

impl<'a> Line<'a> {
    fn new(raw: &'a str) -> Self {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let text = raw.trim_start_matches(' ');
        Line {
            indent: raw.len() - text.len(),
            text,
        }
    }

    fn is_blank(&self) -> bool {
        self.text.is_empty()
    }

    /// Blank lines and whole-line comments carry no structure.
    fn is_insignificant(&self) -> bool {
        self.text.is_empty() || self.text.starts_with('#')
    }

    /// Whether the line starts a block sequence item.
    fn is_item(&self) -> bool {
        self.text == "-" || self.text.starts_with("- ")
    }
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn skip_insignificant(&mut self) {
        while self.lines.get(self.pos).is_some_and(Line::is_insignificant) {
            self.pos += 1;
        }
    }

    /// The next line with structure, without consuming it.
    fn peek(&mut self) -> Option<Line<'a>> {
        self.skip_insignificant();
        self.lines.get(self.pos).copied()
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// The entries of a block mapping whose keys sit at column `indent`;
    /// `first` is an entry already read from a `- ` line.
    fn mapping(&mut self, indent: usize, first: Option<&'a str>) -> Option<Entries<'a>> {
        self.enter()?;
        let mut entries = Vec::with_capacity(if indent == 0 { 16 } else { 4 });
        if let Some(text) = first {
            self.entry(indent, text, &mut entries)?;
        }
        while let Some(line) = self.peek() {
            if line.indent < indent || (line.indent == indent && line.is_item()) {
                break; // the parent's
            }
            if line.indent > indent {
                return None; // a continuation line, or a nesting not in the subset
            }
            self.pos += 1;
            self.entry(indent, line.text, &mut entries)?;
        }
        self.depth -= 1;
        Some(entries)
    }

    /// One `key: value` whose key is at column `indent`.
    fn entry(&mut self, indent: usize, text: &'a str, entries: &mut Entries<'a>) -> Option<()> {
        let (key, rest) = split_key(text)?;
        if entries.iter().any(|(k, _)| *k == key) {
            return None;
        }
        let rest = rest.trim_start_matches(' ');
        let value = if rest.is_empty() || rest.starts_with('#') {
            self.empty_value(indent)?
        } else if let Some(header) = rest.strip_prefix('|') {
            self.block_scalar(indent, header)?
        } else if rest.starts_with('[') {
            flow_sequence(rest)?
        } else {
            let (text, style) = inline_scalar(rest)?;
            Node::Scalar(text, style)
        };
        entries.push((key, value));
        Some(())
    }

    /// The value of a key with nothing after its colon: a block sequence
    /// on the next lines, or null.
    fn empty_value(&mut self, indent: usize) -> Option<Node<'a>> {
        match self.peek() {
            Some(line) if line.is_item() && line.indent >= indent => {
                Some(Node::Seq(self.sequence(line.indent)?))
            }
            Some(line) if line.indent > indent => None,
            _ => Some(Node::Scalar(Cow::Borrowed(""), Style::Plain)),
        }
    }

    /// The items of a block sequence whose dashes sit at column `indent`.
    fn sequence(&mut self, indent: usize) -> Option<Vec<Node<'a>>> {
        self.enter()?;
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent || (line.indent == indent && !line.is_item()) {
                break; // the parent's
            }
            if line.indent > indent {
                return None;
            }
            self.pos += 1;
            let after = &line.text[1..];
            let content = after.trim_start_matches(' ');
            if content.is_empty() || content.starts_with('#') {
                return None; // a null item, or one on the next lines
            }
            let column = indent + 1 + (after.len() - content.len());
            let item = if split_key(content).is_some() {
                Node::Map(self.mapping(column, Some(content))?)
            } else {
                let (text, style) = inline_scalar(content)?;
                Node::Scalar(text, style)
            };
            items.push(item);
        }
        self.depth -= 1;
        Some(items)
    }

    /// A literal block scalar (`|` keeps one final line break, `|-` none)
    /// in a mapping whose keys sit at column `indent`. Its indentation is
    /// that of its first line, which must hold text.
    fn block_scalar(&mut self, indent: usize, header: &str) -> Option<Node<'a>> {
        let (strip, rest) = match header.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, header),
        };
        if !rest.bytes().all(|b| b == b' ') {
            return None; // `|+`, indentation indicators, comments
        }
        let first = *self.lines.get(self.pos)?;
        if first.is_blank() || first.indent <= indent {
            return None;
        }
        let own = first.indent;
        let mut value = String::with_capacity(first.text.len() + 64);
        let mut pending_breaks = 0;
        let mut started = false;
        while let Some(line) = self.lines.get(self.pos) {
            if line.is_blank() {
                if line.indent > own {
                    return None; // a line of spaces is text in a block scalar
                }
                pending_breaks += 1;
            } else if line.indent >= own {
                if started {
                    value.push('\n');
                }
                for _ in 0..pending_breaks {
                    value.push('\n');
                }
                pending_breaks = 0;
                started = true;
                value.extend(std::iter::repeat_n(' ', line.indent - own));
                value.push_str(line.text);
            } else {
                break;
            }
            self.pos += 1;
        }
        if !strip {
            value.push('\n');
        }
        Some(Node::Scalar(Cow::Owned(value), Style::Literal))
    }
}

/// `key` and what follows its colon, when `text` starts with a key in the
/// subset.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() && bytes[0] != b'_' {
        return None;
    }
    let end = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))?;
    if end > MAX_KEY || bytes[end] != b':' {
        return None;
    }
    let rest = &text[end + 1..];
    (rest.is_empty() || rest.starts_with(' ')).then(|| (&text[..end], rest))
}

/// A scalar on one line: quoted or plain.
fn inline_scalar(text: &str) -> Option<(Cow<'_, str>, Style)> {
    let (value, after) = match text.as_bytes()[0] {
        b'"' => double_quoted(&text[1..])?,
        b'\'' => single_quoted(&text[1..])?,
        _ => return plain(text).map(|t| (Cow::Borrowed(t), Style::Plain)),
    };
    trailer_ok(after).then_some((value, Style::Quoted))
}

/// After a value, only spaces, then maybe a comment.
fn trailer_ok(after: &str) -> bool {
    let rest = after.trim_start_matches(' ');
    rest.is_empty() || (rest.starts_with('#') && rest.len() < after.len())
}

/// A plain scalar that ends with its line (or at a ` #` comment).
fn plain(text: &str) -> Option<&str> {
    // Indicators that start something else (or that libyaml reads
    // specially: `-`, `?` and `:` may start a plain scalar, but not here).
    const INDICATORS: &[u8] = b"-?:,[]{}#&*!|>'\"%@`";
    let bytes = text.as_bytes();
    if INDICATORS.contains(bytes.first()?) {
        return None;
    }
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => return None,
            b'#' if bytes[i - 1] == b' ' => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    Some(text[..end].trim_end_matches(' '))
}

/// The text of a one-line single-quoted scalar (after its opening quote)
/// and what follows its closing quote.
fn single_quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let mut owned: Option<String> = None;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&text[start..=i]);
                i += 2;
                start = i;
                continue;
            }
            let value = match owned {
                Some(mut s) => {
                    s.push_str(&text[start..i]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&text[..i]),
            };
            return Some((value, &text[i + 1..]));
        }
        i += 1;
    }
    None // it goes on to the next line
}

/// The text of a one-line double-quoted scalar (after its opening quote)
/// and what follows its closing quote.
fn double_quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let bytes = text.as_bytes();
    // No closing quote: it goes on to the next line.
    let end = bytes.iter().position(|&b| b == b'"' || b == b'\\')?;
    if bytes[end] == b'"' {
        return Some((Cow::Borrowed(&text[..end]), &text[end + 1..]));
    }
    let mut value = String::with_capacity(text.len());
    value.push_str(&text[..end]);
    let mut chars = text[end..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((Cow::Owned(value), &text[end + i + 1..])),
            '\\' => {
                let escaped = match chars.next()?.1 {
                    '\\' => '\\',
                    '"' => '"',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'u' => hex_char(&mut chars, 4)?,
                    'U' => hex_char(&mut chars, 8)?,
                    _ => return None,
                };
                value.push(escaped);
            }
            c => value.push(c),
        }
    }
    None // it goes on to the next line
}

/// The character of `digits` hexadecimal digits (`\u` and `\U` escapes).
fn hex_char(chars: &mut std::str::CharIndices, digits: usize) -> Option<char> {
    let mut code = 0u32;
    for _ in 0..digits {
        code = code * 16 + chars.next()?.1.to_digit(16)?;
    }
    char::from_u32(code)
}

/// A one-line flow sequence of plain words: `[]`, `[a, b]`.
fn flow_sequence(text: &str) -> Option<Node<'_>> {
    let mut rest = text[1..].trim_start_matches(' ');
    let mut items = Vec::new();
    if let Some(after) = rest.strip_prefix(']') {
        return trailer_ok(after).then_some(Node::Seq(items));
    }
    loop {
        let bytes = rest.as_bytes();
        if !(bytes.first()?.is_ascii_alphanumeric() || bytes[0] == b'_') {
            return None;
        }
        let end = bytes
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))?;
        items.push(Node::Scalar(Cow::Borrowed(&rest[..end]), Style::Plain));
        rest = rest[end..].trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(']') {
            return trailer_ok(after).then_some(Node::Seq(items));
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    }
}

/// The one error of the fast path: it only ever means "ask serde_yaml".
#[derive(Debug)]
pub struct Bail;

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("outside the front matter fast path")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Bail
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn visit_text<'de, V: Visitor<'de>>(visitor: V, text: Cow<'_, str>) -> Result<V::Value, Bail> {
    match text {
        Cow::Borrowed(s) => visitor.visit_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

/// Requests serde_yaml answers in ways this subset does not mirror.
macro_rules! bail {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Bail> {
            Err(Bail)
        })*
    };
}

/// Mirrors serde_yaml 0.9's `Deserializer` for the node kinds of the
/// subset (see its `de.rs`): any scalar is its text to a string; a plain
/// `true`/`false` (three spellings each) is a boolean; a plain empty, `~`
/// or `null` is None, unit, an empty sequence or an empty mapping.
impl<'de> de::Deserializer<'de> for Node<'_> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Map(entries) => visit_map(entries, visitor),
            Node::Seq(items) => visit_seq(items, visitor),
            // serde_yaml resolves a plain scalar here (null, bool, int,
            // float, string); that resolution is not mirrored.
            Node::Scalar(_, Style::Plain) => Err(Bail),
            Node::Scalar(text, _) => visit_text(visitor, text),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Scalar(text, Style::Plain) => match &*text {
                "true" | "True" | "TRUE" => visitor.visit_bool(true),
                "false" | "False" | "FALSE" => visitor.visit_bool(false),
                _ => Err(Bail),
            },
            _ => Err(Bail),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Scalar(text, _) => visit_text(visitor, text),
            _ => Err(Bail),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Scalar(text, Style::Plain) if is_null(&text) => visitor.visit_none(),
            node => visitor.visit_some(node),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Scalar(text, Style::Plain) if is_null(&text) => visitor.visit_unit(),
            _ => Err(Bail),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Seq(items) => visit_seq(items, visitor),
            Node::Scalar(text, Style::Plain) if text.is_empty() => visit_seq(Vec::new(), visitor),
            _ => Err(Bail),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Bail> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self {
            Node::Map(entries) => visit_map(entries, visitor),
            Node::Scalar(text, Style::Plain) if text.is_empty() => visit_map(Vec::new(), visitor),
            _ => Err(Bail),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Bail> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        visitor.visit_unit()
    }

    bail! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf
    }
}

/// serde_yaml checks that a visitor took every item; so does this.
fn visit_seq<'de, V: Visitor<'de>>(items: Vec<Node<'_>>, visitor: V) -> Result<V::Value, Bail> {
    let mut access = SeqAccess {
        items: items.into_iter(),
    };
    let value = visitor.visit_seq(&mut access)?;
    match access.items.next() {
        None => Ok(value),
        Some(_) => Err(Bail),
    }
}

fn visit_map<'de, V: Visitor<'de>>(entries: Entries<'_>, visitor: V) -> Result<V::Value, Bail> {
    let mut access = MapAccess {
        entries: entries.into_iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    match access.entries.next() {
        None => Ok(value),
        Some(_) => Err(Bail),
    }
}

struct SeqAccess<'a> {
    items: std::vec::IntoIter<Node<'a>>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = Bail;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Bail> {
        self.items
            .next()
            .map(|item| seed.deserialize(item))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'a> {
    entries: std::vec::IntoIter<(&'a str, Node<'a>)>,
    value: Option<Node<'a>>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = Bail;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Bail> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Node::Scalar(Cow::Borrowed(key), Style::Plain))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Bail> {
        seed.deserialize(self.value.take().ok_or(Bail)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    /// A struct with every field kind the notes use.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        title: String,
        note: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        flag: bool,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        at: String,
        message: String,
    }

    /// The fast path's answer, after checking that serde_yaml agrees.
    fn fast<T: DeserializeOwned + PartialEq + Debug>(yaml: &str) -> Option<T> {
        let value = parse::<T>(yaml)?;
        let reference: T = serde_yaml::from_str(yaml)
            .unwrap_or_else(|e| panic!("fast path took what serde_yaml refuses ({e}):\n{yaml}"));
        assert_eq!(value, reference, "{yaml}");
        Some(value)
    }

    fn doc(yaml: &str) -> Doc {
        fast::<Doc>(yaml).unwrap_or_else(|| panic!("not on the fast path:\n{yaml}"))
    }

    /// `yaml` is outside the subset (the tree refuses it).
    fn outside(yaml: &str) {
        assert!(tree(yaml).is_none(), "took the fast path:\n{yaml}");
    }

    #[test]
    fn plain_scalars_are_their_text() {
        let d = doc("title: 2024\nnote: Issue#4, São Paulo 10:00 — ok  \n");
        assert_eq!(d.title, "2024");
        assert_eq!(d.note.as_deref(), Some("Issue#4, São Paulo 10:00 — ok"));
        // Null-like words are text to a string, None to an option.
        assert_eq!(doc("title: null\n").title, "null");
        for word in ["~", "null", "Null", "NULL"] {
            let d = doc(&format!("title: a\nnote: {word}\n"));
            assert_eq!(d.note, None, "{word}");
        }
        assert_eq!(doc("title: a\nnote: nULL\n").note.as_deref(), Some("nULL"));
        // Comments end a plain scalar only after a space.
        assert_eq!(doc("title: a#b # c\n").title, "a#b");
    }

    #[test]
    fn empty_values_are_null() {
        let d = doc("title:\nnote:\ntags:\n");
        assert_eq!((d.title.as_str(), d.note, d.tags.len()), ("", None, 0));
        assert_eq!(doc("title: a\nnote: # none\n").note, None);
    }

    #[test]
    fn quoted_scalars() {
        assert_eq!(doc("title: 'it''s: #1'\n").title, "it's: #1");
        assert_eq!(doc("title: ''\n").title, "");
        let d = doc(
            r#"title: "say \"hi\"\\ # not a comment\n\tö\u00e9\U0001F600 "  # one
"#,
        );
        assert_eq!(d.title, "say \"hi\"\\ # not a comment\n\tö\u{e9}\u{1F600} ");
        // Quoted null-like words are text, even to an option.
        assert_eq!(
            doc("title: a\nnote: 'null'\n").note.as_deref(),
            Some("null")
        );
        assert_eq!(doc("title: a\nnote: \"~\"\n").note.as_deref(), Some("~"));
    }

    #[test]
    fn literal_block_scalars() {
        let d = doc("title: |\n  one\n\n    two  \n  # three\nnote: |-\n    a\n    b\n\n\n");
        assert_eq!(d.title, "one\n\n  two  \n# three\n");
        assert_eq!(d.note.as_deref(), Some("a\nb"));
        // Trailing blank lines are dropped, then one break kept (or none).
        assert_eq!(doc("title: |\n  a\n\n\nflag: true\n").title, "a\n");
        // A comment less indented than the text ends it.
        assert_eq!(doc("title: |-\n    a\n  # c\nflag: true\n").title, "a");
    }

    #[test]
    fn booleans() {
        for (word, value) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
        ] {
            assert_eq!(doc(&format!("title: a\nflag: {word}\n")).flag, value);
        }
        assert_eq!(parse::<Doc>("title: a\nflag: yes\n"), None);
        assert_eq!(parse::<Doc>("title: a\nflag: 'true'\n"), None);
        assert_eq!(parse::<Doc>("title: a\nflag:\n"), None);
    }

    #[test]
    fn sequences() {
        for yaml in [
            "title: a\ntags: [x, y-z, 2009-02-27-a_b.c]\n",
            "title: a\ntags: [ x ,y-z,2009-02-27-a_b.c ]   # c\n",
            "title: a\ntags:\n  - x\n  - 'y-z'\n  -   \"2009-02-27-a_b.c\"\n",
            "title: a\ntags:\n- x\n# between\n- y-z\n\n- 2009-02-27-a_b.c\n",
        ] {
            assert_eq!(doc(yaml).tags, ["x", "y-z", "2009-02-27-a_b.c"], "{yaml}");
        }
        assert_eq!(doc("title: a\ntags: []\n").tags, Vec::<String>::new());
        assert_eq!(doc("title: a\ntags: [null]\n").tags, ["null"]);
    }

    #[test]
    fn sequences_of_mappings() {
        let want = vec![
            Item {
                at: "2008-01-02T03:07:00-05:00".into(),
                message: "We know.".into(),
            },
            Item {
                at: "2".into(),
                message: "a\n\nb".into(),
            },
        ];
        for yaml in [
            "title: a\nitems:\n  - at: 2008-01-02T03:07:00-05:00\n    message: We know.\n  - at: 2\n    message: |-\n      a\n\n      b\n",
            "title: a\nitems:\n- at: 2008-01-02T03:07:00-05:00\n  message: \"We know.\"\n# c\n- message: |-\n    a\n\n    b\n  at: '2'\nflag: false\n",
            "items:\n  -   at: 2008-01-02T03:07:00-05:00\n      message: We know.   # yes\n  -   at: 2\n      message: \"a\\n\\nb\"\ntitle: a\n",
        ] {
            assert_eq!(doc(yaml).items, want, "{yaml}");
        }
    }

    #[test]
    fn windows_line_endings() {
        let d =
            doc("title: a \r\nnote: |\r\n  x\r\n\r\n  y\r\nitems:\r\n- at: 1\r\n  message: m\r\n");
        assert_eq!(d.title, "a");
        assert_eq!(d.note.as_deref(), Some("x\n\ny\n"));
    }

    #[test]
    fn other_targets() {
        let m = fast::<BTreeMap<String, String>>("b: 1\na: \"x\"\n").unwrap();
        assert_eq!(m.len(), 2);
        let m = fast::<BTreeMap<String, Vec<String>>>("a: [x]\nb:\n- y\n").unwrap();
        assert_eq!(m["b"], ["y"]);
        // The fuzz target's type: values are skipped.
        let m = fast::<BTreeMap<String, serde::de::IgnoredAny>>("a: |\n x\nb: [y]\n");
        assert_eq!(m.map(|m| m.len()), Some(2));
        // A quoted scalar is text to anything; a plain one is not mirrored.
        let v = fast::<BTreeMap<String, serde_yaml::Value>>("a: '1'\n").unwrap();
        assert_eq!(v["a"], serde_yaml::Value::String("1".into()));
        assert!(parse::<BTreeMap<String, serde_yaml::Value>>("a: 1\n").is_none());
        assert!(parse::<BTreeMap<String, i64>>("a: 1\n").is_none());
    }

    #[test]
    fn type_errors_bail_out() {
        assert_eq!(parse::<Doc>("note: a\n"), None); // missing field
        assert_eq!(parse::<Doc>("title: a\nnope: b\n"), None); // unknown field
        assert_eq!(parse::<Doc>("title: [a]\n"), None);
        assert_eq!(parse::<Doc>("title: a\ntags: b\n"), None);
        assert_eq!(parse::<Doc>("title: a\nitems:\n- x\n"), None);
    }

    #[test]
    fn printable_is_yamls_set_less_tabs_and_line_breaks() {
        // The byte-level check against the characters it stands for.
        let reference = |c: char| {
            matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
                && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
        };
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("a{c}b{c}\n");
            assert_eq!(
                printable(&text),
                reference(c) || c == '\n',
                "{:x}",
                c as u32
            );
        }
        assert!(printable("a\r\nb\n"));
        assert!(!printable("a\rb\n"));
        assert!(!printable("a\r"));
    }

    #[test]
    fn forms_outside_the_subset() {
        for yaml in [
            "",
            "# only a comment\n",
            "title: a",                      // no final line break
            "  title: a\n",                  // indented top level
            "title: a\n  more\n",            // multi-line plain
            "title:\n  a\n",                 // value on the next line
            "title: a\ntitle: b\n",          // duplicate key
            "title : a\n",                   // space before the colon
            "\"title\": a\n",                // quoted key
            "title: a: b\n",                 // mapping in a plain scalar
            "title: a:\n",                   //
            "title: &x a\n",                 // anchor
            "title: *x\n",                   // alias
            "title: !!str a\n",              // tag
            "title: {a: b}\n",               // flow mapping
            "title: [a, [b]]\n",             // nested flow
            "title: [a b]\n",                // spaces in a flow item
            "title: [a,]\n",                 // trailing comma
            "title: ['a']\n",                // quoted flow item
            "title: >\n  a\n",               // folded
            "title: |+\n  a\n",              // keep
            "title: |2\n  a\n",              // indentation indicator
            "title: | # c\n  a\n",           // comment on the header
            "title: |\n\n  a\n",             // leading blank line
            "title: |\n  a\n    \n",         // a line of spaces
            "title: |\na\n",                 // not indented
            "title: -a\n",                   // indicator starts
            "title: ?a\n",                   //
            "title: :a\n",                   //
            "title: @a\n",                   //
            "title: %a\n",                   //
            "title: 'a\n  b'\n",             // multi-line quoted
            "title: \"a\\\n  b\"\n",         // escaped line break
            "title: \"\\x41\"\n",            // escapes not mirrored
            "title: \"\\/\"\n",              //
            "title: \"\\ud800\"\n",          // a surrogate
            "title: \"a\"b\n",               // text after a quote
            "title: \"a\"#b\n",              // comment without a space
            "title:\ta\n",                   // tab
            "title: a\tb\n",                 //
            "title: a\rb\n",                 // lone carriage return
            "title: a\u{85}b\n",             // YAML 1.1 line breaks
            "title: a\u{2028}b\n",           //
            "title: \u{feff}a\n",            // byte order mark
            "title: a\u{7f}\n",              // control characters
            "title: a\u{1}\n",               //
            "---\ntitle: a\n",               // document markers
            "title: a\n...\n",               //
            "%YAML 1.2\n---\ntitle: a\n",    // directive
            "? title\n: a\n",                // complex key
            "items:\n- \n",                  // null item
            "items:\n-\n  a: b\n",           // item on the next line
            "items:\n- - a\n",               // nested sequence
            "items:\n  - a\n - b\n",         // misaligned items
            "items:\n  - a\n    - b\n",      //
            "items:\n  - a: 1\n     b: 2\n", // misaligned keys
            "items:\n- a: 1\n  a: 2\n",      // duplicate key in an item
            "title:\n  a: b\n",              // nested mapping
        ] {
            outside(yaml);
        }
        let deep: String = (0..10)
            .map(|i| format!("{}- k:\n", "  ".repeat(i)))
            .collect();
        outside(&format!("k:\n{deep}"));
    }
}
