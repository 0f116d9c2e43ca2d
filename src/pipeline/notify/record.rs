//! `.upfront/notified.json`: per channel, the ids of the events it has had
//! (sent, or seen before its record began, or left out by its filter).
//! Written whole through a temporary file and a rename after every success,
//! so a crash leaves the last good record, never half of one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::vocab::error::{Error, Result};

pub const DIR: &str = ".upfront";
pub const FILE: &str = "notified.json";
const LOCK: &str = "notify.lock";
const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    version: u32,
    /// Channel id (`NotifyChannel::id`) → event ids.
    pub channels: BTreeMap<String, BTreeSet<String>>,
}

impl Record {
    pub fn path(root: &Path) -> PathBuf {
        root.join(DIR).join(FILE)
    }

    /// The record, or None when there is none yet.
    pub fn load(root: &Path) -> Result<Option<Record>> {
        let path = Record::path(root);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, "read the notify record", &e).into()),
        };
        let record: Record = serde_json::from_slice(&bytes).map_err(|e| {
            Error::in_file(&path, format!("the notify record is damaged: {e}"))
                .at(e.line(), Some(e.column()))
                .hint("restore it from version control or a backup; deleting it makes the next run treat everything up to now as already sent")
        })?;
        if record.version != VERSION {
            return Err(Error::in_file(
                &path,
                format!(
                    "notify record version {} is not one this upfront reads ({VERSION})",
                    record.version
                ),
            )
            .hint("use the upfront version that wrote it")
            .into());
        }
        Ok(Some(record))
    }

    pub fn new() -> Record {
        Record {
            version: VERSION,
            channels: BTreeMap::new(),
        }
    }

    pub fn done(&self, channel: &str) -> Option<&BTreeSet<String>> {
        self.channels.get(channel)
    }

    /// Notes events as had by a channel (starting its record if new).
    pub fn add<'a>(&mut self, channel: &str, ids: impl IntoIterator<Item = &'a str>) {
        self.channels
            .entry(channel.to_string())
            .or_default()
            .extend(ids.into_iter().map(String::from));
    }

    /// Writes the whole record atomically: a temporary file in the same
    /// folder, flushed to disk, then renamed over the old one.
    pub fn save(&self, root: &Path) -> Result<()> {
        let path = Record::path(root);
        let dir = root.join(DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(&dir, "create the folder for the notify record", &e))?;
        let mut bytes = serde_json::to_vec_pretty(self).expect("the record is plain data");
        bytes.push(b'\n');
        let mut tmp = tempfile::Builder::new()
            .prefix(".notified-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, "create a temporary file for the notify record", &e))?;
        tmp.write_all(&bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| Error::io(tmp.path(), "write the notify record", &e))?;
        tmp.persist(&path)
            .map_err(|e| Error::io(&path, "replace the notify record", &e.error))?;
        Ok(())
    }
}

/// One `notify` run at a time per site on this machine. A second run waits
/// for the first, then reads the record the first left, so nothing goes
/// out twice. Released when the process ends, however it ends. (Runs on
/// two machines share no lock: the book says to keep them apart in CI.)
pub struct RunLock {
    _file: File,
}

impl RunLock {
    pub fn take(root: &Path) -> Result<RunLock> {
        let dir = root.join(DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(&dir, "create the folder for the notify record", &e))?;
        let path = dir.join(LOCK);
        let failed = |e: &std::io::Error| Error::io(&path, "take the notify lock", e);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| failed(&e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                eprintln!(
                    "notify: another upfront notify is sending for this site; waiting for it to finish"
                );
                file.lock().map_err(|e| failed(&e))?;
            }
            Err(TryLockError::Error(e)) => return Err(failed(&e).into()),
        }
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("upfront-record-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    #[test]
    fn round_trips_and_leaves_no_temporary_files() {
        let root = dir("round");
        assert_eq!(Record::load(&root).unwrap(), None);
        let mut r = Record::new();
        r.add("slack:S", ["incident/a", "letter/b"]);
        r.save(&root).unwrap();
        r.add("slack:S", ["incident/a/update-1"]);
        r.save(&root).unwrap();
        let back = Record::load(&root).unwrap().unwrap();
        assert_eq!(back, r);
        assert_eq!(back.done("slack:S").unwrap().len(), 3);
        let names: Vec<_> = std::fs::read_dir(root.join(DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [FILE]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_damaged_record_is_an_error_naming_it() {
        let root = dir("damaged");
        std::fs::create_dir_all(root.join(DIR)).unwrap();
        std::fs::write(Record::path(&root), "{\"version\": 1, \"channels\": {").unwrap();
        let e = Record::load(&root).unwrap_err().to_string();
        assert!(
            e.contains("notified.json:1:") && e.contains("damaged"),
            "{e}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
