//! The fast path checked against serde_yaml, the reference: whenever the
//! fast path answers, serde_yaml must accept the same text and give the
//! same value. `check` is what the unit tests below and the
//! `frontmatter_fast` fuzz target (built with the `differential` feature)
//! run; the tests also check that the forms the notes are written in take
//! the fast path, so a fast path that always bailed out would fail here.

use std::collections::BTreeMap;
use std::fmt::Debug;

use std::fmt;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::fast::{self, Node, Style};
use crate::source::content::{RawIncident, RawIntro, RawLetter, RawPage};

/// Panics unless the fast path agrees with serde_yaml for `T`; returns
/// whether it answered.
pub fn agree<T: DeserializeOwned + PartialEq + Debug>(yaml: &str) -> bool {
    let Some(value) = fast::parse::<T>(yaml) else {
        return false;
    };
    match serde_yaml::from_str::<T>(yaml) {
        Ok(reference) => assert_eq!(value, reference, "different values for\n{yaml:?}"),
        Err(e) => panic!("the fast path took what serde_yaml refuses ({e}):\n{yaml:?}"),
    }
    true
}

/// Panics unless serde_yaml reads the same tree as the fast path (when the
/// fast path reads one), and every target type agrees.
pub fn check(yaml: &str) {
    if let Some(entries) = fast::tree(yaml) {
        let value: Loose = serde_yaml::from_str(yaml).unwrap_or_else(|e| {
            panic!("the fast path read what serde_yaml refuses ({e}):\n{yaml:?}")
        });
        same_tree(&Node::Map(entries), &value, yaml);
    }
    agree::<RawIncident>(yaml);
    agree::<RawLetter>(yaml);
    agree::<RawPage>(yaml);
    agree::<RawIntro>(yaml);
    agree::<BTreeMap<String, String>>(yaml);
    agree::<BTreeMap<String, Option<String>>>(yaml);
    agree::<BTreeMap<String, Vec<String>>>(yaml);
    agree::<BTreeMap<String, bool>>(yaml);
    agree::<BTreeMap<String, Vec<BTreeMap<String, String>>>>(yaml);
}

