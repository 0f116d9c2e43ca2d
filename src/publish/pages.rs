//! Site + templates → every output file, as a pure function: the same model
//! and templates give the same bytes, whatever the thread count.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use chrono::Datelike;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::publish::reads::{IncidentInputs, Input, Listed, Selecting, Tracked};
use crate::publish::sitemap;
use crate::publish::Output;
use crate::site::model::{
    archive_pages, archive_range, latest, ComponentStatus, Phase, Site, Slot, ARCHIVE_PAGE,
};
use crate::source::config::{Component, Config};
use crate::source::content::{Incident, Letter};
use crate::source::templates::Templates;
use crate::vocab::choice::Choice;
use crate::vocab::choice::Severity;
use crate::vocab::error::{Error, Errors, Result};
use crate::vocab::i18n::Words;
use crate::vocab::ids::fnv;
use crate::vocab::routes::{self, base_path};
use crate::vocab::times::Time;
use crate::vocab::times::{utc, TimeView};

/// How many entries the Atom feed and the homepage's "recent" list keep.
pub const FEED_ENTRIES: usize = 50;
pub const RECENT: usize = 10;
/// How many incidents a component page lists: its recent history. A large
/// site's full history per component would be megabytes of HTML; the
/// archive has every incident.
pub const COMPONENT_HISTORY: usize = 100;
/// A layout of this name replaces the built-in sitemap (`publish::sitemap`).
const SITEMAP_TEMPLATE: &str = "sitemap.xml";

/// Guesses at output sizes, so each page is rendered into one buffer
/// instead of one grown a dozen times: a page's frame, and one list row.
const PAGE: usize = 6 * 1024;
/// The homepage lists the incidents of this many days, by day (SPEC §9).
const RECENT_DAYS: u64 = 14;
const ROW: usize = 512;

/// Every page of the archive.
pub fn archive_jobs(site: &Site) -> impl Iterator<Item = Job> {
    (0..archive_pages(site.incidents.len())).map(Job::Archive)
}

/// Every page job of a site.
pub fn all_jobs(site: &Site) -> Vec<Job> {
    let mut jobs: Vec<Job> = vec![
        Job::Home,
        Job::Letters,
        Job::NotFound,
        Job::Feed,
        Job::Sitemap,
    ];
    jobs.extend(archive_jobs(site));
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
    let render = render_jobs_with(site, templates, jobs, stamping, Kept::default())?;
    Ok(render.pages.into_iter().map(|(output, _)| output).collect())
}

/// A rendered page and what it read of the site.
pub type Read = (Output, Box<[Input]>);

/// Each incident's summary as a template value, by index into
/// `Site::incidents`; an empty cell is built when a page needs it.
pub type Views = Vec<OnceLock<Value>>;

/// What watch mode keeps of one render for the next (see `incremental`):
/// the incident views, and the lines of the built-in sitemap.
#[derive(Default)]
pub struct Kept {
    pub views: Views,
    pub sitemap: Option<sitemap::Reuse>,
}

/// The pages of `render_jobs_with`, each with what it read of the site,
/// and what the next render can start from: every view kept or built, and
/// where the built-in sitemap's incident lines are when it was rendered.
pub struct Render {
    pub pages: Vec<Read>,
    pub views: Views,
    pub sitemap: Option<sitemap::Spans>,
}

/// `render_jobs` starting from what a last render left (`kept`; watch mode
/// keeps it between rebuilds, see `incremental`). An empty `kept` starts
/// from nothing.
pub fn render_jobs_with(
    site: &Site,
    templates: &Templates,
    jobs: &[Job],
    stamping: Stamping,
    kept: Kept,
) -> Result<Render> {
    let Kept { mut views, sitemap } = kept;
    views.resize_with(site.incidents.len(), OnceLock::new);
    let shared = Shared {
        sitemap,
        ..Shared::new(site, templates, stamping, views)
    };
    let results: Vec<_> = jobs.par_iter().map(|job| shared.job(job, None)).collect();
    let mut errors = Errors::default();
    let mut pages = Vec::with_capacity(results.len() + 2);
    for (res, reads) in results {
        match res {
            Ok(o) => pages.push((o, reads)),
            Err(e) => errors.push(e),
        }
    }
    let spans = shared.spans.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.into_result(Render {
        pages,
        views: shared.views,
        sitemap: spans,
    })
}

