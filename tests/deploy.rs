//! `upfront deploy` against real servers: an S3 server (moto's standalone
//! server, from PyPI `moto[server]`) started on 127.0.0.1 per test, a proxy
//! in front of it that fails part way, and live directories on disk.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

const BASE_URL: &str = "https://status.acme.com";

/// moto's S3 server on a free loopback port, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts one, or says loudly why not (and fails under `CI=true`,
    /// where `.ci/run` must have installed it).
    fn start() -> Option<Moto> {
        let port = free_port();
        let spawn = |cmd: &mut Command| {
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()
        };
        let child = spawn(&mut Command::new("moto_server"))
            .or_else(|| spawn(Command::new("python3").args(["-m", "moto.server"])));
        let Some(mut child) = child else {
            return missing();
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return missing();
            }
            if http(port, "GET", "/", b"").is_some_and(|r| r.status == 200) {
                return Some(Moto { child, port });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("moto_server did not answer on port {port} within 30 s");
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn create_bucket(&self, bucket: &str) {
        let r = http(self.port, "PUT", &format!("/{bucket}"), b"").unwrap();
        assert_eq!(r.status, 200, "create bucket: {}", r.text());
    }

    fn put(&self, bucket: &str, key: &str, body: &[u8]) {
        let r = http(self.port, "PUT", &format!("/{bucket}/{key}"), body).unwrap();
        assert_eq!(r.status, 200, "put {key}: {}", r.text());
    }

    fn head(&self, bucket: &str, key: &str) -> Response {
        http(self.port, "HEAD", &format!("/{bucket}/{key}"), b"").unwrap()
    }

    fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let r = http(self.port, "GET", &format!("/{bucket}/{key}"), b"").unwrap();
        assert_eq!(r.status, 200, "get {key}");
        r.body
    }

    /// Every key in the bucket.
    fn keys(&self, bucket: &str) -> Vec<String> {
        let r = http(
            self.port,
            "GET",
            &format!("/{bucket}?list-type=2&max-keys=1000"),
            b"",
        )
        .unwrap();
        assert_eq!(r.status, 200, "list: {}", r.text());
        let text = r.text();
        assert!(
            !text.contains("<IsTruncated>true"),
            "more keys than one page"
        );
        let mut keys: Vec<String> = text
            .split("<Key>")
            .skip(1)
            .map(|s| s.split("</Key>").next().unwrap().to_string())
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn missing<T>() -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("moto_server is missing under CI=true: .ci/run must `pip install 'moto[server]'`");
    }
    eprintln!("\n*** SKIPPED: moto_server is missing (pip install 'moto[server]') ***\n");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A plain HTTP/1.1 request. moto refuses anonymous reads of private
/// objects but does not check signatures, so any well-formed
/// `Authorization` header will do.
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> Option<Response> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=0\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .ok()?;
    s.write_all(body).ok()?;
    let mut reader = BufReader::new(s);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':')?;
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    let mut raw = Vec::new();
    if method != "HEAD" {
        reader.read_to_end(&mut raw).ok()?;
    }
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(&raw) } else { raw };
    Some(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..end]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

/// What a deploy printed: uploaded, unchanged, deleted, bytes.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    uploaded: usize,
    unchanged: usize,
    deleted: usize,
    bytes: u64,
}

fn summary(o: &Output) -> Summary {
    let out = String::from_utf8_lossy(&o.stdout)
        .replace("would upload", "uploaded")
        .replace("would delete", "deleted");
    let line = out
        .lines()
        .find(|l| l.contains(" unchanged "))
        .unwrap_or_else(|| panic!("no summary in:\n{out}\n{}", stderr(o)));
    let num = |word: &str| -> u64 {
        let at = line
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {line}"))
            + word.len();
        line[at..]
            .trim_start()
            .split([',', ' '])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let bytes: u64 = line
        .split(" bytes")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    Summary {
        uploaded: num("uploaded ") as usize,
        unchanged: num("unchanged ") as usize,
        deleted: num("deleted ") as usize,
        bytes,
    }
}

/// `upfront deploy TARGET` of `root` at `now`, with the S3 settings of
/// `endpoint` (and no other AWS settings of the environment).
fn deploy(root: &Path, target: &str, endpoint: Option<&str>, now: &str, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upfront"));
    cmd.args(["deploy", target, "--root"])
        .arg(root)
        .args(["--now", now, "--base-url", BASE_URL])
        .args(extra);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    if let Some(e) = endpoint {
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", e);
    }
    cmd.output().expect("run upfront")
}

fn deploy_ok(root: &Path, target: &str, endpoint: Option<&str>, now: &str) -> Summary {
    let o = deploy(root, target, endpoint, now, &[]);
    assert!(o.status.success(), "deploy failed:\n{}", stderr(&o));
    summary(&o)
}

/// The built site as deploy publishes it (no output marker).
fn published_tree(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut t = tree(out);
    t.remove(".upfront-output");
    t
}

/// Like `published_tree`, but `None` when anything cannot be read.
fn try_tree(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.ok()?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .into_owned();
            if rel != ".upfront-output" {
                files.insert(rel, std::fs::read(entry.path()).ok()?);
            }
        }
    }
    Some(files)
}

