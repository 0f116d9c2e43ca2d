//! The pipeline: config → content → model → templates → render → output,
//! with the time each stage took.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Local};
use rayon::prelude::*;

use crate::pipeline::output::{self, Copy};
use crate::publish::{outputs, pages, Output};
use crate::site::model::Site;
use crate::source::config::Config;
use crate::source::content::Content;
use crate::source::templates::Templates;
use crate::vocab::clock;
use crate::vocab::error::{Error, Errors, Result};
use crate::vocab::ids::Fnv;
use crate::vocab::times::Time;

/// What `upfront build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// The moment the site describes; the current time when not given.
    pub now: Option<Time>,
}

impl BuildOptions {
    pub fn now(&self) -> Time {
        self.now.unwrap_or_else(|| Local::now().fixed_offset())
    }
}

/// Where the time went, per stage (wall clock).
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub load: Duration,
    /// Rendering every file and writing it to the staging folder.
    pub render: Duration,
    /// The part of `render` spent writing, summed over threads.
    pub writing: Duration,
    /// Static copies, the swap, and removing the previous site.
    pub write: Duration,
    /// The parts of `load`.
    pub stages: LoadTimings,
}

/// The parts of loading. Content and templates load at the same time, so
/// they overlap; `read` and `markdown` are summed over all threads, since
/// reading, front matter and Markdown run together per file on every core.
#[derive(Debug, Clone, Default)]
pub struct LoadTimings {
    pub config: Duration,
    pub content: Duration,
    pub templates: Duration,
    pub statics: Duration,
    pub model: Duration,
    pub read: Duration,
    pub markdown: Duration,
}

impl Timings {
    pub fn total(&self) -> Duration {
        self.load + self.render + self.write
    }

    /// The table `upfront build --timings` prints.
    pub fn report(&self) -> String {
        let ms = |d: Duration| format!("{:9.1} ms", d.as_secs_f64() * 1000.0);
        let s = &self.stages;
        let rows = [
            ("load", self.load, ""),
            ("  config", s.config, ""),
            ("  content", s.content, "  read, front matter, Markdown"),
            ("    read", s.read, "  summed over threads"),
            ("    markdown", s.markdown, "  summed over threads"),
            ("  templates", s.templates, "  beside content"),
            ("  static", s.statics, ""),
            ("  model", s.model, ""),
            (
                "render",
                self.render,
                "  templates; pages written as they finish",
            ),
            ("  writing", self.writing, "  summed over threads"),
            (
                "write",
                self.write,
                "  static files, swap, old site removed",
            ),
            ("total", self.total(), ""),
        ];
        rows.iter()
            .map(|(name, d, note)| format!("{name:<14}{}{note}\n", ms(*d)))
            .collect()
    }
}

/// A finished build.
#[derive(Debug, Clone)]
pub struct Built {
    pub files: usize,
    pub output: PathBuf,
    pub timings: Timings,
    /// Problems of drafts that were left out (SPEC §8).
    pub warnings: Errors,
}

/// Everything read from disk and checked: the input of a render.
pub struct Loaded {
    pub site: Site,
    pub templates: Templates,
    pub copies: Vec<Copy>,
    pub timings: LoadTimings,
    /// Problems of drafts left out of the build (SPEC §8): told, not fatal.
    pub warnings: Errors,
}

/// Reads and checks the whole site (config, content, templates, static),
/// reporting every error together.
pub fn load(opts: &BuildOptions) -> Result<Loaded> {
    let mut t = LoadTimings::default();
    let config = timed(&mut t.config, || load_config(opts))?;
    let (read, markdown) = (clock::READ.total(), clock::MARKDOWN.total());
    let ((content, content_time), (templates, templates_time)) = rayon::join(
        || timed_value(|| Content::load(&opts.root, &config, opts.drafts)),
        || timed_value(|| Templates::load(&opts.root)),
    );
    (t.content, t.templates) = (content_time, templates_time);
    t.read = clock::READ.total().saturating_sub(read);
    t.markdown = clock::MARKDOWN.total().saturating_sub(markdown);
    let statics = timed(&mut t.statics, || Statics::load(&opts.root, &config));
    let mut errors = Errors::default();
    let statics = statics.map_err(|e| errors.extend(e)).ok();
    let content = content.map_err(|e| errors.extend(e)).ok();
    let templates = templates.map_err(|e| errors.extend(e)).ok();
    match (statics, content, templates) {
        (Some(statics), Some(mut content), Some(templates)) => {
            let warnings = std::mem::take(&mut content.warnings);
            let site = timed(&mut t.model, || {
                Site::new(config, content, opts.now(), statics.digest_with(&templates))
            });
            Ok(Loaded {
                site,
                templates,
                copies: statics.copies,
                timings: t,
                warnings,
            })
        }
        // Each part failing has put its errors in `errors`.
        _ => Err(errors.sorted()),
    }
}

/// Where the site is written: `--output`, else `output_dir` of site.toml,
/// refused when not safe to replace (SPEC §8). `build` and `check` both ask
/// here, so they refuse the same directories.
pub fn output_dir(opts: &BuildOptions, config: &Config) -> std::result::Result<PathBuf, Error> {
    let dir = opts.output.as_ref().unwrap_or(&config.output_dir);
    output::resolve(&opts.root, dir)
}

/// Runs `f`, storing how long it took in `into`.
fn timed<T>(into: &mut Duration, f: impl FnOnce() -> T) -> T {
    let (value, took) = timed_value(f);
    *into = took;
    value
}

