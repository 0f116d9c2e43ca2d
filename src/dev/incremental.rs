//! Watch mode's rebuilds: a changed path is classified, only what it touches
//! is read again, and only the pages that show it are rendered again. The
//! result is byte for byte what a full build of the same files gives
//! (tests/incremental.rs checks this over random edits).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::pipeline::build::{self, BuildOptions, Statics};
use crate::pipeline::output::Copy;
use crate::publish::outputs;
use crate::publish::pages::{self, Job, Stamping, ViewSettings};
use crate::publish::reads::{Changes, IncidentInputs, Input};
use crate::publish::{sitemap, Output};
use crate::site::model::{archive_pages, Entry, Places, Site};
use crate::source::config::{Config, FILE_NAME};
use crate::source::content::{Content, Incident, Parsed, Section};
use crate::source::templates::Templates;
use crate::source::walk::Folder;
use crate::vocab::error::{Errors, Result};
use crate::vocab::ids::fnv;
use crate::vocab::routes;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// What a changed path asks for, from the most work to the least.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// site.toml: everything is read again.
    Config,
    /// A file or folder of `layouts/`: templates are compiled again,
    /// nothing re-parsed.
    Templates,
    /// Anything under `static/`, or the folder itself: the list of copies
    /// is read again.
    Static,
    /// A folder under `content/` (or `content/` itself) was created,
    /// removed or renamed, or a file that is not a note: the notes are
    /// listed again, and every file whose bytes changed is parsed again.
    /// A folder moved in brings files that sent no event of their own.
    ContentTree,
    /// `content/index.md`: the homepage intro.
    Intro,
    /// A Markdown file of a content section.
    Content(Section, PathBuf),
    /// Nothing upfront reads: the output, editor files, hidden notes, other
    /// folders.
    Ignored,
}

/// Maps a path (absolute, or relative to `root`) to the work it needs. Pure:
/// it looks at the path only, never at the disk. Which files count is
/// `walk::Folder`'s rule, the one a clean build walks by.
pub fn classify(root: &Path, output: &Path, path: &Path) -> Change {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let out_rel = output.strip_prefix(root).unwrap_or(output);
    if !out_rel.as_os_str().is_empty() && rel.starts_with(out_rel) {
        return Change::Ignored;
    }
    let Some(rel) = rel.to_str() else {
        return Change::Ignored;
    };
    let rel = rel.replace('\\', "/");
    let (top, rest) = rel.split_once('/').unwrap_or((rel.as_str(), ""));
    let rest = rest.trim_end_matches('/');
    match top {
        FILE_NAME if rest.is_empty() => Change::Config,
        // The site's words (`i18n/<language>.toml`) are read with site.toml.
        crate::vocab::i18n::DIR if rest.is_empty() || is_words_file(rest) => Change::Config,
        "layouts" if rest.is_empty() || crate::source::templates::is_layout_file(rest) => {
            Change::Templates
        }
        "static" if rest.is_empty() || Folder::Static.reads(rest) => Change::Static,
        "content" if rest.is_empty() => Change::ContentTree,
        "content" if !Folder::Content.reads(rest) => Change::Ignored,
        "content" if rest == "index.md" => Change::Intro,
        "content" if rest.ends_with(".md") => {
            let dir = rest.split('/').next().unwrap_or("");
            match Section::ALL.iter().find(|s| s.dir() == dir) {
                Some(&s) if rest.contains('/') => Change::Content(s, root.join(rel.as_str())),
                _ => Change::Ignored,
            }
        }
        "content" => Change::ContentTree,
        _ => Change::Ignored,
    }
}

/// `<language>.toml` directly inside `i18n/`.
fn is_words_file(rest: &str) -> bool {
    !rest.contains('/') && !rest.starts_with('.') && rest.ends_with(".toml")
}

