//! The incident loop from the command line: `new incident|letter|page`,
//! `update`, `resolve`, `edit` and `publish`.
//!
//! Every command that writes a note holds the site's edit lock from the
//! moment it looks the note up until the new file is in place, and reads the
//! note under it, so two commands at once apply both edits (one waits) and
//! never lose one. Notes are found by the parser: the slug a note declares,
//! else its file name, in any subfolder. Edits are made by
//! `frontmatter::edit`, which keeps every other byte; each edit is parsed
//! again with the real parser before it is written, and written whole by
//! `atomic`, so a note is never left half-written or invalid.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, SubsecRound, TimeZone, Utc};

use crate::author::slugs::{note_slug, Slugs};
use crate::source::config::Config;
use crate::source::content::{self, parse_item, Item, Section};
use crate::source::frontmatter::edit::{self, insert_update, quote, stamp, update_entry};
use crate::source::markdown;
use crate::vocab::choice::{Choice, Impact, Severity, Status};
use crate::vocab::error::{choice_hint, closest, Error, Errors, Result};
use crate::vocab::slug::{is_slug, slugify};
use crate::vocab::times::Time;

/// A file written by a command, and the URL it will have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub url: String,
}

/// A time given on the command line: exact (RFC 3339), or a wall-clock
/// time (`YYYY-MM-DD HH:MM`) in the site's timezone, which only the
/// site's config can turn into an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Exact(Time),
    Local(NaiveDateTime),
}

/// The form `--at` and its siblings take, for clap.
pub fn parse_at(s: &str) -> std::result::Result<At, String> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(At::Exact(t));
    }
    for format in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(At::Local(t));
        }
    }
    Err(format!(
        "`{s}` is not a time; write `2026-12-02 16:00` (in the site's timezone) or `2026-12-02T16:00:00Z` (RFC 3339, with an offset)"
    ))
}

impl At {
    /// The instant, reading a wall-clock time in the site's timezone.
    pub fn resolve(self, config: &Config) -> std::result::Result<Time, Error> {
        match self {
            At::Exact(t) => Ok(t),
            At::Local(local) => {
                let tz = config.timezone;
                // In the hour repeated when clocks go back, the first one,
                // as a person reading a clock would mean it the first time.
                let t = tz.from_local_datetime(&local).earliest().ok_or_else(|| {
                    Error::new(format!(
                        "{} does not exist in {} (the clocks skip it)",
                        local.format("%Y-%m-%d %H:%M"),
                        tz.name()
                    ))
                    .hint("pick a time after the change, or give an offset: 2026-03-29T02:30:00+01:00")
                })?;
                Ok(t.fixed_offset())
            }
        }
    }
}

fn resolve_at(at: Option<At>, config: &Config) -> Result<Option<Time>> {
    Ok(at.map(|a| a.resolve(config)).transpose()?)
}

/// The site's edit lock: held by every command that writes a note, so their
/// read-modify-write steps never interleave. It is an OS file lock on the
/// site's root folder itself (on Unix; elsewhere on `.upfront/lock`):
/// nothing is written for it, and it is released when the process ends,
/// however it ends, so a killed command never leaves a stale lock.
pub struct EditLock {
    _file: File,
}

/// How long a command waits for another one's edit before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

impl EditLock {
    pub fn take(root: &Path) -> Result<EditLock> {
        let (file, path) = Self::open(root)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(EditLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::new(format!(
                        "another upfront command has been editing this site for {} s; nothing was changed",
                        LOCK_WAIT.as_secs()
                    ))
                    .hint("wait for it to finish and run this again")
                    .into())
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(&path, "take the edit lock", &e).into())
                }
            }
        }
    }

    #[cfg(unix)]
    fn open(root: &Path) -> Result<(File, PathBuf)> {
        let file = File::open(root).map_err(|e| Error::io(root, "open the site root", &e))?;
        Ok((file, root.to_path_buf()))
    }

    #[cfg(not(unix))]
    fn open(root: &Path) -> Result<(File, PathBuf)> {
        let dir = root.join(".upfront");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create the folder", &e))?;
        let path = dir.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "open the edit lock", &e))?;
        Ok((file, path))
    }
}

