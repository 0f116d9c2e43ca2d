//! The site as a whole, with every derived fact of SPEC §3 decided here and
//! nowhere else: current status, active, maintenance phase, resolved_at,
//! component status, banner order. Templates and status.json only read it.

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::{Arc, OnceLock};

use chrono::TimeDelta;

use crate::site::uptime::{self, History, Span};
use crate::source::config::{Component, Config, Group};
use crate::source::content::{slug_hash, Content, Incident, Intro, Letter, Page};
use crate::vocab::choice::{Impact, Severity, Status};
use crate::vocab::ids::Fnv;
use crate::vocab::times::Time;

/// Where a maintenance window stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Upcoming,
    InProgress,
    Over,
}

/// What an incident is at the moment the site describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub current: Status,
    pub active: bool,
    /// Only for maintenance: what has a window has a phase.
    pub phase: Option<Phase>,
    pub resolved_at: Option<Time>,
    pub last_update: Option<Time>,
    /// When it last brought news of its components: its last update (its
    /// date, with none), or for a window the start or end the clock has
    /// passed, if later.
    pub news: Time,
    /// When what a page shows of it last changed: its start, its last
    /// update, and for a window each boundary already passed. Pages carry
    /// this instead of the build time, so a rebuild with nothing new leaves
    /// them byte for byte.
    pub changed_at: Time,
}

impl Facts {
    pub fn of(incident: &Incident, now: Time) -> Facts {
        let last = incident.updates.last();
        let last_update = last.map(|u| u.at);
        match incident.window {
            Some(window) => {
                let completed = last.filter(|u| u.status == Status::Completed);
                let phase = if completed.is_some() || now >= window.ends {
                    Phase::Over
                } else if now < window.starts {
                    Phase::Upcoming
                } else {
                    Phase::InProgress
                };
                let current = match phase {
                    Phase::Upcoming => Status::Scheduled,
                    Phase::InProgress => Status::InProgress,
                    Phase::Over => Status::Completed,
                };
                let resolved_at = match phase {
                    Phase::Over => Some(completed.map_or(window.ends, |u| u.at)),
                    _ => None,
                };
                let passed = [window.starts, window.ends]
                    .into_iter()
                    .filter(|t| *t <= now);
                let changed_at = latest(incident.date, last_update.into_iter().chain(passed));
                let told = last_update.unwrap_or(incident.date);
                let clock = match phase {
                    Phase::InProgress => window.starts,
                    Phase::Over => resolved_at.unwrap_or(window.ends),
                    Phase::Upcoming => told,
                };
                Facts {
                    current,
                    active: phase == Phase::InProgress && !incident.draft,
                    phase: Some(phase),
                    resolved_at,
                    last_update,
                    news: clock.max(told),
                    changed_at,
                }
            }
            None => {
                let current = last.map_or(Status::Investigating, |u| u.status);
                Facts {
                    current,
                    active: !current.is_final() && !incident.draft,
                    phase: None,
                    resolved_at: last.filter(|u| u.status.is_final()).map(|u| u.at),
                    last_update,
                    news: last_update.unwrap_or(incident.date),
                    changed_at: latest(incident.date, last_update),
                }
            }
        }
    }

    /// From start to resolution, when resolved.
    pub fn duration(&self, incident: &Incident) -> Option<TimeDelta> {
        let start = incident.window.map_or(incident.date, |w| w.starts);
        self.resolved_at
            .map(|r| r - start)
            .filter(|d| *d >= TimeDelta::zero())
    }
}

/// The latest of `first` and `rest`.
pub fn latest(first: Time, rest: impl IntoIterator<Item = Time>) -> Time {
    rest.into_iter().fold(first, Time::max)
}

/// A component's status, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentStatus {
    Operational,
    Maintenance,
    Degraded,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub fn from_severity(s: Severity) -> Self {
        Self::from(Impact::of_severity(s))
    }

    pub fn name(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::Maintenance => "maintenance",
            ComponentStatus::Degraded => "degraded",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::Maintenance => "Under maintenance",
            ComponentStatus::Degraded => "Degraded performance",
            ComponentStatus::PartialOutage => "Partial outage",
            ComponentStatus::MajorOutage => "Major outage",
        }
    }
}

impl ComponentStatus {
    /// A component's status in words ("Partial outage").
    pub fn label_in(words: &crate::vocab::i18n::Words, s: ComponentStatus) -> &str {
        words.get(match s {
            ComponentStatus::Operational => "component_operational",
            ComponentStatus::Maintenance => "component_maintenance",
            ComponentStatus::Degraded => "component_degraded",
            ComponentStatus::PartialOutage => "component_partial_outage",
            ComponentStatus::MajorOutage => "component_major_outage",
        })
    }

    /// The page's overall status in Statuspage's words ("Partial System Outage").
    pub fn overall_in(words: &crate::vocab::i18n::Words, s: ComponentStatus) -> &str {
        words.get(match s {
            ComponentStatus::Operational => "overall_operational",
            ComponentStatus::Maintenance => "overall_maintenance",
            ComponentStatus::Degraded => "overall_degraded",
            ComponentStatus::PartialOutage => "overall_partial_outage",
            ComponentStatus::MajorOutage => "overall_major_outage",
        })
    }
}

