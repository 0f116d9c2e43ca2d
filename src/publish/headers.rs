//! `/_headers`: cache rules for Netlify and Cloudflare Pages, so a CDN never
//! hides an update for longer than `cache_seconds`.
//!
//! Both hosts read the same file but combine rules that match one path
//! differently (Netlify lets the last rule win, Cloudflare joins the values
//! and needs its own `! Header` syntax to undo one). So no two rules here
//! ever match the same path: every top-level file gets its own rule, every
//! top-level folder one `/folder/*` rule, and fingerprinted files (which may
//! be cached forever) have exact paths of their own.

use std::collections::BTreeSet;

/// A year, the longest cache browsers honour; for files named by their hash.
const FOREVER: u32 = 31_536_000;

/// The `_headers` text for a site whose outputs are `paths` (relative to
/// the output root). `immutable` are the fingerprinted ones among them.
pub fn headers<'a>(
    paths: impl IntoIterator<Item = &'a str>,
    immutable: &[&str],
    cache_seconds: u32,
) -> String {
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut folders: BTreeSet<String> = BTreeSet::new();
    // Pages come folder by folder (ten thousand in `incidents/`): a rule
    // string is made when the folder changes, not for every page.
    let mut last = None;
    for path in paths {
        if immutable.contains(&path) {
            continue;
        }
        match path.split_once('/') {
            Some((folder, _)) => {
                if last != Some(folder) {
                    last = Some(folder);
                    folders.insert(format!("/{folder}/*"));
                }
            }
            None => {
                if path == "index.html" {
                    files.insert("/".to_string());
                }
                files.insert(format!("/{path}"));
            }
        }
    }
    let mut out = String::from(
        "# Written by upfront: pages, feeds and JSON may be cached for cache_seconds\n\
         # (site.toml); fingerprinted files forever. No two rules match one path.\n",
    );
    let short = format!("  Cache-Control: public, max-age={cache_seconds}, must-revalidate\n");
    for rule in files.iter().chain(&folders) {
        out.push_str(rule);
        out.push('\n');
        out.push_str(&short);
        if rule.ends_with(".json") || rule == "/api/*" {
            // Public data that embeds (notice.js) and widgets fetch from other sites.
            out.push_str("  Access-Control-Allow-Origin: *\n");
        }
    }
    for path in immutable {
        out.push_str(&format!(
            "/{path}\n  Cache-Control: public, max-age={FOREVER}, immutable\n"
        ));
    }
    out
}

/// Whether a `_headers` rule applies to a URL path, as Netlify and
/// Cloudflare Pages match: the exact path, or a prefix before a final `*`.
pub fn matches(pattern: &str, url: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => url.starts_with(prefix),
        None => pattern == url,
    }
}

/// A `_headers` text read back: what `deploy` gives each object on hosts
/// that don't read the file themselves (S3 and its kin). Reading the file
/// the build wrote, rather than recomputing the rules, keeps one owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules(Vec<Rule>);

/// One path pattern and its headers, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub pattern: String,
    pub headers: Vec<(String, String)>,
}

impl Rules {
    /// Parses the format Netlify and Cloudflare Pages document: a path at
    /// the start of a line, then indented `Name: value` lines; `#` comments.
    pub fn parse(text: &str) -> Rules {
        let mut rules: Vec<Rule> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !line.starts_with([' ', '\t']) {
                rules.push(Rule {
                    pattern: trimmed.to_string(),
                    headers: Vec::new(),
                });
            } else if let (Some(rule), Some((name, value))) =
                (rules.last_mut(), trimmed.split_once(':'))
            {
                rule.headers
                    .push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        Rules(rules)
    }

    /// The value of header `name` for the output file `path` (relative to
    /// the output root, e.g. `incidents/x/index.html`): from the first
    /// rule matching its URL (no two do, see the module comment).
    pub fn get(&self, path: &str, name: &str) -> Option<&str> {
        let url = format!("/{path}");
        self.0
            .iter()
            .filter(|r| matches(&r.pattern, &url))
            .flat_map(|r| &r.headers)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The `Content-Type` of an output file, by its name: what the preview
/// server sends and what `deploy` stores with each object.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" if path.ends_with("feed.xml") => "application/atom+xml",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "ics" => "text/calendar; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules of a `_headers` text: (path pattern, Cache-Control value).
    fn rules(text: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if let Some(value) = line.trim().strip_prefix("Cache-Control: ") {
                out.last_mut().unwrap().1 = value.to_string();
            } else if line.starts_with(' ') {
                continue;
            } else {
                out.push((line.to_string(), String::new()));
            }
        }
        out
    }

    #[test]
    fn every_output_matches_exactly_one_rule_with_the_right_age() {
        let paths = [
            "index.html",
            "404.html",
            "feed.xml",
            "status.json",
            "style.0123abcd.css",
            "incidents/a/index.html",
            "incidents/index.html",
            "components/x/feed.xml",
            "api/v2/summary.json",
            "downloads/index.html",
        ];
        let text = headers(paths, &["style.0123abcd.css"], 60);
        let rules = rules(&text);
        let urls = paths
            .iter()
            .map(|p| format!("/{p}"))
            .chain(["/", "/incidents/", "/downloads/"].map(String::from));
        for url in urls {
            let hits: Vec<&(String, String)> =
                rules.iter().filter(|(p, _)| matches(p, &url)).collect();
            assert_eq!(hits.len(), 1, "{url}: {hits:?}\n{text}");
            let want = if url.starts_with("/style.") {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=60, must-revalidate"
            };
            assert_eq!(hits[0].1, want, "{url}");
        }
    }

    #[test]
    fn json_may_be_read_from_other_sites() {
        let text = headers(["notice.json", "index.html", "api/v2/status.json"], &[], 60);
        let cors = "  Access-Control-Allow-Origin: *\n";
        assert!(text.contains(&format!(
            "/notice.json\n  Cache-Control: public, max-age=60, must-revalidate\n{cors}"
        )));
        assert!(text.contains(&format!(
            "/api/*\n  Cache-Control: public, max-age=60, must-revalidate\n{cors}"
        )));
        assert_eq!(text.matches("Access-Control").count(), 2);
    }

    #[test]
    fn rules_read_back_give_each_file_its_cache_control() {
        let paths = [
            "index.html",
            "status.json",
            "style.0123abcd.css",
            "incidents/a/index.html",
        ];
        let rules = Rules::parse(&headers(paths, &["style.0123abcd.css"], 60));
        let short = "public, max-age=60, must-revalidate";
        assert_eq!(rules.get("index.html", "cache-control"), Some(short));
        assert_eq!(
            rules.get("incidents/a/index.html", "Cache-Control"),
            Some(short)
        );
        assert_eq!(
            rules.get("style.0123abcd.css", "Cache-Control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(
            rules.get("status.json", "Access-Control-Allow-Origin"),
            Some("*")
        );
        assert_eq!(rules.get("nowhere.txt", "Cache-Control"), None);
    }

    #[test]
    fn content_types_by_name() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("feed.xml"), "application/atom+xml");
        assert_eq!(content_type("sitemap.xml"), "application/xml");
        assert_eq!(
            content_type("maintenance.ics"),
            "text/calendar; charset=utf-8"
        );
    }

    #[test]
    fn cache_seconds_is_used() {
        assert!(headers(["index.html"], &[], 15).contains("max-age=15,"));
    }
}
