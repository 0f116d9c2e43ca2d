//! Typed content: incidents, letters, pages, read from `content/` with every
//! error of every file collected. References between files (component ids,
//! letter ↔ incident slugs) are checked here too, so nothing downstream ever
//! meets a dangling name.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::DateTime;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::source::config::Config;
use crate::source::frontmatter::{self, Document};
use crate::source::markdown;
use crate::source::walk;
use crate::vocab::choice::{Choice, Impact, Severity, Status};
use crate::vocab::error::{choice_hint, Error, Errors, Result};
use crate::vocab::ids::{self, fnv, Fnv};
use crate::vocab::slug::{is_slug, slugify};
use crate::vocab::times::Time;

/// A name written in a file, with the line it was written on where an error
/// about it later may point there (a reference to another note); `None` for
/// a component id that was found, which no later check can fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub name: String,
    pub line: Option<usize>,
}

/// A component an incident affects, and how: `affected: [id]` gives it the
/// impact of the severity, `affected: {id: impact}` its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    pub name: String,
    /// Its index in `config.components`, found once when the note is read
    /// (every rebuild goes through every incident's components). `None`
    /// only for an unknown id, which fails the note.
    pub component: Option<usize>,
    pub line: Option<usize>,
    pub impact: Impact,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub at: Time,
    pub status: Status,
    pub message_html: String,
    /// The Markdown as written, for formats that carry text (Statuspage API).
    pub message: String,
}

/// The planned window of a maintenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub starts: Time,
    pub ends: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub slug: String,
    pub source: PathBuf,
    pub title: String,
    pub date: Time,
    pub severity: Severity,
    /// Present exactly when `severity` is maintenance.
    pub window: Option<Window>,
    pub affected: Vec<Affected>,
    pub summary: Option<String>,
    pub letter: Option<Ref>,
    pub pinned: bool,
    pub draft: bool,
    pub updates: Vec<Update>,
    pub body_html: String,
}

impl Incident {
    /// The anchors of its updates, oldest first (see [`ids::update_ids`]).
    pub fn update_ids(&self) -> Vec<String> {
        ids::update_ids(self.updates.iter().map(|u| u.at))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    pub slug: String,
    pub source: PathBuf,
    pub title: String,
    pub date: Time,
    pub author: String,
    pub role: Option<String>,
    pub incidents: Vec<Ref>,
    pub draft: bool,
    /// The first paragraph as plain text, for link previews.
    pub excerpt: String,
    pub body_html: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub slug: String,
    pub source: PathBuf,
    pub title: String,
    pub notices: Vec<Ref>,
    pub body_html: String,
}

/// `content/index.md`: the homepage's own words.
#[derive(Debug, Clone, PartialEq)]
pub struct Intro {
    pub title: Option<String>,
    pub body_html: String,
}

/// Everything under `content/`, typed and cross-checked.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Shared, so watch mode's rebuilds reuse unchanged notes without copying.
    pub incidents: Vec<Arc<Incident>>,
    pub letters: Vec<Letter>,
    pub pages: Vec<Page>,
    pub intro: Option<Intro>,
    /// A hash of every source byte read, for the build id.
    pub digest: u64,
    /// Problems of drafts in a build that leaves drafts out: reported, but
    /// they block nothing (SPEC §8).
    pub warnings: Errors,
}

/// Top-level paths a page slug may not take, because the site uses them.
pub const RESERVED: &[&str] = &[
    "incidents",
    "letters",
    "components",
    "api",
    "feed-xml",
    "404",
];

// The `Raw*` structs are what front matter deserialises into. They are
// public (fields private) so the front matter fuzz target can check the
// fast path against serde_yaml on these very types.

/// An incident's front matter as written.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    title: String,
    date: Option<String>,
    severity: String,
    #[serde(default)]
    affected: RawAffected,
    summary: Option<String>,
    letter: Option<String>,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    draft: bool,
    slug: Option<String>,
    starts: Option<String>,
    ends: Option<String>,
    #[serde(default)]
    updates: Vec<RawUpdate>,
}

/// `affected:` as written: a list of ids, or a map of id to impact, in
/// the order written (a map keeps its order for the pages that list it).
#[derive(Debug, Default, PartialEq)]
pub struct RawAffected(Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for RawAffected {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = RawAffected;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of component ids, or a map of component id to impact")
            }
            fn visit_unit<E>(self) -> std::result::Result<RawAffected, E> {
                Ok(RawAffected::default())
            }
            fn visit_none<E>(self) -> std::result::Result<RawAffected, E> {
                Ok(RawAffected::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<RawAffected, A::Error> {
                let mut out = Vec::new();
                while let Some(id) = seq.next_element::<String>()? {
                    out.push((id, None));
                }
                Ok(RawAffected(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<RawAffected, A::Error> {
                let mut out = Vec::new();
                while let Some((id, impact)) = map.next_entry::<String, String>()? {
                    out.push((id, Some(impact)));
                }
                Ok(RawAffected(out))
            }
        }
        d.deserialize_any(Shape)
    }
}

/// One `updates:` entry as written.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpdate {
    at: String,
    status: String,
    message: String,
}

/// A letter's front matter as written.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLetter {
    title: String,
    date: String,
    author: String,
    role: Option<String>,
    #[serde(default)]
    incidents: Vec<String>,
    #[serde(default)]
    draft: bool,
    slug: Option<String>,
}

/// A page's front matter as written.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPage {
    title: String,
    #[serde(default)]
    notices: Vec<String>,
    slug: Option<String>,
}

/// The homepage intro's front matter as written.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntro {
    title: Option<String>,
}

