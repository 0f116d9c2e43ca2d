//! What each page reads of the site, recorded as it is rendered, and what
//! changed between two models of a site: watch mode renders again exactly
//! the pages that read something that changed.
//!
//! A page never holds the `Site`: it reads through `Tracked`, whose every
//! accessor records an `Input`. What an input stands for is the value its
//! accessor returns, and `Changes` compares that same value between the old
//! and the new model, so a field a page starts to show is recorded and
//! compared without anyone listing it. Incidents come as `Listed` tokens that
//! only this module makes: a page cannot reach an incident but through a
//! read that says how it found it (by place in the list, or in a list the
//! model keeps).
//!
//! Not recorded: site settings (`config`, the layout of components and
//! groups), which a changed site.toml renders in full anyway, and the
//! `site` variable of the templates, which `Templates::site_reads` covers.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::site::model::{
    archive_pages, archive_range, ComponentState, ComponentStatus, Entry, Facts, GroupState,
    Places, Site, Slot,
};
use crate::site::uptime::{Day, History};
use crate::source::config::Component;
use crate::source::config::Config;
use crate::source::content::{Affected, Incident, Intro, Letter, Page, Update, Window};
use crate::vocab::ids::fnv;
use crate::vocab::times::Time;

/// One thing of the site a page shows. Incidents, letters and pages are
/// named by a digest of their slug, so a read survives the list shifting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// Which incident is at this place of the newest-first list.
    At(usize),
    /// How many incidents there are.
    Count,
    /// Which incident is this many places from the oldest (archive pages
    /// but the first are cut from the oldest and keep their incidents).
    Back(usize),
    /// The archive's pages and the months each covers.
    ArchiveCovers,
    /// Every incident's place and `Selecting`: a scan of the whole list (the
    /// feeds, the sitemap, the homepage's choices), one read, not 10,000.
    Scan,
    /// An incident's summary view: what every list row, banner and notice
    /// shows (`pages::IncidentView`).
    Summary(u64),
    /// What lists choose and order an incident by (`Selecting`).
    Selecting(u64),
    /// All of an incident: its own page and its feed entries.
    Note(u64),
    /// A component's status, active incidents and history.
    Component(usize),
    /// A component's uptime, day by day (it moves with the clock).
    Uptime(usize),
    /// A group's status.
    Group(usize),
    /// The incidents of a list the model keeps, by slug.
    List(List),
    /// Every letter, whole (a site has a handful).
    Letters,
    /// A page, whole.
    Page(u64),
    /// Every page, whole.
    Pages,
    /// The homepage's intro (`content/index.md`).
    Intro,
    /// The date in the site's timezone (the homepage lists recent days).
    Today,
}

/// The lists of incidents the model keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    /// Active incidents, in banner order.
    Active,
    /// Upcoming maintenance, soonest first.
    Upcoming,
    /// The incidents a letter (by slug digest) is about.
    About(u64),
}

/// An incident a page has found through a recorded read: only `Tracked`
/// makes them, so no page reads an incident it did not say how it found.
/// One found by a scan of the whole list has its `Selecting` read already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed(usize, Found);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Scan,
    Other,
}

impl Listed {
    fn new(index: usize) -> Listed {
        Listed(index, Found::Other)
    }

    /// Its index into `Site::incidents` (for caches kept by index).
    pub fn index(self) -> usize {
        self.0
    }
}

/// What lists choose and order an incident by, never what a row shows
/// (that is its summary): a title edit changes no list's choice.
#[derive(Debug, PartialEq)]
pub struct Selecting<'a> {
    pub facts: &'a Facts,
    pub date: Time,
    pub window: Option<Window>,
    pub pinned: bool,
    pub affected: &'a [Affected],
    pub updates: &'a [Update],
}

impl<'a> Selecting<'a> {
    fn of(e: &'a Entry) -> Self {
        let i = &e.incident;
        Selecting {
            facts: &e.facts,
            date: i.date,
            window: i.window,
            pinned: i.pinned,
            affected: &i.affected,
            updates: &i.updates,
        }
    }

    /// When it starts: its window's start, else its date.
    pub fn start(&self) -> Time {
        self.window.map_or(self.date, |w| w.starts)
    }
}

