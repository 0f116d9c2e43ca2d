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

    /// A raw GET: status code, headers (lower case), body.
    fn get(&self, path: &str) -> (u16, String, String) {
        self.get_as(path, &self.addr)
    }

    /// A raw GET with this `Host` header, on a connection of its own.
    fn get_as(&self, path: &str, host: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        // Header names are case-insensitive; hyper sends them in lower case.
        (code_of(head), head.to_ascii_lowercase(), body.to_string())
    }

    /// A connection that stays open across requests.
    fn connect(&self) -> Connection {
        let s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Connection {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
            host: self.addr.clone(),
        }
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

fn code_of(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// One kept-alive HTTP/1.1 connection: requests are written and responses
/// read one after the other, framed by Content-Length.
struct Connection {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    host: String,
}

impl Connection {
    fn send(&mut self, path: &str) {
        write!(
            self.writer,
            "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.host
        )
        .unwrap();
    }

    /// Status, head (lower case) and body of the next response.
    fn response(&mut self) -> std::io::Result<(u16, String, Vec<u8>)> {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map(|n| n.trim().parse().unwrap())
            .unwrap_or_else(|| panic!("no content-length in {head}"));
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((code_of(&head), head, body))
    }

    fn get(&mut self, path: &str) -> (u16, String, Vec<u8>) {
        self.send(path);
        self.response().unwrap()
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

#[cfg(unix)]
#[test]
fn a_taken_port_moves_to_the_next_and_ctrl_c_stops_cleanly() {
    let site = site_copy("basic");
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port().to_string();
    let mut server = Server::start(site.path(), &["--port", &port]);
    assert_ne!(server.addr, format!("127.0.0.1:{port}"));
    assert_eq!(server.get("/").0, 200);
    let kill = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(100));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains(&format!("port {port} is taken")), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn requests_for_a_host_that_is_not_this_machine_are_refused() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    // A page on evil.example whose name was rebound to 127.0.0.1 sends its
    // own name: refused, whatever it asks for.
    for (host, path) in [
        ("evil.example", "/"),
        (&format!("evil.example:{port}") as &str, "/status.json"),
        ("127.0.0.1.nip.io", "/notice.json"),
        ("localhost.evil.example", "/"),
        ("evil.example", "/__upfront/events"),
        ("evil.example", "/no/such/page/"),
    ] {
        let (code, head, body) = server.get_as(path, host);
        assert_eq!(code, 403, "Host: {host} {path}");
        assert!(head.contains("content-type: text/plain"), "{head}");
        assert!(
            body.contains("DNS rebinding") && body.contains(&server.addr),
            "the refusal says why and where to go: {body}"
        );
        assert!(!body.contains("Slow website"));
        assert!(!head.contains("access-control-allow-origin"), "{head}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("127.0.0.2:{port}"),
        format!("[::1]:{port}"),
        format!("status.localhost:{port}"),
        "LOCALHOST".to_string(),
    ] {
        let (code, _, body) = server.get_as("/", &host);
        assert_eq!(code, 200, "Host: {host}");
        assert!(body.contains("Slow website"), "Host: {host}");
    }
}

#[test]
fn a_connection_is_kept_alive_across_requests() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let mut conn = server.connect();
    let (code, head, page) = conn.get("/incidents/slow-website/");
    assert_eq!(code, 200);
    assert!(!head.contains("connection: close"), "{head}");
    assert!(String::from_utf8_lossy(&page).contains("Slow website"));
    // The same socket: a second, third and fourth request, of every kind.
    let (code, head, json) = conn.get("/status.json");
    assert_eq!(code, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(serde_json::from_slice::<serde_json::Value>(&json).is_ok());
    assert_eq!(conn.get("/no/such/page/").0, 404);
    assert_eq!(conn.get("/robots.txt").0, 200);
    // Pipelined: two requests written before either answer is read.
    conn.send("/");
    conn.send("/feed.xml");
    assert_eq!(conn.response().unwrap().0, 200);
    let (code, head, _) = conn.response().unwrap();
    assert_eq!(code, 200);
    assert!(head.contains("application/atom+xml"), "{head}");
}

#[test]
fn path_escapes_are_refused_on_a_kept_alive_connection_too() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let mut conn = server.connect();
    for path in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/static/../../site.toml",
        "/..%5csite.toml",
        "/%00",
    ] {
        let (code, _, body) = conn.get(path);
        assert!(code == 400 || code == 404, "{path}: {code}");
        assert!(!String::from_utf8_lossy(&body).contains("base_url"));
    }
    // The connection is still good after the refusals.
    assert_eq!(conn.get("/").0, 200);
}

/// The next `data:` line of an event stream.
fn next_event(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the event stream closed"
        );
        if let Some(data) = line.strip_prefix("data: ") {
            return data.trim_end().to_string();
        }
    }
}

