//! Walking the site's source folders (`content/`, `layouts/`, `static/`).
//!
//! Every file upfront reads lies inside the site once symlinks are
//! resolved: a link that leads elsewhere is an error, so a build (say, of a
//! pull request in CI) can never publish a file from elsewhere on the
//! machine. A symlink loop or a link to nothing is an error naming the link;
//! a name that is not UTF-8 is an error showing the name lossily; a file
//! that vanishes while the folder is walked is simply not there.

use std::path::{Path, PathBuf};

use crate::vocab::error::{Error, Errors};

/// Which files of the source folders are part of the site. One rule, used by
/// `build`, `check` and watch mode alike, so that watching never sees a
/// different site than a clean build:
///
/// - an editor's temporary file (`a.md~`, `.a.md.swp`, `.#a.md`, `#a.md#`,
///   vim's `4913` probe) is never read, in any folder;
/// - under `content/` and `layouts/`, a hidden path (any part of it starts
///   with a dot, e.g. `content/incidents/.archive/x.md`) is not read:
///   hiding a folder is how notes are put aside (`check` warns about them);
/// - under `static/`, hidden files are published like any other:
///   `static/.well-known/security.txt` must reach the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Content,
    Layouts,
    Static,
}

impl Folder {
    /// Whether the file at `rel` (relative to the folder, `/`-separated)
    /// is read by a build. Looks at the name only.
    pub fn reads(self, rel: &str) -> bool {
        if rel.split('/').any(is_editor_temp) {
            return false;
        }
        match self {
            Folder::Static => true,
            Folder::Content | Folder::Layouts => !is_hidden(rel),
        }
    }
}

/// Whether any part of a `/`-separated relative path starts with a dot.
pub fn is_hidden(rel: &str) -> bool {
    rel.split('/').any(|part| part.starts_with('.'))
}

/// Whether a file name is one of the temporary files editors write beside
/// the real one while saving.
pub fn is_editor_temp(name: &str) -> bool {
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

/// A file found under a walked folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The path to read (under the folder; symlinks not resolved).
    pub path: PathBuf,
    /// The path relative to the folder, `/`-separated.
    pub rel: String,
}

/// The files under `dir` (sorted by name) whose relative path `wanted`
/// accepts, with a problem of each other entry put in `errors`. `root` is
/// the site root that every symlink must stay inside.
pub fn files(
    root: &Path,
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
    errors: &mut Errors,
) -> Vec<Found> {
    let mut found = Vec::new();
    each(root, dir, wanted, errors, |file| found.push(file));
    // Folder by folder, names in byte order: what a sorted walk yields.
    // (Errors need no sorting: `Errors::into_result` orders them.)
    found.sort_unstable_by(|a, b| folder_order(&a.rel, &b.rel));
    found
}

/// `files`, one at a time as the folders are read, unsorted: for a caller
/// with work to do on each file while the walk goes on.
pub fn each(
    root: &Path,
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
    errors: &mut Errors,
    mut found: impl FnMut(Found),
) {
    if !dir.is_dir() {
        return;
    }
    let real_root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            errors.push(Error::io(root, "open the site root", &e));
            return;
        }
    };
    // Unsorted: walkdir's sort parses both paths on every comparison, which
    // was the biggest serial cost of loading 10k notes (`files` sorts once).
    let dir_len = dir.as_os_str().len();
    let mut walk = walkdir::WalkDir::new(dir).follow_links(true).into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if let Some(err) = walk_error(root, dir, &e) {
                    errors.push(err);
                }
                continue;
            }
        };
        if entry.path_is_symlink() {
            if let Err(problem) = inside(root, &real_root, entry.path()) {
                if let Some(err) = problem {
                    errors.push(err);
                }
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        // walkdir joins each name onto `dir`, so the relative path is the
        // rest of the bytes: no `strip_prefix`, which compares every
        // component again, for each of 10,000 files.
        let full = entry.path().as_os_str().as_encoded_bytes();
        let rel = full.get(dir_len..).unwrap_or(full);
        let rel = rel
            .strip_prefix(b"/")
            .or(rel.strip_prefix(b"\\"))
            .unwrap_or(rel);
        let Ok(name) = std::str::from_utf8(rel) else {
            // Named only when it is a file the site would read.
            if wanted(&String::from_utf8_lossy(rel).replace('\\', "/")) {
                errors.push(
                    Error::in_file(
                        &shown(root, entry.path()),
                        "the file name is not valid UTF-8",
                    )
                    .hint("rename the file; upfront never guesses at the encoding of a name"),
                );
            }
            continue;
        };
        // One string per file, with `\\` made `/` where there is one.
        let name = if name.contains('\\') {
            name.replace('\\', "/")
        } else {
            name.to_string()
        };
        if wanted(&name) {
            found(Found {
                rel: name,
                path: entry.into_path(),
            });
        }
    }
}

