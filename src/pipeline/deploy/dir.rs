//! `file:///DIR`: a live directory on this machine (nginx's or Caddy's
//! root), swapped atomically.
//!
//! `DIR` is a symbolic link to a complete version of the site in a sibling
//! folder, `.<name>.upfront/<version>/`. A deploy writes a new version
//! beside the live one (unchanged files are hard links into the live
//! version, so only changed bytes are copied), then points a new link at it
//! and renames that link over `DIR`: one `rename(2)`, so every path lookup
//! resolves wholly into the old version or wholly into the new one. The
//! previous version is kept (for rollback, and for readers that are still
//! fetching an old page's assets); older ones are removed.
//!
//! The first deploy: a missing `DIR` simply becomes the link. A plain
//! directory at `DIR` (the site was copied there by hand before) is moved
//! into the versions folder as the previous version, then the link takes
//! its name; between those two renames, microseconds apart, `DIR` does not
//! exist (a reader gets a 404, never a mix). Every later deploy is one
//! atomic rename.

use std::path::{Path, PathBuf};

use super::plan::{self, hex, Local, Remote};
use super::{site_files, Report};
use crate::vocab::error::Error;

/// Where the versions of `dir` live: `.<name>.upfront` beside it, on the
/// same file system, so the link stays short and relative.
pub fn versions_dir(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    dir.with_file_name(format!(".{name}.upfront"))
}

/// What `DIR` is now.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Live {
    Missing,
    /// A plain directory: the first deploy moves it aside.
    Plain,
    /// Our link, and the version folder it points to.
    Link(PathBuf),
}

fn live(dir: &Path) -> Result<Live, Error> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Live::Missing),
        Err(e) => Err(Error::io(dir, "inspect", &e)),
        Ok(m) if m.file_type().is_symlink() => {
            let target = std::fs::read_link(dir).map_err(|e| Error::io(dir, "read link", &e))?;
            let parent = dir.parent().unwrap_or(Path::new("/"));
            Ok(Live::Link(parent.join(target)))
        }
        Ok(m) if m.is_dir() => Ok(Live::Plain),
        Ok(_) => Err(Error::in_file(
            dir,
            "is a file, not a directory; upfront deploys into a directory",
        )
        .hint("remove it or choose another target: file:///var/www/status")),
    }
}

pub fn deploy(out: &Path, files: &[Local], dir: &Path, dry_run: bool) -> Result<Report, Error> {
    let live = live(dir)?;
    let current = match &live {
        Live::Missing => None,
        Live::Plain => Some(dir.to_path_buf()),
        Live::Link(v) if v.is_dir() => Some(v.clone()),
        Live::Link(_) => None,
    };
    let published: Vec<Remote> = match &current {
        Some(v) => site_files(v)?
            .into_iter()
            .map(|f| Remote {
                etag: Some(hex(&f.md5)),
                path: f.path,
            })
            .collect(),
        None => Vec::new(),
    };
    let plan = plan::plan(files, &published);
    let report = Report {
        uploaded: plan.upload_count(),
        unchanged: plan.unchanged,
        deleted: plan.deletes.len(),
        bytes: plan.upload_bytes(),
        ..Report::default()
    };
    if dry_run {
        return Ok(report);
    }
    let versions = versions_dir(dir);
    std::fs::create_dir_all(&versions).map_err(|e| Error::io(&versions, "create", &e))?;
    let name = version_name();
    let new = versions.join(&name);
    write_version(out, files, current.as_deref(), &plan, &versions, &new)?;
    let previous = match live {
        Live::Plain => {
            let aside = versions.join(format!("{name}-before"));
            std::fs::rename(dir, &aside).map_err(|e| Error::io(dir, "move aside", &e))?;
            Some(aside)
        }
        _ => current,
    };
    swap(dir, &versions, &name)?;
    prune(&versions, &[Some(&new), previous.as_ref()]);
    Ok(report)
}

/// `v<UTC time>-<pid>`: sorts by age, never collides between processes.
fn version_name() -> String {
    format!(
        "v{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
        std::process::id()
    )
}

/// Writes the complete new version under a temporary name, then renames
/// it into place: a version folder is whole or absent.
fn write_version(
    out: &Path,
    files: &[Local],
    current: Option<&Path>,
    plan: &plan::Plan,
    versions: &Path,
    new: &Path,
) -> Result<(), Error> {
    let partial = versions.join(format!(
        ".partial-{}",
        new.file_name().unwrap_or_default().to_string_lossy()
    ));
    let changed: std::collections::HashSet<&str> = plan
        .uploads
        .values()
        .flatten()
        .map(|f| f.path.as_str())
        .collect();
    let result = files.iter().try_for_each(|f| {
        let to = partial.join(&f.path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", &e))?;
        }
        let from_live = current
            .filter(|_| !changed.contains(f.path.as_str()))
            .map(|c| c.join(&f.path));
        // Same bytes as the live file: share it (versions are never edited).
        if let Some(live) = from_live {
            if std::fs::hard_link(&live, &to).is_ok() {
                return Ok(());
            }
        }
        let from = out.join(&f.path);
        std::fs::copy(&from, &to)
            .map(drop)
            .map_err(|e| Error::io(&to, "write", &e))
    });
    let result = result.and_then(|()| {
        std::fs::rename(&partial, new).map_err(|e| Error::io(new, "rename into place", &e))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    result
}

/// Points `dir` at `versions/<name>` with one rename of a new link.
fn swap(dir: &Path, versions: &Path, name: &str) -> Result<(), Error> {
    let parent = dir.parent().unwrap_or(Path::new("/"));
    let dir_name = dir.file_name().unwrap_or_default().to_string_lossy();
    let link = parent.join(format!(".{dir_name}.upfront-link-{}", std::process::id()));
    let versions_name = versions.file_name().unwrap_or_default();
    let target = Path::new(versions_name).join(name);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&target, &link).map_err(|e| Error::io(&link, "create link", &e))?;
    std::fs::rename(&link, dir).map_err(|e| {
        let _ = std::fs::remove_file(&link);
        Error::io(dir, "swap in the new version", &e)
    })
}

/// Removes every version but the kept ones (the live one and the one
/// before it), oldest first; a failure here
/// is not a failed deploy (the new site is live), so it is only reported.
fn prune(versions: &Path, keep: &[Option<&PathBuf>]) {
    let Ok(entries) = std::fs::read_dir(versions) else {
        return;
    };
    let keep: Vec<PathBuf> = keep
        .iter()
        .flatten()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
        .collect();
    let mut old: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('v'))
        })
        .filter(|p| !keep.contains(&p.canonicalize().unwrap_or_else(|_| p.clone())))
        .collect();
    old.sort();
    for path in old {
        if let Err(e) = std::fs::remove_dir_all(&path) {
            eprintln!(
                "upfront: could not remove the old version {}: {e}",
                path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_live_beside_the_directory() {
        assert_eq!(
            versions_dir(Path::new("/var/www/status")),
            PathBuf::from("/var/www/.status.upfront")
        );
    }

    #[test]
    fn version_names_sort_by_time() {
        let a = version_name();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = version_name();
        assert!(a < b, "{a} {b}");
        assert!(a.starts_with('v'));
    }
}
