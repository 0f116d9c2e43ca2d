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
    dump_dom_with(browser, url, "--virtual-time-budget=10000")
}

/// The DOM of `url` in real time: dumped once the page has loaded, or when
/// `timeout` (`--timeout=MS`) cuts a load that never ends. Virtual time
/// can't be used with a host that hangs: it waits for pending requests.
fn dump_dom_with(browser: &str, url: &str, timing: &str) -> String {
    let profile = TempDir::new("notice-profile");
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            timing,
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
    /// Every console warning, one a line.
    warnings: Option<String>,
    /// When the host page's load event fired, in ms; `None`: it never did.
    load_ms: Option<u64>,
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
                        page.warnings = attr("data-warnings");
                        page.load_ms = attr("data-load-ms").and_then(|ms| ms.parse().ok());
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

/// The host page with the one-line embed (`<script src async>`) filled in.
fn host_page(src: &str, attrs: &str, preset: &str) -> String {
    fill_host(
        &format!(r#"<script src="{src}" {attrs} async></script>"#),
        preset,
    )
}

/// The host page with the embed that loads notice.js after the page's load
/// event, as the notice.js header and the book recommend; `attrs` are
/// `data-*` pairs.
fn host_page_deferred(src: &str, attrs: &[(&str, &str)]) -> String {
    let set: String = attrs
        .iter()
        .map(|(k, v)| format!("s.setAttribute({k:?},{v:?});"))
        .collect();
    fill_host(
        &format!(
            r#"<script>(function(){{function go(){{var s=document.createElement("script");s.src={src:?};{set}document.head.appendChild(s)}}document.readyState==="complete"?go():addEventListener("load",go)}})();</script>"#
        ),
        "",
    )
}

fn fill_host(embed: &str, preset: &str) -> String {
    std::fs::read_to_string(fixture("notice-host/index.html"))
        .unwrap()
        .replace("/*EMBED*/", embed)
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
    assert_eq!(page.warnings, None, "serve sends the CORS header");
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

/// A status host that accepts connections and never answers: each request's
/// first line, when it came and when the client gave up on it.
struct HangingHost {
    base: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Hung>>>,
}

#[derive(Debug, Clone)]
struct Hung {
    request: String,
    opened: Instant,
    closed: Option<Instant>,
}

impl HangingHost {
    fn start() -> HangingHost {
        use std::io::{BufRead, BufReader};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Hung>::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let log = log.clone();
                std::thread::spawn(move || {
                    let opened = Instant::now();
                    let mut reader = BufReader::new(stream);
                    let mut request = String::new();
                    let _ = reader.read_line(&mut request);
                    let at = {
                        let mut log = log.lock().unwrap();
                        log.push(Hung {
                            request: request.trim_end().to_string(),
                            opened,
                            closed: None,
                        });
                        log.len() - 1
                    };
                    // Never answer; note when the client hangs up.
                    let mut sink = Vec::new();
                    let _ = reader.read_to_end(&mut sink);
                    log.lock().unwrap()[at].closed = Some(Instant::now());
                });
            }
        });
        HangingHost { base, seen }
    }
}

