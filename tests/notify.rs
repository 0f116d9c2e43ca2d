//! `upfront notify` against real servers on 127.0.0.1: an HTTP receiver
//! (tests/support/receiver.py) that records requests and fails on demand,
//! and an SMTP server (aiosmtpd, tests/support/smtp_sink.py).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::TempDir;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

const HOOK_SECRET: &str = "whsec-T0pS3cret-hmac-key";
const SMTP_USER: &str = "status";
const SMTP_PASS: &str = "s3cret-smtp-pass";
const TITLE: &str = "<b>Fish & \"Chips\"</b>";

/// A Python helper from tests/support, killed when dropped.
struct Helper {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Helper {
    fn start(script: &str, args: &[&str]) -> Option<Helper> {
        let dir = TempDir::new(script.trim_end_matches(".py"));
        let mut child = Command::new("python3")
            .arg("-u")
            .arg(common::repo_root().join("tests/support").join(script))
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .ok()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take()?)
            .read_line(&mut line)
            .ok()?;
        let port = match line.strip_prefix("PORT ") {
            Some(p) => p.trim().parse().ok()?,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        };
        Some(Helper { child, port, dir })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// What the receiver answers for URLs under /NAME/.
    fn mode(&self, name: &str, mode: &str) {
        std::fs::write(self.dir.path().join(format!("mode-{name}")), mode).unwrap();
    }

    /// Every request the receiver got, in order.
    fn requests(&self) -> Vec<Request> {
        let text =
            std::fs::read_to_string(self.dir.path().join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                Request {
                    path: v["path"].as_str().unwrap().to_string(),
                    headers: serde_json::from_value(v["headers"].clone()).unwrap(),
                    body: hex(v["body_hex"].as_str().unwrap()),
                    answered: v["answered"].as_str().unwrap().to_string(),
                }
            })
            .collect()
    }

    fn to(&self, name: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.trim_start_matches('/').split('/').next() == Some(name))
            .collect()
    }

    /// The mails the SMTP sink took, decoded by Python's email package.
    fn mails(&self) -> Vec<Value> {
        let mut mails: Vec<(usize, Value)> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                let n: usize = name.strip_suffix(".json")?.parse().ok()?;
                let text = std::fs::read_to_string(self.dir.path().join(&name)).ok()?;
                Some((n, serde_json::from_str(&text).unwrap()))
            })
            .collect();
        mails.sort_by_key(|(n, _)| *n);
        mails.into_iter().map(|(_, v)| v).collect()
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Request {
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
    answered: String,
}

impl Request {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Both servers, or None (loudly) when Python or aiosmtpd is missing;
/// under CI=true that is a failure, since .ci/run installs them.
fn servers() -> Option<(Helper, Helper)> {
    let http = Helper::start("receiver.py", &[]);
    let smtp = Helper::start("smtp_sink.py", &[SMTP_USER, SMTP_PASS]);
    match (http, smtp) {
        (Some(h), Some(s)) => Some((h, s)),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("python3 with aiosmtpd is missing under CI=true: .ci/run must install it");
            }
            eprintln!(
                "\n*** SKIPPED: the notify servers need python3 and aiosmtpd (pip install aiosmtpd) ***\n"
            );
            None
        }
    }
}

const OUTAGE: &str = r#"---
title: "<b>Fish & \"Chips\"</b>"
date: 2026-01-01T10:00:00Z
severity: critical
affected: [api]
updates:
  - at: 2026-01-01T10:05:00Z
    status: investigating
    message: "We see **errors** & 5 < 6 > 4 `<!channel>` <script>x</script>."
---
The body.
"#;

/// Environment variables, as `Command::env` takes them.
type Env = Vec<(String, String)>;

/// The receivers, a site with every kind of channel, and the environment
/// that points the channels at the receivers; `None` (said loudly) where
/// the receivers cannot run.
fn setup() -> Option<(Helper, Helper, TempDir, Env)> {
    let (http, smtp) = servers()?;
    let dir = site("");
    let env = env(&http, &smtp);
    Some((http, smtp, dir, env))
}

