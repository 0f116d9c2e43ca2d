//! `upfront serve`: build, watch, and serve the site from memory over HTTP
//! with live reload. The last good rendered site sits behind an `Arc` that a
//! rebuild swaps whole, so a reader never sees a half-built site, and a bad
//! save only adds an error overlay to what is served.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::dev::incremental::{Files, Session};
use crate::dev::watch::{self, Changes, Outcome, WatchOptions};
use crate::pipeline::build::BuildOptions;
use crate::publish::pages::Stamps;
use crate::vocab::error::{Error, Result};

/// What `upfront serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub watch: WatchOptions,
    pub bind: IpAddr,
    /// 0 lets the system pick a free port.
    pub port: u16,
    /// Print a line per request.
    pub log_requests: bool,
}

/// One state of the site as served: swapped whole after each rebuild.
#[derive(Default)]
pub struct Snapshot {
    /// Bumped on every rebuild, good or bad; pages reload when it moves.
    pub generation: u64,
    files: Arc<Files>,
    stamps: Option<Stamps>,
    statics: HashMap<String, PathBuf>,
    /// The real path of the site root: a static file whose real path leaves
    /// it (a symlink pointing out of the site) is not served, the same rule
    /// as `build` (see `walk`), checked again at request time.
    static_root: Option<PathBuf>,
    /// The errors of the last rebuild, shown over every page until fixed.
    error: Option<String>,
}

impl Snapshot {
    fn of(session: &Session, root: &Path, generation: u64) -> Snapshot {
        let r = session.rendered();
        Snapshot {
            generation,
            files: r.files.clone(),
            stamps: Some(Stamps::of(session.site())),
            statics: r
                .copies
                .iter()
                .map(|c| (c.path.clone(), c.source.clone()))
                .collect(),
            static_root: std::fs::canonicalize(root).ok(),
            error: None,
        }
    }
}

/// The served state and a way to wait for the next one.
#[derive(Default)]
pub struct Shared {
    current: Mutex<Arc<Snapshot>>,
    changed: Condvar,
}

impl Shared {
    pub fn get(&self) -> Arc<Snapshot> {
        self.current.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn publish(&self, next: Snapshot) {
        if let Ok(mut cur) = self.current.lock() {
            *cur = Arc::new(next);
        }
        self.changed.notify_all();
    }

    /// Blocks until the generation differs from `seen`, or `timeout` passes.
    fn wait_past(&self, seen: u64, timeout: Duration) -> u64 {
        let Ok(guard) = self.current.lock() else {
            return seen;
        };
        match self
            .changed
            .wait_timeout_while(guard, timeout, |s| s.generation == seen)
        {
            Ok((s, _)) => s.generation,
            Err(_) => seen,
        }
    }
}

/// Runs the server until Ctrl-C.
pub fn serve(opts: ServeOptions) -> Result<()> {
    // Ctrl-C and SIGTERM are taken by one thread, so they must be blocked
    // before any other thread exists (threads inherit the mask).
    let signals = block_signals();
    let listener = bind(opts.bind, opts.port)?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot read the server address: {e}")))?;
    let mut build = opts.build.clone();
    build.base_url = Some(format!("http://{}", url_host(addr)));
    let shared = Arc::new(Shared::default());
    let changes = Changes::watch(&build.root, opts.watch)?;

    let mut session = match Session::start(build.clone()) {
        Ok(s) => {
            shared.publish(Snapshot::of(&s, &build.root, 1));
            Some(s)
        }
        Err(e) => {
            eprintln!("upfront: the site has errors; serving them until they are fixed\n{e}");
            shared.publish(Snapshot {
                generation: 1,
                error: Some(e.to_string()),
                ..Snapshot::default()
            });
            None
        }
    };
    println!(
        "upfront: serving {} at http://{}/ (live reload on; Ctrl-C to stop)",
        build.root.display(),
        url_host(addr)
    );

    let rebuilder = shared.clone();
    std::thread::spawn(move || {
        while let Some(paths) = changes.next_batch() {
            let started = Instant::now();
            let paths = crate::dev::incremental::relevant(&build, &paths);
            if paths.is_empty() {
                continue;
            }
            let outcome = watch::rebuild(&mut session, &build, &paths);
            let generation = rebuilder.get().generation + 1;
            let next = match (&outcome, &session) {
                (Outcome::Rebuilt(r), Some(s)) => {
                    if r.rendered == 0 && r.reparsed == 0 && !r.full {
                        continue;
                    }
                    Snapshot::of(s, &build.root, generation)
                }
                (Outcome::Failed(e), _) => {
                    let last = rebuilder.get();
                    Snapshot {
                        generation,
                        files: last.files.clone(),
                        stamps: last.stamps.clone(),
                        statics: last.statics.clone(),
                        static_root: last.static_root.clone(),
                        error: Some(e.to_string()),
                    }
                }
                (Outcome::Rebuilt(_), None) => continue,
            };
            rebuilder.publish(next);
            let line = watch::describe(&build.root, &paths, &outcome, started.elapsed());
            match outcome {
                Outcome::Rebuilt(_) => println!("{line}"),
                Outcome::Failed(_) => eprintln!("{line}"),
            }
        }
    });

    let server = shared.clone();
    let log = opts.log_requests;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let shared = server.clone();
            std::thread::spawn(move || handle(stream, &shared, log));
        }
    });
    wait_for_signal(signals);
    println!("upfront: stopped");
    Ok(())
}