impl From<Impact> for ComponentStatus {
    fn from(i: Impact) -> Self {
        match i {
            Impact::UnderMaintenance => ComponentStatus::Maintenance,
            Impact::DegradedPerformance => ComponentStatus::Degraded,
            Impact::PartialOutage => ComponentStatus::PartialOutage,
            Impact::MajorOutage => ComponentStatus::MajorOutage,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub incident: Arc<Incident>,
    pub facts: Facts,
}

impl Entry {
    /// Equal to `other`. Unchanged notes share their `Arc` between watch
    /// mode's rebuilds, so most compare without a deep look.
    pub fn same(&self, other: &Entry) -> bool {
        self.facts == other.facts
            && (Arc::ptr_eq(&self.incident, &other.incident) || self.incident == other.incident)
    }
}

#[derive(Debug, Clone)]
pub struct ComponentState {
    pub component: Component,
    pub status: ComponentStatus,
    /// Indices into `Site::incidents` of the active incidents affecting it.
    pub active: Vec<usize>,
    /// Every incident that affected it, newest first (indices, as `active`).
    pub history: Vec<usize>,
    /// The earliest date of those incidents.
    pub first_incident: Option<Time>,
    /// When news of it last came: the latest of its incidents' last
    /// updates (dates, for those with none), and of the starts and ends of
    /// its windows that the clock has passed.
    pub last_news: Option<Time>,
    /// Uptime over the last `history_days` days.
    pub uptime: History,
}

/// A `[[groups]]` entry with its members, in display order.
#[derive(Debug, Clone)]
pub struct GroupState {
    pub group: Group,
    /// Indices into `Site::components`.
    pub members: Vec<usize>,
    /// The worst status of its members.
    pub status: ComponentStatus,
}

/// What the homepage lists, in order: a component on its own, or a group
/// where its first member stands in `[[components]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Component(usize),
    Group(usize),
}

/// Everything a render needs, immutable once built.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    pub now: Time,
    pub build_id: String,
    /// Newest first (start date, then slug).
    pub incidents: Vec<Entry>,
    /// Newest first.
    pub letters: Vec<Letter>,
    /// By slug.
    pub pages: Vec<Page>,
    pub intro: Option<Intro>,
    pub components: Vec<ComponentState>,
    /// Groups that have members, in the order of their first member.
    pub groups: Vec<GroupState>,
    /// The homepage's order of components and groups.
    pub layout: Vec<Slot>,
    /// Active incidents in banner order: most severe first, then newest.
    pub active: Vec<usize>,
    /// Upcoming maintenance, soonest first.
    pub upcoming: Vec<usize>,
    /// Every maintenance window, in list order (newest first): a few among
    /// thousands of incidents, found by their facts without a look into
    /// each note.
    pub windows: Vec<usize>,
    /// The worst component status (operational when all is well).
    pub overall: ComponentStatus,
    /// Indices into `incidents`, found by slug (`content::slug_hash`).
    by_slug: HashTable<usize>,
    /// The incidents that name a letter of their own, in list order.
    with_letter: Vec<usize>,
    letter_by_slug: FxHashMap<String, usize>,
    /// Per incident, the index of its letter (see `letter_for`).
    letter_of: Vec<Option<usize>>,
    /// Per letter, the incidents it is about (see `incidents_for`).
    about: Vec<Vec<usize>>,
    /// See `by_newest_update`; made when a feed first asks.
    newest_updates: OnceLock<Vec<usize>>,
    /// See `changed_at`; several outputs ask, each would scan every note.
    changed: OnceLock<Time>,
}

impl Site {
    /// `extra_digest` covers inputs outside `content` (site.toml, layouts,
    /// static) so the build id changes when any input does.
    pub fn new(config: Config, content: Content, now: Time, extra_digest: u64) -> Site {
        let (mut incidents, rest) = split(content);
        // Slugs are unique by now (`Content::assemble`), so no two keys tie.
        incidents.sort_unstable_by(|a, b| list_order(a, b));
        // Facts walk each timeline: on every core.
        let incidents: Vec<Entry> = incidents
            .into_par_iter()
            .map(|incident| Entry {
                facts: Facts::of(&incident, now),
                incident,
            })
            .collect();
        let listing = Listing::read(&config, incidents);
        Site::of(config, listing, rest, now, extra_digest)
    }

    /// The site of `content`, as `new` makes it, made from this one: the
    /// last model of the same site (the same `config`), as watch mode keeps
    /// it. An incident note that is the same `Arc` in both keeps its place
    /// in the list, its facts (but a window's, which move with the clock),
    /// its slug, its letter and its components' histories, so a new note
    /// is read and placed, not 10,000. Also where each incident was in this
    /// site, as `places_of` finds it.
    pub fn next(
        &self,
        config: Config,
        content: Content,
        now: Time,
        extra_digest: u64,
    ) -> (Site, Places) {
        // Components are numbered by their place in `config`.
        debug_assert_eq!(config.components, self.config.components);
        let (incidents, rest) = split(content);
        let (listing, places) = self.listing_next(&config, incidents, now);
        (Site::of(config, listing, rest, now, extra_digest), places)
    }

    /// What `new` and `next` share once the incidents are listed.
    fn of(config: Config, listing: Listing, rest: Rest, now: Time, extra_digest: u64) -> Site {
        let Listing {
            incidents,
            by_slug,
            with_letter,
            histories,
        } = listing;
        let Rest {
            mut letters,
            mut pages,
            intro,
            digest,
        } = rest;
        letters.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
        pages.sort_by(|a, b| a.slug.cmp(&b.slug));
        let active = banner_order(&incidents);
        // Only a window has a phase.
        let windows: Vec<usize> = (0..incidents.len())
            .filter(|&i| incidents[i].facts.phase.is_some())
            .collect();
        let mut upcoming: Vec<usize> = (windows.iter().copied())
            .filter(|&i| incidents[i].facts.phase == Some(Phase::Upcoming))
            .collect();
        upcoming.sort_by_key(|&i| incidents[i].incident.window.map(|w| w.starts));
        let components = component_states(&config, &incidents, histories, &active, now);
        let letter_by_slug: FxHashMap<String, usize> = (letters.iter().enumerate())
            .map(|(i, l)| (l.slug.clone(), i))
            .collect();
        let find = |slug: &str| find_slug(&by_slug, &incidents, slug);
        let links = Links::new(&incidents, &with_letter, &letters, find, &letter_by_slug);
        let (groups, layout) = groups(&config, &components);
        let overall = components
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(ComponentStatus::Operational);

        let mut hash = Fnv::default();
        hash.write(env!("CARGO_PKG_VERSION").as_bytes());
        hash.write_u64(digest);
        hash.write_u64(extra_digest);
        hash.write(now.to_rfc3339().as_bytes());

        Site {
            by_slug,
            with_letter,
            letter_by_slug,
            letter_of: links.letter_of,
            about: links.about,
            newest_updates: OnceLock::new(),
            changed: OnceLock::new(),
            build_id: format!("{:016x}", hash.0),
            config,
            now,
            incidents,
            letters,
            pages,
            intro,
            components,
            groups,
            layout,
            active,
            upcoming,
            windows,
            overall,
        }
    }

    /// The incidents of `notes` listed from this site's list (see `next`).
    fn listing_next(
        &self,
        config: &Config,
        notes: Vec<Arc<Incident>>,
        now: Time,
    ) -> (Listing, Places) {
        let Placed {
            incidents,
            moved,
            fresh,
        } = self.place(notes, now);
        // A note read again is where its slug was (as `places_of` finds it).
        let mut of: Vec<Option<usize>> = vec![None; incidents.len()];
        for (i, j) in moved.iter().enumerate() {
            if let Some(j) = *j {
                of[j] = Some(i);
            }
        }
        for &j in &fresh {
            of[j] = self.incident_index(&incidents[j].incident.slug);
        }
        let places = Places::new(of, self.incidents.len());
        let mut by_slug = self.by_slug.clone();
        by_slug.retain(|i| match places.now(*i) {
            Some(j) => {
                *i = j;
                true
            }
            None => false,
        });
        for &j in fresh.iter().filter(|&&j| places.was(j).is_none()) {
            add_slug(&mut by_slug, &incidents, j);
        }
        let carried = |list: &[usize], also: Vec<usize>| {
            let kept = list.iter().filter_map(|&i| moved[i]);
            merged(kept, also)
        };
        let naming = (fresh.iter().copied()).filter(|&j| incidents[j].incident.letter.is_some());
        let with_letter = carried(&self.with_letter, naming.collect());
        let mut affecting = vec![Vec::new(); config.components.len()];
        for &j in &fresh {
            list_under(&mut affecting, j, &incidents[j].incident);
        }
        let histories = (self.components.iter().zip(affecting))
            .map(|(state, also)| carried(&state.history, also))
            .collect();
        let listing = Listing {
            incidents,
            by_slug,
            with_letter,
            histories,
        };
        (listing, places)
    }