/// A site with every kind of channel; `extra` goes at the end of site.toml.
fn site(extra: &str) -> TempDir {
    let dir = TempDir::new("notify-site");
    let root = dir.path();
    std::fs::write(
        root.join("site.toml"),
        format!(
            r#"title = "Acme <Status> & Co"
base_url = "https://status.acme.test"

[[components]]
id = "api"
name = "API"

[[components]]
id = "web"
name = "Web"

[[notify]]
kind = "slack"
url_env = "T_SLACK_URL"

[[notify]]
kind = "discord"
url_env = "T_DISCORD_URL"

[[notify]]
kind = "teams"
url_env = "T_TEAMS_URL"

[[notify]]
kind = "webhook"
url_env = "T_HOOK_URL"
secret_env = "T_HOOK_SECRET"

[[notify]]
kind = "email"
smtp_env = "T_SMTP_URL"
from = "Acme Status <status@acme.test>"
to = ["ops@acme.test", "dev@acme.test"]

[[notify]]
kind = "slack"
url_env = "T_WEBONLY_URL"
components = ["web"]
{extra}"#
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("content/incidents")).unwrap();
    std::fs::write(root.join("content/incidents/db.md"), OUTAGE).unwrap();
    dir
}

/// The channel URLs: each under its own path on the receiver, with a
/// token in it as real webhook URLs have (a secret too).
fn env(http: &Helper, smtp: &Helper) -> Vec<(String, String)> {
    vec![
        ("T_SLACK_URL".into(), http.url("slack/T0/SLACKTOKEN-secret")),
        (
            "T_DISCORD_URL".into(),
            http.url("discord/123/DISCORDTOKEN-secret"),
        ),
        (
            "T_TEAMS_URL".into(),
            http.url("teams/workflows/TEAMSSIG-secret"),
        ),
        ("T_HOOK_URL".into(), http.url("hook/HOOKPATH-secret")),
        ("T_HOOK_SECRET".into(), HOOK_SECRET.into()),
        (
            "T_SMTP_URL".into(),
            format!("smtp://{SMTP_USER}:{SMTP_PASS}@127.0.0.1:{}", smtp.port),
        ),
        ("T_WEBONLY_URL".into(), http.url("webonly/WEBONLY-secret")),
        ("UPFRONT_NOTIFY_BACKOFF_MS".into(), "20".into()),
        ("UPFRONT_NOTIFY_TIMEOUT_MS".into(), "700".into()),
    ]
}

fn secrets(env: &[(String, String)]) -> Vec<String> {
    let mut s: Vec<String> = env
        .iter()
        .filter(|(k, _)| k.starts_with("T_"))
        .map(|(_, v)| v.clone())
        .collect();
    s.extend([
        SMTP_PASS.to_string(),
        "SLACKTOKEN-secret".into(),
        "DISCORDTOKEN-secret".into(),
        "TEAMSSIG-secret".into(),
        "HOOKPATH-secret".into(),
        "WEBONLY-secret".into(),
    ]);
    s
}

fn notify(root: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upfront"));
    cmd.arg("notify")
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("CI");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run upfront notify")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "notify failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn upfront(root: &Path, args: &[&str]) {
    let mut all = args.to_vec();
    let root = root.to_str().unwrap();
    all.extend(["--root", root]);
    let o = common::upfront(&all);
    assert!(o.status.success(), "{args:?}: {}", common::stderr(&o));
}

/// No secret in what upfront printed or left anywhere under the site.
fn assert_no_secret(outputs: &[&Output], root: &Path, secrets: &[String]) {
    let mut texts: Vec<(String, String)> = outputs
        .iter()
        .flat_map(|o| {
            [
                (
                    "stdout".to_string(),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                ),
                (
                    "stderr".to_string(),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                ),
            ]
        })
        .collect();
    for (path, bytes) in common::tree(root) {
        texts.push((path, String::from_utf8_lossy(&bytes).into_owned()));
    }
    for (name, text) in &texts {
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "secret `{s}` in {name}:\n{text}"
            );
        }
    }
}

