//! Site + templates → every output file, as a pure function: the same model
//! and templates give the same bytes, whatever the thread count.

use chrono::{SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::content::{fnv, Choice, Incident, Letter, Page, Severity, Status, Time};
use crate::error::{Error, Errors, Result};
use crate::model::{ComponentStatus, Entry, Phase, Site};
use crate::status;
use crate::templates::Templates;

/// One file of the output, by its path relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// How many entries the Atom feed and the homepage's "recent" list keep.
pub const FEED_ENTRIES: usize = 50;
pub const RECENT: usize = 10;

/// Renders the whole site. Outputs are sorted by path.
pub fn render(site: &Site, templates: &Templates) -> Result<Vec<Output>> {
    let mut outputs = render_jobs(site, templates, &all_jobs(site), Stamping::Real)?;
    outputs.extend(extras(site, templates));
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(outputs)
}

/// Every page job of a site.
pub fn all_jobs(site: &Site) -> Vec<Job> {
    let mut jobs: Vec<Job> = vec![
        Job::Home,
        Job::Archive,
        Job::Letters,
        Job::NotFound,
        Job::Feed,
        Job::Sitemap,
    ];
    jobs.extend((0..site.incidents.len()).map(Job::Incident));
    jobs.extend((0..site.letters.len()).map(Job::Letter));
    jobs.extend((0..site.pages.len()).map(Job::Page));
    jobs
}

/// Renders the given page jobs in parallel, in the order given.
pub fn render_jobs(
    site: &Site,
    templates: &Templates,
    jobs: &[Job],
    stamping: Stamping,
) -> Result<Vec<Output>> {
    let r = Renderer::new(site, templates, stamping);
    let results: Vec<std::result::Result<Output, Error>> =
        jobs.par_iter().map(|job| r.job(job)).collect();
    let mut errors = Errors::default();
    let mut outputs = Vec::with_capacity(results.len() + 2);
    for res in results {
        match res {
            Ok(o) => outputs.push(o),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(outputs)
}

/// The outputs that are not templates: status.json, the stylesheet and the
/// reach outputs (notice.json and .js, badges, maintenance.ics).
pub fn extras(site: &Site, templates: &Templates) -> Vec<Output> {
    let mut out = vec![
        Output {
            path: "status.json".into(),
            bytes: status::render(site),
        },
        Output {
            path: stylesheet_path(templates)[1..].to_string(),
            bytes: templates.stylesheet.as_bytes().to_vec(),
        },
    ];
    out.extend(crate::reach::outputs(site));
    out
}

/// Whether `extras` writes this path.
pub fn is_extra(path: &str) -> bool {
    path == "status.json"
        || (path.starts_with("style.") && path.ends_with(".css"))
        || crate::reach::is_reach_output(path)
}

/// The stylesheet's URL path, named after its content so it can be cached forever.
fn stylesheet_path(templates: &Templates) -> String {
    format!(
        "/style.{:08x}.css",
        fnv(templates.stylesheet.as_bytes()) as u32
    )
}

/// A hash of what every page shows of the site as a whole (title, nav,
/// component statuses, stylesheet), without the time and build id: when it
/// changes, every page must be rendered again.
pub fn shared_digest(site: &Site, templates: &Templates) -> u64 {
    let view = SiteView::new(site, &stylesheet_path(templates), Stamping::Placeholders);
    fnv(&serde_json::to_vec(&view).unwrap_or_default())
}

/// Where the output file of a job goes, relative to the output root.
pub fn job_path(site: &Site, job: &Job) -> String {
    match *job {
        Job::Home => "index.html".into(),
        Job::Archive => "incidents/index.html".into(),
        Job::Letters => "letters/index.html".into(),
        Job::NotFound => "404.html".into(),
        Job::Feed => "feed.xml".into(),
        Job::Sitemap => "sitemap.xml".into(),
        Job::Incident(i) => format!("incidents/{}/index.html", site.incidents[i].incident.slug),
        Job::Letter(i) => format!("letters/{}/index.html", site.letters[i].slug),
        Job::Page(i) => format!("{}/index.html", site.pages[i].slug),
    }
}

/// How the moment a site describes (`site.now`) and its build id reach the
/// pages. Watch mode renders placeholders, so a page that did not change
/// need not be rendered again when only the time and id did; `Stamps::fill`
/// puts the real values in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamping {
    Real,
    Placeholders,
}

// Placeholders: a private-use character around a tag. The HTML and XML
// escapers leave it alone (it is valid text in both, unlike a control
// character, which they drop), and text that merely holds the character is
// copied through `fill` unchanged.
const MARK: char = '\u{e000}';
const NOW_ISO: &str = "\u{e000}now-iso\u{e000}";
const NOW_DISPLAY: &str = "\u{e000}now-display\u{e000}";
const NOW_DATE: &str = "\u{e000}now-date\u{e000}";
const NOW_UTC: &str = "\u{e000}now-utc\u{e000}";
const BUILD_ID: &str = "\u{e000}build-id\u{e000}";

/// The real values behind the placeholders of `Stamping::Placeholders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamps {
    now: TimeView,
    now_utc: String,
    build_id: String,
}

impl Stamps {
    pub fn of(site: &Site) -> Stamps {
        Stamps {
            now: TimeView::new(site.now, site.config.timezone),
            now_utc: utc(site.now),
            build_id: site.build_id.clone(),
        }
    }

    /// Puts the real values in: the bytes a `Stamping::Real` render gives.
    pub fn fill(&self, bytes: &[u8]) -> Vec<u8> {
        let values = [
            (NOW_ISO, self.now.iso.as_str()),
            (NOW_DISPLAY, self.now.display.as_str()),
            (NOW_DATE, self.now.date.as_str()),
            (NOW_UTC, self.now_utc.as_str()),
            (BUILD_ID, self.build_id.as_str()),
        ];
        let mut buf = [0; 4];
        let lead = MARK.encode_utf8(&mut buf).as_bytes()[0];
        let mut out = Vec::with_capacity(bytes.len() + 64);
        let mut rest = bytes;
        while let Some(start) = rest.iter().position(|&b| b == lead) {
            out.extend_from_slice(&rest[..start]);
            let tail = &rest[start..];
            match values
                .iter()
                .find(|(mark, _)| tail.starts_with(mark.as_bytes()))
            {
                Some((mark, value)) => {
                    out.extend_from_slice(value.as_bytes());
                    rest = &tail[mark.len()..];
                }
                None => {
                    out.push(lead);
                    rest = &tail[1..];
                }
            }
        }
        out.extend_from_slice(rest);
        out
    }
}

/// One page to render; rendering jobs are independent, so they run in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    Home,
    Archive,
    Letters,
    NotFound,
    Feed,
    Sitemap,
    Incident(usize),
    Letter(usize),
    Page(usize),
}