/// `upfront new incident`.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    pub slug: Option<String>,
    pub severity: String,
    pub affects: Vec<String>,
    pub message: Option<String>,
    pub summary: Option<String>,
    pub at: Option<At>,
    pub starts: Option<At>,
    pub ends: Option<At>,
}

pub fn new_incident(root: &Path, config: &Config, n: &NewIncident) -> Result<Written> {
    let severity = parse_severity(&n.severity)?;
    check_components(config, &n.affects)?;
    let at = resolve_at(n.at, config)?.unwrap_or_else(now);
    let mut text = format!(
        "---\ntitle: {}\ndate: {}\nseverity: {}\naffected: [{}]\n",
        quote(&n.title),
        stamp(at),
        severity.name(),
        n.affects.join(", ")
    );
    if let Some(s) = &n.summary {
        text.push_str(&format!("summary: {}\n", quote(s)));
    }
    let first = if severity == Severity::Maintenance {
        let (Some(starts), Some(ends)) =
            (resolve_at(n.starts, config)?, resolve_at(n.ends, config)?)
        else {
            return Err(Error::new("a maintenance needs its window")
                .hint("pass --starts TIME and --ends TIME (`2026-12-02 16:00` or RFC 3339)")
                .into());
        };
        text.push_str(&format!(
            "starts: {}\nends: {}\n",
            stamp(starts),
            stamp(ends)
        ));
        Status::Scheduled
    } else {
        Status::Investigating
    };
    // A maintenance opens with "Scheduled maintenance", an incident with
    // "We are investigating.", in the site's language.
    let message = n
        .message
        .clone()
        .unwrap_or_else(|| config.words.default_message(first).to_string());
    text.push_str("updates:\n");
    text.push_str(&update_entry("  ", at, first, &message, "\n"));
    text.push_str("---\n");
    create(
        root,
        config,
        Section::Incidents,
        &n.title,
        n.slug.as_deref(),
        at,
        &text,
    )
}

/// `upfront new letter`: written as a draft, so a letter is never public
/// before its author says so (`upfront publish`).
#[derive(Debug, Clone, Default)]
pub struct NewLetter {
    pub title: String,
    pub slug: Option<String>,
    pub author: String,
    pub role: Option<String>,
    pub incident: Option<String>,
}

pub fn new_letter(root: &Path, config: &Config, n: &NewLetter) -> Result<Written> {
    let date = now();
    let mut text = format!(
        "---\ntitle: {}\ndate: {}\nauthor: {}\n",
        quote(&n.title),
        stamp(date),
        quote(&n.author)
    );
    if let Some(r) = &n.role {
        text.push_str(&format!("role: {}\n", quote(r)));
    }
    if let Some(slug) = &n.incident {
        text.push_str(&format!("incidents: [{slug}]\n"));
    }
    text.push_str(
        "draft: true   # publish with `upfront publish SLUG` (or delete this line)\n---\n",
    );
    text.push_str(
        "Write the letter here, in Markdown. The signature is added from author and role.\n",
    );
    let _lock = EditLock::take(root)?;
    if let Some(slug) = &n.incident {
        find_note(root, Section::Incidents, slug)?;
    }
    create_locked(
        root,
        config,
        Section::Letters,
        &n.title,
        n.slug.as_deref(),
        date,
        &text,
    )
}

/// `upfront new page`.
pub fn new_page(root: &Path, config: &Config, name: &str, slug: Option<&str>) -> Result<Written> {
    let text = format!(
        "---\ntitle: {}\nnotices: []   # component ids whose active incidents put a Special Notice here\n---\n",
        quote(name)
    );
    create(root, config, Section::Pages, name, slug, now(), &text)
}

fn create(
    root: &Path,
    config: &Config,
    section: Section,
    title: &str,
    slug: Option<&str>,
    date: Time,
    text: &str,
) -> Result<Written> {
    let _lock = EditLock::take(root)?;
    create_locked(root, config, section, title, slug, date, text)
}