/// Which folder a file came from; ordered as files are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Incidents,
    Letters,
    Pages,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Incidents, Section::Letters, Section::Pages];
    pub fn dir(self) -> &'static str {
        match self {
            Section::Incidents => "incidents",
            Section::Letters => "letters",
            Section::Pages => "pages",
        }
    }

    /// The section's folder in a site.
    pub fn folder(self, root: &Path) -> PathBuf {
        root.join("content").join(self.dir())
    }
}

/// One parsed file, before cross-checking.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Incident(Arc<Incident>),
    Letter(Letter),
    Page(Page),
}

/// One file of `content/` read and parsed on its own: what watch mode keeps
/// between rebuilds, so an edit re-parses one file only.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub section: Section,
    pub path: PathBuf,
    /// FNV hash of the file's bytes (0 when unreadable), for the build id.
    pub hash: u64,
    pub item: std::result::Result<Item, Errors>,
    /// What `Content::assemble` checks of an incident note, kept beside it:
    /// the check of 10,000 notes then reads none of them while all is well.
    brief: Brief,
}

/// See `Parsed::brief`.
#[derive(Debug, Clone, Copy, Default)]
struct Brief {
    /// `slug_hash` of the incident's slug.
    slug: u64,
    draft: bool,
    /// It names a letter (`letter:`).
    refers: bool,
}

impl Brief {
    fn of(item: &std::result::Result<Item, Errors>) -> Brief {
        match item {
            Ok(Item::Incident(i)) => Brief {
                slug: slug_hash(&i.slug),
                draft: i.draft,
                refers: i.letter.is_some(),
            },
            _ => Brief::default(),
        }
    }
}

/// The hash of a slug that tables of incidents by slug use.
pub fn slug_hash(slug: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(slug)
}

impl Parsed {
    /// A file that could not be parsed, with why.
    pub fn failed(section: Section, path: &Path, errors: Errors) -> Parsed {
        Parsed {
            section,
            path: path.to_path_buf(),
            hash: 0,
            item: Err(errors),
            brief: Brief::default(),
        }
    }

    /// Reads and parses one file of `section`.
    pub fn read(root: &Path, section: Section, path: &Path, config: &Config) -> Parsed {
        let display = display_path(root, path);
        let (hash, item) = match read_text(path, &display) {
            Ok(text) => (
                fnv(text.as_bytes()),
                parse_item(section, &text, &display, config),
            ),
            Err(e) => (0, Err(e.into())),
        };
        Parsed {
            section,
            path: path.to_path_buf(),
            hash,
            brief: Brief::of(&item),
            item,
        }
    }
}

/// The Markdown files of every section of `root/content`, in load order.
pub fn list_files(root: &Path, errors: &mut Errors) -> Vec<(Section, PathBuf)> {
    let mut files = Vec::new();
    for section in Section::ALL {
        files.extend(
            list_section(root, section, errors)
                .into_iter()
                .map(|f| (section, f.path)),
        );
    }
    files
}

/// The Markdown files of one section, as `list_files` lists them, each
/// with its path relative to the section's folder.
pub fn list_section(root: &Path, section: Section, errors: &mut Errors) -> Vec<walk::Found> {
    walk::files(root, &section.folder(root), is_note, errors)
}

/// `list_section`, one file at a time as the walk finds them, unsorted.
pub fn each_in_section(
    root: &Path,
    section: Section,
    errors: &mut Errors,
    found: impl FnMut(walk::Found),
) {
    walk::each(root, &section.folder(root), is_note, errors, found);
}

/// Whether a path relative to a section's folder is a note.
pub fn is_note(rel: &str) -> bool {
    rel.ends_with(".md") && walk::Folder::Content.reads(rel)
}

impl Content {
    /// Reads and checks all of `root/content`. Drafts are kept (with their
    /// flag) so references to them resolve; `drafts` decides whether they
    /// are published.
    pub fn load(root: &Path, config: &Config, drafts: bool) -> Result<Content> {
        let mut errors = Errors::default();
        let files = list_files(root, &mut errors);
        let parsed: Vec<Parsed> = files
            .par_iter()
            .map(|(section, path)| Parsed::read(root, *section, path, config))
            .collect();
        Content::assemble(root, &parsed, drafts, errors)
    }

    /// Puts parsed files (in load order) together with the intro, and checks
    /// what no single file can: unique slugs and references.
    pub fn assemble(
        root: &Path,
        parsed: &[Parsed],
        drafts: bool,
        mut errors: Errors,
    ) -> Result<Content> {
        let mut content = Content::default();
        let mut digest = Fnv::default();
        // Files that failed: references to them are not reported again.
        let mut unreadable: HashMap<(Section, String), PathBuf> = HashMap::new();
        // The incidents' briefs, in `content.incidents`' order.
        let mut briefs: Vec<Brief> = Vec::with_capacity(parsed.len());
        for p in parsed {
            digest.write_u64(p.hash);
            match &p.item {
                Ok(Item::Incident(i)) => {
                    content.incidents.push(i.clone());
                    briefs.push(p.brief);
                }
                Ok(Item::Letter(l)) => content.letters.push(l.clone()),
                Ok(Item::Page(page)) => content.pages.push(page.clone()),
                Err(e) => {
                    errors.extend(e.clone());
                    let stem = p.path.file_stem().unwrap_or_default().to_string_lossy();
                    unreadable.insert((p.section, stem.into_owned()), p.path.clone());
                }
            }
        }
        let index = root.join("content").join("index.md");
        if index.exists() {
            let display = display_path(root, &index);
            match read_text(&index, &display).and_then(|t| {
                digest.write(t.as_bytes());
                parse_intro(&t, &display)
            }) {
                Ok(intro) => content.intro = Some(intro),
                Err(e) => errors.push(e),
            }
        }
        content.digest = digest.0;
        if !unreadable.is_empty() || !content.plainly_sound(&briefs) {
            content.check_references(&unreadable, &mut errors);
        }
        if !drafts {
            let mut draft = briefs.iter().map(|b| b.draft);
            content.incidents.retain(|_| draft.next() == Some(false));
            content.letters.retain(|l| !l.draft);
            let warnings = errors.take_drafts();
            if errors.is_empty() {
                content.warnings = warnings.sorted();
            } else {
                // The build fails anyway: every problem is told at once.
                errors.extend(warnings);
            }
        }
        errors.into_result(content)
    }

