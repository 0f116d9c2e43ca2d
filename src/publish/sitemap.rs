//! `/sitemap.xml`. upfront writes it itself: on a 10,000-incident site,
//! 10,000 URLs through a template took 7 ms of every watch-mode rebuild
//! that opened or resolved an incident, the longest job of the render. A
//! `layouts/sitemap.xml` replaces it and gets the same URLs as `urls`
//! (`loc`, `lastmod`), as the stylesheet works (`layouts/style.css`).
//!
//! Watch mode keeps the lines of the last sitemap (`Lines`): opening an
//! incident changes one line of 10,000, and the others are copied instead
//! of written again from notes spread over the heap (3–5 ms of the rebuild,
//! the longest job of its render, on 10,000 notes).

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::site::model::{Entry, Facts, Places, Site};
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

/// When what an incident's page shows last changed: its last update, else
/// its date.
pub fn lastmod(facts: &Facts, date: Time) -> Time {
    facts.last_update.unwrap_or(date)
}

/// Where a sitemap's URLs go, in order: the built-in `Writer`, or the list
/// a `layouts/sitemap.xml` receives (`UrlList`).
pub trait Urls {
    fn url(&mut self, path: &str, lastmod: Option<Time>);

    /// The URL of incident `i` (by index into `Site::incidents`): `path`
    /// writes its path and gives its `lastmod`, unless its line is kept.
    fn incident(&mut self, i: usize, path: impl FnOnce(&mut String) -> Time);
}

/// The URLs a `layouts/sitemap.xml` template receives.
pub struct UrlList<'a> {
    base_url: &'a str,
    pub urls: Vec<UrlView>,
}

impl<'a> UrlList<'a> {
    pub fn new(base_url: &'a str) -> Self {
        UrlList {
            base_url,
            urls: Vec::new(),
        }
    }
}

impl Urls for UrlList<'_> {
    fn url(&mut self, path: &str, lastmod: Option<Time>) {
        self.urls.push(UrlView::of(self.base_url, path, lastmod));
    }

    fn incident(&mut self, _: usize, path: impl FnOnce(&mut String) -> Time) {
        let mut p = String::new();
        let lastmod = path(&mut p);
        self.url(&p, Some(lastmod));
    }
}

/// The built-in sitemap, written a URL at a time into one buffer: every URL
/// absolute, escaped as a template would. Opening an incident rewrites it:
/// no string per URL (path, date) is made for it, and the lines of the
/// last sitemap that `reuse` lends are copied.
pub struct Writer<'a> {
    out: String,
    base: String,
    /// One buffer for every incident's path.
    path: String,
    reuse: Option<&'a Reuse>,
    /// Where each incident's line is, in the order written.
    spans: Spans,
}

impl<'a> Writer<'a> {
    pub fn new(base_url: &str, urls: usize, reuse: Option<&'a Reuse>) -> Writer<'a> {
        let mut base = String::new();
        escape_into(base_url, &mut base);
        let mut out = String::with_capacity(HEAD.len() + urls * (base.len() + 80));
        out.push_str(HEAD);
        Writer {
            out,
            base,
            path: String::new(),
            reuse,
            spans: Spans::with_capacity(urls),
        }
    }

    /// The sitemap, and where its incidents' lines are.
    pub fn finish(mut self) -> (Vec<u8>, Spans) {
        self.out.push_str("</urlset>\n");
        (self.out.into_bytes(), self.spans)
    }
}

impl Urls for Writer<'_> {
    fn url(&mut self, path: &str, lastmod: Option<Time>) {
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

    fn incident(&mut self, i: usize, path: impl FnOnce(&mut String) -> Time) {
        let start = self.out.len();
        match self.reuse.and_then(|r| r.line(i)) {
            Some(line) => self.out.push_str(line),
            None => {
                let mut p = std::mem::take(&mut self.path);
                p.clear();
                let lastmod = path(&mut p);
                self.url(&p, Some(lastmod));
                self.path = p;
            }
        }
        self.spans.push(start..self.out.len());
    }
}

/// Where each incident's line is in a built-in sitemap, by index into the
/// incidents it was written from.
pub type Spans = Vec<Range<usize>>;

/// The last built-in sitemap and where its incidents' lines are.
pub struct Lines {
    bytes: Arc<Vec<u8>>,
    spans: Spans,
}

/// The lines a new sitemap can copy, by index into its incidents.
pub struct Reuse {
    bytes: Arc<Vec<u8>>,
    lines: Vec<Option<Range<usize>>>,
}

impl Lines {
    pub fn new(bytes: Arc<Vec<u8>>, spans: Spans) -> Lines {
        Lines { bytes, spans }
    }