/// `--port N`: N if free, else the next free one (said so); 0: any.
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener> {
    let tries = if port == 0 { 1 } else { 20 };
    for p in (0..tries).map(|i| port.saturating_add(i)) {
        match TcpListener::bind(SocketAddr::new(ip, p)) {
            Ok(l) => {
                if p != port {
                    eprintln!("upfront: port {port} is taken; using {p}");
                }
                raise_backlog(&l);
                return Ok(l);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => {
                return Err(Error::new(format!("cannot listen on {ip}:{p}: {e}"))
                    .hint("pick another address with --bind or port with --port")
                    .into())
            }
        }
    }
    Err(Error::new(format!(
        "ports {port} to {} are all taken",
        port.saturating_add(tries - 1)
    ))
    .hint("pass --port 0 to let the system pick one")
    .into())
}

/// std listens with a backlog of 128. Every request is its own connection
/// (`Connection: close`), so a few hundred clients at once (a whole team
/// reloading, or `bench/load.sh`) overflow it, and a dropped SYN is retried
/// only after a second. Listening again on a listening socket only changes
/// its backlog; the kernel caps it at `net.core.somaxconn`.
fn raise_backlog(listener: &TcpListener) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid listening socket for the duration of the call.
    unsafe {
        libc::listen(listener.as_raw_fd(), 4096);
    }
}

fn url_host(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", addr.port()),
    }
}

/// The longest request head we read; anything longer is refused.
const MAX_HEAD: usize = 16 * 1024;

/// Serves one connection: one request, then close. Timeouts keep a slow or
/// silent client from holding its thread for long; it can never hold a lock
/// that a rebuild needs (the snapshot is an `Arc` taken once).
fn handle(stream: TcpStream, shared: &Shared, log: bool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half.take(MAX_HEAD as u64));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Drain the headers (we need none of them).
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim_end() != "" {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        let _ = respond(
            &mut stream,
            405,
            "text/plain",
            b"method not allowed\n",
            method == "HEAD",
            &[],
        );
        return;
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    if path == "/__upfront/events" {
        if log {
            println!("{method} {path} (live reload)");
        }
        events(stream, shared);
        return;
    }
    let snapshot = shared.get();
    let (status, content_type, body, extra) = resolve(&snapshot, path);
    if log {
        println!("{method} {path} {status}");
    }
    let _ = respond(
        &mut stream,
        status,
        content_type,
        &body,
        method == "HEAD",
        &extra,
    );
}