    /// Whether no slug is taken twice and every reference names a note,
    /// told from the incidents' briefs (in `self.incidents`' order) and the
    /// few notes that refer to another. `false` says only that
    /// `check_references` must look: a slug hash met twice may be two slugs.
    fn plainly_sound(&self, briefs: &[Brief]) -> bool {
        let mut incidents: FxHashMap<u64, usize> = FxHashMap::default();
        incidents.reserve(briefs.len());
        if (briefs.iter().enumerate()).any(|(i, b)| incidents.insert(b.slug, i).is_some()) {
            return false;
        }
        let letters: HashSet<&str> = self.letters.iter().map(|l| l.slug.as_str()).collect();
        let pages: HashSet<&str> = self.pages.iter().map(|p| p.slug.as_str()).collect();
        if letters.len() < self.letters.len() || pages.len() < self.pages.len() {
            return false;
        }
        let letters_named = (briefs.iter().zip(&self.incidents))
            .filter(|(b, _)| b.refers)
            .filter_map(|(_, i)| i.letter.as_ref())
            .all(|r| letters.contains(r.name.as_str()));
        let incidents_named = (self.letters.iter().flat_map(|l| &l.incidents)).all(|r| {
            let at = incidents.get(&slug_hash(&r.name));
            at.is_some_and(|&i| self.incidents[i].slug == r.name)
        });
        letters_named && incidents_named
    }

    /// Duplicate slugs and names that point at nothing.
    fn check_references<'a>(
        &'a self,
        unreadable: &'a HashMap<(Section, String), PathBuf>,
        errors: &mut Errors,
    ) {
        let drafts: HashSet<&Path> = self
            .incidents
            .iter()
            .filter(|i| i.draft)
            .map(|i| i.source.as_path())
            .chain(
                self.letters
                    .iter()
                    .filter(|l| l.draft)
                    .map(|l| l.source.as_path()),
            )
            .collect();
        let mut found = Errors::default();
        self.check_references_into(unreadable, &mut found);
        for e in found.0 {
            let of_draft = e.file.as_deref().is_some_and(|f| drafts.contains(f));
            errors.push(if of_draft { e.in_draft() } else { e });
        }
    }

    fn check_references_into<'a>(
        &'a self,
        unreadable: &'a HashMap<(Section, String), PathBuf>,
        errors: &mut Errors,
    ) {
        // Slugs a reference may name: every note's, and the file names of
        // notes that failed (their errors are told already).
        let known = |section: Section, mut slugs: Slugs<'a>| {
            let failed = unreadable.iter().filter(|((s, _), _)| *s == section);
            slugs.extend(failed.map(|((_, stem), path)| (stem.as_str(), path.as_path())));
            slugs
        };
        let incident_slugs = known(
            Section::Incidents,
            check_unique(
                self.incidents.iter().map(|i| (&i.slug, &i.source)),
                "incident",
                errors,
            ),
        );
        let letter_slugs = known(
            Section::Letters,
            check_unique(
                self.letters.iter().map(|l| (&l.slug, &l.source)),
                "letter",
                errors,
            ),
        );
        check_unique(
            self.pages.iter().map(|p| (&p.slug, &p.source)),
            "page",
            errors,
        );
        let letter_names = OnceCell::new();
        for i in &self.incidents {
            if let Some(r) = &i.letter {
                check_ref(r, &letter_slugs, &letter_names, &i.source, "letter", errors);
            }
        }
        let incident_names = OnceCell::new();
        for l in &self.letters {
            for r in &l.incidents {
                check_ref(
                    r,
                    &incident_slugs,
                    &incident_names,
                    &l.source,
                    "incident",
                    errors,
                );
            }
        }
    }
}

/// Slugs and the files that have them.
type Slugs<'a> = FxHashMap<&'a str, &'a Path>;

/// Reports every slug taken twice; returns the slugs.
fn check_unique<'a>(
    items: impl ExactSizeIterator<Item = (&'a String, &'a PathBuf)>,
    what: &str,
    errors: &mut Errors,
) -> Slugs<'a> {
    let mut seen = Slugs::default();
    seen.reserve(items.len());
    for (slug, source) in items {
        if let Some(first) = seen.insert(slug, source) {
            let (a, b) = if first < source.as_path() {
                (first, source.as_path())
            } else {
                (source.as_path(), first)
            };
            errors.push(
                Error::in_file(
                    b,
                    format!("duplicate {what} slug `{slug}`: {} has it too", a.display()),
                )
                .hint("give one of them another file name or a different `slug:`"),
            );
        }
    }
    seen
}

/// The names of a set in order, for hints: sorted once per check, not per
/// error, and only when a reference is wrong.
fn sorted<'a>(names: &Slugs<'a>) -> Vec<&'a str> {
    let mut v: Vec<&str> = names.keys().copied().collect();
    v.sort_unstable();
    v
}

