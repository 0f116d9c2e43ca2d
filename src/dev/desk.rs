//! The watching side of `author::ask` (`serve` and `build --watch`): the
//! slug of every note, kept from the watcher's events, and answers to
//! `upfront new`'s question "which notes have this slug?" once the
//! question's fence has been heard.
//!
//! The watcher thread only marks the paths it hears of (`Desk::heard`);
//! the notes are read again when a question comes, so a burst of saves
//! costs nothing until someone asks. Lost events (the kernel's queue ran
//! over) drop everything known, and the next question reads the folder.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind};
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

use crate::author::ask::{self, Question, FENCE, FENCE_WAIT};
use crate::author::slugs::{file_slug, Slugs};
use crate::source::content::{self, Section};
use crate::source::walk;
use crate::vocab::error::Errors;

/// The fences heard last, newest at the back; a question's fence is found
/// here (a few are kept, since questions may overlap).
const FENCES_KEPT: usize = 16;

/// The longest question read, in bytes.
const QUESTION_MAX: u64 = 4096;

pub struct Desk {
    /// The site root as events name it (absolute).
    root: PathBuf,
    /// Its `content` folder, which every event's path is compared with.
    content: PathBuf,
    state: Mutex<State>,
    fences: watch::Sender<VecDeque<String>>,
}

#[derive(Default)]
struct State {
    /// Per section (in `Section::ALL`'s order): every note's slug, or
    /// `None` until read.
    books: [Option<Book>; 3],
    /// Per section: paths in its folder heard of since the book was read.
    dirty: [FxHashSet<String>; 3],
    /// Moves on whenever events may have been lost.
    epoch: u64,
}

/// A section's notes: path in the folder → slug.
#[derive(Default)]
struct Book {
    notes: FxHashMap<String, String>,
    /// How many notes sit in subfolders: only then can a folder's name in
    /// an event stand for notes.
    nested: usize,
}

/// Where an event's path lies.
enum Place {
    /// In a section's folder, with its path there.
    In(Section, String),
    /// A section's folder itself, or one above it.
    Above,
    Elsewhere,
}

