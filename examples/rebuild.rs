//! Times watch mode's incremental rebuild (`Session::apply`) alone, without
//! the file watcher, the debounce or HTTP: the part of save-to-served that
//! upfront's own code decides. For profiling (`perf record`) and for
//! before/after comparisons; `bench/watch.sh` measures the whole path.
//!
//! ```sh
//! cargo run --release --example rebuild -- SITE [body|title|update|new] [RUNS]
//! cargo build --profile profiling --example rebuild   # for perf: line tables, not stripped
//! ```
//!
//! SITE should be a scratch copy (e.g. of a `gen-corpus.py` site): notes are
//! edited in place and restored at the end. Each run edits one incident
//! note, spread from the oldest to the newest, like `watch-latency.py`;
//! `new` opens an incident, as `upfront new incident` does, and removes it
//! again (untimed) before the next run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use upfront::author::workflow::{self, NewUpdate};
use upfront::dev::incremental::Session;
use upfront::pipeline::build::BuildOptions;
use upfront::source::config::Config;

// The allocator of the real binary, so the times are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // As the binary does (src/main.rs): no transparent huge pages.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first().map(PathBuf::from) else {
        eprintln!("usage: rebuild SITE [body|title|update|new] [RUNS]");
        std::process::exit(2);
    };
    let kind = args.get(1).map_or("body", String::as_str);
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);

    let opts = BuildOptions {
        root: root.clone(),
        ..BuildOptions::default()
    };
    let started = Instant::now();
    let mut session = match Session::start(opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!("start: {} ms", started.elapsed().as_millis());
    let config = Config::load(&root).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });

    let notes = notes(&root);
    let mut originals: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut times: Vec<Duration> = Vec::new();
    for i in 0..runs {
        let path = &notes[(i * (notes.len() - 1)) / runs.saturating_sub(1).max(1)];
        let before = std::fs::read(path).expect("the note reads");
        if !originals.iter().any(|(p, _)| p == path) {
            originals.push((path.clone(), before.clone()));
        }
        if kind == "new" {
            // A new incident note, timed, then removed (untimed) so every
            // run starts from the same site.
            let Some(new) = open_incident(&root, &config, i) else {
                println!("run {}: new incident refused", i + 1);
                continue;
            };
            times.extend(timed_apply(&mut session, &new, i));
            let _ = std::fs::remove_file(&new);
            let _ = session.apply(std::slice::from_ref(&new));
            continue;
        }
        if !edit(&root, &config, kind, path, &before, i) {
            println!("run {}: {} skipped", i + 1, path.display());
            continue;
        }
        times.extend(timed_apply(&mut session, path, i));
    }
    for (path, bytes) in originals {
        std::fs::write(path, bytes).expect("the note is restored");
    }
    times.sort();
    if let (Some(max), false) = (times.last(), times.is_empty()) {
        println!(
            "rebuild {kind}: median {:.1} ms, max {:.1} ms over {} runs",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0,
            times.len()
        );
    }
}

/// Applies the change of `path` and prints how long it took.
fn timed_apply(session: &mut Session, path: &Path, i: usize) -> Option<Duration> {
    let t = Instant::now();
    match session.apply(&[path.to_path_buf()]) {
        Ok(r) => {
            let took = t.elapsed();
            println!(
                "run {}: {:.1} ms, {} pages rendered ({})",
                i + 1,
                took.as_secs_f64() * 1000.0,
                r.rendered,
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            Some(took)
        }
        Err(e) => {
            println!("run {}: error\n{e}", i + 1);
            None
        }
    }
}

/// Opens a major incident on the first component, as `upfront new
/// incident` does; the path of its note.
fn open_incident(root: &Path, config: &Config, i: usize) -> Option<PathBuf> {
    let n = workflow::NewIncident {
        title: format!("Rebuild probe {}x{i}", std::process::id()),
        slug: None,
        severity: "major".into(),
        affects: config
            .components
            .iter()
            .take(1)
            .map(|c| c.id.clone())
            .collect(),
        message: Some("Opened by the rebuild probe.".into()),
        summary: None,
        at: None,
        starts: None,
        ends: None,
    };
    // `Written::path` is as the user is shown it: relative to the site.
    workflow::new_incident(root, config, &n)
        .ok()
        .map(|w| root.join(w.path))
}

/// The incident notes, sorted by file name (the corpus names them by date).
fn notes(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("content/incidents"))
        .expect("content/incidents reads")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    v
}

/// Makes the edit of run `i`; false when this note cannot take it.
fn edit(root: &Path, config: &Config, kind: &str, path: &Path, text: &[u8], i: usize) -> bool {
    let marker = format!("rebuildprobe{}x{i}", std::process::id());
    let text = String::from_utf8_lossy(text);
    match kind {
        "title" => {
            let Some(at) = text.find("\ntitle: \"") else {
                return false;
            };
            let cut = at + "\ntitle: \"".len();
            let new = format!("{}{marker} {}", &text[..cut], &text[cut..]);
            std::fs::write(path, new).is_ok()
        }
        "update" => {
            let slug = path.file_stem().unwrap_or_default().to_string_lossy();
            let u = NewUpdate {
                slug: slug.into_owned(),
                status: None,
                message: format!("Probe update {marker}."),
                at: None,
                reopen: true,
            };
            workflow::append_update(root, config, &u).is_ok()
        }
        _ => std::fs::write(path, format!("{text}\nProbe paragraph {marker}.\n")).is_ok(),
    }
}