/// The paths of a batch that upfront reads, the others dropped. The output
/// folder is the running session's (none before a first good build: an
/// output inside a source folder is refused anyway).
pub fn relevant(root: &Path, session: Option<&Session>, paths: &[PathBuf]) -> Vec<PathBuf> {
    let out = session.map_or_else(PathBuf::new, |s| root.join(s.output_dir()));
    paths
        .iter()
        .filter(|p| classify(root, &out, p) != Change::Ignored)
        .cloned()
        .collect()
}

/// A page job and its output path.
type PagePath = (Job, Arc<str>);

/// What each page read of the site, by job.
type Reads = FxHashMap<Job, Box<[Input]>>;

/// Output paths and their bytes; shared by reference, so a snapshot of the
/// site costs no copy of its pages.
pub type Files = BTreeMap<Arc<str>, Arc<Vec<u8>>>;

/// The rendered site as watch mode keeps it: page bytes with placeholders
/// for the time and build id (`pages::Stamps` puts them in).
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub files: Arc<Files>,
    /// `static/` files by output path.
    pub copies: Vec<Copy>,
}

/// What one rebuild did, for the one-line report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub rendered: usize,
    pub removed: usize,
    pub reparsed: usize,
    pub full: bool,
    /// The list of `static/` files was read again (its files may differ
    /// even when no page does).
    pub statics: bool,
}

impl Report {
    /// Whether the rebuild can have changed nothing that is written or
    /// served: no page rendered, no file read, no static file looked at.
    pub fn is_noop(&self) -> bool {
        self.rendered == 0 && self.reparsed == 0 && !self.full && !self.statics
    }
}

/// Everything kept between rebuilds.
pub struct Session {
    opts: BuildOptions,
    config: Config,
    templates: Templates,
    statics: Statics,
    /// Every content file, in load order (section, then path).
    parsed: Vec<Parsed>,
    site: Site,
    /// A digest of each field of the `site` variable of the last render.
    shared: Vec<(String, u64)>,
    rendered: Rendered,
    /// The paths of the extras (status.json, the API…) in `rendered`: the
    /// next rebuild replaces them without a look at every path.
    extras: Vec<Arc<str>>,
    /// Changes of a batch that failed, applied again with the next one: a
    /// site.toml saved while a note is broken must not be forgotten once the
    /// note is fixed.
    pending: BTreeSet<Change>,
    /// The incidents' template values of the last render, by index into
    /// `site.incidents`: most survive an edit (`kept_views`), so a title
    /// edit does not build ten thousand of them again for the archive.
    views: pages::Views,
    /// The last built-in sitemap's lines, in `site`'s numbering: a new
    /// incident's sitemap copies the other 10,000 (`sitemap::Lines`).
    sitemap: Option<sitemap::Lines>,
    /// What each page of the last render read of the site
    /// (`publish::reads`), by its job in `site`'s numbering.
    reads: Reads,
    /// Every page job of the site with its output path: the same while no
    /// slug comes or goes, so an edit does not format 10,000 paths.
    pages: Arc<[(Job, Arc<str>)]>,
}

