//! `upfront import cstate DIR`: a cState site's issues become incidents of
//! the current site, and its systems become components.
//!
//! The import is all or nothing. Every file is converted and every written
//! note is parsed with the real content parser before anything is written;
//! a file that already exists is never overwritten (the import refuses and
//! names it); after writing, the whole site is loaded and rendered as a
//! build would, and any error rolls every change back. site.toml is only
//! ever appended to, so its comments and order stay as they were.

pub mod cstate;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde_json::Value;

use crate::pipeline::build::{self, BuildOptions};
use crate::source::config::{Component, Config};
use crate::source::content::{self, Section};
use crate::source::frontmatter::edit::{quote, stamp, update_entry};
use crate::source::frontmatter::{self, Document};
use crate::vocab::choice::Choice;
use crate::vocab::error::{Error, Errors, Result};
use crate::vocab::slug::slugify;

pub use cstate::{Note, NoteKind};

/// What `upfront import cstate` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The upfront site written into.
    pub root: PathBuf,
    /// The cState site read from.
    pub source: PathBuf,
    /// The zone of times written without one; default: the cState
    /// config's `timeZone`, else UTC (as Hugo).
    pub timezone: Option<Tz>,
    /// Report only; write nothing.
    pub dry_run: bool,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub dry_run: bool,
    /// The incident notes, relative to the site root.
    pub written: Vec<PathBuf>,
    /// How many of them are active (unresolved, not drafts).
    pub active: usize,
    /// Components appended to site.toml.
    pub components: Vec<Component>,
    /// The text appended to site.toml (empty when nothing was).
    pub toml_block: String,
    /// Issues skipped because they are `informational`.
    pub informational: Vec<PathBuf>,
    pub notes: Vec<Note>,
}

