//! Writing the site: beside the old one, then swapped in, so a crash or an
//! error never leaves a half-written site; and only into a directory that is
//! safe to replace.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::publish::Output;
use crate::vocab::error::{Error, Result};

/// The file that marks a directory as upfront's own output.
pub const MARKER: &str = ".upfront-output";
const MARKER_TEXT: &str = "This directory was written by upfront and is replaced on every build.\n";

/// A file to copy into the output unchanged (from `static/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub path: String,
    pub source: PathBuf,
}

/// Resolves the output directory and refuses one that is not safe to
/// replace (SPEC §8). Returns the absolute path to write to.
pub fn resolve(root: &Path, output: &Path) -> Result<PathBuf, Error> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io(root, "open the site root", &e))?;
    let out = absolute(&root, output)?;
    let refuse = |why: &str| {
        Error::new(format!(
            "refusing to write the site into {}: {why}",
            out.display()
        ))
        .hint("choose another --output (or output_dir in site.toml), such as `public`")
    };
    if out == root {
        return Err(refuse("it is the site root"));
    }
    if root.starts_with(&out) {
        return Err(refuse("it contains the site root"));
    }
    for source in ["content", "layouts", "static"] {
        if out.starts_with(root.join(source)) {
            return Err(refuse(&format!("it is inside {source}/")));
        }
    }
    if out.join("content").exists() || out.join(crate::source::config::FILE_NAME).exists() {
        return Err(refuse(
            "it holds content/ or site.toml, so it looks like a site, not an output",
        ));
    }
    if out.is_file() {
        return Err(refuse("it is a file"));
    }
    if out.is_dir() && !out.join(MARKER).exists() && !is_empty_dir(&out) {
        return Err(refuse("it is not empty and was not written by upfront")
            .hint("upfront only replaces a directory it made; empty or remove it yourself first"));
    }
    Ok(out)
}

/// `output` made absolute against `root`, following symlinks of the part
/// that exists, so the checks above compare real locations.
fn absolute(root: &Path, output: &Path) -> Result<PathBuf, Error> {
    let joined = if output.is_absolute() {
        output.to_path_buf()
    } else {
        root.join(output)
    };
    if let Ok(real) = joined.canonicalize() {
        return Ok(real);
    }
    let name = joined
        .file_name()
        .filter(|n| *n != ".." && *n != ".")
        .ok_or_else(|| {
            Error::new(format!(
                "the output path {} has no directory name",
                output.display()
            ))
        })?;
    let parent = joined.parent().unwrap_or(root);
    std::fs::create_dir_all(parent)
        .map_err(|e| Error::io(parent, "create the output's parent directory", &e))?;
    let parent = parent
        .canonicalize()
        .map_err(|e| Error::io(parent, "open the output's parent directory", &e))?;
    Ok(parent.join(name))
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

/// Writes `files` and `copies` as the new content of `out` (already
/// checked by [`resolve`]), atomically replacing what was there.
pub fn write_site(out: &Path, files: &[Output], copies: &[Copy]) -> Result<(), Error> {
    let staging = Staging::begin(out)?;
    files.par_iter().try_for_each(|f| staging.write(f))?;
    staging.finish(copies)
}

/// A new site being written beside the old one. Files may be written from
/// many threads as they are rendered, so a large site never has to sit in
/// memory whole; [`Staging::finish`] swaps it in, and dropping it unfinished
/// (an error on the way) removes it and leaves the old site as it was.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    parent: PathBuf,
    name: OsString,
    done: bool,
}

impl Staging {
    pub fn begin(out: &Path) -> Result<Staging, Error> {
        let parent = out
            .parent()
            .ok_or_else(|| Error::new("the output directory has no parent"))?;
        let name = out.file_name().map(OsString::from).unwrap_or_default();
        remove_leftovers(parent, &name);
        let dir = sibling(parent, &name, "new");
        std::fs::create_dir(&dir)
            .map_err(|e| Error::io(&dir, "create the staging directory", &e))?;
        let staging = Staging {
            dir,
            out: out.to_path_buf(),
            parent: parent.to_path_buf(),
            name,
            done: false,
        };
        std::fs::write(staging.dir.join(MARKER), MARKER_TEXT)
            .map_err(|e| Error::io(&staging.dir, "write", &e))?;
        Ok(staging)
    }

    /// Writes one file (its folders as needed); safe from many threads.
    pub fn write(&self, file: &Output) -> Result<(), Error> {
        let path = self.dir.join(&file.path);
        self.make_parent(&path)?;
        std::fs::write(&path, &file.bytes).map_err(|e| Error::io(&path, "write", &e))
    }

