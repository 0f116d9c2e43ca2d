//! One cState issue (`content/issues/*.md` of a cState Hugo site) read into
//! the parts of an upfront incident. Nothing is guessed silently: every
//! front matter field or body construct that has no upfront counterpart,
//! and every value filled in by a rule rather than read, becomes a [`Note`]
//! with its file and line.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, TimeZone};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::author::workflow::stamp;
use crate::source::frontmatter::{self, Document};
use crate::vocab::choice::Choice;
use crate::vocab::choice::Severity;
use crate::vocab::choice::Status;
use crate::vocab::error::{choice_hint, Error, Errors};
use crate::vocab::slug::{is_slug, slugify};
use crate::vocab::times::Time;

/// Something the import could not carry over, or carried over by a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: NoteKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// Dropped: upfront has nothing it could become.
    Unmapped,
    /// Carried over, but by a documented rule the reader should check.
    Assumed,
}

impl NoteKind {
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Unmapped => "not mapped",
            NoteKind::Assumed => "check",
        }
    }
}

/// cState's three severities (`params` colours `notice`, `disrupted`, `down`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CSeverity {
    Notice,
    Disrupted,
    Down,
}

impl Choice for CSeverity {
    const ALL: &'static [Self] = &[CSeverity::Notice, CSeverity::Disrupted, CSeverity::Down];
    fn name(self) -> &'static str {
        match self {
            CSeverity::Notice => "notice",
            CSeverity::Disrupted => "disrupted",
            CSeverity::Down => "down",
        }
    }
}

impl CSeverity {
    /// The mapping documented in the README: cState's colours say how bad
    /// the outage is, as upfront's severities do, one step each.
    pub fn upfront(self) -> Severity {
        match self {
            CSeverity::Notice => Severity::Minor,
            CSeverity::Disrupted => Severity::Major,
            CSeverity::Down => Severity::Critical,
        }
    }
}

/// A name as written in the issue, with its line (an `affected` system).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedUpdate {
    pub at: Time,
    pub status: Status,
    /// Markdown, as written after the status label.
    pub message: String,
}

/// An issue ready to become an incident (component ids are decided by the
/// caller, which knows the site's components).
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub source: PathBuf,
    pub slug: String,
    pub title: String,
    pub date: Time,
    pub severity: Severity,
    pub affected: Vec<Named>,
    pub pinned: bool,
    pub draft: bool,
    /// Oldest first, as upfront keeps them.
    pub updates: Vec<ImportedUpdate>,
    /// The free text that was not an update line.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Converted {
    Incident(Issue),
    /// `informational: true`: a dated announcement with no status, which
    /// upfront has no kind of note for; not imported (see the README).
    Informational,
}

/// The result of one file: the issue or its errors, and the notes either way.
#[derive(Debug)]
pub struct Conversion {
    pub result: Result<Converted, Errors>,
    pub notes: Vec<Note>,
}

/// Converts the text of one cState issue. `tz` is the zone of times
/// written without one (Hugo's `timeZone`, UTC by default).
pub fn convert(text: &str, path: &Path, tz: Tz) -> Conversion {
    let mut c = Converter {
        path,
        tz,
        notes: Vec::new(),
        errors: Errors::default(),
        zoneless: Vec::new(),
    };
    let result = c.convert(text);
    c.zoneless_note();
    let result = match result {
        Ok(v) if c.errors.is_empty() => Ok(v),
        Ok(_) => Err(std::mem::take(&mut c.errors).sorted()),
        Err(e) => {
            c.errors.extend(e);
            Err(std::mem::take(&mut c.errors).sorted())
        }
    };
    Conversion {
        result,
        notes: c.notes,
    }
}

struct Converter<'a> {
    path: &'a Path,
    tz: Tz,
    notes: Vec<Note>,
    errors: Errors,
    /// Lines of times written without a zone, reported once per file.
    zoneless: Vec<usize>,
}

/// The fields of the front matter, typed; `None` where absent or null.
#[derive(Default)]
struct Fields {
    title: Option<String>,
    date: Option<Time>,
    resolved: Option<bool>,
    resolved_when: Option<Time>,
    severity: Option<CSeverity>,
    affected: Vec<Named>,
    informational: bool,
    pin: bool,
    draft: bool,
    slug: Option<String>,
}