    /// `notes` in list order: each that is in this site (by address) where
    /// it was among the others, each new one placed by a binary search
    /// among this site's.
    fn place(&self, notes: Vec<Arc<Incident>>, now: Time) -> Placed {
        let old = &self.incidents;
        let at: FxHashMap<*const Incident, usize> = (old.iter().enumerate())
            .map(|(i, e)| (Arc::as_ptr(&e.incident), i))
            .collect();
        let mut kept: Vec<Option<Arc<Incident>>> = vec![None; old.len()];
        let mut added = Vec::new();
        for note in notes {
            match at.get(&Arc::as_ptr(&note)) {
                Some(&i) => kept[i] = Some(note),
                None => added.push(note),
            }
        }
        added.sort_unstable_by(|a, b| list_order(a, b));
        // Before which old place each new note goes: as many old notes come
        // before it as sort before it.
        let goes: Vec<usize> = (added.iter())
            .map(|a| old.partition_point(|e| list_order(&e.incident, a).is_lt()))
            .collect();
        let len = kept.iter().flatten().count() + added.len();
        let mut placed = Placed {
            incidents: Vec::with_capacity(len),
            moved: vec![None; old.len()],
            fresh: Vec::with_capacity(added.len()),
        };
        let mut added = added.into_iter().zip(goes).peekable();
        for (i, note) in kept.into_iter().enumerate() {
            while let Some((note, _)) = added.next_if(|&(_, goes)| goes <= i) {
                placed.push_fresh(note, now);
            }
            if let Some(note) = note {
                // A window's facts move with the clock; the others' do not.
                let facts = match old[i].facts.phase {
                    Some(_) => Facts::of(&note, now),
                    None => old[i].facts,
                };
                placed.moved[i] = Some(placed.incidents.len());
                placed.incidents.push(Entry {
                    incident: note,
                    facts,
                });
            }
        }
        for (note, _) in added {
            placed.push_fresh(note, now);
        }
        placed
    }

    /// When anything the site shows last changed: the latest incident
    /// change or letter (the Unix epoch for a site with neither). Outputs
    /// with nothing newer to go by carry this, never the build time.
    pub fn changed_at(&self) -> Time {
        *self.changed.get_or_init(|| {
            let incidents = self.incidents.iter().map(|e| e.facts.changed_at);
            let letters = self.letters.iter().map(|l| l.date);
            let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.fixed_offset();
            latest(epoch, incidents.chain(letters))
        })
    }

    /// The latest change among the incidents at `indices`, if any.
    pub fn changed_among(&self, indices: impl IntoIterator<Item = usize>) -> Option<Time> {
        indices
            .into_iter()
            .map(|i| self.incidents[i].facts.changed_at)
            .max()
    }

    /// The incidents that have updates, by their last update (updates are
    /// in order: `content` checks), newest first, ties by place: a feed
    /// finds the site's newest updates without looking at every one.
    pub fn by_newest_update(&self) -> &[usize] {
        self.newest_updates.get_or_init(|| {
            let mut newest: Vec<(Time, usize)> = (self.incidents.iter().enumerate())
                .filter_map(|(i, e)| Some((e.facts.last_update?, i)))
                .collect();
            newest.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            newest.into_iter().map(|(_, i)| i).collect()
        })
    }

    /// Where each incident of `newer` is in this site, by slug. A new or
    /// removed incident shifts every later one by the same offset, so each
    /// is looked for first at the offset the one before it had, and in the
    /// slug map only when it is not there. An unchanged note is the same
    /// `Arc` in both (watch mode keeps its parse), so most are told apart by
    /// a pointer, without a look into the note.
    pub fn places_of(&self, newer: &Site) -> Places {
        let mut offset: isize = 0;
        let of = (newer.incidents.iter().enumerate())
            .map(|(j, e)| {
                let guess = j.checked_add_signed(offset);
                let at_guess = guess.filter(|&i| {
                    self.incidents.get(i).is_some_and(|o| {
                        Arc::ptr_eq(&o.incident, &e.incident) || o.incident.slug == e.incident.slug
                    })
                });
                let found = at_guess.or_else(|| self.incident_index(&e.incident.slug));
                if let Some(i) = found {
                    offset = i as isize - j as isize;
                }
                found
            })
            .collect();
        Places::new(of, self.incidents.len())
    }

    /// Every maintenance window, in list order (see `windows`).
    pub fn window_entries(&self) -> impl Iterator<Item = &Entry> {
        self.windows.iter().map(|&i| &self.incidents[i])
    }

    pub fn incident_index(&self, slug: &str) -> Option<usize> {
        find_slug(&self.by_slug, &self.incidents, slug)
    }

    pub fn incident(&self, slug: &str) -> Option<&Entry> {
        self.incident_index(slug).map(|i| &self.incidents[i])
    }

    pub fn letter(&self, slug: &str) -> Option<&Letter> {
        self.letter_by_slug.get(slug).map(|&i| &self.letters[i])
    }

    /// The letter an incident links to, or failing that the newest letter
    /// that names the incident.
    pub fn letter_for(&self, incident: usize) -> Option<&Letter> {
        self.letter_of[incident].map(|l| &self.letters[l])
    }

    /// Incidents a letter is about: those it names, then those naming it.
    pub fn incidents_for(&self, letter: usize) -> &[usize] {
        &self.about[letter]
    }

    /// Active incidents affecting any of the page's `notices`, banner order.
    pub fn notices_for(&self, page: &Page) -> Vec<usize> {
        self.active
            .iter()
            .copied()
            .filter(|&i| {
                let affected = &self.incidents[i].incident.affected;
                affected
                    .iter()
                    .any(|a| page.notices.iter().any(|n| n.name == a.name))
            })
            .collect()
    }

    pub fn component(&self, id: &str) -> Option<&Component> {
        self.config.components.iter().find(|c| c.id == id)
    }
}

