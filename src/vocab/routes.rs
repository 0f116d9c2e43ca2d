//! URLs of the output: the one place that knows where each thing lives.
//! Every URL here is a site path ("/incidents/x/"); `file` turns one into
//! the output file that serves it, and `Config::absolute` or a base path
//! puts the site's address in front.

pub const HOME: &str = "/";
pub const ARCHIVE: &str = "/incidents/";
pub const LETTERS: &str = "/letters/";
pub const NOT_FOUND: &str = "/404.html";
pub const FEED: &str = "/feed.xml";
pub const SITEMAP: &str = "/sitemap.xml";
pub const STATUS_JSON: &str = "/status.json";

/// Page `n` of the archive, from 0: `/incidents/`, then `/incidents/page/2/`, …
pub fn archive_page(n: usize) -> String {
    match n {
        0 => ARCHIVE.into(),
        n => format!("{ARCHIVE}page/{}/", n + 1),
    }
}

// `concat`, not `format!`: watch mode lists every page's path after a
// new incident, and formatting was a third of that.
pub fn incident(slug: &str) -> String {
    let mut path = String::with_capacity(slug.len() + 12);
    push_incident(&mut path, slug);
    path
}

/// `incident(slug)` put at the end of `out`: the sitemap writes 10,000 of
/// them into one buffer.
pub fn push_incident(out: &mut String, slug: &str) {
    out.push_str("/incidents/");
    out.push_str(slug);
    out.push('/');
}

/// One update on its incident's page.
pub fn update(slug: &str, anchor: &str) -> String {
    format!("/incidents/{slug}/#{anchor}")
}

pub fn letter(slug: &str) -> String {
    ["/letters/", slug, "/"].concat()
}

/// An ordinary page (`content/pages/<slug>.md`).
pub fn page(slug: &str) -> String {
    ["/", slug, "/"].concat()
}

pub fn component(id: &str) -> String {
    ["/components/", id, "/"].concat()
}

pub fn component_feed(id: &str) -> String {
    ["/components/", id, "/feed.xml"].concat()
}

/// The output file that serves `url`, relative to the output root: a
/// folder URL is its `index.html`.
pub fn file(url: &str) -> String {
    let rel = url.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        [rel, "index.html"].concat()
    } else {
        rel.to_string()
    }
}

/// The path part of base_url, without a trailing slash ("" at the root).
pub fn base_path(base_url: &str) -> &str {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    after_scheme
        .find('/')
        .map_or("", |i| &after_scheme[i..])
        .trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_is_the_url_path() {
        assert_eq!(base_path("https://status.example.com"), "");
        assert_eq!(base_path("https://example.com/status/"), "/status");
    }

    #[test]
    fn folder_urls_are_served_by_their_index() {
        assert_eq!(file(HOME), "index.html");
        assert_eq!(file(&incident("x")), "incidents/x/index.html");
        assert_eq!(file(FEED), "feed.xml");
        assert_eq!(file(&component_feed("api")), "components/api/feed.xml");
        assert_eq!(file(NOT_FOUND), "404.html");
        assert_eq!(file(&archive_page(0)), "incidents/index.html");
        assert_eq!(file(&archive_page(1)), "incidents/page/2/index.html");
    }
}