#[test]
fn an_edit_sends_a_live_reload_event() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let mut conn = server.connect();
    conn.send("/__upfront/events");
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(conn.reader.read_line(&mut head).unwrap() > 0);
    }
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    // The generation the page was served with, at once.
    let first = next_event(&mut conn.reader);
    let page = server.get("/").2;
    assert!(page.contains(&format!("var g=\"{first}\"")), "{page}");
    // A content edit: a new generation, pushed without asking.
    let started = Instant::now();
    edit(
        &site.path().join("content/incidents/slow-website.md"),
        |t| t + "\nPushed to open pages.\n",
    );
    let next = next_event(&mut conn.reader);
    assert_ne!(next, first);
    assert!(started.elapsed() < Duration::from_secs(10));
    let page = server.get("/incidents/slow-website/").2;
    assert!(page.contains("Pushed to open pages."));
    assert!(page.contains(&format!("var g=\"{next}\"")));
    // A bad save is news too: the open page reloads to show the overlay.
    edit(
        &site.path().join("content/incidents/slow-website.md"),
        |t| t.replace("severity: minor", "severity: catastrophic"),
    );
    let third = next_event(&mut conn.reader);
    assert_ne!(third, next);
    assert!(server.get("/").2.contains("upfront-error"));
}

#[test]
fn connections_past_the_cap_wait_until_one_closes() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    let cap = upfront::dev::serve::MAX_CONNECTIONS;
    // Every slot taken by a kept-alive connection that was served once.
    let mut held: Vec<Connection> = (0..cap)
        .map(|_| {
            let mut c = server.connect();
            assert_eq!(c.get("/robots.txt").0, 200);
            c
        })
        .collect();
    // One more: the kernel accepts it, the server doesn't answer it yet.
    let mut extra = server.connect();
    extra
        .writer
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    extra.send("/");
    let waiting = extra.response();
    assert!(
        waiting.as_ref().is_err_and(|e| matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "connection {} was served past the cap of {cap}",
        cap + 1
    );
    // A held connection closes: the waiting one is served, and the held
    // ones still work.
    drop(held.pop());
    extra
        .writer
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (code, _, body) = extra.response().expect("served once a slot is free");
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&body).contains("Slow website"));
    assert_eq!(held[0].get("/status.json").0, 200);
}

/// `n` consecutive loopback ports, all taken by this test.
fn taken_ports(n: u16) -> (u16, Vec<std::net::TcpListener>) {
    for attempt in 0..200u16 {
        let base = 20_000 + (std::process::id() as u16 % 997) * 40 + attempt * 23;
        let held: Vec<_> = (base..base + n)
            .map_while(|p| std::net::TcpListener::bind(("127.0.0.1", p)).ok())
            .collect();
        if held.len() == n as usize {
            return (base, held);
        }
    }
    panic!("no run of {n} free ports");
}