impl<'a> Converter<'a> {
    fn convert(&mut self, text: &str) -> Result<Converted, Errors> {
        if text.trim_start_matches('\u{feff}').starts_with("+++") {
            return Err(Error::in_file(self.path, "TOML front matter (`+++`) is not supported")
                .at(1, None)
                .hint("cState writes YAML front matter between `---` lines; convert this file to YAML first")
                .into());
        }
        let doc = frontmatter::split(text, self.path)?;
        let map: Map<String, Value> = frontmatter::parse(&doc, self.path)?;
        let fields = self.fields(&doc, &map);
        if fields.informational {
            // Not imported: its other fields and their problems do not matter.
            self.notes.clear();
            self.errors = Errors::default();
            self.zoneless.clear();
            self.note(
                frontmatter::key_line(&doc, "informational"),
                NoteKind::Unmapped,
                "`informational: true`: an announcement with no status; upfront has no such note, so the file is not imported (copy its text into a page or letter if it still matters)".into(),
            );
            return Ok(Converted::Informational);
        }
        let (Some(title), Some(date)) = (fields.title.clone(), fields.date) else {
            // Errors for the missing fields were recorded by `fields`.
            return Err(Errors::default());
        };
        let body_line = doc.yaml_line + doc.yaml.matches('\n').count() + 1;
        let parts = self.body(doc.body, body_line);
        let severity = match fields.severity {
            Some(s) => s.upfront(),
            None => {
                self.note(
                    Some(1),
                    NoteKind::Assumed,
                    "no `severity`: imported as `minor`, the mildest".into(),
                );
                Severity::Minor
            }
        };
        let updates = self.resolution(&doc, &fields, parts.updates, date);
        Ok(Converted::Incident(Issue {
            source: self.path.to_path_buf(),
            slug: self.slug(&doc, fields.slug.as_deref())?,
            title,
            date,
            severity,
            affected: fields.affected,
            pinned: fields.pin,
            draft: fields.draft,
            updates,
            body: parts.body,
        }))
    }

    fn note(&mut self, line: Option<usize>, kind: NoteKind, message: String) {
        self.notes.push(Note {
            file: self.path.to_path_buf(),
            line,
            kind,
            message,
        });
    }

    fn error(&mut self, line: Option<usize>, message: String, hint: &str) {
        self.errors.push(
            Error::in_file(self.path, message)
                .at_line(line)
                .hint(hint.to_string()),
        );
    }

