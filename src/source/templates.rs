//! tera templates: the built-in theme is compiled into the binary, and a
//! file of the same name in the site's `layouts/` replaces it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tera::{Context, ErrorKind, Tera};

use crate::vocab::error::{Error, Errors, Result};
use crate::vocab::ids::Fnv;

/// The built-in theme, by template name.
pub const BUILTINS: &[(&str, &str)] = &[
    ("base.html", include_str!("../theme/base.html")),
    ("components.html", include_str!("../theme/components.html")),
    ("index.html", include_str!("../theme/index.html")),
    ("incident.html", include_str!("../theme/incident.html")),
    ("incidents.html", include_str!("../theme/incidents.html")),
    ("component.html", include_str!("../theme/component.html")),
    ("letter.html", include_str!("../theme/letter.html")),
    ("letters.html", include_str!("../theme/letters.html")),
    ("page.html", include_str!("../theme/page.html")),
    ("404.html", include_str!("../theme/404.html")),
    ("feed.xml", include_str!("../theme/feed.xml")),
];

/// The built-in stylesheet; `layouts/style.css` replaces it.
pub const STYLE: &str = include_str!("../theme/style.css");
pub const STYLE_NAME: &str = "style.css";

pub struct Templates {
    tera: Tera,
    /// The source of every template, by name, for `site_reads`.
    sources: HashMap<String, String>,
    /// Where each overridden template came from, for error messages.
    overrides: Vec<(String, PathBuf)>,
    pub stylesheet: String,
    /// A hash of every layout byte, for the build id.
    pub digest: u64,
    /// `site_reads` of each template asked about: worked out from the
    /// text once, not at every rebuild that changes a field of `site`.
    site_reads: Mutex<HashMap<String, SiteReads>>,
}

impl Templates {
    /// The built-ins, then every file of `root/layouts` on top.
    pub fn load(root: &Path) -> Result<Templates> {
        let dir = root.join("layouts");
        let mut errors = Errors::default();
        let mut digest = Fnv::default();
        let mut sources: Vec<(String, String)> = BUILTINS
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        let mut overrides = Vec::new();
        let mut stylesheet = STYLE.to_string();
        for (name, path) in layout_files(root, &dir, &mut errors) {
            let display = crate::source::content::display_path(root, &path);
            match crate::source::content::read_text(&path, &display) {
                Ok(text) => {
                    digest.write(name.as_bytes());
                    digest.write(text.as_bytes());
                    if name == STYLE_NAME {
                        stylesheet = text;
                        continue;
                    }
                    sources.retain(|(n, _)| *n != name);
                    sources.push((name.clone(), text));
                    overrides.push((name, display));
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let sources_by_name: HashMap<String, String> = sources.iter().cloned().collect();
        let mut tera = Tera::new();
        tera.autoescape_on([".html", ".xml"]);
        tera.set_escape_fn(escape_to);
        if let Err(e) = tera.add_raw_templates(sources) {
            let mut errors = Errors::default();
            for mut err in template_errors(&e, &overrides, None) {
                err.message = format!("a template does not compile: {}", err.message);
                errors.push(err);
            }
            return Err(errors);
        }
        Ok(Templates {
            tera,
            sources: sources_by_name,
            overrides,
            stylesheet,
            digest: digest.0,
            site_reads: Mutex::default(),
        })
    }

    /// Renders one template; errors name the template file.
    /// Renders into a buffer of `capacity` bytes to start with: pages are
    /// large, and growing a buffer from empty copies it a dozen times.
    pub fn render(
        &self,
        name: &str,
        context: &Context,
        capacity: usize,
    ) -> std::result::Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(capacity);
        self.tera.render_to(name, context, &mut out).map_err(|e| {
            let mut errors = template_errors(&e, &self.overrides, Some(name));
            errors.swap_remove(0)
        })?;
        Ok(out)
    }
}

/// Which fields of the `site` variable a page can show: derived from the
/// text of its template and of every template it can reach, so watch mode
/// renders a page again when a field it shows changed, and only then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteReads {
    /// `site` is used whole (passed on, filtered, indexed by a variable):
    /// every field counts.
    All,
    /// Only these fields (`site.title` → `title`).
    Fields(BTreeSet<String>),
}

impl SiteReads {
    pub fn reads(&self, field: &str) -> bool {
        match self {
            SiteReads::All => true,
            SiteReads::Fields(f) => f.contains(field),
        }
    }
}

impl Templates {
    /// What page template `name` reads of `site`, counting every template
    /// it names (`extends`, `include`, `import`: any quoted name in a tag)
    /// and every template that defines components (usable anywhere).
    /// Conservative: a use it cannot read as `site.field` counts as `All`.
    /// Whether there is a template of this name (a built-in, or a layout
    /// that is not one).
    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    pub fn site_reads(&self, name: &str) -> SiteReads {
        let mut memo = self
            .site_reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(reads) = memo.get(name) {
            return reads.clone();
        }
        let reads = self.work_out_site_reads(name);
        memo.insert(name.to_string(), reads.clone());
        reads
    }

