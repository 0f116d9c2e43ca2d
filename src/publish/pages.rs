//! Site + templates → every output file, as a pure function: the same model
//! and templates give the same bytes, whatever the thread count.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use chrono::Datelike;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::publish::Output;
use crate::site::model::{latest, ComponentState, ComponentStatus, Entry, Phase, Site};
use crate::source::content::{Incident, Letter, Page};
use crate::source::templates::Templates;
use crate::vocab::choice::Choice;
use crate::vocab::choice::Severity;
use crate::vocab::error::{Error, Errors, Result};
use crate::vocab::ids::fnv;
use crate::vocab::routes::{self, base_path};
use crate::vocab::times::Time;
use crate::vocab::times::{format_duration, utc, TimeView};

/// How many entries the Atom feed and the homepage's "recent" list keep.
pub const FEED_ENTRIES: usize = 50;
pub const RECENT: usize = 10;
/// How many incidents a component page lists: its recent history. A large
/// site's full history per component would be megabytes of HTML; the
/// archive has every incident.
pub const COMPONENT_HISTORY: usize = 100;

/// Guesses at output sizes, so each page is rendered into one buffer
/// instead of one grown a dozen times: a page's frame, and one list row.
const PAGE: usize = 6 * 1024;
const ROW: usize = 512;

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

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
    jobs.extend((0..site.components.len()).map(Job::Component));
    jobs.extend((0..site.components.len()).map(Job::ComponentFeed));
    jobs
}

/// Renders the given page jobs in parallel, in the order given.
pub fn render_jobs(
    site: &Site,
    templates: &Templates,
    jobs: &[Job],
    stamping: Stamping,
) -> Result<Vec<Output>> {
    render_jobs_with(site, templates, jobs, stamping, Views::new()).map(|(outputs, _)| outputs)
}

/// Each incident's summary as a template value, by index into
/// `Site::incidents`; an empty cell is built when a page needs it.
pub type Views = Vec<OnceLock<Value>>;