impl Session {
    /// Reads and renders the whole site once.
    pub fn start(opts: BuildOptions) -> Result<Session> {
        let config = build::load_config(&opts)?;
        let mut errors = Errors::default();
        let parsed = read_all(&opts.root, &config, &mut errors);
        let templates = Templates::load(&opts.root)
            .map_err(|e| errors.extend(e))
            .ok();
        let statics = Statics::load(&opts.root, &config)
            .map_err(|e| errors.extend(e))
            .ok();
        let content = Content::assemble(&opts.root, &parsed, opts.drafts, Errors::default())
            .map_err(|e| errors.extend(e))
            .ok();
        let (Some(templates), Some(statics), Some(content)) = (templates, statics, content) else {
            return Err(errors.sorted());
        };
        errors.into_result(())?;
        let site = Site::new(
            config.clone(),
            content,
            opts.now(),
            statics.digest_with(&templates),
        );
        let mut session = Session {
            shared: pages::site_field_digests(&site, &templates),
            opts,
            config,
            templates,
            statics,
            parsed,
            site,
            rendered: Rendered::default(),
            extras: Vec::new(),
            pending: BTreeSet::new(),
            views: pages::Views::new(),
            sitemap: None,
            reads: FxHashMap::default(),
            pages: Arc::from([]),
        };
        session.render_all()?;
        Ok(session)
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    pub fn rendered(&self) -> &Rendered {
        &self.rendered
    }

    pub fn output_dir(&self) -> PathBuf {
        self.opts
            .output
            .clone()
            .unwrap_or_else(|| self.config.output_dir.clone())
    }

    /// Applies a batch of changed paths. On an error nothing kept changes
    /// but the parsed files, and the batch's other changes wait for the
    /// next one, so the next good save recovers from there.
    pub fn apply(&mut self, paths: &[PathBuf]) -> Result<Report> {
        let out = self.opts.root.join(self.output_dir());
        let mut changes = std::mem::take(&mut self.pending);
        changes.extend(
            paths
                .iter()
                .map(|p| classify(&self.opts.root, &out, p))
                .filter(|c| *c != Change::Ignored),
        );
        let result = self.apply_changes(&changes);
        if result.is_err() {
            // Content changes are in `parsed` already; the rest are redone.
            self.pending = changes
                .into_iter()
                .filter(|c| !matches!(c, Change::Content(..) | Change::Intro))
                .collect();
        }
        result
    }

    fn apply_changes(&mut self, changes: &BTreeSet<Change>) -> Result<Report> {
        if changes.contains(&Change::Config) {
            *self = Session::start(self.opts.clone())?;
            return Ok(Report {
                rendered: self.rendered.files.len(),
                full: true,
                statics: true,
                ..Report::default()
            });
        }
        let mut reload_all = false;
        if changes.contains(&Change::Templates) {
            self.templates = Templates::load(&self.opts.root)?;
            reload_all = true;
        }
        let statics = changes.contains(&Change::Static);
        if statics {
            self.statics = Statics::load(&self.opts.root, &self.config)?;
        }
        let mut reparsed = 0;
        if changes.contains(&Change::ContentTree) {
            reparsed += self.rescan()?;
        }
        for change in changes {
            if let Change::Content(section, path) = change {
                self.reparse(*section, path);
                reparsed += 1;
            }
        }
        let content = Content::assemble(
            &self.opts.root,
            &self.parsed,
            self.opts.drafts,
            Errors::default(),
        )?;
        // Made from the last model: unchanged notes keep what was found of
        // them (`Site::next`).
        let (site, places) = self.site.next(
            self.config.clone(),
            content,
            self.opts.now(),
            self.statics.digest_with(&self.templates),
        );
        let shared = pages::site_field_digests(&site, &self.templates);
        let jobs = if reload_all {
            None
        } else {
            let same = same_shape(&self.site, &site, &places);
            let skip = outputs::Skip {
                calendar: same_maintenance(&self.site, &site),
                // `_headers` names every output path: the same pages and
                // static files give the same rules.
                headers: same && !changes.contains(&Change::Static),
            };
            if !same {
                let reads = std::mem::take(&mut self.reads);
                self.reads = carry_reads(reads, &self.site, &site, &places);
            }
            // The new pages' paths, and which pages to render: on both cores.
            let (pages, mut jobs) = rayon::join(
                || {
                    if same {
                        self.pages.clone()
                    } else {
                        page_paths(&site, Some((&self.pages, &places)))
                    }
                },
                || self.reading_changes(&site, &places),
            );
            let gone = if same {
                Vec::new()
            } else {
                gone_paths(&self.pages, &pages, &places)
            };
            jobs.extend(showing_changed_site_fields(
                &self.shared,
                &shared,
                &site,
                &self.templates,
            ));
            let kept = pages::Kept {
                views: kept_views(&self.site, &mut self.views, &site, &places),
                sitemap: self.kept_sitemap(&jobs, &site, &places),
            };
            Some((jobs, (same, gone), skip, kept, pages))
        };
        let old = std::mem::replace(&mut self.site, site);
        let report = match jobs {
            None => self.render_all(),
            Some((jobs, shape, skip, kept, pages)) => {
                self.render_some(jobs, shape, skip, kept, pages)
            }
        };
        match report {
            Ok(mut r) => {
                self.shared = shared;
                r.reparsed = reparsed;
                r.statics = statics;
                // Dropping the last model (10,000 notes' references, its
                // maps) is work nobody waits for: done on a free core.
                rayon::spawn(move || drop(old));
                Ok(r)
            }
            Err(e) => {
                self.site = old;
                Err(e)
            }
        }
    }

    /// Lists the notes again, as a clean build would, and reads every file
    /// that is new or whose bytes changed; the others keep their parse.
    /// Returns how many files were parsed.
    fn rescan(&mut self) -> Result<usize> {
        let mut errors = Errors::default();
        let files = crate::source::content::list_files(&self.opts.root, &mut errors);
        errors.into_result(())?;
        let mut old: HashMap<(Section, PathBuf), Parsed> = std::mem::take(&mut self.parsed)
            .into_iter()
            .map(|p| ((p.section, p.path.clone()), p))
            .collect();
        let (root, config) = (&self.opts.root, &self.config);
        // Parsed again: files that are new or whose bytes changed.
        let fresh: Vec<Option<Parsed>> = files
            .par_iter()
            .map(|(section, path)| {
                let same = old.get(&(*section, path.clone())).is_some_and(|p| {
                    p.hash != 0 && std::fs::read(path).is_ok_and(|b| fnv(&b) == p.hash)
                });
                (!same).then(|| Parsed::read(root, *section, path, config))
            })
            .collect();
        let read = fresh.iter().filter(|p| p.is_some()).count();
        self.parsed = files
            .into_iter()
            .zip(fresh)
            .filter_map(|(key, fresh)| fresh.or_else(|| old.remove(&key)))
            .collect();
        Ok(read)
    }

    /// Reads one content file again (or forgets it when it is gone).
    fn reparse(&mut self, section: Section, path: &Path) {
        let at = self
            .parsed
            .binary_search_by(|p| (p.section, p.path.as_path()).cmp(&(section, path)));
        if !path.is_file() {
            if let Ok(i) = at {
                self.parsed.remove(i);
            }
            return;
        }
        // A file saved while watching is checked like one found by a walk.
        let fresh = match crate::source::walk::check_inside(&self.opts.root, path) {
            Ok(()) => Parsed::read(&self.opts.root, section, path, &self.config),
            Err(e) => Parsed::failed(section, path, e.into()),
        };
        match at {
            Ok(i) => self.parsed[i] = fresh,
            Err(i) => self.parsed.insert(i, fresh),
        }
    }

    /// What the sitemap of `new` can copy from the last one, when it is
    /// rendered again. When it is not, its lines stay only if every
    /// incident kept its place (they are numbered as `self.site`'s).
    fn kept_sitemap(
        &mut self,
        jobs: &BTreeSet<Job>,
        new: &Site,
        places: &Places,
    ) -> Option<sitemap::Reuse> {
        if jobs.contains(&Job::Sitemap) {
            let lines = self.sitemap.take()?;
            return Some(lines.reuse(&self.site, new, places));
        }
        if !places.in_place() {
            self.sitemap = None;
        }
        None
    }

    fn render_all(&mut self) -> Result<Report> {
        let all = page_paths(&self.site, None);
        let jobs: Vec<Job> = all.iter().map(|(job, _)| *job).collect();
        let skip = outputs::Skip::default();
        let (rendered, extras) = rayon::join(
            || {
                let kept = pages::Kept::default();
                pages::render_jobs_with(&self.site, &self.templates, &jobs, PLACEHOLDERS, kept)
            },
            || self.extras(skip, &all),
        );
        let rendered = rendered?;
        let mut reads = Reads::default();
        let mut files = Files::new();
        for (job, (o, read)) in jobs.iter().zip(rendered.pages) {
            files.insert(Arc::from(o.path), Arc::new(o.bytes));
            reads.insert(*job, read);
        }
        let sitemap = sitemap_lines(&files, rendered.sitemap);
        let report = self.finish(files, extras, reads.len(), true, skip)?;
        self.views = rendered.views;
        self.sitemap = sitemap;
        self.reads = reads;
        self.pages = all;
        Ok(report)
    }

    /// The pages of `new` that read something that differs from the
    /// current site, and the pages not rendered yet (`self.reads` is in
    /// `new`'s numbering by now).
    fn reading_changes(&self, new: &Site, places: &Places) -> BTreeSet<Job> {
        let old = &self.site;
        let same_summary = |i: usize, j: usize| {
            let built = self.views.get(i).and_then(|v| v.get());
            let before = built
                .cloned()
                .unwrap_or_else(|| pages::summary_value(old, i));
            before == pages::summary_value(new, j)
        };
        let changes = Changes::between(old, new, places, same_summary);
        (pages::all_jobs(new).into_iter())
            .filter(|job| self.reads.get(job).is_none_or(|r| changes.touch(r)))
            .collect()
    }

    /// Renders `jobs` and drops the pages that are gone (`shape`: whether
    /// the list of pages is the same, and the paths no longer in it).
    fn render_some(
        &mut self,
        jobs: BTreeSet<Job>,
        shape: (bool, Vec<Arc<str>>),
        skip: outputs::Skip,
        kept: pages::Kept,
        all: Arc<[PagePath]>,
    ) -> Result<Report> {
        let (same_shape, gone) = shape;
        let jobs: Vec<Job> = jobs.into_iter().collect();
        // The extras (status.json, the API, `_headers`…) and the copy of the
        // kept files need no page: made beside the pages, on whichever core
        // is free.
        let (rendered, (extras, (mut files, removed))) = rayon::join(
            || pages::render_jobs_with(&self.site, &self.templates, &jobs, PLACEHOLDERS, kept),
            || {
                let mut files = (*self.rendered.files).clone();
                let removed = gone.iter().filter(|p| files.remove(*p).is_some()).count();
                (self.extras(skip, &all), (files, removed))
            },
        );
        // On an error the last good site stays, and the reads must be in its
        // numbering: kept where the numbering is the same, else forgotten
        // (the next good rebuild then renders every page).
        let forget = |reads: &mut Reads| {
            if !same_shape {
                reads.clear();
            }
        };
        let rendered = match rendered {
            Ok(r) => r,
            Err(e) => {
                forget(&mut self.reads);
                return Err(e);
            }
        };
        let mut fresh = Vec::with_capacity(rendered.pages.len());
        for (job, (o, read)) in jobs.iter().zip(rendered.pages) {
            files.insert(Arc::from(o.path), Arc::new(o.bytes));
            self.reads.insert(*job, read);
            fresh.push(*job);
        }
        let sitemap = sitemap_lines(&files, rendered.sitemap);
        let mut report = match self.finish(files, extras, jobs.len(), false, skip) {
            Ok(report) => report,
            Err(e) => {
                // The kept bytes are the last good render's, not these: a
                // page rendered here is rendered again next time.
                for job in fresh {
                    self.reads.remove(&job);
                }
                forget(&mut self.reads);
                return Err(e);
            }
        };
        self.views = rendered.views;
        if sitemap.is_some() {
            self.sitemap = sitemap;
        }
        self.pages = all;
        report.removed = removed;
        Ok(report)
    }

    /// status.json, the stylesheet and the other extras, but the ones
    /// `skip` keeps from the last rebuild.
    fn extras(&self, skip: outputs::Skip, pages: &[(Job, Arc<str>)]) -> Vec<Output> {
        let statics: Vec<&str> = self
            .statics
            .copies
            .iter()
            .map(|c| c.path.as_str())
            .collect();
        let pages: Vec<&str> = pages.iter().map(|(_, path)| &**path).collect();
        let paths = outputs::Paths {
            pages: &pages,
            statics: &statics,
        };
        outputs::extras_except(&self.site, &self.templates, &paths, skip)
    }

    /// Puts the `extras` in (the kept ones stay), checks static collisions
    /// and keeps the result.
    fn finish(
        &mut self,
        mut files: Files,
        extras: Vec<Output>,
        rendered: usize,
        full: bool,
        skip: outputs::Skip,
    ) -> Result<Report> {
        let kept = |p: &str| {
            (skip.calendar && p == crate::publish::reach::CALENDAR)
                || (skip.headers && p == outputs::HEADERS)
        };
        let (mut paths, gone): (Vec<Arc<str>>, Vec<Arc<str>>) =
            self.extras.iter().cloned().partition(|p| kept(p));
        for p in gone {
            files.remove(&p);
        }
        for o in extras {
            let path: Arc<str> = Arc::from(o.path);
            paths.push(Arc::clone(&path));
            files.insert(path, Arc::new(o.bytes));
        }
        build::check_collisions(|p| files.contains_key(p), &self.statics.copies)?;
        self.extras = paths;
        self.rendered = Rendered {
            files: Arc::new(files),
            copies: self.statics.copies.clone(),
        };
        Ok(Report {
            rendered,
            full,
            ..Report::default()
        })
    }

    /// The whole site with real stamps, as `build` would write it.
    pub fn outputs(&self) -> Vec<Output> {
        let stamps = pages::Stamps::of(&self.site);
        self.rendered
            .files
            .iter()
            .map(|(path, bytes)| Output {
                path: path.to_string(),
                bytes: stamps.fill(bytes),
            })
            .collect()
    }
}

const PLACEHOLDERS: Stamping = Stamping::Placeholders;

/// Every page job of a site with its output path.
/// Every page job of `site` with its output path. An incident's path is
/// made from its slug: where `before` (the last render's pages, and where
/// each incident was in it) has it, its path is kept rather than formatted
/// again, since one new incident moves all 10,000 to another index.
fn page_paths(site: &Site, before: Option<(&[PagePath], &Places)>) -> Arc<[PagePath]> {
    let kept: Vec<&Arc<str>> = before.map_or_else(Vec::new, |(pages, _)| {
        let incidents = pages
            .iter()
            .filter(|(job, _)| matches!(job, Job::Incident(_)));
        incidents.map(|(_, path)| path).collect()
    });
    let places = before.map(|(_, places)| places);
    pages::all_jobs(site)
        .into_iter()
        .map(|job| {
            let known = match job {
                Job::Incident(j) => places.and_then(|p| p.was(j)).and_then(|i| kept.get(i)),
                _ => None,
            };
            let path = match known {
                Some(path) => Arc::clone(path),
                None => Arc::from(pages::job_path(site, &job)),
            };
            (job, path)
        })
        .collect()
}

fn read_all(root: &Path, config: &Config, errors: &mut Errors) -> Vec<Parsed> {
    use rayon::prelude::*;
    let files = crate::source::content::list_files(root, errors);
    files
        .par_iter()
        .map(|(section, path)| Parsed::read(root, *section, path, config))
        .collect()
}

/// The pages whose template reads a field of `site` that differs between
/// two renders (a component's status when an incident opens shows on the
/// pages that show component statuses, and on no other).
fn showing_changed_site_fields(
    old: &[(String, u64)],
    new: &[(String, u64)],
    site: &Site,
    templates: &Templates,
) -> Vec<Job> {
    let changed: Vec<&str> = new
        .iter()
        .filter(|field| !old.contains(field))
        .chain(
            old.iter()
                .filter(|field| !new.iter().any(|n| n.0 == field.0)),
        )
        .map(|(name, _)| name.as_str())
        .collect();
    if changed.is_empty() {
        return Vec::new();
    }
    // A page template or two for 10,000 pages: a short list, not a map.
    let mut reads: Vec<(&str, bool)> = Vec::new();
    pages::all_jobs(site)
        .into_iter()
        .filter(|job| {
            let template = pages::job_template(job);
            if let Some(&(_, shows)) = reads.iter().find(|(t, _)| *t == template) {
                return shows;
            }
            let r = templates.site_reads(template);
            let shows = changed.iter().any(|f| r.reads(f));
            reads.push((template, shows));
            shows
        })
        .collect()
}

/// Whether two models have the same incidents, letters and pages by slug,
/// in the same order.
fn same_shape(a: &Site, b: &Site, places: &Places) -> bool {
    places.in_place()
        && same_slugs(&a.letters, &b.letters, |l| &l.slug)
        && same_slugs(&a.pages, &b.pages, |p| &p.slug)
}

/// Whether two lists have the same slugs in the same order.
fn same_slugs<T>(a: &[T], b: &[T], slug: impl Fn(&T) -> &str) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| slug(x) == slug(y))
}