/// A content's letters, pages and intro: what the model takes from it
/// besides the incidents.
struct Rest {
    letters: Vec<Letter>,
    pages: Vec<Page>,
    intro: Option<Intro>,
    digest: u64,
}

fn split(content: Content) -> (Vec<Arc<Incident>>, Rest) {
    let Content {
        incidents,
        letters,
        pages,
        intro,
        digest,
        // Reported by the build before the site is made.
        warnings: _,
    } = content;
    let rest = Rest {
        letters,
        pages,
        intro,
        digest,
    };
    (incidents, rest)
}

/// The list order of incidents: newest first (start date), then by slug.
fn list_order(a: &Incident, b: &Incident) -> std::cmp::Ordering {
    b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug))
}

fn find_slug(by_slug: &HashTable<usize>, incidents: &[Entry], slug: &str) -> Option<usize> {
    (by_slug.find(slug_hash(slug), |&i| incidents[i].incident.slug == slug)).copied()
}

/// The indices of `a` and `b` (each ascending, none in both) in one
/// ascending list.
fn merged(a: impl Iterator<Item = usize>, b: Vec<usize>) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.size_hint().0 + b.len());
    let mut b = b.into_iter().peekable();
    for i in a {
        while let Some(j) = b.next_if(|&j| j < i) {
            out.push(j);
        }
        out.push(i);
    }
    out.extend(b);
    out
}

/// Adds incident `i` to the list of each component it affects (once, if
/// it names one twice); incidents come in list order.
fn list_under(lists: &mut [Vec<usize>], i: usize, incident: &Incident) {
    for c in incident.affected.iter().filter_map(|a| a.component) {
        if lists[c].last() != Some(&i) {
            lists[c].push(i);
        }
    }
}

/// The incidents of a new model in list order (`Site::place`).
struct Placed {
    incidents: Vec<Entry>,
    /// By place in the last model: the new place of a note that is the
    /// same `Arc`.
    moved: Vec<Option<usize>>,
    /// The places of the other notes, in order.
    fresh: Vec<usize>,
}

impl Placed {
    fn push_fresh(&mut self, note: Arc<Incident>, now: Time) {
        self.fresh.push(self.incidents.len());
        self.incidents.push(Entry {
            facts: Facts::of(&note, now),
            incident: note,
        });
    }
}

/// Adds incident `j` to a slug table.
fn add_slug(table: &mut HashTable<usize>, incidents: &[Entry], j: usize) {
    let slug = &incidents[j].incident.slug;
    table.insert_unique(slug_hash(slug), j, |&k| {
        slug_hash(&incidents[k].incident.slug)
    });
}

/// The incidents in list order, with what is found by reading each note
/// once: what `Site::next` carries from one model to the next.
struct Listing {
    incidents: Vec<Entry>,
    by_slug: HashTable<usize>,
    with_letter: Vec<usize>,
    /// Per component, the incidents that affected it, in list order.
    histories: Vec<Vec<usize>>,
}

impl Listing {
    /// Reads every note: the slug table on one core, the references on the
    /// other.
    fn read(config: &Config, incidents: Vec<Entry>) -> Listing {
        let (by_slug, (with_letter, histories)) = rayon::join(
            || {
                let mut table = HashTable::with_capacity(incidents.len());
                for i in 0..incidents.len() {
                    add_slug(&mut table, &incidents, i);
                }
                table
            },
            || {
                let mut with_letter = Vec::new();
                let mut histories = vec![Vec::new(); config.components.len()];
                for (i, e) in incidents.iter().enumerate() {
                    if e.incident.letter.is_some() {
                        with_letter.push(i);
                    }
                    list_under(&mut histories, i, &e.incident);
                }
                (with_letter, histories)
            },
        );
        Listing {
            incidents,
            by_slug,
            with_letter,
            histories,
        }
    }
}

/// Where the incidents of a newer site were in an older one
/// (`Site::places_of`), and what follows from that: made once per rebuild
/// and shared by everything that compares the two sites, so none of them
/// compares 10,000 slugs again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// By index into the newer site's incidents: the index in the older one.
    of: Vec<Option<usize>>,
    /// The other way: by index into the older site's, the index in the newer.
    now: Vec<Option<usize>>,
}

impl Places {
    fn new(of: Vec<Option<usize>>, older: usize) -> Places {
        let mut now = vec![None; older];
        for (j, i) in of.iter().enumerate() {
            if let Some(i) = *i {
                now[i] = Some(j);
            }
        }
        Places { of, now }
    }

    /// By index into the newer site's incidents: the index in the older one.
    pub fn of(&self) -> &[Option<usize>] {
        &self.of
    }

    /// Where incident `j` of the newer site was in the older one, if there.
    pub fn was(&self, j: usize) -> Option<usize> {
        self.of.get(j).copied().flatten()
    }

    /// Where incident `i` of the older site is in the newer one, if there.
    pub fn now(&self, i: usize) -> Option<usize> {
        self.now.get(i).copied().flatten()
    }

    /// Whether every incident is where it was (none came, went or moved).
    pub fn in_place(&self) -> bool {
        self.now.len() == self.of.len() && self.first_moved().is_none()
    }

    /// The first place, from the front, where the two lists differ (a place
    /// only one of them has counts); `None` when they are the same.
    pub fn first_moved(&self) -> Option<usize> {
        let shorter = self.now.len().min(self.of.len());
        let moved = (0..shorter).find(|&j| self.of[j] != Some(j));
        match moved {
            Some(j) => Some(j),
            None if self.now.len() == self.of.len() => None,
            None => Some(shorter),
        }
    }

    /// The first place, counted from the back, where the two lists differ;
    /// `None` when the shorter one is the end of the longer.
    pub fn first_moved_from_back(&self) -> Option<usize> {
        let (older, newer) = (self.now.len(), self.of.len());
        (0..older.min(newer)).find(|&k| self.of[newer - 1 - k] != Some(older - 1 - k))
    }
}

/// Which letter speaks for each incident and which incidents each letter is
/// about, worked out once in a pass over every reference (not per page).
struct Links {
    letter_of: Vec<Option<usize>>,
    about: Vec<Vec<usize>>,
}

