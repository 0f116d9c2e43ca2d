//! End to end in a real browser: a page open in headless Chromium reloads
//! itself after an edit, through the live-reload script `serve` injects.
//! The server's request log (`serve -v`) shows what the browser did. With no
//! Chromium the test says so loudly and skips; under CI=true it fails.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(log: &Mutex<String>, what: &str, ok: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok(&log.lock().unwrap()) {
        assert!(
            Instant::now() < deadline,
            "never saw {what}; log:\n{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_open_page_reloads_itself_after_an_edit() {
    let Some(browser) = chromium() else { return };
    let site = site_copy("basic");
    let mut server = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(["serve", "-v", "--port", "0", "--root"])
        .arg(site.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let out = BufReader::new(server.stdout.take().unwrap());
    let server = Killed(server);
    {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    wait_until(&log, "the server's address", |l| l.contains("http://"));
    let url = {
        let l = log.lock().unwrap();
        let start = l.find("http://").unwrap();
        let end = l[start..].find(' ').unwrap() + start;
        format!("{}incidents/slow-website/", &l[start..end])
    };
    let profile = TempDir::new("chromium-profile");
    let _browser = Killed(
        Command::new(browser)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(&url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let page_loads = |l: &str| l.matches("GET /incidents/slow-website/ 200").count();
    wait_until(&log, "the page load", |l| page_loads(l) >= 1);
    wait_until(&log, "the live-reload connection", |l| {
        l.contains("/__upfront/events")
    });
    let before = page_loads(&log.lock().unwrap());
    let note = site.path().join("content/incidents/slow-website.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text + "\nEdited while the page was open.\n").unwrap();
    wait_until(&log, "the page reload itself", |l| page_loads(l) > before);
    drop(server);
}