    /// Types every field, noting the unknown ones and recording errors for
    /// the ones whose value cannot be read.
    fn fields(&mut self, doc: &Document, map: &Map<String, Value>) -> Fields {
        let mut f = Fields::default();
        let line = |key: &str| frontmatter::key_line(doc, key);
        for (key, value) in map {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "title" => f.title = self.string(key, value, line(key)),
                "date" => f.date = self.time_field(key, value, line(key)),
                "resolved" => f.resolved = self.boolean(key, value, line(key)),
                "resolvedWhen" => f.resolved_when = self.time_field(key, value, line(key)),
                "severity" => f.severity = self.severity(value, line(key)),
                "affected" => f.affected = self.affected(doc, value),
                "section" => self.section(value, line(key)),
                "informational" => {
                    f.informational = self.boolean(key, value, line(key)) == Some(true)
                }
                "pin" => f.pin = self.boolean(key, value, line(key)) == Some(true),
                "draft" => f.draft = self.boolean(key, value, line(key)) == Some(true),
                "slug" => f.slug = self.string(key, value, line(key)),
                _ => self.note(
                    line(key),
                    NoteKind::Unmapped,
                    format!("field `{key}`: upfront incidents have no such field"),
                ),
            }
        }
        let absent = |key: &str| map.get(key).is_none_or(Value::is_null);
        let empty_title = matches!(map.get("title"), Some(Value::String(t)) if t.trim().is_empty());
        if (absent("title") || empty_title) && !f.informational {
            self.error(
                line("title"),
                "the issue has no `title`".into(),
                "add `title: ...` to the front matter",
            );
        }
        if absent("date") && !f.informational {
            self.error(
                Some(1),
                "the issue has no `date` (when it started)".into(),
                "add `date: 2018-05-25 04:13:00` to the front matter",
            );
        }
        f
    }

    fn string(&mut self, key: &str, value: &Value, line: Option<usize>) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(
                    line,
                    format!("`{key}` is not text"),
                    "write it as a single line of text",
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, value: &Value, line: Option<usize>) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(
                    line,
                    format!("`{key}: {value}` is not `true` or `false`"),
                    // Hugo would read any non-empty text as true: refuse rather than guess.
                    "write `true` or `false` without quotes",
                );
                None
            }
        }
    }

    fn time_field(&mut self, key: &str, value: &Value, line: Option<usize>) -> Option<Time> {
        let text = match value {
            Value::String(s) => s.as_str(),
            _ => "",
        };
        match parse_time(text, self.tz) {
            Some((t, zoneless)) => {
                if zoneless {
                    self.zoneless(line);
                }
                Some(t)
            }
            None => {
                self.error(
                    line,
                    format!("`{key}: {value}` is not a time"),
                    "write it like 2018-05-25 04:13:00 or 2018-05-25T04:13:00Z",
                );
                None
            }
        }
    }

    fn zoneless(&mut self, line: Option<usize>) {
        self.zoneless.extend(line);
    }

    /// One note for all the times of the file that had no zone.
    fn zoneless_note(&mut self) {
        self.zoneless.sort_unstable();
        self.zoneless.dedup();
        let Some(&first) = self.zoneless.first() else {
            return;
        };
        let lines: Vec<String> = self.zoneless.iter().map(usize::to_string).collect();
        let n = lines.len();
        self.note(
            Some(first),
            NoteKind::Assumed,
            format!(
                "{n} time{} written without a zone (line{} {}) read as {} (Hugo's `timeZone`; pass --timezone to change)",
                if n == 1 { "" } else { "s" },
                if n == 1 { "" } else { "s" },
                lines.join(", "),
                self.tz.name()
            ),
        );
    }

    fn severity(&mut self, value: &Value, line: Option<usize>) -> Option<CSeverity> {
        let text = value.as_str().unwrap_or_default().trim();
        let parsed = CSeverity::parse(text);
        if parsed.is_none() {
            self.error(
                line,
                format!("`severity: {value}` is not a cState severity"),
                &choice_hint(text, &CSeverity::names()),
            );
        }
        parsed
    }

    fn affected(&mut self, doc: &Document, value: &Value) -> Vec<Named> {
        let items: Vec<&Value> = match value {
            Value::Array(a) => a.iter().collect(),
            // Hugo accepts a single term for a taxonomy.
            Value::String(_) => vec![value],
            _ => {
                self.error(
                    frontmatter::key_line(doc, "affected"),
                    format!("`affected: {value}` is not a list of system names"),
                    "write it like `affected: [API, Media Proxy]`",
                );
                Vec::new()
            }
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_str().map(str::trim) {
                Some(name) if !name.is_empty() => out.push(Named {
                    name: name.to_string(),
                    line: frontmatter::value_line(doc, "affected", name),
                }),
                _ => self.error(
                    frontmatter::key_line(doc, "affected"),
                    format!("`affected` holds `{item}`, which is not a system name"),
                    "list the names of systems from the cState config, e.g. `affected: [API]`",
                ),
            }
        }
        out
    }

    fn section(&mut self, value: &Value, line: Option<usize>) {
        // cState needs `section: issue` to list the file; it says nothing more.
        if value.as_str() != Some("issue") {
            self.note(
                line,
                NoteKind::Unmapped,
                format!("`section: {value}`: cState only lists `section: issue`; imported as an incident anyway"),
            );
        }
    }

    /// The upfront slug: `slug:` when it is one, else the file name.
    fn slug(&mut self, doc: &Document, explicit: Option<&str>) -> Result<String, Errors> {
        let stem = self
            .path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if let Some(s) = explicit {
            if is_slug(s) {
                return Ok(s.to_string());
            }
            self.note(
                frontmatter::key_line(doc, "slug"),
                NoteKind::Unmapped,
                format!("`slug: {s}` is not of the form [a-z0-9-]+; the file name is used"),
            );
        }
        if is_slug(&stem) {
            return Ok(stem);
        }
        let made = slugify(&stem);
        if made.is_empty() {
            return Err(
                Error::in_file(self.path, "no slug can be made from the file name")
                    .hint("rename the file with letters a-z or digits, or add `slug: some-name`")
                    .into(),
            );
        }
        self.note(
            None,
            NoteKind::Assumed,
            format!("the file name is not a slug: the incident's slug is `{made}`"),
        );
        Ok(made)
    }

    /// Splits the body into timed update lines and the remaining free text.
    fn body(&mut self, body: &str, first_line: usize) -> BodyParts {
        let mut timed: Vec<Timed> = Vec::new();
        let mut free: Vec<String> = Vec::new();
        for block in blocks(body, first_line) {
            if !block.code {
                self.other_shortcodes(&block);
            }
            match update_line(&block) {
                Some(line) => match line.time.and_then(|t| parse_time(t, self.tz)) {
                    Some((at, zoneless)) => {
                        if zoneless {
                            self.zoneless(Some(block.line));
                        }
                        if find_shortcode(&line.message).is_some_and(|s| s.name == "track") {
                            self.note(
                                Some(block.line),
                                NoteKind::Unmapped,
                                "a second {{< track >}} in one update: only the first is its time; the other stays in the message as text".into(),
                            );
                        }
                        timed.push(Timed {
                            at,
                            label: line.label,
                            message: line.message,
                            line: block.line,
                        });
                    }
                    None => {
                        let what = match line.time {
                            Some(t) => format!("its {{{{< track \"{t}\" >}}}} time cannot be read"),
                            None => "it has no {{< track \"TIME\" >}} time".into(),
                        };
                        self.note(
                            Some(block.line),
                            NoteKind::Unmapped,
                            format!("update line ({}): {what}, so it cannot join the timeline; kept in the body", line.label.describe()),
                        );
                        free.push(block.text);
                    }
                },
                None => free.push(block.text),
            }
        }
        BodyParts {
            updates: self.timeline(timed),
            body: free.join("\n\n"),
        }
    }

    /// Timed update lines, oldest first (cState lists them newest first),
    /// each with its status; a label that names none keeps the one before.
    fn timeline(&mut self, mut timed: Vec<Timed>) -> Vec<ImportedUpdate> {
        timed.sort_by_key(|t| t.at);
        let mut updates = Vec::with_capacity(timed.len());
        let mut current = Status::Investigating;
        for t in timed {
            let status = match &t.label {
                Label::Known(s) => *s,
                Label::Update => current,
                Label::Other(name) => {
                    self.note(
                        Some(t.line),
                        NoteKind::Unmapped,
                        format!("status `{name}` is not one of upfront's; the update keeps the status before it (`{}`)", current.name()),
                    );
                    current
                }
                Label::Missing => {
                    self.note(
                        Some(t.line),
                        NoteKind::Assumed,
                        format!("a timed paragraph with no `*Status* -` label: imported as an update keeping the status before it (`{}`)", current.name()),
                    );
                    current
                }
            };
            current = status;
            updates.push(ImportedUpdate {
                at: t.at,
                status,
                message: t.message,
            });
        }
        updates
    }

    /// Hugo shortcodes other than `track` cannot render in upfront.
    fn other_shortcodes(&mut self, block: &Block) {
        for (i, l) in block.text.lines().enumerate() {
            let mut rest = l;
            while let Some(sc) = find_shortcode(rest) {
                if sc.name != "track" {
                    self.note(
                        Some(block.line + i),
                        NoteKind::Unmapped,
                        format!(
                            "Hugo shortcode `{}` has no upfront counterpart; it is kept as text",
                            sc.name
                        ),
                    );
                }
                rest = &rest[sc.end..];
            }
        }
    }

    /// Makes the timeline agree with `resolved` / `resolvedWhen`, which
    /// cState keeps in front matter and upfront in the last update.
    fn resolution(
        &mut self,
        doc: &Document,
        f: &Fields,
        mut updates: Vec<ImportedUpdate>,
        date: Time,
    ) -> Vec<ImportedUpdate> {
        let resolved_line = frontmatter::key_line(doc, "resolved");
        let when_line = frontmatter::key_line(doc, "resolvedWhen");
        let ends_resolved = updates.last().is_some_and(|u| u.status == Status::Resolved);
        let resolved = f.resolved == Some(true);
        if !resolved {
            if f.resolved_when.is_some() {
                self.note(
                    when_line,
                    NoteKind::Unmapped,
                    "`resolvedWhen` without `resolved: true`: cState ignores it, and so does the import".into(),
                );
            }
            if ends_resolved {
                self.note(
                    resolved_line,
                    NoteKind::Assumed,
                    "cState shows this issue as unresolved, but its last update is *Resolved*: upfront will show it resolved".into(),
                );
            } else if !f.draft {
                self.note(
                    resolved_line,
                    NoteKind::Assumed,
                    "unresolved in cState: imported as an active incident, with a homepage banner until you run `upfront resolve`".into(),
                );
            }
            return updates;
        }
        if ends_resolved {
            let at = updates.last().map(|u| u.at);
            if let (Some(when), Some(at)) = (f.resolved_when, at) {
                if when != at {
                    self.note(
                        when_line,
                        NoteKind::Assumed,
                        format!("`resolvedWhen` ({}) differs from the *Resolved* update's time ({}); the update's time is kept", stamp(when), stamp(at)),
                    );
                }
            }
            return updates;
        }
        let last = updates.last().map(|u| u.at);
        let (at, why) = match (f.resolved_when, last) {
            (Some(w), Some(l)) if w < l => (
                l,
                format!("`resolvedWhen` is before the last update, so the resolving update is placed at the last update's time ({})", stamp(l)),
            ),
            (Some(w), _) => (w, "from `resolvedWhen`".to_string()),
            (None, Some(l)) => (
                l,
                "no `resolvedWhen`: the resolving update takes the last update's time".to_string(),
            ),
            (None, None) => (
                date,
                "no `resolvedWhen` and no updates: the resolving update takes the issue's `date`"
                    .to_string(),
            ),
        };
        self.note(
            when_line.or(resolved_line),
            NoteKind::Assumed,
            format!("`resolved: true` becomes a final `resolved` update with the message \"{RESOLVED_MESSAGE}\" ({why})"),
        );
        updates.push(ImportedUpdate {
            at,
            status: Status::Resolved,
            message: RESOLVED_MESSAGE.into(),
        });
        updates
    }
}

