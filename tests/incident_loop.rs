//! The incident loop must never lose or misplace an edit (SPEC §8, issue
//! 14): concurrent commands, notes found by their declared slug, slugs that
//! stay unique, titles in any script, symlinked notes, every way YAML writes
//! an empty or tagged timeline, and `edit` / `publish` (SPEC §9).

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const AT: &str = "2008-08-12T10:00:00Z";

/// Refused by the argument parser (clap's exit code 2).
fn usage_error(root: &Path, args: &[&str]) -> String {
    let o = run(root, args);
    assert_eq!(o.status.code(), Some(2), "{args:?} should be a usage error");
    stderr(&o)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn text(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn incident(title: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2008-08-12T06:00:00Z\nseverity: minor\naffected: [website]\n{extra}updates:\n  - at: 2008-08-12T06:30:00Z\n    status: investigating\n    message: Looking.\n---\nBody.\n"
    )
}

/// N processes update one note at the same moment: every entry is there
/// (or its process failed with a clear message), and the note is valid.
#[test]
fn concurrent_updates_lose_no_entry() {
    let site = site_copy("workflow");
    let root = site.path();
    const N: usize = 12;
    let children: Vec<_> = (0..N)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_upfront"))
                .args([
                    "update",
                    "styled",
                    "--status",
                    "identified",
                    "--message",
                    &format!("Entry number {i} of the race."),
                    "--at",
                    AT,
                    "--root",
                ])
                .arg(root)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let note = text(root, "content/incidents/styled.md");
    let mut applied = 0;
    for (i, o) in outputs.iter().enumerate() {
        let entry = format!("Entry number {i} of the race.");
        if o.status.success() {
            applied += 1;
            assert_eq!(note.matches(&entry).count(), 1, "entry {i} lost:\n{note}");
        } else {
            let e = stderr(o);
            assert!(
                e.contains("another upfront command"),
                "unclear failure: {e}"
            );
            assert!(!note.contains(&entry), "a failed update wrote:\n{note}");
        }
    }
    assert!(applied > 0);
    assert!(note.starts_with("---\n# Written by hand during the outage; keep this comment.\n"));
    ok(root, &["check"]);
    // No lock or temporary file is left among the notes.
    let names: Vec<String> = std::fs::read_dir(root.join("content/incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

/// Updates, resolves, edits and publishes of several notes at once, all
/// racing: the result is what running them one after another gives (in
/// some order), checked entry by entry against that serial model.
#[test]
fn racing_commands_match_a_serial_model() {
    let site = site_copy("workflow");
    let root = site.path();
    write(root, "content/incidents/a.md", &incident("A", ""));
    write(
        root,
        "content/incidents/b.md",
        &incident("B", "draft: true\n"),
    );
    let mut commands: Vec<Vec<String>> = Vec::new();
    for i in 0..6 {
        let slug = ["a", "b"][i % 2];
        commands.push(
            ["update", slug, "--status", "identified", "--message"]
                .iter()
                .map(|s| s.to_string())
                .chain([format!("m{i}"), "--at".into(), AT.into()])
                .collect(),
        );
    }
    commands.push(vec![
        "edit".into(),
        "a".into(),
        "--summary".into(),
        "S".into(),
    ]);
    commands.push(vec!["publish".into(), "b".into()]);
    let children: Vec<_> = commands
        .iter()
        .map(|args| {
            Command::new(env!("CARGO_BIN_EXE_upfront"))
                .args(args)
                .arg("--root")
                .arg(root)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (c, args) in children.into_iter().zip(&commands) {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
    let a = text(root, "content/incidents/a.md");
    let b = text(root, "content/incidents/b.md");
    for i in 0..6 {
        let note = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            note.matches(&format!("\"m{i}\"")).count(),
            1,
            "m{i}:\n{note}"
        );
    }
    assert!(a.contains("summary: \"S\"\n"), "{a}");
    assert!(!b.contains("draft"), "{b}");
    // The serial model: the same edits one after another give the same
    // keys; only the order of the racing entries may differ.
    let serial = site_copy("workflow");
    let sroot = serial.path();
    write(sroot, "content/incidents/a.md", &incident("A", ""));
    write(
        sroot,
        "content/incidents/b.md",
        &incident("B", "draft: true\n"),
    );
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(sroot, &args);
    }
    for name in ["a.md", "b.md"] {
        let mut got: Vec<String> = text(root, &format!("content/incidents/{name}"))
            .lines()
            .map(String::from)
            .collect();
        let mut want: Vec<String> = text(sroot, &format!("content/incidents/{name}"))
            .lines()
            .map(String::from)
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
    }
    ok(root, &["check"]);
}

#[test]
fn notes_are_found_by_their_declared_slug() {
    let site = site_copy("workflow");
    let root = site.path();
    // y.md declares another slug; z.md declares `y`.
    write(
        root,
        "content/incidents/y.md",
        &incident("Y file", "slug: other\n"),
    );
    write(
        root,
        "content/incidents/z.md",
        &incident("Z file", "slug: y\n"),
    );
    ok(root, &["resolve", "y", "--message", "Fixed Y.", "--at", AT]);
    assert!(text(root, "content/incidents/z.md").contains("Fixed Y."));
    assert!(!text(root, "content/incidents/y.md").contains("Fixed Y."));
    ok(
        root,
        &[
            "update",
            "other",
            "--status",
            "identified",
            "--message",
            "Other.",
            "--at",
            AT,
        ],
    );
    assert!(text(root, "content/incidents/y.md").contains("Other."));
    // A note in a subfolder, and a slug with a comment after it.
    write(
        root,
        "content/incidents/2024/api-latency.md",
        &incident("API", ""),
    );
    write(
        root,
        "content/incidents/2024/q3/c.md",
        &incident("C", "slug: commented  # the URL\n"),
    );
    ok(
        root,
        &[
            "update",
            "api-latency",
            "--status",
            "identified",
            "--message",
            "Sub.",
            "--at",
            AT,
        ],
    );
    assert!(text(root, "content/incidents/2024/api-latency.md").contains("Sub."));
    ok(
        root,
        &[
            "update",
            "commented",
            "--status",
            "identified",
            "--message",
            "Com.",
            "--at",
            AT,
        ],
    );
    assert!(text(root, "content/incidents/2024/q3/c.md").contains("Com."));
    // A quoted slug, and the file name of a note that declares another.
    write(
        root,
        "content/incidents/q.md",
        &incident("Q", "slug: \"quoted\"\n"),
    );
    ok(
        root,
        &[
            "update",
            "quoted",
            "--status",
            "identified",
            "--message",
            "Q.",
            "--at",
            AT,
        ],
    );
    let e = refused(
        root,
        &["update", "q", "--status", "identified", "--message", "x"],
    );
    assert!(e.contains("no incident has the slug `q`"), "{e}");
    // A miss suggests a slug that exists.
    let e = refused(
        root,
        &[
            "update",
            "api-latncy",
            "--status",
            "identified",
            "--message",
            "x",
        ],
    );
    assert!(e.contains("did you mean `api-latency`"), "{e}");
    ok(root, &["check"]);
}

#[test]
fn new_notes_never_take_a_declared_slug() {
    let site = site_copy("workflow");
    let root = site.path();
    write(
        root,
        "content/incidents/old.md",
        &incident("Old", "slug: db-down\n"),
    );
    let out = ok(
        root,
        &[
            "new",
            "incident",
            "DB down",
            "--severity",
            "minor",
            "--affects",
            "website",
        ],
    );
    assert!(out.contains("/incidents/db-down-2/"), "{out}");
    assert!(root.join("content/incidents/db-down-2.md").is_file());
    let e = refused(
        root,
        &[
            "new",
            "incident",
            "Anything",
            "--slug",
            "db-down",
            "--severity",
            "minor",
            "--affects",
            "website",
        ],
    );
    assert!(
        e.contains("the slug `db-down` is taken: content/incidents/old.md"),
        "{e}"
    );
    let e = refused(
        root,
        &[
            "new",
            "incident",
            "Anything",
            "--slug",
            "Not A Slug",
            "--severity",
            "minor",
            "--affects",
            "website",
        ],
    );
    assert!(e.contains("not-a-slug"), "{e}");
    // A subfolder's note takes its file name as its slug.
    write(root, "content/incidents/2024/cdn.md", &incident("CDN", ""));
    let out = ok(
        root,
        &[
            "new",
            "incident",
            "CDN",
            "--severity",
            "minor",
            "--affects",
            "website",
        ],
    );
    assert!(out.contains("/incidents/cdn-2/"), "{out}");
    // Letters and pages too.
    write(
        root,
        "content/letters/sorry.md",
        "---\ntitle: S\ndate: 2008-08-12T06:00:00Z\nauthor: A\nslug: apology\n---\nx\n",
    );
    let out = ok(root, &["new", "letter", "Apology", "--author", "Jane"]);
    assert!(out.contains("/letters/apology-2/"), "{out}");
    ok(
        root,
        &[
            "build",
            "--output",
            root.join("out").to_str().unwrap(),
            "--drafts",
        ],
    );
}

#[test]
fn titles_in_any_script_and_slug_options() {
    let site = site_copy("workflow");
    let root = site.path();
    let out = ok(
        root,
        &[
            "new",
            "incident",
            "ログインできない",
            "--severity",
            "minor",
            "--affects",
            "website",
            "--at",
            "2026-12-02 16:00",
        ],
    );
    assert!(
        out.contains("content/incidents/incident-2026-12-02.md"),
        "{out}"
    );
    let note = text(root, "content/incidents/incident-2026-12-02.md");
    assert!(note.contains("title: \"ログインできない\""), "{note}");
    // The site's zone is Europe/Berlin.
    assert!(note.contains("date: 2026-12-02T16:00:00+01:00"), "{note}");
    let out = ok(
        root,
        &[
            "new",
            "incident",
            "Сбой оплаты",
            "--severity",
            "major",
            "--affects",
            "website",
            "--at",
            "2026-12-02 17:00",
        ],
    );
    assert!(out.contains("incident-2026-12-02-2.md"), "{out}");
    let out = ok(
        root,
        &[
            "new",
            "incident",
            "Сбой оплаты",
            "--slug",
            "payments",
            "--severity",
            "major",
            "--affects",
            "website",
        ],
    );
    assert!(out.contains("content/incidents/payments.md"), "{out}");
    let out = ok(
        root,
        &[
            "new",
            "letter",
            "お詫び",
            "--author",
            "社長",
            "--slug",
            "owabi",
        ],
    );
    assert!(
        out.contains("content/letters/owabi.md") && out.contains("upfront publish owabi"),
        "{out}"
    );
    let out = ok(root, &["new", "letter", "Письмо", "--author", "A"]);
    assert!(out.contains("content/letters/letter-"), "{out}");
    let out = ok(root, &["new", "page", "Статус", "--slug", "status-ru"]);
    assert!(out.contains("content/pages/status-ru.md"), "{out}");
    let e = refused(root, &["new", "page", "!!!"]);
    assert!(e.contains("empty slug") && e.contains("--slug"), "{e}");
    assert!(!e.contains(".md"), "names a file that does not exist: {e}");
    // `--at` that is neither form shows both.
    let e = usage_error(
        root,
        &[
            "update",
            "payments",
            "--status",
            "identified",
            "--message",
            "x",
            "--at",
            "16:00",
        ],
    );
    assert!(
        e.contains("2026-12-02 16:00") && e.contains("RFC 3339"),
        "{e}"
    );
    ok(
        root,
        &[
            "update",
            "payments",
            "--status",
            "identified",
            "--message",
            "x",
            "--at",
            "2099-12-02 16:00",
        ],
    );
    assert!(text(root, "content/incidents/payments.md").contains("at: 2099-12-02T16:00:00+01:00"));
    ok(root, &["check", "--drafts"]);
}

#[cfg(unix)]
#[test]
fn updates_through_a_symlink_edit_the_target_and_keep_the_link() {
    use std::os::unix::fs::PermissionsExt;
    let site = site_copy("workflow");
    let root = site.path();
    let shared = root.join("shared-notes");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("linked.md"), incident("Linked", "")).unwrap();
    std::fs::set_permissions(
        shared.join("linked.md"),
        std::fs::Permissions::from_mode(0o604),
    )
    .unwrap();
    let link = root.join("content/incidents/linked.md");
    std::os::unix::fs::symlink(shared.join("linked.md"), &link).unwrap();
    ok(
        root,
        &[
            "update",
            "linked",
            "--status",
            "identified",
            "--message",
            "Via the link.",
            "--at",
            AT,
        ],
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let target = std::fs::read_to_string(shared.join("linked.md")).unwrap();
    assert!(target.contains("Via the link."), "{target}");
    let mode = std::fs::metadata(shared.join("linked.md"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o604);
    // A plain note keeps its mode too.
    let plain = root.join("content/incidents/styled.md");
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o600)).unwrap();
    ok(
        root,
        &[
            "update",
            "styled",
            "--status",
            "identified",
            "--message",
            "x",
            "--at",
            AT,
        ],
    );
    assert_eq!(
        std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Nothing left beside the target.
    assert_eq!(std::fs::read_dir(&shared).unwrap().count(), 1);
    // Under sudo (root), the note keeps its owner and group.
    use std::os::unix::fs::MetadataExt;
    let is_root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if is_root {
        std::os::unix::fs::chown(&plain, Some(4321), Some(4322)).unwrap();
        ok(
            root,
            &[
                "update",
                "styled",
                "--status",
                "identified",
                "--message",
                "y",
                "--at",
                AT,
            ],
        );
        let m = std::fs::metadata(&plain).unwrap();
        assert_eq!((m.uid(), m.gid()), (4321, 4322));
    } else {
        eprintln!("SKIPPED: owner kept under sudo: not running as root");
    }
}

#[test]
fn every_valid_way_to_write_a_timeline_takes_an_update() {
    let site = site_copy("workflow");
    let root = site.path();
    let head = "---\ntitle: T\ndate: 2008-08-12T06:00:00Z\nseverity: minor\naffected: [website]\n";
    let entry = "  - at: 2008-08-12T06:30:00Z\n    status: investigating\n    message: Looking.\n";
    let forms = [
        ("next-line-empty", "updates:\n  []\n".to_string()),
        (
            "next-line-empty-comment",
            "updates:\n  # none yet\n  []  # empty\n".to_string(),
        ),
        ("tagged-empty", "updates: !!seq []\n".to_string()),
        ("anchored-empty", "updates: &u []\n".to_string()),
        ("anchored", format!("updates: &timeline\n{entry}")),
        ("tagged", format!("updates: !!seq\n{entry}")),
        (
            "tagged-anchored",
            format!("updates: !!seq &t   # c\n{entry}"),
        ),
        (
            "long-tag",
            format!("updates: !<tag:yaml.org,2002:seq>\n{entry}"),
        ),
    ];
    for (name, timeline) in &forms {
        let rel = format!("content/incidents/{name}.md");
        let before = format!("{head}{timeline}pinned: false\n---\nBody.\n");
        write(root, &rel, &before);
        ok(
            root,
            &[
                "update",
                name,
                "--status",
                "identified",
                "--message",
                "Added.",
                "--at",
                AT,
            ],
        );
        let after = text(root, &rel);
        assert!(after.contains("message: \"Added.\""), "{name}:\n{after}");
        assert!(
            after.ends_with("pinned: false\n---\nBody.\n"),
            "{name}:\n{after}"
        );
        for kept in [
            "&timeline",
            "!!seq",
            "&t   # c",
            "# none yet",
            "# empty",
            "&u",
        ] {
            if before.contains(kept) {
                assert!(after.contains(kept), "{name} lost {kept}:\n{after}");
            }
        }
    }
    ok(root, &["check"]);
}

#[test]
fn resolving_twice_suggests_what_works() {
    let site = site_copy("workflow");
    let root = site.path();
    ok(
        root,
        &["resolve", "styled", "--message", "Done.", "--at", AT],
    );
    let e = refused(root, &["resolve", "styled", "--message", "Again."]);
    assert!(e.contains("already resolved"), "{e}");
    assert!(
        !e.contains("pass --reopen"),
        "suggests an option resolve rejects: {e}"
    );
    // The suggested command works.
    assert!(e.contains("upfront update styled --status"), "{e}");
    ok(
        root,
        &[
            "update",
            "styled",
            "--status",
            "monitoring",
            "--message",
            "Watching.",
            "--reopen",
        ],
    );
}

#[test]
fn every_command_explains_itself() {
    let o = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(["resolve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.lines().next().unwrap().contains("resolving update"),
        "{help}"
    );
    assert!(help.contains("The incident's slug"), "{help}");
    let o = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(["new", "letter", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("Who signs it"), "{help}");
}

#[test]
fn edit_changes_only_its_keys() {
    let site = site_copy("workflow");
    let root = site.path();
    let before = text(root, "content/incidents/styled.md");
    ok(
        root,
        &[
            "edit",
            "styled",
            "--title",
            "Checkout: \"declined\" # not a comment",
            "--severity",
            "critical",
            "--summary",
            "Payments fail.",
        ],
    );
    let after = text(root, "content/incidents/styled.md");
    let expected = before
        .replace(
            "title: 'Checkout errors: \"payment declined\"'",
            "title: \"Checkout: \\\"declined\\\" # not a comment\"",
        )
        .replace("severity: major", "severity: critical")
        .replace("updates:\n", "summary: \"Payments fail.\"\nupdates:\n");
    assert_eq!(after, expected);
    ok(root, &["edit", "styled", "--affects", "website,downloads"]);
    let after2 = text(root, "content/incidents/styled.md");
    assert_eq!(
        after2,
        expected.replace(
            "affected:\n  - website\n",
            "affected: [website, downloads]\n"
        )
    );
    // A comment after a one-line value stays.
    write(
        root,
        "content/incidents/c.md",
        &incident("C", "summary: old   # keep me\n"),
    );
    ok(root, &["edit", "c", "--summary", "new"]);
    assert!(text(root, "content/incidents/c.md").contains("summary: \"new\"   # keep me\n"));
    // Refusals change nothing.
    let now = text(root, "content/incidents/styled.md");
    let e = refused(root, &["edit", "styled", "--affects", "websit"]);
    assert!(e.contains("did you mean `website`"), "{e}");
    let e = usage_error(root, &["edit", "styled", "--impact", "website=broken"]);
    assert!(e.contains("major_outage"), "{e}");
    let e = refused(root, &["edit", "styled", "--impact", "nope=major_outage"]);
    assert!(e.contains("unknown component `nope`"), "{e}");
    let e = refused(root, &["edit", "styled"]);
    assert!(e.contains("nothing to change"), "{e}");
    // Into maintenance: the timeline's statuses no longer fit.
    let e = refused(root, &["edit", "styled", "--severity", "maintenance"]);
    assert!(e.contains("styled.md"), "{e}");
    assert_eq!(text(root, "content/incidents/styled.md"), now);
    ok(root, &["check"]);
}

#[test]
fn publish_drops_draft_from_notes_and_letters() {
    let site = site_copy("workflow");
    let root = site.path();
    write(
        root,
        "content/incidents/d.md",
        &incident("D", "draft: true   # until legal agrees\n"),
    );
    let before = text(root, "content/incidents/d.md");
    let out = ok(root, &["publish", "d"]);
    assert!(out.starts_with("published"), "{out}");
    assert_eq!(
        text(root, "content/incidents/d.md"),
        before.replace("draft: true   # until legal agrees\n", "")
    );
    let out = ok(root, &["publish", "d"]);
    assert!(out.contains("not a draft"), "{out}");
    ok(
        root,
        &[
            "new",
            "letter",
            "We are sorry",
            "--author",
            "Jane",
            "--slug",
            "sorry",
        ],
    );
    let letter = text(root, "content/letters/sorry.md");
    ok(root, &["publish", "sorry"]);
    let published = text(root, "content/letters/sorry.md");
    assert!(!published.contains("draft"), "{published}");
    assert_eq!(
        published.len()
            + letter
                .lines()
                .find(|l| l.starts_with("draft"))
                .unwrap()
                .len()
            + 1,
        letter.len()
    );
    let e = refused(root, &["publish", "nothing-here"]);
    assert!(
        e.contains("no incident or letter has the slug `nothing-here`"),
        "{e}"
    );
    let out = root.join("out");
    ok(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(out.join("letters/sorry/index.html").is_file());
    assert!(out.join("incidents/d/index.html").is_file());
}

/// SPEC §8: drafts never block a publish; `--drafts` and `check` see their
/// problems as errors.
#[test]
fn drafts_never_block_a_build() {
    let site = site_copy("workflow");
    let root = site.path();
    let out = root.join("out");
    let out_s = out.to_str().unwrap();
    // A typo in a draft letter (unknown key), a draft incident naming an
    // unknown component and a letter that does not exist, and a draft whose
    // YAML does not even parse.
    write(
        root,
        "content/letters/ceo.md",
        "---\ntitle: Sorry\ndate: 2008-08-12T06:00:00Z\nauthr: Jane\ndraft: true\n---\nx\n",
    );
    write(
        root,
        "content/incidents/wip.md",
        &incident("WIP", "draft: true\n").replace("[website]", "[websit]"),
    );
    write(
        root,
        "content/incidents/ref.md",
        &incident("Ref", "draft: true\nletter: nope\n"),
    );
    write(
        root,
        "content/incidents/broken.md",
        "---\ntitle: \"unclosed\ndraft: true\n---\n",
    );
    let o = run(root, &["build", "--output", out_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warnings = stderr(&o);
    assert!(
        warnings.contains("warning: content/letters/ceo.md:4"),
        "{warnings}"
    );
    assert!(
        warnings.contains("warning: content/incidents/wip.md:5"),
        "{warnings}"
    );
    assert!(
        warnings.contains("warning: content/incidents/ref.md:7: no letter has the slug `nope`"),
        "{warnings}"
    );
    assert!(
        warnings.contains("warning: content/incidents/broken.md:"),
        "{warnings}"
    );
    assert!(out.join("incidents/styled/index.html").is_file());
    assert!(!out.join("incidents/wip").exists());
    // With --drafts, or in check, they are errors.
    let e = refused(root, &["build", "--output", out_s, "--drafts"]);
    assert!(e.contains("error: content/letters/ceo.md:4"), "{e}");
    let e = refused(root, &["check"]);
    assert!(
        e.contains("content/letters/ceo.md:4") && e.contains("content/incidents/broken.md"),
        "{e}"
    );
    // A published note's problem still fails the build, and the draft's
    // are told with it.
    write(
        root,
        "content/incidents/live.md",
        &incident("Live", "").replace("[website]", "[nope]"),
    );
    let e = refused(root, &["build", "--output", out_s]);
    assert!(
        e.contains("content/incidents/live.md:5") && e.contains("ceo.md"),
        "{e}"
    );
}

/// `check` refuses the output directories `build` refuses (one function).
#[test]
fn check_refuses_what_build_refuses() {
    for dir in [
        "content",
        ".",
        "..",
        "content/incidents",
        "static/x",
        "layouts",
    ] {
        let site = site_copy("workflow");
        let root = site.path();
        let toml = text(root, "site.toml").replace(
            "output_dir = \"public\"",
            &format!("output_dir = \"{dir}\""),
        );
        write(root, "site.toml", &toml);
        std::fs::create_dir_all(root.join("static")).unwrap();
        let b = refused(root, &["build"]);
        let c = refused(root, &["check"]);
        assert!(b.contains("refusing to write the site into"), "{dir}: {b}");
        let line = b.lines().find(|l| l.contains("refusing")).unwrap();
        assert!(c.contains(line), "{dir}: check said\n{c}\nbuild said\n{b}");
    }
}

/// Rounds of random commands (updates, edits of distinct keys, publishes)
/// on a few notes, all of a round at once, against a serial model: the same
/// commands one after another on a copy. Each note must end with the same
/// lines (the racing order may differ) and the site must check clean.
#[test]
fn random_concurrent_rounds_match_the_serial_model() {
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }
    let real = site_copy("workflow");
    let model = site_copy("workflow");
    for site in [real.path(), model.path()] {
        for (name, extra) in [("n0", "draft: true\n"), ("n1", ""), ("n2", "draft: true\n")] {
            write(
                site,
                &format!("content/incidents/{name}.md"),
                &incident(name, extra),
            );
        }
    }
    let mut rng = Rng(0x5eed_1234_9876_abcd);
    let mut n = 0;
    for round in 0..4 {
        let mut used = std::collections::HashSet::new();
        let mut commands: Vec<Vec<String>> = Vec::new();
        for _ in 0..(6 + rng.below(5)) {
            n += 1;
            let note = format!("n{}", rng.below(3));
            let cmd: Vec<String> = match rng.below(4) {
                0 | 1 => vec![
                    "update".into(),
                    note,
                    "--status".into(),
                    "identified".into(),
                    "--message".into(),
                    format!("r{round} m{n}"),
                    "--at".into(),
                    AT.into(),
                ],
                2 => {
                    let key = ["--title", "--summary", "--severity"][rng.below(3) as usize];
                    if !used.insert((note.clone(), key)) {
                        continue;
                    }
                    let value = if key == "--severity" {
                        ["minor", "major", "critical"][rng.below(3) as usize].to_string()
                    } else {
                        format!("v{n}")
                    };
                    vec!["edit".into(), note, key.into(), value]
                }
                _ => {
                    if !used.insert((note.clone(), "publish")) {
                        continue;
                    }
                    vec!["publish".into(), note]
                }
            };
            commands.push(cmd);
        }
        let children: Vec<_> = commands
            .iter()
            .map(|args| {
                Command::new(env!("CARGO_BIN_EXE_upfront"))
                    .args(args)
                    .arg("--root")
                    .arg(real.path())
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (c, args) in children.into_iter().zip(&commands) {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round} {args:?}: {}", stderr(&o));
        }
        for args in &commands {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            ok(model.path(), &args);
        }
        for name in ["n0", "n1", "n2"] {
            let rel = format!("content/incidents/{name}.md");
            let mut got: Vec<String> = text(real.path(), &rel).lines().map(String::from).collect();
            let mut want: Vec<String> =
                text(model.path(), &rel).lines().map(String::from).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "round {round}, {name}, after {commands:?}");
        }
        ok(real.path(), &["check", "--drafts"]);
    }
}

/// `edit --impact` writes `affected` as a map (SPEC §9). Until the model
/// reads impact maps, the reparse refuses the edit and the note stays as
/// it was; once it does, the map is written in place of the list.
#[test]
fn impact_maps_are_written_as_spec_says_or_refused_whole() {
    let site = site_copy("workflow");
    let root = site.path();
    let before = text(root, "content/incidents/styled.md");
    let o = run(
        root,
        &[
            "edit",
            "styled",
            "--impact",
            "website=major_outage,downloads=degraded_performance",
        ],
    );
    let after = text(root, "content/incidents/styled.md");
    if o.status.success() {
        assert_eq!(
            after,
            before.replace(
                "affected:\n  - website\n",
                "affected: {website: major_outage, downloads: degraded_performance}\n"
            )
        );
        ok(root, &["check"]);
    } else {
        let e = stderr(&o);
        assert!(
            e.contains("styled.md") && e.contains("the file was not changed"),
            "{e}"
        );
        assert_eq!(after, before);
    }
}