impl Desk {
    pub fn new(root: &Path) -> Arc<Desk> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Arc::new(Desk {
            content: root.join("content"),
            root,
            state: Mutex::default(),
            fences: watch::Sender::new(VecDeque::new()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `heard`, for the watcher's tap (`dev::watch::Tap`).
    pub fn tap(self: &Arc<Self>) -> impl Fn(&notify::Result<Event>) -> bool + Send + 'static {
        let desk = self.clone();
        move |event| desk.heard(event)
    }

    /// Takes note of a watcher event (on the watcher's thread, so in the
    /// order events happened). Returns whether it was only of fences,
    /// which no rebuild needs to hear.
    pub fn heard(&self, event: &notify::Result<Event>) -> bool {
        let event = match event {
            Ok(e) if !e.need_rescan() && !e.paths.is_empty() => e,
            _ => {
                self.forget();
                return false;
            }
        };
        if matches!(event.kind, EventKind::Access(kind) if kind != AccessKind::Close(AccessMode::Write))
        {
            // Read, not changed: a build reading every note is no news.
            return false;
        }
        let mut fences = Vec::new();
        let mut others = false;
        {
            let mut state = self.state();
            for path in &event.paths {
                match self.place(path) {
                    Place::In(_, rel) if rel.starts_with(FENCE) => {
                        if matches!(event.kind, EventKind::Create(_)) {
                            fences.push(rel);
                        }
                    }
                    Place::In(section, rel) => {
                        others = true;
                        state.dirty[index(section)].insert(rel);
                    }
                    Place::Above => {
                        others = true;
                        state.forget();
                    }
                    Place::Elsewhere => others = true,
                }
            }
        }
        // After the state's lock is given back: a question waits on the
        // fences first, then takes the state.
        if !fences.is_empty() {
            self.fences.send_modify(|heard| {
                heard.extend(fences);
                while heard.len() > FENCES_KEPT {
                    heard.pop_front();
                }
            });
        }
        !others
    }

    fn forget(&self) {
        self.state().forget();
    }

    fn place(&self, path: &Path) -> Place {
        let Ok(rest) = path.strip_prefix(&self.content) else {
            return if self.root.starts_with(path) {
                Place::Above
            } else {
                Place::Elsewhere
            };
        };
        let mut parts = rest.components();
        let Some(dir) = parts.next() else {
            return Place::Above;
        };
        let Some(section) = (Section::ALL.into_iter()).find(|s| dir.as_os_str() == s.dir()) else {
            return Place::Elsewhere;
        };
        let parts: Option<Vec<&str>> = parts.map(|p| p.as_os_str().to_str()).collect();
        match parts {
            Some(parts) if parts.is_empty() => Place::Above,
            Some(parts) => Place::In(section, parts.join("/")),
            // A name that is not UTF-8 is no note (the walk refuses it).
            None => Place::Elsewhere,
        }
    }

    /// Reads a section's notes from its folder (the slug cache makes that
    /// quick). Paths heard of meanwhile are read again at the next question.
    pub fn load(&self, section: Section) {
        let epoch = {
            let mut state = self.state();
            state.dirty[index(section)].clear();
            state.epoch
        };
        let slugs = Slugs::of(&self.root, section);
        let mut book = Book::default();
        for (rel, slug) in slugs.notes() {
            book.insert(rel.to_string(), slug.to_string());
        }
        let mut state = self.state();
        if state.epoch == epoch {
            state.books[index(section)] = Some(book);
        }
    }

    /// The answer to a question, once its fence is heard; `None` when it
    /// is not heard in time.
    pub async fn answer(&self, q: &Question) -> Option<String> {
        let mut heard = self.fences.subscribe();
        let fence = heard.wait_for(|heard| heard.contains(&q.fence));
        tokio::time::timeout(FENCE_WAIT, fence).await.ok()?.ok()?;
        let at = index(q.section);
        if self.state().books[at].is_none() {
            self.load(q.section);
        }
        let mut state = self.state();
        let State { books, dirty, .. } = &mut *state;
        let book = books[at].as_mut()?;
        let folder = q.section.folder(&self.root);
        for rel in dirty[at].drain() {
            book.read_again(&self.root, &folder, rel);
        }
        let concerned = (book.notes.iter())
            .filter(|(_, slug)| q.concerns(slug))
            .map(|(rel, slug)| (slug.as_str(), rel.as_str()));
        ask::answer(concerned)
    }
}

impl State {
    /// Drops everything known: the watcher may have missed events, or a
    /// section's whole folder came or went.
    fn forget(&mut self) {
        self.epoch += 1;
        self.books = Default::default();
        self.dirty = Default::default();
    }
}

fn index(section: Section) -> usize {
    (Section::ALL.iter())
        .position(|s| *s == section)
        .unwrap_or_default()
}

impl Book {
    fn insert(&mut self, rel: String, slug: String) {
        let nested = rel.contains('/');
        if self.notes.insert(rel, slug).is_none() && nested {
            self.nested += 1;
        }
    }

    fn remove(&mut self, rel: &str) {
        if self.notes.remove(rel).is_some() && rel.contains('/') {
            self.nested -= 1;
        }
    }

    /// Takes what is at `rel` now: a note, a folder of notes, or nothing.
    fn read_again(&mut self, root: &Path, folder: &Path, rel: String) {
        if !walk::Folder::Content.reads(&rel) {
            return;
        }
        let path = folder.join(&rel);
        // Whatever it was, it may have been a folder of notes.
        if self.nested > 0 {
            let inside = format!("{rel}/");
            let gone: Vec<String> = (self.notes.keys())
                .filter(|k| k.starts_with(&inside))
                .cloned()
                .collect();
            for k in gone {
                self.remove(&k);
            }
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                // Notes put there before the watcher heard of the folder
                // sent no event of their own.
                walk::each(root, &path, content::is_note, &mut Errors::default(), |f| {
                    self.insert(format!("{rel}/{}", f.rel), file_slug(&f.path));
                });
                self.remove(&rel);
            }
            Ok(m) if m.is_file() && content::is_note(&rel) => self.insert(rel, file_slug(&path)),
            _ => self.remove(&rel),
        }
    }
}

/// The socket a watcher answers on, removed when it stops (unless another
/// watcher of the same site has put its own there since).
struct Socket {
    listener: UnixListener,
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl Socket {
    /// Binds in place of any socket a watcher that is gone (or another one
    /// of the same site: both would answer alike) left; `None` when it
    /// cannot (a read-only site, a path too long for a socket), and the
    /// commands then read the folder themselves.
    fn bind(root: &Path) -> Option<Socket> {
        let path = ask::socket(root);
        std::fs::create_dir_all(path.parent()?).ok()?;
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).ok()?;
        let identity = identity(&path);
        Some(Socket {
            listener,
            path,
            identity,
        })
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        if identity(&self.path) == self.identity {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A file's (device, inode).
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    Some((m.dev(), m.ino()))
}

/// A desk for the site at `root`; none when polling (polled changes come
/// in no order, and an answer must hold every save made before its
/// question).
pub fn open(root: &Path, poll: bool) -> Option<Arc<Desk>> {
    (!poll).then(|| Desk::new(root))
}

/// Reads every note's slug on a thread of its own, beside the first
/// rebuilds (should the thread not start, the first question reads them).
pub fn load_in_background(desk: Arc<Desk>) {
    let _ = std::thread::Builder::new()
        .name("upfront-slugs".into())
        .spawn(move || Section::ALL.map(|section| desk.load(section)));
}

/// Answers on a thread of its own, for `build --watch`, which runs no
/// server. Ctrl-C (or SIGTERM) removes the socket, then ends the process
/// as the signal would have: a build it cuts short is crash-safe anyway.
pub fn answer_on_own_thread(desk: Arc<Desk>, root: PathBuf) {
    let answer = move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let code = runtime.block_on(async {
            use tokio::signal::unix::{signal, SignalKind};
            // Without a handler the socket would outlive the process:
            // then no answers (`new` reads the folder).
            let Ok(mut interrupt) = signal(SignalKind::interrupt()) else {
                return None;
            };
            let mut terminate = signal(SignalKind::terminate()).ok();
            let terminated = async {
                match terminate.as_mut() {
                    Some(t) => t.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = listen(Some(desk), &root) => None,
                _ = interrupt.recv() => Some(130),
                _ = terminated => Some(143),
            }
        });
        if let Some(code) = code {
            std::process::exit(code);
        }
    };
    let _ = std::thread::Builder::new()
        .name("upfront-answers".into())
        .spawn(answer);
}

/// Answers questions for as long as its caller runs (never, without a
/// desk or a socket).
pub async fn listen(desk: Option<Arc<Desk>>, root: &Path) {
    let Some((desk, socket)) = desk.and_then(|d| Some((d, Socket::bind(root)?))) else {
        return std::future::pending().await;
    };
    loop {
        let Ok((stream, _)) = socket.listener.accept().await else {
            // Out of descriptors, say: the pages come first; retry later.
            tokio::time::sleep(FENCE_WAIT).await;
            continue;
        };
        let desk = desk.clone();
        tokio::spawn(async move { reply(&desk, stream).await });
    }
}

async fn reply(desk: &Desk, stream: UnixStream) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    // A question is one short line: anything longer is not one.
    let mut read = BufReader::new(read.take(QUESTION_MAX));
    let asked = tokio::time::timeout(FENCE_WAIT, read.read_line(&mut line)).await;
    let question = asked
        .ok()
        .and_then(|r| r.ok())
        .and_then(|_| Question::parse(&line));
    let answer = match question {
        Some(q) => desk.answer(&q).await,
        None => None,
    };
    let text = answer.unwrap_or_else(|| "no\n".into());
    let _ = write.write_all(text.as_bytes()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, ModifyKind, RemoveKind, RenameMode};

    fn site(notes: &[(&str, &str)]) -> (tempfile::TempDir, Arc<Desk>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content/incidents")).unwrap();
        for (rel, slug) in notes {
            write(dir.path(), rel, slug);
        }
        let desk = Desk::new(dir.path());
        desk.load(Section::Incidents);
        (dir, desk)
    }

    fn write(root: &Path, rel: &str, slug: &str) {
        let path = root.join("content/incidents").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("---\ntitle: t\nslug: {slug}\n---\n")).unwrap();
    }

