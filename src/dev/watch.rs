//! File watching for `build --watch` and `serve`: notify events (or polling)
//! gathered into batches after a short quiet time, and the rebuild loop
//! that never stops on a bad save.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use crate::dev::incremental::{classify, Change, Report, Session};
use crate::pipeline::build::BuildOptions;
use crate::pipeline::output;
use crate::vocab::error::{Error, Errors, Result};

/// How changes are noticed.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// Quiet time after the last event before a rebuild starts. Editors save
    /// in several steps (write a temporary file, rename, touch); a few tens
    /// of milliseconds gathers them into one rebuild.
    pub debounce: Duration,
    /// Poll the file system instead of native events (network and some
    /// container file systems send none).
    pub poll: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: Duration::from_millis(20),
            poll: false,
        }
    }
}

/// The quiet time after a save that is known to be complete (see
/// `completes_a_save`): long enough to gather the rest of a burst (a
/// checkout writing many files), short beside the debounce.
const SETTLED: Duration = Duration::from_millis(2);

/// Hears each watcher event before the rebuild loop does (on the
/// watcher's thread, in the order events happened); returns true for an
/// event the rebuild need not hear.
pub type Tap = Box<dyn Fn(&notify::Result<Event>) -> bool + Send>;

/// Changed paths under a site, in batches.
pub struct Changes {
    /// Each changed path, whether the event says its save is complete, and
    /// whether upfront reads the path at all.
    rx: Receiver<(PathBuf, bool, bool)>,
    debounce: Duration,
    /// Kept alive for as long as events are wanted; `next_batch` adds and
    /// drops the watches of the source folders as they come and go.
    watcher: Mutex<Box<dyn Watcher + Send>>,
    /// The site root as events name it (absolute), and as the caller does.
    absolute: PathBuf,
    root: PathBuf,
}

/// The folders watched (recursively) whenever they exist.
const SOURCE_DIRS: [&str; 4] = ["content", "layouts", "static", crate::vocab::i18n::DIR];

impl Changes {
    /// Watches site.toml and the content, layouts, static and i18n folders of `root`.
    pub fn watch(root: &Path, opts: WatchOptions, tap: Option<Tap>) -> Result<Changes> {
        let (tx, rx) = channel();
        // Events name absolute paths; a relative `--root` gets its paths
        // back in its own terms, as the rest of the rebuild expects them.
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let relative_root = root.is_relative().then(|| root.to_path_buf());
        let site = root.to_path_buf();
        let handler = move |res: notify::Result<Event>| {
            if tap.as_ref().is_some_and(|tap| tap(&res)) {
                return;
            }
            let Ok(event) = res else { return };
            let complete = completes_a_save(&event.kind);
            if matches!(event.kind, EventKind::Access(_)) && !complete {
                return;
            }
            for p in event.paths {
                let p = match (&relative_root, p.strip_prefix(&absolute)) {
                    (Some(root), Ok(rel)) => root.join(rel),
                    _ => p,
                };
                // An editor's own files (a backup, a swap file) say nothing
                // of whether the real one is written yet.
                let read = classify(&site, Path::new(""), &p) != Change::Ignored;
                let _ = tx.send((p, complete, read));
            }
        };
        let mut watcher: Box<dyn Watcher + Send> = if opts.poll {
            let config = notify::Config::default().with_poll_interval(Duration::from_millis(100));
            Box::new(PollWatcher::new(handler, config).map_err(|e| watch_error(root, &e))?)
        } else {
            Box::new(
                RecommendedWatcher::new(handler, notify::Config::default())
                    .map_err(|e| watch_error(root, &e))?,
            )
        };
        // The root itself only shallowly: it may hold big folders (target/,
        // node_modules/, the output) that are none of our business. Its
        // events tell when a source folder comes or goes (`rewatch`).
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(root, &e))?;
        let changes = Changes {
            rx,
            debounce: opts.debounce,
            watcher: Mutex::new(watcher),
            absolute: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            root: root.to_path_buf(),
        };
        for dir in SOURCE_DIRS {
            changes.rewatch(dir)?;
        }
        Ok(changes)
    }

    /// Watches a source folder afresh: the watch of a folder that was
    /// removed or moved away is dropped (a moved folder's watch would follow
    /// it), and the folder now at that path, if any, is watched recursively.
    /// Files it already held sent no event: the caller reads it whole.
    fn rewatch(&self, dir: &str) -> Result<()> {
        let path = self.absolute.join(dir);
        let mut watcher = self.watcher.lock().unwrap_or_else(|p| p.into_inner());
        let _ = watcher.unwatch(&path);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| watch_error(&self.root.join(dir), &e))?;
        }
        Ok(())
    }

    /// Re-establishes the watch of each source folder the batch names
    /// itself (created, removed or renamed at the top of the site).
    fn rewatch_named(&self, batch: &[PathBuf]) {
        for dir in SOURCE_DIRS {
            let named = batch
                .iter()
                .any(|p| p == &self.root.join(dir) || p == &self.absolute.join(dir));
            if named {
                if let Err(e) = self.rewatch(dir) {
                    eprintln!("{e}");
                }
            }
        }
    }

    /// Waits for a change, then gathers more until none came for the
    /// debounce time, or for `SETTLED` once a save of a file upfront reads
    /// is known to be complete (its file closed after writing, or renamed
    /// into place): the debounce is for saves in several steps, and waiting
    /// it out after the last step only delays the rebuild. `None` when the
    /// watcher has stopped.
    pub fn next_batch(&self) -> Option<Vec<PathBuf>> {
        let (first, complete, read) = self.rx.recv().ok()?;
        // Settled while the last event on a file upfront reads completed
        // its save: a later write to another file unsettles the batch.
        let mut settled = complete && read;
        let mut batch = vec![first];
        let quiet = |settled: bool| {
            if settled {
                SETTLED.min(self.debounce)
            } else {
                self.debounce
            }
        };
        let mut deadline = Instant::now() + quiet(settled);
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(wait) {
                Ok((p, complete, read)) => {
                    batch.push(p);
                    if read {
                        settled = complete;
                    }
                    deadline = Instant::now() + quiet(settled);
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        batch.sort();
        batch.dedup();
        self.rewatch_named(&batch);
        Some(batch)
    }
}

/// Whether an event ends a save: the file was closed after writing, or a
/// finished file was renamed into place (an atomic save, `upfront update`).
fn completes_a_save(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    )
}