/// Renders every page of a site in parallel and hands each to `sink` as it
/// is done (a full build writes it and lets it go). Returns how many pages
/// there were. Every render error is reported; after the sink's first error
/// (a full disk) nothing more goes to it, and only that error is reported.
///
/// Each archive page renders together with its incidents' own pages, and
/// their views are dropped once those are written: they are the only pages
/// showing most incidents, and keeping every view to the end was 45 % of a
/// 100k build's peak memory.
pub fn render_each(
    site: &Site,
    templates: &Templates,
    sink: impl Fn(Output) -> std::result::Result<(), Error> + Sync,
) -> Result<usize> {
    let views = (0..site.incidents.len()).map(|_| OnceLock::new()).collect();
    let r = Shared {
        record: false,
        ..Shared::new(site, templates, Stamping::Real, views)
    };
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
    let render = |job: &Job, batch: Option<Batch>| r.job(job, batch).0.map(&give).err();
    let units: Vec<Unit> = jobs
        .iter()
        .filter(|j| !matches!(j, Job::Archive(_) | Job::Incident(_)))
        .map(Unit::Alone)
        .chain((0..archive_pages(site.incidents.len())).map(Unit::ArchivePage))
        .collect();
    let render_errors: Vec<Error> = units
        .par_iter()
        .flat_map(|unit| match *unit {
            Unit::Alone(job) => render(job, None).into_iter().collect(),
            Unit::ArchivePage(k) => {
                let range = archive_range(site.incidents.len(), k);
                let cells: Vec<OnceLock<Value>> = range.clone().map(|_| OnceLock::new()).collect();
                let batch = Batch {
                    first: range.start,
                    cells: &cells,
                };
                let page: Vec<Job> = std::iter::once(Job::Archive(k))
                    .chain(range.map(Job::Incident))
                    .collect();
                page.par_iter()
                    .filter_map(|job| render(job, Some(batch)))
                    .collect::<Vec<_>>()
            }
        })
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

/// What a full build renders as one piece: a page on its own, or an
/// archive page with its incidents' own pages.
enum Unit<'j> {
    Alone(&'j Job),
    ArchivePage(usize),
}

/// The views of one archive page's incidents (the list's places from
/// `first` on), kept while that page and the incidents' own pages render.
#[derive(Clone, Copy)]
struct Batch<'r> {
    first: usize,
    cells: &'r [OnceLock<Value>],
}

impl<'r> Batch<'r> {
    fn cell(&self, index: usize) -> Option<&'r OnceLock<Value>> {
        self.cells.get(index.checked_sub(self.first)?)
    }
}

/// The stylesheet's URL path, named after its content so it can be cached forever.
pub fn stylesheet_path(templates: &Templates) -> String {
    format!(
        "/style.{:08x}.css",
        fnv(templates.stylesheet.as_bytes()) as u32
    )
}

/// The template a job renders.
pub fn job_template(job: &Job) -> &'static str {
    match job {
        Job::Home => "index.html",
        Job::Archive(_) => "incidents.html",
        Job::Letters => "letters.html",
        Job::NotFound => "404.html",
        Job::Feed | Job::ComponentFeed(_) => "feed.xml",
        Job::Sitemap => SITEMAP_TEMPLATE,
        Job::Incident(_) => "incident.html",
        Job::Letter(_) => "letter.html",
        Job::Page(_) => "page.html",
        Job::Component(_) => "component.html",
    }
}

/// A digest of each field of the `site` variable (as every page gets it,
/// with placeholders for the time and build id), by field name: watch mode
/// compares them, template by template, with what each template reads
/// (`Templates::site_reads`).
pub fn site_field_digests(site: &Site, templates: &Templates) -> Vec<(String, u64)> {
    let view = SiteView::new(site, &stylesheet_path(templates), Stamping::Placeholders);
    match serde_json::to_value(&view) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| (k.clone(), fnv(&serde_json::to_vec(v).unwrap_or_default())))
            .collect(),
        // Not a map (cannot happen for a struct): one digest of it all.
        other => vec![(
            String::new(),
            fnv(&serde_json::to_vec(&other.ok()).unwrap_or_default()),
        )],
    }
}

/// The URL of a job's page (see `routes`).
pub fn job_url(site: &Site, job: &Job) -> String {
    match *job {
        Job::Home => routes::HOME.into(),
        Job::Archive(n) => routes::archive_page(n),
        Job::Letters => routes::LETTERS.into(),
        Job::NotFound => routes::NOT_FOUND.into(),
        Job::Feed => routes::FEED.into(),
        Job::Sitemap => routes::SITEMAP.into(),
        Job::Incident(i) => routes::incident(&site.incidents[i].incident.slug),
        Job::Letter(i) => routes::letter(&site.letters[i].slug),
        Job::Page(i) => routes::page(&site.pages[i].slug),
        Job::Component(i) => routes::component(&site.config.components[i].id),
        Job::ComponentFeed(i) => routes::component_feed(&site.config.components[i].id),
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
// copied through `fill` unchanged. The tag holds a number drawn once per
// process, so no note can spell a placeholder: text that holds one as it
// was once written (`\u{e000}now-iso\u{e000}`) comes out of `serve` as it
// does out of `build`.
const MARK: char = '\u{e000}';

struct Placeholders {
    now_iso: String,
    now_display: String,
    now_date: String,
    build_id: String,
}

static PLACEHOLDERS: std::sync::LazyLock<Placeholders> = std::sync::LazyLock::new(|| {
    use std::hash::{BuildHasher, Hasher};
    let nonce = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let tag = |name: &str| format!("{MARK}{name}-{nonce:016x}{MARK}");
    Placeholders {
        now_iso: tag("now-iso"),
        now_display: tag("now-display"),
        now_date: tag("now-date"),
        build_id: tag("build-id"),
    }
});

fn placeholders() -> &'static Placeholders {
    &PLACEHOLDERS
}

/// The real values behind the placeholders of `Stamping::Placeholders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamps {
    now: TimeView,
    build_id: String,
}

impl Stamps {
    pub fn of(site: &Site) -> Stamps {
        Stamps {
            now: TimeView::in_words(site.now, site.config.timezone, &site.config.words),
            build_id: site.build_id.clone(),
        }
    }