impl Links {
    fn new(
        incidents: &[Entry],
        with_letter: &[usize],
        letters: &[Letter],
        incident_index: impl Fn(&str) -> Option<usize>,
        letter_by_slug: &FxHashMap<String, usize>,
    ) -> Links {
        // An incident's own `letter:` wins; failing that, the newest letter
        // naming it (letters are newest first, so the first one seen).
        let own = |i: usize| {
            let r = incidents[i].incident.letter.as_ref()?;
            letter_by_slug.get(&r.name).copied()
        };
        let mut letter_of: Vec<Option<usize>> = vec![None; incidents.len()];
        for &i in with_letter {
            letter_of[i] = own(i);
        }
        let mut about: Vec<Vec<usize>> = vec![Vec::new(); letters.len()];
        for (l, letter) in letters.iter().enumerate() {
            for r in &letter.incidents {
                if let Some(i) = incident_index(r.name.as_str()) {
                    about[l].push(i);
                    if letter_of[i].is_none() {
                        letter_of[i] = Some(l);
                    }
                }
            }
        }
        // Then the incidents naming a letter it does not name itself.
        let mut named: Vec<std::collections::HashSet<usize>> =
            about.iter().map(|v| v.iter().copied().collect()).collect();
        for &i in with_letter {
            if let Some(l) = own(i) {
                if named[l].insert(i) {
                    about[l].push(i);
                }
            }
        }
        Links { letter_of, about }
    }
}

fn banner_order(incidents: &[Entry]) -> Vec<usize> {
    let mut active: Vec<usize> = (0..incidents.len())
        .filter(|&i| incidents[i].facts.active)
        .collect();
    // `incidents` is newest first already; a stable sort keeps that within a severity.
    active.sort_by_key(|&i| std::cmp::Reverse(incidents[i].incident.severity));
    active
}

fn component_states(
    config: &Config,
    incidents: &[Entry],
    histories: Vec<Vec<usize>>,
    active: &[usize],
    now: Time,
) -> Vec<ComponentState> {
    // What each active incident does to each component it names (banner
    // order); a component named twice takes the worst impact written.
    let mut hits: Vec<Vec<usize>> = vec![Vec::new(); config.components.len()];
    for &i in active {
        list_under(&mut hits, i, &incidents[i].incident);
    }
    // Two days' slack for time zones and daylight saving time.
    let before = now - chrono::TimeDelta::days(i64::from(config.history_days) + 2);
    (config.components.iter().enumerate())
        .zip(hits.into_iter().zip(histories))
        .map(|((n, c), (hits, history))| {
            let status = (hits.iter())
                .filter_map(|&i| impact_on(&incidents[i].incident, n))
                .map(ComponentStatus::from)
                .max()
                .unwrap_or(ComponentStatus::Operational);
            // Incidents resolved before the uptime period can count for none
            // of its days: told apart by their facts alone, without a look
            // into each of 10,000 notes.
            let spans: Vec<Span> = (history.iter())
                .filter(|&&i| incidents[i].facts.resolved_at.is_none_or(|r| r >= before))
                .filter_map(|&i| {
                    let impact = impact_on(&incidents[i].incident, n)?;
                    active_span(&incidents[i], impact, i, now)
                })
                .collect();
            // The list is by date, newest first: the earliest is its last.
            let first_incident = history.last().map(|&i| incidents[i].incident.date);
            let last_news = history.iter().map(|&i| incidents[i].facts.news).max();
            ComponentState {
                component: c.clone(),
                status,
                active: hits,
                history,
                first_incident,
                last_news,
                uptime: uptime::history(&spans, config.timezone, config.history_days, now, c.since),
            }
        })
        .collect()
}

/// The worst impact an incident writes for component `c`, if it names it.
fn impact_on(incident: &Incident, c: usize) -> Option<Impact> {
    (incident.affected.iter())
        .filter(|a| a.component == Some(c))
        .map(|a| a.impact)
        .max()
}

/// While an incident counted against a component: from its start (a
/// window's `starts`) to its resolution, or to `now` while open. Drafts and
/// incidents not begun by `now` never count.
fn active_span(e: &Entry, impact: Impact, index: usize, now: Time) -> Option<Span> {
    let i = &e.incident;
    if i.draft || e.facts.phase == Some(Phase::Upcoming) {
        return None;
    }
    let start = i.window.map_or(i.date, |w| w.starts);
    let end = e.facts.resolved_at.map_or(now, |r| r.min(now));
    Span::new(start, end, impact, index)
}

/// Groups with their members and worst status, and the homepage order:
/// each group stands where its first member is listed.
fn groups(config: &Config, components: &[ComponentState]) -> (Vec<GroupState>, Vec<Slot>) {
    let mut groups: Vec<GroupState> = Vec::new();
    let mut layout = Vec::new();
    for (n, state) in components.iter().enumerate() {
        let Some(gid) = &state.component.group else {
            layout.push(Slot::Component(n));
            continue;
        };
        match groups.iter().position(|g| &g.group.id == gid) {
            Some(g) => {
                groups[g].members.push(n);
                groups[g].status = groups[g].status.max(state.status);
            }
            None => {
                let Some(group) = config.groups.iter().find(|g| &g.id == gid) else {
                    // Config::parse refuses unknown groups; list it plainly.
                    layout.push(Slot::Component(n));
                    continue;
                };
                layout.push(Slot::Group(groups.len()));
                groups.push(GroupState {
                    group: group.clone(),
                    members: vec![n],
                    status: state.status,
                });
            }
        }
    }
    (groups, layout)
}

/// Incidents per page of the archive: 250 rows keep a page near 100 KB
/// (the first page, which holds up to 499, under 200 KB), far under the
/// 500 KB of SPEC §9, and a 10,000-incident site at 40 pages.
pub const ARCHIVE_PAGE: usize = 250;

/// How many pages the archive of `count` incidents has (one, even when
/// empty).
pub fn archive_pages(count: usize) -> usize {
    (count / ARCHIVE_PAGE).max(1)
}