/// The site as one page reads it, recording each read (unless a full
/// build, which keeps nothing, says not to).
pub struct Tracked<'a> {
    site: &'a Site,
    reads: Option<RefCell<Vec<Input>>>,
}

impl<'a> Tracked<'a> {
    pub fn new(site: &'a Site) -> Self {
        Tracked {
            site,
            reads: Some(RefCell::default()),
        }
    }

    /// Reads that are not recorded.
    pub fn unrecorded(site: &'a Site) -> Self {
        Tracked { site, reads: None }
    }

    /// Everything this page read, in the order read, once each.
    pub fn into_reads(self) -> Box<[Input]> {
        let mut reads = self.reads.map(RefCell::into_inner).unwrap_or_default();
        let mut seen = rustc_hash::FxHashSet::default();
        seen.reserve(reads.len());
        reads.retain(|r| seen.insert(*r));
        reads.into_boxed_slice()
    }

    fn read(&self, input: Input) {
        if let Some(reads) = &self.reads {
            reads.borrow_mut().push(input);
        }
    }

    /// The site's settings: not recorded, a changed site.toml renders all.
    pub fn config(&self) -> &'a Config {
        &self.site.config
    }

    /// The homepage's order of components and groups (from site.toml).
    pub fn layout(&self) -> &'a [Slot] {
        &self.site.layout
    }

    /// How many incidents there are.
    pub fn count(&self) -> usize {
        self.read(Input::Count);
        self.site.incidents.len()
    }

    /// The incidents at `range` of the newest-first list.
    pub fn at(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Listed> + '_ {
        range.map(|i| {
            self.read(Input::At(i));
            Listed::new(i)
        })
    }

    /// The incidents of archive page `k`, newest first: the first page by
    /// their places, the others by their places from the oldest.
    pub fn archive_rows(&self, k: usize) -> Vec<Listed> {
        let len = self.site.incidents.len();
        if k == 0 {
            let range = archive_range(self.count(), 0);
            return self.at(range).collect();
        }
        let range = archive_range(len, k);
        range
            .map(|i| {
                self.read(Input::Back(len - 1 - i));
                Listed::new(i)
            })
            .collect()
    }

    /// Per archive page, the months (year, month from 0) of its newest and
    /// its oldest incident, in the site's timezone (`None` for an empty
    /// archive's one page).
    pub fn archive_covers(&self) -> Vec<Cover> {
        self.read(Input::ArchiveCovers);
        archive_covers(self.site)
    }

    /// Every incident, newest first.
    pub fn all(&self) -> impl Iterator<Item = Listed> + '_ {
        self.read(Input::Scan);
        (0..self.site.incidents.len()).map(|i| Listed(i, Found::Scan))
    }

    /// Every maintenance window, newest first: a choice made over the
    /// whole list (a note that gains a window joins it), so a scan too.
    pub fn windows(&self) -> impl Iterator<Item = Listed> + '_ {
        self.read(Input::Scan);
        self.site.windows.iter().map(|&i| Listed(i, Found::Scan))
    }

    /// The incidents that have updates, newest update first
    /// (`Site::by_newest_update`): a scan too, since every update counts.
    pub fn by_newest_update(&self) -> impl Iterator<Item = Listed> + '_ {
        self.read(Input::Scan);
        let order = self.site.by_newest_update().iter();
        order.map(|&i| Listed(i, Found::Scan))
    }

    /// The incident an incident page is about: the page is named after its
    /// slug, so its place in the list is not a read.
    pub fn own_incident(&self, index: usize) -> Listed {
        Listed::new(index)
    }

    /// The note and facts a summary view is built from.
    pub fn view_inputs(&self, l: Listed) -> IncidentInputs<'a> {
        self.read(Input::Summary(self.key(l)));
        IncidentInputs::of(self.site, l.0)
    }

    /// The slug: named by the read that found the incident.
    pub fn slug(&self, l: Listed) -> &'a str {
        &self.site.incidents[l.0].incident.slug
    }

    /// Its title, part of its summary.
    pub fn title(&self, l: Listed) -> &'a str {
        self.read(Input::Summary(self.key(l)));
        &self.site.incidents[l.0].incident.title
    }

    pub fn selecting(&self, l: Listed) -> Selecting<'a> {
        if l.1 != Found::Scan {
            self.read(Input::Selecting(self.key(l)));
        }
        Selecting::of(&self.site.incidents[l.0])
    }

    /// All of an incident.
    pub fn note(&self, l: Listed) -> (&'a Incident, &'a Facts) {
        self.read(Input::Note(self.key(l)));
        let e = &self.site.incidents[l.0];
        (&e.incident, &e.facts)
    }

    fn key(&self, l: Listed) -> u64 {
        fnv(self.slug(l).as_bytes())
    }

    fn list(&self, list: List, indices: &[usize]) -> Vec<Listed> {
        self.read(Input::List(list));
        indices.iter().map(|&i| Listed::new(i)).collect()
    }

    pub fn active(&self) -> Vec<Listed> {
        self.list(List::Active, &self.site.active)
    }

    pub fn upcoming(&self) -> Vec<Listed> {
        self.list(List::Upcoming, &self.site.upcoming)
    }

    /// The incidents letter `index` is about.
    pub fn about(&self, index: usize) -> Vec<Listed> {
        let key = fnv(self.site.letters[index].slug.as_bytes());
        self.list(List::About(key), self.site.incidents_for(index))
    }

    /// The active incidents affecting any of page `index`'s notices.
    pub fn notices_for(&self, index: usize) -> Vec<Listed> {
        let page = self.page(index);
        let shows = |l: &Listed| {
            let affected = self.selecting(*l).affected;
            affected
                .iter()
                .any(|a| page.notices.iter().any(|n| n.name == a.name))
        };
        self.active().into_iter().filter(shows).collect()
    }

    /// Component `n`, with its active incidents and its history.
    pub fn component(&self, n: usize) -> ComponentRead<'a> {
        self.read(Input::Component(n));
        let state = &self.site.components[n];
        let listed = |v: &[usize]| v.iter().map(|&i| Listed::new(i)).collect();
        ComponentRead {
            component: &state.component,
            status: state.status,
            active: listed(&state.active),
            history: listed(&state.history),
        }
    }

    /// Component `n`'s uptime.
    pub fn uptime(&self, n: usize) -> UptimeRead<'a> {
        self.read(Input::Uptime(n));
        UptimeRead {
            history: &self.site.components[n].uptime,
        }
    }

    pub fn group(&self, g: usize) -> &'a GroupState {
        self.read(Input::Group(g));
        &self.site.groups[g]
    }

    pub fn letters(&self) -> &'a [Letter] {
        self.read(Input::Letters);
        &self.site.letters
    }

    /// Every page, whole (a site has a handful).
    pub fn pages(&self) -> &'a [Page] {
        self.read(Input::Pages);
        &self.site.pages
    }

    pub fn page(&self, index: usize) -> &'a Page {
        let page = &self.site.pages[index];
        self.read(Input::Page(fnv(page.slug.as_bytes())));
        page
    }

    pub fn intro(&self) -> Option<&'a Intro> {
        self.read(Input::Intro);
        self.site.intro.as_ref()
    }

    /// Today in the site's timezone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.read(Input::Today);
        today(self.site)
    }

    /// When anything the site shows last changed (see `Site::changed_at`).
    pub fn changed_at(&self) -> Time {
        // It reads every incident's facts and every letter's date.
        self.read(Input::Scan);
        self.read(Input::Letters);
        self.site.changed_at()
    }

    /// The latest change among `incidents`, if any (see
    /// `Site::changed_among`).
    pub fn changed_among(&self, incidents: impl IntoIterator<Item = Listed>) -> Option<Time> {
        let indices: Vec<usize> = incidents
            .into_iter()
            .map(|l| {
                if l.1 != Found::Scan {
                    self.read(Input::Selecting(self.key(l)));
                }
                l.0
            })
            .collect();
        self.site.changed_among(indices)
    }
}