    fn make_parent(&self, path: &Path) -> Result<(), Error> {
        match path.parent() {
            // create_dir_all copes with another thread making the same folder.
            Some(dir) if dir != self.dir => {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create directory", &e))
            }
            _ => Ok(()),
        }
    }

    /// Copies the static files, then puts the new site in place of the old.
    pub fn finish(mut self, copies: &[Copy]) -> Result<(), Error> {
        copies.par_iter().try_for_each(|c| {
            let path = self.dir.join(&c.path);
            self.make_parent(&path)?;
            std::fs::copy(&c.source, &path)
                .map(|_| ())
                .map_err(|e| Error::io(&c.source, "copy", &e))
        })?;
        swap_in(&self.dir, &self.out, &self.parent, &self.name)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = remove_marked(&self.dir);
        }
    }
}

/// Puts `staging` where `out` is. On Linux both directories trade places in
/// one atomic step; elsewhere two renames leave a moment without `out`.
fn swap_in(staging: &Path, out: &Path, parent: &Path, name: &OsString) -> Result<(), Error> {
    if !out.exists() {
        return std::fs::rename(staging, out)
            .map_err(|e| Error::io(out, "move the new site into place", &e));
    }
    if exchange(staging, out).is_ok() {
        // `staging` now holds the previous site.
        let _ = remove_marked(staging);
        return Ok(());
    }
    let old = sibling(parent, name, "old");
    std::fs::rename(out, &old).map_err(|e| Error::io(out, "move the previous site aside", &e))?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(Error::io(out, "move the new site into place", &e));
    }
    let _ = remove_marked(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn sibling(parent: &Path, name: &OsString, kind: &str) -> PathBuf {
    let mut n = OsString::from(".");
    n.push(name);
    n.push(format!(".upfront-{kind}-{}", std::process::id()));
    parent.join(n)
}

/// Staging and old directories that a killed build left behind. Only
/// directories named like ours (`.<out>.upfront-<kind>-<pid>`) that carry our
/// marker (or are empty: killed before the marker was written) are removed,
/// and only when the build that made them is gone: another build or a
/// `build --watch` running at the same time keeps its staging directory.
fn remove_leftovers(parent: &Path, name: &OsString) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = leftover_pid(&entry.file_name(), name) else {
            continue;
        };
        let path = entry.path();
        if pid != std::process::id() && still_building(pid, &path) {
            continue;
        }
        if path.join(MARKER).is_file() {
            let _ = remove_marked(&path);
        } else {
            // Fails unless empty, so nothing of anyone else's is touched.
            let _ = std::fs::remove_dir(&path);
        }
    }
}