type Response = (u16, &'static str, Vec<u8>, Vec<(&'static str, String)>);

/// Maps a request path to a response from the snapshot.
pub fn resolve(snapshot: &Snapshot, raw_path: &str) -> Response {
    let Some(rel) = safe_path(raw_path) else {
        return (
            400,
            "text/plain; charset=utf-8",
            b"bad path\n".to_vec(),
            vec![],
        );
    };
    let file = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.clone()
    };
    if let Some(bytes) = snapshot.files.get(file.as_str()) {
        return (
            200,
            content_type(&file),
            page(snapshot, &file, bytes),
            vec![],
        );
    }
    if let Some(source) = snapshot.statics.get(&file) {
        if let Some(bytes) = read_inside(source, snapshot.static_root.as_deref()) {
            return (200, content_type(&file), bytes, vec![]);
        }
    }
    if snapshot
        .files
        .contains_key(format!("{rel}/index.html").as_str())
    {
        return (
            301,
            "text/plain; charset=utf-8",
            b"moved\n".to_vec(),
            vec![("Location", format!("/{rel}/"))],
        );
    }
    let body = match snapshot.files.get("404.html") {
        Some(bytes) => page(snapshot, "404.html", bytes),
        None => page(
            snapshot,
            "404.html",
            &Arc::new(
                b"<!doctype html><title>Not found</title><body><p>Not found</p></body>".to_vec(),
            ),
        ),
    };
    (404, "text/html; charset=utf-8", body, vec![])
}

/// The bytes of a static file, read only if its real path (symlinks
/// resolved at request time, so a link retargeted later is caught too) lies
/// inside `root`; a link leading out of the site reads as missing.
fn read_inside(source: &Path, root: Option<&Path>) -> Option<Vec<u8>> {
    let real = std::fs::canonicalize(source).ok()?;
    if !real.starts_with(root?) {
        return None;
    }
    std::fs::read(real).ok()
}

/// The decoded path without its leading slash, or `None` for anything that
/// could leave the output: `..`, encoded or not, backslashes, NUL bytes.
pub fn safe_path(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw.strip_prefix('/')?)?;
    let bad = decoded.contains('\0')
        || decoded.contains('\\')
        || decoded.starts_with('/')
        || decoded.split('/').any(|seg| seg == ".." || seg == ".");
    (!bad).then_some(decoded)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A page's bytes with the real stamps, and for HTML the live-reload script
/// and the error overlay (at serve time only: never in `build` output).
fn page(snapshot: &Snapshot, path: &str, bytes: &Arc<Vec<u8>>) -> Vec<u8> {
    let filled = match &snapshot.stamps {
        Some(s) => s.fill(bytes),
        None => bytes.to_vec(),
    };
    if !path.ends_with(".html") {
        return filled;
    }
    let mut inject = String::new();
    if let Some(error) = &snapshot.error {
        inject.push_str(&overlay(error));
    }
    inject.push_str(&format!(
        "<script>(function(){{var g=\"{}\";var s=new EventSource(\"/__upfront/events\");\
         s.onmessage=function(e){{if(e.data!==g){{s.close();location.reload();}}}};}})();</script>\n",
        snapshot.generation
    ));
    // Spliced in place: the archive of a large site is megabytes, and every
    // extra pass over it costs each request (see bench/load.sh).
    let mut filled = filled;
    let at = filled
        .windows(7)
        .rposition(|w| w == b"</body>")
        .unwrap_or(filled.len());
    filled.splice(at..at, inject.into_bytes());
    filled
}