fn changed(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> usize {
    b.iter().filter(|(k, v)| a.get(*k) != Some(v)).count()
}

fn update(root: &Path, slug: &str, at: &str) {
    let o = upfront(&[
        "update",
        slug,
        "--root",
        root.to_str().unwrap(),
        "--status",
        "monitoring",
        "--message",
        "A fix is rolling out.",
        "--at",
        at,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

const LATER: &str = "2008-08-13T01:00:00Z";

#[test]
fn s3_first_deploy_uploads_every_file_with_its_headers() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("status");
    let site = site_copy("basic");
    let s = deploy_ok(site.path(), "s3://status", Some(&moto.endpoint()), NOW);
    let built = published_tree(&site.path().join("public"));
    assert_eq!(s.uploaded, built.len());
    assert_eq!((s.unchanged, s.deleted), (0, 0));
    assert_eq!(s.bytes, built.values().map(|b| b.len() as u64).sum::<u64>());
    let keys: Vec<String> = built.keys().cloned().collect();
    assert_eq!(moto.keys("status"), keys);
    for (path, bytes) in &built {
        assert_eq!(&moto.get("status", path), bytes, "{path}");
    }

    let home = moto.head("status", "index.html");
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        home.header("Cache-Control"),
        Some("public, max-age=60, must-revalidate")
    );
    let css = built
        .keys()
        .find(|k| k.starts_with("style.") && k.ends_with(".css"))
        .unwrap();
    let css = moto.head("status", css);
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        css.header("Cache-Control"),
        Some("public, max-age=31536000, immutable")
    );
    let json = moto.head("status", "status.json");
    assert_eq!(json.header("Content-Type"), Some("application/json"));
    let feed = moto.head("status", "feed.xml");
    assert_eq!(feed.header("Content-Type"), Some("application/atom+xml"));
    let page = moto.head("status", "downloads/index.html");
    assert_eq!(
        page.header("Cache-Control"),
        Some("public, max-age=60, must-revalidate")
    );
}

#[test]
fn s3_no_change_uploads_nothing_and_an_update_only_what_changed() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("status");
    let site = site_copy("basic");
    let out = site.path().join("public");
    let first = deploy_ok(site.path(), "s3://status", Some(&moto.endpoint()), NOW);
    let before = published_tree(&out);

    let again = deploy_ok(site.path(), "s3://status", Some(&moto.endpoint()), NOW);
    assert_eq!(
        again,
        Summary {
            uploaded: 0,
            unchanged: first.uploaded,
            deleted: 0,
            bytes: 0
        }
    );

    update(site.path(), "slow-website", "2008-08-12T23:30:00Z");
    let after_update = deploy_ok(site.path(), "s3://status", Some(&moto.endpoint()), NOW);
    let after = published_tree(&out);
    let differ = changed(&before, &after);
    assert!(
        differ > 0 && differ < after.len(),
        "{differ} of {}",
        after.len()
    );
    assert_eq!(
        after_update.uploaded, differ,
        "only the files whose bytes changed"
    );
    assert_eq!(after_update.unchanged, after.len() - differ);
    assert_eq!(
        moto.get("status", "incidents/slow-website/index.html"),
        after["incidents/slow-website/index.html"]
    );
}

