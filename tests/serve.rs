//! `upfront serve` on a fixture copy, over real HTTP: edits are served,
//! a bad save shows an overlay and the last good site, deletes and creates
//! follow, nothing outside the output is reachable, Ctrl-C stops it.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> Server {
        Server::start_in(Path::new("."), root, extra)
    }

    /// Started in the folder `cwd`, so `root` may be relative to it.
    fn start_in(cwd: &Path, root: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_upfront"))
            .current_dir(cwd)
            .args(["serve", "--root"])
            .arg(root)
            .args(if extra.contains(&"--port") {
                &[][..]
            } else {
                &["--port", "0"][..]
            })
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start upfront serve");
        let log = Arc::new(Mutex::new(String::new()));
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        for stream in [
            Box::new(out) as Box<dyn BufRead + Send>,
            Box::new(BufReader::new(child.stderr.take().unwrap())),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in stream.lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        Server { child, addr, log }
    }

    /// A raw GET: status code, headers, body.
    fn get(&self, path: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let code = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        // Header names are case-insensitive; hyper sends them in lower case.
        (code, head.to_ascii_lowercase(), body.to_string())
    }

    /// Polls `path` until `ok` holds of the body (bounded: a failure, not a hang).
    fn wait_for(&self, path: &str, what: &str, ok: impl Fn(u16, &str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (code, _, body) = self.get(path);
            if ok(code, &body) {
                return body;
            }
            if Instant::now() > deadline {
                panic!(
                    "{path}: never {what}; last {code}:\n{body}\nlog:\n{}",
                    self.log.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn edit(path: &Path, f: impl Fn(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn an_edit_is_served_and_only_served_html_gets_the_reload_script() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let (code, head, body) = server.get("/incidents/slow-website/");
    assert_eq!(code, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(
        body.contains("/__upfront/events"),
        "live reload script missing"
    );
    edit(
        &site.path().join("content/incidents/slow-website.md"),
        |t| t + "\nA sentence written during the incident.\n",
    );
    server.wait_for("/incidents/slow-website/", "showed the edit", |c, b| {
        c == 200 && b.contains("A sentence written during the incident.")
    });
    let (_, head, json) = server.get("/status.json");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(!json.contains("__upfront"));
    let (_, head, _) = server.get("/feed.xml");
    assert!(head.contains("application/atom+xml"), "{head}");

    // The real build never carries the script.
    let out = TempDir::new("serve-build");
    build_ok(site.path(), out.path(), &[]);
    let built = read(out.path(), "incidents/slow-website/index.html");
    assert!(!built.contains("__upfront"));
}

#[test]
fn a_relative_root_is_watched_too() {
    // The watcher reports absolute paths; `--root site` must still see them.
    let site = site_copy("basic");
    let (parent, name) = (
        site.path().parent().unwrap(),
        site.path().file_name().unwrap(),
    );
    let server = Server::start_in(parent, Path::new(name), &[]);
    server.wait_for("/incidents/slow-website/", "served", |c, _| c == 200);
    edit(
        &site.path().join("content/incidents/slow-website.md"),
        |t| t.replace("title: \"Slow", "title: \"Relative slow"),
    );
    server.wait_for("/incidents/", "showed the new title", |c, b| {
        c == 200 && b.contains("Relative slow website")
    });
}

#[test]
fn a_bad_save_shows_an_overlay_over_the_last_good_site_and_recovers() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let note = site.path().join("content/incidents/slow-website.md");
    let good = std::fs::read_to_string(&note).unwrap();
    std::fs::write(
        &note,
        good.replace("severity: minor", "severity: catastrophic"),
    )
    .unwrap();
    let body = server.wait_for("/", "showed the overlay", |_, b| {
        b.contains("upfront-error")
    });
    assert!(
        body.contains("slow-website.md:4"),
        "the overlay names file and line:\n{body}"
    );
    assert!(
        body.contains("Slow website"),
        "the last good site is still served"
    );
    // A page opened fresh shows it too.
    let (code, _, page) = server.get("/downloads/");
    assert_eq!(code, 200);
    assert!(page.contains("upfront-error"));
    std::fs::write(&note, good.replace("Slow website", "Slow website again")).unwrap();
    server.wait_for("/", "recovered", |_, b| {
        !b.contains("upfront-error") && b.contains("Slow website again")
    });
}

#[test]
fn deleted_notes_answer_404_and_new_ones_appear() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    assert_eq!(server.get("/incidents/slow-website/").0, 200);
    std::fs::remove_file(site.path().join("content/incidents/slow-website.md")).unwrap();
    server.wait_for("/incidents/slow-website/", "answered 404", |c, _| c == 404);
    let archive = server.get("/incidents/").2;
    assert!(!archive.contains("/incidents/slow-website/"));
    // An editor's atomic save: write a temporary file, rename it into place.
    let tmp = site.path().join("content/incidents/.new.md.swp");
    std::fs::write(
        &tmp,
        "---\ntitle: \"Brand new\"\ndate: 2008-08-12T10:00:00Z\nseverity: major\naffected: [downloads]\n---\nNew.\n",
    )
    .unwrap();
    std::fs::rename(&tmp, site.path().join("content/incidents/brand-new.md")).unwrap();
    server.wait_for("/incidents/brand-new/", "served the new note", |c, b| {
        c == 200 && b.contains("Brand new")
    });
    server.wait_for("/downloads/", "showed the new notice", |_, b| {
        b.contains("Brand new")
    });
}

#[test]
fn nothing_outside_the_output_is_served() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    for path in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E%2Fsite.toml",
        "/incidents/..%2f..%2fsite.toml",
        "/..%5csite.toml",
        "/site.toml",
        "/content/incidents/slow-website.md",
    ] {
        let (code, _, body) = server.get(path);
        assert!(code == 400 || code == 404, "{path}: {code}");
        assert!(!body.contains("base_url"), "{path} leaked site.toml");
    }
    let (code, _, body) = server.get("/no/such/page/");
    assert_eq!(code, 404);
    assert!(body.contains("<html"), "the site's 404 page");
    assert_eq!(server.get("/robots.txt").0, 200, "static files are served");
    assert_eq!(server.get("/incidents").0, 301);
}

#[cfg(unix)]
#[test]
fn static_symlinks_leading_out_of_the_site_are_not_served() {
    let site = site_copy("basic");
    let outside = TempDir::new("outside");
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "top secret\n").unwrap();
    let stat = site.path().join("static");
    std::os::unix::fs::symlink(stat.join("robots.txt"), stat.join("inside.txt")).unwrap();
    std::os::unix::fs::symlink(stat.join("robots.txt"), stat.join("later.txt")).unwrap();
    let server = Server::start(site.path(), &[]);
    assert_eq!(
        server.get("/inside.txt").0,
        200,
        "a link inside the site is served"
    );
    assert_eq!(server.get("/later.txt").0, 200);
    // Retargeted out of the site while serving: the rebuild refuses it (the
    // error shows over the last good site), and the last good snapshot,
    // which still lists the file, checks the link again at request time.
    std::fs::remove_file(stat.join("later.txt")).unwrap();
    std::os::unix::fs::symlink(&secret, stat.join("later.txt")).unwrap();
    server.wait_for("/", "the error overlay", |_, body| {
        body.contains("static/later.txt: the symlink leads outside the site")
    });
    let (code, _, body) = server.get("/later.txt");
    assert_eq!(code, 404, "a link out of the site answers 404");
    assert!(!body.contains("top secret"), "leaked the target");
    assert_eq!(server.get("/inside.txt").0, 200);
}

#[test]
fn a_taken_port_moves_to_the_next_and_ctrl_c_stops_cleanly() {
    let site = site_copy("basic");
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port().to_string();
    let mut server = Server::start(site.path(), &["--port", &port]);
    assert_ne!(server.addr, format!("127.0.0.1:{port}"));
    assert_eq!(server.get("/").0, 200);
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(server.child.id() as i32, libc::SIGINT);
    }
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(100));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains(&format!("port {port} is taken")), "{log}");
    assert!(log.contains("stopped"), "{log}");
}
