//! `upfront serve`: build, watch, and serve the site from memory over HTTP
//! with live reload. The last good rendered site sits behind an `Arc` that a
//! rebuild swaps whole, so a reader never sees a half-built site, and a bad
//! save only adds an error overlay to what is served.
//!
//! Two halves: the rebuild loop (a plain thread, since watching and
//! rebuilding block) publishes snapshots into [`Shared`]; the HTTP side
//! ([`http`], on axum and hyper over a single-threaded tokio runtime) and
//! the live reload stream ([`reload`]) only read them. The process is whole
//! or gone: if the listener, the runtime or the rebuild loop cannot run,
//! `serve` returns an error and the process exits non-zero.

mod http;
mod reload;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{oneshot, watch as channel};

#[cfg(target_os = "linux")]
use crate::dev::desk;
use crate::dev::incremental::{Files, Session};
use crate::dev::watch::{self, Changes, Outcome, WatchOptions};
use crate::pipeline::build::BuildOptions;
use crate::publish::pages::Stamps;
use crate::vocab::error::{Error, Result};

pub use http::{host_allowed, resolve, safe_path, MAX_CONNECTIONS, WRITE_STALL};

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

/// The served state, and a way to hear of the next one: the rebuild thread
/// publishes, request handlers and live-reload streams read. A watch
/// channel holds only the latest value, so a slow reader never holds up a
/// rebuild and never sees a stale queue.
pub struct Shared {
    current: channel::Sender<Arc<Snapshot>>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            current: channel::Sender::new(Arc::default()),
        }
    }
}

impl Shared {
    pub fn get(&self) -> Arc<Snapshot> {
        self.current.borrow().clone()
    }

    fn publish(&self, next: Snapshot) {
        self.current.send_replace(Arc::new(next));
    }

    fn subscribe(&self) -> channel::Receiver<Arc<Snapshot>> {
        self.current.subscribe()
    }
}

/// Runs the server until Ctrl-C (or SIGTERM). Returns an error, so the
/// process exits non-zero, when it cannot serve: no port, no runtime, or a
/// rebuild loop that stopped (a server that no longer rebuilds would look
/// alive while showing a stale site).
pub fn serve(opts: ServeOptions) -> Result<()> {
    // One thread for all connections: no thread is ever started after this
    // point, so a process limit can't leave a server with a dead accept loop.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| {
            Error::new(format!("cannot start the preview server: {e}"))
                .hint("the system refused resources (threads, files); free some and try again")
        })?;
    runtime.block_on(run(opts))
}

