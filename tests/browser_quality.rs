//! The default theme judged in a real browser: every HTML page of the built
//! example site and of the basic fixture (which has active incidents, so
//! banners and Special Notices are on screen) is served over HTTP and run
//! through axe-core (../shared/tools/axe.sh). A missing tool skips loudly;
//! under CI=true it fails. The homepage's weight budget needs no browser.

mod common;

use common::*;
use flate2::{write::GzEncoder, Compression};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The homepage plus its stylesheet must arrive in the first round trip.
const BUDGET: usize = 14 * 1024;

fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is missing under CI=true: .ci/run must install it");
    }
    eprintln!("\n*** SKIPPED: {what} is missing; install it with ../shared/tools/setup.sh axe ***\n");
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut z = GzEncoder::new(Vec::new(), Compression::best());
    z.write_all(bytes).unwrap();
    z.finish().unwrap().len()
}

fn stylesheet(site: &Path) -> PathBuf {
    std::fs::read_dir(site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "css"))
        .expect("a stylesheet in the output")
}

#[test]
fn the_homepage_and_its_css_fit_in_14_kb_gzipped() {
    let tmp = TempDir::new("weight");
    for (name, root) in [("example", repo_root()), ("basic", fixture("basic"))] {
        let out = tmp.path().join(name);
        build_ok(&root, &out, &[]);
        let home = std::fs::read(out.join("index.html")).unwrap();
        let css_path = stylesheet(&out);
        let css = std::fs::read(&css_path).unwrap();
        let href = format!("/{}", css_path.file_name().unwrap().to_str().unwrap());
        assert!(
            String::from_utf8_lossy(&home).contains(&href),
            "{name}: the homepage does not link {href}"
        );
        let total = gzip_len(&home) + gzip_len(&css);
        eprintln!("{name}: homepage + CSS = {total} bytes gzipped");
        assert!(total < BUDGET, "{name}: {total} bytes gzipped, budget {BUDGET}");
    }
}

/// A minimal static file server for one built site: directories serve their
/// index.html, anything else missing gets 404.html with status 404.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || respond(stream, &root));
        }
    });
    port
}

fn respond(mut stream: TcpStream, root: &Path) {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // Drain the headers so the client sees a clean response.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let mut file = root.join(path.trim_start_matches('/'));
    if file.is_dir() {
        file = file.join("index.html");
    }
    let safe = !path.contains("..");
    let (status, file) = match (safe, file.is_file()) {
        (true, true) => ("200 OK", file),
        _ => ("404 Not Found", root.join("404.html")),
    };
    let mut body = Vec::new();
    if let Ok(mut f) = std::fs::File::open(&file) {
        let _ = f.read_to_end(&mut body);
    }
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("xml") => "application/xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Every HTML page of a built site as a URL path.
fn pages(site: &Path) -> Vec<String> {
    let mut out: Vec<String> = tree(site)
        .into_keys()
        .filter(|p| p.ends_with(".html"))
        .map(|p| format!("/{}", p.trim_end_matches("index.html")))
        .collect();
    out.sort();
    out
}

#[test]
fn every_page_has_no_axe_violations() {
    let script = repo_root().join("../shared/tools/axe.sh");
    if !script.exists() {
        return missing("../shared/tools/axe.sh");
    }
    let tmp = TempDir::new("axe");
    let mut failures = Vec::new();
    for (name, root) in [("example", repo_root()), ("basic", fixture("basic"))] {
        let out = tmp.path().join(name);
        build_ok(&root, &out, &[]);
        let port = serve(out.clone());
        let urls = pages(&out);
        for kind in ["/", "/downloads/", "/incidents/", "/letters/", "/404.html"] {
            assert!(urls.iter().any(|u| u == kind), "{name}: no {kind}");
        }
        for page in urls {
            let url = format!("http://127.0.0.1:{port}{page}");
            let o = Command::new(&script).arg(&url).output().expect("run axe.sh");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            eprintln!("{name}: {}", text.lines().last().unwrap_or(""));
            match o.status.code() {
                Some(0) => {}
                Some(2) => {
                    eprintln!("{text}");
                    return missing("axe-core or chromium/chromedriver");
                }
                _ => failures.push(format!("{name} {page}:\n{text}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