/// Writes a new note under a slug no other note of its section has, by file
/// name or by a declared `slug:`. A slug given with `--slug` is taken as it
/// is or refused; one made from the title gets `-2`, `-3`... when taken. A
/// title with no ASCII letters or digits (Japanese, Russian) gives
/// `<kind>-<date>`, since slugs are `[a-z0-9-]+` (SPEC §8); one with no
/// letters or digits at all is refused.
fn create_locked(
    root: &Path,
    config: &Config,
    section: Section,
    title: &str,
    slug: Option<&str>,
    date: Time,
    text: &str,
) -> Result<Written> {
    let dir = section.folder(root);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create the folder", &e))?;
    if let Some(s) = slug {
        if !is_slug(s) {
            let hint = match slugify(s) {
                g if g.is_empty() => "use only a-z, 0-9 and -".to_string(),
                g => format!("use only a-z, 0-9 and -, e.g. `--slug {g}`"),
            };
            return Err(Error::new(format!("`{s}` is not a slug")).hint(hint).into());
        }
    }
    let base = match slug {
        Some(s) => s.to_string(),
        None => match slugify(title) {
            s if s.is_empty() && !title.chars().any(char::is_alphanumeric) => {
                return Err(
                    Error::new(format!("the title `{title}` gives an empty slug"))
                        .hint("use a title with letters or digits, or pass --slug")
                        .into(),
                )
            }
            s if s.is_empty() => format!(
                "{}-{}",
                section_kind(section),
                date.with_timezone(&config.timezone).format("%Y-%m-%d")
            ),
            s => s,
        },
    };
    let notes = Slugs::around(root, section, &base);
    let display = content::display_path(root, &dir.join(format!("{base}.md")));
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        n += 1;
        let path = dir.join(format!("{candidate}.md"));
        let taken = notes.find(&candidate).map(Path::to_path_buf);
        if slug.is_some() {
            if let Some(other) = &taken {
                return Err(Error::new(format!(
                    "the slug `{candidate}` is taken: {} has it",
                    content::display_path(root, other).display()
                ))
                .hint("choose another --slug")
                .into());
            }
        }
        if taken.is_some() || std::fs::symlink_metadata(&path).is_ok() {
            if slug.is_some() {
                return Err(Error::new(format!(
                    "{} already exists",
                    content::display_path(root, &path).display()
                ))
                .hint("choose another --slug")
                .into());
            }
            continue;
        }
        let shown = content::display_path(root, &path);
        parse_item(section, text, &shown, config)?;
        match crate::vocab::atomic::create_new(&path, text.as_bytes()) {
            Ok(()) => {}
            // Made by hand a moment ago: never replaced; try the next name.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && slug.is_none() => continue,
            Err(e) => return Err(Error::io(&display, "write", &e).into()),
        }
        return Ok(Written {
            path: shown,
            url: config.absolute(&note_url(section, &candidate)),
        });
    }
}

fn section_kind(section: Section) -> &'static str {
    match section {
        Section::Incidents => "incident",
        Section::Letters => "letter",
        Section::Pages => "page",
    }
}

fn note_url(section: Section, slug: &str) -> String {
    match section {
        Section::Incidents => format!("/incidents/{slug}/"),
        Section::Letters => format!("/letters/{slug}/"),
        Section::Pages => format!("/{slug}/"),
    }
}

fn parse_severity(name: &str) -> Result<Severity> {
    Ok(Severity::parse(name).ok_or_else(|| {
        Error::new(format!("unknown severity `{name}`")).hint(choice_hint(name, &Severity::names()))
    })?)
}

fn check_components<'a>(config: &Config, ids: impl IntoIterator<Item = &'a String>) -> Result<()> {
    let known = config.component_ids();
    for id in ids {
        if !known.contains(&id.as_str()) {
            let hint = if known.is_empty() {
                "site.toml defines no [[components]] yet".to_string()
            } else {
                choice_hint(id, &known)
            };
            return Err(Error::new(format!("unknown component `{id}`"))
                .hint(hint)
                .into());
        }
    }
    Ok(())
}

/// `upfront update` and `upfront resolve`.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub slug: String,
    /// `None`: the status that ends the incident (resolved / completed).
    pub status: Option<String>,
    pub message: String,
    pub at: Option<At>,
    pub reopen: bool,
}