impl Report {
    /// The report printed for the user.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would write" } else { "wrote" };
        out.push_str(&format!(
            "upfront: {verb} {} incident{} ({} active)\n",
            self.written.len(),
            plural(self.written.len()),
            self.active
        ));
        for w in &self.written {
            out.push_str(&format!("  {}\n", w.display()));
        }
        if !self.components.is_empty() {
            let verb = if self.dry_run {
                "would append"
            } else {
                "appended"
            };
            out.push_str(&format!(
                "{verb} {} component{} to site.toml:\n{}\n",
                self.components.len(),
                plural(self.components.len()),
                self.toml_block.trim()
            ));
        }
        for i in &self.informational {
            out.push_str(&format!(
                "not imported (informational post): {}\n",
                i.display()
            ));
        }
        if !self.notes.is_empty() {
            out.push_str(&format!(
                "{} note{} (`not mapped`: dropped, upfront has no counterpart; `check`: carried over by a rule):\n",
                self.notes.len(),
                plural(self.notes.len())
            ));
            for n in &self.notes {
                out.push_str(&format!("  {}\n", note_line(n)));
            }
        }
        if self.dry_run {
            out.push_str("nothing was written (--dry-run)\n");
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `file:line: kind: message`, as editors link it.
pub fn note_line(n: &Note) -> String {
    let loc = match n.line {
        Some(l) => format!("{}:{l}", n.file.display()),
        None => n.file.display().to_string(),
    };
    format!("{loc}: {}: {}", n.kind.label(), n.message)
}

/// Imports the cState site at `opts.source` into the site at `opts.root`.
pub fn cstate(opts: &ImportOptions) -> Result<Report> {
    let config = Config::load(&opts.root)?;
    let existing = load_site(&opts.root).map_err(|mut e| {
        e.push(
            Error::new("the site has errors before the import; nothing was imported")
                .hint("fix them first (`upfront check --drafts` lists them)"),
        );
        e
    })?;
    let issues_dir = issues_dir(&opts.source)?;
    let mut notes = Vec::new();
    let cconf = read_cstate_config(&opts.source, &mut notes)?;
    let tz = opts.timezone.or(cconf.timezone).unwrap_or(Tz::UTC);

    let mut errors = Errors::default();
    let read = read_issues(&issues_dir, tz, &mut notes, &mut errors);
    let plan = plan_components(&config, &cconf, &read.issues, &mut notes, &mut errors);
    let files = plan_notes(&opts.root, &read.issues, &plan, existing, &mut errors);
    let new_toml = site_toml_with(&opts.root, &plan.block)?;
    check_plan(&opts.root, &new_toml, &plan, &files, &mut errors);
    if !errors.is_empty() {
        errors.push(Error::new("nothing was imported").hint(
            "fix the problems above (in the cState files or the upfront site) and run the import again",
        ));
        return Err(errors);
    }
    notes.sort_by(|a, b| (&a.file, a.line, a.kind).cmp(&(&b.file, b.line, b.kind)));
    let report = Report {
        dry_run: opts.dry_run,
        written: files.iter().map(|(p, _)| p.clone()).collect(),
        active: read.issues.iter().filter(|i| is_active(i)).count(),
        components: plan.new.clone(),
        toml_block: plan.block.clone(),
        informational: read.informational,
        notes,
    };
    if !opts.dry_run {
        write_all(&opts.root, &files, &new_toml, !plan.block.is_empty())?;
    }
    Ok(report)
}

/// Whether the imported incident will be active (and so have a banner).
fn is_active(i: &cstate::Issue) -> bool {
    !i.draft && i.updates.last().is_none_or(|u| !u.status.is_final())
}

/// The issues of the folder, converted; informational posts set aside.
struct ReadIssues {
    issues: Vec<cstate::Issue>,
    informational: Vec<PathBuf>,
}

fn read_issues(dir: &Path, tz: Tz, notes: &mut Vec<Note>, errors: &mut Errors) -> ReadIssues {
    let mut read = ReadIssues {
        issues: Vec::new(),
        informational: Vec::new(),
    };
    for path in issue_files(dir, notes, errors) {
        let text = match read_utf8(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let c = cstate::convert(&text, &path, tz);
        notes.extend(c.notes);
        match c.result {
            Ok(cstate::Converted::Incident(i)) => read.issues.push(i),
            Ok(cstate::Converted::Informational) => read.informational.push(path),
            Err(e) => errors.extend(e),
        }
    }
    if read.issues.is_empty() && read.informational.is_empty() && errors.is_empty() {
        errors
            .push(Error::in_file(dir, "no cState issues (*.md) here").hint(
                "point DIR at the root of a cState site, the folder holding content/issues/",
            ));
    }
    read
}

/// A file as UTF-8, never decoded lossily.
fn read_utf8(path: &Path) -> std::result::Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read the file", &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = frontmatter::line_col(e.as_bytes(), e.utf8_error().valid_up_to());
        Error::in_file(path, "the file is not valid UTF-8")
            .at(line, Some(col))
            .hint("save it as UTF-8 and run the import again")
    })
}

/// The note of each issue, by path relative to the site root; an existing
/// file or slug is an error (the import never overwrites).
fn plan_notes(
    root: &Path,
    issues: &[cstate::Issue],
    plan: &ComponentPlan,
    mut slugs: HashSet<String>,
    errors: &mut Errors,
) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for issue in issues {
        let target = Path::new("content/incidents").join(format!("{}.md", issue.slug));
        if root.join(&target).exists() {
            errors.push(
                Error::in_file(
                    &root.join(&target),
                    format!("already exists; {} would be imported here", issue.source.display()),
                )
                .hint("the import never overwrites: move or delete that file, or remove this issue from the import"),
            );
        } else if !slugs.insert(issue.slug.clone()) {
            errors.push(
                Error::in_file(
                    &issue.source,
                    format!("an incident with the slug `{}` already exists", issue.slug),
                )
                .hint("give this issue another `slug:` in its front matter"),
            );
        }
        let ids: Vec<String> = issue
            .affected
            .iter()
            .filter_map(|a| plan.id_of(&a.name))
            .collect();
        let source = issue.source.display().to_string();
        files.push((target, note_text(issue, &ids, &source)));
    }
    files
}