struct Renderer<'a> {
    site: &'a Site,
    templates: &'a Templates,
    /// The `site` variable, built once and shared by every page.
    base: Context,
    stamping: Stamping,
}

impl<'a> Renderer<'a> {
    fn new(site: &'a Site, templates: &'a Templates, stamping: Stamping) -> Self {
        let stylesheet_path = stylesheet_path(templates);
        let view = SiteView::new(site, &stylesheet_path, stamping);
        let mut base = Context::new();
        base.insert("site", &view);
        Renderer {
            site,
            templates,
            base,
            stamping,
        }
    }

    fn job(&self, job: &Job) -> std::result::Result<Output, Error> {
        let s = self.site;
        match *job {
            Job::Home => self.home(),
            Job::Archive => self.archive(),
            Job::Letters => {
                let letters: Vec<LetterView> =
                    s.letters.iter().map(|l| self.letter_view(l)).collect();
                self.page("letters.html", "/letters/", "Open letters", |c| {
                    c.insert("letters", &letters)
                })
            }
            Job::NotFound => self.page_at(
                "404.html",
                "404.html",
                "/404.html",
                "Page not found",
                |_| {},
            ),
            Job::Feed => self.feed(),
            Job::Sitemap => self.sitemap(),
            Job::Incident(i) => self.incident(&s.incidents[i]),
            Job::Letter(i) => self.letter(&s.letters[i]),
            Job::Page(i) => self.plain_page(&s.pages[i]),
        }
    }

