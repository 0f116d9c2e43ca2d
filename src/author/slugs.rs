//! The slug each note of a section has: `upfront new` must not take a slug
//! another note declares with `slug:`, and `update`, `resolve` and
//! `publish` find a note by it when no file is named after it. Reading
//! every note for that opens 10,000 files on a large site (and wakes a
//! running `serve`'s watcher as many times), so what each file declares is
//! kept in `.upfront/slugs-<section>.tsv` by the file's path in the
//! section's folder, size and modification time, and only files that
//! changed since are read. The file is a cache: safe to delete, rebuilt by
//! the next command that needs it; a build checks duplicate slugs on its
//! own whatever it says.

use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::author::ask;
use crate::pipeline::notify::record::DIR;
use crate::source::content::{self, Section};
use crate::source::walk::Found;
use crate::vocab::error::Errors;

/// How many notes read past the cache make it worth writing again.
const REWRITE_AFTER: usize = 64;

/// What a file was when its slug was read: (modified, in ns since the
/// epoch; size in bytes).
type Stamp = (u128, u64);

/// Every note of a section with its slug, in the order the folder lists
/// them.
pub struct Slugs {
    /// The cache as read: the slugs it still vouches for are ranges of it,
    /// so 10,000 notes cost no 10,000 strings.
    cache: String,
    notes: Vec<Note>,
}

/// A note as the cache knows it: the file, its stamp, and its slug.
struct Note {
    file: Found,
    stamp: Option<Stamp>,
    slug: Slug,
}

enum Slug {
    /// From the cache (a range of `Slugs::cache`).
    Cached(Range<usize>),
    /// Read from the file, which the cache did not know as it is now.
    Read(String),
}

impl Slugs {
    /// Lists the section's notes and reads those the cache does not know
    /// as they are now; writes the cache back when anything changed. The
    /// cache is read on the other core while the folder is listed.
    pub fn of(root: &Path, section: Section) -> Slugs {
        let cache_path = root.join(DIR).join(format!("slugs-{}.tsv", section.dir()));
        let ((files, stamps), cache) =
            rayon::join(|| listed(root, section), || Cache::read(&cache_path));
        let cached = cache.matching(&files, &stamps);
        let notes: Vec<Note> = (files.into_par_iter().zip(stamps).zip(cached))
            .map(|((file, stamp), cached)| {
                let slug = cached.map_or_else(|| Slug::Read(file_slug(&file.path)), Slug::Cached);
                Note { file, stamp, slug }
            })
            .collect();
        let slugs = Slugs {
            cache: cache.text,
            notes,
        };
        // Written when it saves real work next time: a few notes read
        // again (the last `new`'s own) cost less than writing 10,000 lines.
        let read = (slugs.notes.iter())
            .filter(|n| matches!(n.slug, Slug::Read(_)))
            .count();
        if read >= REWRITE_AFTER || (read > 0 && slugs.cache.is_empty()) {
            slugs.write_cache(root, &cache_path);
        }
        slugs
    }

    /// The notes whose slug is `slug` or numbered after it (`slug-2`...),
    /// and maybe others: all `new` needs to pick a free slug. A running
    /// serve is asked first (see `ask`); else the folder is read.
    pub fn around(root: &Path, section: Section, slug: &str) -> Slugs {
        match ask::taken(root, section, slug) {
            Some(known) => Slugs::known(&section.folder(root), known),
            None => Slugs::of(root, section),
        }
    }

    /// Notes known elsewhere: (slug, path in the section's folder).
    fn known(folder: &Path, known: Vec<(String, String)>) -> Slugs {
        let notes = (known.into_iter())
            .map(|(slug, rel)| Note {
                file: Found {
                    path: folder.join(&rel),
                    rel,
                },
                stamp: None,
                slug: Slug::Read(slug),
            })
            .collect();
        Slugs {
            cache: String::new(),
            notes,
        }
    }