/// `render_jobs` starting from the incident views `views` (watch mode keeps
/// them between rebuilds, see `incremental`), giving back every view that
/// was kept or built. Empty `views` start from nothing.
pub fn render_jobs_with(
    site: &Site,
    templates: &Templates,
    jobs: &[Job],
    stamping: Stamping,
    mut views: Views,
) -> Result<(Vec<Output>, Views)> {
    views.resize_with(site.incidents.len(), OnceLock::new);
    let r = Renderer::with_views(site, templates, stamping, views);
    let results: Vec<std::result::Result<Output, Error>> =
        jobs.par_iter().map(|job| r.job(job)).collect();
    let views = r.views;
    let mut errors = Errors::default();
    let mut outputs = Vec::with_capacity(results.len() + 2);
    for res in results {
        match res {
            Ok(o) => outputs.push(o),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result((outputs, views))
}

/// Renders every page of a site in parallel and hands each to `sink` as it
/// is done (a full build writes it and lets it go). Returns how many pages
/// there were. Every render error is reported; after the sink's first error
/// (a full disk) nothing more goes to it, and only that error is reported.
pub fn render_each(
    site: &Site,
    templates: &Templates,
    sink: impl Fn(Output) -> std::result::Result<(), Error> + Sync,
) -> Result<usize> {
    let r = Renderer::new(site, templates, Stamping::Real);
    let jobs = all_jobs(site);
    let failed = AtomicBool::new(false);
    let sink_error: Mutex<Option<Error>> = Mutex::new(None);
    let give = |output: Output| {
        if failed.load(Ordering::Relaxed) {
            return;
        }
        if let Err(e) = sink(output) {
            if !failed.swap(true, Ordering::Relaxed) {
                *sink_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            }
        }
    };
    let render_errors: Vec<Error> = jobs
        .par_iter()
        .filter_map(|job| r.job(job).map(&give).err())
        .collect();
    let mut errors = Errors::default();
    for e in render_errors {
        errors.push(e);
    }
    if let Some(e) = sink_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        errors.push(e);
    }
    errors.into_result(jobs.len())
}

/// The stylesheet's URL path, named after its content so it can be cached forever.
pub fn stylesheet_path(templates: &Templates) -> String {
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

/// The URL of a job's page (see `routes`).
pub fn job_url(site: &Site, job: &Job) -> String {
    match *job {
        Job::Home => routes::HOME.into(),
        Job::Archive => routes::ARCHIVE.into(),
        Job::Letters => routes::LETTERS.into(),
        Job::NotFound => routes::NOT_FOUND.into(),
        Job::Feed => routes::FEED.into(),
        Job::Sitemap => routes::SITEMAP.into(),
        Job::Incident(i) => routes::incident(&site.incidents[i].incident.slug),
        Job::Letter(i) => routes::letter(&site.letters[i].slug),
        Job::Page(i) => routes::page(&site.pages[i].slug),
        Job::Component(i) => routes::component(component_id(site, i)),
        Job::ComponentFeed(i) => routes::component_feed(component_id(site, i)),
    }
}

/// Where the output file of a job goes, relative to the output root.
pub fn job_path(site: &Site, job: &Job) -> String {
    routes::file(&job_url(site, job))
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
const BUILD_ID: &str = "\u{e000}build-id\u{e000}";

/// The real values behind the placeholders of `Stamping::Placeholders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamps {
    now: TimeView,
    build_id: String,
}

impl Stamps {
    pub fn of(site: &Site) -> Stamps {
        Stamps {
            now: TimeView::new(site.now, site.config.timezone),
            build_id: site.build_id.clone(),
        }
    }

    /// Puts the real values in: the bytes a `Stamping::Real` render gives.
    pub fn fill(&self, bytes: &[u8]) -> Vec<u8> {
        let values = [
            (NOW_ISO, self.now.iso.as_str()),
            (NOW_DISPLAY, self.now.display.as_str()),
            (NOW_DATE, self.now.date.as_str()),
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
    Component(usize),
    ComponentFeed(usize),
}

fn component_id(site: &Site, index: usize) -> &str {
    &site.components[index].component.id
}

struct Renderer<'a> {
    site: &'a Site,
    templates: &'a Templates,
    /// The `site` variable, built once and shared by every page (tera's
    /// values are reference-counted, so sharing is a pointer copy).
    site_value: Value,
    /// Each incident's summary as a template value, built the first time a
    /// page needs it and shared by every page that lists it (its own page,
    /// the archive, the homepage, its letter, its components).
    views: Vec<OnceLock<Value>>,
}

impl<'a> Renderer<'a> {
    fn new(site: &'a Site, templates: &'a Templates, stamping: Stamping) -> Self {
        let views = (0..site.incidents.len()).map(|_| OnceLock::new()).collect();
        Renderer::with_views(site, templates, stamping, views)
    }

    /// `views` holds one cell per incident.
    fn with_views(
        site: &'a Site,
        templates: &'a Templates,
        stamping: Stamping,
        views: Views,
    ) -> Self {
        let stylesheet_path = stylesheet_path(templates);
        let view = SiteView::new(site, &stylesheet_path, stamping);
        Renderer {
            site,
            templates,
            site_value: Value::from_serializable(&view),
            views,
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
                let updated = s.letters.first().map(|l| l.date);
                self.page("letters.html", routes::LETTERS, "Open letters", PAGE, |c| {
                    c.insert("letters", &letters);
                    self.updated(c, updated);
                })
            }
            Job::NotFound => self.page(
                "404.html",
                routes::NOT_FOUND,
                "Page not found",
                PAGE,
                |_| {},
            ),
            Job::Feed => self.feed(),
            Job::Sitemap => self.sitemap(),
            Job::Incident(i) => self.incident(i),
            Job::Letter(i) => self.letter(i),
            Job::Page(i) => self.plain_page(&s.pages[i]),
            Job::Component(i) => self.component(i),
            Job::ComponentFeed(i) => self.component_feed(i),
        }
    }

    /// Renders `template` for the page at `url` (a directory URL, written as
    /// its index.html). `size` is a guess at the output's length.
    /// Renders `template` for the page at `url`, into the file that serves
    /// it (`routes::file`). `size` is a guess at the output's length.
    fn page(
        &self,
        template: &str,
        url: &str,
        title: &str,
        size: usize,
        fill: impl FnOnce(&mut Context),
    ) -> std::result::Result<Output, Error> {
        let mut ctx = Context::new();
        ctx.insert_value("site", self.site_value.clone());
        ctx.insert("page_url", &self.url(url));
        ctx.insert("canonical_url", &self.site.config.absolute(url));
        ctx.insert("page_title", title);
        fill(&mut ctx);
        let bytes = self.templates.render(template, &ctx, size)?;
        Ok(Output {
            path: routes::file(url),
            bytes,
        })
    }

    /// A site path with the base URL's own path in front, so a site deployed
    /// under `https://example.com/status/` links correctly.
    fn url(&self, path: &str) -> String {
        format!("{}{}", base_path(&self.site.config.base_url), path)
    }

    /// Puts the time a page's content last changed into its context, for
    /// the footer: pages carry this, only the homepage the build time.
    fn updated(&self, c: &mut Context, at: Option<Time>) {
        if let Some(at) = at {
            c.insert("updated", &self.time(at));
        }
    }

    fn time(&self, t: Time) -> TimeView {
        TimeView::new(t, self.site.config.timezone)
    }

    fn views(&self, indices: impl IntoIterator<Item = usize>) -> Vec<&Value> {
        indices.into_iter().map(|i| self.incident_view(i)).collect()
    }

    fn home(&self) -> std::result::Result<Output, Error> {
        let s = self.site;
        let banners = self.views(s.active.iter().copied());
        let upcoming = self.views(s.upcoming.iter().copied());
        let shown = |i: &usize| {
            let f = &s.incidents[*i].facts;
            !f.active && f.phase != Some(Phase::Upcoming)
        };
        let pinned_if = |pinned: bool| move |i: &usize| s.incidents[*i].incident.pinned == pinned;
        let all = 0..s.incidents.len();
        let pinned = self.views(all.clone().filter(shown).filter(pinned_if(true)));
        let recent = self.views(all.filter(shown).filter(pinned_if(false)).take(RECENT));
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
        self.page("index.html", routes::HOME, &title, PAGE, |c| {
            c.insert("intro", &intro);
            c.insert("banners", &banners);
            c.insert("upcoming", &upcoming);
            c.insert("pinned", &pinned);
            c.insert("recent", &recent);
            c.insert("latest_letter", &latest_letter);
        })
    }

    fn archive(&self) -> std::result::Result<Output, Error> {
        let months = self.months(0..self.site.incidents.len());
        let size = PAGE + ROW * self.site.incidents.len();
        self.page(
            "incidents.html",
            routes::ARCHIVE,
            "Incident history",
            size,
            |c| {
                c.insert("months", &months);
                self.updated(c, self.site.changed_among(0..self.site.incidents.len()));
            },
        )
    }

    /// Incidents (newest first) grouped by the month they started in.
    fn months(&self, incidents: impl IntoIterator<Item = usize>) -> Vec<MonthView<'_>> {
        let tz = self.site.config.timezone;
        let mut months: Vec<MonthView> = Vec::new();
        for i in incidents {
            let local = self.site.incidents[i].incident.date.with_timezone(&tz);
            let (year, month) = (local.year(), local.month());
            if months
                .last()
                .is_none_or(|m| (m.year, m.month) != (year, month))
            {
                months.push(MonthView {
                    id: format!("{year:04}-{month:02}"),
                    label: format!("{} {year}", MONTH_NAMES[local.month0() as usize]),
                    year,
                    month,
                    incidents: Vec::new(),
                });
            }
            if let Some(m) = months.last_mut() {
                m.incidents.push(self.incident_view(i));
            }
        }
        months
    }

    fn component(&self, index: usize) -> std::result::Result<Output, Error> {
        let state = &self.site.components[index];
        let view = ComponentView::new(self.site, state);
        let active = self.views(state.active.iter().copied());
        let shown = state.history.len().min(COMPONENT_HISTORY);
        let months = self.months(state.history[..shown].iter().copied());
        let url = routes::component(&state.component.id);
        let size = PAGE + ROW * shown;
        let shows = state.history[..shown].iter().chain(&state.active).copied();
        let updated = self.site.changed_among(shows);
        self.page("component.html", &url, &state.component.name, size, |c| {
            self.updated(c, updated);
            c.insert("component", &view);
            c.insert("active", &active);
            c.insert("months", &months);
            c.insert("shown", &shown);
            c.insert("total", &state.history.len());
        })
    }

    /// The Atom feed of one component: every update of the incidents that
    /// affect it, for people who care about that part only.
    fn component_feed(&self, index: usize) -> std::result::Result<Output, Error> {
        let s = self.site;
        let id = component_id(s, index);
        let entries =
            self.feed_entries(|e| e.incident.affected.iter().any(|r| r.name == id), false);
        let size = PAGE + entries.iter().map(|e| e.content.len() + ROW).sum::<usize>();
        let updated = entries
            .first()
            .map_or_else(|| utc(s.changed_at()), |e| e.updated.clone());
        let url = routes::component_feed(id);
        let title = format!(
            "{} · {}",
            s.components[index].component.name, s.config.title
        );
        self.page("feed.xml", &url, &title, size, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &updated);
            c.insert("feed_url", &s.config.absolute(&url));
        })
    }

    fn incident(&self, index: usize) -> std::result::Result<Output, Error> {
        let incident = &self.site.incidents[index].incident;
        let view = self.incident_page(index);
        let text: usize = incident.updates.iter().map(|u| u.message_html.len()).sum();
        let size = PAGE + incident.body_html.len() + text + ROW * incident.updates.len();
        let url = routes::incident(&incident.slug);
        let updated = self.site.incidents[index].facts.changed_at;
        self.page("incident.html", &url, &incident.title, size, |c| {
            c.insert("incident", &view);
            self.updated(c, Some(updated));
        })
    }

    /// Newest first, as status pages show them, each with a stable anchor.
    fn updates(&self, incident: &'a Incident) -> Vec<UpdateView<'a>> {
        let ids = incident.update_ids();
        let mut out: Vec<UpdateView> = incident
            .updates
            .iter()
            .zip(ids)
            .map(|(u, id)| UpdateView {
                id,
                at: self.time(u.at),
                status: u.status.name(),
                status_label: u.status.label(),
                message: &u.message_html,
            })
            .collect();
        out.reverse();
        out
    }

    fn letter(&self, index: usize) -> std::result::Result<Output, Error> {
        let l = &self.site.letters[index];
        let view = LetterPage {
            summary: self.letter_view(l),
            content: &l.body_html,
        };
        let about = self.site.incidents_for(index).iter().copied();
        let incidents = self.views(about.clone());
        let updated = latest(l.date, self.site.changed_among(about));
        let url = routes::letter(&l.slug);
        let size = PAGE + l.body_html.len();
        self.page("letter.html", &url, &l.title, size, |c| {
            c.insert("letter", &view);
            self.updated(c, Some(updated));
            c.insert("incidents", &incidents);
        })
    }

    fn plain_page(&self, p: &Page) -> std::result::Result<Output, Error> {
        let noticed = self.site.notices_for(p);
        let updated = self.site.changed_among(noticed.iter().copied());
        let notices = self.views(noticed);
        let view = PageView {
            slug: &p.slug,
            title: &p.title,
            content: &p.body_html,
        };
        let url = routes::page(&p.slug);
        let size = PAGE + p.body_html.len();
        self.page("page.html", &url, &p.title, size, |c| {
            c.insert("page", &view);
            c.insert("notices", &notices);
            self.updated(c, updated);
        })
    }

    fn feed(&self) -> std::result::Result<Output, Error> {
        let s = self.site;
        let entries = self.feed_entries(|_| true, true);
        let size = PAGE + entries.iter().map(|e| e.content.len() + ROW).sum::<usize>();
        let updated = entries
            .first()
            .map_or_else(|| utc(s.changed_at()), |e| e.updated.clone());
        self.page("feed.xml", routes::FEED, &s.config.title, size, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &updated);
            c.insert("feed_url", &s.config.absolute(routes::FEED));
        })
    }

    /// The newest `FEED_ENTRIES` entries: one per update of each incident
    /// `keep` selects, and one per letter when `letters` is set. Only the
    /// entries that make the cut are built.
    fn feed_entries(&self, keep: impl Fn(&Entry) -> bool, letters: bool) -> Vec<FeedEntry<'a>> {
        let s = self.site;
        let mut candidates: Vec<(Time, FeedSource)> = Vec::new();
        for (i, e) in s.incidents.iter().enumerate().filter(|(_, e)| keep(e)) {
            let updates = e.incident.updates.iter().enumerate();
            candidates.extend(updates.map(|(u, update)| (update.at, FeedSource::Update(i, u))));
        }
        if letters {
            let all = s.letters.iter().enumerate();
            candidates.extend(all.map(|(l, letter)| (letter.date, FeedSource::Letter(l))));
        }
        if candidates.len() > FEED_ENTRIES {
            // Keep everything as new as the last entry that fits: ties at
            // the cut are settled by id below, whatever the input order.
            let newest_first = |a: &(Time, FeedSource), b: &(Time, FeedSource)| b.0.cmp(&a.0);
            candidates.select_nth_unstable_by(FEED_ENTRIES - 1, newest_first);
            let cut = candidates[FEED_ENTRIES - 1].0;
            candidates.retain(|c| c.0 >= cut);
        }
        let mut ids: HashMap<usize, Vec<String>> = HashMap::new();
        let mut entries: Vec<FeedEntry> = candidates
            .into_iter()
            .map(|(at, source)| match source {
                FeedSource::Update(i, u) => {
                    let incident = &s.incidents[i].incident;
                    let update = &incident.updates[u];
                    let anchors = ids.entry(i).or_insert_with(|| incident.update_ids());
                    let url = s
                        .config
                        .absolute(&routes::update(&incident.slug, &anchors[u]));
                    FeedEntry {
                        id: url.clone(),
                        url,
                        title: format!("{}: {}", update.status.label(), incident.title),
                        updated: utc(at),
                        sort_key: at,
                        author: &s.config.title,
                        content: &update.message_html,
                    }
                }
                FeedSource::Letter(l) => {
                    let letter = &s.letters[l];
                    let url = s.config.absolute(&routes::letter(&letter.slug));
                    FeedEntry {
                        id: url.clone(),
                        url,
                        title: letter.title.clone(),
                        updated: utc(at),
                        sort_key: at,
                        author: &letter.author,
                        content: &letter.body_html,
                    }
                }
            })
            .collect();
        // Newest first; ids break ties so the order never depends on input order.
        entries.sort_by(|a, b| b.sort_key.cmp(&a.sort_key).then_with(|| a.id.cmp(&b.id)));
        entries.truncate(FEED_ENTRIES);
        entries
    }

    fn sitemap(&self) -> std::result::Result<Output, Error> {
        let s = self.site;
        let abs = |p: &str| s.config.absolute(p);
        let mut urls = vec![
            SitemapUrl {
                loc: abs(routes::HOME),
                lastmod: None,
            },
            SitemapUrl {
                loc: abs(routes::ARCHIVE),
                lastmod: None,
            },
            SitemapUrl {
                loc: abs(routes::LETTERS),
                lastmod: None,
            },
        ];
        urls.extend(s.incidents.iter().map(|e| SitemapUrl {
            loc: abs(&routes::incident(&e.incident.slug)),
            lastmod: Some(utc(e.facts.last_update.unwrap_or(e.incident.date))),
        }));
        urls.extend(s.letters.iter().map(|l| SitemapUrl {
            loc: abs(&routes::letter(&l.slug)),
            lastmod: Some(utc(l.date)),
        }));
        urls.extend(s.pages.iter().map(|p| SitemapUrl {
            loc: abs(&routes::page(&p.slug)),
            lastmod: None,
        }));
        urls.extend(s.components.iter().map(|c| SitemapUrl {
            loc: abs(&routes::component(&c.component.id)),
            lastmod: None,
        }));
        let size = PAGE + ROW * urls.len();
        self.page("sitemap.xml", routes::SITEMAP, "", size, |c| {
            c.insert("urls", &urls)
        })
    }

    /// The summary of incident `index`, built once per render. Watch mode
    /// keeps it while the note (but its body), its facts and its letter
    /// stay the same (`incremental::kept_views`): a view that shows anything
    /// else must be added there.
    fn incident_view(&self, index: usize) -> &Value {
        self.views[index].get_or_init(|| Value::from_serializable(&self.new_incident_view(index)))
    }

    /// The `incident` of its own page: the shared summary plus the timeline
    /// and the body, which only this page shows.
    fn incident_page(&self, index: usize) -> Value {
        let incident = &self.site.incidents[index].incident;
        let mut map = self
            .incident_view(index)
            .as_map()
            .cloned()
            .unwrap_or_default();
        map.insert(
            "updates".into(),
            Value::from_serializable(&self.updates(incident)),
        );
        map.insert("content".into(), Value::from(incident.body_html.as_str()));
        Value::from(map)
    }

    fn new_incident_view(&self, index: usize) -> IncidentView<'a> {
        let site: &'a Site = self.site;
        let e = &site.incidents[index];
        let i = &e.incident;
        let f = &e.facts;
        let letter = site.letter_for(index).map(|l| LinkRef {
            title: &l.title,
            url: self.url(&routes::letter(&l.slug)),
        });
        IncidentView {
            slug: &i.slug,
            url: self.url(&routes::incident(&i.slug)),
            title: &i.title,
            summary: i.summary.as_deref(),
            severity: i.severity.name(),
            severity_label: i.severity.label(),
            status: f.current.name(),
            status_label: f.current.label(),
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
                .filter_map(|r| site.component(&r.name))
                .map(|c| ComponentRef {
                    id: &c.id,
                    name: &c.name,
                    url: self.url(&routes::component(&c.id)),
                })
                .collect(),
            letter,
        }
    }

    fn letter_view(&self, l: &'a Letter) -> LetterView<'a> {
        LetterView {
            slug: &l.slug,
            url: self.url(&routes::letter(&l.slug)),
            title: &l.title,
            date: self.time(l.date),
            author: &l.author,
            role: l.role.as_deref(),
            excerpt: &l.excerpt,
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
                url: format!("{prefix}{}", routes::HOME),
            },
            Link {
                title: "Incidents".into(),
                url: format!("{prefix}{}", routes::ARCHIVE),
            },
            Link {
                title: "Letters".into(),
                url: format!("{prefix}{}", routes::LETTERS),
            },
        ];
        nav.extend(site.pages.iter().map(|p| Link {
            title: p.title.clone(),
            url: format!("{prefix}{}", routes::page(&p.slug)),
        }));
        SiteView {
            title: c.title.clone(),
            description: c.description.clone(),
            language: c.language.clone(),
            base_url: c.base_url.clone(),
            home_url: format!("{prefix}{}", routes::HOME),
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
                .map(|cs| ComponentView::new(site, cs))
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
    url: String,
    feed_url: String,
    badge_url: String,
}

impl ComponentView {
    fn new(site: &Site, state: &ComponentState) -> ComponentView {
        let c = &state.component;
        let dir = format!("{}/components/{}/", base_path(&site.config.base_url), c.id);
        ComponentView {
            id: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            status: StatusView::new(state.status),
            feed_url: format!("{dir}feed.xml"),
            badge_url: format!("{dir}badge.svg"),
            url: dir,
        }
    }
}

#[derive(Serialize, Clone)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct LinkRef<'a> {
    title: &'a str,
    url: String,
}