fn overlay(error: &str) -> String {
    let escaped = error
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<div id=\"upfront-error\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;\
         margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;\
         font:14px/1.5 ui-monospace,monospace;z-index:2147483647;white-space:pre-wrap\">\
         <strong>upfront: this save has errors; showing the last good site.</strong>\n{escaped}</div>\n"
    )
}

/// Server-sent events: the current generation at once, then each new one.
fn events(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 300\n\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut seen = shared.get().generation;
    if stream
        .write_all(format!("data: {seen}\n\n").as_bytes())
        .is_err()
    {
        return;
    }
    loop {
        let now = shared.wait_past(seen, Duration::from_secs(15));
        // A comment line when nothing changed finds clients that went away.
        let msg = if now == seen {
            ":\n\n".to_string()
        } else {
            format!("data: {now}\n\n")
        };
        seen = now;
        if stream
            .write_all(msg.as_bytes())
            .and_then(|_| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    head_only: bool,
    extra: &[(&str, String)],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        body.len()
    );
    if content_type == "application/json" {
        // notice.js on another site fetches notice.json across origins.
        head.push_str("Access-Control-Allow-Origin: *\r\n");
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" if path.ends_with("feed.xml") => "application/atom+xml",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "ics" => "text/calendar; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn block_signals() -> libc::sigset_t {
    // SAFETY: plain libc calls on a local, zero-initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn wait_for_signal(set: libc::sigset_t) {
    let mut sig: libc::c_int = 0;
    // SAFETY: `set` was built by block_signals; sigwait only writes `sig`.
    unsafe {
        libc::sigwait(&set, &mut sig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused_in_every_spelling() {
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a/%2e%2e%2f%2e%2e/x",
            "/..%5cx",
            "/%00",
            "//etc/passwd",
            "/%zz",
            "/./x",
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
        assert_eq!(
            safe_path("/incidents/a%20b/").as_deref(),
            Some("incidents/a b/")
        );
        assert_eq!(safe_path("/").as_deref(), Some(""));
    }

    #[test]
    fn pages_get_the_script_and_overlay_others_do_not() {
        let mut s = Snapshot {
            generation: 7,
            ..Snapshot::default()
        };
        Arc::make_mut(&mut s.files).insert(
            "index.html".into(),
            Arc::new(b"<html><body><p>hi</p></body></html>".to_vec()),
        );
        Arc::make_mut(&mut s.files).insert("status.json".into(), Arc::new(b"{}".to_vec()));
        let (code, ct, body, _) = resolve(&s, "/");
        let body = String::from_utf8(body).unwrap();
        assert_eq!((code, ct), (200, "text/html; charset=utf-8"));
        assert!(
            body.contains("EventSource") && body.contains("\"7\""),
            "{body}"
        );
        assert!(body.find("EventSource").unwrap() < body.find("</body>").unwrap());
        let (_, _, json, _) = resolve(&s, "/status.json");
        assert_eq!(json, b"{}");
        s.error = Some("content/incidents/a.md:3:1: <bad>".into());
        let (_, _, body, _) = resolve(&s, "/");
        let body = String::from_utf8(body).unwrap();
        assert!(
            body.contains("upfront-error") && body.contains("a.md:3:1: &lt;bad&gt;"),
            "{body}"
        );
    }

    #[test]
    fn directories_redirect_and_missing_pages_are_404() {
        let mut s = Snapshot::default();
        Arc::make_mut(&mut s.files).insert(
            "incidents/x/index.html".into(),
            Arc::new(b"<body></body>".to_vec()),
        );
        Arc::make_mut(&mut s.files)
            .insert("404.html".into(), Arc::new(b"<body>gone</body>".to_vec()));
        let (code, _, _, extra) = resolve(&s, "/incidents/x");
        assert_eq!(code, 301);
        assert_eq!(extra[0].1, "/incidents/x/");
        let (code, _, body, _) = resolve(&s, "/nope/");
        assert_eq!(code, 404);
        assert!(String::from_utf8(body).unwrap().contains("gone"));
    }
}