pub fn append_update(root: &Path, config: &Config, u: &NewUpdate) -> Result<Written> {
    let message = u.message.trim_end();
    if message.trim().is_empty() {
        return Err(Error::new("the message is empty")
            .hint("pass --message TEXT, or --message - to read it from standard input")
            .into());
    }
    let at = resolve_at(u.at, config)?.unwrap_or_else(now);
    let _lock = EditLock::take(root)?;
    let path = find_note(root, Section::Incidents, &u.slug)?;
    let note = Note::read(root, config, Section::Incidents, &path)?;
    let Item::Incident(incident) = &note.item else {
        unreachable!("the incidents section parses to incidents")
    };
    let display = &note.display;
    let allowed = Status::allowed_for(incident.severity);
    let status = match &u.status {
        None => *allowed.last().unwrap_or(&Status::Resolved),
        Some(s) => Status::parse(s)
            .filter(|st| allowed.contains(st))
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|s| s.name()).collect();
                Error::new(format!(
                    "`{s}` is not a status of a {} incident",
                    incident.severity.name()
                ))
                .hint(choice_hint(s, &names))
            })?,
    };
    if let Some(last) = incident.updates.last() {
        if at < last.at {
            return Err(Error::in_file(
                display,
                format!(
                    "the update's time {} is before the last update ({})",
                    stamp(at),
                    stamp(last.at)
                ),
            )
            .hint("updates are kept oldest first; pass a later --at")
            .into());
        }
        if last.status.is_final() && !u.reopen {
            let hint = if u.status.is_none() {
                // `resolve` has nothing to do; it takes no --reopen.
                format!(
                    "nothing to do; to add to its timeline, run `upfront update {} --status STATUS --message TEXT --reopen`",
                    u.slug
                )
            } else {
                "pass --reopen to add an update after the resolution".to_string()
            };
            return Err(Error::in_file(
                display,
                format!(
                    "the incident is already {} (since {})",
                    last.status.name(),
                    stamp(last.at)
                ),
            )
            .hint(hint)
            .into());
        }
    }
    let edited = insert_update(&note.text, at, status, message).map_err(|e| e.file(display))?;
    // The edit must parse, and to exactly the timeline plus the new entry.
    let after = note.reparse(config, &edited)?;
    let Item::Incident(after) = after else {
        unreachable!("the incidents section parses to incidents")
    };
    let added = after.updates.last();
    let as_expected = after.updates.len() == incident.updates.len() + 1
        && after.updates.starts_with(&incident.updates)
        && added.is_some_and(|a| {
            a.at == at && a.status == status && a.message_html == markdown::to_html(message)
        });
    if !as_expected {
        return Err(Error::in_file(display, "could not add the update safely")
            .hint("add it by hand; the file was not changed")
            .into());
    }
    note.write(&edited)?;
    Ok(Written {
        path: display.clone(),
        url: config.absolute(&note_url(Section::Incidents, &incident.slug)),
    })
}

/// `--impact a=major_outage,b=degraded_performance`, one pair.
pub fn parse_impact(s: &str) -> std::result::Result<(String, Impact), String> {
    let (id, impact) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not `component=impact`, e.g. `api=major_outage`"))?;
    let impact = Impact::parse(impact.trim()).ok_or_else(|| {
        format!(
            "`{}` is not an impact: {}",
            impact.trim(),
            choice_hint(impact.trim(), &Impact::names())
        )
    })?;
    Ok((id.trim().to_string(), impact))
}

/// `upfront edit`: the keys to change, each `None` when not given.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub slug: String,
    pub title: Option<String>,
    pub severity: Option<String>,
    pub affects: Option<Vec<String>>,
    pub impact: Option<Vec<(String, Impact)>>,
    pub summary: Option<String>,
}