    /// Renders `template` for the page at `url` (a directory URL, written as
    /// its index.html).
    fn page(
        &self,
        template: &str,
        url: &str,
        title: &str,
        fill: impl FnOnce(&mut Context),
    ) -> std::result::Result<Output, Error> {
        let path = format!("{}index.html", &url[1..]);
        self.page_at(template, &path, url, title, fill)
    }

    fn page_at(
        &self,
        template: &str,
        path: &str,
        url: &str,
        title: &str,
        fill: impl FnOnce(&mut Context),
    ) -> std::result::Result<Output, Error> {
        let mut ctx = self.base.clone();
        ctx.insert("page_url", &self.url(url));
        ctx.insert("canonical_url", &self.site.config.absolute(url));
        ctx.insert("page_title", title);
        fill(&mut ctx);
        let html = self.templates.render(template, &ctx)?;
        Ok(Output {
            path: path.to_string(),
            bytes: html.into_bytes(),
        })
    }

    /// A site path with the base URL's own path in front, so a site deployed
    /// under `https://example.com/status/` links correctly.
    fn url(&self, path: &str) -> String {
        format!("{}{}", base_path(&self.site.config.base_url), path)
    }

    /// `site.now` in UTC for feeds, or its placeholder.
    fn now_utc(&self) -> String {
        match self.stamping {
            Stamping::Real => utc(self.site.now),
            Stamping::Placeholders => NOW_UTC.into(),
        }
    }

    fn time(&self, t: Time) -> TimeView {
        TimeView::new(t, self.site.config.timezone)
    }

    fn home(&self) -> std::result::Result<Output, Error> {
        let s = self.site;
        let banners: Vec<IncidentView> = s
            .active
            .iter()
            .map(|&i| self.incident_view(&s.incidents[i]))
            .collect();
        let upcoming: Vec<IncidentView> = s
            .upcoming
            .iter()
            .map(|&i| self.incident_view(&s.incidents[i]))
            .collect();
        let shown = |e: &&Entry| !e.facts.active && e.facts.phase != Some(Phase::Upcoming);
        let pinned: Vec<IncidentView> = s
            .incidents
            .iter()
            .filter(shown)
            .filter(|e| e.incident.pinned)
            .map(|e| self.incident_view(e))
            .collect();
        let recent: Vec<IncidentView> = s
            .incidents
            .iter()
            .filter(shown)
            .filter(|e| !e.incident.pinned)
            .take(RECENT)
            .map(|e| self.incident_view(e))
            .collect();
        let latest_letter = s.letters.first().map(|l| self.letter_view(l));
        let intro = s
            .intro
            .as_ref()
            .map(|i| i.body_html.clone())
            .unwrap_or_default();
        let title = s
            .intro
            .as_ref()
            .and_then(|i| i.title.clone())
            .unwrap_or_else(|| s.config.title.clone());
        self.page("index.html", "/", &title, |c| {
            c.insert("intro", &intro);
            c.insert("banners", &banners);
            c.insert("upcoming", &upcoming);
            c.insert("pinned", &pinned);
            c.insert("recent", &recent);
            c.insert("latest_letter", &latest_letter);
        })
    }