/// The new site.toml must load, and every note must parse against it,
/// before anything is written.
fn check_plan(
    root: &Path,
    new_toml: &str,
    plan: &ComponentPlan,
    files: &[(PathBuf, String)],
    errors: &mut Errors,
) {
    match Config::parse(new_toml, &root.join(crate::source::config::FILE_NAME)) {
        Ok(config) => {
            for (target, text) in files {
                if let Err(e) = content::parse_item(Section::Incidents, text, target, &config) {
                    errors.extend(e);
                }
            }
        }
        Err(e) => {
            errors.extend(e);
            errors.push(
                Error::new("site.toml would not be valid with the imported components")
                    .hint(format!("add them by hand:\n{}", plan.block.trim())),
            );
        }
    }
}

/// The site's incident slugs, after checking that it loads and renders.
fn load_site(root: &Path) -> Result<HashSet<String>> {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        drafts: true,
        ..BuildOptions::default()
    };
    let loaded = build::load(&opts)?;
    build::render(&loaded)?;
    Ok(loaded
        .site
        .incidents
        .iter()
        .map(|e| e.incident.slug.clone())
        .collect())
}

/// `DIR/content/issues`, or DIR itself when it is that folder.
fn issues_dir(source: &Path) -> Result<PathBuf> {
    let nested = source.join("content").join("issues");
    if nested.is_dir() {
        return Ok(nested);
    }
    if source.is_dir() && source.file_name().is_some_and(|n| n == "issues") {
        return Ok(source.to_path_buf());
    }
    Err(Error::in_file(source, "no content/issues/ folder here")
        .hint("point DIR at the root of a cState site, the folder holding content/issues/")
        .into())
}

/// The issue files, sorted; Hugo's `_index.md` and sub-folders are noted,
/// not read.
fn issue_files(dir: &Path, notes: &mut Vec<Note>, errors: &mut Errors) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Error::io(dir, "list the folder", &e));
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let unmapped = |message: &str| Note {
            file: path.clone(),
            line: None,
            kind: NoteKind::Unmapped,
            message: message.to_string(),
        };
        if path.is_dir() {
            notes.push(unmapped(
                "a folder (Hugo page bundle): not imported; only content/issues/*.md files are",
            ));
        } else if name == "_index.md" {
            notes.push(unmapped(
                "Hugo's section index (the list page's text): not an issue, not imported",
            ));
        } else if name.ends_with(".md") {
            files.push(path);
        } else {
            notes.push(unmapped("not a Markdown file: not imported"));
        }
    }
    files
}

/// What the cState site's config says about systems and time.
#[derive(Debug, Default)]
struct CStateConfig {
    file: Option<PathBuf>,
    systems: Vec<System>,
    timezone: Option<Tz>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct System {
    name: String,
    description: String,
    line: Option<usize>,
}

/// Config file names Hugo reads, in its order of preference.
const CONFIG_FILES: &[&str] = &[
    "hugo.yaml",
    "hugo.yml",
    "hugo.toml",
    "config.yaml",
    "config.yml",
    "config.toml",
];

fn read_cstate_config(source: &Path, notes: &mut Vec<Note>) -> Result<CStateConfig> {
    let Some(path) = CONFIG_FILES
        .iter()
        .map(|f| source.join(f))
        .find(|p| p.is_file())
    else {
        notes.push(Note {
            file: source.to_path_buf(),
            line: None,
            kind: NoteKind::Assumed,
            message: format!(
                "no cState config ({}) here: components are made from the issues' `affected` names, without descriptions",
                CONFIG_FILES.join(", ")
            ),
        });
        return Ok(CStateConfig::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, "read", &e))?;
    let value: Value = if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text)
            .map_err(|e| Error::in_file(&path, format!("invalid TOML: {}", e.message().trim())))?
    } else {
        let doc = Document {
            yaml: &text,
            yaml_line: 1,
            body: "",
        };
        frontmatter::parse(&doc, &path).map_err(|mut e| {
            // The same parser as front matter, but this is a whole file.
            e.message = e
                .message
                .replacen("invalid front matter", "invalid YAML", 1);
            e
        })?
    };
    parse_cstate_config(&value, &text, &path, notes)
}