/// The reads of `old`'s pages under the jobs of `new`, which numbers
/// incidents anew when one comes or goes: an incident's page follows its
/// incident (`places`). Reads of pages that are gone are dropped, and so
/// are all letters' (pages') reads when a letter (page) came or went:
/// they are few, and rendered again.
fn carry_reads(reads: Reads, old: &Site, new: &Site, places: &Places) -> Reads {
    let letters = same_slugs(&old.letters, &new.letters, |l| &l.slug);
    let pages = same_slugs(&old.pages, &new.pages, |p| &p.slug);
    let archive = archive_pages(new.incidents.len());
    (reads.into_iter())
        .filter_map(|(job, read)| {
            let job = match job {
                Job::Incident(i) => Job::Incident(places.now(i)?),
                Job::Letter(_) if !letters => return None,
                Job::Page(_) if !pages => return None,
                Job::Archive(n) if n >= archive => return None,
                job => job,
            };
            Some((job, read))
        })
        .collect()
}

/// The paths of `old` pages that `new` has no more: incidents' by
/// `places`, the few others by path.
fn gone_paths(old: &[PagePath], new: &[PagePath], places: &Places) -> Vec<Arc<str>> {
    let others: FxHashSet<&str> = (new.iter())
        .filter(|(job, _)| !matches!(job, Job::Incident(_)))
        .map(|(_, path)| &**path)
        .collect();
    (old.iter())
        .filter(|(job, path)| match job {
            Job::Incident(i) => places.now(*i).is_none(),
            _ => !others.contains(&**path),
        })
        .map(|(_, path)| Arc::clone(path))
        .collect()
}