    /// What a sitemap of `new` can copy from this one, written from `old`:
    /// the line of each incident with the same slug (`places` finds
    /// incidents by pointer or slug) and the same `lastmod`. A line is made
    /// of its note alone, and an unchanged note is the same `Arc`: only
    /// notes read again are looked into.
    pub fn reuse(&self, old: &Site, new: &Site, places: &Places) -> Reuse {
        let same = |o: &Entry, n: &Entry| {
            Arc::ptr_eq(&o.incident, &n.incident)
                || (o.incident.slug == n.incident.slug
                    && lastmod(&o.facts, o.incident.date) == lastmod(&n.facts, n.incident.date))
        };
        let lines = (places.of().iter().zip(&new.incidents))
            .map(|(&i, n)| {
                let i = i.filter(|&i| same(&old.incidents[i], n))?;
                self.spans.get(i).cloned()
            })
            .collect();
        Reuse {
            bytes: Arc::clone(&self.bytes),
            lines,
        }
    }
}

impl Reuse {
    /// Incident `i`'s line, when it can be copied.
    fn line(&self, i: usize) -> Option<&str> {
        let span = self.lines.get(i)?.clone()?;
        // Cut at the line ends of text a `Writer` wrote: always UTF-8, and
        // anything else is written afresh rather than trusted.
        std::str::from_utf8(self.bytes.get(span)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_absolute_escaped_and_dated_where_known() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00+01:00").unwrap();
        let mut sitemap = Writer::new("https://x.example/s?a=1&b=2", 2, None);
        sitemap.url("/", None);
        sitemap.incident(0, |path| {
            path.push_str("/incidents/a/");
            at
        });
        let xml = String::from_utf8(sitemap.finish().0).unwrap();
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

    #[test]
    fn kept_lines_are_copied_and_the_others_written() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap();
        let mut first = Writer::new("https://x.example", 2, None);
        first.url("/", None);
        for slug in ["a", "b"] {
            first.incident(0, |path| {
                path.push_str(&format!("/incidents/{slug}/"));
                at
            });
        }
        let (bytes, spans) = first.finish();
        let line = |i: usize| String::from_utf8(bytes[spans[i].clone()].to_vec()).unwrap();
        assert_eq!(
            line(1),
            "<url><loc>https://x.example/incidents/b/</loc><lastmod>2026-03-01T10:00:00Z</lastmod></url>\n"
        );
        // A new incident on top; `b` is kept, `a` is not (say, updated).
        let reuse = Reuse {
            lines: vec![None, None, Some(spans[1].clone())],
            bytes: Arc::new(bytes.clone()),
        };
        let mut next = Writer::new("https://x.example", 3, Some(&reuse));
        next.url("/", None);
        let mut asked = Vec::new();
        for (i, slug) in ["c", "a", "b"].iter().enumerate() {
            next.incident(i, |path| {
                asked.push(*slug);
                path.push_str(&format!("/incidents/{slug}/"));
                at
            });
        }
        let (again, spans_again) = next.finish();
        assert_eq!(asked, ["c", "a"], "a kept line needs nothing of its note");
        let text = String::from_utf8(again.clone()).unwrap();
        assert!(text.ends_with(&format!("{}</urlset>\n", line(1))), "{text}");
        assert_eq!(again[spans_again[2].clone()], bytes[spans[1].clone()]);
        assert!(text.contains("/incidents/c/</loc>"));
    }
}