    /// Each note's path in the section's folder and slug, in the folder's
    /// order.
    pub fn notes(&self) -> impl Iterator<Item = (&str, &str)> {
        (self.notes.iter()).map(|n| (n.file.rel.as_str(), self.slug(n)))
    }

    fn slug<'a>(&'a self, note: &'a Note) -> &'a str {
        match &note.slug {
            Slug::Cached(range) => &self.cache[range.clone()],
            Slug::Read(slug) => slug,
        }
    }

    /// The file whose note has `slug` (the first one listed, should two
    /// declare it: a build refuses that anyway).
    pub fn find(&self, slug: &str) -> Option<&Path> {
        let note = self.notes.iter().find(|n| self.slug(n) == slug)?;
        Some(&note.file.path)
    }

    /// Every slug in order, for "did you mean" (in order, so that a tie
    /// gives the same hint every time).
    pub fn slugs(&self) -> Vec<&str> {
        let mut slugs: Vec<&str> = self.notes.iter().map(|n| self.slug(n)).collect();
        slugs.sort_unstable();
        slugs.dedup();
        slugs
    }

    /// Writes the cache, or nothing when it cannot (a read-only site): it
    /// only saves time. Lines are in the order the folder lists the notes,
    /// which is how `Cache::matching` expects to meet them next time.
    fn write_cache(&self, root: &Path, path: &Path) {
        let mut text = String::new();
        for n in &self.notes {
            let (Some((modified, size)), Some(rel)) = (n.stamp, cacheable(&n.file.rel)) else {
                continue;
            };
            let slug = self.slug(n);
            if slug.contains(['\t', '\n', '\r']) {
                continue;
            }
            text.push_str(&format!("{modified}\t{size}\t{slug}\t{rel}\n"));
        }
        if std::fs::create_dir_all(root.join(DIR)).is_ok() {
            let _ = crate::vocab::atomic::replace(path, text.as_bytes());
        }
    }
}

/// The cache file as read: its text, and each line's path, stamp and slug
/// (the path and slug as ranges of the text). A damaged line is left out,
/// which only means its file is read again.
struct Cache {
    text: String,
    lines: Vec<Line>,
}

struct Line {
    rel: Range<usize>,
    stamp: Stamp,
    slug: Range<usize>,
}

impl Cache {
    fn read(path: &Path) -> Cache {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let base = text.as_ptr() as usize;
        let range = |part: &str| {
            let start = part.as_ptr() as usize - base;
            start..start + part.len()
        };
        let lines = (text.lines())
            .filter_map(parse_line)
            .map(|(rel, stamp, slug)| Line {
                rel: range(rel),
                stamp,
                slug: range(slug),
            })
            .collect();
        Cache { text, lines }
    }

    fn rel(&self, i: usize) -> Option<&str> {
        self.lines.get(i).map(|l| &self.text[l.rel.clone()])
    }

    /// For each file (in the folder's order), the slug the cache holds for
    /// it as a range of its text, where the cache knows the file with the
    /// same stamp. The lines were written in the folder's order, which a
    /// folder keeps while it is unchanged, so each file is met at the next
    /// line: no sort and no map of 10,000 paths. A file put in or taken out
    /// since is stepped over; lines in another order (a folder rebuilt, a
    /// cache from elsewhere) are looked up in a map made then.
    fn matching(&self, files: &[Found], stamps: &[Option<Stamp>]) -> Vec<Option<Range<usize>>> {
        let mut next = 0;
        let mut index: Option<FxHashMap<&str, usize>> = None;
        let mut found = Vec::with_capacity(files.len());
        for (k, (file, stamp)) in files.iter().zip(stamps).enumerate() {
            let Some(rel) = cacheable(&file.rel) else {
                found.push(None);
                continue;
            };
            let line = if self.rel(next) == Some(rel) {
                Some(next)
            } else if self.rel(next + 1) == Some(rel) {
                // The line before it is of a file gone since.
                Some(next + 1)
            } else if index.is_none()
                && (next >= self.lines.len()
                    || files.get(k + 1).map(|f| f.rel.as_str()) == self.rel(next))
            {
                // A file new since: the lines go on with the next file.
                // (Once lines were met out of order, only the map says.)
                None
            } else {
                let index = index.get_or_insert_with(|| self.index());
                index.get(rel).copied()
            };
            if let Some(i) = line {
                next = i + 1;
            }
            let line = line.map(|i| &self.lines[i]);
            found.push(
                line.filter(|l| Some(l.stamp) == *stamp)
                    .map(|l| l.slug.clone()),
            );
        }
        found
    }