    fn work_out_site_reads(&self, name: &str) -> SiteReads {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<&str> = vec![name];
        todo.extend(
            self.sources
                .iter()
                .filter(|(_, text)| defines_components(text))
                .map(|(n, _)| n.as_str()),
        );
        let mut fields = BTreeSet::new();
        while let Some(n) = todo.pop() {
            if !seen.insert(n) {
                continue;
            }
            let Some(text) = self.sources.get(n) else {
                continue;
            };
            for tag in tags(text) {
                let (reads, names) = scan_tag(tag);
                match reads {
                    None => return SiteReads::All,
                    Some(f) => fields.extend(f),
                }
                for named in names {
                    if let Some((k, _)) = self.sources.get_key_value(named) {
                        todo.push(k.as_str());
                    }
                }
            }
        }
        SiteReads::Fields(fields)
    }
}

/// Whether a template defines tera components (`{% component name(…) %}`):
/// any page may use them, so what they read counts for every page.
fn defines_components(text: &str) -> bool {
    tags(text).iter().any(|tag| {
        tag.trim_start_matches(['%', '-', ' '])
            .starts_with("component ")
    })
}

/// The insides of each `{{ }}`, `{% %}` (and so `{{< />}}`) of a template;
/// comments (`{# #}`) and text are skipped.
fn tags(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body = &after[1..];
        let end = body.find(close).unwrap_or(body.len());
        if close != "#}" {
            out.push(&body[..end]);
        }
        rest = &body[(end + close.len()).min(body.len())..];
    }
    out
}

/// The `site` fields one tag reads (`None`: `site` used whole) and the
/// quoted strings in it (template names, among others).
fn scan_tag(tag: &str) -> (Option<Vec<String>>, Vec<&str>) {
    let bytes = tag.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (mut fields, mut strings) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' || b == b'\'' || b == b'`' {
            let end = tag[i + 1..]
                .find(b as char)
                .map_or(bytes.len(), |e| i + 1 + e);
            strings.push(&tag[i + 1..end]);
            i = end + 1;
            continue;
        }
        if ident(b) {
            let start = i;
            while i < bytes.len() && ident(bytes[i]) {
                i += 1;
            }
            let after_dot = start > 0 && bytes[start - 1] == b'.';
            if &tag[start..i] == "site" && !after_dot {
                let rest = &tag[i..];
                let field: String = rest
                    .strip_prefix('.')
                    .map(|r| {
                        r.bytes()
                            .take_while(|&c| ident(c))
                            .map(char::from)
                            .collect()
                    })
                    .unwrap_or_default();
                if field.is_empty() {
                    return (None, strings);
                }
                fields.push(field);
            }
            continue;
        }
        i += 1;
    }
    (Some(fields), strings)
}

/// Escapes the five characters that matter in HTML and XML text and
/// attributes. tera's own also escapes `/`, which bloats every URL.
/// A carriage return is written as a reference, since both parsers would
/// turn a raw one into a newline; characters that XML 1.0 forbids and HTML
/// calls a parse error (control characters, noncharacters) cannot be
/// written at all and are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(s, &mut out);
    out
}

/// `escape`, appended to `out`.
pub fn escape_into(s: &str, out: &mut String) {
    escape_pieces(s, |piece| out.push_str(piece));
}

/// `escape` as tera calls it, writing straight into the page.
fn escape_to(s: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut result = Ok(());
    escape_pieces(s, |piece| {
        if result.is_ok() {
            result = out.write_all(piece.as_bytes());
        }
    });
    result
}