#[test]
fn the_host_page_loads_while_the_status_host_hangs() {
    let Some(browser) = chromium() else { return };
    let (_tmp, www) = site("basic");
    let server = StaticServer::start(&www).expect("python3 http.server starts");
    let hang = HangingHost::start();
    let load = |name: &str, html: &str, timeout: &str| {
        std::fs::write(www.join(name), html).unwrap();
        let started = Instant::now();
        let page = Page::parse(&dump_dom_with(
            &browser,
            &format!("{}/{name}", server.base),
            timeout,
        ));
        (page, started.elapsed())
    };

    // notice.js itself hangs: the recommended embed asks for it only after
    // the page's load event, which fires at once.
    let (page, took) = load(
        "hang-script.html",
        &host_page_deferred(
            &format!("{}/notice.js", hang.base),
            &[("data-components", "downloads")],
        ),
        "--timeout=15000",
    );
    let ms = page
        .load_ms
        .unwrap_or_else(|| panic!("no load event in {took:?}: {page:#?}"));
    assert!(ms < 2000, "load took {ms} ms");
    assert!(took < Duration::from_secs(12), "the page never settled");
    assert!(page.host_ran && page.errors.is_none(), "{page:#?}");
    assert!(
        hang.seen
            .lock()
            .unwrap()
            .iter()
            .any(|h| h.request.starts_with("GET /notice.js")),
        "the script was asked for"
    );

    // The control: the one-line async embed of the same hanging script
    // holds the load event, which is why the book recommends the above.
    let (page, _) = load(
        "hang-legacy.html",
        &host_page(&format!("{}/notice.js", hang.base), "", ""),
        "--timeout=5000",
    );
    assert_eq!(page.load_ms, None, "an async script delays the load event");

    // notice.js loads, notice.json hangs: the load event fires at once,
    // whichever embed, and nothing escapes.
    let data_hangs = format!("{}/notice.json", hang.base);
    for (name, html) in [
        (
            "hang-data.html",
            host_page("/notice.js", &format!(r#"data-src="{data_hangs}""#), ""),
        ),
        (
            "hang-data-deferred.html",
            host_page_deferred("/notice.js", &[("data-src", &data_hangs)]),
        ),
    ] {
        let (page, _) = load(name, &html, "--timeout=15000");
        let ms = page.load_ms.unwrap_or_else(|| panic!("{name}: {page:#?}"));
        assert!(ms < 2000, "{name}: load took {ms} ms");
        assert!(page.errors.is_none() && page.banner.is_none(), "{page:#?}");
    }

    // And the request for notice.json is given up after a few seconds
    // (AbortController), not left open for as long as the page lives.
    let profile = TempDir::new("notice-profile");
    let since = Instant::now();
    let mut open = Command::new(&browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("{}/hang-data.html", server.base))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let given_up = loop {
        let done = hang
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.opened >= since && h.request.starts_with("GET /notice.json"))
            .find_map(|h| Some(h.closed? - h.opened));
        if let Some(after) = done {
            break after;
        }
        if Instant::now() > deadline {
            let _ = open.kill();
            panic!(
                "notice.json was never given up: {:#?}",
                hang.seen.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = open.kill();
    let _ = open.wait();
    assert!(
        given_up >= Duration::from_secs(3) && given_up < Duration::from_secs(8),
        "notice.json given up after {given_up:?}"
    );
}

#[test]
fn a_status_host_without_cors_gets_one_console_warning() {
    let Some(browser) = chromium() else { return };
    let (_tmp, www) = site("basic");
    // The status site on a static host that sends no CORS header (python's
    // http.server), the company page on another origin.
    let status = StaticServer::start(&www).expect("python3 http.server starts");
    let host_dir = TempDir::new("notice-host");
    let host = StaticServer::start(host_dir.path()).expect("python3 http.server starts");
    let attrs = [("data-components", "downloads,licensing")];
    let page = visit(
        &browser,
        &host,
        host_dir.path(),
        "no-cors.html",
        &host_page_deferred(&format!("{}/notice.js", status.base), &attrs),
    );
    assert!(page.banner.is_none(), "{page:#?}");
    let warnings = page.warnings.unwrap_or_default();
    assert_eq!(
        warnings.lines().count(),
        1,
        "exactly one warning: {warnings}"
    );
    assert!(
        warnings.contains(&format!("{}/notice.json", status.base))
            && warnings.contains("Access-Control-Allow-Origin: *"),
        "it names the URL and the header to send: {warnings}"
    );

    // Not the owner's to fix, so no warning: the status host is down, or
    // the page is on the status host's own origin (no CORS needed).
    let dead = format!("http://127.0.0.1:{}/notice.json", dead_port());
    let page = visit(
        &browser,
        &status,
        &www,
        "down.html",
        &host_page_deferred("/notice.js", &[("data-src", &dead)]),
    );
    assert_eq!(page.warnings, None, "{page:#?}");
    let page = visit(
        &browser,
        &status,
        &www,
        "same-origin.html",
        &host_page_deferred("/notice.js", &attrs),
    );
    assert_eq!(page.warnings, None, "{page:#?}");
    assert_eq!(page.rows("same origin").len(), 2);
}