pub fn edit_incident(root: &Path, config: &Config, e: &Edit) -> Result<Written> {
    let mut keys: Vec<(&str, String)> = Vec::new();
    if let Some(t) = &e.title {
        if t.trim().is_empty() {
            return Err(Error::new("the title is empty").into());
        }
        keys.push(("title", quote(t)));
    }
    if let Some(s) = &e.severity {
        keys.push(("severity", parse_severity(s)?.name().to_string()));
    }
    match (&e.affects, &e.impact) {
        (Some(_), Some(_)) => {
            return Err(Error::new("pass --affects or --impact, not both")
                .hint(
                    "--impact gives each component its own impact; --affects takes the severity's",
                )
                .into())
        }
        (Some(ids), None) => {
            check_components(config, ids)?;
            keys.push(("affected", format!("[{}]", ids.join(", "))));
        }
        (None, Some(pairs)) => {
            check_components(config, pairs.iter().map(|(id, _)| id))?;
            let items: Vec<String> = pairs
                .iter()
                .map(|(id, impact)| format!("{id}: {}", impact.name()))
                .collect();
            keys.push(("affected", format!("{{{}}}", items.join(", "))));
        }
        (None, None) => {}
    }
    if let Some(s) = &e.summary {
        keys.push(("summary", quote(s)));
    }
    if keys.is_empty() {
        return Err(Error::new("nothing to change")
            .hint("pass --title, --severity, --affects, --impact or --summary")
            .into());
    }
    let _lock = EditLock::take(root)?;
    let path = find_note(root, Section::Incidents, &e.slug)?;
    let note = Note::read(root, config, Section::Incidents, &path)?;
    let mut edited = note.text.clone();
    for (key, value) in &keys {
        edited = edit::set_key(&edited, key, value).map_err(|err| err.file(&note.display))?;
    }
    edit::check_only_keys_changed(
        &note.text,
        &edited,
        &keys.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
    )
    .map_err(|err| err.file(&note.display))?;
    // The reparse refuses what the new values break: an unknown id, a
    // timeline whose statuses do not fit a new severity.
    note.reparse(config, &edited)?;
    note.write(&edited)?;
    Ok(Written {
        path: note.display.clone(),
        url: config.absolute(&note_url(Section::Incidents, &e.slug)),
    })
}

/// `upfront publish SLUG`: drops `draft` from the incident or letter with
/// that slug (an incident first, as `update` looks them up).
pub fn publish(root: &Path, config: &Config, slug: &str) -> Result<(Written, bool)> {
    let _lock = EditLock::take(root)?;
    let (section, path) = match find_note(root, Section::Incidents, slug) {
        Ok(p) => (Section::Incidents, p),
        Err(incident_err) => match Slugs::of(root, Section::Letters).find(slug) {
            Some(p) => (Section::Letters, p.to_path_buf()),
            None => {
                let mut e = incident_err;
                for err in e.0.iter_mut() {
                    err.message = format!("no incident or letter has the slug `{slug}`");
                }
                return Err(e);
            }
        },
    };
    let note = Note::read(root, config, section, &path)?;
    let written = Written {
        path: note.display.clone(),
        url: config.absolute(&note_url(section, slug)),
    };
    let is_draft = match &note.item {
        Item::Incident(i) => i.draft,
        Item::Letter(l) => l.draft,
        Item::Page(_) => false,
    };
    if !is_draft && edit::key_span(&note.text, "draft").is_none() {
        return Ok((written, false));
    }
    let edited = edit::remove_key(&note.text, "draft").map_err(|e| e.file(&note.display))?;
    edit::check_only_keys_changed(&note.text, &edited, &["draft"])
        .map_err(|e| e.file(&note.display))?;
    note.reparse(config, &edited)?;
    note.write(&edited)?;
    Ok((written, is_draft))
}

/// A note read under the edit lock: its file, its text and what it parses to.
struct Note {
    path: PathBuf,
    display: PathBuf,
    section: Section,
    text: String,
    item: Item,
}

impl Note {
    fn read(root: &Path, config: &Config, section: Section, path: &Path) -> Result<Note> {
        let display = content::display_path(root, path);
        let text = content::read_text(path, &display)?;
        let item = parse_item(section, &text, &display, config)?;
        Ok(Note {
            path: path.to_path_buf(),
            display,
            section,
            text,
            item,
        })
    }