fn check_ref<'a>(
    r: &Ref,
    known: &Slugs<'a>,
    names: &OnceCell<Vec<&'a str>>,
    source: &Path,
    what: &str,
    errors: &mut Errors,
) {
    if !known.contains_key(r.name.as_str()) {
        let names = names.get_or_init(|| sorted(known));
        let hint = if names.is_empty() {
            format!("there are no {what}s yet")
        } else {
            choice_hint(&r.name, names)
        };
        errors.push(
            Error::in_file(source, format!("no {what} has the slug `{}`", r.name))
                .at_line(r.line)
                .hint(hint),
        );
    }
}

/// A path as the user knows it: relative to the site root when possible.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Reads a file as UTF-8, refusing (never repairing) anything else.
pub fn read_text(path: &Path, display: &Path) -> std::result::Result<String, Error> {
    let bytes = crate::vocab::clock::READ
        .time(|| std::fs::read(path))
        .map_err(|e| Error::io(display, "read the file", &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, col) = frontmatter::line_col(e.as_bytes(), offset);
        Error::in_file(
            display,
            format!("the file is not valid UTF-8 (byte {offset})"),
        )
        .at(line, Some(col))
        .hint("save the file as UTF-8")
    })
}

pub fn parse_item(
    section: Section,
    text: &str,
    path: &Path,
    config: &Config,
) -> std::result::Result<Item, Errors> {
    let doc = frontmatter::split(text, path)?;
    let item = match section {
        Section::Incidents => {
            parse_incident(&doc, path, config).map(|i| Item::Incident(Arc::new(i)))
        }
        Section::Letters => parse_letter(&doc, path).map(Item::Letter),
        Section::Pages => parse_page(&doc, path, config).map(Item::Page),
    };
    item.map_err(|errors| {
        if section != Section::Pages && frontmatter::is_draft(&doc, path) {
            Errors(errors.0.into_iter().map(Error::in_draft).collect())
        } else {
            errors
        }
    })
}

/// Collects the errors of one file while its fields are typed.
struct FileCheck<'a> {
    doc: &'a Document<'a>,
    path: &'a Path,
    errors: Errors,
}

impl<'a> FileCheck<'a> {
    fn new(doc: &'a Document<'a>, path: &'a Path) -> Self {
        FileCheck {
            doc,
            path,
            errors: Errors::default(),
        }
    }

    fn error(&mut self, key: &str, message: String, hint: Option<String>) {
        let line = self.line_of(key);
        self.error_at(line, message, hint);
    }

    /// The line of a top-level key, or of `list[index].field` for a key
    /// written like `updates[2].status`.
    fn line_of(&self, key: &str) -> Option<usize> {
        let item = key.split_once('[').and_then(|(list, rest)| {
            let (index, field) = rest.split_once("].")?;
            Some((list, index.parse().ok()?, field))
        });
        match item {
            Some((list, index, field)) => {
                frontmatter::item_field_line(self.doc, list, index, field)
            }
            None => frontmatter::key_line(self.doc, key),
        }
    }

    fn error_at(&mut self, line: Option<usize>, message: String, hint: Option<String>) {
        let mut e = Error::in_file(self.path, message).at_line(line);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        self.errors.push(e);
    }

    fn time(&mut self, key: &str, value: &str) -> Option<Time> {
        match DateTime::parse_from_rfc3339(value.trim()) {
            Ok(t) => Some(t),
            Err(_) => {
                self.error(
                    key,
                    format!("`{key}: {value}` is not an RFC 3339 time with a zone offset"),
                    Some("write it like 2008-08-12T06:00:00Z or 2008-08-12T08:00:00+02:00".into()),
                );
                None
            }
        }
    }

    fn choice<T: Choice>(&mut self, key: &str, value: &str, allowed: &[T]) -> Option<T> {
        match T::parse(value).filter(|v| allowed.contains(v)) {
            Some(v) => Some(v),
            None => {
                let names: Vec<&str> = allowed.iter().map(|c| c.name()).collect();
                self.error(
                    key,
                    format!("`{key}: {value}` is not allowed here"),
                    Some(choice_hint(value, &names)),
                );
                None
            }
        }
    }

    fn slug(&mut self, explicit: Option<&str>) -> String {
        let from_file = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (slug, key) = match explicit {
            Some(s) => (s.to_string(), "slug"),
            None => (from_file, ""),
        };
        if !is_slug(&slug) {
            let suggestion = slugify(&slug);
            let hint = if key.is_empty() {
                format!("rename the file to `{suggestion}.md`, or set `slug: {suggestion}` in the front matter")
            } else {
                format!("use only a-z, 0-9 and -, e.g. `slug: {suggestion}`")
            };
            let hint = if suggestion.is_empty() {
                "use only a-z, 0-9 and -".to_string()
            } else {
                hint
            };
            let mut e = Error::in_file(
                self.path,
                format!("the slug `{slug}` is not of the form [a-z0-9-]+"),
            )
            .hint(hint);
            if !key.is_empty() {
                e = e.at_line(frontmatter::key_line(self.doc, key));
            }
            self.errors.push(e);
        }
        slug
    }

