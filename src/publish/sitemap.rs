//! `/sitemap.xml`. upfront writes it itself: on a 10,000-incident site,
//! 10,000 URLs through a template took 7 ms of every watch-mode rebuild
//! that opened or resolved an incident, the longest job of the render. A
//! `layouts/sitemap.xml` replaces it and gets the same URLs as `urls`
//! (`loc`, `lastmod`), as the stylesheet works (`layouts/style.css`).

use serde::Serialize;

use crate::source::templates::escape_into;
use crate::vocab::times::{push_utc, utc, Time};

/// A URL as a `layouts/sitemap.xml` template receives it.
#[derive(Serialize)]
pub struct UrlView {
    loc: String,
    lastmod: Option<String>,
}

impl UrlView {
    /// A site path, and when what it shows last changed where known.
    pub fn of(base_url: &str, path: &str, lastmod: Option<Time>) -> UrlView {
        UrlView {
            loc: [base_url, path].concat(),
            lastmod: lastmod.map(utc),
        }
    }
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                    <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";

/// The built-in sitemap, written a URL at a time into one buffer: every URL
/// absolute, escaped as a template would. Opening an incident rewrites it:
/// no string per URL (path, date) is made for it.
pub struct Writer {
    out: String,
    base: String,
}

impl Writer {
    pub fn new(base_url: &str, urls: usize) -> Writer {
        let mut base = String::new();
        escape_into(base_url, &mut base);
        let mut out = String::with_capacity(HEAD.len() + urls * (base.len() + 80));
        out.push_str(HEAD);
        Writer { out, base }
    }

    pub fn url(&mut self, path: &str, lastmod: Option<Time>) {
        let out = &mut self.out;
        out.push_str("<url><loc>");
        out.push_str(&self.base);
        escape_into(path, out);
        out.push_str("</loc>");
        if let Some(at) = lastmod {
            out.push_str("<lastmod>");
            push_utc(out, at);
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.push_str("</urlset>\n");
        self.out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_absolute_escaped_and_dated_where_known() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00+01:00").unwrap();
        let mut sitemap = Writer::new("https://x.example/s?a=1&b=2", 2);
        sitemap.url("/", None);
        sitemap.url("/incidents/a/", Some(at));
        let xml = String::from_utf8(sitemap.finish()).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
             <url><loc>https://x.example/s?a=1&amp;b=2/</loc></url>\n\
             <url><loc>https://x.example/s?a=1&amp;b=2/incidents/a/</loc>\
             <lastmod>2026-03-01T09:00:00Z</lastmod></url>\n\
             </urlset>\n"
        );
    }
}