/// The message of the update made from `resolved: true` when the body has
/// no *Resolved* line.
pub const RESOLVED_MESSAGE: &str = "This issue has been resolved.";

/// An update line with its time, before its status is decided.
struct Timed {
    at: Time,
    label: Label,
    message: String,
    line: usize,
}

struct BodyParts {
    updates: Vec<ImportedUpdate>,
    body: String,
}

/// A paragraph of the body (or a whole fenced code block), with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    line: usize,
    text: String,
    code: bool,
}

/// Cuts Markdown into blank-line separated blocks, keeping fenced code
/// blocks whole (their blank lines do not end them). Update lines written
/// without a blank line between them are still separate blocks: a line
/// after a `{{< track >}}`, or one starting with a status label, begins one.
fn blocks(body: &str, first_line: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<Block> = None;
    let mut fence: Option<&str> = None;
    let mut after_track = false;
    for (i, line) in body.lines().enumerate() {
        let trimmed = line.trim_start();
        if fence.is_none() && line.trim().is_empty() {
            out.extend(cur.take());
            continue;
        }
        let starts_update = after_track || starts_with_status(line);
        if fence.is_none() && starts_update && cur.as_ref().is_some_and(|b| !b.code) {
            out.extend(cur.take());
        }
        after_track = fence.is_none() && find_shortcode(line).is_some_and(|s| s.name == "track");
        let mut code = false;
        match fence {
            Some(f) if trimmed.starts_with(f) => fence = None,
            Some(_) => {}
            None => {
                for f in ["```", "~~~"] {
                    if trimmed.starts_with(f) {
                        fence = Some(f);
                        code = true;
                    }
                }
            }
        }
        match &mut cur {
            Some(b) => {
                b.text.push('\n');
                b.text.push_str(line);
                b.code |= code;
            }
            None => {
                cur = Some(Block {
                    line: first_line + i,
                    text: line.to_string(),
                    code,
                })
            }
        }
    }
    out.extend(cur);
    out
}

