//! The embeddable notice in a real browser. A host page
//! (tests/fixtures/notice-host/index.html) carries the one-line embed; the
//! built site and the page are served over HTTP, headless Chromium loads the
//! page and `--dump-dom` gives the DOM after its scripts ran. The banner must
//! show for active incidents (filtered by `data-components`, minus the ones
//! dismissed for their latest update), show nothing when all is resolved,
//! and never harm the host page: its scripts keep running and no error
//! escapes when notice.json is missing, malformed, of the wrong shape, or the
//! status server is down. With no Chromium the test says so loudly and
//! skips; under CI=true it fails.

mod common;

use common::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SITE: &str = "https://status.fixture.test";

/// The DOM of `url` once its scripts ran (virtual time: timers and fetches
/// complete without waiting in real time), in a fresh profile.
fn dump_dom(browser: &str, url: &str) -> String {
    let profile = TempDir::new("notice-profile");
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url} in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = reader.join().unwrap();
    assert!(dom.contains("</html>"), "no DOM dumped for {url}: {dom}");
    dom
}

/// What the dumped DOM says about the host and the banner.
#[derive(Debug, Default)]
struct Page {
    host_ran: bool,
    host_late: bool,
    errors: Option<String>,
    /// The first element in `<body>`.
    first_in_body: Option<String>,
    banner: Option<Banner>,
    /// Elements the banner holds that it must not (scripts, images, ...).
    foreign: Vec<String>,
}

#[derive(Debug, Default)]
struct Banner {
    label: Option<String>,
    rows: Vec<Row>,
}

#[derive(Debug, Default)]
struct Row {
    role: Option<String>,
    text: String,
    /// (href, text) of each link.
    links: Vec<(String, String)>,
    dismiss: Option<String>,
}

impl Row {
    fn hrefs(&self) -> Vec<&str> {
        self.links.iter().map(|(h, _)| h.as_str()).collect()
    }
}

impl Page {
    fn parse(dom: &str) -> Page {
        use html5gum::{DefaultEmitter, Token, Tokenizer};
        let mut emitter = DefaultEmitter::default();
        emitter.naively_switch_states(true);
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut page = Page::default();
        let mut in_body = false;
        let mut in_banner = false;
        let mut link: Option<(String, String)> = None;
        for token in Tokenizer::new_with_emitter(dom, emitter).flatten() {
            match token {
                Token::StartTag(tag) => {
                    let name = s(&tag.name);
                    let attr = |k: &str| tag.attributes.get(k.as_bytes()).map(|v| s(&v.value));
                    if name == "html" {
                        page.errors = attr("data-errors");
                    }
                    if name == "main" {
                        page.host_ran = attr("data-host-ran").as_deref() == Some("yes");
                        page.host_late = attr("data-host-late").as_deref() == Some("yes");
                    }
                    if in_body && page.first_in_body.is_none() {
                        page.first_in_body =
                            Some(format!("{name}.{}", attr("class").unwrap_or_default()));
                    }
                    in_body |= name == "body";
                    let banner_start = name == "section"
                        && attr("class").is_some_and(|c| c.contains("upfront-notice"));
                    if banner_start {
                        in_banner = true;
                        page.banner = Some(Banner {
                            label: attr("aria-label"),
                            rows: vec![],
                        });
                        continue;
                    }
                    let Some(banner) = page.banner.as_mut().filter(|_| in_banner) else {
                        continue;
                    };
                    match name.as_str() {
                        "div" if attr("role").is_some() => banner.rows.push(Row {
                            role: attr("role"),
                            ..Row::default()
                        }),
                        "a" => link = Some((attr("href").unwrap_or_default(), String::new())),
                        "button" => {
                            if let Some(row) = banner.rows.last_mut() {
                                row.dismiss = attr("aria-label");
                            }
                        }
                        "div" | "p" | "strong" => {}
                        other => page.foreign.push(other.to_string()),
                    }
                }
                Token::EndTag(tag) => {
                    let name = s(&tag.name);
                    if name == "section" {
                        in_banner = false;
                    }
                    if name == "a" {
                        if let (Some(l), Some(row)) = (
                            link.take(),
                            page.banner.as_mut().and_then(|b| b.rows.last_mut()),
                        ) {
                            row.links.push(l);
                        }
                    }
                }
                Token::String(text) => {
                    let text = s(&text.value);
                    if let Some((_, t)) = link.as_mut() {
                        t.push_str(&text);
                    }
                    if in_banner {
                        if let Some(row) = page.banner.as_mut().and_then(|b| b.rows.last_mut()) {
                            row.text.push_str(&text);
                        }
                    }
                }
                _ => {}
            }
        }
        page
    }

