//! The incident loop from the command line, on copies of
//! tests/fixtures/workflow: the text of each note before and after (golden
//! files in tests/fixtures/workflow-expected, refreshed with
//! `UPFRONT_BLESS=1 cargo test --test workflow`), the round trip
//! new → update → resolve → build, the refusals, and `check` on broken sites.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const AT: &str = "2008-08-12T10:00:00Z";

fn note(root: &Path, name: &str) -> String {
    std::fs::read_to_string(root.join("content/incidents").join(name)).unwrap()
}

/// Compares with the expected file, or writes it under UPFRONT_BLESS=1.
fn golden(name: &str, actual: &str) {
    let path = fixture("workflow-expected").join(name);
    if std::env::var("UPFRONT_BLESS").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPFRONT_BLESS=1", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden file");
}

#[test]
fn updates_append_one_entry_and_keep_every_other_byte() {
    let site = site_copy("workflow");
    let root = site.path();
    for (file, slug) in [
        ("styled.md", "styled"),
        ("indented.md", "indented"),
        ("crlf.md", "crlf"),
        ("no-updates.md", "no-updates"),
        ("empty-list.md", "empty-list"),
    ] {
        let before = note(root, file);
        ok(
            root,
            &[
                "update",
                slug,
                "--status",
                "identified",
                "--at",
                AT,
                "--message",
                "Cause found: a \"bad\" #config.",
            ],
        );
        let after = note(root, file);
        golden(file, &after);
        if file != "empty-list.md" {
            // Everything that was there is still there, in order.
            let added = after.len() - before.len();
            let start = (0..=before.len())
                .find(|&i| after[..i] == before[..i] && after[i + added..] == before[i..])
                .unwrap_or_else(|| panic!("{file}: the old bytes were not kept:\n{after}"));
            assert!(
                after[start..start + added].contains("status: identified"),
                "{file}"
            );
        }
    }
    // A multi-line message from standard input becomes a block scalar.
    let mut child = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args([
            "resolve",
            "styled",
            "--at",
            "2008-08-12T11:00:00Z",
            "--message",
            "-",
            "--root",
        ])
        .arg(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Fixed.\n\n- refunds are automatic\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    golden("styled-resolved.md", &note(root, "styled.md"));
    // A maintenance is resolved as completed.
    ok(
        root,
        &["resolve", "window", "--at", AT, "--message", "Done."],
    );
    assert!(note(root, "window.md").contains("status: completed"));
    // And the site still builds from all of it.
    let out = TempDir::new("workflow-out");
    build_ok(root, out.path(), &[]);
}

#[test]
fn new_incident_update_resolve_build_round_trip() {
    let site = site_copy("workflow");
    let root = site.path();
    // Only the maintenance stays, so nothing else holds a banner or notice.
    for f in [
        "styled.md",
        "indented.md",
        "crlf.md",
        "no-updates.md",
        "empty-list.md",
    ] {
        std::fs::remove_file(root.join("content/incidents").join(f)).unwrap();
    }
    let out = TempDir::new("roundtrip-out");
    build_ok(root, out.path(), &[]);
    assert!(!read(out.path(), "downloads/index.html").contains("Special Notice"));
    let printed = ok(
        root,
        &[
            "new",
            "incident",
            "License server rejects renewals",
            "--severity",
            "critical",
            "--affects",
            "licensing,downloads",
            "--summary",
            "Renewals fail with error 42",
            "--at",
            AT,
        ],
    );
    assert!(
        printed.contains("content/incidents/license-server-rejects-renewals.md"),
        "{printed}"
    );
    assert!(
        printed.contains("https://status.fixture.test/incidents/license-server-rejects-renewals/")
    );
    golden(
        "new-incident.md",
        &note(root, "license-server-rejects-renewals.md"),
    );
    build_ok(root, out.path(), &[]);
    let home = read(out.path(), "index.html");
    assert!(
        home.contains("License server rejects renewals")
            && home.contains("Renewals fail with error 42")
    );
    let downloads = read(out.path(), "downloads/index.html");
    assert!(
        downloads.contains("Special Notice")
            && downloads.contains("License server rejects renewals")
    );
    let status: serde_json::Value = serde_json::from_str(&read(out.path(), "status.json")).unwrap();
    assert!(status.to_string().contains("major_outage"), "{status}");

    let slug = "license-server-rejects-renewals";
    ok(
        root,
        &[
            "update",
            slug,
            "--status",
            "monitoring",
            "--at",
            "2008-08-12T10:30:00Z",
            "--message",
            "A fix is out.",
        ],
    );
    ok(
        root,
        &[
            "resolve",
            slug,
            "--at",
            "2008-08-12T11:00:00Z",
            "--message",
            "Renewals work again.",
        ],
    );
    build_ok(root, out.path(), &[]);
    let home = read(out.path(), "index.html");
    let downloads = read(out.path(), "downloads/index.html");
    assert!(!downloads.contains("Special Notice"), "the notice left");
    assert!(!home.contains("Renewals fail with error 42") || !home.contains("role=\"alert\""));
    let status: serde_json::Value = serde_json::from_str(&read(out.path(), "status.json")).unwrap();
    for c in status["components"].as_array().unwrap() {
        if c["id"] == "licensing" || c["id"] == "downloads" {
            assert_eq!(c["status"], "operational", "{c}");
        }
    }
    assert!(status["active_incidents"].as_array().unwrap().is_empty());
    let page = read(out.path(), &format!("incidents/{slug}/index.html"));
    assert!(page.contains("A fix is out.") && page.contains("Renewals work again."));

    // A second incident with the same title gets its own file.
    ok(
        root,
        &[
            "new",
            "incident",
            "License server rejects renewals",
            "--severity",
            "minor",
            "--affects",
            "licensing",
            "--at",
            AT,
        ],
    );
    assert!(root
        .join("content/incidents/license-server-rejects-renewals-2.md")
        .is_file());
}

#[test]
fn letters_and_pages() {
    let site = site_copy("workflow");
    let root = site.path();
    ok(
        root,
        &[
            "new",
            "letter",
            "We are sorry",
            "--author",
            "Jane Doe",
            "--role",
            "CEO",
            "--incident",
            "styled",
        ],
    );
    let letter = std::fs::read_to_string(root.join("content/letters/we-are-sorry.md")).unwrap();
    assert!(
        letter.contains("incidents: [styled]") && letter.contains("draft: true"),
        "{letter}"
    );
    assert!(letter.contains("role: \"CEO\""));
    ok(root, &["new", "page", "Service history"]);
    assert!(root.join("content/pages/service-history.md").is_file());
    let out = TempDir::new("letters-out");
    build_ok(root, out.path(), &["--drafts"]);
    assert!(read(out.path(), "letters/we-are-sorry/index.html").contains("Jane Doe"));
    assert!(read(out.path(), "service-history/index.html").contains("Service history"));
    let e = refused(
        root,
        &[
            "new",
            "letter",
            "x",
            "--author",
            "A",
            "--incident",
            "stiled",
        ],
    );
    assert!(e.contains("did you mean `styled`"), "{e}");
}

#[test]
fn refusals_name_the_problem_and_change_nothing() {
    let site = site_copy("workflow");
    let root = site.path();
    let before = tree(&root.join("content"));
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "update",
                "stiled",
                "--status",
                "identified",
                "--message",
                "x",
            ],
            "did you mean `styled`",
        ),
        (
            &[
                "update",
                "styled",
                "--status",
                "identified",
                "--message",
                "x",
                "--at",
                "2008-08-01T00:00:00Z",
            ],
            "before the last update",
        ),
        (
            &["update", "styled", "--status", "fixed", "--message", "x"],
            "`investigating`",
        ),
        (
            &["update", "window", "--status", "resolved", "--message", "x"],
            "`completed`",
        ),
        (
            &["update", "styled", "--status", "identified"],
            "no message given",
        ),
        (
            &[
                "update",
                "styled",
                "--status",
                "identified",
                "--message",
                "  ",
            ],
            "the message is empty",
        ),
        (
            &[
                "new",
                "incident",
                "X",
                "--severity",
                "huge",
                "--affects",
                "website",
            ],
            "`critical`",
        ),
        (
            &[
                "new",
                "incident",
                "X",
                "--severity",
                "minor",
                "--affects",
                "websit",
            ],
            "did you mean `website`",
        ),
        (
            &[
                "new",
                "incident",
                "X",
                "--severity",
                "maintenance",
                "--affects",
                "website",
            ],
            "--starts",
        ),
        (
            &[
                "new",
                "incident",
                "!!!",
                "--severity",
                "minor",
                "--affects",
                "website",
            ],
            "empty slug",
        ),
    ];
    for (args, expected) in cases {
        let e = refused(root, args);
        assert!(e.contains(expected), "{args:?}: {e}");
    }
    assert_eq!(
        tree(&root.join("content")),
        before,
        "a refusal changed a file"
    );
    // After resolution only --reopen adds updates.
    ok(
        root,
        &["resolve", "styled", "--message", "Done.", "--at", AT],
    );
    let e = refused(
        root,
        &[
            "update",
            "styled",
            "--status",
            "monitoring",
            "--message",
            "x",
        ],
    );
    assert!(
        e.contains("already resolved") && e.contains("--reopen"),
        "{e}"
    );
    ok(
        root,
        &[
            "update",
            "styled",
            "--status",
            "monitoring",
            "--message",
            "Back.",
            "--reopen",
        ],
    );
}