/// Whether a line opens with the label of a status (`*Resolved* - ...`).
fn starts_with_status(line: &str) -> bool {
    split_label(line)
        .is_some_and(|(l, _)| matches!(Label::of(Some(l)), Label::Known(_) | Label::Update))
}

/// The status label of an update line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Label {
    Known(Status),
    /// `*Update*`: news that does not change the status.
    Update,
    Other(String),
    Missing,
}

impl Label {
    fn of(label: Option<&str>) -> Label {
        let Some(l) = label else {
            return Label::Missing;
        };
        match l.trim().to_lowercase().as_str() {
            "investigating" => Label::Known(Status::Investigating),
            "identified" => Label::Known(Status::Identified),
            "monitoring" => Label::Known(Status::Monitoring),
            "resolved" => Label::Known(Status::Resolved),
            "update" | "updated" => Label::Update,
            _ => Label::Other(l.trim().to_string()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Label::Known(s) => format!("*{}*", s.name()),
            Label::Update => "*Update*".into(),
            Label::Other(o) => format!("*{o}*"),
            Label::Missing => "no label".into(),
        }
    }
}

/// A block read as an update line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateLine<'a> {
    label: Label,
    message: String,
    time: Option<&'a str>,
}

/// A block is an update line when it has a `{{< track >}}` time, or starts
/// with the label of a status cState authors use (`*Resolved* - ...`).
fn update_line(block: &Block) -> Option<UpdateLine<'_>> {
    if block.code {
        return None;
    }
    let text = block.text.as_str();
    let track = find_shortcode(text).filter(|s| s.name == "track");
    let (time, rest) = match &track {
        Some(t) => (
            Some(t.arg),
            format!("{}{}", &text[..t.start], &text[t.end..]),
        ),
        None => (None, text.to_string()),
    };
    let (label, message) = match split_label(&rest) {
        Some((l, m)) => (Label::of(Some(l)), m.trim().to_string()),
        None => (Label::Missing, rest.trim().to_string()),
    };
    let is_update = time.is_some() || matches!(label, Label::Known(_) | Label::Update);
    is_update.then_some(UpdateLine {
        label,
        message,
        time,
    })
}

/// `*Label* - rest`, `**Label:** rest`, `_Label_ — rest` → (label, rest).
fn split_label(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_start();
    let marks = |c: char| c == '*' || c == '_';
    let open = t.len() - t.trim_start_matches(marks).len();
    if open == 0 || open > 3 {
        return None;
    }
    let inner = &t[open..];
    let close = inner.find(marks)?;
    let label = inner[..close].trim();
    if label.is_empty() || label.chars().count() > 40 || label.contains('\n') {
        return None;
    }
    let rest = inner[close..].trim_start_matches(marks).trim_start();
    let (label, colon) = match label.strip_suffix(':') {
        Some(l) => (l.trim_end(), true),
        None => (label, false),
    };
    let rest = match rest.strip_prefix(['-', '–', '—', ':']) {
        Some(r) => r,
        None if colon => rest,
        None => return None,
    };
    Some((label, rest.trim_start()))
}

/// A Hugo shortcode `{{< name "arg" >}}` or `{{% name "arg" %}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shortcode<'a> {
    name: &'a str,
    arg: &'a str,
    start: usize,
    end: usize,
}

fn find_shortcode(text: &str) -> Option<Shortcode<'_>> {
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        let after = &text[start + 2..];
        let (close, inner) = match after.chars().next() {
            Some('<') => (">}}", &after[1..]),
            Some('%') => ("%}}", &after[1..]),
            _ => {
                from = start + 2;
                continue;
            }
        };
        let len = inner.find(close)?;
        let args = inner[..len].trim().trim_start_matches('/');
        let name_len = args.find(char::is_whitespace).unwrap_or(args.len());
        let name = &args[..name_len];
        let arg = args[name_len..]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '`');
        let end = start + 3 + len + close.len();
        return Some(Shortcode {
            name,
            arg,
            start,
            end,
        });
    }
    None
}