/// The lines of the built-in sitemap just rendered (`spans`) into `files`.
fn sitemap_lines(files: &Files, spans: Option<sitemap::Spans>) -> Option<sitemap::Lines> {
    let bytes = files.get(&*routes::file(routes::SITEMAP))?;
    Some(sitemap::Lines::new(Arc::clone(bytes), spans?))
}

/// The views of `old` that `new` can keep, by index into `new.incidents`:
/// those whose inputs (`reads::IncidentInputs`, all a view is built from)
/// and settings are the same. They are moved out of `views`, not copied:
/// a cell left empty there is only built again if a page needs it.
fn kept_views(old: &Site, views: &mut pages::Views, new: &Site, places: &Places) -> pages::Views {
    let same_settings = ViewSettings::of(old) == ViewSettings::of(new);
    (places.of().iter().enumerate())
        .map(|(j, &i)| {
            let kept = i.filter(|&i| {
                same_settings && IncidentInputs::of(old, i) == IncidentInputs::of(new, j)
            });
            kept.and_then(|i| views.get_mut(i)?.take())
                .map_or_else(std::sync::OnceLock::new, std::sync::OnceLock::from)
        })
        .collect()
}

/// Whether the maintenance windows (all that `maintenance.ics` shows) are
/// the same notes, but their bodies, with the same facts, in the same order.
fn same_maintenance(a: &Site, b: &Site) -> bool {
    a.windows.len() == b.windows.len()
        && a.window_entries()
            .zip(b.window_entries())
            .all(|(x, y)| x.same(y) || same_but_body(x, y))
}

