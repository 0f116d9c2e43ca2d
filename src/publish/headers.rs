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
    for path in paths {
        if immutable.contains(&path) {
            continue;
        }
        match path.split_once('/') {
            Some((folder, _)) => {
                folders.insert(format!("/{folder}/*"));
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
    fn cache_seconds_is_used() {
        assert!(headers(["index.html"], &[], 15).contains("max-age=15,"));
    }
}