/// A component as a page reads it: its incidents as `Listed`.
pub struct ComponentRead<'a> {
    pub component: &'a Component,
    pub status: ComponentStatus,
    pub active: Vec<Listed>,
    pub history: Vec<Listed>,
}

/// A component's uptime as a page reads it.
pub struct UptimeRead<'a> {
    pub history: &'a History,
}

impl UptimeRead<'_> {
    /// The incidents of one of its days (the uptime's read covers which
    /// they are).
    pub fn day_incidents<'d>(&self, day: &'d Day) -> impl Iterator<Item = Listed> + 'd {
        day.incidents.iter().map(|&i| Listed::new(i))
    }
}

/// The months an archive page covers: its newest and its oldest incident's.
pub type Cover = Option<((i32, u32), (i32, u32))>;

fn archive_covers(site: &Site) -> Vec<Cover> {
    use chrono::Datelike;
    let tz = site.config.timezone;
    let month = |i: usize| {
        let d = site.incidents[i].incident.date.with_timezone(&tz);
        (d.year(), d.month0())
    };
    let count = site.incidents.len();
    (0..archive_pages(count))
        .map(|k| {
            let r = archive_range(count, k);
            (!r.is_empty()).then(|| (month(r.start), month(r.end - 1)))
        })
        .collect()
}