/// Two entries that differ in their body only (facts included).
fn same_but_body(a: &Entry, b: &Entry) -> bool {
    let strip = |i: &Incident| Incident {
        body_html: String::new(),
        ..i.clone()
    };
    a.facts == b.facts && strip(&a.incident) == strip(&b.incident)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(path: &str) -> Change {
        classify(Path::new("/s"), Path::new("/s/public"), Path::new(path))
    }

    #[test]
    fn every_kind_of_path_is_classified() {
        assert_eq!(c("/s/site.toml"), Change::Config);
        assert_eq!(c("/s/i18n/de.toml"), Change::Config);
        assert_eq!(c("/s/i18n/notes.txt"), Change::Ignored);
        assert_eq!(c("/s/layouts/index.html"), Change::Templates);
        assert_eq!(c("/s/layouts/partials/x.html"), Change::Templates);
        assert_eq!(c("/s/static/img/logo.png"), Change::Static);
        assert_eq!(c("/s/content/index.md"), Change::Intro);
        assert_eq!(
            c("/s/content/incidents/a.md"),
            Change::Content(Section::Incidents, "/s/content/incidents/a.md".into())
        );
        assert_eq!(
            c("/s/content/letters/l.md"),
            Change::Content(Section::Letters, "/s/content/letters/l.md".into())
        );
        assert_eq!(
            c("/s/content/pages/p.md"),
            Change::Content(Section::Pages, "/s/content/pages/p.md".into())
        );
    }

    #[test]
    fn editor_files_output_and_strangers_are_ignored() {
        for p in [
            "/s/content/incidents/.a.md.swp",
            "/s/content/incidents/a.md~",
            "/s/content/incidents/.#a.md",
            "/s/content/incidents/4913",
            "/s/content/other/a.md",
            "/s/content/a.md",
            "/s/content/incidents/.archive/x.md",
            "/s/content/incidents/.archive",
            "/s/layouts/.hidden.html",
            "/s/layouts/README.md",
            "/s/static/.style.css.swp",
            "/s/public/index.html",
            "/s/.git/index",
            "/s/README.md",
            "/elsewhere/site.toml",
        ] {
            assert_eq!(c(p), Change::Ignored, "{p}");
        }
    }

    #[test]
    fn folders_and_roots_ask_for_a_fresh_look() {
        for p in [
            "/s/content",
            "/s/content/incidents",
            "/s/content/incidents/2024",
            "/s/content/incidents/notes.txt",
        ] {
            assert_eq!(c(p), Change::ContentTree, "{p}");
        }
        assert_eq!(c("/s/static"), Change::Static);
        assert_eq!(c("/s/static/.well-known/security.txt"), Change::Static);
        assert_eq!(c("/s/layouts"), Change::Templates);
        assert_eq!(c("/s/layouts/partials"), Change::Templates);
        assert_eq!(
            c("/s/content/incidents/2024/a.md"),
            Change::Content(Section::Incidents, "/s/content/incidents/2024/a.md".into())
        );
    }

    #[test]
    fn relative_paths_work_too() {
        assert_eq!(
            classify(Path::new("/s"), Path::new("public"), Path::new("site.toml")),
            Change::Config
        );
    }
}