    /// `affected`, each id checked like `components` and each impact a known one.
    fn affected(&mut self, raw: RawAffected, severity: Severity, config: &Config) -> Vec<Affected> {
        let mut out: Vec<Affected> = Vec::with_capacity(raw.0.len());
        for (id, impact) in raw.0 {
            let impact = match impact {
                None => Impact::of_severity(severity),
                Some(name) => Impact::parse(&name).unwrap_or_else(|| {
                    let line = frontmatter::value_line(self.doc, "affected", &id);
                    self.error_at(
                        line,
                        format!("`{id}: {name}` in `affected` is not an impact"),
                        Some(choice_hint(&name, &Impact::names())),
                    );
                    Impact::of_severity(severity)
                }),
            };
            let Ref { name, line } = self
                .components("affected", vec![id], config)
                .pop()
                .expect("one id in, one reference out");
            let component = config.components.iter().position(|c| c.id == name);
            out.push(Affected {
                name,
                component,
                line,
                impact,
            });
        }
        out
    }

    fn components(&mut self, key: &str, ids: Vec<String>, config: &Config) -> Vec<Ref> {
        let known = config.component_ids();
        ids.into_iter()
            .map(|id| {
                // Located only when it is an error: a known id never is one
                // later, and locating reads the YAML again.
                let mut line = None;
                if !known.contains(&id.as_str()) {
                    line = frontmatter::value_line(self.doc, key, &id);
                    let hint = if known.is_empty() {
                        "site.toml defines no [[components]] yet".to_string()
                    } else {
                        choice_hint(&id, &known)
                    };
                    self.errors.push(
                        Error::in_file(self.path, format!("unknown component `{id}` in `{key}`"))
                            .at_line(line)
                            .hint(hint),
                    );
                }
                Ref { name: id, line }
            })
            .collect()
    }

    fn reference(&mut self, key: &str, name: String) -> Ref {
        let line = frontmatter::value_line(self.doc, key, &name);
        Ref { name, line }
    }

    fn plain(&mut self, key: &str, value: String) -> String {
        if value.trim().is_empty() {
            self.error(key, format!("`{key}` is empty"), None);
        }
        value
    }

    fn finish<T>(self, value: T) -> std::result::Result<T, Errors> {
        self.errors.into_result(value)
    }
}

fn parse_incident(
    doc: &Document,
    path: &Path,
    config: &Config,
) -> std::result::Result<Incident, Errors> {
    let raw: RawIncident = frontmatter::parse(doc, path)?;
    let mut c = FileCheck::new(doc, path);
    let slug = c.slug(raw.slug.as_deref());
    let title = c.plain("title", raw.title);
    let severity = c
        .choice("severity", &raw.severity, Severity::ALL)
        .unwrap_or(Severity::Minor);
    let affected = c.affected(raw.affected, severity, config);
    let window = match (severity, &raw.starts, &raw.ends) {
        (Severity::Maintenance, Some(s), Some(e)) => match (c.time("starts", s), c.time("ends", e))
        {
            (Some(starts), Some(ends)) => {
                if ends < starts {
                    c.error(
                        "ends",
                        "the maintenance `ends` before it `starts`".into(),
                        None,
                    );
                }
                Some(Window { starts, ends })
            }
            _ => None,
        },
        (Severity::Maintenance, _, _) => {
            c.error(
                "severity",
                "a maintenance needs both `starts` and `ends`".into(),
                Some("add `starts:` and `ends:` times (RFC 3339) for the planned window".into()),
            );
            None
        }
        (_, None, None) => None,
        _ => {
            let key = if raw.starts.is_some() {
                "starts"
            } else {
                "ends"
            };
            c.error(
                key,
                format!("`{key}` is only for `severity: maintenance`"),
                None,
            );
            None
        }
    };
    let date = match (&raw.date, window) {
        (Some(d), _) => c.time("date", d),
        (None, Some(w)) => Some(w.starts),
        (None, None) => {
            c.error(
                "title",
                "the incident has no `date` (when it started)".into(),
                Some("add `date: 2008-08-12T06:00:00Z`".into()),
            );
            None
        }
    };
    let updates = parse_updates(&mut c, raw.updates, severity);
    let letter = raw.letter.map(|l| c.reference("letter", l));
    let body_html = markdown::to_html(doc.body);
    let incident = Incident {
        slug,
        source: path.to_path_buf(),
        title,
        date: date.unwrap_or_default(),
        severity,
        window,
        affected,
        summary: raw.summary.filter(|s| !s.trim().is_empty()),
        letter,
        pinned: raw.pinned,
        draft: raw.draft,
        updates,
        body_html,
    };
    c.finish(incident)
}

fn parse_updates(c: &mut FileCheck, raw: Vec<RawUpdate>, severity: Severity) -> Vec<Update> {
    let allowed = Status::allowed_for(severity);
    let mut updates: Vec<Update> = Vec::with_capacity(raw.len());
    for (n, u) in raw.into_iter().enumerate() {
        // Located at the item's own line, not at `updates:`.
        let at_key = format!("updates[{n}].at");
        let at = c.time(&at_key, &u.at);
        let status = c.choice(&format!("updates[{n}].status"), &u.status, allowed);
        if let (Some(at), Some(prev)) = (at, updates.last()) {
            if at < prev.at {
                let line = c.line_of(&at_key);
                c.errors.push(
                    Error::in_file(
                        c.path,
                        format!(
                            "update {} at {} is earlier than the one before it ({})",
                            n + 1,
                            u.at,
                            prev.at.to_rfc3339()
                        ),
                    )
                    .at_line(line)
                    .hint("updates are listed oldest first; move this one up or fix its time"),
                );
            }
        }
        if let (Some(at), Some(status)) = (at, status) {
            updates.push(Update {
                at,
                status,
                message_html: markdown::to_html(&u.message),
                message: u.message,
            });
        }
    }
    updates
}

/// How long a letter's excerpt may be: about what link previews show.
const EXCERPT: usize = 200;

