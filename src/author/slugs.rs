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

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::author::workflow::note_slug;
use crate::pipeline::notify::record::DIR;
use crate::source::content::{self, Section};
use crate::source::walk::Found;
use crate::vocab::error::Errors;

/// How many notes read past the cache make it worth writing again.
const REWRITE_AFTER: usize = 64;

/// What a file was when its slug was read: (modified, in ns since the
/// epoch; size in bytes).
type Stamp = (u128, u64);

/// Every note of a section by its slug.
pub struct Slugs {
    by_slug: FxHashMap<String, PathBuf>,
}

/// A note as the cache knows it: the file, its stamp, its slug, and
/// whether it was read (not taken from the cache).
struct Known {
    file: Found,
    stamp: Option<Stamp>,
    slug: String,
    read: bool,
}

impl Slugs {
    /// Lists the section's notes and reads those the cache does not know
    /// as they are now; writes the cache back when anything changed.
    pub fn of(root: &Path, section: Section) -> Slugs {
        let mut errors = Errors::default();
        let files = content::list_section(root, section, &mut errors);
        let cache_path = root.join(DIR).join(format!("slugs-{}.tsv", section.dir()));
        let cache_text = std::fs::read_to_string(&cache_path).unwrap_or_default();
        let cached = read_cache(&cache_text);
        let stamps = stamps(&section.folder(root), &files);
        let notes: Vec<Known> = files
            .into_par_iter()
            .zip(stamps)
            .map(|(file, stamp)| {
                let known = cacheable(&file.rel)
                    .and_then(|k| cached.get(k))
                    .filter(|(s, _)| Some(*s) == stamp);
                match known {
                    Some((_, slug)) => Known {
                        slug: slug.to_string(),
                        file,
                        stamp,
                        read: false,
                    },
                    None => {
                        let text = std::fs::read_to_string(&file.path).unwrap_or_default();
                        Known {
                            slug: note_slug(&file.path, &text),
                            file,
                            stamp,
                            read: true,
                        }
                    }
                }
            })
            .collect();
        // Written when it saves real work next time: a few notes read
        // again (the last `new`'s own) cost less than writing 10,000 lines.
        let read = notes.iter().filter(|n| n.read).count();
        if read >= REWRITE_AFTER || (read > 0 && cached.is_empty()) {
            write_cache(root, &cache_path, &notes);
        }
        let mut by_slug = FxHashMap::default();
        by_slug.reserve(notes.len());
        for n in notes {
            by_slug.entry(n.slug).or_insert(n.file.path);
        }
        Slugs { by_slug }
    }

    /// The file whose note has `slug`.
    pub fn find(&self, slug: &str) -> Option<&Path> {
        self.by_slug.get(slug).map(PathBuf::as_path)
    }

    /// Every slug in order, for "did you mean" (in order, so that a tie
    /// gives the same hint every time).
    pub fn slugs(&self) -> Vec<&str> {
        let mut slugs: Vec<&str> = self.by_slug.keys().map(String::as_str).collect();
        slugs.sort_unstable();
        slugs
    }
}

/// The folder of a `/`-separated path relative to the section's folder.
fn folder(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(folder, _)| folder)
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
        stamps.par_extend(group.par_iter().map(stamp));
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
    files.par_iter().map(stamp).collect()
}

/// A path relative to the section's folder as the cache names it; `None`
/// for a name the cache's lines cannot hold (such a file is always read).
fn cacheable(rel: &str) -> Option<&str> {
    (!rel.contains(['\t', '\n', '\r'])).then_some(rel)
}

/// Lines of `modified<TAB>size<TAB>slug<TAB>path`, by path; a damaged line
/// is skipped (its file is read again).
fn read_cache(text: &str) -> FxHashMap<&str, (Stamp, &str)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, '\t');
            let modified = parts.next()?.parse().ok()?;
            let size = parts.next()?.parse().ok()?;
            let slug = parts.next()?;
            let rel = parts.next()?;
            Some((rel, ((modified, size), slug)))
        })
        .collect()
}

/// Writes the cache, or nothing when it cannot (a read-only site): it only
/// saves time.
fn write_cache(root: &Path, path: &Path, notes: &[Known]) {
    let mut text = String::new();
    for n in notes {
        let (Some((modified, size)), Some(rel)) = (n.stamp, cacheable(&n.file.rel)) else {
            continue;
        };
        if n.slug.contains(['\t', '\n', '\r']) {
            continue;
        }
        text.push_str(&format!("{modified}\t{size}\t{}\t{rel}\n", n.slug));
    }
    if std::fs::create_dir_all(root.join(DIR)).is_ok() {
        let _ = crate::vocab::atomic::replace(path, text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