fn watch_error(path: &Path, e: &notify::Error) -> Error {
    Error::in_file(path, format!("cannot watch for changes: {e}"))
        .hint("try --poll, or raise fs.inotify.max_user_watches")
}

/// The result of one rebuild, for the terminal and the browser.
pub enum Outcome {
    Rebuilt(Report),
    Failed(Errors),
}

/// One line for the terminal: what changed, what was rewritten, how long.
pub fn describe(root: &Path, paths: &[PathBuf], outcome: &Outcome, took: Duration) -> String {
    let names: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    let more = paths.len().saturating_sub(3);
    let changed = if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    };
    match outcome {
        Outcome::Rebuilt(r) => format!(
            "{changed}: {} {} page{} rendered, {} removed, {} file{} re-read in {} ms",
            if r.full { "all" } else { "" },
            r.rendered,
            if r.rendered == 1 { "" } else { "s" },
            r.removed,
            r.reparsed,
            if r.reparsed == 1 { "" } else { "s" },
            took.as_millis()
        )
        .replace(":  ", ": "),
        Outcome::Failed(e) => format!(
            "{changed}: not rebuilt, {} error{}; still showing the last good site\n{e}",
            e.len(),
            if e.len() == 1 { "" } else { "s" }
        ),
    }
}

/// `upfront build --watch`: build, then rebuild the output on every change.
pub fn build_watch(opts: BuildOptions, watch: WatchOptions, quiet: bool) -> Result<()> {
    // It answers `upfront new` as serve does (see `dev::desk`).
    #[cfg(target_os = "linux")]
    let desk = crate::dev::desk::open(&opts.root, watch.poll);
    #[cfg(target_os = "linux")]
    let tap = desk.as_ref().map(|d| -> Tap { Box::new(d.tap()) });
    #[cfg(not(target_os = "linux"))]
    let tap = None;
    let changes = Changes::watch(&opts.root, watch, tap)?;
    let mut session = match Session::start(opts.clone()) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("upfront: the site has errors; waiting for a fix\n{e}");
            None
        }
    };
    if let Some(s) = &session {
        write(s, &opts)?;
        if !quiet {
            println!(
                "upfront: built {} files; watching {} for changes (Ctrl-C to stop)",
                s.rendered().files.len() + s.rendered().copies.len(),
                opts.root.display()
            );
        }
    }
    #[cfg(target_os = "linux")]
    if let Some(desk) = desk {
        crate::dev::desk::load_in_background(desk.clone());
        crate::dev::desk::answer_on_own_thread(desk, opts.root.clone());
    }
    while let Some(paths) = changes.next_batch() {
        let started = Instant::now();
        let paths = crate::dev::incremental::relevant(&opts.root, session.as_ref(), &paths);
        if paths.is_empty() {
            continue;
        }
        let outcome = rebuild(&mut session, &opts, &paths);
        if let Outcome::Rebuilt(report) = &outcome {
            if report.is_noop() {
                continue;
            }
        }
        if let (Outcome::Rebuilt(_), Some(s)) = (&outcome, &session) {
            if let Err(e) = write(s, &opts) {
                eprintln!("{e}");
                continue;
            }
        }
        let line = describe(&opts.root, &paths, &outcome, started.elapsed());
        match outcome {
            Outcome::Rebuilt(_) if !quiet => println!("{line}"),
            Outcome::Rebuilt(_) => {}
            Outcome::Failed(_) => eprintln!("{line}"),
        }
    }
    Ok(())
}