fn today(site: &Site) -> chrono::NaiveDate {
    site.now.with_timezone(&site.config.timezone).date_naive()
}

/// Everything an incident's summary view (`pages::IncidentView`) is built from,
/// and nothing else: `pages::IncidentView::new` sees only this and `ViewSettings`,
/// never the site. Watch mode keeps a view while its inputs compare equal
/// (`dev::incremental::kept_views`), so a field a view shows is read
/// through here and is compared: it cannot be forgotten.
#[derive(Debug, Clone, Copy)]
pub struct IncidentInputs<'a> {
    /// The note and its facts.
    pub entry: &'a Entry,
    /// The letter that speaks for the incident: its slug and title.
    pub letter: Option<(&'a str, &'a str)>,
}

impl<'a> IncidentInputs<'a> {
    pub fn of(site: &'a Site, index: usize) -> Self {
        IncidentInputs {
            entry: &site.incidents[index],
            letter: site
                .letter_for(index)
                .map(|l| (l.slug.as_str(), l.title.as_str())),
        }
    }
}

impl PartialEq for IncidentInputs<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.entry.same(other.entry) && self.letter == other.letter
    }
}

/// What changed between two models of the same site (same settings), input
/// by input, each compared by the value its `Tracked` accessor gives.
pub struct Changes<'a> {
    old: &'a Site,
    new: &'a Site,
    /// Places of the list from which on another incident stands.
    order_from: usize,
    /// The same, counted from the oldest.
    back_from: usize,
    covers: bool,
    count: bool,
    /// Whether any incident's `Selecting` changed.
    selecting: bool,
    /// The incidents that differ in any way, by slug digest, sorted: an
    /// edit changes one or a few, and every page's reads are looked up.
    incidents: Vec<(u64, Kinds)>,
    /// Per component: (its state, its uptime) changed.
    components: Vec<(bool, bool)>,
    groups: Vec<bool>,
    letters: bool,
    pages: HashMap<u64, bool>,
    intro: bool,
    today: bool,
    /// Lists are compared when a page is found to read them.
    lists: Mutex<HashMap<List, bool>>,
}

/// Which reads of one incident changed.
#[derive(Debug, Clone, Copy, Default)]
struct Kinds {
    summary: bool,
    selecting: bool,
    note: bool,
}