fn record(root: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root.join(".upfront/notified.json")).unwrap())
        .unwrap()
}

fn previous(root: &Path, generated_at: &str) -> PathBuf {
    let p = root.join("old-status.json");
    std::fs::write(
        &p,
        format!("{{\"schema_version\": 1, \"generated_at\": \"{generated_at}\"}}"),
    )
    .unwrap();
    p
}

#[test]
fn every_channel_gets_each_event_once_escaped_signed_and_threaded() {
    let Some((http, smtp, dir, env)) = setup() else {
        return;
    };
    let root = dir.path();
    let prev = previous(root, "2026-01-01T09:00:00Z");
    let now = ["--now", "2026-01-01T11:00:00Z"];

    // First run, told the public saw the site at 09:00: the incident is new.
    let first = notify(
        root,
        &env,
        &[&now[..], &["--previous", prev.to_str().unwrap()]].concat(),
    );
    let out = ok(&first);
    assert!(out.contains("generated_at"), "{out}");
    for name in ["slack", "discord", "teams", "hook"] {
        assert_eq!(http.to(name).len(), 1, "{name}: {:?}", http.requests());
    }
    assert_eq!(
        http.to("webonly").len(),
        0,
        "the component filter lets no api incident through"
    );
    assert_eq!(smtp.mails().len(), 1);

    // Second run: nothing new, nothing sent, --previous no longer used.
    let second = notify(
        root,
        &env,
        &[&now[..], &["--previous", prev.to_str().unwrap()]].concat(),
    );
    let out = ok(&second);
    assert!(out.contains("--previous not used"), "{out}");
    assert_eq!(http.requests().len(), 4);
    assert_eq!(smtp.mails().len(), 1);

    // An update: exactly one more message per channel.
    upfront(
        root,
        &[
            "update",
            "db",
            "--status",
            "identified",
            "--message",
            "Found it & fixed *it* (5 < 6)",
            "--at",
            "2026-01-01T11:30:00Z",
        ],
    );
    let later = ["--now", "2026-01-01T12:00:00Z"];
    let third = notify(root, &env, &later);
    ok(&third);
    let fourth = notify(root, &env, &later);
    ok(&fourth);
    for name in ["slack", "discord", "teams", "hook"] {
        assert_eq!(http.to(name).len(), 2, "{name}");
    }
    assert_eq!(smtp.mails().len(), 2);

    // A web incident reaches the filtered channel too, once.
    upfront(
        root,
        &[
            "new",
            "incident",
            "Slow pages",
            "--severity",
            "minor",
            "--affects",
            "web",
            "--message",
            "Looking.",
            "--at",
            "2026-01-01T12:10:00Z",
        ],
    );
    ok(&notify(root, &env, &["--now", "2026-01-01T12:20:00Z"]));
    ok(&notify(root, &env, &["--now", "2026-01-01T12:20:00Z"]));
    assert_eq!(http.to("webonly").len(), 1);
    assert_eq!(http.to("slack").len(), 3);
    assert!(http.requests().iter().all(|r| r.answered == "ok"));

    // A scheduled maintenance (web) and a letter about no incident: both
    // reach every channel, the filtered one included.
    upfront(
        root,
        &[
            "new",
            "incident",
            "Database upgrade",
            "--severity",
            "maintenance",
            "--affects",
            "web",
            "--message",
            "We will upgrade.",
            "--at",
            "2026-01-01T12:30:00Z",
            "--starts",
            "2026-01-03T00:00:00Z",
            "--ends",
            "2026-01-03T01:00:00Z",
        ],
    );
    std::fs::create_dir_all(root.join("content/letters")).unwrap();
    std::fs::write(
        root.join("content/letters/thanks.md"),
        "---\ntitle: \"Thank you & <sorry>\"\ndate: 2026-01-01T12:40:00Z\nauthor: Jo Doe\nrole: CEO\n---\nWe are sorry & we thank you.\n",
    )
    .unwrap();
    let now = ["--now", "2026-01-01T13:00:00Z"];
    ok(&notify(root, &env, &now));
    ok(&notify(root, &env, &now));
    assert_eq!(http.to("webonly").len(), 3);
    let hook = http.to("hook");
    assert_eq!(hook.len(), 5);
    let scheduled = hook[3].json();
    assert_eq!(scheduled["event"], "maintenance.scheduled");
    assert_eq!(scheduled["incident"]["severity"], "maintenance");
    assert_eq!(scheduled["update"]["status"], "scheduled");
    let letter = hook[4].json();
    assert_eq!(letter["event"], "letter.published");
    assert_eq!(letter["letter"]["title"], "Thank you & <sorry>");
    assert_eq!(
        letter["letter"]["url"],
        "https://status.acme.test/letters/thanks/"
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 5);
    assert_eq!(
        mails[3]["subject"],
        "[Acme <Status> & Co] Database upgrade: Scheduled"
    );
    assert_eq!(
        mails[4]["subject"],
        "[Acme <Status> & Co] Thank you & <sorry>: Open letter"
    );
    assert!(mails[4]["html"]
        .as_str()
        .unwrap()
        .contains("Thank you &amp; &lt;sorry&gt;"));
    let slack_letter = http.to("slack").pop().unwrap().json();
    assert!(
        slack_letter
            .to_string()
            .contains("Thank you &amp; &lt;sorry&gt;"),
        "{slack_letter}"
    );
    assert_eq!(
        http.to("discord").pop().unwrap().json()["embeds"][0]["title"],
        "Thank you & <sorry>: Open letter"
    );

    // Slack: Block Kit in an attachment; severity as colour and as a word;
    // `&`, `<`, `>` from notes as entities, so `<!channel>` pings nobody.
    let slack = http.to("slack")[0].json();
    let att = &slack["attachments"][0];
    assert_eq!(att["color"], "#d1242f");
    let blocks = serde_json::to_string(&att["blocks"]).unwrap();
    assert!(blocks.contains("*Critical* severity"), "{blocks}");
    assert!(
        blocks.contains("&lt;b&gt;Fish &amp; \\\"Chips\\\"&lt;/b&gt;"),
        "{blocks}"
    );
    assert!(
        blocks.contains("errors &amp; 5 &lt; 6 &gt; 4 &lt;!channel&gt; x."),
        "{blocks}"
    );
    assert!(
        !blocks.contains("<b>") && !blocks.contains("<!channel>"),
        "{blocks}"
    );
    assert!(
        blocks.contains("https://status.acme.test/incidents/db/"),
        "{blocks}"
    );
    assert!(slack["text"]
        .as_str()
        .unwrap()
        .starts_with("[Acme &lt;Status&gt; &amp; Co]"));

    // Discord: one embed; the title stays text (Discord reads no HTML).
    let discord = http.to("discord")[1].json();
    let embed = &discord["embeds"][0];
    assert_eq!(embed["title"], format!("{TITLE}: Identified"));
    assert_eq!(embed["color"], 0xd1242f);
    assert_eq!(
        embed["url"],
        "https://status.acme.test/incidents/db/#update-20260101T113000Z"
    );
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
    assert!(embed["fields"].to_string().contains("Critical"));

    // Teams: a Workflows message holding an Adaptive Card.
    let teams = http.to("teams")[0].json();
    assert_eq!(teams["type"], "message");
    let card = &teams["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["body"][1]["text"], TITLE);
    assert!(card["content"]["body"].to_string().contains("Critical"));
    assert!(card["content"]["actions"][0]["url"] == "https://status.acme.test/incidents/db/");

    // Webhook: SPEC §11's body, signed; the HMAC checked here independently.
    for r in http.to("hook") {
        let sig = r.headers.get("x-upfront-signature").expect("signed");
        let mut mac = Hmac::<Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
        mac.update(&r.body);
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sig, &format!("sha256={want}"));
    }
    let hook = http.to("hook");
    let created = hook[0].json();
    assert_eq!(created["event"], "incident.created");
    assert_eq!(created["site"]["title"], "Acme <Status> & Co");
    assert_eq!(created["site"]["url"], "https://status.acme.test/");
    assert_eq!(created["incident"]["id"], "db");
    assert_eq!(created["incident"]["title"], TITLE);
    assert_eq!(created["incident"]["severity"], "critical");
    assert_eq!(
        created["incident"]["url"],
        "https://status.acme.test/incidents/db/"
    );
    assert_eq!(created["update"]["status"], "investigating");
    assert_eq!(created["update"]["at"], "2026-01-01T10:05:00Z");
    assert_eq!(
        created["update"]["message_markdown"],
        "We see **errors** & 5 < 6 > 4 `<!channel>` <script>x</script>."
    );
    assert_eq!(
        created["update"]["message_text"],
        "We see errors & 5 < 6 > 4 <!channel> x."
    );
    let updated = hook[1].json();
    assert_eq!(updated["event"], "incident.updated");
    assert_eq!(updated["update"]["id"], "update-20260101T113000Z");
    assert_eq!(updated["incident"]["status"], "identified");
    assert_eq!(hook[1].headers["x-upfront-event"], "incident.updated");

    // E-mail: multipart text + HTML, the subject of SPEC §11, threaded.
    let mails = smtp.mails();
    let (first_mail, second_mail) = (&mails[0], &mails[1]);
    assert_eq!(first_mail["content_type"], "multipart/alternative");
    assert_eq!(first_mail["authenticated"], true);
    assert_eq!(
        first_mail["rcpt_tos"],
        serde_json::json!(["ops@acme.test", "dev@acme.test"])
    );
    assert_eq!(
        first_mail["subject"],
        format!("[Acme <Status> & Co] {TITLE}: Investigating")
    );
    assert_eq!(
        second_mail["subject"],
        format!("[Acme <Status> & Co] {TITLE}: Identified")
    );
    let root_id = first_mail["message_id"].as_str().unwrap();
    assert_eq!(root_id, "<incident.db@status.acme.test>");
    assert_eq!(second_mail["in_reply_to"].as_str(), Some(root_id));
    assert_eq!(second_mail["references"].as_str(), Some(root_id));
    assert_ne!(second_mail["message_id"].as_str(), Some(root_id));
    let text = first_mail["text"].as_str().unwrap();
    assert!(
        text.contains(TITLE) && text.contains("https://status.acme.test/incidents/db/"),
        "{text}"
    );
    let html = first_mail["html"].as_str().unwrap();
    assert!(
        html.contains("&lt;b&gt;Fish &amp; &quot;Chips&quot;&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains(TITLE), "{html}");
    assert!(
        html.contains("href=\"https://status.acme.test/incidents/db/\""),
        "{html}"
    );
    let html2 = second_mail["html"].as_str().unwrap();
    assert!(
        html2.contains("Found it &amp; fixed <em>it</em> (5 &lt; 6)"),
        "{html2}"
    );

    // The record names channels by kind and variable, never by value.
    let rec = record(root);
    let channels: Vec<&String> = rec["channels"].as_object().unwrap().keys().collect();
    assert!(
        channels.iter().any(|c| *c == "webhook:T_HOOK_URL"),
        "{channels:?}"
    );
    assert_no_secret(&[&first, &second, &third, &fourth], root, &secrets(&env));
}

#[test]
fn two_runs_at_once_send_each_event_once() {
    let Some((http, smtp, dir, env)) = setup() else {
        return;
    };
    let root = dir.path();
    let prev = previous(root, "2026-01-01T09:00:00Z");
    let args = [
        "--now",
        "2026-01-01T11:00:00Z",
        "--previous",
        prev.to_str().unwrap(),
    ];
    // The first run is still sending when the second starts.
    http.mode("slack", "slow");
    let runs: Vec<Output> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|_| s.spawn(|| notify(root, &env, &args)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for run in &runs {
        ok(run);
    }
    for name in ["slack", "discord", "teams", "hook"] {
        assert_eq!(http.to(name).len(), 1, "{name}");
    }
    assert_eq!(smtp.mails().len(), 1);
    let waited = runs
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.stderr).contains("waiting for it to finish"))
        .count();
    assert_eq!(waited, 1);
}

#[test]
fn a_first_run_sends_nothing_old_and_dry_run_sends_and_records_nothing() {
    let Some((http, smtp, dir, env)) = setup() else {
        return;
    };
    let root = dir.path();
    let now = ["--now", "2026-01-01T11:00:00Z"];

    let dry = notify(root, &env, &[&now[..], &["--dry-run"]].concat());
    let out = ok(&dry);
    assert!(
        out.contains("would send 0") && out.contains("would record 1"),
        "{out}"
    );
    assert!(!root.join(".upfront").exists(), "a dry run records nothing");

    // No record, no --previous: everything up to now counts as seen.
    let out = ok(&notify(root, &env, &now));
    assert!(out.contains("nothing older is sent"), "{out}");
    assert!(http.requests().is_empty() && smtp.mails().is_empty());
    let before = std::fs::read(root.join(".upfront/notified.json")).unwrap();

    upfront(
        root,
        &[
            "resolve",
            "db",
            "--message",
            "All good & done.",
            "--at",
            "2026-01-01T11:30:00Z",
        ],
    );
    let dry = notify(root, &env, &["--dry-run", "--now", "2026-01-01T12:00:00Z"]);
    let out = ok(&dry);
    assert!(
        out.contains("notify: webhook:T_HOOK_URL: would send 1"),
        "{out}"
    );
    assert!(
        out.contains("incident.resolved incident/db/update-20260101T113000Z"),
        "{out}"
    );
    assert!(
        out.contains("\"message_text\": \"All good & done.\""),
        "{out}"
    );
    assert!(out.contains("Subject: [Acme <Status> & Co]"), "{out}");
    assert!(
        out.contains("dry run: nothing sent, nothing recorded"),
        "{out}"
    );
    assert!(http.requests().is_empty() && smtp.mails().is_empty());
    assert_eq!(
        std::fs::read(root.join(".upfront/notified.json")).unwrap(),
        before
    );

    // Now for real: the resolution goes out once.
    ok(&notify(root, &env, &["--now", "2026-01-01T12:00:00Z"]));
    assert_eq!(http.to("hook").len(), 1);
    assert_eq!(http.to("hook")[0].json()["event"], "incident.resolved");
    assert_eq!(
        smtp.mails()[0]["subject"],
        format!("[Acme <Status> & Co] {TITLE}: Resolved")
    );
    assert_no_secret(&[&dry], root, &secrets(&env));
}

#[test]
fn previous_can_be_the_live_status_json_url() {
    let Some((http, _smtp, dir, env)) = setup() else {
        return;
    };
    let root = dir.path();
    std::fs::create_dir_all(http.dir.path().join("get")).unwrap();
    std::fs::write(
        http.dir.path().join("get/status.json"),
        r#"{"generated_at": "2026-01-01T10:06:00Z"}"#,
    )
    .unwrap();
    // The public saw the incident at 10:06: nothing to send.
    let out = ok(&notify(
        root,
        &env,
        &[
            "--previous",
            &http.url("status.json"),
            "--now",
            "2026-01-01T11:00:00Z",
        ],
    ));
    assert!(out.contains("2026-01-01T10:06:00Z"), "{out}");
    assert!(http.requests().is_empty());
    // A missing one is an error that sends nothing and records nothing.
    let dir2 = site("");
    let o = notify(dir2.path(), &env, &["--previous", &http.url("nope.json")]);
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("HTTP 404"),
        "{}",
        common::stderr(&o)
    );
    // (Its lock file may be there: a record is not.)
    assert!(!dir2.path().join(".upfront/notified.json").exists());
}

