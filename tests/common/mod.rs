//! Helpers for the integration tests: run the real binary on copies of
//! fixture sites and read back what it wrote.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const NOW: &str = "2008-08-13T00:00:00Z";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("upfront-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.starts_with("public") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A temporary copy of a fixture site.
pub fn site_copy(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    copy_dir(&fixture(name), dir.path());
    dir
}

pub fn upfront(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(args)
        .output()
        .expect("run upfront")
}

/// `upfront build` of `root` into `out` at the fixed test time.
pub fn build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        "-q",
        "--now",
        NOW,
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    upfront(&args)
}

pub fn build_ok(root: &Path, out: &Path, extra: &[&str]) {
    let o = build(root, out, extra);
    assert!(
        o.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    try_tree(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// `tree`, or why it could not be read: a watcher may be swapping the
/// folder in while it is walked (a part of it is gone for a moment).
pub fn try_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(entry.path())
                .map_err(|e| format!("reading {}: {e}", entry.path().display()))?;
            files.insert(rel, bytes);
        }
    }
    Ok(files)
}

pub fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A static file server for the browser-based checks: python's http.server on
/// a free loopback port, killed when dropped.
pub struct StaticServer {
    child: std::process::Child,
    pub base: String,
}

impl StaticServer {
    pub fn start(dir: &Path) -> Option<StaticServer> {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .arg("--directory")
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take()?)
            .read_line(&mut line)
            .ok()?;
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line.split(" port ").nth(1)?.split(' ').next()?.to_string();
        Some(StaticServer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium (or Chrome) for the browser tests. Missing, it skips the
/// calling test loudly, and fails it under `CI=true`, where `.ci/run`
/// must have installed it.
pub fn chromium() -> Option<String> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(String::from);
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is missing under CI=true: .ci/run must install it");
        }
        eprintln!("\n*** SKIPPED: chromium is missing (apt-get install chromium) ***\n");
    }
    found
}

/// `upfront ARGS --root ROOT`, with no standard input (a command that would
/// wait for it fails instead of hanging the test).
pub fn run(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(args)
        .arg("--root")
        .arg(root)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run upfront")
}

/// `run` that must succeed; its standard output.
pub fn ok(root: &Path, args: &[&str]) -> String {
    let o = run(root, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `run` that must be refused (exit code 1); its standard error.
pub fn refused(root: &Path, args: &[&str]) -> String {
    let o = run(root, args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?} should fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    stderr(&o)
}

/// A resolved incident note for the archive tests: one a day, back from 2008-08-01.
#[allow(dead_code)]
pub fn archived_note(n: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(2008, 8, 1).unwrap() - chrono::Days::new(n as u64);
    format!(
        "---\ntitle: \"Archived {n}\"\ndate: {day}T06:00:00Z\nseverity: minor\naffected: [licensing]\nupdates:\n  - at: {day}T07:00:00Z\n    status: resolved\n    message: \"Fixed.\"\n---\n"
    )
}

/// The `basic` fixture with `n` more resolved notes, one a day back from
/// 2008-08-01 (`archived-0` … ): over two archive pages from 500 on.
#[allow(dead_code)]
pub fn site_with_archive(n: usize) -> TempDir {
    let site = site_copy("basic");
    let dir = site.path().join("content/incidents");
    for k in 0..n {
        std::fs::write(dir.join(format!("archived-{k}.md")), archived_note(k)).unwrap();
    }
    site
}