#[test]
fn s3_a_deleted_page_is_deleted_and_nothing_outside_the_prefix_is_touched() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("shared");
    moto.put("shared", "other-team/keep.txt", b"not ours");
    let site = site_copy("basic");
    let target = "s3://shared/status";
    deploy_ok(site.path(), target, Some(&moto.endpoint()), NOW);
    assert!(moto
        .keys("shared")
        .contains(&"status/about/index.html".to_string()));

    std::fs::remove_file(site.path().join("content/pages/about.md")).unwrap();
    let s = deploy_ok(site.path(), target, Some(&moto.endpoint()), NOW);
    assert!(s.deleted >= 1, "{s:?}");
    let keys = moto.keys("shared");
    assert!(!keys.contains(&"status/about/index.html".to_string()));
    assert_eq!(moto.head("shared", "status/about/index.html").status, 404);
    assert!(keys.contains(&"other-team/keep.txt".to_string()));
    let built = published_tree(&site.path().join("public"));
    let ours: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("status/"))
        .map(String::from)
        .collect();
    assert_eq!(ours, built.keys().cloned().collect::<Vec<_>>());
}

/// A proxy in front of moto that answers 500 InternalError to every upload
/// after the first `n`.
struct FailingProxy {
    child: Child,
    port: u16,
}

impl FailingProxy {
    fn start(upstream: u16, n: usize) -> FailingProxy {
        let script = repo_root().join("tests/support/failing_s3_proxy.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args([upstream.to_string(), n.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("proxy port");
        FailingProxy { child, port }
    }
}

impl Drop for FailingProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn s3_a_failure_part_way_leaves_the_site_working_and_a_rerun_completes_it() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("status");
    let site = site_copy("basic");
    let out = site.path().join("public");
    deploy_ok(site.path(), "s3://status", Some(&moto.endpoint()), NOW);
    let old = published_tree(&out);