#[test]
fn commands_find_the_site_from_any_folder_inside_it() {
    let site = site_copy("workflow");
    let inside = site.path().join("content/incidents");
    let o = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args([
            "new",
            "incident",
            "From a subfolder",
            "--severity",
            "minor",
            "--affects",
            "website",
        ])
        .current_dir(&inside)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(inside.join("from-a-subfolder.md").is_file());
    let o = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .arg("check")
        .current_dir(&inside)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn check_reports_broken_sites_with_file_and_line() {
    type Break = fn(&Path);
    let cases: &[(&str, Break, &str)] = &[
        (
            "a link to a page that will not exist",
            |r| {
                append(
                    r,
                    "content/pages/downloads.md",
                    "\nSee [the archive](/incident/).\n",
                )
            },
            "content/pages/downloads.md:9",
        ),
        (
            "a link to a draft",
            |r| {
                append(
                    r,
                    "content/incidents/styled.md",
                    "\n[draft](/incidents/secret/)\n",
                );
                std::fs::write(
                    r.join("content/incidents/secret.md"),
                    "---\ntitle: s\ndate: 2008-08-11T08:00:00Z\nseverity: minor\ndraft: true\n---\n",
                )
                .unwrap();
            },
            "content/incidents/styled.md:20",
        ),
        (
            "an unknown component",
            |r| {
                replace(
                    r,
                    "content/pages/downloads.md",
                    "notices: [downloads, licensing]",
                    "notices: [downloads, licencing]",
                )
            },
            "content/pages/downloads.md:3",
        ),
        (
            "a timeline out of order",
            |r| {
                replace(r, "content/incidents/window.md", "  - at: 2008-08-01T08:00:00Z", "  - at: 2008-08-01T08:00:00Z\n    status: in_progress\n    message: a\n  - at: 2008-07-01T08:00:00Z")
            },
            "content/incidents/window.md:",
        ),
        (
            "a template that fails to render",
            |r| {
                std::fs::create_dir_all(r.join("layouts")).unwrap();
                std::fs::write(
                    r.join("layouts/page.html"),
                    "{{ page.title | no_such_filter }}\n",
                )
                .unwrap();
            },
            "layouts/page.html",
        ),
        (
            "a letter about no incident",
            |r| {
                std::fs::create_dir_all(r.join("content/letters")).unwrap();
                std::fs::write(
                    r.join("content/letters/l.md"),
                    "---\ntitle: L\ndate: 2008-08-13T00:00:00Z\nauthor: A\nincidents: [style]\n---\n",
                )
                .unwrap();
            },
            "content/letters/l.md:5",
        ),
    ];
    for (what, breaker, location) in cases {
        let site = site_copy("workflow");
        let root = site.path();
        breaker(root);
        let before = tree(root);
        let o = run(root, &["check"]);
        let text = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {text}");
        assert!(
            text.contains(location),
            "{what}: expected {location} in\n{text}"
        );
        let o = run(root, &["check", "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "{what}");
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).expect("check --format json prints JSON");
        assert_eq!(v["ok"], false);
        assert!(!v["errors"].as_array().unwrap().is_empty(), "{what}");
        assert_eq!(tree(root), before, "{what}: check wrote something");
    }
    let site = site_copy("workflow");
    let o = run(site.path(), &["check", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
}

fn append(root: &Path, rel: &str, text: &str) {
    let mut s = std::fs::read_to_string(root.join(rel)).unwrap();
    s.push_str(text);
    std::fs::write(root.join(rel), s).unwrap();
}

fn replace(root: &Path, rel: &str, from: &str, to: &str) {
    let s = std::fs::read_to_string(root.join(rel)).unwrap();
    assert!(s.contains(from), "{rel} has no {from:?}");
    std::fs::write(root.join(rel), s.replacen(from, to, 1)).unwrap();
}