    /// Parses an edit of the note. Its errors name lines of the file as the
    /// user has it: a line after the edit is moved back by the lines the
    /// edit added, and one inside the edit names no line.
    fn reparse(&self, config: &Config, edited: &str) -> Result<Item> {
        parse_item(self.section, edited, &self.display, config).map_err(|errors| {
            let shift = edit::LineShift::between(&self.text, edited);
            let mapped = errors
                .0
                .into_iter()
                .map(|mut e| {
                    e.line = e.line.and_then(|l| shift.to_original(l));
                    if e.line.is_none() {
                        e.column = None;
                    }
                    e.hint = Some(match e.hint {
                        Some(h) => format!("{h} (the file was not changed)"),
                        None => "the file was not changed".into(),
                    });
                    e
                })
                .collect();
            Errors(mapped)
        })
    }

    fn write(&self, text: &str) -> Result<()> {
        crate::vocab::atomic::replace(&self.path, text.as_bytes())
            .map_err(|e| Error::io(&self.display, "write", &e))?;
        Ok(())
    }
}

/// Finds a note's file by its slug (declared, else the file name).
pub fn find_note(root: &Path, section: Section, slug: &str) -> Result<PathBuf> {
    // Most notes sit at the top of their section, named after their slug:
    // found without walking the section.
    let direct = root
        .join("content")
        .join(section.dir())
        .join(format!("{slug}.md"));
    if is_slug(slug)
        && std::fs::read_to_string(&direct).is_ok_and(|text| note_slug(&direct, &text) == slug)
        && crate::source::walk::check_inside(root, &direct).is_ok()
    {
        return Ok(direct);
    }
    let notes = Slugs::of(root, section);
    if let Some(path) = notes.find(slug) {
        return Ok(path.to_path_buf());
    }
    let what = section_kind(section);
    let hint = match closest(slug, notes.slugs()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if section == Section::Incidents => "run `upfront new incident` to create it".into(),
        None => format!("run `upfront new {what}` to create it"),
    };
    Err(Error::new(format!("no {what} has the slug `{slug}`"))
        .hint(hint)
        .into())
}

/// Finds an incident's file by slug.
pub fn find_incident(root: &Path, slug: &str) -> Result<PathBuf> {
    find_note(root, Section::Incidents, slug)
}

/// The current time to the second, as notes write it.
fn now() -> Time {
    Utc::now().fixed_offset().trunc_subsecs(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_takes_rfc3339_and_wall_clock_times_in_the_site_zone() {
        let config = Config::parse(
            "title='T'\nbase_url='https://x.test'\ntimezone='Europe/Berlin'\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let t = parse_at("2026-12-02 16:00")
            .unwrap()
            .resolve(&config)
            .unwrap();
        assert_eq!(stamp(t), "2026-12-02T16:00:00+01:00");
        let t = parse_at("2026-07-02T16:00")
            .unwrap()
            .resolve(&config)
            .unwrap();
        assert_eq!(stamp(t), "2026-07-02T16:00:00+02:00");
        let t = parse_at("2026-12-02T16:00:00Z")
            .unwrap()
            .resolve(&config)
            .unwrap();
        assert_eq!(stamp(t), "2026-12-02T16:00:00Z");
        // Skipped by the clocks: refused, with a way out.
        let e = parse_at("2026-03-29 02:30")
            .unwrap()
            .resolve(&config)
            .unwrap_err();
        assert!(e.message.contains("does not exist"), "{e}");
        // Repeated: the first.
        let t = parse_at("2026-10-25 02:30")
            .unwrap()
            .resolve(&config)
            .unwrap();
        assert_eq!(stamp(t), "2026-10-25T02:30:00+02:00");
        let e = parse_at("2026-12-02 4pm").unwrap_err();
        assert!(e.contains("2026-12-02 16:00"), "{e}");
    }

    #[test]
    fn impacts_parse_as_spec_names_them() {
        assert_eq!(
            parse_impact("api=major_outage").unwrap(),
            ("api".into(), Impact::MajorOutage)
        );
        let e = parse_impact("api=major").unwrap_err();
        assert!(e.contains("major_outage"), "{e}");
        assert!(parse_impact("api")
            .unwrap_err()
            .contains("component=impact"));
    }
}