    fn hear(desk: &Desk, kind: EventKind, rel: &str) -> bool {
        let path = desk.root.join("content/incidents").join(rel);
        desk.heard(&Ok(Event::new(kind).add_path(path)))
    }

    /// The notes serve names for `slug` (slug, path), sorted; its fence
    /// heard first when `fenced`.
    fn ask(desk: &Desk, slug: &str, fenced: bool) -> Option<Vec<(String, String)>> {
        let fence = format!("{FENCE}{slug}");
        if fenced {
            assert!(hear(desk, EventKind::Create(CreateKind::File), &fence));
        }
        let q = Question {
            section: Section::Incidents,
            slug: slug.into(),
            fence,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let mut notes = ask::parse_answer(&runtime.block_on(desk.answer(&q))?)?;
        notes.sort();
        Some(notes)
    }

    fn notes(pairs: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            pairs
                .iter()
                .map(|(s, r)| (s.to_string(), r.to_string()))
                .collect(),
        )
    }

    const CHANGED: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));

    #[test]
    fn an_answer_waits_for_its_fence_and_holds_every_save_heard_before_it() {
        let (dir, desk) = site(&[("a.md", "a"), ("b.md", "a-2"), ("c.md", "ab")]);
        assert_eq!(
            ask(&desk, "a", true),
            notes(&[("a", "a.md"), ("a-2", "b.md")])
        );
        write(dir.path(), "a.md", "b");
        assert!(
            !hear(&desk, CHANGED, "a.md"),
            "a save is for the rebuild too"
        );
        // Its fence not heard: no answer (after `FENCE_WAIT`).
        assert_eq!(ask(&desk, "b", false), None);
        assert_eq!(ask(&desk, "b", true), notes(&[("b", "a.md")]));
        assert_eq!(ask(&desk, "a", true), notes(&[("a-2", "b.md")]));
        // Reading a note is no news; a removed note frees its slug.
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert!(!hear(&desk, read, "a.md"));
        assert!(desk.state().dirty[0].is_empty());
        std::fs::remove_file(dir.path().join("content/incidents/a.md")).unwrap();
        hear(&desk, EventKind::Remove(RemoveKind::File), "a.md");
        assert_eq!(ask(&desk, "b", true), notes(&[]));
    }

    #[test]
    fn anything_but_a_question_is_answered_no() {
        let (_dir, desk) = site(&[("a.md", "a")]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let long = format!("incidents\t{}\t{FENCE}1\n", "a".repeat(10_000));
        for asked in [
            "hello\n",
            "incidents\ta\n",
            long.as_str(),
            "incidents\ta\tx",
        ] {
            let answer = runtime.block_on(async {
                let (mut client, server) = UnixStream::pair().unwrap();
                let desk = desk.clone();
                let replying = tokio::spawn(async move { reply(&desk, server).await });
                client.write_all(asked.as_bytes()).await.unwrap();
                let mut answer = String::new();
                // Past the longest question, serve stops reading: the rest
                // it never read resets the connection, which is a no too.
                let read = client.read_to_string(&mut answer).await;
                replying.await.unwrap();
                match read {
                    Ok(_) => answer,
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => "no\n".into(),
                    Err(e) => panic!("{e}"),
                }
            });
            assert_eq!(answer, "no\n", "{:.40}", asked);
        }
    }

    #[test]
    fn folders_moved_in_and_out_bring_and_take_their_notes() {
        let (dir, desk) = site(&[("a.md", "a"), ("2026/b.md", "b")]);
        let folder = dir.path().join("content/incidents");
        std::fs::rename(folder.join("2026"), folder.join("2027")).unwrap();
        hear(
            &desk,
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            "2026",
        );
        hear(
            &desk,
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            "2027",
        );
        assert_eq!(ask(&desk, "b", true), notes(&[("b", "2027/b.md")]));
        std::fs::remove_dir_all(folder.join("2027")).unwrap();
        hear(&desk, EventKind::Remove(RemoveKind::Folder), "2027");
        assert_eq!(ask(&desk, "b", true), notes(&[]));
        // Notes written before the watcher heard of their new folder sent
        // no event of their own.
        write(dir.path(), "new/c.md", "c");
        write(dir.path(), "new/.hidden/d.md", "c-2");
        hear(&desk, EventKind::Create(CreateKind::Folder), "new");
        assert_eq!(ask(&desk, "c", true), notes(&[("c", "new/c.md")]));
    }

    #[test]
    fn lost_events_forget_everything_and_the_next_question_reads_the_folder() {
        let (dir, desk) = site(&[("a.md", "a")]);
        write(dir.path(), "b.md", "a-2");
        let lost = Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert!(!desk.heard(&Ok(lost)));
        assert!(desk.state().books[0].is_none());
        assert_eq!(
            ask(&desk, "a", true),
            notes(&[("a", "a.md"), ("a-2", "b.md")])
        );
        // The section's folder itself went: the same.
        let gone = Event::new(EventKind::Remove(RemoveKind::Folder))
            .add_path(desk.root.join("content/incidents"));
        desk.heard(&Ok(gone));
        assert!(desk.state().books[0].is_none());
        // Elsewhere in the site: nothing to do with slugs.
        let elsewhere = Event::new(CHANGED).add_path(desk.root.join("site.toml"));
        assert!(!desk.heard(&Ok(elsewhere)));
        assert!(desk.state().dirty.iter().all(|d| d.is_empty()));
    }
}
