//! tera templates: the built-in theme is compiled into the binary, and a
//! file of the same name in the site's `layouts/` replaces it.

use std::path::{Path, PathBuf};

use tera::{Context, Tera};

use crate::content::Fnv;
use crate::error::{Error, Errors, Result};

/// The built-in theme, by template name.
pub const BUILTINS: &[(&str, &str)] = &[
    ("base.html", include_str!("theme/base.html")),
    ("macros.html", include_str!("theme/macros.html")),
    ("index.html", include_str!("theme/index.html")),
    ("incident.html", include_str!("theme/incident.html")),
    ("incidents.html", include_str!("theme/incidents.html")),
    ("component.html", include_str!("theme/component.html")),
    ("letter.html", include_str!("theme/letter.html")),
    ("letters.html", include_str!("theme/letters.html")),
    ("page.html", include_str!("theme/page.html")),
    ("404.html", include_str!("theme/404.html")),
    ("feed.xml", include_str!("theme/feed.xml")),
    ("sitemap.xml", include_str!("theme/sitemap.xml")),
];

/// The built-in stylesheet; `layouts/style.css` replaces it.
pub const STYLE: &str = include_str!("theme/style.css");
pub const STYLE_NAME: &str = "style.css";

pub struct Templates {
    tera: Tera,
    /// Where each overridden template came from, for error messages.
    overrides: Vec<(String, PathBuf)>,
    pub stylesheet: String,
    /// A hash of every layout byte, for the build id.
    pub digest: u64,
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
            let display = crate::content::display_path(root, &path);
            match crate::content::read_text(&path, &display) {
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
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape);
        if let Err(e) = tera.add_raw_templates(sources) {
            let mut err = template_error(&e, &overrides);
            err.message = format!("a template does not compile: {}", err.message);
            return Err(err.into());
        }
        Ok(Templates {
            tera,
            overrides,
            stylesheet,
            digest: digest.0,
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
        self.tera
            .render_to(name, context, &mut out)
            .map_err(|e| template_error(&e, &self.overrides))?;
        Ok(out)
    }
}

/// Escapes the five characters that matter in HTML and XML text and
/// attributes. tera's own also escapes `/`, which bloats every URL.
pub fn escape(s: &str) -> String {
    let bytes = s.as_bytes();
    // Most values (titles, dates, URLs) have nothing to escape: find the
    // first special byte with a table lookup per byte, and copy whole when
    // there is none.
    let Some(first) = bytes.iter().position(|&b| SPECIAL[b as usize]) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(s.len() + s.len() / 8 + 8);
    out.push_str(&s[..first]);
    let mut start = first;
    // The five special bytes are ASCII, so never inside a multi-byte character.
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        if !SPECIAL[b as usize] {
            continue;
        }
        out.push_str(&s[start..i]);
        out.push_str(match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out
}

/// The bytes `escape` replaces.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table
};

/// Files under `layouts/` with their template names (paths relative to it).
/// Markdown files there are documentation, not templates.
fn layout_files(root: &Path, dir: &Path, errors: &mut Errors) -> Vec<(String, PathBuf)> {
    let wanted = |name: &str| {
        let hidden = name.split('/').any(|part| part.starts_with('.'));
        !hidden && !name.ends_with(".md") && !name.ends_with('~') && !name.ends_with(".swp")
    };
    crate::walk::files(root, dir, wanted, errors)
        .into_iter()
        .map(|f| (f.rel, f.path))
        .collect()
}

/// A tera error as one located message: tera nests the useful part in its
/// source chain, and parse errors carry "--> line:col".
fn template_error(e: &tera::Error, overrides: &[(String, PathBuf)]) -> Error {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let text = parts.join(": ");
    let name = quoted_template_name(&text);
    let file = name
        .as_deref()
        .and_then(|n| {
            overrides
                .iter()
                .find(|(o, _)| o == n)
                .map(|(_, p)| p.clone())
        })
        .unwrap_or_else(|| {
            PathBuf::from(format!(
                "(built-in template {})",
                name.as_deref().unwrap_or("?")
            ))
        });
    let mut err = Error::in_file(&file, squash(&text));
    if let Some((line, col)) = arrow_position(&text) {
        err = err.at(line, Some(col));
    }
    err.hint("see layouts/README.md for each template's variables")
}

fn quoted_template_name(text: &str) -> Option<String> {
    let start = text.find('\'')? + 1;
    let len = text[start..].find('\'')?;
    Some(text[start..start + len].to_string())
}

fn arrow_position(text: &str) -> Option<(usize, usize)> {
    let at = text.find("--> ")? + 4;
    let rest = &text[at..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(rest.len());
    let (l, c) = rest[..end].split_once(':')?;
    Some((l.parse().ok()?, c.parse().ok()?))
}

/// tera's parse errors span several lines with ASCII art; keep one line.
fn squash(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "|")
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