    fn archive(&self) -> std::result::Result<Output, Error> {
        let tz = self.site.config.timezone;
        let mut months: Vec<MonthView> = Vec::new();
        for e in &self.site.incidents {
            let local = e.incident.date.with_timezone(&tz);
            let id = local.format("%Y-%m").to_string();
            if months.last().is_none_or(|m| m.id != id) {
                months.push(MonthView {
                    label: local.format("%B %Y").to_string(),
                    id,
                    incidents: Vec::new(),
                });
            }
            if let Some(m) = months.last_mut() {
                m.incidents.push(self.incident_view(e));
            }
        }
        self.page("incidents.html", "/incidents/", "Incident history", |c| {
            c.insert("months", &months)
        })
    }

    fn incident(&self, e: &Entry) -> std::result::Result<Output, Error> {
        let view = IncidentPage {
            summary: self.incident_view(e),
            updates: self.updates(&e.incident),
            content: e.incident.body_html.clone(),
        };
        let url = format!("/incidents/{}/", e.incident.slug);
        self.page("incident.html", &url, &e.incident.title, |c| {
            c.insert("incident", &view)
        })
    }

    /// Newest first, as status pages show them, each with a stable anchor.
    fn updates(&self, incident: &Incident) -> Vec<UpdateView> {
        let ids = update_ids(incident);
        let mut out: Vec<UpdateView> = incident
            .updates
            .iter()
            .zip(ids)
            .map(|(u, id)| UpdateView {
                id,
                at: self.time(u.at),
                status: u.status.name(),
                status_label: status_label(u.status),
                message: u.message_html.clone(),
            })
            .collect();
        out.reverse();
        out
    }

    fn letter(&self, l: &Letter) -> std::result::Result<Output, Error> {
        let view = LetterPage {
            summary: self.letter_view(l),
            content: l.body_html.clone(),
        };
        let incidents: Vec<IncidentView> = self
            .site
            .incidents_for(l)
            .into_iter()
            .map(|e| self.incident_view(e))
            .collect();
        let url = format!("/letters/{}/", l.slug);
        self.page("letter.html", &url, &l.title, |c| {
            c.insert("letter", &view);
            c.insert("incidents", &incidents);
        })
    }

    fn plain_page(&self, p: &Page) -> std::result::Result<Output, Error> {
        let notices: Vec<IncidentView> = self
            .site
            .notices_for(p)
            .into_iter()
            .map(|i| self.incident_view(&self.site.incidents[i]))
            .collect();
        let view = PageView {
            slug: p.slug.clone(),
            title: p.title.clone(),
            content: p.body_html.clone(),
        };
        let url = format!("/{}/", p.slug);
        self.page("page.html", &url, &p.title, |c| {
            c.insert("page", &view);
            c.insert("notices", &notices);
        })
    }