/// Any YAML tree as serde_yaml reads it with `deserialize_any`, where plain
/// scalars are resolved (null, booleans, numbers). Unlike serde_yaml's
/// `Value` it keeps duplicate keys and takes numbers of any size.
#[derive(Debug)]
enum Loose {
    Text(String),
    Null,
    Bool(bool),
    Number,
    Seq(Vec<Loose>),
    Map(Vec<(Loose, Loose)>),
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(b))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Loose, E> {
        Ok(Loose::Number)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Loose, E> {
        Ok(Loose::Number)
    }
    fn visit_i128<E>(self, _: i128) -> Result<Loose, E> {
        Ok(Loose::Number)
    }
    fn visit_u128<E>(self, _: u128) -> Result<Loose, E> {
        Ok(Loose::Number)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Loose, E> {
        Ok(Loose::Number)
    }
    fn visit_str<E>(self, s: &str) -> Result<Loose, E> {
        Ok(Loose::Text(s.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Loose::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Loose::Map(entries))
    }
}

/// The fast path's tree is serde_yaml's; plain scalars are compared by
/// what serde_yaml resolves them to.
fn same_tree(node: &Node, value: &Loose, yaml: &str) {
    match (node, value) {
        (Node::Map(entries), Loose::Map(map)) => {
            assert_eq!(entries.len(), map.len(), "{yaml:?}");
            for ((key, node), (k, v)) in entries.iter().zip(map) {
                same_plain(key, k, yaml);
                same_tree(node, v, yaml);
            }
        }
        (Node::Seq(items), Loose::Seq(seq)) => {
            assert_eq!(items.len(), seq.len(), "{yaml:?}");
            for (node, v) in items.iter().zip(seq) {
                same_tree(node, v, yaml);
            }
        }
        (Node::Scalar(text, Style::Plain), v) => same_plain(text, v, yaml),
        (Node::Scalar(text, _), Loose::Text(s)) => assert_eq!(text, s, "{yaml:?}"),
        (node, value) => panic!("{node:?} is {value:?} to serde_yaml:\n{yaml:?}"),
    }
}

fn same_plain(text: &str, value: &Loose, yaml: &str) {
    let same = match value {
        Loose::Text(s) => s == text,
        Loose::Null => matches!(text, "" | "~" | "null" | "Null" | "NULL"),
        Loose::Bool(b) => {
            matches!(
                (text, b),
                ("true" | "True" | "TRUE", true) | ("false" | "False" | "FALSE", false)
            )
        }
        // serde_yaml's number syntax (signs, 0x/0o/0b, `.inf`, `_`?) is not
        // restated here: a number is plain text starting like one.
        Loose::Number => {
            text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '+' | '-'))
        }
        _ => false,
    };
    assert!(same, "plain {text:?} is {value:?} to serde_yaml:\n{yaml:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use proptest::prelude::*;

    use crate::source::frontmatter::edit;
    use crate::vocab::choice::Status;

    /// A small deterministic generator: proptest picks the seed, so a failure
    /// prints the seed and the YAML it made.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            // splitmix64
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
        fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
            options[self.below(options.len())]
        }
    }

    /// Characters for text: mostly letters, and every one YAML treats
    /// specially somewhere.
    const TEXT: &[&str] = &[
        "a", "b", "c", "x", "Z", "0", "7", " ", " ", " ", ",", ".", ";", ":", "#", "'", "\"", "(",
        "/", "\\", "!", "?", "&", "*", "%", "@", "`", "|", ">", "{", "}", "[", "]", "-", "é", "ß",
        "€", "😀", "—", "~", "=",
    ];

    fn text(g: &mut Gen, max: usize) -> String {
        (0..g.below(max + 1)).map(|_| g.pick(TEXT)).collect()
    }

    /// Text that is a plain scalar in the subset: it starts with a letter or
    /// digit, has no `: ` or ` #`, and no trailing blank or colon.
    fn plain_text(g: &mut Gen) -> String {
        let words = [
            "null", "true", "False", "~", "2024", "1.5", "0x1F", "yes", "no", ".inf",
        ];
        let mut s = if g.chance(10) {
            g.pick(&words).to_string()
        } else {
            format!("{}{}", g.pick(&["A", "z", "9", "é", "(", "_"]), text(g, 20))
        };
        loop {
            let t = s.replace(": ", ":").replace(" #", "#");
            let t = t.trim_end_matches([' ', ':']).to_string();
            if t == s {
                return s;
            }
            s = t;
        }
    }

    /// Text for a quoted scalar: anything, including characters YAML only
    /// carries escaped.
    fn any_text(g: &mut Gen) -> String {
        let extra = [
            "\n", "\t", "\r", "\u{1}", "\u{85}", "\u{2028}", "\u{feff}", "\u{0}", "\u{7f}",
        ];
        (0..g.below(16))
            .map(|_| {
                if g.chance(10) {
                    g.pick(&extra)
                } else {
                    g.pick(TEXT)
                }
            })
            .collect()
    }

    fn word(g: &mut Gen) -> String {
        let first = g.pick(&["a", "w", "2", "_", "2009"]);
        let rest: String = (0..g.below(12))
            .map(|_| g.pick(&["a", "b", "9", "-", "_", "."]))
            .collect();
        format!("{first}{rest}")
    }

    /// The kind of value a field holds.
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Text,
        Optional,
        Bool,
        List,
        Updates,
    }

    /// A doc is built as lines (without line breaks).
    struct Out {
        lines: Vec<String>,
    }

    impl Out {
        fn push(&mut self, line: String) {
            self.lines.push(line);
        }

        /// Maybe a blank line or a comment, at any indentation.
        fn noise(&mut self, g: &mut Gen) {
            if g.chance(8) {
                self.push(String::new());
            }
            if g.chance(8) {
                let pad = " ".repeat(g.below(7));
                self.push(format!("{pad}# {}", text(g, 10)));
            }
        }
    }

    /// A trailing comment, sometimes.
    fn comment(g: &mut Gen) -> String {
        if g.chance(10) {
            format!("{}# {}", " ".repeat(1 + g.below(2)), text(g, 8))
        } else {
            String::new()
        }
    }

    /// `head` (`key:` at its indentation) and a text value, for a mapping
    /// whose keys sit at column `indent`.
    fn text_value(g: &mut Gen, out: &mut Out, head: String, indent: usize, optional: bool) {
        let pad = " ".repeat(1 + usize::from(g.chance(10)));
        match g.below(100) {
            0..=34 => out.push(format!("{head}{pad}{}{}", plain_text(g), comment(g))),
            35..=49 => {
                let t = text(g, 16).replace('\'', "''");
                out.push(format!("{head}{pad}'{t}'{}", comment(g)));
            }
            50..=69 => out.push(format!(
                "{head}{pad}{}{}",
                edit::quote(&any_text(g)),
                comment(g)
            )),
            70..=91 => {
                let header = g.pick(&["|", "|-", "|  ", "|-  "]);
                out.push(format!("{head}{pad}{header}"));
                let own = indent + 1 + g.below(4);
                for i in 0..1 + g.below(4) {
                    if i > 0 && g.chance(20) {
                        out.push(" ".repeat(g.below(own + 1)));
                        continue;
                    }
                    let deeper = if i > 0 && g.chance(15) { g.below(3) } else { 0 };
                    let first = g.pick(&["A", "#", "-", "'", "k:", "😀", "|", "x"]);
                    let line = format!("{first}{}", text(g, 16));
                    out.push(format!("{}{line}", " ".repeat(own + deeper)));
                }
            }
            92..=95 if optional => {
                let word = g.pick(&["", " ~", " null", " Null", " NULL"]);
                out.push(format!("{head}{word}"));
            }
            _ => out.push(format!("{head}{pad}{}", g.pick(&["\"\"", "''", "x"]))),
        }
    }

    fn list_value(g: &mut Gen, out: &mut Out, head: String, indent: usize) {
        if g.chance(40) {
            let n = g.below(4);
            let items: Vec<String> = (0..n).map(|_| word(g)).collect();
            let sep = g.pick(&[", ", ",", " , "]);
            let inner = g.pick(&["", " "]);
            out.push(format!(
                "{head} [{inner}{}{inner}]{}",
                items.join(sep),
                comment(g)
            ));
            return;
        }
        out.push(format!("{head}{}", comment(g)));
        let at = indent + [0, 2, 4][g.below(3)];
        for _ in 0..1 + g.below(3) {
            out.noise(g);
            let item = match g.below(3) {
                0 => format!("'{}'", word(g)),
                1 => format!("\"{}\"", word(g)),
                _ => word(g),
            };
            let gap = " ".repeat(1 + g.below(2));
            out.push(format!("{}-{gap}{item}{}", " ".repeat(at), comment(g)));
        }
    }

    fn updates_value(g: &mut Gen, out: &mut Out, head: String, indent: usize) {
        out.push(head);
        let at = indent + [0, 2][g.below(2)];
        for _ in 0..1 + g.below(3) {
            out.noise(g);
            let gap = 1 + g.below(2);
            let column = at + 1 + gap;
            let mut keys = ["at", "status", "message"];
            for i in (1..keys.len()).rev() {
                keys.swap(i, g.below(i + 1));
            }
            for (i, key) in keys.iter().enumerate() {
                let head = if i == 0 {
                    format!("{}-{}{key}:", " ".repeat(at), " ".repeat(gap))
                } else {
                    out.noise(g);
                    format!("{}{key}:", " ".repeat(column))
                };
                text_value(g, out, head, column, false);
            }
        }
    }

    /// An incident's front matter in the subset, in any of its forms.
    fn incident(g: &mut Gen) -> String {
        let mut fields: Vec<(&str, Kind)> = vec![
            ("title", Kind::Text),
            ("severity", Kind::Text),
            ("date", Kind::Optional),
        ];
        for (key, kind) in [
            ("affected", Kind::List),
            ("summary", Kind::Optional),
            ("letter", Kind::Optional),
            ("pinned", Kind::Bool),
            ("draft", Kind::Bool),
            ("slug", Kind::Optional),
            ("starts", Kind::Optional),
            ("ends", Kind::Optional),
            ("updates", Kind::Updates),
        ] {
            if g.chance(50) {
                fields.push((key, kind));
            }
        }
        for i in (1..fields.len()).rev() {
            fields.swap(i, g.below(i + 1));
        }
        let mut out = Out { lines: Vec::new() };
        for (key, kind) in fields {
            out.noise(g);
            let head = format!("{key}:");
            match kind {
                Kind::Text | Kind::Optional => {
                    text_value(g, &mut out, head, 0, kind == Kind::Optional)
                }
                Kind::Bool => {
                    let word = g.pick(&["true", "True", "TRUE", "false", "False", "FALSE"]);
                    out.push(format!("{head} {word}{}", comment(g)));
                }
                Kind::List => list_value(g, &mut out, head, 0),
                Kind::Updates => updates_value(g, &mut out, head, 0),
            }
        }
        let eol = if g.chance(15) { "\r\n" } else { "\n" };
        let mut yaml = String::new();
        for line in out.lines {
            let trailing = if g.chance(5) && !line.trim().is_empty() {
                "  "
            } else {
                ""
            };
            // Trailing blanks are text in a block scalar, and in quotes.
            let trailing = if line.ends_with(['\'', '"']) {
                ""
            } else {
                trailing
            };
            yaml.push_str(&line);
            yaml.push_str(trailing);
            yaml.push_str(eol);
        }
        yaml
    }

    /// Small edits that take text out of the subset, or keep it in.
    fn mutate(g: &mut Gen, yaml: &str) -> String {
        const INSERTS: &[&str] = &[
            "#",
            " #",
            ":",
            ": ",
            " ",
            "  ",
            "\t",
            "'",
            "\"",
            "-",
            "- ",
            "\r",
            "\n",
            "\r\n",
            "|",
            ">",
            "&a ",
            "*a",
            "!",
            "!!str ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "é",
            "\u{2028}",
            "\u{85}",
            "\u{feff}",
            "\\",
            "\\x41",
            "\\u00",
            "null",
            "~",
            "true",
            "yes",
            "...",
            "---",
            "? ",
            "%",
            "|+",
            "|2",
            "a:",
            "\n  ",
            "\n- ",
            "\n#",
            "title: x\n",
        ];
        let mut s = yaml.to_string();
        for _ in 0..1 + g.below(3) {
            let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
            let at = bounds[g.below(bounds.len())];
            match g.below(4) {
                0 | 1 => s.insert_str(at, g.pick(INSERTS)),
                2 => {
                    let end = bounds
                        .iter()
                        .copied()
                        .find(|&b| b > at + g.below(3))
                        .unwrap_or(s.len());
                    s.replace_range(at..end, "");
                }
                _ => {
                    // Re-indent the line `at` is in.
                    let start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                    if g.chance(50) {
                        s.insert(start, ' ');
                    } else if s[start..].starts_with(' ') {
                        s.remove(start);
                    }
                }
            }
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn notes_in_the_subset_take_the_fast_path(seed in any::<u64>()) {
            let yaml = incident(&mut Gen(seed));
            check(&yaml);
            prop_assert!(fast::tree(&yaml).is_some(), "not read by the fast path:\n{yaml}");
            prop_assert!(agree::<RawIncident>(&yaml), "not on the fast path:\n{yaml}");
        }

        #[test]
        fn near_misses_agree_with_serde_yaml(seed in any::<u64>()) {
            let mut g = Gen(seed);
            let yaml = incident(&mut g);
            check(&mutate(&mut g, &yaml));
        }
    }

    /// Every front matter file in the repository: the example site, the test
    /// fixtures, and (when generated) the benchmark corpus.
    fn notes() -> Vec<(std::path::PathBuf, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("content"), root.join("tests/fixtures")];
        let bench = Path::new("/dev/shm/upfront-bench/s1000/content");
        if bench.is_dir() {
            dirs.push(bench.to_path_buf());
        }
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "md") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        files.push((path, text));
                    }
                }
            }
        }
        files
    }

    /// Files written on purpose in forms outside the subset.
    const OUTSIDE: &[&str] = &[
        // A folded (`>`) message: the workflow tests check that `update` keeps it.
        "tests/fixtures/workflow/content/incidents/styled.md",
        // `affected:` as a block mapping (an impact per component, SPEC §9):
        // nested mappings are outside the subset, serde_yaml reads them.
        "tests/fixtures/status-model/content/incidents/api-down.md",
    ];

    #[test]
    fn real_notes_take_the_fast_path() {
        let mut fast_count = 0;
        let mut slow = Vec::new();
        for (path, text) in notes() {
            let Ok(doc) = crate::source::frontmatter::split(&text, &path) else {
                continue;
            };
            check(doc.yaml);
            let section = path
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str());
            let took = match section {
                Some("incidents") => agree::<RawIncident>(doc.yaml),
                Some("letters") => agree::<RawLetter>(doc.yaml),
                Some("pages") => agree::<RawPage>(doc.yaml),
                _ => agree::<RawIntro>(doc.yaml),
            };
            let valid = match section {
                Some("incidents") => serde_yaml::from_str::<RawIncident>(doc.yaml).is_ok(),
                Some("letters") => serde_yaml::from_str::<RawLetter>(doc.yaml).is_ok(),
                Some("pages") => serde_yaml::from_str::<RawPage>(doc.yaml).is_ok(),
                _ => serde_yaml::from_str::<RawIntro>(doc.yaml).is_ok(),
            };
            let name = path.display().to_string();
            if took {
                fast_count += 1;
            } else if valid && !OUTSIDE.iter().any(|o| name.ends_with(o)) {
                slow.push(name);
            }
        }
        assert!(
            fast_count > 20,
            "only {fast_count} notes took the fast path"
        );
        assert!(
            slow.is_empty(),
            "valid notes not on the fast path: {slow:#?}"
        );
    }

    /// What `upfront new` and `upfront update` write takes the fast path.
    #[test]
    fn workflow_output_takes_the_fast_path() {
        let at = chrono::DateTime::parse_from_rfc3339("2008-08-12T10:00:00+02:00").unwrap();
        let messages = [
            "We are investigating.",
            "line one\n\n- a list: yes\n  # not a comment",
            "say \"hi\"\\ # not a comment",
            "tab\there, and \u{85} and \u{1}",
            "trailing\n  indented first? no: \n",
        ];
        for pad in ["", "  "] {
            for eol in ["\n", "\r\n"] {
                let mut yaml = format!(
                "title: {}{eol}date: 2008-08-12T10:00:00Z{eol}severity: minor{eol}affected: [website, api]{eol}summary: {}{eol}updates:{eol}",
                edit::quote("Login: \"failures\" #1"),
                edit::quote("ok")
            );
                for m in messages {
                    yaml.push_str(&edit::update_entry(pad, at, Status::Monitoring, m, eol));
                }
                assert!(agree::<RawIncident>(&yaml), "not on the fast path:\n{yaml}");
            }
        }
        let letter = format!(
        "title: {}\ndate: 2008-08-12T10:00:00Z\nauthor: {}\nincidents: [2008-08-12-login-failures]\ndraft: true   # set to false (or delete this line) to publish\n",
        edit::quote("An open letter"),
        edit::quote("Jane Example")
    );
        assert!(agree::<RawLetter>(&letter), "{letter}");
        let page = "title: \"Downloads\"\nnotices: []   # component ids whose active incidents put a Special Notice here\n";
        assert!(agree::<RawPage>(page), "{page}");
    }

    /// The near misses are worth their name: many stay in the subset (and are
    /// checked value by value), many leave it.
    #[test]
    fn near_misses_exercise_both_paths() {
        let (mut inside, mut outside) = (0, 0);
        for seed in 0..2000 {
            let mut g = Gen(seed);
            let yaml = incident(&mut g);
            let near = mutate(&mut g, &yaml);
            check(&near);
            if fast::tree(&near).is_some() {
                inside += 1;
            } else {
                outside += 1;
            }
        }
        eprintln!("near misses: {inside} inside the subset, {outside} outside");
        assert!(
            inside > 200 && outside > 200,
            "{inside} inside, {outside} outside"
        );
    }

    /// The fuzz target's committed seeds (and its local corpus, when there
    /// is one) replayed through `check`, so its regressions run with the
    /// unit tests; prints how many take the fast path.
    #[test]
    fn fuzz_inputs_agree() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        for dir in ["seeds/frontmatter_fast", "corpus/frontmatter_fast"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            let (mut inputs, mut fast_count) = (0, 0);
            for entry in entries.flatten() {
                // (A running fuzzer removes inputs as it goes.)
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                check(text);
                inputs += 1;
                let doc = crate::source::frontmatter::split(text, Path::new("x.md"));
                if fast::tree(text).is_some() || doc.is_ok_and(|d| fast::tree(d.yaml).is_some()) {
                    fast_count += 1;
                }
            }
            eprintln!("{dir}: {inputs} inputs, {fast_count} read by the fast path");
            assert!(
                dir.starts_with("corpus") || fast_count > 50,
                "{dir}: {fast_count}"
            );
        }
    }
}