    // A new site: different pages, and a page gone (to be deleted).
    update(site.path(), "slow-website", "2008-08-12T23:30:00Z");
    std::fs::remove_file(site.path().join("content/pages/about.md")).unwrap();
    let proxy = FailingProxy::start(moto.port, 2);
    let proxied = format!("http://127.0.0.1:{}", proxy.port);
    let o = deploy(site.path(), "s3://status", Some(&proxied), LATER, &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("deploy stopped: uploading "), "{err}");
    assert!(
        err.contains("500 Internal Server Error (after 3 retries)"),
        "{err}"
    );
    assert!(err.contains("nothing was deleted"), "{err}");
    assert!(err.contains("rerun"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // The published site still works: the old homepage, nothing deleted,
    // every old file still there.
    assert_eq!(moto.get("status", "index.html"), old["index.html"]);
    let keys = moto.keys("status");
    for path in old.keys() {
        assert!(
            keys.contains(path),
            "{path} was removed before the uploads finished"
        );
    }

    drop(proxy);
    let rerun = deploy_ok(site.path(), "s3://status", Some(&moto.endpoint()), LATER);
    let new = published_tree(&out);
    assert!(rerun.deleted >= 1);
    assert!(
        rerun.unchanged >= 2,
        "the two uploads that went through: {rerun:?}"
    );
    assert_eq!(moto.keys("status"), new.keys().cloned().collect::<Vec<_>>());
    for (path, bytes) in &new {
        assert_eq!(&moto.get("status", path), bytes, "{path}");
    }
}

#[test]
fn s3_a_wrong_bucket_is_named() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("status");
    let site = site_copy("basic");
    let o = deploy(
        site.path(),
        "s3://no-such-bucket",
        Some(&moto.endpoint()),
        NOW,
        &[],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("there is no bucket `no-such-bucket`"), "{err}");
    assert!(err.contains(&moto.endpoint()), "{err}");
    assert!(err.contains("nothing was uploaded"), "{err}");
    assert!(moto.keys("status").is_empty());
}

#[test]
fn s3_dry_run_changes_nothing() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("status");
    let site = site_copy("basic");
    let o = deploy(
        site.path(),
        "s3://status",
        Some(&moto.endpoint()),
        NOW,
        &["--dry-run"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = summary(&o);
    assert!(s.uploaded > 0);
    assert!(String::from_utf8_lossy(&o.stdout).contains("upload Assets s3://status/feed.xml"));
    assert!(moto.keys("status").is_empty());
}

#[test]
fn deploy_refuses_a_placeholder_base_url_and_says_what_to_set() {
    let tmp = TempDir::new("deploy-placeholder");
    let dir = tmp.path().join("site");
    assert!(upfront(&["init", dir.to_str().unwrap()]).status.success());
    let target = format!("file://{}", tmp.path().join("www").display());
    let o = upfront(&["deploy", &target, "--root", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("is `https://status.example.com`, a placeholder"),
        "{err}"
    );
    assert!(err.contains("set base_url in site.toml"), "{err}");
    assert!(!tmp.path().join("www").exists());
    let check = upfront(&["check", "--root", dir.to_str().unwrap()]);
    assert!(check.status.success());
    assert!(
        stderr(&check).contains("warning: base_url `https://status.example.com` is a placeholder")
    );
}

#[test]
fn dir_first_deploy_then_swaps_keep_one_previous_version() {
    let site = site_copy("basic");
    let tmp = TempDir::new("deploy-dir");
    let live = tmp.path().join("www");
    // A plain directory someone copied a site into by hand.
    std::fs::create_dir_all(&live).unwrap();
    std::fs::write(live.join("index.html"), "hand-made").unwrap();
    let target = format!("file://{}", live.display());

    let first = deploy_ok(site.path(), &target, None, NOW);
    let built = published_tree(&site.path().join("public"));
    assert!(std::fs::symlink_metadata(&live)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(published_tree(&live), built);
    assert_eq!(
        first.uploaded,
        built.len(),
        "index.html differs from the hand-made one"
    );
    let versions = tmp.path().join(".www.upfront");
    let listed = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let kept = listed(&versions);
    assert_eq!(kept.len(), 2, "{kept:?}");
    let before = kept
        .iter()
        .find(|v| v.ends_with("-before"))
        .expect("the old directory, kept");
    assert_eq!(
        std::fs::read_to_string(versions.join(before).join("index.html")).unwrap(),
        "hand-made"
    );

    let again = deploy_ok(site.path(), &target, None, NOW);
    assert_eq!((again.uploaded, again.unchanged), (0, built.len()));
    update(site.path(), "slow-website", "2008-08-12T23:30:00Z");
    let third = deploy_ok(site.path(), &target, None, NOW);
    assert!(third.uploaded > 0 && third.unchanged > 0, "{third:?}");
    assert_eq!(
        published_tree(&live),
        published_tree(&site.path().join("public"))
    );
    let kept = listed(&versions);
    assert_eq!(
        kept.len(),
        2,
        "the live version and the one before: {kept:?}"
    );
    assert!(!kept.iter().any(|v| v.ends_with("-before")), "{kept:?}");
}

#[test]
fn dir_a_reader_never_sees_a_mix_of_two_sites() {
    let site = site_copy("basic");
    let tmp = TempDir::new("deploy-reader");
    let live = tmp.path().join("www");
    let target = format!("file://{}", live.display());
    // The sites the deploys will publish, built beforehand: each differs
    // in many files (the time it describes, and an update).
    let times = [NOW, LATER, "2008-08-13T02:00:00Z", "2008-08-13T03:00:00Z"];
    let mut expected: Vec<BTreeMap<String, Vec<u8>>> = Vec::new();
    for (i, now) in times.iter().enumerate() {
        if i == 2 {
            update(site.path(), "slow-website", "2008-08-13T01:30:00Z");
        }
        let out = tmp.path().join(format!("expected-{i}"));
        let o = upfront(&[
            "build",
            "-q",
            "--root",
            site.path().to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--now",
            now,
            "--base-url",
            BASE_URL,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        expected.push(published_tree(&out));
    }
    // Undo the update so the deploys go through the same sequence.
    let fresh = site_copy("basic");
    deploy_ok(fresh.path(), &target, None, times[0]);

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, live, expected) = (stop.clone(), live.clone(), expected.clone());
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                // What a server sees: the path resolves into one version.
                let version: PathBuf = std::fs::canonicalize(&live).expect("the live dir exists");
                let got = try_tree(&version);
                let which = got.and_then(|got| expected.iter().position(|t| *t == got));
                // A version two deploys old may be pruned while it is read:
                // that is a reader too slow for the retention, not a mix.
                if which.is_none() && !version.exists() {
                    continue;
                }
                assert!(
                    which.is_some(),
                    "a site that is no build: {}",
                    version.display()
                );
                seen.insert(which.unwrap());
                // And a page read through the link is always there.
                std::fs::read(live.join("index.html")).expect("index.html always readable");
                reads += 1;
            }
            (seen, reads)
        })
    };
    for (i, now) in times.iter().enumerate().skip(1) {
        if i == 2 {
            update(fresh.path(), "slow-website", "2008-08-13T01:30:00Z");
        }
        deploy_ok(fresh.path(), &target, None, now);
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let (seen, reads) = reader.join().expect("the reader saw only whole sites");
    assert!(reads > 4, "{reads} reads");
    assert!(seen.len() >= 2, "the reader saw the swap: {seen:?}");
    assert_eq!(published_tree(&live), expected[3]);
}