impl<'a> Changes<'a> {
    /// `same_summary(old index, new index)` tells whether the two summary
    /// views are the same (the caller keeps the views).
    pub fn between(
        old: &'a Site,
        new: &'a Site,
        places: &Places,
        same_summary: impl Fn(usize, usize) -> bool + Sync,
    ) -> Self {
        let order_from = places.first_moved().unwrap_or(usize::MAX);
        let back_from = places.first_moved_from_back().unwrap_or(usize::MAX);
        let kinds_of = |&(slug, a, b): &(&str, Option<usize>, Option<usize>)| {
            let kinds = match (a, b) {
                (Some(i), Some(j)) => {
                    let (x, y) = (&old.incidents[i], &new.incidents[j]);
                    let inputs = |s: &'a Site, k| IncidentInputs::of(s, k);
                    let same = x.same(y);
                    Kinds {
                        summary: inputs(old, i) != inputs(new, j) && !same_summary(i, j),
                        selecting: !same && Selecting::of(x) != Selecting::of(y),
                        note: !same,
                    }
                }
                _ => Kinds {
                    summary: true,
                    selecting: true,
                    note: true,
                },
            };
            let any = kinds.summary || kinds.selecting || kinds.note;
            any.then(|| (fnv(slug.as_bytes()), kinds))
        };
        // Every incident is compared: on both cores.
        let mut incidents: Vec<(u64, Kinds)> = incident_pairs(old, new, places)
            .par_iter()
            .filter_map(kinds_of)
            .collect();
        incidents.sort_unstable_by_key(|(key, _)| *key);
        let pages = pairs(
            old.pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.slug.as_str(), i)),
            new.pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.slug.as_str(), i)),
        )
        .into_iter()
        .filter(|(_, a, b)| match (a, b) {
            (Some(i), Some(j)) => old.pages[*i] != new.pages[*j],
            _ => true,
        })
        .map(|(slug, _, _)| (fnv(slug.as_bytes()), true))
        .collect();
        Changes {
            old,
            new,
            order_from,
            back_from,
            covers: archive_covers(old) != archive_covers(new),
            count: old.incidents.len() != new.incidents.len(),
            selecting: incidents.iter().any(|(_, k)| k.selecting),
            incidents,
            components: (0..new.components.len())
                .map(|n| component_changes(old, new, places, n))
                .collect(),
            groups: (0..new.groups.len())
                .map(|g| !same_group(old.groups.get(g), &new.groups[g]))
                .collect(),
            letters: old.letters != new.letters,
            pages,
            intro: old.intro != new.intro,
            today: today(old) != today(new),
            lists: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any of `reads` changed.
    pub fn touch(&self, reads: &[Input]) -> bool {
        reads.iter().any(|r| self.changed(r))
    }

    fn changed(&self, input: &Input) -> bool {
        let incident = |key: &u64| {
            let at = self.incidents.binary_search_by_key(key, |(k, _)| *k).ok()?;
            Some(self.incidents[at].1)
        };
        match input {
            Input::At(i) => *i >= self.order_from,
            Input::Count => self.count,
            Input::Back(b) => *b >= self.back_from,
            Input::ArchiveCovers => self.covers,
            Input::Scan => self.order_from != usize::MAX || self.selecting,
            Input::Summary(k) => incident(k).is_some_and(|k| k.summary),
            Input::Selecting(k) => incident(k).is_some_and(|k| k.selecting),
            Input::Note(k) => incident(k).is_some_and(|k| k.note),
            Input::Component(n) => self.components.get(*n).is_none_or(|c| c.0),
            Input::Uptime(n) => self.components.get(*n).is_none_or(|c| c.1),
            Input::Group(g) => self.groups.get(*g).is_none_or(|c| *c),
            Input::List(list) => self.list_changed(*list),
            Input::Letters => self.letters,
            Input::Page(k) => self.pages.contains_key(k),
            Input::Pages => !self.pages.is_empty(),
            Input::Intro => self.intro,
            Input::Today => self.today,
        }
    }

    fn list_changed(&self, list: List) -> bool {
        let mut memo = self.lists.lock().unwrap_or_else(|p| p.into_inner());
        *memo.entry(list).or_insert_with(|| {
            let (a, b) = (list_slugs(self.old, list), list_slugs(self.new, list));
            a != b
        })
    }
}

/// The slugs of a list the model keeps; `None` when it has no such list
/// (a letter that is gone).
fn list_slugs(site: &Site, list: List) -> Option<Vec<&str>> {
    let indices: &[usize] = match list {
        List::Active => &site.active,
        List::Upcoming => &site.upcoming,
        List::About(key) => {
            let l = site
                .letters
                .iter()
                .position(|l| fnv(l.slug.as_bytes()) == key)?;
            site.incidents_for(l)
        }
    };
    Some(slugs_of(site, indices))
}

fn slugs_of<'a>(site: &'a Site, indices: &[usize]) -> Vec<&'a str> {
    indices
        .iter()
        .map(|&i| site.incidents[i].incident.slug.as_str())
        .collect()
}