#[test]
fn a_server_that_cannot_listen_exits_non_zero_and_says_why() {
    let site = site_copy("basic");
    let root = site.path().to_str().unwrap();
    // Every port it would try is taken (a second `serve` on a busy machine).
    let (base, _held) = taken_ports(20);
    let out = upfront(&["serve", "--root", root, "--port", &base.to_string()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "ports {base} to {} on 127.0.0.1 are all taken",
            base + 19
        )),
        "{err}"
    );
    assert!(err.contains("--port 0"), "with what to do: {err}");
    assert!(out.stdout.is_empty(), "never said it was serving");
    // An address that isn't this machine's.
    let out = upfront(&[
        "serve",
        "--root",
        root,
        "--bind",
        "192.0.2.1",
        "--port",
        "0",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cannot listen on 192.0.2.1:0"), "{err}");
    assert!(out.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn a_server_out_of_file_descriptors_keeps_serving_once_they_free_up() {
    let site = site_copy("basic");
    // The server under a low descriptor limit: accepting fails while the
    // client holds many connections; it must recover, not die silently.
    let exe = env!("CARGO_BIN_EXE_upfront");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 64 && exec '{exe}' serve --port 0 --root '{}'",
            site.path().display()
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let log = Arc::new(Mutex::new(String::new()));
    {
        let log = log.clone();
        let err = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    let server = Server {
        child,
        addr,
        log: log.clone(),
    };
    assert_eq!(server.get("/").0, 200);
    let flood: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(&server.addr).ok())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !log.lock().unwrap().contains("cannot accept a connection") {
        assert!(Instant::now() < deadline, "no accept error seen");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(flood);
    server.wait_for("/", "served again", |c, b| {
        c == 200 && b.contains("Slow website")
    });
    assert!(log.lock().unwrap().contains("accepting connections again"));
}

#[test]
fn binding_beyond_loopback_warns_and_loopback_does_not() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &["--bind", "0.0.0.0"]);
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    let (code, _, _) = server.get_as("/", &format!("localhost:{port}"));
    assert_eq!(code, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server
        .log
        .lock()
        .unwrap()
        .contains("reachable from the network")
    {
        assert!(
            Instant::now() < deadline,
            "no warning: {}",
            server.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(server
        .log
        .lock()
        .unwrap()
        .contains("not meant for production"));
    // Bound to every interface, a DNS name is still refused.
    assert_eq!(server.get_as("/", "evil.example").0, 403);

    let quiet = Server::start(site.path(), &[]);
    assert_eq!(quiet.get("/").0, 200);
    std::thread::sleep(Duration::from_millis(100));
    assert!(!quiet.log.lock().unwrap().contains("warning"));
}

#[test]
fn drafts_are_never_readable_from_another_origin() {
    let site = site_copy("basic");
    // A draft letter about an active incident: with --drafts its title is
    // in notice.json (the incident links to it).
    edit(&site.path().join("content/letters/open-letter.md"), |t| {
        t.replacen("---\n", "---\ndraft: true\n", 1)
    });
    let draft_title = "An open letter to our customers";
    // Without --drafts: public data, readable by notice.js on other sites.
    let public = Server::start(site.path(), &[]);
    let (_, head, json) = public.get("/notice.json");
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    assert!(!json.contains(draft_title), "{json}");
    // With --drafts: the draft is in the preview's JSON, and no JSON tells
    // a browser that another origin may read it.
    let drafts = Server::start(site.path(), &["--drafts"]);
    let (code, head, json) = drafts.get("/notice.json");
    assert_eq!(code, 200);
    assert!(
        json.contains(draft_title),
        "the preview shows drafts: {json}"
    );
    assert!(!head.contains("access-control"), "{head}");
    for path in ["/status.json", "/api/v2/summary.json"] {
        let (code, head, _) = drafts.get(path);
        assert_eq!(code, 200, "{path}");
        assert!(!head.contains("access-control"), "{path}: {head}");
    }
}

#[test]
fn a_client_that_stops_reading_is_dropped() {
    let site = site_copy("basic");
    let server = Server::start(site.path(), &[]);
    // Thousands of pipelined requests for a 4 KB page, and not one byte
    // read: the server's writes fill both socket buffers and stall.
    let asks = 4000;
    let stream = TcpStream::connect(&server.addr).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let host = server.addr.clone();
    std::thread::spawn(move || {
        for _ in 0..asks {
            let ask = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
            if writer.write_all(ask.as_bytes()).is_err() {
                return;
            }
        }
    });
    std::thread::sleep(upfront::dev::serve::WRITE_STALL + Duration::from_secs(3));
    // Meanwhile everyone else is served.
    assert_eq!(server.get("/").0, 200);
    // Reading now finds the connection closed by the server, short of
    // the answers asked for.
    let mut reader = stream;
    reader
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut got = Vec::new();
    let end = reader.read_to_end(&mut got);
    let answers = String::from_utf8_lossy(&got)
        .matches("HTTP/1.1 200")
        .count();
    assert!(
        end.is_ok()
            || end
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "the server never closed the stalled connection ({answers} answers): {end:?}"
    );
    assert!(answers < asks, "all {answers} answers arrived");
}

/// Waits until a watcher of `root` answers `upfront new`'s question.
#[cfg(target_os = "linux")]
fn wait_for_answers(root: &Path, who: &str) {
    use upfront::author::ask;
    use upfront::source::content::Section::Incidents;
    let deadline = Instant::now() + Duration::from_secs(15);
    while ask::taken(root, Incidents, "x").is_none() {
        assert!(Instant::now() < deadline, "{who} never answered");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Saves the fixture's slow-website note in place `saves` times, each with
/// a new slug, and asks right after each save: the answer has it.
#[cfg(target_os = "linux")]
fn each_save_is_in_the_next_answer(root: &Path, saves: usize) {
    use upfront::author::ask;
    use upfront::source::content::Section::Incidents;
    let note = root.join("content/incidents/slow-website.md");
    let original = std::fs::read_to_string(&note).unwrap();
    for i in 0..saves {
        let slug = format!("renamed-{i}");
        let text = original.replacen("---\n", &format!("---\nslug: {slug}\n"), 1);
        std::fs::write(&note, text).unwrap();
        assert_eq!(
            ask::taken(root, Incidents, "renamed"),
            Some(vec![(slug, "slow-website.md".to_string())]),
            "save {i}"
        );
        assert_eq!(ask::taken(root, Incidents, "slow-website"), Some(vec![]));
    }
}

/// `upfront new incident TITLE` in `root`; what it printed.
#[cfg(target_os = "linux")]
fn new_incident(root: &Path, title: &str) -> String {
    let out = upfront(&[
        "new",
        "incident",
        title,
        "--severity",
        "minor",
        "--affects",
        "downloads",
        "--root",
        root.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `build --watch` answers `upfront new` as serve does: every save made
/// before a question is in its answer, and Ctrl-C takes the socket along
/// (the process still ends as Ctrl-C ends it).
#[cfg(target_os = "linux")]
#[test]
fn build_watch_answers_new_too_and_ctrl_c_takes_the_socket_along() {
    use upfront::author::ask;
    let site = site_copy("basic");
    let root = site.path();
    // Killed if the test fails before Ctrl-C.
    struct Watching(Child);
    impl Drop for Watching {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut watching = Watching(
        Command::new(env!("CARGO_BIN_EXE_upfront"))
            .args(["build", "--watch", "-q", "--now", NOW, "--root"])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_answers(root, "build --watch");
    each_save_is_in_the_next_answer(root, 20);
    assert!(new_incident(root, "Renamed 19").contains("renamed-19-2.md"));

    let interrupt = Command::new("kill")
        .args(["-INT", &watching.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    assert_eq!(watching.0.wait().unwrap().code(), Some(130));
    assert!(!ask::socket(root).exists());
}

/// `upfront new` asks a running serve which slugs are taken instead of
/// reading every note (`author::ask`): each answer holds a slug declared in
/// place a moment before the question, no fence file is left behind, a
/// stopped serve takes its socket along, and a killed one's socket only
/// sends the command back to the folder.
#[cfg(target_os = "linux")]
#[test]
fn new_asks_serve_which_slugs_are_taken_and_serve_has_heard_every_earlier_save() {
    use upfront::author::ask;
    use upfront::source::content::Section::Incidents;
    let site = site_copy("basic");
    let root = site.path();
    let mut server = Server::start(root, &[]);
    wait_for_answers(root, "serve");
    assert_eq!(
        ask::taken(root, Incidents, "slow-website"),
        Some(vec![("slow-website".into(), "slow-website.md".into())])
    );
    // Saved in place (the folder does not change) just before each question.
    each_save_is_in_the_next_answer(root, 100);
    let new = |title: &str| new_incident(root, title);
    assert!(new("Renamed 99").contains("renamed-99-2.md"));
    // No note has the slug, but a file has the name.
    assert!(new("Slow website").contains("slow-website-2.md"));
    let left: Vec<_> = std::fs::read_dir(root.join("content/incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(ask::FENCE))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Stopped: the socket goes with it.
    let interrupt = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    assert!(server.child.wait().unwrap().success());
    assert!(!ask::socket(root).exists());

    // Killed: its socket stays, and only costs a refused connection.
    let mut server = Server::start(root, &[]);
    wait_for_answers(root, "serve");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(ask::socket(root).exists());
    assert_eq!(ask::taken(root, Incidents, "slow-website"), None);
    assert!(new("Slow website").contains("slow-website-3.md"));
}