    /// The host page ran its own scripts, before and after the notice, and
    /// nothing threw.
    fn assert_host_unharmed(&self, what: &str) {
        assert!(
            self.host_ran,
            "{what}: the host's inline script did not run"
        );
        assert!(self.host_late, "{what}: the host's timer did not fire");
        assert_eq!(self.errors, None, "{what}: an error reached the host page");
        assert!(
            self.foreign.is_empty(),
            "{what}: {:?} in the banner",
            self.foreign
        );
    }

    fn rows(&self, what: &str) -> &[Row] {
        let banner = self
            .banner
            .as_ref()
            .unwrap_or_else(|| panic!("{what}: no banner: {self:#?}"));
        &banner.rows
    }
}

/// The host page with its embed filled in.
fn host_page(src: &str, attrs: &str, preset: &str) -> String {
    std::fs::read_to_string(fixture("notice-host/index.html"))
        .unwrap()
        .replace("/*NOTICE_SRC*/", src)
        .replace("/*NOTICE_ATTRS*/", attrs)
        .replace("/*PRESET*/", preset)
}

/// Writes a host page into the served folder and loads it.
fn visit(browser: &str, server: &StaticServer, dir: &Path, name: &str, html: &str) -> Page {
    std::fs::write(dir.join(name), html).unwrap();
    let page = Page::parse(&dump_dom(browser, &format!("{}/{name}", server.base)));
    page.assert_host_unharmed(name);
    page
}

/// A loopback port with nothing listening on it.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn site(name: &str) -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new("notice");
    let out = tmp.path().join("www");
    build_ok(&fixture(name), &out, &[]);
    (tmp, out)
}