/// Hugo's config keys are case-insensitive.
fn key<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn parse_cstate_config(
    value: &Value,
    text: &str,
    path: &Path,
    notes: &mut Vec<Note>,
) -> Result<CStateConfig> {
    let mut out = CStateConfig {
        file: Some(path.to_path_buf()),
        ..CStateConfig::default()
    };
    if let Some(tz) = key(value, "timeZone").and_then(Value::as_str) {
        out.timezone = Some(tz.parse::<Tz>().map_err(|_| {
            Error::in_file(path, format!("unknown `timeZone: {tz}`"))
                .at_line(frontmatter::find_line(text, "timeZone"))
                .hint("use an IANA name such as UTC or Europe/Berlin, or pass --timezone")
        })?);
    }
    let systems = key(value, "params")
        .and_then(|p| key(p, "systems"))
        .and_then(Value::as_array);
    for s in systems.into_iter().flatten() {
        let Some(name) = key(s, "name").and_then(Value::as_str) else {
            continue;
        };
        let line = frontmatter::find_line(text, &format!("name: {name}"))
            .or_else(|| frontmatter::find_line(text, name));
        for (k, _) in s.as_object().into_iter().flatten() {
            if !["name", "description"].contains(&k.to_lowercase().as_str()) {
                notes.push(Note {
                    file: path.to_path_buf(),
                    line,
                    kind: NoteKind::Unmapped,
                    message: format!(
                        "system `{name}`: `{k}` has no counterpart in upfront components"
                    ),
                });
            }
        }
        out.systems.push(System {
            name: name.trim().to_string(),
            description: key(s, "description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_string(),
            line,
        });
    }
    if key(value, "params")
        .and_then(|p| key(p, "categories"))
        .is_some()
    {
        notes.push(Note {
            file: path.to_path_buf(),
            line: frontmatter::find_line(text, "categories"),
            kind: NoteKind::Unmapped,
            message: "`params.categories`: upfront lists components without groups".into(),
        });
    }
    Ok(out)
}

/// Which component id each cState system name becomes, and the components
/// to append to site.toml.
#[derive(Debug, Default)]
struct ComponentPlan {
    ids: Vec<(String, String)>,
    new: Vec<Component>,
    block: String,
}

impl ComponentPlan {
    fn id_of(&self, name: &str) -> Option<String> {
        self.ids
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
    }
}

/// Systems of the cState config first (their display order), then names
/// only issues mention. A name matches an existing component by name or
/// by id; otherwise it becomes a new component with the slug of its name.
fn plan_components(
    config: &Config,
    cconf: &CStateConfig,
    issues: &[cstate::Issue],
    notes: &mut Vec<Note>,
    errors: &mut Errors,
) -> ComponentPlan {
    let mut plan = ComponentPlan::default();
    let mut wanted: Vec<(String, String, PathBuf, Option<usize>)> = cconf
        .systems
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.description.clone(),
                cconf.file.clone().unwrap_or_default(),
                s.line,
            )
        })
        .collect();
    for issue in issues {
        for a in &issue.affected {
            if wanted.iter().any(|(n, ..)| *n == a.name) {
                continue;
            }
            if cconf.file.is_some() {
                notes.push(Note {
                    file: issue.source.clone(),
                    line: a.line,
                    kind: NoteKind::Assumed,
                    message: format!(
                        "`{}` is not among the systems of the cState config: made a component anyway",
                        a.name
                    ),
                });
            }
            wanted.push((a.name.clone(), String::new(), issue.source.clone(), a.line));
        }
    }
    for (name, description, file, line) in wanted {
        let id = slugify(&name);
        if let Some(c) = config
            .components
            .iter()
            .find(|c| c.name == name || c.id == id)
        {
            plan.ids.push((name, c.id.clone()));
            continue;
        }
        if id.is_empty() {
            errors.push(
                Error::in_file(&file, format!("no component id can be made from `{name}`"))
                    .at_line(line)
                    .hint("add a component for it to site.toml by hand, with `name` set to this exact name"),
            );
            continue;
        }
        if let Some(other) = plan.new.iter().find(|c| c.id == id) {
            errors.push(
                Error::in_file(
                    &file,
                    format!("`{name}` and `{}` would both become the component `{id}`", other.name),
                )
                .at_line(line)
                .hint("add a component for one of them to site.toml by hand, with `name` set to its exact name"),
            );
            continue;
        }
        plan.ids.push((name.clone(), id.clone()));
        plan.new.push(Component {
            id,
            name,
            description,
            ..Component::default()
        });
    }
    plan.block = toml_block(&plan.new);
    plan
}