#[test]
fn a_failing_channel_is_retried_reported_and_finished_by_the_next_run() {
    let Some((http, smtp, dir, mut env)) = setup() else {
        return;
    };
    let root = dir.path();
    // Teams: nothing listens there (refused). Webhook: 500. Discord: hangs.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!(
        "http://127.0.0.1:{}/teams/REFUSED-secret",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    let teams_ok = env
        .iter()
        .find(|(k, _)| k == "T_TEAMS_URL")
        .unwrap()
        .1
        .clone();
    env.retain(|(k, _)| k != "T_TEAMS_URL");
    env.push(("T_TEAMS_URL".into(), refused));
    http.mode("hook", "500");
    http.mode("discord", "hang");
    upfront(
        root,
        &[
            "update",
            "db",
            "--status",
            "identified",
            "--message",
            "Found it.",
            "--at",
            "2026-01-01T10:30:00Z",
        ],
    );
    let prev = previous(root, "2026-01-01T09:00:00Z");
    let now = ["--now", "2026-01-01T11:00:00Z"];

    let failed = notify(
        root,
        &env,
        &[&now[..], &["--previous", prev.to_str().unwrap()]].concat(),
    );
    assert!(!failed.status.success(), "a failed channel fails the run");
    let err = common::stderr(&failed);
    assert!(
        err.contains("webhook:T_HOOK_URL")
            && err.contains("HTTP 500: down for maintenance after 4 tries"),
        "{err}"
    );
    assert!(
        err.contains("discord:T_DISCORD_URL") && err.contains("timed out after 4 tries"),
        "{err}"
    );
    assert!(
        err.contains("teams:T_TEAMS_URL") && err.contains("connection"),
        "{err}"
    );
    assert!(err.contains("2 events wait for the next run"), "{err}");
    // Retried 4 times on the first event, then the channel stopped (the
    // second would arrive before the first).
    assert_eq!(http.to("hook").len(), 4);
    assert_eq!(http.to("discord").len(), 4);
    // The others got theirs.
    assert_eq!(http.to("slack").len(), 2);
    assert_eq!(smtp.mails().len(), 2);

    // Fixed: the next run sends what failed and nothing else.
    http.mode("hook", "ok");
    http.mode("discord", "ok");
    env.retain(|(k, _)| k != "T_TEAMS_URL");
    env.push(("T_TEAMS_URL".into(), teams_ok));
    let recovered = notify(root, &env, &now);
    ok(&recovered);
    let ok_hook: Vec<Value> = http
        .to("hook")
        .iter()
        .filter(|r| r.answered == "ok")
        .map(Request::json)
        .collect();
    assert_eq!(ok_hook.len(), 2);
    assert_eq!(ok_hook[0]["event"], "incident.created");
    assert_eq!(ok_hook[1]["event"], "incident.updated");
    assert_eq!(
        http.to("discord")
            .iter()
            .filter(|r| r.answered == "ok")
            .count(),
        2
    );
    assert_eq!(http.to("teams").len(), 2);
    assert_eq!(http.to("slack").len(), 2, "nothing sent twice");
    assert_eq!(smtp.mails().len(), 2, "nothing sent twice");
    ok(&notify(root, &env, &now));
    assert_eq!(
        http.requests()
            .iter()
            .filter(|r| r.answered == "ok")
            .count(),
        8
    );

    // A 4xx is not retried: it will not pass by waiting.
    http.mode("slack", "400");
    upfront(
        root,
        &[
            "resolve",
            "db",
            "--message",
            "Done.",
            "--at",
            "2026-01-01T11:30:00Z",
        ],
    );
    let refused400 = notify(root, &env, &["--now", "2026-01-01T12:00:00Z"]);
    assert!(!refused400.status.success());
    assert!(
        common::stderr(&refused400).contains("HTTP 400: invalid_payload;"),
        "{}",
        common::stderr(&refused400)
    );
    assert_eq!(http.to("slack").len(), 3);
    let mut all = secrets(&env);
    all.push("REFUSED-secret".into());
    assert_no_secret(&[&failed, &recovered, &refused400], root, &all);
}