fn parse_letter(doc: &Document, path: &Path) -> std::result::Result<Letter, Errors> {
    let raw: RawLetter = frontmatter::parse(doc, path)?;
    let mut c = FileCheck::new(doc, path);
    let slug = c.slug(raw.slug.as_deref());
    let title = c.plain("title", raw.title);
    let author = c.plain("author", raw.author);
    let date = c.time("date", &raw.date);
    let incidents = raw
        .incidents
        .into_iter()
        .map(|s| c.reference("incidents", s))
        .collect();
    let letter = Letter {
        slug,
        source: path.to_path_buf(),
        title,
        date: date.unwrap_or_default(),
        author,
        role: raw.role.filter(|r| !r.trim().is_empty()),
        incidents,
        draft: raw.draft,
        excerpt: markdown::excerpt(doc.body, EXCERPT),
        body_html: markdown::to_html(doc.body),
    };
    c.finish(letter)
}

fn parse_page(doc: &Document, path: &Path, config: &Config) -> std::result::Result<Page, Errors> {
    let raw: RawPage = frontmatter::parse(doc, path)?;
    let mut c = FileCheck::new(doc, path);
    let slug = c.slug(raw.slug.as_deref());
    if RESERVED.contains(&slug.as_str()) || slug == "index" {
        c.error(
            "title",
            format!("the page slug `{slug}` is taken by the site itself"),
            Some("rename the file or set another `slug:`".into()),
        );
    }
    let title = c.plain("title", raw.title);
    let notices = c.components("notices", raw.notices, config);
    let page = Page {
        slug,
        source: path.to_path_buf(),
        title,
        notices,
        body_html: markdown::to_html(doc.body),
    };
    c.finish(page)
}