/// Reads a time as Hugo does: RFC 3339, or the same without a zone (then
/// in `tz`, and reported so), or a date alone. Sub-seconds are dropped, as
/// upfront writes times to the second. The flag says "had no zone".
pub fn parse_time(text: &str, tz: Tz) -> Option<(Time, bool)> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    let zoned = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f %z"))
        .or_else(|_| DateTime::parse_from_rfc2822(s));
    if let Ok(t) = zoned {
        return rfc3339_year(t).then(|| (t.trunc_subsecs(0), false));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    // A time skipped by a DST change has no reading: refuse it; one that
    // happens twice takes the earlier.
    let local = tz.from_local_datetime(&naive).earliest()?.fixed_offset();
    rfc3339_year(local).then(|| (local.trunc_subsecs(0), true))
}

/// RFC 3339 has four-digit years; chrono's `%Y` also reads `-2020` or
/// `12020`, which no note could hold.
fn rfc3339_year(t: Time) -> bool {
    (0..=9999).contains(&t.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("issues/x.md")
    }

    fn run(text: &str) -> (Issue, Vec<Note>) {
        let c = convert(text, p(), Tz::UTC);
        match c.result {
            Ok(Converted::Incident(i)) => (i, c.notes),
            other => panic!("{other:?}"),
        }
    }

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    const RESOLVED: &str = "---\ntitle: US East Connection Issues\ndate: 2018-05-25 04:13:00\nresolved: true\nresolvedWhen: 2018-05-25 05:54:00\n# Possible severity levels: down, disrupted, notice\nseverity: disrupted\naffected:\n  - API\n  - Media Proxy\nsection: issue\n---\n\n*Resolved* -\nAll users can connect again. {{< track \"2018-05-25 05:54:00\" >}}\n\n*Monitoring* - An ISP issue. {{< track \"2018-05-25 04:40:00\" >}}\n\n*Investigating* - We are aware. {{< track \"2018-05-25 04:13:00\" >}}\n";

    #[test]
    fn a_resolved_issue_becomes_an_oldest_first_timeline() {
        let (i, notes) = run(RESOLVED);
        assert_eq!(i.title, "US East Connection Issues");
        assert_eq!(i.severity, Severity::Major);
        assert_eq!(i.date, t("2018-05-25T04:13:00Z"));
        let names: Vec<&str> = i.affected.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["API", "Media Proxy"]);
        assert_eq!(i.affected[1].line, Some(10));
        let statuses: Vec<Status> = i.updates.iter().map(|u| u.status).collect();
        assert_eq!(
            statuses,
            [Status::Investigating, Status::Monitoring, Status::Resolved]
        );
        assert_eq!(i.updates[2].message, "All users can connect again.");
        assert_eq!(i.updates[2].at, t("2018-05-25T05:54:00Z"));
        assert_eq!(i.body, "");
        // Only the zone assumptions are noted: everything else mapped.
        assert!(
            notes.len() == 1
                && notes[0]
                    .message
                    .contains("5 times written without a zone (lines 3, 5, 14, 17, 19)"),
            "{notes:?}"
        );
    }

    #[test]
    fn unknown_fields_are_reported_with_their_lines() {
        let text = RESOLVED.replace(
            "section: issue\n",
            "section: issue\nautomated: true\nid: \"dns\"\n",
        );
        let (_, notes) = run(&text);
        let unmapped: Vec<(Option<usize>, &str)> = notes
            .iter()
            .filter(|n| n.kind == NoteKind::Unmapped)
            .map(|n| (n.line, n.message.as_str()))
            .collect();
        assert_eq!(unmapped.len(), 2, "{unmapped:?}");
        assert_eq!(unmapped[0].0, Some(12));
        assert!(unmapped[0].1.contains("`automated`"));
        assert_eq!(unmapped[1].0, Some(13));
    }

    #[test]
    fn resolved_without_a_resolved_line_gets_one_at_resolved_when() {
        let text = "---\ntitle: Down\ndate: 2024-12-24T10:35:00Z\nresolvedWhen: 2024-12-24T13:35:00Z\nresolved: true\nseverity: down\n---\n\nFree text only.\n";
        let (i, notes) = run(text);
        assert_eq!(i.severity, Severity::Critical);
        assert_eq!(i.updates.len(), 1);
        assert_eq!(i.updates[0].status, Status::Resolved);
        assert_eq!(i.updates[0].at, t("2024-12-24T13:35:00Z"));
        assert_eq!(i.body, "Free text only.");
        assert!(notes
            .iter()
            .any(|n| n.kind == NoteKind::Assumed && n.message.contains("from `resolvedWhen`")));
    }

    #[test]
    fn unresolved_issues_stay_active_and_say_so() {
        let text = "---\ntitle: Maintenance Window\ndate: 2018-06-13 15:54:00\nresolved: false\nresolvedWhen: 2018-06-13 17:30:00\nseverity: notice\naffected: [API]\nsection: issue\n---\n\n*Just began* - Shutting down. {{< track \"2018-06-13 15:54:00\" >}}\n";
        let (i, notes) = run(text);
        assert_eq!(i.severity, Severity::Minor);
        assert_eq!(i.updates[0].status, Status::Investigating);
        let msgs: Vec<&str> = notes.iter().map(|n| n.message.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("status `Just began`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("cState ignores it")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("active incident")),
            "{msgs:?}"
        );
        let just_began = notes
            .iter()
            .find(|n| n.message.contains("Just began"))
            .unwrap();
        assert_eq!(just_began.line, Some(11));
    }

    #[test]
    fn update_lines_without_time_stay_in_the_body() {
        let text = "---\ntitle: DMs\ndate: 2017-12-17T16:24:00Z\nseverity: disrupted\n---\n\n*Update* - This incident has been resolved.\n\n*Investigating* - We are aware.\n";
        let (i, notes) = run(text);
        assert!(i.updates.is_empty());
        assert!(i.body.contains("*Update* - This incident"));
        assert_eq!(
            notes
                .iter()
                .filter(|n| n.message.contains("no {{< track"))
                .map(|n| n.line)
                .collect::<Vec<_>>(),
            [Some(7), Some(9)]
        );
    }

    #[test]
    fn update_keeps_the_status_and_unlabelled_paragraphs_are_noted() {
        let text = "---\ntitle: A\ndate: 2024-12-27T09:43:40.482Z\nseverity: down\n---\n\n*Identified* - Found it. {{< track \"2024-12-27T09:44:00Z\" >}}\n\n*Update* - Still on it. {{< track \"2024-12-27T09:50:00Z\" >}}\n\nEscalated. {{< track \"2024-12-27T09:55:00.481Z\" >}}\n";
        let (i, notes) = run(text);
        assert_eq!(i.date, t("2024-12-27T09:43:40Z"));
        let statuses: Vec<Status> = i.updates.iter().map(|u| u.status).collect();
        assert_eq!(statuses, [Status::Identified; 3]);
        assert_eq!(i.updates[2].message, "Escalated.");
        assert!(notes
            .iter()
            .any(|n| n.message.contains("no `*Status* -` label")));
    }

    #[test]
    fn informational_posts_are_not_imported() {
        let text = "---\ntitle: Maintenance Announcement\ndate: 2024-02-24 10:35:00\ninformational: true\npin: true\nsection: issue\n---\nWe will shut down.\n";
        let c = convert(text, p(), Tz::UTC);
        assert_eq!(c.result.unwrap(), Converted::Informational);
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert_eq!(c.notes[0].line, Some(4));
        // Even a broken field does not stop the import of the others.
        let broken = text.replace("date: 2024-02-24 10:35:00", "date: soon");
        assert_eq!(
            convert(&broken, p(), Tz::UTC).result.unwrap(),
            Converted::Informational
        );
    }

    #[test]
    fn pin_draft_and_slug_map() {
        let text = "---\ntitle: A\ndate: 2020-01-01T00:00:00Z\nseverity: notice\npin: true\ndraft: true\nslug: my-slug\n---\n";
        let (i, _) = run(text);
        assert!(i.pinned && i.draft);
        assert_eq!(i.slug, "my-slug");
    }

    #[test]
    fn a_file_name_that_is_no_slug_is_slugified_and_noted() {
        let text = "---\ntitle: A\ndate: 2020-01-01T00:00:00Z\nseverity: notice\n---\n";
        let c = convert(text, Path::new("issues/2020 Big_Outage.md"), Tz::UTC);
        let Ok(Converted::Incident(i)) = c.result else {
            panic!("{:?}", c.result)
        };
        assert_eq!(i.slug, "2020-big-outage");
        assert!(c
            .notes
            .iter()
            .any(|n| n.message.contains("`2020-big-outage`")));
        let none = convert(text, Path::new("issues/日本.md"), Tz::UTC);
        assert!(none.result.unwrap_err().to_string().contains("no slug"));
    }

    #[test]
    fn bad_values_are_errors_with_lines_and_hints() {
        let text = "---\ntitle: A\ndate: yesterday\nseverity: dwn\nresolved: \"yes\"\n---\n";
        let c = convert(text, p(), Tz::UTC);
        let e = c.result.unwrap_err().to_string();
        assert!(
            e.contains("x.md:3: `date: \"yesterday\"` is not a time"),
            "{e}"
        );
        assert!(
            e.contains("x.md:4:") && e.contains("did you mean `down`"),
            "{e}"
        );
        assert!(
            e.contains("x.md:5:") && e.contains("not `true` or `false`"),
            "{e}"
        );
    }

    #[test]
    fn missing_title_and_date_are_errors() {
        let c = convert("---\nseverity: down\n---\n", p(), Tz::UTC);
        let e = c.result.unwrap_err();
        assert_eq!(e.len(), 2, "{e}");
    }

    #[test]
    fn other_shortcodes_and_code_blocks() {
        let text = "---\ntitle: A\ndate: 2020-01-01T00:00:00Z\nseverity: notice\n---\nSee {{< youtube abc >}} here.\n\n```\n*Resolved* - {{< track \"2020-01-01 00:00:00\" >}}\n\nmore\n```\n";
        let (i, notes) = run(text);
        assert!(i.updates.is_empty(), "code is not an update");
        assert!(i.body.contains("```\n*Resolved*"));
        let sc: Vec<_> = notes
            .iter()
            .filter(|n| n.message.contains("shortcode"))
            .collect();
        assert_eq!(sc.len(), 1, "{notes:?}");
        assert_eq!(sc[0].line, Some(6));
    }

    #[test]
    fn labels_split_in_the_ways_authors_write_them() {
        assert_eq!(split_label("*Resolved* - ok"), Some(("Resolved", "ok")));
        assert_eq!(split_label("**Update:** ok"), Some(("Update", "ok")));
        assert_eq!(split_label("_Monitoring_ — ok"), Some(("Monitoring", "ok")));
        assert_eq!(
            split_label("**Automated system alert* - We* x"),
            Some(("Automated system alert", "We* x"))
        );
        assert_eq!(split_label("*emphasis* in a sentence"), None);
        assert_eq!(split_label("plain"), None);
    }

    #[test]
    fn shortcodes_are_found_with_their_argument() {
        let s = find_shortcode("a {{< track \"2018-06-13 14:29:00\" >}} b").unwrap();
        assert_eq!((s.name, s.arg), ("track", "2018-06-13 14:29:00"));
        let s = find_shortcode("{{% track '2018' %}}").unwrap();
        assert_eq!((s.name, s.arg, s.end), ("track", "2018", 20));
        assert_eq!(find_shortcode("{{ not one }}"), None);
        assert_eq!(find_shortcode("{{< never closed"), None);
    }

    #[test]
    fn times_in_the_shapes_hugo_accepts() {
        let utc = |s| parse_time(s, Tz::UTC);
        assert_eq!(
            utc("2018-05-25 04:13:00"),
            Some((t("2018-05-25T04:13:00Z"), true))
        );
        assert_eq!(
            utc("2024-02-24 10:35:00 "),
            Some((t("2024-02-24T10:35:00Z"), true))
        );
        assert_eq!(
            utc("2023-04-16T18:34:00Z"),
            Some((t("2023-04-16T18:34:00Z"), false))
        );
        assert_eq!(
            utc("2024-12-27T09:43:40.482Z"),
            Some((t("2024-12-27T09:43:40Z"), false))
        );
        assert_eq!(
            utc("2018-05-25 04:13:00+02:00"),
            Some((t("2018-05-25T04:13:00+02:00"), false))
        );
        assert_eq!(utc("2018-05-25"), Some((t("2018-05-25T00:00:00Z"), true)));
        assert_eq!(utc("tomorrow"), None);
        // Found by the cstate fuzz target: years RFC 3339 cannot write.
        assert_eq!(utc("-2020-03-01 11:30:00 +01:00"), None);
        assert_eq!(utc("12020-03-01 11:30:00"), None);
        let berlin = parse_time("2018-05-25 04:13", chrono_tz::Europe::Berlin);
        assert_eq!(berlin, Some((t("2018-05-25T04:13:00+02:00"), true)));
        // Skipped by the spring DST change: no reading.
        assert_eq!(
            parse_time("2018-03-25 02:30", chrono_tz::Europe::Berlin),
            None
        );
    }

    #[test]
    fn blocks_keep_fences_whole_and_know_their_lines() {
        let b = blocks("a\nb\n\n```\nx\n\ny\n```\n\nc\n", 10);
        let lines: Vec<usize> = b.iter().map(|b| b.line).collect();
        assert_eq!(lines, [10, 13, 19]);
        assert!(b[1].code && !b[0].code);
    }

    #[test]
    fn update_lines_without_blank_lines_between_are_split() {
        let text = "---\ntitle: A\ndate: 2020-01-01T00:00:00Z\nseverity: notice\n---\n*Resolved* - Fixed. {{< track \"2020-01-01T02:00:00Z\" >}}\n*Monitoring* -\nWatching. {{< track \"2020-01-01T01:00:00Z\" >}}\nA closing remark.\n*Note* - not a status.\n";
        let (i, _) = run(text);
        let got: Vec<(Status, &str)> = i
            .updates
            .iter()
            .map(|u| (u.status, u.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Status::Monitoring, "Watching."),
                (Status::Resolved, "Fixed.")
            ]
        );
        assert_eq!(i.body, "A closing remark.\n*Note* - not a status.");
    }

    #[test]
    fn affected_must_be_names() {
        let text =
            "---\ntitle: A\ndate: 2020-01-01T00:00:00Z\nseverity: notice\naffected: {a: 1}\n---\n";
        let e = convert(text, p(), Tz::UTC).result.unwrap_err().to_string();
        assert!(
            e.contains("x.md:5: `affected: {\"a\":1}` is not a list"),
            "{e}"
        );
    }

    #[test]
    fn toml_front_matter_is_refused() {
        let c = convert("+++\ntitle = 'a'\n+++\n", p(), Tz::UTC);
        assert!(c
            .result
            .unwrap_err()
            .to_string()
            .contains("TOML front matter"));
    }
}
