//! The HTTP side of `upfront serve`: an accept loop with a connection cap,
//! HTTP/1.1 with keep-alive (hyper), routing and responses (axum), a `Host`
//! check against DNS rebinding, and the mapping from a request path to a
//! file of the current snapshot.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use super::reload;
use super::{Shared, Snapshot};
use crate::publish::headers::content_type;

/// Connections served at once. Past it, new connections wait in the
/// listen backlog until one closes. A browser holds up to 6 connections to
/// a host plus one live-reload stream per tab, so this is dozens of tabs;
/// the cap bounds the memory and descriptors a runaway client can take.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a connection may take to send a request's head, and how long
/// an idle keep-alive connection is kept: an idle client gives back its
/// slot under the cap.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest request head we read; anything longer is refused.
const MAX_HEAD: usize = 16 * 1024;

/// How long a write may make no progress before the connection is
/// dropped: a client that stops reading gives back its slot too.
pub const WRITE_STALL: Duration = Duration::from_secs(15);

/// What every request handler needs.
pub(super) struct Server {
    pub shared: Arc<Shared>,
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// Print a line per request (`serve -v`).
    pub log: bool,
    /// Send `Access-Control-Allow-Origin: *` with JSON (off under --drafts).
    pub cors: bool,
}

/// Serves connections for ever. An accept error (out of file descriptors,
/// a connection reset before it was taken) is said once and retried: the
/// listener itself stays open, so the server recovers when it can.
pub(super) async fn run(listener: TcpListener, server: Server) {
    let router = router(Arc::new(server));
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut failing = false;
    loop {
        // Taking a slot before accepting leaves excess clients queued in
        // the kernel, not half-served. The semaphore is never closed.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                if failing {
                    eprintln!("upfront: accepting connections again");
                    failing = false;
                }
                stream
            }
            Err(e) => {
                if !failing {
                    eprintln!("upfront: cannot accept a connection: {e}; retrying");
                    failing = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .max_buf_size(MAX_HEAD)
                .keep_alive(true)
                .serve_connection(TokioIo::new(Stalling::new(stream)), service);
            // A client that goes away mid-request is its own business.
            let _ = connection.await;
            drop(slot);
        });
    }
}

/// A connection whose writes fail after [`WRITE_STALL`] without progress.
/// hyper has no write timeout, and a total one can't be used: a live-reload
/// stream lasts as long as its page is open.
struct Stalling {
    inner: TcpStream,
    stall: Option<Pin<Box<Sleep>>>,
}

impl Stalling {
    fn new(inner: TcpStream) -> Stalling {
        Stalling { inner, stall: None }
    }

    /// After a write that could not go on: an error once it has been
    /// stuck for too long, else pending (woken by the socket or the timer).
    fn stuck<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let timer = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_STALL)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progress<T>(
        &mut self,
        cx: &mut Context<'_>,
        done: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match done {
            Poll::Pending => self.stuck(cx),
            ready => {
                self.stall = None;
                ready
            }
        }
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let done = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(cx, done)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let done = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(cx, done)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let done = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(cx, done)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The path of the live-reload event stream.
pub const EVENTS: &str = "/__upfront/events";

fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route(EVENTS, get(reload::events))
        .fallback(file)
        .layer(middleware::from_fn_with_state(server.clone(), guard))
        .with_state(server)
}

/// Refuses, before any routing, requests for a host that isn't this
/// machine (DNS rebinding: a page on evil.example whose name now points at
/// 127.0.0.1 must not read the preview) and methods other than GET/HEAD.
async fn guard(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned());
    if let Some(host) = host.filter(|h| !host_allowed(h, server.addr.ip())) {
        if server.log {
            println!(
                "{} {} 403 (Host: {host})",
                request.method(),
                request.uri().path()
            );
        }
        return plain(
            StatusCode::FORBIDDEN,
            format!(
                "upfront serve refused this request for the host `{host}`: the preview answers \
                 only to localhost, 127.0.0.1, [::1] or the address it listens on, so that no \
                 other website can read it (DNS rebinding). Open http://{}/ instead.\n",
                super::url_host(server.addr)
            ),
        );
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n".into(),
        );
    }
    next.run(request).await
}

/// Whether a `Host` header names this machine: `localhost` and its
/// subdomains (RFC 6761 keeps them on loopback), a loopback address
/// (127.0.0.0/8, ::1), or the address the server is bound to. Bound to
/// every interface (0.0.0.0, ::), any IP literal is this machine's: DNS
/// rebinding needs a name the attacker controls, never an address.
pub fn host_allowed(host: &str, bound: IpAddr) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map(|(ip, _)| ip).unwrap_or(rest),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == bound || bound.is_unspecified(),
        Err(_) => false,
    }
}

fn plain(status: StatusCode, text: String) -> Response {
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Any path but the event stream: a file of the current snapshot.
async fn file(State(server): State<Arc<Server>>, request: Request) -> Response {
    let path = request.uri().path();
    let snapshot = server.shared.get();
    let (status, content_type, body, extra) = resolve(&snapshot, path);
    if server.log {
        println!("{} {path} {status}", request.method());
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if server.cors && content_type == "application/json" {
        // notice.js on another site fetches notice.json across origins.
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// Status, content type, body and extra headers.
type Resolved = (
    u16,
    &'static str,
    Vec<u8>,
    Vec<(header::HeaderName, String)>,
);

/// Maps a request path to a response from the snapshot.
pub fn resolve(snapshot: &Snapshot, raw_path: &str) -> Resolved {
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
            reload::page(snapshot, &file, bytes),
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
            vec![(header::LOCATION, format!("/{rel}/"))],
        );
    }
    let body = match snapshot.files.get("404.html") {
        Some(bytes) => reload::page(snapshot, "404.html", bytes),
        None => reload::page(
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
    fn only_this_machine_s_names_are_hosts() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        for ok in [
            "localhost",
            "localhost:1111",
            "LOCALHOST:1111",
            "localhost.",
            "status.localhost:8080",
            "127.0.0.1:1111",
            "127.9.8.7",
            "[::1]:1111",
            "[::1]",
        ] {
            assert!(host_allowed(ok, loopback), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "192.168.1.5:1111",
            "[fe80::1]:1111",
            "",
            "localhost:evil",
        ] {
            assert!(!host_allowed(bad, loopback), "{bad}");
        }
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        assert!(host_allowed("192.168.1.5:1111", lan));
        assert!(!host_allowed("192.168.1.6:1111", lan));
        assert!(!host_allowed("my-laptop.lan:1111", lan));
        let every: IpAddr = "0.0.0.0".parse().unwrap();
        assert!(host_allowed("10.0.0.7:1111", every));
        assert!(host_allowed("[fe80::1]:1111", every));
        assert!(!host_allowed("evil.example:1111", every));
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