    fn feed(&self) -> std::result::Result<Output, Error> {
        let s = self.site;
        let mut entries: Vec<FeedEntry> = Vec::new();
        for e in &s.incidents {
            let url = s
                .config
                .absolute(&format!("/incidents/{}/", e.incident.slug));
            for (u, id) in e.incident.updates.iter().zip(update_ids(&e.incident)) {
                entries.push(FeedEntry {
                    id: format!("{url}#{id}"),
                    url: format!("{url}#{id}"),
                    title: format!("{}: {}", status_label(u.status), e.incident.title),
                    updated: utc(u.at),
                    sort_key: u.at,
                    author: s.config.title.clone(),
                    content: u.message_html.clone(),
                });
            }
        }
        for l in &s.letters {
            let url = s.config.absolute(&format!("/letters/{}/", l.slug));
            entries.push(FeedEntry {
                id: url.clone(),
                url,
                title: l.title.clone(),
                updated: utc(l.date),
                sort_key: l.date,
                author: l.author.clone(),
                content: l.body_html.clone(),
            });
        }
        // Newest first; ids break ties so the order never depends on input order.
        entries.sort_by(|a, b| b.sort_key.cmp(&a.sort_key).then_with(|| a.id.cmp(&b.id)));
        entries.truncate(FEED_ENTRIES);
        let updated = entries
            .first()
            .map_or_else(|| self.now_utc(), |e| e.updated.clone());
        self.page_at("feed.xml", "feed.xml", "/feed.xml", &s.config.title, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &updated);
            c.insert("feed_url", &s.config.absolute("/feed.xml"));
        })
    }

    fn sitemap(&self) -> std::result::Result<Output, Error> {
        let s = self.site;
        let abs = |p: &str| s.config.absolute(p);
        let mut urls = vec![
            SitemapUrl {
                loc: abs("/"),
                lastmod: None,
            },
            SitemapUrl {
                loc: abs("/incidents/"),
                lastmod: None,
            },
            SitemapUrl {
                loc: abs("/letters/"),
                lastmod: None,
            },
        ];
        urls.extend(s.incidents.iter().map(|e| SitemapUrl {
            loc: abs(&format!("/incidents/{}/", e.incident.slug)),
            lastmod: Some(utc(e.facts.last_update.unwrap_or(e.incident.date))),
        }));
        urls.extend(s.letters.iter().map(|l| SitemapUrl {
            loc: abs(&format!("/letters/{}/", l.slug)),
            lastmod: Some(utc(l.date)),
        }));
        urls.extend(s.pages.iter().map(|p| SitemapUrl {
            loc: abs(&format!("/{}/", p.slug)),
            lastmod: None,
        }));
        self.page_at("sitemap.xml", "sitemap.xml", "/sitemap.xml", "", |c| {
            c.insert("urls", &urls)
        })
    }

    fn incident_view(&self, e: &Entry) -> IncidentView {
        let i = &e.incident;
        let f = &e.facts;
        let letter = self.site.letter_for(i).map(|l| Link {
            title: l.title.clone(),
            url: self.url(&format!("/letters/{}/", l.slug)),
        });
        IncidentView {
            slug: i.slug.clone(),
            url: self.url(&format!("/incidents/{}/", i.slug)),
            title: i.title.clone(),
            summary: i.summary.clone(),
            severity: i.severity.name(),
            severity_label: severity_label(i.severity),
            status: f.current.name(),
            status_label: status_label(f.current),
            active: f.active,
            maintenance: i.severity == Severity::Maintenance,
            upcoming: f.phase == Some(Phase::Upcoming),
            pinned: i.pinned,
            date: self.time(i.date),
            last_update: f.last_update.map(|t| self.time(t)),
            resolved_at: f.resolved_at.map(|t| self.time(t)),
            duration: f.duration(i).map(format_duration),
            starts: i.window.map(|w| self.time(w.starts)),
            ends: i.window.map(|w| self.time(w.ends)),
            affected: i
                .affected
                .iter()
                .filter_map(|r| self.site.component(&r.name))
                .map(|c| ComponentRef {
                    id: c.id.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            letter,
        }
    }

    fn letter_view(&self, l: &Letter) -> LetterView {
        LetterView {
            slug: l.slug.clone(),
            url: self.url(&format!("/letters/{}/", l.slug)),
            title: l.title.clone(),
            date: self.time(l.date),
            author: l.author.clone(),
            role: l.role.clone(),
        }
    }
}

/// Anchors for each update: its UTC time, with a counter when times repeat,
/// so ids stay the same when later updates are added.
pub fn update_ids(incident: &Incident) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(incident.updates.len());
    for u in &incident.updates {
        let base = format!(
            "update-{}",
            u.at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")
        );
        let n = ids.iter().filter(|id| id.starts_with(&base)).count();
        ids.push(if n == 0 {
            base
        } else {
            format!("{base}-{}", n + 1)
        });
    }
    ids
}

/// The path part of base_url, without a trailing slash ("" at the root).
pub fn base_path(base_url: &str) -> &str {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    after_scheme
        .find('/')
        .map_or("", |i| &after_scheme[i..])
        .trim_end_matches('/')
}

