//! `/sitemap.xml`. upfront writes it itself: on a 10,000-incident site,
//! 10,000 URLs through a template took 7 ms of every watch-mode rebuild
//! that opened or resolved an incident, the longest job of the render. A
//! `layouts/sitemap.xml` replaces it and gets the same URLs as `urls`
//! (`loc`, `lastmod`), as the stylesheet works (`layouts/style.css`).

use serde::Serialize;

use crate::source::templates::escape_into;
use crate::vocab::times::{utc, Time};

/// One URL of the sitemap: a site path and when what it shows last
/// changed, where that is known.
pub struct Entry {
    pub path: String,
    pub lastmod: Option<Time>,
}

/// A URL as a `layouts/sitemap.xml` template receives it.
#[derive(Serialize)]
pub struct UrlView {
    loc: String,
    lastmod: Option<String>,
}

impl UrlView {
    pub fn of(base_url: &str, e: &Entry) -> UrlView {
        UrlView {
            loc: [base_url, &e.path].concat(),
            lastmod: e.lastmod.map(utc),
        }
    }
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                    <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";

/// The built-in sitemap: every URL absolute, escaped as a template would.
pub fn write(base_url: &str, entries: &[Entry]) -> Vec<u8> {
    let mut base = String::new();
    escape_into(base_url, &mut base);
    let mut out = String::with_capacity(HEAD.len() + entries.len() * (base.len() + 80));
    out.push_str(HEAD);
    for e in entries {
        out.push_str("<url><loc>");
        out.push_str(&base);
        escape_into(&e.path, &mut out);
        out.push_str("</loc>");
        if let Some(at) = e.lastmod {
            out.push_str("<lastmod>");
            out.push_str(&utc(at));
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_absolute_escaped_and_dated_where_known() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00+01:00").unwrap();
        let entries = [
            Entry {
                path: "/".into(),
                lastmod: None,
            },
            Entry {
                path: "/incidents/a/".into(),
                lastmod: Some(at),
            },
        ];
        let xml = String::from_utf8(write("https://x.example/s?a=1&b=2", &entries)).unwrap();
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