/// The pid in `file_name` if it is `.<name>.upfront-new-<pid>` or
/// `.<name>.upfront-old-<pid>`.
fn leftover_pid(file_name: &std::ffi::OsStr, name: &OsString) -> Option<u32> {
    let file_name = file_name.to_str()?;
    let rest = file_name
        .strip_prefix('.')?
        .strip_prefix(name.to_str()?)?
        .strip_prefix(".upfront-")?;
    let digits = rest
        .strip_prefix("new-")
        .or_else(|| rest.strip_prefix("old-"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether the build that made `dir` may still be running: whether a
/// process with its id exists. `kill(pid, 0)` sends nothing; it fails with
/// ESRCH only when there is no such process (EPERM means it exists but
/// belongs to someone else). A reused pid reads as alive, which only delays
/// the cleanup to a later build.
#[cfg(unix)]
fn still_building(pid: u32, _dir: &Path) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}

/// Without a cheap liveness check, a build counts as alive for an hour
/// (far longer than any build takes) after its directory was last changed.
#[cfg(not(unix))]
fn still_building(_pid: u32, dir: &Path) -> bool {
    const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);
    std::fs::metadata(dir)
        .and_then(|m| m.modified())
        .map(|t| t.elapsed().map_or(true, |age| age < HOUR))
        .unwrap_or(false)
}

/// Removes a directory of ours with its marker (if any) last, so a removal
/// that is itself killed leaves a directory the next build still recognises.
fn remove_marked(dir: &Path) -> std::io::Result<()> {
    let entries = std::fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries
        .par_iter()
        .filter(|entry| entry.file_name() != MARKER)
        .try_for_each(remove_entry)?;
    match std::fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::remove_dir(dir)
}

/// `remove_dir_all` with subdirectories removed in parallel: a large site is
/// tens of thousands of unlinks, the biggest part of replacing it.
fn remove_entry(entry: &std::fs::DirEntry) -> std::io::Result<()> {
    // file_type does not follow links: a symlink goes, never what it points at.
    if !entry.file_type()?.is_dir() {
        return std::fs::remove_file(entry.path());
    }
    let path = entry.path();
    let entries = std::fs::read_dir(&path)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(remove_entry)?;
    std::fs::remove_dir(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("upfront-out-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("site/content")).unwrap();
        std::fs::write(d.join("site/site.toml"), "").unwrap();
        d
    }

    #[test]
    fn refuses_unsafe_outputs() {
        let d = tmp("refuse");
        let root = d.join("site");
        for bad in [".", "..", "content/out", "content"] {
            assert!(resolve(&root, Path::new(bad)).is_err(), "{bad} accepted");
        }
        std::fs::create_dir_all(root.join("mine")).unwrap();
        std::fs::write(root.join("mine/notes.txt"), "x").unwrap();
        assert!(resolve(&root, Path::new("mine")).is_err());
        assert!(resolve(&root, Path::new("public")).is_ok());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn swaps_the_whole_site() {
        let d = tmp("swap");
        let out = resolve(&d.join("site"), Path::new("public")).unwrap();
        let file = |p: &str, b: &str| Output {
            path: p.into(),
            bytes: b.as_bytes().to_vec(),
        };
        write_site(
            &out,
            &[file("a/index.html", "1"), file("gone.html", "x")],
            &[],
        )
        .unwrap();
        write_site(&out, &[file("a/index.html", "2")], &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("gone.html").exists());
        assert!(out.join(MARKER).exists());
        let siblings = std::fs::read_dir(d.join("site")).unwrap().count();
        assert_eq!(siblings, 3, "staging left behind");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn leftover_names_are_recognised_exactly() {
        let out = OsString::from("public");
        let pid = |n: &str| leftover_pid(std::ffi::OsStr::new(n), &out);
        assert_eq!(pid(".public.upfront-new-123"), Some(123));
        assert_eq!(pid(".public.upfront-old-7"), Some(7));
        for not_ours in [
            ".public.upfront-new-",
            ".public.upfront-new-12x",
            ".public.upfront-tmp-12",
            ".publicity.upfront-new-12",
            "public.upfront-new-12",
            ".other.upfront-new-12",
            ".public.upfront-new--1",
        ] {
            assert_eq!(pid(not_ours), None, "{not_ours}");
        }
    }

    /// The pid of a process that has ended (and been reaped).
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn only_leftovers_of_ended_builds_are_removed() {
        let d = tmp("leftovers");
        let parent = d.join("site");
        let marked = |kind: &str, pid: u32| {
            let dir = parent.join(format!(".public.upfront-{kind}-{pid}"));
            std::fs::create_dir_all(dir.join("incidents/a")).unwrap();
            std::fs::write(dir.join("incidents/a/index.html"), "x").unwrap();
            std::fs::write(dir.join(MARKER), MARKER_TEXT).unwrap();
            dir
        };
        let dead = dead_pid();
        let ended = marked("new", dead);
        let ended_old = marked("old", dead);
        // pid 1 always exists: a build running beside us.
        let running = marked("new", 1);
        let own = marked("new", std::process::id());
        let empty = parent.join(format!(".public.upfront-new-{dead}x"));
        std::fs::create_dir_all(&empty).unwrap();
        let killed_early = parent.join(format!(".public.upfront-new-{}", dead_pid()));
        std::fs::create_dir_all(&killed_early).unwrap();
        let unmarked = parent.join(format!(".public.upfront-old-{}", dead_pid()));
        std::fs::create_dir_all(&unmarked).unwrap();
        std::fs::write(unmarked.join("keep.txt"), "not ours").unwrap();

        remove_leftovers(&parent, &OsString::from("public"));
        assert!(!ended.exists() && !ended_old.exists(), "ended build kept");
        assert!(!own.exists(), "own leftover kept");
        assert!(!killed_early.exists(), "empty staging dir kept");
        assert!(
            running.join("incidents/a/index.html").exists(),
            "running build's staging removed"
        );
        assert!(empty.exists(), "a name not quite ours was touched");
        assert!(
            unmarked.join("keep.txt").exists(),
            "unmarked directory emptied"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn removal_takes_nested_files_with_or_without_a_marker() {
        let d = tmp("remove-marked");
        for (name, marker) in [("with", true), ("without", false)] {
            let dir = d.join(name);
            std::fs::create_dir_all(dir.join("a/b")).unwrap();
            std::fs::write(dir.join("a/b/index.html"), "x").unwrap();
            std::fs::write(dir.join("feed.xml"), "x").unwrap();
            if marker {
                std::fs::write(dir.join(MARKER), MARKER_TEXT).unwrap();
            }
            remove_marked(&dir).unwrap();
            assert!(!dir.exists(), "{name}");
        }
        std::fs::remove_dir_all(&d).unwrap();
    }
}