/// The places (in the newest-first list) of archive page `k` of `count`
/// incidents. Pages are cut from the oldest: every page but the first holds
/// `ARCHIVE_PAGE` incidents and keeps them as new ones come, and the first
/// holds the rest (`ARCHIVE_PAGE` to twice that, less one). A new incident
/// changes the first page only, until a page more is cut.
pub fn archive_range(count: usize, k: usize) -> std::ops::Range<usize> {
    let older = (archive_pages(count) - 1 - k.min(archive_pages(count) - 1)) * ARCHIVE_PAGE;
    let end = count - older;
    let start = if k == 0 { 0 } else { end - ARCHIVE_PAGE };
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::content::{Affected, Ref, Update, Window};

    /// Its component's index is found by `resolved`, as the parser does.
    fn affects(name: &str, impact: Impact) -> Affected {
        Affected {
            name: name.into(),
            component: None,
            line: None,
            impact,
        }
    }

    /// The content of `incidents` with each component's index in `config`.
    fn resolved(incidents: Vec<Incident>, config: &Config) -> Content {
        let resolve = |mut i: Incident| {
            for a in &mut i.affected {
                a.component = config.components.iter().position(|c| c.id == a.name);
            }
            Arc::new(i)
        };
        Content {
            incidents: incidents.into_iter().map(resolve).collect(),
            ..Content::default()
        }
    }
    use chrono::DateTime;
    use std::path::{Path, PathBuf};

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn incident(slug: &str, severity: Severity, statuses: &[(&str, Status)]) -> Incident {
        Incident {
            slug: slug.into(),
            source: PathBuf::from(format!("content/incidents/{slug}.md")),
            title: slug.into(),
            date: t("2008-08-12T06:00:00Z"),
            severity,
            window: None,
            affected: vec![affects("licensing", Impact::of_severity(severity))],
            summary: None,
            letter: None,
            pinned: false,
            draft: false,
            updates: statuses
                .iter()
                .map(|(at, status)| Update {
                    at: t(at),
                    status: *status,
                    message_html: String::new(),
                    message: String::new(),
                })
                .collect(),
            body_html: String::new(),
        }
    }

    fn maintenance(starts: &str, ends: &str, statuses: &[(&str, Status)]) -> Incident {
        let mut i = incident("m", Severity::Maintenance, statuses);
        i.window = Some(Window {
            starts: t(starts),
            ends: t(ends),
        });
        i
    }

    const NOW: &str = "2008-08-13T00:00:00Z";

    #[test]
    fn no_updates_means_investigating_and_active() {
        let f = Facts::of(&incident("a", Severity::Major, &[]), t(NOW));
        assert_eq!(f.current, Status::Investigating);
        assert!(f.active);
        assert_eq!(f.resolved_at, None);
    }

    #[test]
    fn last_update_decides_and_resolution_ends_it() {
        let i = incident(
            "a",
            Severity::Critical,
            &[
                ("2008-08-12T06:30:00Z", Status::Investigating),
                ("2008-08-12T22:10:00Z", Status::Resolved),
            ],
        );
        let f = Facts::of(&i, t(NOW));
        assert_eq!(f.current, Status::Resolved);
        assert!(!f.active);
        assert_eq!(f.resolved_at, Some(t("2008-08-12T22:10:00Z")));
        assert_eq!(f.duration(&i), Some(TimeDelta::minutes(16 * 60 + 10)));
    }

    #[test]
    fn drafts_are_never_active() {
        let mut i = incident("a", Severity::Critical, &[]);
        i.draft = true;
        assert!(!Facts::of(&i, t(NOW)).active);
    }

    #[test]
    fn maintenance_phase_is_decided_by_time() {
        let m = maintenance(
            "2008-08-13T06:00:00Z",
            "2008-08-13T08:00:00Z",
            &[("2008-08-01T00:00:00Z", Status::Scheduled)],
        );
        let phase = |now| Facts::of(&m, t(now)).phase.unwrap();
        assert_eq!(phase("2008-08-13T05:59:59Z"), Phase::Upcoming);
        assert_eq!(phase("2008-08-13T06:00:00Z"), Phase::InProgress);
        assert_eq!(phase("2008-08-13T08:00:00Z"), Phase::Over);
        let f = Facts::of(&m, t("2008-08-13T07:00:00Z"));
        assert!(f.active);
        assert_eq!(f.current, Status::InProgress);
        let over = Facts::of(&m, t("2008-09-01T00:00:00Z"));
        assert_eq!(over.resolved_at, Some(t("2008-08-13T08:00:00Z")));
    }

    #[test]
    fn completed_maintenance_is_over_early() {
        let m = maintenance(
            "2008-08-13T06:00:00Z",
            "2008-08-13T08:00:00Z",
            &[
                ("2008-08-13T06:00:00Z", Status::InProgress),
                ("2008-08-13T06:40:00Z", Status::Completed),
            ],
        );
        let f = Facts::of(&m, t("2008-08-13T07:00:00Z"));
        assert_eq!(f.phase, Some(Phase::Over));
        assert!(!f.active);
        assert_eq!(f.resolved_at, Some(t("2008-08-13T06:40:00Z")));
    }

    fn site(incidents: Vec<Incident>, now: &str) -> Site {
        let config = Config::parse(
            "title='T'\nbase_url='https://x.test'\n[[components]]\nid='downloads'\nname='D'\n[[components]]\nid='licensing'\nname='L'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let content = resolved(incidents, &config);
        Site::new(config, content, t(now), 0)
    }

    #[test]
    fn windows_are_kept_apart_in_list_order_whatever_their_phase() {
        let mut upcoming = maintenance("2008-08-20T00:00:00Z", "2008-08-20T01:00:00Z", &[]);
        upcoming.slug = "later".into();
        let over = maintenance("2008-08-01T00:00:00Z", "2008-08-01T01:00:00Z", &[]);
        let s = site(
            vec![
                incident("a", Severity::Minor, &[]),
                over,
                upcoming,
                incident("z", Severity::Major, &[]),
            ],
            NOW,
        );
        let slugs: Vec<&str> = (s.windows.iter())
            .map(|&i| s.incidents[i].incident.slug.as_str())
            .collect();
        // Same date: the list is by slug.
        assert_eq!(slugs, ["later", "m"]);
    }

    #[test]
    fn places_follow_a_shift_and_find_what_moved() {
        // Same date: the list is by slug, so names decide the places.
        let of = |slugs: &[&str]| {
            let notes = slugs.iter().map(|s| incident(s, Severity::Minor, &[]));
            site(notes.collect(), "2026-01-01T00:00:00Z")
        };
        let old = of(&["b", "c", "d", "e"]);
        // "a" comes first (every other one moves down a place), "d" goes.
        let new = of(&["a", "b", "c", "e"]);
        let shifted = old.places_of(&new);
        assert_eq!(shifted.of(), [None, Some(0), Some(1), Some(3)]);
        assert_eq!(new.places_of(&old).of(), [Some(1), Some(2), None, Some(3)]);
        assert_eq!(
            old.places_of(&old).of(),
            [Some(0), Some(1), Some(2), Some(3)]
        );
        assert_eq!(of(&[]).places_of(&old).of(), [None, None, None, None]);
        // The other way: "b" moved down a place, "d" is gone.
        assert_eq!(
            (shifted.now(0), shifted.now(2), shifted.now(9)),
            (Some(1), None, None)
        );
        assert_eq!(
            (shifted.was(0), shifted.was(1), shifted.was(9)),
            (None, Some(0), None)
        );
        assert_eq!(shifted.first_moved(), Some(0));
        // "e" is last in both; "c" (new) and "d" (old) differ.
        assert_eq!(shifted.first_moved_from_back(), Some(1));
        assert!(!shifted.in_place());
        let same = old.places_of(&old);
        assert!(same.in_place());
        assert_eq!(
            (same.first_moved(), same.first_moved_from_back()),
            (None, None)
        );
        // One more at the end: the front is the same, the back is not.
        let longer = old.places_of(&of(&["b", "c", "d", "e", "f"]));
        assert_eq!(longer.first_moved(), Some(4));
        assert_eq!(longer.first_moved_from_back(), Some(0));
        assert!(!longer.in_place());
    }

    #[test]
    fn component_status_is_worst_active_severity() {
        let minor = incident("minor", Severity::Minor, &[]);
        let mut critical = incident("critical", Severity::Critical, &[]);
        critical.date = t("2008-08-11T00:00:00Z");
        let resolved = incident(
            "old",
            Severity::Critical,
            &[("2008-08-12T07:00:00Z", Status::Resolved)],
        );
        let mut in_progress = maintenance("2008-08-12T23:00:00Z", "2008-08-13T02:00:00Z", &[]);
        in_progress.affected = vec![affects("downloads", Impact::UnderMaintenance)];
        let s = site(vec![minor, critical, resolved, in_progress], NOW);
        assert_eq!(s.components[0].status, ComponentStatus::Maintenance);
        assert_eq!(s.components[1].status, ComponentStatus::MajorOutage);
        assert_eq!(s.overall, ComponentStatus::MajorOutage);
        let order: Vec<&str> = s
            .active
            .iter()
            .map(|&i| s.incidents[i].incident.slug.as_str())
            .collect();
        assert_eq!(order, ["critical", "minor", "m"]);
        // History: every incident naming the component, newest first.
        let slugs = |v: &[usize]| -> Vec<String> {
            v.iter()
                .map(|&i| s.incidents[i].incident.slug.clone())
                .collect()
        };
        assert_eq!(
            slugs(&s.components[1].history),
            ["minor", "old", "critical"]
        );
        assert_eq!(slugs(&s.components[1].active), ["critical", "minor"]);
        assert_eq!(slugs(&s.components[0].history), ["m"]);
    }

    #[test]
    fn all_resolved_is_operational() {
        let resolved = incident(
            "old",
            Severity::Critical,
            &[("2008-08-12T07:00:00Z", Status::Resolved)],
        );
        let s = site(vec![resolved], NOW);
        assert!(s.active.is_empty());
        assert!(s
            .components
            .iter()
            .all(|c| c.status == ComponentStatus::Operational));
        assert_eq!(s.overall, ComponentStatus::Operational);
    }

    #[test]
    fn notices_follow_page_components() {
        let s = site(vec![incident("a", Severity::Major, &[])], NOW);
        let page = |id: &str| Page {
            slug: "p".into(),
            source: PathBuf::new(),
            title: "P".into(),
            notices: vec![Ref {
                name: id.into(),
                line: None,
            }],
            body_html: String::new(),
        };
        assert_eq!(s.notices_for(&page("licensing")), vec![0]);
        assert!(s.notices_for(&page("downloads")).is_empty());
    }

    fn letter(slug: &str, date: &str, about: &[&str]) -> Letter {
        Letter {
            slug: slug.into(),
            source: PathBuf::new(),
            title: slug.into(),
            date: t(date),
            author: "A".into(),
            role: None,
            incidents: about
                .iter()
                .map(|&name| Ref {
                    name: name.into(),
                    line: None,
                })
                .collect(),
            draft: false,
            excerpt: String::new(),
            body_html: String::new(),
        }
    }

    #[test]
    fn letters_and_incidents_find_each_other_both_ways() {
        let named = |slug: &str, letter: Option<&str>| Incident {
            letter: letter.map(|l| Ref {
                name: l.into(),
                line: None,
            }),
            ..incident(slug, Severity::Major, &[])
        };
        let config = Config::parse(
            "title='T'\nbase_url='https://x.test'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let content = Content {
            incidents: vec![
                named("own", Some("old")),
                named("missing", Some("nope")),
                named("plain", None),
                named("alone", None),
            ]
            .into_iter()
            .map(Arc::new)
            .collect(),
            letters: vec![
                letter("old", "2008-01-01T00:00:00Z", &["plain"]),
                letter("new", "2009-01-01T00:00:00Z", &["plain", "own", "missing"]),
            ],
            ..Content::default()
        };
        let s = Site::new(config, content, t(NOW), 0);
        let index = |slug: &str| s.incident_index(slug).unwrap();
        let letter_of = |slug: &str| s.letter_for(index(slug)).map(|l| l.slug.as_str());
        // An incident's own letter wins over a newer letter naming it.
        assert_eq!(letter_of("own"), Some("old"));
        // An unknown own letter falls back to the newest letter naming it.
        assert_eq!(letter_of("missing"), Some("new"));
        assert_eq!(letter_of("plain"), Some("new"));
        assert_eq!(letter_of("alone"), None);
        // A letter's incidents: those it names, then those naming it, once each.
        let about = |l: usize| -> Vec<&str> {
            s.incidents_for(l)
                .iter()
                .map(|&i| s.incidents[i].incident.slug.as_str())
                .collect()
        };
        assert_eq!(s.letters[0].slug, "new");
        assert_eq!(about(0), ["plain", "own", "missing"]);
        assert_eq!(about(1), ["plain", "own"]);
    }

    #[test]
    fn impact_per_component_and_worst_member_of_a_group() {
        let config = Config::parse(
            "title='T'\nbase_url='https://x.test'\n[[groups]]\nid='platform'\nname='Platform'\n\
             [[components]]\nid='api'\nname='API'\ngroup='platform'\n\
             [[components]]\nid='web'\nname='Web'\n\
             [[components]]\nid='db'\nname='DB'\ngroup='platform'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        // A critical incident that only degrades the database and takes the API down.
        let mut a = incident("a", Severity::Critical, &[]);
        a.affected = vec![
            affects("api", Impact::MajorOutage),
            affects("db", Impact::DegradedPerformance),
        ];
        // A minor one that also names the database, with a partial outage.
        let mut b = incident("b", Severity::Minor, &[]);
        b.affected = vec![affects("db", Impact::PartialOutage)];
        let content = resolved(vec![a, b], &config);
        let s = Site::new(config, content, t(NOW), 0);
        let status = |id: &str| {
            s.components
                .iter()
                .find(|c| c.component.id == id)
                .unwrap()
                .status
        };
        assert_eq!(status("api"), ComponentStatus::MajorOutage);
        assert_eq!(status("db"), ComponentStatus::PartialOutage);
        assert_eq!(status("web"), ComponentStatus::Operational);
        assert_eq!(s.groups.len(), 1);
        assert_eq!(s.groups[0].members, [0, 2]);
        assert_eq!(s.groups[0].status, ComponentStatus::MajorOutage);
        // The group stands where its first member is listed.
        assert_eq!(s.layout, [Slot::Group(0), Slot::Component(1)]);
        // Uptime: both open since 06:00 on 12 Aug, now is midnight after
        // it: on 12 Aug the API lost 18 hours at weight 1, the DB 18 hours
        // at weight 0.3 (its worst impact, partial, from `b`).
        let day = |id: &str| {
            let c = s.components.iter().find(|c| c.component.id == id).unwrap();
            let days = &c.uptime.days;
            assert_eq!(days.len(), 90);
            days[days.len() - 2].clone()
        };
        assert_eq!(day("api").downtime_minutes(), 18 * 60);
        assert_eq!(day("db").downtime_minutes(), 18 * 18);
        assert_eq!(day("web").downtime_minutes(), 0);
    }

    /// proptest's generator, seeded the same each run so a failure repeats.
    struct Rng(proptest::test_runner::TestRng);

    impl Rng {
        fn new() -> Rng {
            let algorithm = proptest::test_runner::RngAlgorithm::ChaCha;
            Rng(proptest::test_runner::TestRng::deterministic_rng(algorithm))
        }

        fn below(&mut self, n: u64) -> u64 {
            use proptest::prelude::Rng as _;
            self.0.next_u64() % n.max(1)
        }
    }

    /// An incident on one of 40 slugs and a few dates (so dates tie), in
    /// two offsets, naming zero to three components (one maybe twice), a
    /// letter now and then; some resolved, some drafts, some windows.
    fn random_incident(rng: &mut Rng, slug: &str) -> Arc<Incident> {
        let severities = [Severity::Minor, Severity::Major, Severity::Critical];
        let mut i = incident(slug, severities[rng.below(3) as usize], &[]);
        let offset = ["+00:00", "+02:00"][rng.below(2) as usize];
        let at = |h: u64| {
            t(&format!(
                "2008-08-{:02}T{:02}:00:00{offset}",
                10 + h / 24,
                h % 24
            ))
        };
        i.date = at(2 * rng.below(12));
        let names = ["downloads", "licensing", "api"];
        i.affected = (0..rng.below(4))
            .map(|_| {
                let impacts = [Impact::DegradedPerformance, Impact::MajorOutage];
                let mut a = affects(names[rng.below(3) as usize], impacts[rng.below(2) as usize]);
                a.component = names.iter().position(|n| *n == a.name);
                a
            })
            .collect();
        if rng.below(5) == 0 {
            let name = ["l0", "l1", "none"][rng.below(3) as usize];
            i.letter = Some(Ref {
                name: name.into(),
                line: None,
            });
        }
        i.draft = rng.below(10) == 0;
        match rng.below(6) {
            0 => {
                i.severity = Severity::Maintenance;
                let starts = at(rng.below(60));
                i.window = Some(Window {
                    starts,
                    ends: starts + TimeDelta::hours(rng.below(5) as i64 + 1),
                });
            }
            1 | 2 => i.updates.push(Update {
                at: at(30 + rng.below(10)),
                status: Status::Resolved,
                message_html: String::new(),
                message: String::new(),
            }),
            _ => {}
        }
        Arc::new(i)
    }

    /// Everything the model decides, in a form to compare; the times with
    /// their offsets (an equal instant in another offset reads otherwise).
    fn decided(s: &Site) -> String {
        let slugs: Vec<_> = (s.incidents.iter())
            .map(|e| (&e.incident.slug, e.facts, e.facts.news.to_rfc3339()))
            .collect();
        let found: Vec<_> = (s.incidents.iter())
            .map(|e| s.incident_index(&e.incident.slug))
            .chain([s.incident_index("none")])
            .collect();
        let components: Vec<_> = (s.components.iter())
            .map(|c| {
                let time = |t: Option<Time>| t.map(|t| t.to_rfc3339());
                (
                    c.status,
                    &c.active,
                    &c.history,
                    time(c.first_incident),
                    time(c.last_news),
                    &c.uptime,
                )
            })
            .collect();
        let letters: Vec<_> = (0..s.letters.len()).map(|l| s.incidents_for(l)).collect();
        format!(
            "{slugs:?}\n{found:?}\n{components:?}\n{:?} {:?} {:?} {:?} {:?} {letters:?} {:?}",
            s.active, s.upcoming, s.windows, s.with_letter, s.letter_of, s.overall
        )
    }

    #[test]
    fn a_model_made_from_the_last_one_is_the_one_made_anew() {
        let config = Config::parse(
            "title='T'\nbase_url='https://x.test'\n[[components]]\nid='downloads'\nname='D'\n[[components]]\nid='licensing'\nname='L'\n[[components]]\nid='api'\nname='A'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let letters = || {
            vec![
                letter("l0", "2008-08-12T00:00:00Z", &["n1", "n2", "gone"]),
                letter("l1", "2008-08-11T00:00:00Z", &["n3"]),
            ]
        };
        let content = |notes: &[Arc<Incident>]| Content {
            incidents: notes.to_vec(),
            letters: letters(),
            ..Content::default()
        };
        let mut rng = Rng::new();
        let mut notes: Vec<Arc<Incident>> = (0..20)
            .map(|n| random_incident(&mut rng, &format!("n{n}")))
            .collect();
        let mut last = Site::new(config.clone(), content(&notes), t(NOW), 0);
        for round in 0..300 {
            // Edit, drop, add: the rest stay the same `Arc`s.
            for _ in 0..rng.below(4).min(notes.len() as u64) {
                let n = rng.below(notes.len() as u64) as usize;
                let slug = notes[n].slug.clone();
                notes[n] = random_incident(&mut rng, &slug);
            }
            for _ in 0..rng.below(3) {
                if !notes.is_empty() {
                    notes.swap_remove(rng.below(notes.len() as u64) as usize);
                }
            }
            for _ in 0..rng.below(3) {
                let slug = format!("n{}", rng.below(40));
                if !notes.iter().any(|i| i.slug == slug) {
                    notes.push(random_incident(&mut rng, &slug));
                }
            }
            // Load order is not list order.
            let (a, b) = (rng.below(notes.len() as u64 + 1) as usize, notes.len());
            notes[..b].rotate_left(a.min(b));
            // Any time the windows can be before, in or after.
            let now = t("2008-08-10T00:00:00Z") + TimeDelta::hours(rng.below(72) as i64);
            let anew = Site::new(config.clone(), content(&notes), now, 0);
            let (next, places) = last.next(config.clone(), content(&notes), now, 0);
            assert_eq!(decided(&next), decided(&anew), "round {round}");
            assert_eq!(places, last.places_of(&anew), "round {round}");
            last = next;
        }
    }
}