/// Hands `emit` the escaped text of `s` in pieces: runs of `s` itself and
/// entities.
fn escape_pieces<'s>(s: &'s str, mut emit: impl FnMut(&'s str)) {
    let bytes = s.as_bytes();
    // Most values (titles, dates, URLs) have nothing to escape: find the
    // first byte worth a look with a table lookup per byte, and copy whole
    // when there is none.
    let Some(first) = bytes.iter().position(|&b| SPECIAL[b as usize]) else {
        emit(s);
        return;
    };
    let mut start = 0;
    let mut i = first;
    // The bytes in the table are ASCII or lead bytes, never inside a
    // multi-byte character, so `i` is a character boundary where one is found.
    while i < bytes.len() {
        if !SPECIAL[bytes[i] as usize] {
            i += 1;
            continue;
        }
        let (entity, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&#39;", 1),
            b'\r' => ("&#13;", 1),
            // U+0080..U+00BF, U+F000..U+FFFF and the planes above: most are
            // text, a few (C1 controls, noncharacters) cannot be written.
            0xc2 | 0xef | 0xf0..=0xf4 => {
                let c = s[i..].chars().next().unwrap_or(' ');
                if is_markup_char(c) {
                    i += c.len_utf8();
                    continue;
                }
                ("", c.len_utf8())
            }
            // The other control characters.
            _ => ("", 1),
        };
        emit(&s[start..i]);
        emit(entity);
        i += len;
        start = i;
    }
    emit(&s[start..]);
}

/// The bytes `escape` looks at: the five it replaces, the carriage return,
/// control characters other than tab and newline, and the lead bytes of
/// the characters it may have to drop.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\t' as usize && b != b'\n' as usize;
        b += 1;
    }
    table[0x7f] = true;
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[0xc2] = true;
    table[0xef] = true;
    let mut b = 0xf0;
    while b <= 0xf4 {
        table[b] = true;
        b += 1;
    }
    table
};

/// Whether a character may appear in both an XML 1.0 and an error-free
/// HTML document.
fn is_markup_char(c: char) -> bool {
    let noncharacter = ('\u{fdd0}'..='\u{fdef}').contains(&c) || (c as u32) & 0xfffe == 0xfffe;
    !noncharacter && (!c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// Whether a path under `layouts/` (relative to it) is a template: not
/// hidden, not an editor's file, not Markdown (documentation).
pub fn is_layout_file(rel: &str) -> bool {
    !rel.ends_with(".md") && crate::source::walk::Folder::Layouts.reads(rel)
}

/// Files under `layouts/` with their template names (paths relative to it).
/// Markdown files there are documentation, not templates.
fn layout_files(root: &Path, dir: &Path, errors: &mut Errors) -> Vec<(String, PathBuf)> {
    crate::source::walk::files(root, dir, is_layout_file, errors)
        .into_iter()
        .map(|f| (f.rel, f.path))
        .collect()
}

/// One problem tera found: the template, the message, the line and column.
type Problem = (Option<String>, String, Option<(usize, usize)>);

/// A tera error as located messages, each in the file it came from: the
/// override in `layouts/`, or the built-in template of that name; an error
/// that names no template is put in `rendering`, if given. Never empty.
fn template_errors(
    e: &tera::Error,
    overrides: &[(String, PathBuf)],
    rendering: Option<&str>,
) -> Vec<Error> {
    let located: Vec<Problem> = match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let span = r.span();
            let at = (span.start_line > 0).then_some((span.start_line, span.start_col + 1));
            vec![(Some(r.filename().to_string()), r.message().to_string(), at)]
        }
        ErrorKind::MissingParent { current, .. } => {
            vec![(Some(current.clone()), e.to_string(), None)]
        }
        ErrorKind::CircularExtend { tpl, .. } | ErrorKind::CircularInclude { tpl, .. } => {
            vec![(Some(tpl.clone()), e.to_string(), None)]
        }
        // Checks across templates (unknown filters, tests, components)
        // arrive as a message holding one report per problem.
        _ => parse_reports(&e.to_string()),
    };
    let located = if located.is_empty() {
        vec![(rendering.map(str::to_string), e.to_string(), None)]
    } else {
        located
    };
    located
        .into_iter()
        .map(|(name, message, at)| {
            let file = match name.as_deref() {
                Some(n) => overrides
                    .iter()
                    .find(|(o, _)| o == n)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_else(|| PathBuf::from(format!("(built-in template {n})"))),
                None => PathBuf::from("(templates)"),
            };
            let mut err = Error::in_file(&file, message);
            if let Some((line, col)) = at {
                err = err.at(line, Some(col));
            }
            err.hint("see layouts/README.md for each template's variables")
        })
        .collect()
}