    /// Puts the real values in: the bytes a `Stamping::Real` render gives.
    pub fn fill(&self, bytes: &[u8]) -> Vec<u8> {
        let p = placeholders();
        let values = [
            (p.now_iso.as_str(), self.now.iso.as_str()),
            (p.now_display.as_str(), self.now.display.as_str()),
            (p.now_date.as_str(), self.now.date.as_str()),
            (p.build_id.as_str(), self.build_id.as_str()),
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
    /// A page of the archive, from 0 (`/incidents/`).
    Archive(usize),
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

/// What every page of one render shares.
struct Shared<'a> {
    site: &'a Site,
    templates: &'a Templates,
    /// The `site` variable, built once and shared by every page (tera's
    /// values are reference-counted, so sharing is a pointer copy).
    site_value: Value,
    /// Each incident's summary as a template value, built the first time a
    /// page needs it and shared by every page that lists it (its own page,
    /// the archive, the homepage, its letter, its components). A full build
    /// keeps most of them per archive page instead (`Batch`).
    views: Views,
    /// Whether pages record what they read (watch mode keeps it).
    record: bool,
    /// The last sitemap's lines that this one can copy (watch mode).
    sitemap: Option<sitemap::Reuse>,
    /// Where the built-in sitemap wrote its incidents' lines, once written.
    spans: Mutex<Option<sitemap::Spans>>,
}

impl<'a> Shared<'a> {
    /// `views` holds one cell per incident.
    fn new(site: &'a Site, templates: &'a Templates, stamping: Stamping, views: Views) -> Self {
        let stylesheet_path = stylesheet_path(templates);
        let view = SiteView::new(site, &stylesheet_path, stamping);
        Shared {
            site,
            templates,
            site_value: Value::from_serializable(&view),
            views,
            record: true,
            sitemap: None,
            spans: Mutex::new(None),
        }
    }

    /// Renders one page, and says what it read of the site.
    fn job<'r>(
        &'r self,
        job: &Job,
        batch: Option<Batch<'r>>,
    ) -> (std::result::Result<Output, Error>, Box<[Input]>) {
        let r = Renderer {
            site: if self.record {
                Tracked::new(self.site)
            } else {
                Tracked::unrecorded(self.site)
            },
            templates: self.templates,
            site_value: &self.site_value,
            views: &self.views,
            batch,
            sitemap: self.sitemap.as_ref(),
            spans: &self.spans,
        };
        let output = r.job(job);
        (output, r.site.into_reads())
    }
}

/// One page's render: it reads the site only through `Tracked`.
struct Renderer<'r> {
    site: Tracked<'r>,
    templates: &'r Templates,
    site_value: &'r Value,
    views: &'r [OnceLock<Value>],
    /// In a full build, the views of the archive page being rendered.
    batch: Option<Batch<'r>>,
    sitemap: Option<&'r sitemap::Reuse>,
    spans: &'r Mutex<Option<sitemap::Spans>>,
}