/// `[[components]]` tables for site.toml.
fn toml_block(components: &[Component]) -> String {
    if components.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n# Imported from cState by `upfront import cstate`.\n");
    for c in components {
        out.push_str(&format!(
            "[[components]]\nid = {}\nname = {}\n",
            toml_string(&c.id),
            toml_string(&c.name)
        ));
        if !c.description.is_empty() {
            out.push_str(&format!("description = {}\n", toml_string(&c.description)));
        }
        out.push('\n');
    }
    out
}

/// A TOML string that reads back as `s`, whatever it holds (toml_edit
/// picks the quoting and the escapes).
fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

/// site.toml's text with `block` appended.
fn site_toml_with(root: &Path, block: &str) -> Result<String> {
    let path = root.join(crate::source::config::FILE_NAME);
    let mut text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, "read", &e))?;
    if !block.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(block);
    }
    Ok(text)
}

/// An upfront incident note for an imported issue (`ids`: its components).
pub fn note_text(issue: &cstate::Issue, ids: &[String], source: &str) -> String {
    let mut text = format!(
        "---\n# Imported from cState: {}\ntitle: {}\ndate: {}\nseverity: {}\naffected: [{}]\n",
        source.replace('\n', " "),
        quote(&issue.title),
        stamp(issue.date),
        issue.severity.name(),
        ids.join(", ")
    );
    if issue.pinned {
        text.push_str("pinned: true\n");
    }
    if issue.draft {
        text.push_str("draft: true\n");
    }
    if issue.updates.is_empty() {
        text.push_str("updates: []\n");
    } else {
        text.push_str("updates:\n");
        for u in &issue.updates {
            text.push_str(&update_entry("  ", u.at, u.status, &u.message, "\n"));
        }
    }
    text.push_str("---\n");
    if !issue.body.trim().is_empty() {
        text.push_str(issue.body.trim_end());
        text.push('\n');
    }
    text
}