fn parse_intro(text: &str, path: &Path) -> std::result::Result<Intro, Error> {
    let doc = frontmatter::split(text, path)?;
    let raw: RawIntro = if doc.yaml.trim().is_empty() {
        RawIntro { title: None }
    } else {
        frontmatter::parse(&doc, path)?
    };
    Ok(Intro {
        title: raw.title,
        body_html: markdown::to_html(doc.body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(
            "title='T'\nbase_url='https://x.test'\n[[components]]\nid='downloads'\nname='D'\n[[components]]\nid='licensing'\nname='L'\n",
            Path::new("site.toml"),
        )
        .unwrap()
    }

    fn incident(text: &str) -> std::result::Result<Incident, Errors> {
        let p = Path::new("content/incidents/x.md");
        let doc = frontmatter::split(text, p).map_err(Errors::from)?;
        parse_incident(&doc, p, &config())
    }

    const GOOD: &str = "---\ntitle: T\ndate: 2008-08-12T06:00:00Z\nseverity: critical\naffected: [licensing]\nupdates:\n  - at: 2008-08-12T06:30:00Z\n    status: investigating\n    message: We are *aware*.\n---\nBody\n";

    /// Incidents (slug, letter named) and letters (slug, incidents named).
    type Notes<'a> = (
        &'a [(&'a str, Option<&'a str>)],
        &'a [(&'a str, &'a [&'a str])],
    );

    /// Content of `notes`, with the incidents' briefs.
    fn linked((incidents, letters): Notes) -> (Content, Vec<Brief>) {
        let refer = |name: &str| Ref {
            name: name.into(),
            line: None,
        };
        let incidents: Vec<Arc<Incident>> = (incidents.iter())
            .map(|(slug, letter)| {
                let mut i = incident(GOOD).unwrap();
                i.slug = slug.to_string();
                i.source = PathBuf::from(format!("content/incidents/{slug}.md"));
                i.letter = letter.map(refer);
                Arc::new(i)
            })
            .collect();
        let briefs = (incidents.iter())
            .map(|i| Brief::of(&Ok(Item::Incident(Arc::clone(i)))))
            .collect();
        let letters = (letters.iter())
            .map(|(slug, about)| Letter {
                slug: slug.to_string(),
                source: PathBuf::from(format!("content/letters/{slug}.md")),
                title: "L".into(),
                date: DateTime::parse_from_rfc3339("2008-08-12T00:00:00Z").unwrap(),
                author: "A".into(),
                role: None,
                incidents: about.iter().map(|n| refer(n)).collect(),
                draft: false,
                excerpt: String::new(),
                body_html: String::new(),
            })
            .collect();
        let content = Content {
            incidents,
            letters,
            ..Content::default()
        };
        (content, briefs)
    }

    #[test]
    fn the_quick_check_passes_sound_content_and_leaves_every_fault_to_the_full_one() {
        let full = |c: &Content| {
            let mut errors = Errors::default();
            c.check_references(&HashMap::new(), &mut errors);
            errors.0.len()
        };
        let (sound, briefs) = linked((&[("a", None), ("b", Some("l"))], &[("l", &["a"])]));
        assert!(sound.plainly_sound(&briefs));
        assert_eq!(full(&sound), 0);
        let faults: [Notes; 4] = [
            (&[("a", None), ("a", None)], &[]),
            (&[("a", Some("m"))], &[("l", &[])]),
            (&[("a", None)], &[("l", &["z"])]),
            (&[("a", None)], &[("l", &[]), ("l", &[])]),
        ];
        for notes in faults {
            let (c, briefs) = linked(notes);
            assert!(!c.plainly_sound(&briefs), "{notes:?}");
            assert_eq!(full(&c), 1, "{notes:?}");
        }
    }

    #[test]
    fn every_slug_taken_twice_is_told_in_listing_order_naming_the_one_before() {
        let notes: Vec<(String, PathBuf)> = [
            ("b", "1.md"),
            ("a", "2.md"),
            ("b", "3.md"),
            ("c", "4.md"),
            ("a", "5.md"),
            ("b", "6.md"),
        ]
        .iter()
        .map(|(slug, file)| (slug.to_string(), PathBuf::from(file)))
        .collect();
        let mut errors = Errors::default();
        let slugs = check_unique(notes.iter().map(|(s, p)| (s, p)), "incident", &mut errors);
        let told: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
        assert_eq!(told.len(), 3, "{told:?}");
        let said = |k: usize, file: &str, text: &str| {
            assert!(
                told[k].starts_with(file) && told[k].contains(text),
                "{told:?}"
            );
        };
        said(0, "3.md", "`b`: 1.md has it too");
        said(1, "5.md", "`a`: 2.md has it too");
        said(2, "6.md", "`b`: 3.md has it too");
        assert_eq!(sorted(&slugs), ["a", "b", "c"]);
    }

    #[test]
    fn parses_a_good_incident() {
        let i = incident(GOOD).unwrap();
        assert_eq!(i.slug, "x");
        assert_eq!(i.severity, Severity::Critical);
        assert_eq!(i.updates[0].status, Status::Investigating);
        assert!(i.updates[0].message_html.contains("<em>aware</em>"));
        // A known component is never an error later: not located.
        assert_eq!(i.affected[0].line, None);
    }

    #[test]
    fn affected_as_a_list_takes_the_severity_and_as_a_map_its_own_impact() {
        let i = incident(GOOD).unwrap();
        assert_eq!(i.affected[0].impact, Impact::MajorOutage);
        let text = GOOD.replace(
            "affected: [licensing]\n",
            "affected:\n  licensing: degraded_performance\n  downloads: major_outage\n",
        );
        let i = incident(&text).unwrap();
        let got: Vec<(&str, Impact, Option<usize>)> = i
            .affected
            .iter()
            .map(|a| (a.name.as_str(), a.impact, a.line))
            .collect();
        assert_eq!(
            got,
            [
                ("licensing", Impact::DegradedPerformance, None),
                ("downloads", Impact::MajorOutage, None)
            ]
        );
        // Flow style too.
        let text = GOOD.replace("[licensing]", "{licensing: partial_outage}");
        assert_eq!(
            incident(&text).unwrap().affected[0].impact,
            Impact::PartialOutage
        );
        let text = GOOD.replace("[licensing]", "{licensing: major}");
        let e = incident(&text).unwrap_err().to_string();
        assert!(
            e.contains("x.md:5") && e.contains("not an impact") && e.contains("major_outage"),
            "{e}"
        );
        let text = GOOD.replace("[licensing]", "{licensng: major_outage}");
        let e = incident(&text).unwrap_err().to_string();
        assert!(e.contains("unknown component `licensng`"), "{e}");
    }

    #[test]
    fn unknown_component_and_severity_are_located_with_hints() {
        let text = GOOD
            .replace("[licensing]", "[licensng]")
            .replace("critical", "critcal");
        let e = incident(&text).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("x.md:4: `severity: critcal`"), "{s}");
        assert!(s.contains("did you mean `critical`"), "{s}");
        assert!(s.contains("x.md:5: unknown component `licensng`"), "{s}");
        assert!(s.contains("did you mean `licensing`"), "{s}");
    }

    #[test]
    fn out_of_order_updates_are_refused_equal_times_fine() {
        let text = GOOD.replace(
            "message: We are *aware*.\n",
            "message: a\n  - at: 2008-08-12T06:30:00Z\n    status: identified\n    message: b\n  - at: 2008-08-12T06:00:00Z\n    status: monitoring\n    message: c\n",
        );
        let e = incident(&text).unwrap_err();
        assert_eq!(e.len(), 1, "{e}");
        assert!(e.to_string().contains("earlier than the one before"), "{e}");
    }

    #[test]
    fn maintenance_needs_a_window_and_its_statuses() {
        let text = GOOD.replace("critical", "maintenance");
        let s = incident(&text).unwrap_err().to_string();
        assert!(s.contains("needs both `starts` and `ends`"), "{s}");
        assert!(
            s.contains("x.md:8: `updates[0].status: investigating` is not allowed"),
            "{s}"
        );
    }

    #[test]
    fn bad_slug_is_refused_not_sanitised() {
        let text = GOOD.replace("title: T\n", "title: T\nslug: ../../x\n");
        let s = incident(&text).unwrap_err().to_string();
        assert!(
            s.contains("x.md:3: the slug `../../x` is not of the form"),
            "{s}"
        );
    }

    #[test]
    fn times_need_an_offset() {
        let text = GOOD.replace("date: 2008-08-12T06:00:00Z", "date: 2008-08-12 06:00");
        let s = incident(&text).unwrap_err().to_string();
        assert!(s.contains("zone offset"), "{s}");
    }

    #[test]
    fn statuses_know_what_ends_them() {
        assert!(Status::Resolved.is_final());
        assert!(Status::Completed.is_final());
        assert!(!Status::Monitoring.is_final());
        assert_eq!(Status::parse("in_progress"), Some(Status::InProgress));
    }
}