#[test]
fn a_missing_secret_fails_that_channel_only_and_names_the_variable() {
    let Some((http, _smtp, dir, mut env)) = setup() else {
        return;
    };
    let root = dir.path();
    env.retain(|(k, _)| k != "T_HOOK_SECRET");
    let prev = previous(root, "2026-01-01T09:00:00Z");
    let o = notify(
        root,
        &env,
        &[
            "--now",
            "2026-01-01T11:00:00Z",
            "--previous",
            prev.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let err = common::stderr(&o);
    assert!(err.contains("T_HOOK_SECRET is not set"), "{err}");
    assert!(http.to("hook").is_empty());
    assert_eq!(http.to("slack").len(), 1);
    assert_no_secret(&[&o], root, &secrets(&env));
}

#[test]
fn a_site_without_channels_says_how_to_add_one() {
    let dir = TempDir::new("notify-none");
    std::fs::write(
        dir.path().join("site.toml"),
        "title = \"A\"\nbase_url = \"https://a.test\"\n",
    )
    .unwrap();
    let o = notify(dir.path(), &[], &[]);
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("no [[notify]] channels"),
        "{}",
        common::stderr(&o)
    );
}

/// `deploy --notify` (SPEC §11): after the upload succeeded, the new update
/// goes out once; a deploy that failed sends nothing.
#[test]
fn deploy_notify_sends_what_is_new_after_a_successful_deploy_only() {
    let Some((http, _smtp, dir, env)) = setup() else {
        return;
    };
    let root = dir.path();
    // The first run records what the public already saw; nothing is sent.
    ok(&notify(root, &env, &["--now", "2026-01-01T11:00:00Z"]));
    assert!(http.requests().is_empty(), "{:?}", http.requests());
    upfront(
        root,
        &[
            "update",
            "db",
            "--status",
            "identified",
            "--message",
            "Found it.",
            "--at",
            "2026-01-01T11:30:00Z",
        ],
    );
    let deploy = |target: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_upfront"));
        // The fixture's base_url is a reserved test name, which deploy refuses.
        let url = "https://status.acme.com";
        cmd.args([
            "deploy",
            target,
            "--notify",
            "--now",
            "2026-01-01T12:00:00Z",
        ])
        .args(["--base-url", url])
        .arg("--root")
        .arg(root)
        .env_remove("CI");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.output().expect("run upfront deploy")
    };
    // A target that can't be written: the deploy fails, nobody is told.
    let blocker = root.join("not-a-dir");
    std::fs::write(&blocker, "a file").unwrap();
    let failed = deploy(&format!("file://{}/live", blocker.display()));
    assert!(!failed.status.success(), "{}", common::stderr(&failed));
    assert!(http.requests().is_empty(), "{:?}", http.requests());

    let live = root.join("live");
    let o = deploy(&format!("file://{}", live.display()));
    ok(&o);
    assert!(live.join("incidents/db/index.html").is_file());
    let hooks = http.to("hook");
    assert_eq!(hooks.len(), 1, "{:?}", http.requests());
    let body = hooks[0].json();
    assert_eq!(body["update"]["status"], "identified", "{body}");
    // Exactly once: a second deploy has nothing new to say.
    ok(&deploy(&format!("file://{}", live.display())));
    assert_eq!(http.to("hook").len(), 1);
}