/// Writes the notes (never over an existing file) and site.toml, then
/// checks that the site loads and renders; any failure undoes every change.
fn write_all(
    root: &Path,
    files: &[(PathBuf, String)],
    new_toml: &str,
    toml_changed: bool,
) -> Result<()> {
    // Other upfront commands editing notes wait for the import.
    let _lock = crate::author::workflow::EditLock::take(root)?;
    let toml_path = root.join(crate::source::config::FILE_NAME);
    let old_toml = std::fs::read(&toml_path).map_err(|e| Error::io(&toml_path, "read", &e))?;
    let mut created: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<()> {
        let dir = root.join("content/incidents");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create the folder", &e))?;
        for (rel, text) in files {
            let path = root.join(rel);
            crate::vocab::atomic::create_new(&path, text.as_bytes()).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::in_file(rel, "appeared during the import; it was not overwritten")
                } else {
                    Error::io(rel, "write", &e)
                }
            })?;
            created.push(path);
        }
        if toml_changed {
            crate::vocab::atomic::replace(&toml_path, new_toml.as_bytes())
                .map_err(|e| Error::io(&toml_path, "write", &e))?;
        }
        load_site(root).map(|_| ())
    })();
    if let Err(mut errors) = result {
        for p in &created {
            let _ = std::fs::remove_file(p);
        }
        if toml_changed {
            let _ = crate::vocab::atomic::replace(&toml_path, &old_toml);
        }
        errors.push(
            Error::new("the import was rolled back: no file was left changed")
                .hint("fix the problems above and run the import again"),
        );
        return Err(errors);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(components: &str) -> Config {
        Config::parse(
            &format!("title='T'\nbase_url='https://x.test'\n{components}"),
            Path::new("site.toml"),
        )
        .unwrap()
    }

    fn issue(affected: &[&str]) -> cstate::Issue {
        let text = format!(
            "---\ntitle: \"A \\\"quoted\\\" <b>title</b>\"\ndate: 2020-01-01T00:00:00Z\nseverity: down\naffected: [{}]\npin: true\n---\n*Investigating* - Line one\nline two. {{{{< track \"2020-01-01T00:05:00Z\" >}}}}\n\nFree text.\n",
            affected.join(", ")
        );
        match cstate::convert(&text, Path::new("i/a.md"), Tz::UTC).result {
            Ok(cstate::Converted::Incident(i)) => i,
            other => panic!("{other:?}"),
        }
    }

    /// xorshift: a reproducible generator for the property test below.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
            options[(self.next() % options.len() as u64) as usize]
        }
    }

    /// A cState issue in one of many shapes, valid or not.
    fn random_issue(g: &mut Gen) -> String {
        let mut s = String::from("---\n");
        let fields = [
            g.pick(&[
                "title: Plain\n",
                "title: \"Quote \\\" <b> & ]]>\"\n",
                "title: 'Colon: x # y'\n",
                "title: Ünïcode ☃\n",
                "",
                "title:\n",
            ]),
            g.pick(&[
                "date: 2018-05-25 04:13:00\n",
                "date: 2024-12-27T09:43:40.482Z\n",
                "date: 2020-03-01T08:00:00+01:00\n",
                "date: 2018-05-25\n",
                "date: soon\n",
                "",
            ]),
            g.pick(&[
                "resolved: true\n",
                "resolved: false\n",
                "resolved: \"yes\"\n",
                "",
            ]),
            g.pick(&[
                "resolvedWhen: 2018-05-25 06:00:00\n",
                "resolvedWhen: 2018-05-25 03:00:00\n",
                "resolvedWhen:\n",
                "",
            ]),
            g.pick(&[
                "severity: notice\n",
                "severity: disrupted\n",
                "severity: down\n",
                "severity: bad\n",
                "",
            ]),
            g.pick(&[
                "affected: [API]\n",
                "affected:\n  - API\n  - Media Proxy\n",
                "affected: Website\n",
                "affected: [\"日本\"]\n",
                "affected: []\n",
                "",
            ]),
            g.pick(&[
                "pin: true\n",
                "draft: true\n",
                "informational: true\n",
                "section: issue\n",
                "slug: ../x\n",
                "automated: true\n",
                "",
            ]),
        ];
        for f in fields {
            s.push_str(f);
        }
        s.push_str("---\n");
        for _ in 0..(g.next() % 6) {
            s.push_str(g.pick(&[
                "*Resolved* - Fixed. {{< track \"2018-05-25 05:54:00\" >}}\n",
                "*Investigating* -\nLooking: \"x\" | y. {{< track \"2018-05-25T04:13:00Z\" >}}\n",
                "*Update* - More. {{< track \"2018-05-25 05:00\" >}}\n",
                "*Just began* - Hm. {{% track '2018-05-25 04:30:00' %}}\n",
                "Unlabelled. {{< track \"2018-05-25 04:20:00\" >}}\n",
                "*Monitoring* - no time\n",
                "*Resolved* - {{< track \"not a time\" >}}\n",
                "{{< track\n",
                "```\n*Resolved* - {{< track \"2018-05-25 04:00:00\" >}}\n",
                "---\n",
                "\n",
                "Free *text* with {{< youtube x >}}.\n",
                "  - a list: item\n",
            ]));
            s.push_str(g.pick(&["", "\n"]));
        }
        s
    }

    #[test]
    fn every_converted_issue_parses_back_to_its_timeline() {
        let mut g = Gen(0x5eed_c57a_7e00_0001);
        let mut converted = 0;
        for n in 0..3000 {
            let text = random_issue(&mut g);
            let c = cstate::convert(&text, Path::new("i/x.md"), Tz::UTC);
            let Ok(cstate::Converted::Incident(issue)) = c.result else {
                continue;
            };
            converted += 1;
            let names: Vec<&str> = issue.affected.iter().map(|a| a.name.as_str()).collect();
            let ids: Vec<String> = names
                .iter()
                .map(|n| slugify(n))
                .filter(|i| !i.is_empty())
                .collect();
            let components: String = ids
                .iter()
                .collect::<HashSet<_>>()
                .iter()
                .map(|id| format!("[[components]]\nid='{id}'\nname='{id}'\n"))
                .collect();
            let note = note_text(&issue, &ids, "i/x.md");
            let item = content::parse_item(
                Section::Incidents,
                &note,
                Path::new("x.md"),
                &config(&components),
            )
            .unwrap_or_else(|e| panic!("case {n}:\n{text}\n=>\n{note}\n{e}"));
            let content::Item::Incident(parsed) = item else {
                panic!()
            };
            let statuses: Vec<_> = parsed.updates.iter().map(|u| u.status).collect();
            let expected: Vec<_> = issue.updates.iter().map(|u| u.status).collect();
            assert_eq!(statuses, expected, "case {n}:\n{text}\n=>\n{note}");
            assert_eq!(parsed.title, issue.title, "case {n}");
            assert_eq!(parsed.pinned, issue.pinned, "case {n}");
            assert_eq!(parsed.draft, issue.draft, "case {n}");
        }
        assert!(
            converted > 300,
            "the generator makes enough valid issues: {converted}"
        );
    }

    #[test]
    fn names_match_existing_components_by_name_or_id() {
        let c = config("[[components]]\nid='api'\nname='Public API'\n[[components]]\nid='web'\nname='Website'\n");
        let cconf = CStateConfig::default();
        let mut notes = Vec::new();
        let mut errors = Errors::default();
        let plan = plan_components(
            &c,
            &cconf,
            &[issue(&["API", "Website", "Media Proxy"])],
            &mut notes,
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(plan.id_of("API").as_deref(), Some("api"));
        assert_eq!(plan.id_of("Website").as_deref(), Some("web"));
        assert_eq!(plan.id_of("Media Proxy").as_deref(), Some("media-proxy"));
        assert_eq!(plan.new.len(), 1);
        assert!(plan
            .block
            .contains("[[components]]\nid = \"media-proxy\"\nname = \"Media Proxy\"\n"));
    }

    #[test]
    fn colliding_and_empty_ids_are_errors() {
        let mut notes = Vec::new();
        let mut errors = Errors::default();
        plan_components(
            &config(""),
            &CStateConfig::default(),
            &[issue(&["API", "api", "\"日本\""])],
            &mut notes,
            &mut errors,
        );
        let s = errors.to_string();
        assert!(s.contains("`api` and `API` would both become"), "{s}");
        assert!(s.contains("no component id can be made from `日本`"), "{s}");
    }

    #[test]
    fn the_written_note_parses_to_the_same_incident() {
        let i = issue(&["API"]);
        let text = note_text(&i, &["api".into()], "cstate/content/issues/a.md");
        let c = config("[[components]]\nid='api'\nname='API'\n");
        let item = content::parse_item(Section::Incidents, &text, Path::new("a.md"), &c).unwrap();
        let content::Item::Incident(parsed) = item else {
            panic!()
        };
        assert_eq!(parsed.title, i.title);
        assert!(parsed.pinned);
        assert_eq!(parsed.updates.len(), 1);
        assert!(parsed.updates[0]
            .message_html
            .contains("Line one\nline two."));
        assert!(parsed.body_html.contains("Free text."));
    }

    #[test]
    fn characters_yaml_refuses_raw_are_escaped() {
        // Found by the cstate fuzz target: a control character in a
        // multi-line message went into a block scalar, which cannot escape.
        let mut i = issue(&["API"]);
        i.title = "BOM \u{feff} and DEL \u{7f}".into();
        i.updates[0].message = "line \u{e} one\nline two \u{85}".into();
        let text = note_text(&i, &["api".into()], "a.md");
        let c = config("[[components]]\nid='api'\nname='API'\n");
        let item = content::parse_item(Section::Incidents, &text, Path::new("a.md"), &c)
            .unwrap_or_else(|e| panic!("{text}\n{e}"));
        let content::Item::Incident(parsed) = item else {
            panic!()
        };
        assert_eq!(parsed.title, i.title);
    }

    #[test]
    fn toml_block_escapes_and_parses() {
        let block = toml_block(&[Component {
            id: "a".into(),
            name: "Quote \" and \\ back\nslash".into(),
            description: "*md*".into(),
            ..Component::default()
        }]);
        let text = format!("title='T'\nbase_url='https://x.test'\n{block}");
        let c = Config::parse(&text, Path::new("site.toml")).unwrap();
        assert_eq!(c.components[0].name, "Quote \" and \\ back\nslash");
        assert_eq!(c.components[0].description, "*md*");
    }

    #[test]
    fn a_toml_config_is_read_too() {
        let dir = std::env::temp_dir().join(format!("upfront-cstate-toml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("hugo.toml"),
            "title = 'S'\ntimezone = 'America/New_York'\n[params]\n[[params.systems]]\nname = 'API'\ndescription = 'Guts'\n[[params.systems]]\nname = 'Web'\nlink = 'https://x.test'\n",
        )
        .unwrap();
        let mut notes = Vec::new();
        let c = read_cstate_config(&dir, &mut notes);
        let _ = std::fs::remove_dir_all(&dir);
        let c = c.unwrap();
        assert_eq!(c.timezone, Some(chrono_tz::America::New_York));
        assert_eq!(
            c.systems
                .iter()
                .map(|s| (s.name.as_str(), s.description.as_str()))
                .collect::<Vec<_>>(),
            [("API", "Guts"), ("Web", "")]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].message.contains("`link`"));
        assert_eq!(notes[0].line, Some(8));
    }

    #[test]
    fn cstate_config_gives_systems_zone_and_notes() {
        let text = "timeZone: Europe/Berlin\nparams:\n  categories:\n    - name: North\n  systems:\n    - name: Gateway\n      category: North\n    - name: API\n      description: The guts.\n";
        let doc = Document {
            yaml: text,
            yaml_line: 1,
            body: "",
        };
        let v: Value = frontmatter::parse(&doc, Path::new("config.yml")).unwrap();
        let mut notes = Vec::new();
        let c = parse_cstate_config(&v, text, Path::new("config.yml"), &mut notes).unwrap();
        assert_eq!(c.timezone, Some(chrono_tz::Europe::Berlin));
        let names: Vec<&str> = c.systems.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Gateway", "API"]);
        assert_eq!(c.systems[1].description, "The guts.");
        let lines: Vec<(Option<usize>, &str)> =
            notes.iter().map(|n| (n.line, n.message.as_str())).collect();
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == Some(6) && m.contains("`category`")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == Some(3) && m.contains("categories")),
            "{lines:?}"
        );
    }
}