/// The problems in tera's text reports: an `error: <message>` line, then
/// ` --> <template>:<line>:<column>`.
fn parse_reports(text: &str) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut message = None;
    for line in text.lines() {
        if let Some(m) = line.strip_prefix("error: ") {
            message = Some(m.to_string());
        } else if let Some(place) = line.trim_start().strip_prefix("--> ") {
            let mut parts = place.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.parse().ok());
            let line = parts.next().and_then(|l| l.parse().ok());
            let name = parts.next().map(str::to_string);
            if let (Some(m), Some(l), Some(c), Some(n)) = (message.take(), line, col, name) {
                found.push((Some(n), m, Some((l, c))));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_text_and_drops_what_markup_cannot_hold() {
        assert_eq!(
            escape("a<b>&\"'\r\n\tz\u{7}\u{ffff}\u{fdd0}\u{9f}é🚨\u{2028}"),
            "a&lt;b&gt;&amp;&quot;&#39;&#13;\n\tzé🚨\u{2028}"
        );
        // Lead bytes that start a check keep the good characters whole.
        assert_eq!(
            escape("\u{a0}\u{fffd}\u{e000}\u{1fffe}\u{10ffff}𝄞\u{7f}x"),
            "\u{a0}\u{fffd}\u{e000}𝄞x"
        );
    }

    #[test]
    fn builtins_compile() {
        let dir = std::env::temp_dir().join("upfront-no-layouts");
        assert!(Templates::load(&dir).is_ok());
    }

    #[test]
    fn override_errors_name_the_file_and_line() {
        let root = std::env::temp_dir().join(format!("upfront-tpl-{}", std::process::id()));
        std::fs::create_dir_all(root.join("layouts")).unwrap();
        std::fs::write(root.join("layouts/index.html"), "ok\n{% if %}\n").unwrap();
        let e = Templates::load(&root).err().unwrap().to_string();
        std::fs::remove_dir_all(&root).unwrap();
        assert!(e.contains("layouts/index.html:2:"), "{e}");
    }

    #[test]
    fn unknown_filters_and_components_are_located_in_the_override() {
        let root = std::env::temp_dir().join(format!("upfront-tpl-f-{}", std::process::id()));
        std::fs::create_dir_all(root.join("layouts")).unwrap();
        std::fs::write(
            root.join("layouts/page.html"),
            "{{ page.title | no_such_filter }}\n{{<nothing/>}}\n",
        )
        .unwrap();
        let e = Templates::load(&root).err().unwrap().to_string();
        std::fs::remove_dir_all(&root).unwrap();
        assert!(e.contains("layouts/page.html:1:17"), "{e}");
        assert!(e.contains("Unknown filter `no_such_filter`"), "{e}");
        assert!(e.contains("layouts/page.html:2:"), "{e}");
        assert!(e.contains("Unknown component `nothing`"), "{e}");
    }

    #[test]
    fn escape_replaces_the_five_and_keeps_the_rest() {
        assert_eq!(
            escape(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;"
        );
        assert_eq!(escape("Zürich → 東京 ✓"), "Zürich → 東京 ✓");
        assert_eq!(escape("<"), "&lt;");
        assert_eq!(escape(""), "");
        assert_eq!(escape("/a/b/"), "/a/b/");
    }
}

#[cfg(test)]
mod site_reads_tests {
    use super::*;

    fn reads(name: &str) -> SiteReads {
        let t = Templates::load(Path::new("/nonexistent-site")).unwrap();
        t.site_reads(name)
    }

    #[test]
    fn the_builtin_theme_shows_component_statuses_on_the_homepage_only() {
        assert!(reads("index.html").reads("components"));
        assert!(reads("index.html").reads("overall"));
        for page in [
            "incident.html",
            "incidents.html",
            "letter.html",
            "page.html",
        ] {
            let r = reads(page);
            assert!(
                !r.reads("components") && !r.reads("overall"),
                "{page}: {r:?}"
            );
            // base.html, reached through `extends`, is counted.
            assert!(r.reads("nav") && r.reads("title"), "{page}: {r:?}");
        }
    }

    #[test]
    fn site_used_whole_counts_as_every_field() {
        let (reads, _) = scan_tag(" site | json_encode ");
        assert_eq!(reads, None);
        let (reads, names) = scan_tag(r#" include "x.html" "#);
        assert_eq!(reads, Some(vec![]));
        assert_eq!(names, ["x.html"]);
        let (reads, _) = scan_tag(" website.x ~ site.title ~ a.site ");
        assert_eq!(reads, Some(vec!["title".to_string()]));
        assert_eq!(
            tags("a {# site #} {{ site.x }} {% if site %}"),
            [" site.x ", " if site "]
        );
    }
}