pub fn utc(t: Time) -> String {
    t.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "Minor",
        Severity::Major => "Major",
        Severity::Critical => "Critical",
        Severity::Maintenance => "Maintenance",
    }
}

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Investigating => "Investigating",
        Status::Identified => "Identified",
        Status::Monitoring => "Monitoring",
        Status::Resolved => "Resolved",
        Status::Scheduled => "Scheduled",
        Status::InProgress => "In progress",
        Status::Completed => "Completed",
    }
}

/// "2 days 3 h 10 min"; zero parts are left out.
pub fn format_duration(d: TimeDelta) -> String {
    let minutes = d.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} day{}", if days == 1 { "" } else { "s" }));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if mins > 0 {
        parts.push(format!("{mins} min"));
    }
    if parts.is_empty() {
        "under a minute".into()
    } else {
        parts.join(" ")
    }
}

/// A time for templates: machine-readable and human-readable, in the site's zone.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimeView {
    /// RFC 3339 in the site's zone, for `<time datetime>`.
    pub iso: String,
    /// "12 Aug 2008, 06:00 UTC".
    pub display: String,
    /// "12 Aug 2008".
    pub date: String,
}

impl TimeView {
    pub fn new(t: Time, tz: Tz) -> TimeView {
        let local = t.with_timezone(&tz);
        TimeView {
            iso: local.to_rfc3339_opts(SecondsFormat::Secs, true),
            display: local.format("%-d %b %Y, %H:%M %Z").to_string(),
            date: local.format("%-d %b %Y").to_string(),
        }
    }
}

#[derive(Serialize)]
struct SiteView {
    title: String,
    description: String,
    language: String,
    base_url: String,
    home_url: String,
    timezone: String,
    now: TimeView,
    build_id: String,
    generator: String,
    stylesheet: String,
    overall: StatusView,
    components: Vec<ComponentView>,
    nav: Vec<Link>,
}

impl SiteView {
    fn new(site: &Site, stylesheet_path: &str, stamping: Stamping) -> SiteView {
        let prefix = base_path(&site.config.base_url);
        let c = &site.config;
        let mut nav = vec![
            Link {
                title: "Status".into(),
                url: format!("{prefix}/"),
            },
            Link {
                title: "Incidents".into(),
                url: format!("{prefix}/incidents/"),
            },
            Link {
                title: "Letters".into(),
                url: format!("{prefix}/letters/"),
            },
        ];
        nav.extend(site.pages.iter().map(|p| Link {
            title: p.title.clone(),
            url: format!("{prefix}/{}/", p.slug),
        }));
        SiteView {
            title: c.title.clone(),
            description: c.description.clone(),
            language: c.language.clone(),
            base_url: c.base_url.clone(),
            home_url: format!("{prefix}/"),
            timezone: c.timezone.name().to_string(),
            now: match stamping {
                Stamping::Real => TimeView::new(site.now, c.timezone),
                Stamping::Placeholders => TimeView {
                    iso: NOW_ISO.into(),
                    display: NOW_DISPLAY.into(),
                    date: NOW_DATE.into(),
                },
            },
            build_id: match stamping {
                Stamping::Real => site.build_id.clone(),
                Stamping::Placeholders => BUILD_ID.into(),
            },
            generator: format!("upfront {}", env!("CARGO_PKG_VERSION")),
            stylesheet: format!("{prefix}{stylesheet_path}"),
            overall: StatusView::new(site.overall),
            components: site
                .components
                .iter()
                .map(|cs| ComponentView {
                    id: cs.component.id.clone(),
                    name: cs.component.name.clone(),
                    description: cs.component.description.clone(),
                    status: StatusView::new(cs.status),
                })
                .collect(),
            nav,
        }
    }
}

#[derive(Serialize)]
struct StatusView {
    name: &'static str,
    label: &'static str,
    operational: bool,
}

impl StatusView {
    fn new(s: ComponentStatus) -> Self {
        StatusView {
            name: s.name(),
            label: s.label(),
            operational: s == ComponentStatus::Operational,
        }
    }
}