/// Orders `/`-separated paths part by part, as comparing their `split('/')`
/// would: a `/` sorts before every byte a name may hold. Byte by byte, with
/// no splitting, since sorting 10,000 names this way was most of listing them.
fn folder_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |c: u8| if c == b'/' { 0 } else { c };
    a.bytes().map(key).cmp(b.bytes().map(key))
}

/// Checks that `path`'s real location lies inside the site: for a file
/// read on its own (watch mode), without a walk. A file that is gone is
/// not an error here; reading it will say so.
pub fn check_inside(root: &Path, path: &Path) -> Result<(), Error> {
    let real_root = root
        .canonicalize()
        .map_err(|e| Error::io(root, "open the site root", &e))?;
    match inside(root, &real_root, path) {
        Ok(()) | Err(None) => Ok(()),
        Err(Some(e)) => Err(e),
    }
}

/// `Err(None)` when the path vanished meanwhile (nothing to report).
fn inside(root: &Path, real_root: &Path, path: &Path) -> Result<(), Option<Error>> {
    let real = match path.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) => {
            return Err(Some(Error::io(
                &shown(root, path),
                "resolve the symlink",
                &e,
            )))
        }
    };
    if real.starts_with(real_root) {
        return Ok(());
    }
    Err(Some(
        Error::in_file(
            &shown(root, path),
            format!("the symlink leads outside the site, to {}", real.display()),
        )
        .hint(
            "copy the file into the site instead: upfront reads only files inside the site, \
             so that a build never publishes a file from elsewhere on the machine",
        ),
    ))
}

/// What a failed step of the walk means for the user; `None` when a file
/// or folder vanished during the walk (it is simply not part of the site).
fn walk_error(root: &Path, dir: &Path, e: &walkdir::Error) -> Option<Error> {
    let path = e.path().unwrap_or(dir);
    if let Some(ancestor) = e.loop_ancestor() {
        return Some(
            Error::in_file(
                &shown(root, path),
                format!(
                    "symlink loop: the link leads back to {}, a folder that contains it",
                    shown(root, ancestor).display()
                ),
            )
            .hint("remove the link, or point it at a folder that does not contain it"),
        );
    }
    let io = e.io_error();
    if io.is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) {
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if !link {
            return None;
        }
        let target = std::fs::read_link(path).unwrap_or_default();
        return Some(
            Error::in_file(
                &shown(root, path),
                format!(
                    "the symlink points to {}, which does not exist",
                    target.display()
                ),
            )
            .hint("fix the link or remove it"),
        );
    }
    let why = io.map_or_else(|| e.to_string(), |io| io.to_string());
    Some(Error::in_file(
        &shown(root, path),
        format!("cannot read: {why}"),
    ))
}

/// A path as the user knows it: relative to the site root when possible.
fn shown(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_order_is_the_order_of_the_parts() {
        let names = [
            "a", "a/b", "a-b", "a!", "a/b/c", "a/b-c", "ab", "B", "a.md", "a/x.md", "",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    folder_order(a, b),
                    a.split('/').cmp(b.split('/')),
                    "{a:?} against {b:?}"
                );
            }
        }
    }

    #[test]
    fn files_come_folder_by_folder_in_name_order() {
        let root = std::env::temp_dir().join(format!("upfront-walk-{}", std::process::id()));
        let dir = root.join("content");
        for rel in [
            "b.md", "a.md", "a-b.md", "a/x.md", "a/c/y.md", "a/b.md", "B.md",
        ] {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let mut errors = Errors::default();
        let found = files(&root, &dir, |_| true, &mut errors);
        std::fs::remove_dir_all(&root).unwrap();
        assert!(errors.is_empty());
        let rels: Vec<&str> = found.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            ["B.md", "a/b.md", "a/c/y.md", "a/x.md", "a-b.md", "a.md", "b.md"]
        );
    }
}

#[cfg(test)]
mod folder_tests {
    use super::*;

    #[test]
    fn one_rule_for_every_command() {
        assert!(Folder::Content.reads("incidents/a.md"));
        assert!(Folder::Content.reads("incidents/2024/a.md"));
        assert!(!Folder::Content.reads("incidents/.archive/a.md"));
        assert!(!Folder::Content.reads("incidents/.a.md"));
        assert!(!Folder::Layouts.reads(".git/x.html"));
        assert!(Folder::Static.reads(".well-known/security.txt"));
        assert!(Folder::Static.reads(".htaccess"));
        for junk in [
            "a.md~",
            ".a.md.swp",
            ".a.md.swx",
            ".#a.md",
            "#a.md#",
            "4913",
            "a.tmp",
        ] {
            for f in [Folder::Content, Folder::Layouts, Folder::Static] {
                assert!(!f.reads(&format!("incidents/{junk}")), "{f:?} {junk}");
            }
        }
    }
}
