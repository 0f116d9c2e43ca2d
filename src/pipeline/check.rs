//! `upfront check`: everything a build validates (config, front matter,
//! references, timelines, templates that fail to render), plus links inside
//! Markdown bodies that point at pages the build will not write. Writes
//! nothing.

use std::collections::HashSet;
use std::path::Path;

use crate::pipeline::build::{self, BuildOptions};
use crate::publish::Output;
use crate::vocab::error::{closest, Error, Errors};
use crate::vocab::routes::base_path;

/// Every problem of the site; empty when it would build cleanly.
pub fn check(opts: &BuildOptions) -> Errors {
    let loaded = match build::load(opts) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let outputs = match build::render(&loaded) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let mut pages: HashSet<String> = outputs.iter().map(|o: &Output| o.path.clone()).collect();
    pages.extend(loaded.copies.iter().map(|c| c.path.clone()));
    let prefix = base_path(&loaded.site.config.base_url);
    let mut errors = Errors::default();
    let site = &loaded.site;
    for e in &site.incidents {
        let mut html = e.incident.body_html.clone();
        for u in &e.incident.updates {
            html.push_str(&u.message_html);
        }
        links(
            &opts.root,
            &e.incident.source,
            &html,
            prefix,
            &pages,
            &mut errors,
        );
    }
    for l in &site.letters {
        links(
            &opts.root,
            &l.source,
            &l.body_html,
            prefix,
            &pages,
            &mut errors,
        );
    }
    for p in &site.pages {
        links(
            &opts.root,
            &p.source,
            &p.body_html,
            prefix,
            &pages,
            &mut errors,
        );
    }
    if let Some(intro) = &site.intro {
        let source = Path::new("content/index.md");
        links(
            &opts.root,
            source,
            &intro.body_html,
            prefix,
            &pages,
            &mut errors,
        );
    }
    errors.sorted()
}

/// Reports each site-relative link of `html` that names no output file.
fn links(
    root: &Path,
    source: &Path,
    html: &str,
    prefix: &str,
    pages: &HashSet<String>,
    errors: &mut Errors,
) {
    let mut text: Option<String> = None;
    for href in html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
    {
        let href = href.replace("&amp;", "&");
        let Some(path) = href.strip_prefix('/') else {
            continue; // absolute URLs, anchors, mailto: are not ours to judge
        };
        if href.starts_with("//") {
            continue;
        }
        let path = path.split(['#', '?']).next().unwrap_or("");
        let path = path
            .strip_prefix(prefix.trim_start_matches('/'))
            .map(|p| p.trim_start_matches('/'))
            .filter(|_| !prefix.is_empty())
            .unwrap_or(path);
        if exists(path, pages) {
            continue;
        }
        let raw = text
            .get_or_insert_with(|| std::fs::read_to_string(root.join(source)).unwrap_or_default());
        let line = raw
            .lines()
            .position(|l| l.contains(href.as_str()))
            .map(|i| i + 1);
        let urls: Vec<String> = pages
            .iter()
            .filter_map(|p| p.strip_suffix("index.html"))
            .map(|p| format!("/{p}"))
            .collect();
        let hint = match closest(&href, urls.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`?"),
            None => "link to a page the site has, or create it".into(),
        };
        errors.push(
            Error::in_file(
                source,
                format!("the link `{href}` points to a page the build will not write"),
            )
            .at_line(line)
            .hint(hint),
        );
    }
}

fn exists(path: &str, pages: &HashSet<String>) -> bool {
    if path.is_empty() || path.ends_with('/') {
        return pages.contains(&format!("{path}index.html"));
    }
    pages.contains(path) || pages.contains(&format!("{path}/index.html"))
}

/// The errors as JSON, for CI and editors.
pub fn to_json(errors: &Errors) -> String {
    let list: Vec<serde_json::Value> = errors
        .iter()
        .map(|e| {
            serde_json::json!({
                "file": e.file.as_ref().map(|f| f.display().to_string()),
                "line": e.line,
                "column": e.column,
                "message": e.message,
                "hint": e.hint,
            })
        })
        .collect();
    let doc = serde_json::json!({ "ok": errors.is_empty(), "errors": list });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_and_file_links_resolve_like_a_static_host() {
        let pages: HashSet<String> = ["index.html", "downloads/index.html", "robots.txt"]
            .into_iter()
            .map(String::from)
            .collect();
        assert!(exists("", &pages));
        assert!(exists("downloads/", &pages));
        assert!(exists("downloads", &pages));
        assert!(exists("robots.txt", &pages));
        assert!(!exists("download/", &pages));
        assert!(!exists("incidents/nope/", &pages));
    }

    #[test]
    fn json_lists_every_error_with_its_place() {
        let mut e = Errors::default();
        e.push(Error::in_file(Path::new("content/pages/a.md"), "bad").at(3, Some(2)));
        let v: serde_json::Value = serde_json::from_str(&to_json(&e)).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["errors"][0]["file"], "content/pages/a.md");
        assert_eq!(v["errors"][0]["line"], 3);
    }
}