#[derive(Serialize)]
struct ComponentView {
    id: String,
    name: String,
    description: String,
    status: StatusView,
}

#[derive(Serialize, Clone)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct IncidentView {
    slug: String,
    url: String,
    title: String,
    summary: Option<String>,
    severity: &'static str,
    severity_label: &'static str,
    status: &'static str,
    status_label: &'static str,
    active: bool,
    maintenance: bool,
    upcoming: bool,
    pinned: bool,
    date: TimeView,
    last_update: Option<TimeView>,
    resolved_at: Option<TimeView>,
    duration: Option<String>,
    starts: Option<TimeView>,
    ends: Option<TimeView>,
    affected: Vec<ComponentRef>,
    letter: Option<Link>,
}

#[derive(Serialize)]
struct ComponentRef {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct IncidentPage {
    #[serde(flatten)]
    summary: IncidentView,
    updates: Vec<UpdateView>,
    content: String,
}

#[derive(Serialize)]
struct UpdateView {
    id: String,
    at: TimeView,
    status: &'static str,
    status_label: &'static str,
    message: String,
}

#[derive(Serialize)]
struct MonthView {
    id: String,
    label: String,
    incidents: Vec<IncidentView>,
}

#[derive(Serialize)]
struct LetterView {
    slug: String,
    url: String,
    title: String,
    date: TimeView,
    author: String,
    role: Option<String>,
}

#[derive(Serialize)]
struct LetterPage {
    #[serde(flatten)]
    summary: LetterView,
    content: String,
}

#[derive(Serialize)]
struct PageView {
    slug: String,
    title: String,
    content: String,
}

#[derive(Serialize)]
struct FeedEntry {
    id: String,
    url: String,
    title: String,
    updated: String,
    #[serde(skip)]
    sort_key: Time,
    author: String,
    content: String,
}

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    lastmod: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn fill_replaces_placeholders_and_keeps_the_mark_character_as_text() {
        let stamps = Stamps {
            now: TimeView {
                iso: "ISO".into(),
                display: "DISPLAY".into(),
                date: "DATE".into(),
            },
            now_utc: "UTC".into(),
            build_id: "ID".into(),
        };
        let page = format!("a{NOW_ISO}b{BUILD_ID}\u{e000}now-isoX\u{e000}\u{e000}{NOW_UTC}");
        assert_eq!(
            String::from_utf8(stamps.fill(page.as_bytes())).unwrap(),
            "aISObID\u{e000}now-isoX\u{e000}\u{e000}UTC"
        );
        // The escapers drop control characters but keep the placeholders.
        assert_eq!(crate::templates::escape(NOW_DISPLAY), NOW_DISPLAY);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(TimeDelta::minutes(40)), "40 min");
        assert_eq!(
            format_duration(TimeDelta::minutes(60 * 26 + 5)),
            "1 day 2 h 5 min"
        );
        assert_eq!(format_duration(TimeDelta::minutes(60 * 48)), "2 days");
        assert_eq!(format_duration(TimeDelta::seconds(20)), "under a minute");
    }

    #[test]
    fn times_show_in_the_site_zone() {
        let t = DateTime::parse_from_rfc3339("2008-08-12T06:00:00Z").unwrap();
        let v = TimeView::new(t, chrono_tz::America::Los_Angeles);
        assert_eq!(v.iso, "2008-08-11T23:00:00-07:00");
        assert_eq!(v.display, "11 Aug 2008, 23:00 PDT");
        assert_eq!(v.date, "11 Aug 2008");
        assert_eq!(TimeView::new(t, Tz::UTC).display, "12 Aug 2008, 06:00 UTC");
    }

    #[test]
    fn base_path_is_the_url_path() {
        assert_eq!(base_path("https://status.example.com"), "");
        assert_eq!(base_path("https://example.com/status/"), "/status");
    }
}
