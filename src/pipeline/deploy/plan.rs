//! What a deploy does, decided before it does anything: which files go up,
//! in which order, and what is deleted at the end. A pure function of the
//! built site and the remote listing, so the order rules are tested here.

use std::collections::{BTreeMap, BTreeSet};

/// A file of the built site: its path relative to the output root, its
/// size, and the MD5 of its bytes (what S3 reports as the ETag of an
/// object uploaded in one part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    pub path: String,
    pub size: u64,
    pub md5: [u8; 16],
}

/// An object already published, relative to the target's prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub path: String,
    /// As the server lists it (quotes and all); `None` when it gave none.
    pub etag: Option<String>,
}

/// When a file goes up. Pages link to assets, and the homepage links to
/// pages, so each phase only starts when the one before it is complete:
/// a reader never follows a link to something not yet uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Everything that is not HTML: stylesheet, scripts, feeds, JSON.
    Assets,
    /// Every HTML page but the homepage (404.html too).
    Pages,
    /// `index.html` at the root.
    Home,
}

impl Phase {
    pub fn of(path: &str) -> Phase {
        if path == "index.html" {
            Phase::Home
        } else if path.ends_with(".html") {
            Phase::Pages
        } else {
            Phase::Assets
        }
    }
}

/// The deploy to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Files whose bytes differ from the published ones (or are new), by
    /// phase, each in path order.
    pub uploads: BTreeMap<Phase, Vec<Local>>,
    /// Files already published with the same bytes.
    pub unchanged: usize,
    /// Published objects that are no longer in the site: deleted only
    /// after every upload succeeded.
    pub deletes: Vec<String>,
}

impl Plan {
    /// The uploads in the order they must be done.
    pub fn ordered(&self) -> impl Iterator<Item = (Phase, &[Local])> {
        self.uploads.iter().map(|(p, files)| (*p, files.as_slice()))
    }

    pub fn upload_count(&self) -> usize {
        self.uploads.values().map(Vec::len).sum()
    }

    pub fn upload_bytes(&self) -> u64 {
        self.uploads.values().flatten().map(|f| f.size).sum()
    }
}

/// Compares the site with what is published.
pub fn plan(local: &[Local], remote: &[Remote]) -> Plan {
    let published: BTreeMap<&str, Option<&str>> = remote
        .iter()
        .map(|r| (r.path.as_str(), r.etag.as_deref()))
        .collect();
    let mut plan = Plan::default();
    let mut sorted: Vec<&Local> = local.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sorted {
        match published.get(file.path.as_str()) {
            Some(Some(etag)) if same_bytes(etag, &file.md5) => plan.unchanged += 1,
            _ => plan
                .uploads
                .entry(Phase::of(&file.path))
                .or_default()
                .push(file.clone()),
        }
    }
    let kept: BTreeSet<&str> = local.iter().map(|f| f.path.as_str()).collect();
    plan.deletes = published
        .keys()
        .filter(|p| !kept.contains(*p))
        .map(|p| p.to_string())
        .collect();
    plan
}

/// Whether an ETag is the MD5 of these bytes. A multipart upload's ETag
/// (`"<hex>-<parts>"`) or an encrypted object's is not an MD5 and never
/// matches, so such a file is uploaded again: wasteful, never wrong.
fn same_bytes(etag: &str, md5: &[u8; 16]) -> bool {
    let etag = etag.trim().trim_start_matches("W/").trim_matches('"');
    etag.eq_ignore_ascii_case(&hex(md5))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::{Digest, Md5};

    fn local(path: &str, bytes: &str) -> Local {
        Local {
            path: path.into(),
            size: bytes.len() as u64,
            md5: Md5::digest(bytes.as_bytes()).into(),
        }
    }

    fn remote(path: &str, bytes: &str) -> Remote {
        Remote {
            path: path.into(),
            etag: Some(format!("\"{}\"", hex(&Md5::digest(bytes.as_bytes())))),
        }
    }

    fn paths(files: &[Local]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn first_deploy_uploads_assets_then_pages_then_the_homepage() {
        let site = [
            local("index.html", "home"),
            local("incidents/a/index.html", "a"),
            local("404.html", "nf"),
            local("style.abc.css", "css"),
            local("status.json", "{}"),
            local("feed.xml", "<feed/>"),
        ];
        let plan = plan(&site, &[]);
        let order: Vec<(Phase, Vec<&str>)> = plan.ordered().map(|(p, f)| (p, paths(f))).collect();
        assert_eq!(
            order,
            vec![
                (
                    Phase::Assets,
                    vec!["feed.xml", "status.json", "style.abc.css"]
                ),
                (Phase::Pages, vec!["404.html", "incidents/a/index.html"]),
                (Phase::Home, vec!["index.html"]),
            ]
        );
        assert_eq!(plan.unchanged, 0);
        assert!(plan.deletes.is_empty());
        assert_eq!(plan.upload_count(), 6);
        assert_eq!(plan.upload_bytes(), 4 + 1 + 2 + 3 + 2 + 7);
    }

    #[test]
    fn nothing_changed_uploads_nothing() {
        let site = [local("index.html", "home"), local("a.css", "x")];
        let published = [remote("index.html", "home"), remote("a.css", "x")];
        let plan = plan(&site, &published);
        assert_eq!(plan.upload_count(), 0);
        assert_eq!(plan.unchanged, 2);
        assert!(plan.deletes.is_empty());
    }

    #[test]
    fn only_changed_files_go_up_and_gone_ones_are_deleted() {
        let site = [
            local("index.html", "home v2"),
            local("incidents/a/index.html", "a"),
            local("style.new.css", "new"),
        ];
        let published = [
            remote("index.html", "home v1"),
            remote("incidents/a/index.html", "a"),
            remote("incidents/gone/index.html", "gone"),
            remote("style.old.css", "old"),
        ];
        let plan = plan(&site, &published);
        let order: Vec<(Phase, Vec<&str>)> = plan.ordered().map(|(p, f)| (p, paths(f))).collect();
        assert_eq!(
            order,
            vec![
                (Phase::Assets, vec!["style.new.css"]),
                (Phase::Home, vec!["index.html"]),
            ]
        );
        assert_eq!(plan.unchanged, 1);
        assert_eq!(
            plan.deletes,
            vec!["incidents/gone/index.html", "style.old.css"]
        );
    }

    #[test]
    fn etags_that_are_not_an_md5_mean_upload_again() {
        let site = [local("a.json", "x")];
        let mut multipart = remote("a.json", "x");
        multipart.etag = Some(format!("\"{}-2\"", hex(&site[0].md5)));
        assert_eq!(plan(&site, &[multipart]).upload_count(), 1);
        let none = Remote {
            path: "a.json".into(),
            etag: None,
        };
        assert_eq!(plan(&site, &[none]).upload_count(), 1);
        let mut upper = remote("a.json", "x");
        upper.etag = upper.etag.map(|e| e.to_uppercase());
        assert_eq!(plan(&site, &[upper]).upload_count(), 0);
    }

    #[test]
    fn phases_by_path() {
        assert_eq!(Phase::of("index.html"), Phase::Home);
        assert_eq!(Phase::of("letters/index.html"), Phase::Pages);
        assert_eq!(Phase::of("404.html"), Phase::Pages);
        assert_eq!(Phase::of("api/v2/summary.json"), Phase::Assets);
        assert_eq!(Phase::of("notice.js"), Phase::Assets);
    }
}