#[test]
fn the_banner_shows_active_incidents_for_the_chosen_components() {
    let Some(browser) = chromium() else { return };
    let (_tmp, www) = site("basic");
    let server = StaticServer::start(&www).expect("python3 http.server starts");
    let embed = |components: &str| host_page("/notice.js", components, "");

    // downloads and licensing: the critical incident (with its letter) and
    // the maintenance in progress, not the website's slowness.
    let page = visit(
        &browser,
        &server,
        &www,
        "both.html",
        &embed(r#"data-components="downloads,licensing""#),
    );
    let rows = page.rows("downloads,licensing");
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let critical = &rows[0];
    assert_eq!(critical.role.as_deref(), Some("status"));
    assert_eq!(
        critical.hrefs(),
        vec![
            format!("{SITE}/incidents/license-expired/"),
            format!("{SITE}/letters/open-letter/"),
        ]
    );
    assert_eq!(
        critical.links[0].1,
        "Hosts report 'license expired' after Update 2"
    );
    assert_eq!(critical.links[1].1, "An open letter to our customers");
    assert!(
        critical.text.contains("Special Notice"),
        "{}",
        critical.text
    );
    assert!(
        critical.text.contains(
            "Virtual machines fail to power on <after> the date rolled to 12 August & more."
        ),
        "the summary, as text: {}",
        critical.text
    );
    assert!(
        critical
            .dismiss
            .as_deref()
            .is_some_and(|l| l.starts_with("Dismiss")),
        "{critical:#?}"
    );
    assert_eq!(
        rows[1].hrefs(),
        vec![format!("{SITE}/incidents/mirror-maintenance/")]
    );
    assert!(!rows.iter().any(|r| r.text.contains("Slow website")));
    let banner = page.banner.as_ref().unwrap();
    assert_eq!(banner.label.as_deref(), Some("Service notice"));
    // First in the page, so first in the focus order.
    assert_eq!(
        page.first_in_body.as_deref(),
        Some("section.upfront-notice")
    );

    // Another component: only its incident.
    let page = visit(
        &browser,
        &server,
        &www,
        "website.html",
        &embed(r#"data-components=" website ""#),
    );
    let rows = page.rows("website");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        rows[0].hrefs(),
        vec![format!("{SITE}/incidents/slow-website/")]
    );

    // No filter: every active incident.
    let page = visit(&browser, &server, &www, "all.html", &embed(""));
    assert_eq!(page.rows("no filter").len(), 3);

    // A component with nothing active: no banner at all.
    let page = visit(
        &browser,
        &server,
        &www,
        "none.html",
        &embed(r#"data-components="no-such-component""#),
    );
    assert!(page.banner.is_none(), "{page:#?}");

    // Dismissed for its latest update: hidden. Dismissed for an older update
    // of another incident: shown again, since there is news.
    let notice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(www.join("notice.json")).unwrap()).unwrap();
    let latest = |slug: &str| {
        notice["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["slug"] == slug)
            .unwrap()["update"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let preset = format!(
        "localStorage.setItem('upfront-notice:mirror-maintenance:{}', '1');\
         localStorage.setItem('upfront-notice:license-expired:update-20080812T063000Z', '1');",
        latest("mirror-maintenance")
    );
    assert_ne!(latest("license-expired"), "update-20080812T063000Z");
    let page = visit(
        &browser,
        &server,
        &www,
        "dismissed.html",
        &host_page(
            "/notice.js",
            r#"data-components="downloads,licensing""#,
            &preset,
        ),
    );
    let rows = page.rows("dismissed");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        rows[0].hrefs()[0],
        format!("{SITE}/incidents/license-expired/")
    );
}

#[test]
fn nothing_shows_once_every_incident_is_resolved() {
    let Some(browser) = chromium() else { return };
    let tmp = TempDir::new("notice-resolved");
    let root = tmp.path().join("site");
    copy_dir(&fixture("basic"), &root);
    for slug in ["license-expired", "slow-website", "mirror-maintenance"] {
        let o = upfront(&[
            "resolve",
            slug,
            "--root",
            root.to_str().unwrap(),
            "--message",
            "Fixed.",
            "--at",
            "2008-08-12T23:30:00Z",
        ]);
        assert!(o.status.success(), "resolve {slug}: {}", stderr(&o));
    }
    let www = tmp.path().join("www");
    build_ok(&root, &www, &[]);
    let notice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(www.join("notice.json")).unwrap()).unwrap();
    assert_eq!(notice["incidents"], serde_json::json!([]));
    let server = StaticServer::start(&www).expect("python3 http.server starts");
    for (name, attrs) in [
        ("filtered.html", r#"data-components="downloads,licensing""#),
        ("all.html", ""),
    ] {
        let page = visit(
            &browser,
            &server,
            &www,
            name,
            &host_page("/notice.js", attrs, ""),
        );
        assert!(page.banner.is_none(), "{name}: {page:#?}");
    }
}

#[test]
fn the_host_page_is_unharmed_by_missing_junk_or_unreachable_data() {
    let Some(browser) = chromium() else { return };
    let (_tmp, www) = site("basic");
    let server = StaticServer::start(&www).expect("python3 http.server starts");
    let good = std::fs::read_to_string(www.join("notice.json")).unwrap();
    let attrs = r#"data-components="downloads,licensing""#;
    let embed = host_page("/notice.js", attrs, "");

    // The control: the same page with the real notice.json shows the banner,
    // so an absent banner below is the script staying silent, not a page
    // that never loaded it.
    let page = visit(&browser, &server, &www, "control.html", &embed);
    assert_eq!(page.rows("control").len(), 2);

    let junk: &[(&str, Option<&str>)] = &[
        ("missing", None),
        ("empty", Some("")),
        ("truncated", Some(&good[..good.len() / 2])),
        (
            "html error page",
            Some("<!DOCTYPE html><title>502</title><p>Bad gateway</p>"),
        ),
        ("null", Some("null")),
        ("a string", Some("\"incidents\"")),
        ("an array", Some("[1, 2, 3]")),
        (
            "incidents not a list",
            Some(r#"{"incidents": {"slug": "x"}}"#),
        ),
        (
            "entries of the wrong types",
            Some(r#"{"incidents": [null, 5, "x", [], {"slug": 1, "title": {}, "url": []}]}"#),
        ),
        (
            "script URLs",
            Some(
                r#"{"incidents": [{"slug": "x", "update": "u", "title": "t", "url": "javascript:document.documentElement.setAttribute('data-errors','ran')", "affected": ["downloads"]}]}"#,
            ),
        ),
        (
            "odd fields",
            Some(
                r#"{"incidents": [{"slug": "x", "update": 3, "title": "t", "url": "https://ok.test/", "affected": "downloads", "letter": "x", "summary": 5}]}"#,
            ),
        ),
    ];
    for (i, (what, body)) in junk.iter().enumerate() {
        match body {
            Some(b) => std::fs::write(www.join("notice.json"), b).unwrap(),
            None => {
                let _ = std::fs::remove_file(www.join("notice.json"));
            }
        }
        let page = visit(&browser, &server, &www, &format!("junk-{i}.html"), &embed);
        assert!(page.banner.is_none(), "{what}: {page:#?}");
    }

    // The status server is down: the script itself cannot load, or it loads
    // and its data cannot.
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let page = visit(
        &browser,
        &server,
        &www,
        "down-script.html",
        &host_page(&format!("{dead}/notice.js"), attrs, ""),
    );
    assert!(page.banner.is_none());
    std::fs::write(www.join("notice.json"), &good).unwrap();
    let page = visit(
        &browser,
        &server,
        &www,
        "down-data.html",
        &host_page(
            "/notice.js",
            &format!(r#"{attrs} data-src="{dead}/notice.json""#),
            "",
        ),
    );
    assert!(page.banner.is_none());
}

#[test]
fn the_banner_works_across_origins_from_upfront_serve() {
    let Some(browser) = chromium() else { return };
    // The status site on one origin (the preview server), the host page on
    // another: notice.json is fetched cross-origin, as on a real company site.
    let site = site_copy("basic");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = serve.stdout.take().unwrap();
    let status_base = {
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "serve printed no address");
            if out.read(&mut byte).unwrap_or(0) == 0 {
                panic!("serve exited: {}", String::from_utf8_lossy(&seen));
            }
            seen.push(byte[0]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if let Some(start) = text.find("http://") {
                if let Some(len) = text[start..].find([' ', '\n']) {
                    break text[start..start + len].trim_end_matches('/').to_string();
                }
            }
        }
    };
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _serve = Kill(serve);

    let host = TempDir::new("notice-host");
    let server = StaticServer::start(host.path()).expect("python3 http.server starts");
    assert_ne!(server.base, status_base);
    let page = visit(
        &browser,
        &server,
        host.path(),
        "index.html",
        &host_page(
            &format!("{status_base}/notice.js"),
            r#"data-components="downloads,licensing""#,
            "",
        ),
    );
    // serve builds at the real current time (the maintenance window of 2008
    // is over, the unresolved critical incident is still active) and links
    // to itself.
    let rows = page.rows("cross-origin");
    let incident = format!("{status_base}/incidents/license-expired/");
    assert!(
        rows.iter()
            .any(|r| r.hrefs().first() == Some(&incident.as_str())),
        "{rows:#?}"
    );
}

#[test]
fn hostile_text_in_notice_json_stays_text() {
    let Some(browser) = chromium() else { return };
    let (_tmp, www) = site("nasty");
    let server = StaticServer::start(&www).expect("python3 http.server starts");
    let page = visit(
        &browser,
        &server,
        &www,
        "host.html",
        &host_page("/notice.js", r#"data-components="downloads""#, ""),
    );
    let rows = page.rows("nasty");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let (href, title) = &rows[0].links[0];
    assert_eq!(href, "https://status.nasty.test/incidents/active/");
    for piece in [
        "Active: \"dq\" 'sq' <script>alert(1)</script> &amp; & AT&T ]]> </script> <!-- c -->",
        "Ünïcødé 日本語 🚨",
        "\nline2",
    ] {
        assert!(
            title.contains(piece),
            "{piece:?} not in the link text {title:?}"
        );
    }
    assert!(rows[0]
        .text
        .contains("Summary: \"dq\" 'sq' <script>alert(1)</script>"));
    assert_eq!(
        rows[0].links[1].0,
        "https://status.nasty.test/letters/letter/"
    );
}