/// Whether component `n`'s state (`ComponentRead`) and its uptime
/// (`UptimeRead`) changed; incidents are compared by where each one was
/// (their places shift when one is added), as `places` tells.
fn component_changes(old: &Site, new: &Site, places: &Places, n: usize) -> (bool, bool) {
    let (Some(a), Some(b)) = (old.components.get(n), new.components.get(n)) else {
        return (true, true);
    };
    // Destructured whole: a field added to the state must be compared here.
    let ComponentState {
        component,
        status,
        active,
        history,
        uptime,
        // Not in `ComponentRead`: only the Statuspage API reads them, and
        // it is made again on every rebuild.
        first_incident: _,
        last_news: _,
    } = a;
    let state = *component != b.component
        || *status != b.status
        || !same_incidents(places, active, &b.active)
        || !same_incidents(places, history, &b.history);
    (state, *uptime != b.uptime)
}

/// Whether two lists of incidents (places in the old and the new site)
/// name the same incidents in the same order: a history holds thousands,
/// and a string per slug was most of comparing them.
fn same_incidents(places: &Places, old: &[usize], new: &[usize]) -> bool {
    old.len() == new.len() && (old.iter().zip(new)).all(|(&i, &j)| places.was(j) == Some(i))
}

/// Whether a group reads the same (`Tracked::group` hands out all of it).
fn same_group(old: Option<&GroupState>, new: &GroupState) -> bool {
    // Destructured whole: a field added to the state must be compared here.
    let Some(GroupState {
        group,
        members,
        status,
    }) = old
    else {
        return false;
    };
    *group == new.group && *members == new.members && *status == new.status
}

/// Items of two lists matched by slug: (slug, old, new).
/// `pairs` of the incidents of two sites, by where each one was
/// (`Site::places_of`).
fn incident_pairs<'a>(
    old: &'a Site,
    new: &'a Site,
    places: &Places,
) -> Vec<(&'a str, Option<usize>, Option<usize>)> {
    let slug = |e: &'a Entry| e.incident.slug.as_str();
    if places.in_place() {
        return (new.incidents.iter().enumerate())
            .map(|(i, e)| (slug(e), Some(i), Some(i)))
            .collect();
    }
    let kept_or_new = (new.incidents.iter().zip(places.of()).enumerate())
        .map(|(j, (e, &i))| (slug(e), i, Some(j)));
    let gone = (old.incidents.iter().enumerate())
        .filter(|(i, _)| places.now(*i).is_none())
        .map(|(i, e)| (slug(e), Some(i), None));
    kept_or_new.chain(gone).collect()
}