/// Applies a batch to the session, starting one if the site had no good
/// state yet.
pub fn rebuild(session: &mut Option<Session>, opts: &BuildOptions, paths: &[PathBuf]) -> Outcome {
    let result = match session {
        Some(s) => s.apply(paths),
        None => Session::start(opts.clone()).map(|s| {
            let files = s.rendered().files.len();
            *session = Some(s);
            Report {
                rendered: files,
                full: true,
                ..Report::default()
            }
        }),
    };
    match result {
        Ok(r) => Outcome::Rebuilt(r),
        Err(e) => Outcome::Failed(e),
    }
}

/// Writes the whole site with the atomic swap of a normal build, so readers
/// of the output never see half of it.
fn write(session: &Session, opts: &BuildOptions) -> Result<()> {
    let out = output::resolve(&opts.root, &session.output_dir())?;
    output::write_site(&out, &session.outputs(), &session.rendered().copies)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::Sender;

    fn changes(debounce: Duration) -> (Sender<(PathBuf, bool, bool)>, Changes) {
        let (tx, rx) = channel();
        let watcher = PollWatcher::new(|_: notify::Result<Event>| {}, notify::Config::default())
            .expect("a poll watcher needs nothing");
        let changes = Changes {
            rx,
            debounce,
            watcher: Mutex::new(Box::new(watcher)),
            absolute: PathBuf::from("/nonexistent-site"),
            root: PathBuf::from("/nonexistent-site"),
        };
        (tx, changes)
    }

    #[test]
    fn a_completed_save_ends_the_quiet_time_early() {
        let (tx, c) = changes(Duration::from_secs(30));
        let note = PathBuf::from("content/incidents/a.md");
        tx.send((note.clone(), false, true)).unwrap();
        tx.send((note.clone(), true, true)).unwrap();
        // An editor's backup going away says nothing either way.
        tx.send(("content/incidents/a.md~".into(), false, false))
            .unwrap();
        let started = Instant::now();
        let batch = c.next_batch().unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(batch.len(), 2);
    }

    #[test]
    fn a_write_after_a_completed_save_waits_the_debounce_again() {
        let debounce = Duration::from_millis(300);
        let (tx, c) = changes(debounce);
        tx.send(("content/incidents/a.md".into(), true, true))
            .unwrap();
        tx.send(("content/incidents/b.md".into(), false, true))
            .unwrap();
        let started = Instant::now();
        assert_eq!(c.next_batch().unwrap().len(), 2);
        assert!(started.elapsed() >= debounce);
    }

    #[test]
    fn closing_after_writing_and_renaming_into_place_complete_a_save() {
        assert!(completes_a_save(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(completes_a_save(&EventKind::Modify(ModifyKind::Name(
            RenameMode::To
        ))));
        assert!(!completes_a_save(&EventKind::Modify(ModifyKind::Name(
            RenameMode::From
        ))));
        assert!(!completes_a_save(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(!completes_a_save(&EventKind::Modify(ModifyKind::Any)));
    }
}