impl<'r> Renderer<'r> {
    fn job(&self, job: &Job) -> std::result::Result<Output, Error> {
        let words = &self.site.config().words;
        match *job {
            Job::Home => self.home(),
            Job::Archive(n) => self.archive(n),
            Job::Letters => {
                let all = self.site.letters();
                let letters: Vec<LetterView> = all.iter().map(|l| self.letter_view(l)).collect();
                let updated = all.first().map(|l| l.date);
                let title = words.get("open_letters");
                self.page("letters.html", routes::LETTERS, title, PAGE, |c| {
                    c.insert("letters", &letters);
                    self.updated(c, updated);
                })
            }
            Job::NotFound => self.page(
                "404.html",
                routes::NOT_FOUND,
                words.get("page_not_found"),
                PAGE,
                |_| {},
            ),
            Job::Feed => self.feed(),
            Job::Sitemap => self.sitemap(),
            Job::Incident(i) => self.incident(self.site.own_incident(i)),
            Job::Letter(i) => self.letter(i),
            Job::Page(i) => self.plain_page(i),
            Job::Component(i) => self.component(i),
            Job::ComponentFeed(i) => self.component_feed(i),
        }
    }

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
        ctx.insert("canonical_url", &self.site.config().absolute(url));
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
        format!("{}{}", base_path(&self.site.config().base_url), path)
    }

    /// Puts the time a page's content last changed into its context, for
    /// the footer: pages carry this, only the homepage the build time.
    fn updated(&self, c: &mut Context, at: Option<Time>) {
        if let Some(at) = at {
            c.insert("updated", &self.time(at));
        }
    }

    fn time(&self, t: Time) -> TimeView {
        let c = self.site.config();
        TimeView::in_words(t, c.timezone, &c.words)
    }

    fn views(&self, incidents: impl IntoIterator<Item = Listed>) -> Vec<Value> {
        incidents
            .into_iter()
            .map(|l| self.incident_view(l))
            .collect()
    }

    fn home(&self) -> std::result::Result<Output, Error> {
        let s = &self.site;
        let config = s.config();
        let banners = self.views(s.active());
        let upcoming = self.views(s.upcoming());
        let shown = |l: &Listed| {
            let f = s.selecting(*l).facts;
            !f.active && f.phase != Some(Phase::Upcoming)
        };
        let pinned_if = |pinned: bool| move |l: &Listed| s.selecting(*l).pinned == pinned;
        let pinned = self.views(s.all().filter(shown).filter(pinned_if(true)));
        let recent = self.views(s.all().filter(shown).filter(pinned_if(false)).take(RECENT));
        let latest_letter = s.letters().first().map(|l| self.letter_view(l));
        let intro = s.intro();
        let intro_html = intro.map(|i| i.body_html.clone()).unwrap_or_default();
        let title = intro
            .and_then(|i| i.title.clone())
            .unwrap_or_else(|| config.title.clone());
        let layout = self.layout();
        let days = self.recent_days();
        let size = PAGE + 80 * config.history_days as usize * config.components.len();
        self.page("index.html", routes::HOME, &title, size, |c| {
            c.insert("intro", &intro_html);
            c.insert("layout", &layout);
            c.insert("days", &days);
            c.insert("history_days", &config.history_days);
            c.insert("banners", &banners);
            c.insert("upcoming", &upcoming);
            c.insert("pinned", &pinned);
            c.insert("recent", &recent);
            c.insert("latest_letter", &latest_letter);
        })
    }

    /// The homepage's components and groups, each component with its
    /// uptime history.
    fn layout(&self) -> Vec<SlotView> {
        let words = &self.site.config().words;
        self.site
            .layout()
            .iter()
            .map(|slot| match *slot {
                Slot::Component(n) => SlotView {
                    component: Some(self.home_component(n)),
                    group: None,
                },
                Slot::Group(g) => {
                    let state = self.site.group(g);
                    SlotView {
                        component: None,
                        group: Some(GroupView {
                            id: state.group.id.clone(),
                            name: state.group.name.clone(),
                            description: state.group.description.clone(),
                            status: StatusView::new(words, state.status),
                            open: state.status != ComponentStatus::Operational,
                            members: state
                                .members
                                .iter()
                                .map(|&n| self.home_component(n))
                                .collect(),
                        }),
                    }
                }
            })
            .collect()
    }

    fn home_component(&self, n: usize) -> HomeComponent {
        let config = self.site.config();
        let words = &config.words;
        let read = self.site.component(n);
        let uptime = self.site.uptime(n);
        let days = uptime
            .history
            .days
            .iter()
            .map(|d| self.day_view(d, uptime.day_incidents(d)))
            .collect();
        HomeComponent {
            component: ComponentView::new(config, read.component, read.status),
            uptime: uptime
                .history
                .uptime()
                .map(|u| words.fill("uptime", "percent", &words.percent(u))),
            days,
        }
    }

    fn day_view(
        &self,
        d: &crate::site::uptime::Day,
        incidents: impl Iterator<Item = Listed>,
    ) -> DayView {
        use crate::vocab::choice::Impact;
        let words = &self.site.config().words;
        let date = words.date(d.date.year(), d.date.month0(), d.date.day());
        let (class, what) = if d.tracked == 0 {
            ("none", words.get("not_tracked").to_string())
        } else {
            let class = match d.worst {
                None => "ok",
                Some(Impact::UnderMaintenance) => "mnt",
                Some(Impact::DegradedPerformance) => "deg",
                Some(Impact::PartialOutage) => "par",
                Some(Impact::MajorOutage) => "maj",
            };
            let what = match (d.downtime_minutes(), d.worst) {
                (0, Some(worst)) => {
                    ComponentStatus::label_in(words, ComponentStatus::from(worst)).to_string()
                }
                (0, None) => words.get("no_downtime").to_string(),
                (m, _) => words.fill(
                    "downtime",
                    "duration",
                    &words.duration(chrono::TimeDelta::minutes(m)),
                ),
            };
            (class, what)
        };
        DayView {
            c: class,
            label: format!("{date} · {what}"),
            incidents: incidents
                .map(|l| Link {
                    title: self.site.title(l).to_string(),
                    url: self.url(&routes::incident(self.site.slug(l))),
                })
                .collect(),
        }
    }

    /// The last 14 days (newest first) with the incidents that began on
    /// each, in the site's timezone.
    fn recent_days(&self) -> Vec<RecentDay> {
        let s = &self.site;
        let tz = s.config().timezone;
        let words = &s.config().words;
        let today = s.today();
        let mut days: Vec<(chrono::NaiveDate, Vec<Listed>)> = (0..RECENT_DAYS)
            .filter_map(|n| today.checked_sub_days(chrono::Days::new(n)))
            .map(|d| (d, Vec::new()))
            .collect();
        for l in self.recent_candidates(days.last().map(|(d, _)| *d)) {
            let e = s.selecting(l);
            if e.facts.phase == Some(Phase::Upcoming) {
                continue;
            }
            let day = e.start().with_timezone(&tz).date_naive();
            if let Some((_, list)) = days.iter_mut().find(|(d, _)| *d == day) {
                list.push(l);
            }
        }
        days.into_iter()
            .map(|(d, list)| RecentDay {
                iso: d.format("%Y-%m-%d").to_string(),
                date: words.date(d.year(), d.month0(), d.day()),
                incidents: self.views(list),
            })
            .collect()
    }

    /// The incidents that may start on `first` (a day in the site's time
    /// zone) or later, in list order: an incident starts at its date, so
    /// the newest down to two days before that day (no time zone is
    /// further from UTC), and a window at its start, so every window. Not
    /// each of 10,000 notes, with a time zone conversion each.
    fn recent_candidates(&self, first: Option<chrono::NaiveDate>) -> Vec<Listed> {
        let s = &self.site;
        let Some(first) = first else {
            return Vec::new();
        };
        let cutoff = first.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::TimeDelta::days(2);
        let mut candidates: Vec<Listed> = s
            .all()
            .take_while(|l| s.selecting(*l).date >= cutoff)
            .chain(s.windows())
            .collect();
        candidates.sort_by_key(|l| l.index());
        candidates.dedup_by_key(|l| l.index());
        candidates
    }

    /// Page `n` of the archive: `ARCHIVE_PAGE` incidents, newest first,
    /// by month, with links to every page (and the months each covers).
    fn archive(&self, n: usize) -> std::result::Result<Output, Error> {
        let s = &self.site;
        let words = &s.config().words;
        let covers = s.archive_covers();
        let total = covers.len();
        let rows = s.archive_rows(n);
        let updated = s.changed_among(rows.iter().copied());
        let months = self.months(rows);
        let month = |(year, month0): (i32, u32)| words.month_year(year, month0);
        let pages: Vec<ArchivePage> = covers
            .into_iter()
            .enumerate()
            .map(|(k, cover)| {
                let covers = match cover {
                    None => String::new(),
                    Some((newest, oldest)) if newest == oldest => month(newest),
                    Some((newest, oldest)) => format!("{} – {}", month(newest), month(oldest)),
                };
                ArchivePage {
                    number: k + 1,
                    url: self.url(&routes::archive_page(k)),
                    covers,
                    current: k == n,
                }
            })
            .collect();
        let size = PAGE + ROW * 2 * ARCHIVE_PAGE + 128 * total;
        let mut title = words.get("incident_history").to_string();
        if n > 0 {
            title = format!(
                "{title} · {}",
                words
                    .get("page_of")
                    .replace("{page}", &(n + 1).to_string())
                    .replace("{pages}", &total.to_string())
            );
        }
        self.page(
            "incidents.html",
            &routes::archive_page(n),
            &title,
            size,
            |c| {
                c.insert("months", &months);
                self.updated(c, updated);
                c.insert("pages", &pages);
                c.insert(
                    "newer",
                    &(n > 0).then(|| self.url(&routes::archive_page(n - 1))),
                );
                c.insert(
                    "older",
                    &(n + 1 < total).then(|| self.url(&routes::archive_page(n + 1))),
                );
            },
        )
    }

    /// Incidents (newest first) grouped by the month they started in.
    fn months(&self, incidents: impl IntoIterator<Item = Listed>) -> Vec<MonthView> {
        let config = self.site.config();
        let mut months: Vec<MonthView> = Vec::new();
        for l in incidents {
            let local = self.site.selecting(l).date.with_timezone(&config.timezone);
            let (year, month) = (local.year(), local.month());
            if months
                .last()
                .is_none_or(|m| (m.year, m.month) != (year, month))
            {
                months.push(MonthView {
                    id: format!("{year:04}-{month:02}"),
                    label: config.words.month_year(year, local.month0()),
                    year,
                    month,
                    incidents: Vec::new(),
                });
            }
            if let Some(m) = months.last_mut() {
                m.incidents.push(self.incident_view(l));
            }
        }
        months
    }

    fn component(&self, index: usize) -> std::result::Result<Output, Error> {
        let read = self.site.component(index);
        let view = ComponentView::new(self.site.config(), read.component, read.status);
        let active = self.views(read.active.iter().copied());
        let shown = read.history.len().min(COMPONENT_HISTORY);
        let months = self.months(read.history[..shown].iter().copied());
        let url = routes::component(&read.component.id);
        let size = PAGE + ROW * shown;
        let shows = read.history[..shown].iter().chain(&read.active).copied();
        let updated = self.site.changed_among(shows);
        self.page("component.html", &url, &read.component.name, size, |c| {
            self.updated(c, updated);
            c.insert("component", &view);
            c.insert("active", &active);
            c.insert("months", &months);
            c.insert("shown", &shown);
            c.insert("total", &read.history.len());
        })
    }

    /// The Atom feed of one component: every update of the incidents that
    /// affect it, for people who care about that part only.
    fn component_feed(&self, index: usize) -> std::result::Result<Output, Error> {
        let config = self.site.config();
        let component = &config.components[index];
        let id = component.id.as_str();
        let entries = self.feed_entries(|s| s.affected.iter().any(|r| r.name == id), false);
        let size = PAGE + entries.iter().map(|e| e.content.len() + ROW).sum::<usize>();
        let updated = entries
            .first()
            .map_or_else(|| utc(self.site.changed_at()), |e| e.updated.clone());
        let url = routes::component_feed(id);
        let title = format!("{} · {}", component.name, config.title);
        self.page("feed.xml", &url, &title, size, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &updated);
            c.insert("feed_url", &config.absolute(&url));
        })
    }

    fn incident(&self, l: Listed) -> std::result::Result<Output, Error> {
        let (incident, facts) = self.site.note(l);
        let view = self.incident_page(l);
        let text: usize = incident.updates.iter().map(|u| u.message_html.len()).sum();
        let size = PAGE + incident.body_html.len() + text + ROW * incident.updates.len();
        let url = routes::incident(&incident.slug);
        self.page("incident.html", &url, &incident.title, size, |c| {
            c.insert("incident", &view);
            self.updated(c, Some(facts.changed_at));
        })
    }

    /// Newest first, as status pages show them, each with a stable anchor.
    fn updates(&self, incident: &'r Incident) -> Vec<UpdateView<'r>> {
        let words = &self.site.config().words;
        let ids = incident.update_ids();
        let mut out: Vec<UpdateView> = incident
            .updates
            .iter()
            .zip(ids)
            .map(|(u, id)| UpdateView {
                id,
                at: self.time(u.at),
                status: u.status.name(),
                status_label: words.status(u.status),
                message: &u.message_html,
            })
            .collect();
        out.reverse();
        out
    }

    fn letter(&self, index: usize) -> std::result::Result<Output, Error> {
        let l = &self.site.letters()[index];
        let view = LetterPage {
            summary: self.letter_view(l),
            content: &l.body_html,
        };
        let about = self.site.about(index);
        let incidents = self.views(about.iter().copied());
        let updated = latest(l.date, self.site.changed_among(about));
        let url = routes::letter(&l.slug);
        let size = PAGE + l.body_html.len();
        self.page("letter.html", &url, &l.title, size, |c| {
            c.insert("letter", &view);
            self.updated(c, Some(updated));
            c.insert("incidents", &incidents);
        })
    }

    fn plain_page(&self, index: usize) -> std::result::Result<Output, Error> {
        let p = self.site.page(index);
        let noticed = self.site.notices_for(index);
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
        let config = self.site.config();
        let entries = self.feed_entries(|_| true, true);
        let size = PAGE + entries.iter().map(|e| e.content.len() + ROW).sum::<usize>();
        let updated = entries
            .first()
            .map_or_else(|| utc(self.site.changed_at()), |e| e.updated.clone());
        self.page("feed.xml", routes::FEED, &config.title, size, |c| {
            c.insert("entries", &entries);
            c.insert("updated", &updated);
            c.insert("feed_url", &config.absolute(routes::FEED));
        })
    }

    /// The newest `FEED_ENTRIES` entries: one per update of each incident
    /// `keep` selects, and one per letter when `letters` is set. Only the
    /// entries that make the cut are built.
    fn feed_entries(&self, keep: impl Fn(&Selecting) -> bool, letters: bool) -> Vec<FeedEntry<'r>> {
        let s = &self.site;
        let config = s.config();
        let all_letters = if letters { s.letters() } else { &[] };
        let mut candidates: Vec<(Time, FeedSource)> = all_letters
            .iter()
            .enumerate()
            .map(|(l, letter)| (letter.date, FeedSource::Letter(l)))
            .collect();
        // Incidents come newest update first, so once `FEED_ENTRIES`
        // candidates are newer than anything the next incident has, no
        // later one can make the cut: a feed looks at a few incidents, not
        // at all 10,000.
        let mut order = s.by_newest_update().peekable();
        while let Some(l) = order.next() {
            let e = s.selecting(l);
            if keep(&e) {
                let updates = e.updates.iter().enumerate();
                candidates.extend(updates.map(|(u, update)| (update.at, FeedSource::Update(l, u))));
            }
            if candidates.len() < FEED_ENTRIES {
                continue;
            }
            let next = order.peek().and_then(|&n| s.selecting(n).facts.last_update);
            let newer = |next: Time| candidates.iter().filter(|c| c.0 > next).count();
            if next.is_some_and(|next| newer(next) >= FEED_ENTRIES) {
                break;
            }
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
                FeedSource::Update(l, u) => {
                    let (incident, _) = s.note(l);
                    let update = &incident.updates[u];
                    let anchors = ids
                        .entry(l.index())
                        .or_insert_with(|| incident.update_ids());
                    let url = config.absolute(&routes::update(&incident.slug, &anchors[u]));
                    FeedEntry {
                        id: url.clone(),
                        url,
                        title: format!(
                            "{}: {}",
                            config.words.status(update.status),
                            incident.title
                        ),
                        updated: utc(at),
                        sort_key: at,
                        author: &config.title,
                        content: &update.message_html,
                    }
                }
                FeedSource::Letter(l) => {
                    let letter = &all_letters[l];
                    let url = config.absolute(&routes::letter(&letter.slug));
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

    /// The built-in sitemap, or `layouts/sitemap.xml` where there is one.
    fn sitemap(&self) -> std::result::Result<Output, Error> {
        let base_url = &self.site.config().base_url;
        if !self.templates.has(SITEMAP_TEMPLATE) {
            let mut sitemap = sitemap::Writer::new(base_url, self.site.count(), self.sitemap);
            self.sitemap_urls(&mut sitemap);
            let (bytes, spans) = sitemap.finish();
            *self.spans.lock().unwrap_or_else(|p| p.into_inner()) = Some(spans);
            return Ok(Output {
                path: routes::file(routes::SITEMAP),
                bytes,
            });
        }
        let mut list = sitemap::UrlList::new(base_url);
        self.sitemap_urls(&mut list);
        let size = PAGE + ROW * list.urls.len();
        self.page(SITEMAP_TEMPLATE, routes::SITEMAP, "", size, |c| {
            c.insert("urls", &list.urls)
        })
    }

    /// Every page of the site, in order, with when what it shows last
    /// changed where that is known: the lists, each incident (dated by its
    /// last update), letter, page and component.
    fn sitemap_urls(&self, urls: &mut impl sitemap::Urls) {
        let s = &self.site;
        for path in [routes::HOME, routes::ARCHIVE, routes::LETTERS] {
            urls.url(path, None);
        }
        for n in 1..archive_pages(s.count()) {
            urls.url(&routes::archive_page(n), None);
        }
        for l in s.all() {
            urls.incident(l.index(), |path| {
                let e = s.selecting(l);
                routes::push_incident(path, s.slug(l));
                sitemap::lastmod(e.facts, e.date)
            });
        }
        for l in s.letters() {
            urls.url(&routes::letter(&l.slug), Some(l.date));
        }
        for p in s.pages() {
            urls.url(&routes::page(&p.slug), None);
        }
        for c in &s.config().components {
            urls.url(&routes::component(&c.id), None);
        }
    }

    /// The summary of an incident, built once per render from its
    /// `IncidentInputs` alone (watch mode keeps it while they compare equal),
    /// or once per archive page in a full build (see `render_each`).
    fn incident_view(&self, l: Listed) -> Value {
        let inputs = self.site.view_inputs(l);
        let global = &self.views[l.index()];
        let build = || summary_of(&inputs, &ViewSettings::of_config(self.site.config()));
        match self.batch.and_then(|b| b.cell(l.index())) {
            Some(cell) => cell.get_or_init(|| global.get().cloned().unwrap_or_else(build)),
            None => global.get_or_init(build),
        }
        .clone()
    }

    /// The `incident` of its own page: the shared summary plus the timeline
    /// and the body, which only this page shows.
    fn incident_page(&self, l: Listed) -> Value {
        let (incident, _) = self.site.note(l);
        let mut map = self.incident_view(l).as_map().cloned().unwrap_or_default();
        map.insert(
            "updates".into(),
            Value::from_serializable(&self.updates(incident)),
        );
        map.insert("content".into(), Value::from(incident.body_html.as_str()));
        Value::from(map)
    }

    fn letter_view(&self, l: &'r Letter) -> LetterView<'r> {
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
    /// The theme's words: `{{ site.t.key }}`.
    t: std::collections::BTreeMap<String, String>,
    brand: BrandView,
}

/// Logo, favicon, accent colour and header links, for every page's header.
#[derive(Serialize)]
struct BrandView {
    logo: Option<String>,
    favicon: Option<String>,
    accent: Option<String>,
    links: Vec<Link>,
    subscribe_url: Option<String>,
}

impl BrandView {
    fn new(c: &crate::source::config::Config, prefix: &str) -> BrandView {
        let url =
            |p: &std::path::PathBuf| format!("{prefix}/{}", crate::source::config::static_url(p));
        BrandView {
            logo: c.brand.logo.as_ref().map(url),
            favicon: c.brand.favicon.as_ref().map(url),
            accent: c.brand.accent.map(|a| a.hex()),
            links: c
                .links
                .iter()
                .map(|l| Link {
                    title: l.name.clone(),
                    url: l.url.clone(),
                })
                .collect(),
            subscribe_url: c.subscribe_url.clone(),
        }
    }
}

impl SiteView {
    fn new(site: &Site, stylesheet_path: &str, stamping: Stamping) -> SiteView {
        let prefix = base_path(&site.config.base_url);
        let c = &site.config;
        let mut nav = vec![
            Link {
                title: c.words.get("nav_status").into(),
                url: format!("{prefix}{}", routes::HOME),
            },
            Link {
                title: c.words.get("nav_incidents").into(),
                url: format!("{prefix}{}", routes::ARCHIVE),
            },
            Link {
                title: c.words.get("nav_letters").into(),
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
                    iso: placeholders().now_iso.clone(),
                    display: placeholders().now_display.clone(),
                    date: placeholders().now_date.clone(),
                },
            },
            build_id: match stamping {
                Stamping::Real => site.build_id.clone(),
                Stamping::Placeholders => placeholders().build_id.clone(),
            },
            generator: format!("upfront {}", env!("CARGO_PKG_VERSION")),
            stylesheet: format!("{prefix}{stylesheet_path}"),
            overall: StatusView::new(&c.words, site.overall),
            t: c.words.map().clone(),
            brand: BrandView::new(c, prefix),
            components: site
                .components
                .iter()
                .map(|cs| ComponentView::new(c, &cs.component, cs.status))
                .collect(),
            nav,
        }
    }
}

#[derive(Serialize)]
struct StatusView {
    name: &'static str,
    /// A component's status in words.
    label: String,
    /// The page's status in Statuspage's words.
    overall: String,
    operational: bool,
}

impl StatusView {
    fn new(words: &Words, s: ComponentStatus) -> Self {
        StatusView {
            name: s.name(),
            label: ComponentStatus::label_in(words, s).to_string(),
            overall: ComponentStatus::overall_in(words, s).to_string(),
            operational: s == ComponentStatus::Operational,
        }
    }
}

#[derive(Serialize)]
struct ArchivePage {
    number: usize,
    url: String,
    /// "August 2008 – June 2008": the months its incidents started in.
    covers: String,
    current: bool,
}

#[derive(Serialize)]
struct SlotView {
    component: Option<HomeComponent>,
    group: Option<GroupView>,
}

#[derive(Serialize)]
struct GroupView {
    id: String,
    name: String,
    description: String,
    status: StatusView,
    /// Open when a member is not operational, so trouble is never folded away.
    open: bool,
    members: Vec<HomeComponent>,
}

#[derive(Serialize)]
struct HomeComponent {
    #[serde(flatten)]
    component: ComponentView,
    /// "99.95% uptime", or none when nothing of the period is tracked.
    uptime: Option<String>,
    days: Vec<DayView>,
}

/// One cell of the uptime history: a class for the colour and the same
/// facts in words (never colour alone).
#[derive(Serialize)]
struct DayView {
    c: &'static str,
    label: String,
    incidents: Vec<Link>,
}

#[derive(Serialize)]
struct RecentDay {
    iso: String,
    date: String,
    incidents: Vec<Value>,
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
    fn new(config: &Config, c: &Component, status: ComponentStatus) -> ComponentView {
        let dir = format!("{}/components/{}/", base_path(&config.base_url), c.id);
        ComponentView {
            id: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            status: StatusView::new(&config.words, status),
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

/// The summary view of incident `index`, as every page that lists it shows it.
pub fn summary_value(site: &Site, index: usize) -> Value {
    summary_of(&IncidentInputs::of(site, index), &ViewSettings::of(site))
}

fn summary_of(inputs: &IncidentInputs, settings: &ViewSettings) -> Value {
    Value::from_serializable(&IncidentView::new(inputs, settings))
}

/// The site settings incident views are built with, compared once per
/// rebuild rather than once per view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewSettings<'a> {
    pub base_url: &'a str,
    pub timezone: chrono_tz::Tz,
    pub components: &'a [crate::source::config::Component],
    /// The theme's words: labels, dates and durations in the site's language.
    pub words: &'a crate::vocab::i18n::Words,
}

impl<'a> ViewSettings<'a> {
    pub fn of(site: &'a Site) -> Self {
        ViewSettings::of_config(&site.config)
    }

    pub fn of_config(config: &'a Config) -> Self {
        ViewSettings {
            base_url: &config.base_url,
            timezone: config.timezone,
            components: &config.components,
            words: &config.words,
        }
    }
}

impl<'a> IncidentView<'a> {
    fn new(inputs: &IncidentInputs<'a>, settings: &ViewSettings<'a>) -> Self {
        let url = |path: String| format!("{}{path}", base_path(settings.base_url));
        let words = settings.words;
        let time = |t: Time| TimeView::in_words(t, settings.timezone, words);
        let i: &'a Incident = &inputs.entry.incident;
        let f = &inputs.entry.facts;
        IncidentView {
            slug: &i.slug,
            url: url(routes::incident(&i.slug)),
            title: &i.title,
            summary: i.summary.as_deref(),
            severity: i.severity.name(),
            severity_label: words.severity(i.severity),
            status: f.current.name(),
            status_label: words.status(f.current),
            active: f.active,
            maintenance: i.severity == Severity::Maintenance,
            upcoming: f.phase == Some(Phase::Upcoming),
            pinned: i.pinned,
            date: time(i.date),
            last_update: f.last_update.map(time),
            resolved_at: f.resolved_at.map(time),
            duration: f.duration(i).map(|d| words.duration(d)),
            starts: i.window.map(|w| time(w.starts)),
            ends: i.window.map(|w| time(w.ends)),
            affected: i
                .affected
                .iter()
                .filter_map(|r| settings.components.iter().find(|c| c.id == r.name))
                .map(|c| ComponentRef {
                    id: &c.id,
                    name: &c.name,
                    url: url(routes::component(&c.id)),
                })
                .collect(),
            letter: inputs.letter.map(|(slug, title)| LinkRef {
                title,
                url: url(routes::letter(slug)),
            }),
        }
    }
}

#[derive(Serialize)]
struct IncidentView<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    summary: Option<&'a str>,
    severity: &'static str,
    severity_label: &'a str,
    status: &'static str,
    status_label: &'a str,
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
    status_label: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct MonthView {
    id: String,
    label: String,
    #[serde(skip)]
    year: i32,
    #[serde(skip)]
    month: u32,
    incidents: Vec<Value>,
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
    Update(Listed, usize),
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
        let p = placeholders();
        let page = format!(
            "a{}b{}\u{e000}now-isoX\u{e000}\u{e000}{}",
            p.now_iso, p.build_id, p.now_date
        );
        assert_eq!(
            String::from_utf8(stamps.fill(page.as_bytes())).unwrap(),
            "aISObID\u{e000}now-isoX\u{e000}\u{e000}DATE"
        );
        // Text that spells a placeholder as it was once written, or with
        // any other number, is text.
        for text in [
            "\u{e000}now-iso\u{e000}",
            "\u{e000}build-id\u{e000}\u{e000}now-utc\u{e000}",
            "\u{e000}now-iso-0000000000000000\u{e000}",
        ] {
            assert_eq!(stamps.fill(text.as_bytes()), text.as_bytes());
        }
        // The escapers drop control characters but keep the placeholders.
        assert_eq!(
            crate::source::templates::escape(&p.now_display),
            p.now_display
        );
    }
}