pub fn pairs<'a, T: Copy>(
    old: impl Iterator<Item = (&'a str, T)>,
    new: impl Iterator<Item = (&'a str, T)>,
) -> Vec<(&'a str, Option<T>, Option<T>)> {
    let (old, new): (Vec<_>, Vec<_>) = (old.collect(), new.collect());
    // The usual edit keeps every slug in place: match by position.
    if old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| a.0 == b.0) {
        return old
            .into_iter()
            .zip(new)
            .map(|((slug, a), (_, b))| (slug, Some(a), Some(b)))
            .collect();
    }
    let mut map: BTreeMap<&str, (Option<T>, Option<T>)> = BTreeMap::new();
    for (slug, item) in old {
        map.entry(slug).or_default().0 = Some(item);
    }
    for (slug, item) in new {
        map.entry(slug).or_default().1 = Some(item);
    }
    map.into_iter().map(|(s, (a, b))| (s, a, b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::content::Content;
    use crate::vocab::choice::{Impact, Severity};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    fn t(s: &str) -> Time {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn incident(slug: &str, date: &str) -> Incident {
        Incident {
            slug: slug.into(),
            source: PathBuf::from(format!("content/incidents/{slug}.md")),
            title: slug.into(),
            date: t(date),
            severity: Severity::Minor,
            window: None,
            affected: vec![Affected {
                name: "api".into(),
                // The one component of `site`'s config.
                component: Some(0),
                line: None,
                impact: Impact::DegradedPerformance,
            }],
            summary: None,
            letter: None,
            pinned: false,
            draft: false,
            updates: Vec::new(),
            body_html: String::new(),
        }
    }

    fn site(incidents: &[Arc<Incident>], now: &str) -> Site {
        let config = Config::parse(
            "title='T'\nbase_url='https://x.test'\n[[components]]\nid='api'\nname='API'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let content = Content {
            incidents: incidents.to_vec(),
            ..Content::default()
        };
        Site::new(config, content, t(now), 0)
    }

    const NOW: &str = "2026-12-02T12:00:00Z";

    fn two() -> Vec<Arc<Incident>> {
        vec![
            Arc::new(incident("new", "2026-12-01T10:00:00Z")),
            Arc::new(incident("old", "2026-11-01T10:00:00Z")),
        ]
    }

    fn key(slug: &str) -> u64 {
        fnv(slug.as_bytes())
    }

    /// Summaries compared by their inputs alone (the caller's views).
    fn changes<'a>(a: &'a Site, b: &'a Site) -> Changes<'a> {
        Changes::between(a, b, &a.places_of(b), |_, _| false)
    }

    #[test]
    fn incidents_pair_by_slug_when_the_list_shifts() {
        let a = site(&two(), NOW);
        let mut shifted = vec![Arc::new(incident("newer", "2026-12-02T10:00:00Z"))];
        shifted.extend(two().into_iter().take(1));
        let b = site(&shifted, NOW);
        let mut pairs = incident_pairs(&a, &b, &a.places_of(&b));
        pairs.sort_unstable();
        assert_eq!(
            pairs,
            [
                ("new", Some(0), Some(1)),
                ("newer", None, Some(0)),
                ("old", Some(1), None)
            ]
        );
        assert_eq!(
            incident_pairs(&a, &a, &a.places_of(&a)),
            [("new", Some(0), Some(0)), ("old", Some(1), Some(1))]
        );
    }

    #[test]
    fn a_page_records_what_it_reads_and_how_it_found_it() {
        let s = site(&two(), NOW);
        let t = Tracked::new(&s);
        let listed: Vec<Listed> = t.at(1..2).collect();
        let _ = t.title(listed[0]);
        let own = t.own_incident(0);
        let _ = t.note(own);
        let _ = t.note(own);
        assert_eq!(
            &*t.into_reads(),
            [
                Input::At(1),
                Input::Summary(key("old")),
                Input::Note(key("new"))
            ]
        );
    }

    #[test]
    fn a_title_edit_changes_the_summary_and_the_note_only() {
        let before = two();
        let mut after = before.clone();
        let mut edited = (*after[1]).clone();
        edited.title = "Old, renamed".into();
        after[1] = Arc::new(edited);
        let (a, b) = (site(&before, NOW), site(&after, NOW));
        let c = changes(&a, &b);
        assert!(c.touch(&[Input::Summary(key("old"))]));
        assert!(c.touch(&[Input::Note(key("old"))]));
        for unchanged in [
            Input::Selecting(key("old")),
            Input::Summary(key("new")),
            Input::At(0),
            Input::At(1),
            Input::Count,
            Input::Component(0),
            Input::List(List::Active),
        ] {
            assert!(!c.touch(&[unchanged]), "{unchanged:?}");
        }
    }

    #[test]
    fn a_new_incident_shifts_places_but_not_the_notes_already_there() {
        let before = two();
        let mut after = before.clone();
        after.insert(0, Arc::new(incident("newest", "2026-12-02T11:00:00Z")));
        let (a, b) = (site(&before, NOW), site(&after, NOW));
        let c = changes(&a, &b);
        assert!(c.touch(&[Input::At(0)]) && c.touch(&[Input::At(2)]));
        assert!(c.touch(&[Input::Count]));
        assert!(c.touch(&[Input::Summary(key("newest"))]));
        assert!(c.touch(&[Input::List(List::Active)]));
        // The component's history gained an incident.
        assert!(c.touch(&[Input::Component(0)]));
        assert!(!c.touch(&[Input::Note(key("old")), Input::Summary(key("new"))]));
    }

    #[test]
    fn the_clock_moves_uptime_and_today_not_the_component() {
        let notes = vec![Arc::new({
            let mut i = incident("done", "2026-11-01T10:00:00Z");
            i.updates.push(Update {
                at: t("2026-11-01T11:00:00Z"),
                status: crate::vocab::choice::Status::Resolved,
                message: String::new(),
                message_html: String::new(),
            });
            i
        })];
        let (a, b) = (site(&notes, NOW), site(&notes, "2026-12-03T12:00:00Z"));
        let c = changes(&a, &b);
        assert!(c.touch(&[Input::Today]));
        assert!(c.touch(&[Input::Uptime(0)]));
        assert!(!c.touch(&[Input::Component(0), Input::Note(key("done"))]));
    }
}