fn timed_value<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// site.toml, with `--base-url` applied.
pub fn load_config(opts: &BuildOptions) -> Result<Config> {
    let mut config = Config::load(&opts.root)?;
    if let Some(url) = &opts.base_url {
        config.base_url = url.trim_end_matches('/').to_string();
    }
    Ok(config)
}

/// The files of `static/` and a digest of them and the config, for the build id.
#[derive(Debug, Clone)]
pub struct Statics {
    pub copies: Vec<Copy>,
    digest: Fnv,
}

impl Statics {
    pub fn load(root: &Path, config: &Config) -> Result<Statics> {
        let copies = static_files(root)?;
        let mut digest = Fnv::default();
        digest.write(format!("{config:?}").as_bytes());
        // Contents, not modification times: a fresh clone must get the same id.
        let hashes: Vec<u64> = copies
            .par_iter()
            .map(|c| std::fs::read(&c.source).map_or(0, |b| crate::vocab::ids::fnv(&b)))
            .collect();
        for (c, h) in copies.iter().zip(hashes) {
            digest.write(c.path.as_bytes());
            digest.write_u64(h);
        }
        Ok(Statics { copies, digest })
    }

    /// Everything but the content that goes into the build id.
    pub fn digest_with(&self, templates: &Templates) -> u64 {
        let mut d = self.digest;
        d.write_u64(templates.digest);
        d.0
    }
}

/// Renders a loaded site and checks that static files do not collide with
/// generated ones.
pub fn render(loaded: &Loaded) -> Result<Vec<Output>> {
    let statics: Vec<&str> = loaded.copies.iter().map(|c| c.path.as_str()).collect();
    let outputs = outputs::render(&loaded.site, &loaded.templates, &statics)?;
    let generated = |path: &str| {
        outputs
            .binary_search_by(|o| o.path.as_str().cmp(path))
            .is_ok()
    };
    check_collisions(generated, &loaded.copies)?;
    Ok(outputs)
}

/// A static file may not take the path of a generated one.
pub fn check_collisions(generated: impl Fn(&str) -> bool, copies: &[Copy]) -> Result<()> {
    let mut errors = Errors::default();
    for c in copies {
        if generated(&c.path) {
            errors.push(
                Error::in_file(
                    &c.source,
                    format!("static file collides with the generated /{}", c.path),
                )
                .hint("rename or remove the static file"),
            );
        }
    }
    errors.into_result(())
}

/// A full build: everything checked and rendered before the old output is
/// touched, then swapped in whole.
pub fn build(opts: &BuildOptions) -> Result<Built> {
    let start = Instant::now();
    let loaded = load(opts)?;
    let out = output_dir(opts, &loaded.site.config)?;
    let loaded_at = Instant::now();
    let written = clock::WRITE.total();
    let files = render_into(&loaded, &out)?;
    let rendered_at = Instant::now();
    let writing = clock::WRITE.total().saturating_sub(written);
    files.staging.finish(&loaded.copies)?;
    let timings = Timings {
        load: loaded_at - start,
        render: rendered_at - loaded_at,
        writing,
        write: rendered_at.elapsed(),
        stages: loaded.timings.clone(),
    };
    Ok(Built {
        files: files.count + loaded.copies.len(),
        output: out,
        timings,
        warnings: loaded.warnings,
    })
}

/// A rendered site in its staging folder, not yet in place.
struct Staged {
    staging: output::Staging,
    count: usize,
}

/// Renders every file into a staging folder beside `out`, each page
/// written as soon as it is rendered so the site is never in memory whole.
/// Nothing of `out` changes; on an error the staging folder goes away.
fn render_into(loaded: &Loaded, out: &Path) -> Result<Staged> {
    let site = &loaded.site;
    let statics: Vec<&str> = loaded.copies.iter().map(|c| c.path.as_str()).collect();
    let page_paths: Vec<String> = (pages::all_jobs(site).iter())
        .map(|j| pages::job_path(site, j))
        .collect();
    let page_paths: Vec<&str> = page_paths.iter().map(String::as_str).collect();
    let paths = outputs::Paths {
        pages: &page_paths,
        statics: &statics,
    };
    let extras = outputs::extras(site, &loaded.templates, &paths);
    if !loaded.copies.is_empty() {
        let generated: HashSet<&str> = (extras.iter().map(|o| o.path.as_str()))
            .chain(page_paths.iter().copied())
            .collect();
        check_collisions(|p| generated.contains(p), &loaded.copies)?;
    }
    let staging = output::Staging::begin(out)?;
    let write = |file: &Output| clock::WRITE.time(|| staging.write(file));
    let pages = pages::render_each(site, &loaded.templates, |page| write(&page))?;
    extras.par_iter().try_for_each(write)?;
    Ok(Staged {
        staging,
        count: pages + extras.len(),
    })
}

/// The files of `static/`, by output path.
fn static_files(root: &Path) -> Result<Vec<Copy>> {
    let mut errors = Errors::default();
    let copies = crate::source::walk::files(
        root,
        &root.join("static"),
        |rel| crate::source::walk::Folder::Static.reads(rel),
        &mut errors,
    )
    .into_iter()
    .map(|f| Copy {
        path: f.rel,
        source: f.path,
    })
    .collect();
    errors.into_result(copies)
}

/// Parses `--now`.
pub fn parse_time(s: &str) -> std::result::Result<Time, String> {
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time with a zone offset ({e})"))
}
