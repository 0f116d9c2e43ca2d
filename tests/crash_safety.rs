//! SPEC §8: a build never leaves a half-written site. `upfront build` is
//! SIGKILLed at many moments of a large build; every time the output must be
//! exactly the old site or exactly the new one, and the next build removes
//! what the killed ones left. `serve` is hammered with GETs while edits
//! stream in; every response must be one whole version of the page.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Incidents in the generated site (plus 300 static files, 5 MB): enough
/// files that writing takes a while, few enough pages that 32 killed
/// builds fit in the time budget.
const INCIDENTS: usize = 150;
const KILLS: usize = 32;

const SEVERITIES: [&str; 3] = ["minor", "major", "critical"];

/// A generated site in `root`. `version` changes the site title (so every
/// page differs) and which incidents exist (so the file sets differ too).
fn generate(root: &Path, version: usize, incidents: usize) {
    let _ = std::fs::remove_dir_all(root.join("content"));
    std::fs::create_dir_all(root.join("content/incidents")).unwrap();
    std::fs::create_dir_all(root.join("content/pages")).unwrap();
    std::fs::create_dir_all(root.join("static/img")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        format!(
            "title = \"Generated Status v{version}\"\n\
             base_url = \"https://status.example.test\"\n\
             description = \"A generated site\"\nlanguage = \"en\"\ntimezone = \"UTC\"\n\
             output_dir = \"public\"\n\n\
             [[components]]\nid = \"downloads\"\nname = \"Downloads\"\n\n\
             [[components]]\nid = \"licensing\"\nname = \"License server\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("content/pages/downloads.md"),
        "---\ntitle: Downloads\nnotices: [downloads]\n---\nGet the installers here.\n",
    )
    .unwrap();
    for i in 0..300 {
        // Static files are copied, not rendered: the copy phase is killed too.
        let bytes: Vec<u8> = (0..16_000u32).map(|b| (b * 7 + i) as u8).collect();
        std::fs::write(root.join(format!("static/img/blob-{i}.bin")), bytes).unwrap();
    }
    // Version 0 has incidents 0..n, version 1 has 1..=n: one page each that the
    // other lacks.
    for n in version..incidents + version {
        std::fs::write(
            root.join(format!("content/incidents/inc-{n:05}.md")),
            incident(n),
        )
        .unwrap();
    }
}

fn incident(n: usize) -> String {
    let day = 1 + n % 28;
    let month = 1 + (n / 28) % 12;
    let year = 2000 + n / (28 * 12);
    let status = if n.is_multiple_of(50) {
        "identified"
    } else {
        "resolved"
    };
    let para = format!(
        "Incident {n} affected *downloads* for some users. The mirrors in region {} \
         returned errors while a deploy rolled out; we rolled it back and verified the fix.\n\n",
        n % 17
    );
    format!(
        "---\ntitle: \"Incident number {n}\"\n\
         date: {year}-{month:02}-{day:02}T06:00:00Z\n\
         severity: {}\naffected: [downloads]\n\
         updates:\n  - at: {year}-{month:02}-{day:02}T06:30:00Z\n    status: investigating\n    message: Looking.\n\
         \x20 - at: {year}-{month:02}-{day:02}T08:00:00Z\n    status: {status}\n    message: Done.\n---\n{}",
        SEVERITIES[n % 3],
        para.repeat(3)
    )
}

/// What differs between two trees, briefly (never their bytes).
fn difference(got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) -> String {
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let changed: Vec<&String> = want
        .iter()
        .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
        .map(|(k, _)| k)
        .collect();
    format!(
        "{} missing (e.g. {:?}), {} extra (e.g. {:?}), {} changed (e.g. {:?})",
        missing.len(),
        missing.first(),
        extra.len(),
        extra.first(),
        changed.len(),
        changed.first()
    )
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.upfront-"))
        .collect()
}

fn build_cmd(root: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upfront"));
    cmd.args(["build", "-q", "--now", NOW, "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn run_build(root: &Path, out: &Path) -> Duration {
    let start = Instant::now();
    let o = build_cmd(root, out).output().unwrap();
    assert!(o.status.success(), "build failed: {}", stderr(&o));
    start.elapsed()
}

/// A page only version `v` of the site has: once it is in the output, the
/// new site has been swapped in.
fn sentinel(out: &Path, v: usize) -> std::path::PathBuf {
    out.join(format!("incidents/inc-{:05}/index.html", v * INCIDENTS))
}

fn staging_of(out: &Path, pid: u32) -> std::path::PathBuf {
    out.with_file_name(format!(".public.upfront-new-{pid}"))
}

/// The moments of a build, from its start.
#[derive(Debug, Clone, Copy)]
struct Moments {
    /// The staging directory appears: loading and rendering are done.
    staging: Duration,
    /// The new site is in place: the old one is being removed.
    swapped: Duration,
    /// The process has ended.
    ended: Duration,
}

/// Watches a build of version `v` and notes when each moment came.
fn calibrate(root: &Path, out: &Path, v: usize) -> Moments {
    let start = Instant::now();
    let mut child = build_cmd(root, out).spawn().unwrap();
    let staging = staging_of(out, child.id());
    let (mut seen_staging, mut swapped) = (None, None);
    loop {
        if seen_staging.is_none() && staging.exists() {
            seen_staging = Some(start.elapsed());
        }
        if swapped.is_none() && sentinel(out, v).exists() {
            swapped = Some(start.elapsed());
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the calibration build failed");
            break;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let ended = start.elapsed();
    Moments {
        staging: seen_staging.expect("the staging directory was never seen"),
        swapped: swapped.unwrap_or(ended),
        ended,
    }
}

/// Waits until `ready` holds; false if `child` ended first.
fn wait_until(child: &mut std::process::Child, ready: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    panic!("the build never got there");
}

/// Where kill `i` of `KILLS` lands: a quarter while loading and rendering,
/// half while the new site is written, a quarter after the swap (while the
/// old site is removed, and a little past the end).
fn schedule(i: usize, m: Moments) -> (Phase, Duration) {
    // Fractions in golden-ratio steps cover each span evenly at any count.
    let f = (i as f64 * 0.618_034) % 1.0;
    match i % 4 {
        0 => (Phase::Start, m.staging.mul_f64(f)),
        1 => (Phase::Swapped, (m.ended - m.swapped).mul_f64(f * 1.2)),
        _ => (Phase::Staging, (m.swapped - m.staging).mul_f64(f)),
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Start,
    Staging,
    Swapped,
}

#[test]
fn a_killed_build_leaves_the_old_site_or_the_new_one_whole() {
    let tmp = TempDir::new("crash");
    let roots = [tmp.path().join("a"), tmp.path().join("b")];
    for (version, root) in roots.iter().enumerate() {
        generate(root, version, INCIDENTS);
    }
    let parent = tmp.path().join("out");
    let out = parent.join("public");
    run_build(&roots[1], &out);
    let b = tree(&out);
    run_build(&roots[0], &out);
    let a = tree(&out);
    assert!(
        a.len() > INCIDENTS,
        "the site is too small: {} files",
        a.len()
    );
    assert_ne!(a, b);
    let moments = calibrate(&roots[1], &out, 1);
    run_build(&roots[0], &out);
    let references = [a, b];
    let mut state = 0; // the output holds site a
    let mut outcomes = [0usize; 2];
    let mut left_behind = 0;
    for i in 0..KILLS {
        let next = 1 - state;
        let (phase, delay) = schedule(i, moments);
        let mut child = build_cmd(&roots[next], &out).spawn().unwrap();
        let pid = child.id();
        let reached = match phase {
            Phase::Start => true,
            Phase::Staging => wait_until(&mut child, || staging_of(&out, pid).exists()),
            Phase::Swapped => wait_until(&mut child, || sentinel(&out, next).exists()),
        };
        if reached {
            std::thread::sleep(delay);
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(
            status.success() || status.code().is_none(),
            "kill {i}: the build failed by itself: {err}"
        );
        let got = tree(&out);
        state = match references.iter().position(|r| *r == got) {
            Some(s) => s,
            None => panic!(
                "kill {i} ({phase:?} + {delay:?}): the output is neither site whole\n  \
                 vs old: {}\n  vs new: {}",
                difference(&got, &references[state]),
                difference(&got, &references[next])
            ),
        };
        outcomes[usize::from(state == next)] += 1;
        if leftovers(&parent)
            .iter()
            .any(|n| n.ends_with(&format!("-{pid}")))
        {
            left_behind += 1;
        }
    }
    assert!(
        outcomes[0] > 0 && outcomes[1] > 0,
        "the kills did not span the build: {} left the old site, {} the new",
        outcomes[0],
        outcomes[1]
    );
    assert!(
        left_behind > 0,
        "no kill landed while the new site was being written"
    );
    run_build(&roots[1 - state], &out);
    assert_eq!(leftovers(&parent), Vec::<String>::new(), "not cleaned up");
    assert!(tree(&out) == references[1 - state]);
    eprintln!(
        "{KILLS} kills over a build of {moments:?}: {} left the old site, {} the new, \
         {left_behind} a staging directory",
        outcomes[0], outcomes[1]
    );
}

/// Tokens that make up version `k` of the edited incident's body.
const TOKENS: usize = 4_000;

fn token(k: usize) -> String {
    format!("qzv{k}q")
}

/// Writes version `k` of the note the way a careful editor saves: a new
/// file renamed over the old one, so the watcher never reads half a note
/// (this test is about the server, not about torn source files).
fn save_version(root: &Path, k: usize) {
    let note = format!(
        "---\ntitle: \"Edited version {k}\"\ndate: 2008-08-12T06:00:00Z\nseverity: major\n\
         affected: [downloads]\n---\n{}\n",
        vec![token(k); TOKENS].join(" ")
    );
    let tmp = root.join(format!("note-{k}.tmp"));
    std::fs::write(&tmp, note).unwrap();
    std::fs::rename(&tmp, root.join("content/incidents/edited.md")).unwrap();
}

/// One GET: the status and the body, after checking the length header.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // The server keeps connections alive unless asked not to.
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    // Header names are case-insensitive (hyper sends them in lower case).
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("no Content-Length");
    assert_eq!(length, body.len(), "body shorter or longer than announced");
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (
        code,
        String::from_utf8(body.to_vec()).expect("body not UTF-8"),
    )
}

/// The version a served page shows, checking that all of it is that version.
fn version_of(body: &str) -> usize {
    let title = body
        .split("Edited version ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|d| d.parse::<usize>().ok())
        .expect("no title in the page");
    let count = body.matches(&token(title)).count();
    let all = body.matches("qzv").count();
    assert_eq!(
        (count, all),
        (TOKENS, TOKENS),
        "version {title}: the body is not that version, whole"
    );
    assert!(body.trim_end().ends_with("</html>"), "page cut short");
    title
}

#[test]
fn serve_never_hands_out_half_a_page_while_edits_stream_in() {
    let tmp = TempDir::new("serve-torn");
    let root = tmp.path().to_path_buf();
    generate(&root, 0, 40);
    save_version(&root, 0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(["serve", "--port", "0", "--root"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    std::thread::spawn(move || for _ in stdout.lines() {});
    let page = "/incidents/edited/";
    assert_eq!(version_of(&get(&addr, page).1), 0);

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (addr, stop, seen) = (addr.clone(), stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut versions = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (code, body) = get(&addr, page);
                    assert_eq!(code, 200);
                    versions.push(version_of(&body));
                }
                seen.lock().unwrap().extend(versions);
            })
        })
        .collect();
    const EDITS: usize = 25;
    for k in 1..=EDITS {
        save_version(&root, k);
        std::thread::sleep(Duration::from_millis(120));
    }
    // The last edit is served in the end (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(20);
    while version_of(&get(&addr, page).1) != EDITS {
        assert!(Instant::now() < deadline, "the last edit never got served");
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().expect("a reader saw a torn page");
    }
    let _ = child.kill();
    let _ = child.wait();
    let seen = seen.lock().unwrap();
    let mut distinct: Vec<usize> = seen.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() > 3,
        "too few versions seen to mean anything: {distinct:?}"
    );
    eprintln!(
        "{} responses, {} distinct versions, all whole",
        seen.len(),
        distinct.len()
    );
}