    fn index(&self) -> FxHashMap<&str, usize> {
        (0..self.lines.len())
            .filter_map(|i| Some((self.rel(i)?, i)))
            .collect()
    }
}

/// A line of `modified<TAB>size<TAB>slug<TAB>path`: (path, stamp, slug).
fn parse_line(line: &str) -> Option<(&str, Stamp, &str)> {
    let mut parts = line.splitn(4, '\t');
    let modified = parts.next()?.parse().ok()?;
    let size = parts.next()?.parse().ok()?;
    let slug = parts.next()?;
    let rel = parts.next()?;
    Some((rel, (modified, size), slug))
}

/// The folder of a `/`-separated path relative to the section's folder.
fn folder(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The section's notes in the order the folder lists them (the walk's own
/// order, unsorted: the cache's lines are in it), each with its stamp. The
/// stamps are taken on the other cores while the walk goes on, a batch at a
/// time: reading the folder and looking up each file are each a third of
/// `new`'s time on a large site, and need not wait for each other.
fn listed(root: &Path, section: Section) -> (Vec<Found>, Vec<Option<Stamp>>) {
    const BATCH: usize = 512;
    let dir = section.folder(root);
    // Each batch with its place, whichever core stamps it first.
    type Stamped = (usize, Vec<Found>, Vec<Option<Stamp>>);
    let stamped: Mutex<Vec<Stamped>> = Mutex::default();
    rayon::scope(|scope| {
        let mut batches = 0;
        let mut send = |batch: Vec<Found>| {
            let (dir, stamped, at) = (&dir, &stamped, batches);
            batches += 1;
            scope.spawn(move |_| {
                let stamps = stamps(dir, &batch);
                let mut all = stamped.lock().unwrap_or_else(PoisonError::into_inner);
                all.push((at, batch, stamps));
            });
        };
        let mut batch = Vec::with_capacity(BATCH);
        content::each_in_section(root, section, &mut Errors::default(), |file| {
            batch.push(file);
            if batch.len() == BATCH {
                send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        send(batch);
    });
    let mut stamped = stamped.into_inner().unwrap_or_else(PoisonError::into_inner);
    stamped.sort_unstable_by_key(|(at, _, _)| *at);
    let (mut files, mut stamps) = (Vec::new(), Vec::new());
    for (_, batch, batch_stamps) in stamped {
        files.extend(batch);
        stamps.extend(batch_stamps);
    }
    (files, stamps)
}

/// Each file's stamp, `None` where it has none (gone, or older than 1970).
/// On Unix each file is looked up in its open folder by name: walking the
/// path from the root for each of 10,000 files was a third of `new`'s time.
#[cfg(unix)]
fn stamps(dir: &Path, files: &[Found]) -> Vec<Option<Stamp>> {
    use rustix::fs::{open, statat, AtFlags, Mode, OFlags};
    let mut stamps = Vec::with_capacity(files.len());
    for group in files.chunk_by(|a, b| folder(&a.rel) == folder(&b.rel)) {
        let Ok(fd) = open(
            dir.join(folder(&group[0].rel)),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) else {
            stamps.extend(group.iter().map(|_| None));
            continue;
        };
        let stamp = |file: &Found| {
            let name = file.rel.rsplit('/').next()?;
            let st = statat(&fd, name, AtFlags::empty()).ok()?;
            let seconds = u128::try_from(st.st_mtime).ok()?;
            #[allow(clippy::unnecessary_fallible_conversions)] // signed on some systems
            let nanos = u128::try_from(st.st_mtime_nsec).ok()?;
            Some((
                seconds * 1_000_000_000 + nanos,
                u64::try_from(st.st_size).ok()?,
            ))
        };
        stamps.extend(group.iter().map(stamp));
    }
    stamps
}

#[cfg(not(unix))]
fn stamps(_dir: &Path, files: &[Found]) -> Vec<Option<Stamp>> {
    let stamp = |file: &Found| {
        let meta = std::fs::metadata(&file.path).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some((modified.as_nanos(), meta.len()))
    };
    files.iter().map(stamp).collect()
}

/// The slug of the note in a file; one that cannot be read declares
/// nothing, so its file name is its slug.
pub fn file_slug(path: &Path) -> String {
    note_slug(path, &std::fs::read_to_string(path).unwrap_or_default())
}

/// A note's slug: the `slug:` its front matter declares, else the file name
/// without `.md`. Front matter that does not parse declares nothing.
pub fn note_slug(path: &Path, text: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Declared {
        slug: Option<String>,
    }
    let declared = crate::source::frontmatter::split(text, path)
        .ok()
        .and_then(|doc| crate::source::frontmatter::parse::<Declared>(&doc, path).ok())
        .and_then(|d| d.slug);
    declared.unwrap_or_else(|| {
        path.file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    })
}

/// A path relative to the section's folder as the cache names it; `None`
/// for a name the cache's lines cannot hold (such a file is always read).
fn cacheable(rel: &str) -> Option<&str> {
    (!rel.contains(['\t', '\n', '\r'])).then_some(rel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content/incidents")).unwrap();
        dir
    }

    fn note(root: &Path, name: &str, front: &str) -> PathBuf {
        let path = root.join("content/incidents").join(name);
        std::fs::write(&path, format!("---\ntitle: t\n{front}---\n")).unwrap();
        path
    }

    #[test]
    fn declared_slugs_are_found_and_kept_until_the_file_changes() {
        let dir = site();
        let root = dir.path();
        let a = note(root, "a.md", "slug: other\n");
        note(root, "b.md", "");
        let slugs = Slugs::of(root, Section::Incidents);
        assert_eq!(slugs.find("other"), Some(a.as_path()));
        assert!(slugs.find("a").is_none());
        assert!(slugs.find("b").is_some());
        let cache = root.join(".upfront/slugs-incidents.tsv");
        assert!(std::fs::read_to_string(&cache)
            .unwrap()
            .contains("\tother\t"));

        // Declared anew (another size): read again, not taken from the cache.
        note(root, "a.md", "slug: renamed-once-more\n");
        let slugs = Slugs::of(root, Section::Incidents);
        assert!(slugs.find("other").is_none());
        assert_eq!(slugs.find("renamed-once-more"), Some(a.as_path()));

        // A damaged cache is only slower.
        std::fs::write(&cache, "garbage\n1\t2\n").unwrap();
        let slugs = Slugs::of(root, Section::Incidents);
        assert_eq!(slugs.find("renamed-once-more"), Some(a.as_path()));
    }

    #[test]
    fn a_gone_note_frees_its_slug() {
        let dir = site();
        let root = dir.path();
        let a = note(root, "a.md", "slug: taken\n");
        assert!(Slugs::of(root, Section::Incidents).find("taken").is_some());
        std::fs::remove_file(a).unwrap();
        assert!(Slugs::of(root, Section::Incidents).find("taken").is_none());
    }

    #[test]
    fn the_cache_vouches_for_files_whose_stamps_hold_in_any_order() {
        let dir = site();
        let root = dir.path();
        note(root, "a.md", "");
        let c = note(root, "c.md", "");
        std::fs::create_dir_all(root.join("content/incidents/2026")).unwrap();
        let d = root.join("content/incidents/2026/d.md");
        std::fs::write(&d, "---\ntitle: t\n---\n").unwrap();
        Slugs::of(root, Section::Incidents);
        // A slug the cache alone knows shows that its line was used, not
        // the file read.
        let cache = root.join(".upfront/slugs-incidents.tsv");
        let text = std::fs::read_to_string(&cache).unwrap();
        let text = text.replace("\tc\tc.md", "\tfrom-cache\tc.md");
        let text = text.replace("\td\t2026/d.md", "\td-from-cache\t2026/d.md");
        std::fs::write(&cache, &text).unwrap();
        note(root, "b.md", "");
        let slugs = Slugs::of(root, Section::Incidents);
        assert_eq!(slugs.find("from-cache"), Some(c.as_path()));
        assert_eq!(slugs.find("d-from-cache"), Some(d.as_path()));
        assert!(slugs.find("b").is_some());
        assert_eq!(slugs.slugs(), ["a", "b", "d-from-cache", "from-cache"]);

        // Lines in another order are still used.
        let reversed: Vec<&str> = text.lines().rev().collect();
        std::fs::write(&cache, reversed.join("\n") + "\n").unwrap();
        let slugs = Slugs::of(root, Section::Incidents);
        assert_eq!(slugs.slugs(), ["a", "b", "d-from-cache", "from-cache"]);

        // A changed file is read again whatever its line says.
        std::fs::write(&c, "---\ntitle: t\nslug: read-again\n---\n").unwrap();
        let slugs = Slugs::of(root, Section::Incidents);
        assert_eq!(slugs.find("read-again"), Some(c.as_path()));
        assert!(slugs.find("from-cache").is_none());
    }

    /// Which line each file was matched to, by the slug it gives.
    fn matched(lines: &[&str], files: &[&str]) -> Vec<Option<String>> {
        let text: String = lines
            .iter()
            .map(|l| format!("1\t1\t{l}-slug\t{l}\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.tsv");
        std::fs::write(&path, text).unwrap();
        let cache = Cache::read(&path);
        let found: Vec<Found> = (files.iter())
            .map(|f| Found {
                path: PathBuf::from(f),
                rel: f.to_string(),
            })
            .collect();
        let stamps = vec![Some((1, 1)); files.len()];
        (cache.matching(&found, &stamps).into_iter())
            .map(|r| r.map(|r| cache.text[r].to_string()))
            .collect()
    }

    #[test]
    fn files_put_in_taken_out_or_moved_are_matched_to_their_own_lines() {
        let slug = |s: &str| Some(format!("{s}-slug"));
        // In order; a file new in the middle and at the end.
        assert_eq!(
            matched(&["a", "b", "c"], &["a", "x", "b", "c", "y"]),
            [slug("a"), None, slug("b"), slug("c"), None]
        );
        // Files gone one at a time; two gone in a row; the lines in
        // another order.
        assert_eq!(
            matched(&["a", "b", "c", "d", "e"], &["a", "c", "e"]),
            [slug("a"), slug("c"), slug("e")]
        );
        assert_eq!(
            matched(&["a", "b", "c", "d"], &["a", "d"]),
            [slug("a"), slug("d")]
        );
        assert_eq!(
            matched(&["c", "b", "a"], &["a", "b", "c"]),
            [slug("a"), slug("b"), slug("c")]
        );
        // No cache: every file is read.
        assert_eq!(matched(&[], &["a"]), [None]);
    }

    #[test]
    fn note_slugs_come_from_the_parser() {
        let p = Path::new("content/incidents/y.md");
        assert_eq!(
            note_slug(p, "---\ntitle: a\nslug: x  # comment\n---\n"),
            "x"
        );
        assert_eq!(note_slug(p, "---\ntitle: a\nslug: 'x'\n---\n"), "x");
        assert_eq!(note_slug(p, "---\ntitle: a\n---\nslug: z\n"), "y");
        assert_eq!(note_slug(p, "---\nsummary: |\n  slug: z\n---\n"), "y");
        assert_eq!(note_slug(p, "not front matter"), "y");
    }
}