/// Property tests of loading one content file: whatever its bytes, reading
/// and parsing it gives an item or located errors, never a panic.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn config() -> Config {
        Config::parse(
            "title='T'\nbase_url='https://x.test'\n[[components]]\nid='downloads'\nname='D'\n[[components]]\nid='licensing'\nname='L'\n",
            Path::new("site.toml"),
        )
        .unwrap()
    }

    /// Reads `bytes` as a file of every section, checking what comes back.
    fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("upfront-props-{}-{n}", std::process::id()));
        let path = root.join("content/incidents/note.md");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 2;
        let config = config();
        let mut result = Ok(());
        for section in Section::ALL {
            let parsed = Parsed::read(&root, section, &path, &config);
            match &parsed.item {
                Ok(Item::Incident(i)) => {
                    if !crate::vocab::slug::is_slug(&i.slug) {
                        result = Err(TestCaseError::fail(format!("slug {:?}", i.slug)));
                    }
                    if !i.updates.windows(2).all(|w| w[0].at <= w[1].at) {
                        result = Err(TestCaseError::fail("updates out of order"));
                    }
                }
                Ok(Item::Letter(l)) if !crate::vocab::slug::is_slug(&l.slug) => {
                    result = Err(TestCaseError::fail(format!("slug {:?}", l.slug)));
                }
                Ok(Item::Page(p)) if !crate::vocab::slug::is_slug(&p.slug) => {
                    result = Err(TestCaseError::fail(format!("slug {:?}", p.slug)));
                }
                Ok(_) => {}
                Err(errors) => {
                    if errors.is_empty() {
                        result = Err(TestCaseError::fail("an error list with no error"));
                    }
                    for e in errors.iter() {
                        if e.message.trim().is_empty() || e.file.is_none() {
                            result = Err(TestCaseError::fail(format!("unplaced error {e:?}")));
                        }
                        if e.line.is_some_and(|l| l == 0 || l > lines) {
                            result = Err(TestCaseError::fail(format!(
                                "line past the file ({lines} lines): {e:?}"
                            )));
                        }
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&root);
        result
    }

    /// Lines that are nearly a valid note: real keys with good, odd and
    /// wrong values, YAML's stranger features, broken indentation.
    fn line() -> impl Strategy<Value = String> {
        let keys = prop::sample::select(vec![
            "title",
            "date",
            "severity",
            "affected",
            "summary",
            "letter",
            "pinned",
            "draft",
            "slug",
            "updates",
            "starts",
            "ends",
            "author",
            "role",
            "incidents",
            "notices",
            "  at",
            "  status",
            "  message",
            "- at",
            "tilte",
            "\"title\"",
            "? title",
            "<<",
        ]);
        let values = prop::sample::select(vec![
            "",
            " Plain title",
            " \"quoted \\\" \\u00e9\"",
            " 'single ''quoted'''",
            " \"unterminated",
            " [licensing, downloads]",
            " [nope]",
            " [",
            " {a: 1}",
            " ~",
            " null",
            " 12345678901234567890123",
            " -1.5e300",
            " yes",
            " true",
            " 2008-08-12T06:00:00Z",
            " 2008-08-12T06:00:00",
            " 2008-13-45T99:99:99Z",
            " 2008-08-12T06:00:00+25:00",
            " minor",
            " maintenance",
            " resolved",
            " completed",
            " ../../x",
            " Bad Slug",
            " é",
            " &a [x, y]",
            " *a",
            " *undefined",
            " !!binary aGVsbG8=",
            " !custom x",
            " |\n  block\n  text",
            " >-\n   folded",
            " |0\n x",
            "\n  - at: 2008-08-12T06:30:00Z\n    status: investigating\n    message: m",
            "\n  - at: 2008-08-12T05:00:00Z\n    status: identified\n    message: earlier",
            "\n  - {at: 2008-08-12T07:00:00Z, status: monitoring, message: flow}",
            "\n  -\n  - ",
            "\n\t- tab",
            " [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            " %TAG ! tag:x,2000:",
            " \u{0}\u{7}\u{feff}\u{2028}",
            "\n---",
            "\n...",
        ]);
        (
            keys,
            prop::sample::select(vec![":", "", ": ", " :", "::"]),
            values,
        )
            .prop_map(|(k, sep, v)| format!("{k}{sep}{v}"))
    }

    fn near_note() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(vec![
                "---\n",
                "---\r\n",
                "\u{feff}---\n",
                "--- \n",
                "",
                "---",
            ]),
            prop::collection::vec(line(), 0..12),
            prop::sample::select(vec!["---\n", "---", "--- x\n", "", "...\n", "---\r\n"]),
            prop::sample::select(vec![
                "",
                "Body.\n",
                "# Heading\n\n<script>x</script>\n",
                "---\n",
            ]),
            any::<bool>(),
        )
            .prop_map(|(open, lines, close, body, crlf)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut s = open.to_string();
                for l in lines {
                    s.push_str(&l.replace('\n', eol));
                    s.push_str(eol);
                }
                s.push_str(close);
                s.push_str(body);
                s.into_bytes()
            })
    }

    /// A YAML alias bomb: each level doubles the last.
    fn bomb(levels: usize) -> Vec<u8> {
        let mut s = String::from("---\ntitle: x\na0: &a0 [lol, lol]\n");
        for i in 1..levels {
            let p = i - 1;
            s.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        s.push_str("---\n");
        s.into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn any_bytes_are_an_item_or_located_errors(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            check(&bytes)?;
        }

        #[test]
        fn any_text_after_a_fence_is_an_item_or_located_errors(text in "(?s).{0,300}") {
            check(format!("---\n{text}").as_bytes())?;
        }

        #[test]
        fn near_valid_notes_are_an_item_or_located_errors(bytes in near_note()) {
            check(&bytes)?;
        }

        #[test]
        fn alias_bombs_are_an_item_or_located_errors(levels in 1usize..12) {
            check(&bomb(levels))?;
        }
    }
}