async fn run(opts: ServeOptions) -> Result<()> {
    // Listening for Ctrl-C first: one pressed during the first build stops
    // cleanly too.
    let mut stop = Stop::listen()?;
    let listener = bind(opts.bind, opts.port)?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot read the server address: {e}")))?;
    warn_if_reachable(addr.ip());
    let mut build = opts.build.clone();
    build.base_url = Some(format!("http://{}", url_host(addr)));
    let shared = Arc::new(Shared::default());
    // Answers to `upfront new` need events in the order they happened:
    // inotify's, not polling's (see `author::ask`).
    #[cfg(target_os = "linux")]
    let desk = desk::open(&build.root, opts.watch.poll);
    #[cfg(target_os = "linux")]
    let tap = desk.as_ref().map(|d| -> watch::Tap { Box::new(d.tap()) });
    #[cfg(not(target_os = "linux"))]
    let tap = None;
    let changes = Changes::watch(&build.root, opts.watch, tap)?;

    let session = match Session::start(build.clone()) {
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
    let (stopped_tx, stopped) = oneshot::channel();
    let rebuilder = shared.clone();
    let root = build.root.clone();
    #[cfg(target_os = "linux")]
    if let Some(desk) = desk.clone() {
        desk::load_in_background(desk);
    }
    std::thread::Builder::new()
        .name("upfront-rebuild".into())
        .spawn(move || {
            let _said = SayWhenGone(Some(stopped_tx));
            rebuild_loop(changes, session, &build, &rebuilder);
        })
        .map_err(|e| {
            Error::new(format!("cannot start the rebuild thread: {e}"))
                .hint("the system is out of threads or memory; close something and try again")
        })?;
    println!(
        "upfront: serving {} at http://{}/ (live reload on; Ctrl-C to stop)",
        root.display(),
        url_host(addr)
    );

    let server = http::Server {
        shared,
        addr,
        log: opts.log_requests,
        // Under --drafts the JSON carries draft titles: no other origin may
        // read it (see docs/src/serve.md).
        cors: !opts.build.drafts,
    };
    #[cfg(target_os = "linux")]
    let answering = desk::listen(desk, &root);
    #[cfg(not(target_os = "linux"))]
    let answering = std::future::pending::<()>();
    tokio::select! {
        () = http::run(listener, server) => unreachable_end("the listener"),
        () = answering => unreachable_end("the answers to `upfront new`"),
        _ = stopped => Err(Error::new(
            "the file watcher stopped, so the preview would go stale; upfront serve stops",
        )
        .hint("start `upfront serve` again; if it keeps stopping, try `--poll`")
        .into()),
        () = stop.wait() => {
            println!("upfront: stopped");
            Ok(())
        }
    }
}

/// `http::run` loops for ever; if it ever returns, say so and exit non-zero.
fn unreachable_end(what: &str) -> Result<()> {
    Err(Error::new(format!("{what} stopped; upfront serve stops")).into())
}

/// Tells the server, when dropped (by a normal return or by a panic
/// unwinding), that the rebuild loop is over.
struct SayWhenGone(Option<oneshot::Sender<()>>);

impl Drop for SayWhenGone {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Rebuilds on every batch of changes and publishes the new snapshot.
fn rebuild_loop(
    changes: Changes,
    mut session: Option<Session>,
    build: &BuildOptions,
    rebuilder: &Shared,
) {
    while let Some(paths) = changes.next_batch() {
        let started = Instant::now();
        let paths = crate::dev::incremental::relevant(&build.root, session.as_ref(), &paths);
        if paths.is_empty() {
            continue;
        }
        let outcome = watch::rebuild(&mut session, build, &paths);
        let generation = rebuilder.get().generation + 1;
        let next = match (&outcome, &session) {
            (Outcome::Rebuilt(r), Some(s)) => {
                if r.is_noop() {
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
}

/// Ctrl-C everywhere, and SIGTERM on Unix (what `kill` and service
/// managers send), both registered at once so none is missed.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Stop {
    fn listen() -> Result<Stop> {
        let failed = |e: std::io::Error| Error::new(format!("cannot listen for Ctrl-C: {e}"));
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Stop {
                interrupt: signal(SignalKind::interrupt()).map_err(failed)?,
                terminate: signal(SignalKind::terminate()).map_err(failed)?,
            })
        }
        #[cfg(windows)]
        {
            Ok(Stop {
                ctrl_c: tokio::signal::windows::ctrl_c().map_err(failed)?,
            })
        }
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(windows)]
        self.ctrl_c.recv().await;
    }
}

/// Says so when the preview can be reached from other machines.
fn warn_if_reachable(ip: IpAddr) {
    if !ip.is_loopback() {
        eprintln!(
            "upfront: warning: listening on {ip}, so the preview is reachable from the network: \
             anyone who can reach this machine can read drafts and build errors. \
             `upfront serve` is a preview for the author, not meant for production; \
             publish with `upfront build` and a static host."
        );
    }
}

/// `--port N`: N if free, else the next free one (said so); 0: any.
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener> {
    let tries = if port == 0 { 1 } else { 20 };
    for p in (0..tries).map(|i| port.saturating_add(i)) {
        match listen(SocketAddr::new(ip, p)) {
            Ok(l) => {
                if p != port {
                    eprintln!("upfront: port {port} is taken; using {p}");
                }
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
        "ports {port} to {} on {ip} are all taken",
        port.saturating_add(tries - 1)
    ))
    .hint("pass --port 0 to let the system pick one")
    .into())
}

/// The listening socket. Its backlog is where connections wait while the
/// server is at its connection cap, so it is larger than std's 128: a
/// queued client is served late rather than dropped (a dropped SYN is only
/// retried after a second).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // Restarting right after a stop must not fail on the old connections'
    // TIME_WAIT. On Windows this option would let two servers share a port.
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn url_host(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", addr.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebuild_loop_that_ends_or_panics_is_heard_of() {
        let (tx, mut heard) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let _said = SayWhenGone(Some(tx));
            panic!("a rebuild went wrong");
        });
        assert!(thread.join().is_err());
        assert!(heard.try_recv().is_ok(), "a panic is heard of");
        let (tx, mut heard) = oneshot::channel();
        drop(SayWhenGone(Some(tx)));
        assert!(heard.try_recv().is_ok(), "a normal end too");
    }

    #[test]
    fn readers_see_each_snapshot_whole_and_hear_of_the_next() {
        let shared = Shared::default();
        let mut next = shared.subscribe();
        shared.publish(Snapshot {
            generation: 4,
            error: Some("bad".into()),
            ..Snapshot::default()
        });
        assert!(next.has_changed().unwrap());
        assert_eq!(next.borrow_and_update().generation, 4);
        assert_eq!(shared.get().error.as_deref(), Some("bad"));
        assert!(!next.has_changed().unwrap());
    }
}
