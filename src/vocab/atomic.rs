//! Writing one file whole or not at all: the crate's one way to put a file
//! that a person (or a running `serve`) may read at the same moment.
//!
//! The bytes go to a temporary sibling first (tempfile), which is then
//! renamed over the target, so a reader sees the old file or the new one,
//! never half of one. A file that must be new is put in place with
//! `persist_noclobber`: a file that appeared meanwhile is never replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Replaces the file at `path` with `bytes`. A symlink is followed: its
/// target is replaced and the link stays. An existing file's permissions
/// (and, on Unix, owner and group where we may set them) carry over, so an
/// edit under sudo does not hand a note to root.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let target = resolve_links(path)?;
    let previous = std::fs::metadata(&target).ok();
    let tmp = temp_beside(&target, bytes)?;
    if let Some(meta) = &previous {
        tmp.as_file().set_permissions(meta.permissions())?;
        keep_owner(tmp.as_file(), meta);
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(target)
}

/// Writes `bytes` to `path`, which must not exist: if a file (or link)
/// appears there before the rename, it is kept and an `AlreadyExists` error
/// is returned.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_beside(path, bytes)?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// The file a path names after following every symlink (the path itself
/// when it is not a link or does not exist yet).
pub fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn temp_beside(path: &Path, bytes: &[u8]) -> std::io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // A dot name, so watchers and the content walk skip it while it exists.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".upfront-tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    Ok(tmp)
}

#[cfg(unix)]
fn keep_owner(file: &std::fs::File, meta: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(mine) = file.metadata() else { return };
    if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
        // Only root may give a file away; for anyone else the new file
        // keeps their own ids, as any editor's save would.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("upfront-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn create_new_never_replaces_a_file() {
        let d = dir("new");
        let p = d.join("a.md");
        create_new(&p, b"one").unwrap();
        let e = create_new(&p, b"two").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn replace_follows_links_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("link");
        let real = d.join("real.md");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = d.join("link.md");
        std::os::unix::fs::symlink("real.md", &link).unwrap();
        let written = replace(&link, b"new").unwrap();
        assert_eq!(written, real.canonicalize().unwrap());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2);
    }
}