#[derive(Serialize)]
struct IncidentView<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    summary: Option<&'a str>,
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
    affected: Vec<ComponentRef<'a>>,
    letter: Option<LinkRef<'a>>,
}

#[derive(Serialize)]
struct ComponentRef<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct UpdateView<'a> {
    id: String,
    at: TimeView,
    status: &'static str,
    status_label: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct MonthView<'v> {
    id: String,
    label: String,
    #[serde(skip)]
    year: i32,
    #[serde(skip)]
    month: u32,
    incidents: Vec<&'v Value>,
}

#[derive(Serialize)]
struct LetterView<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    date: TimeView,
    author: &'a str,
    role: Option<&'a str>,
    excerpt: &'a str,
}

#[derive(Serialize)]
struct LetterPage<'a> {
    #[serde(flatten)]
    summary: LetterView<'a>,
    content: &'a str,
}

#[derive(Serialize)]
struct PageView<'a> {
    slug: &'a str,
    title: &'a str,
    content: &'a str,
}

/// Where a feed entry comes from, before it is built.
#[derive(Clone, Copy)]
enum FeedSource {
    Update(usize, usize),
    Letter(usize),
}

#[derive(Serialize)]
struct FeedEntry<'a> {
    id: String,
    url: String,
    title: String,
    updated: String,
    #[serde(skip)]
    sort_key: Time,
    author: &'a str,
    content: &'a str,
}

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    lastmod: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_placeholders_and_keeps_the_mark_character_as_text() {
        let stamps = Stamps {
            now: TimeView {
                iso: "ISO".into(),
                display: "DISPLAY".into(),
                date: "DATE".into(),
            },
            build_id: "ID".into(),
        };
        let page = format!("a{NOW_ISO}b{BUILD_ID}\u{e000}now-isoX\u{e000}\u{e000}{NOW_DATE}");
        assert_eq!(
            String::from_utf8(stamps.fill(page.as_bytes())).unwrap(),
            "aISObID\u{e000}now-isoX\u{e000}\u{e000}DATE"
        );
        // The escapers drop control characters but keep the placeholders.
        assert_eq!(crate::source::templates::escape(NOW_DISPLAY), NOW_DISPLAY);
    }
}
