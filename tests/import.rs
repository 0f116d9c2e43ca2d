//! `upfront import cstate`: the real binary on the cState fixture site
//! (tests/fixtures/cstate), imported into a copy of the basic fixture.

mod common;

use std::path::Path;
use std::process::Output;

use common::{fixture, read, site_copy, stderr, tree, upfront, TempDir};

const NOW: &str = "2025-01-01T00:00:00Z";

fn import(root: &Path, source: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "cstate",
        "--root",
        root.to_str().unwrap(),
        source.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    upfront(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn import_ok(root: &Path, extra: &[&str]) -> String {
    let o = import(root, &fixture("cstate"), extra);
    assert!(o.status.success(), "import failed:\n{}", stderr(&o));
    stdout(&o)
}

fn build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        "-q",
        "--now",
        NOW,
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    upfront(&args)
}

const IMPORTED: [&str; 6] = [
    "2017-12-17-sending-dms-impacted.md",
    "2018-05-25-us-east-conn-issues.md",
    "2020-03-01-billing-outage.md",
    "2021-02-13-gateway-maintenance.md",
    "2024-12-27-dns-resolution-api.md",
    // From 2019-11-02-Login_Failures.md, by its `slug:`.
    "login-failures.md",
];

#[test]
fn import_writes_incidents_and_components_and_the_site_builds() {
    let site = site_copy("basic");
    let before = tree(&site.path().join("content/incidents"));
    let report = import_ok(site.path(), &[]);
    let after = tree(&site.path().join("content/incidents"));
    let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(new, IMPORTED.iter().collect::<Vec<_>>());
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{k} changed");
    }
    let inc = |name: &str| read(&site.path().join("content/incidents"), name);

    let east = inc("2018-05-25-us-east-conn-issues.md");
    assert!(east.contains("title: \"US East Connection Issues\"\ndate: 2018-05-25T04:13:00Z\nseverity: major\naffected: [api, media-proxy]\n"), "{east}");
    let order: Vec<usize> = [
        "status: investigating",
        "status: monitoring",
        "status: resolved",
    ]
    .iter()
    .map(|s| east.find(s).unwrap_or_else(|| panic!("{s} in {east}")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {east}"
    );
    assert!(east.contains("- at: 2018-05-25T05:54:00Z\n    status: resolved\n    message: \"We believe all users who had trouble can connect again.\""), "{east}");

    let dns = inc("2024-12-27-dns-resolution-api.md");
    assert!(
        dns.contains("severity: critical\naffected: [api]\n"),
        "{dns}"
    );
    assert_eq!(dns.matches("status: investigating").count(), 2, "{dns}");
    assert!(!dns.contains("automated"), "{dns}");

    let gateway = inc("2021-02-13-gateway-maintenance.md");
    assert!(
        gateway.contains("severity: minor\naffected: [gateway, backup-gateway]\npinned: true\n"),
        "{gateway}"
    );
    assert!(gateway.contains("- at: 2021-02-13T12:10:00Z\n    status: resolved\n    message: \"This issue has been resolved.\""), "{gateway}");
    assert!(
        gateway.ends_with(
            "---\nConnections may drop once while traffic moves to the backup gateway.\n"
        ),
        "{gateway}"
    );

    let billing = inc("2020-03-01-billing-outage.md");
    assert!(billing.contains("date: 2020-03-01T08:00:00+01:00\nseverity: critical\naffected: [billing, website]\ndraft: true\n"), "{billing}");
    assert!(billing.contains("## What happened"), "{billing}");
    assert_eq!(
        billing.matches("status: ").count(),
        3,
        "the fenced line is not an update: {billing}"
    );

    // Update lines with no blank line between them, a single `affected` name.
    let login = inc("login-failures.md");
    assert!(login.contains("severity: minor\naffected: [website]\nupdates:\n  - at: 2019-11-02T09:12:00Z\n    status: investigating\n    message: \"Some users see an error when they log in.\"\n  - at: 2019-11-02T09:40:00Z\n    status: identified\n"), "{login}");
    assert!(
        login.ends_with(
            "    status: resolved\n    message: \"Logins work again for everyone.\"\n---\n"
        ),
        "{login}"
    );

    let dms = inc("2017-12-17-sending-dms-impacted.md");
    assert!(dms.contains("updates: []\n"), "{dms}");
    assert!(
        dms.contains("*Update* - This incident has been resolved."),
        "{dms}"
    );

    // Components: the cState systems in their order, then a name only an
    // issue uses; `Website` is the site's own `website`, not added again.
    let toml = read(site.path(), "site.toml");
    let ids: Vec<&str> = toml
        .lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert_eq!(
        ids,
        [
            "licensing",
            "downloads",
            "website",
            "gateway",
            "backup-gateway",
            "api",
            "media-proxy",
            "billing"
        ]
    );
    assert!(
        toml.starts_with(&read(&fixture("basic"), "site.toml")),
        "site.toml is only appended to"
    );
    assert!(
        report.contains("appended 5 components to site.toml"),
        "{report}"
    );
    assert!(report.contains("wrote 6 incidents (2 active)"), "{report}");

    let out = TempDir::new("import-out");
    let b = build(site.path(), out.path(), &[]);
    assert!(
        b.status.success(),
        "build after import failed:\n{}",
        stderr(&b)
    );
    let home = read(out.path(), "index.html");
    assert!(
        home.contains("API DNS resolution error!"),
        "the active one has a banner"
    );
    assert!(out
        .path()
        .join("incidents/2018-05-25-us-east-conn-issues/index.html")
        .is_file());
    assert!(
        !out.path()
            .join("incidents/2020-03-01-billing-outage/index.html")
            .exists(),
        "drafts stay drafts"
    );
    let status = read(out.path(), "status.json");
    assert!(status.contains("\"api\""), "{status}");
    let check = upfront(&["check", "--drafts", "--root", site.path().to_str().unwrap()]);
    assert!(
        check.status.success(),
        "check after import:\n{}\n{}",
        stdout(&check),
        stderr(&check)
    );
}

#[test]
fn every_unmapped_field_and_construct_is_reported_with_its_line() {
    let site = site_copy("basic");
    let report = import_ok(site.path(), &[]);
    let issues = fixture("cstate").join("content/issues");
    let at = |file: &str, line: usize| format!("{}:{line}: ", issues.join(file).display());
    let expect = [
        (
            at("2024-12-27-dns-resolution-api.md", 7),
            "not mapped: field `automated`",
        ),
        (
            at("2024-12-27-dns-resolution-api.md", 8),
            "not mapped: field `id`",
        ),
        (
            at("2024-12-27-dns-resolution-api.md", 12),
            "check: a timed paragraph with no `*Status* -` label",
        ),
        (
            at("2024-12-27-dns-resolution-api.md", 14),
            "not mapped: status `Automated system alert`",
        ),
        (
            at("2024-12-27-dns-resolution-api.md", 4),
            "check: unresolved in cState: imported as an active incident",
        ),
        (
            at("2020-03-01-billing-outage.md", 9),
            "not mapped: field `tags`",
        ),
        (
            at("2020-03-01-billing-outage.md", 10),
            "not mapped: field `lastmod`",
        ),
        (
            at("2020-03-01-billing-outage.md", 24),
            "not mapped: Hugo shortcode `youtube`",
        ),
        (
            at("2020-03-01-billing-outage.md", 7),
            "check: `Billing` is not among the systems",
        ),
        (
            at("2021-02-13-gateway-maintenance.md", 14),
            "not mapped: status `Just began`",
        ),
        (
            at("2021-02-13-gateway-maintenance.md", 5),
            "check: `resolved: true` becomes a final `resolved` update",
        ),
        (
            at("2021-02-13-gateway-maintenance.md", 3),
            "check: 3 times written without a zone (lines 3, 5, 14) read as UTC",
        ),
        (
            at("2017-12-17-sending-dms-impacted.md", 5),
            "not mapped: `resolvedWhen` without `resolved: true`",
        ),
        (
            at("2017-12-17-sending-dms-impacted.md", 12),
            "not mapped: update line (*Update*): it has no {{< track",
        ),
        (
            at("2017-12-17-sending-dms-impacted.md", 14),
            "not mapped: update line",
        ),
        (
            at("2019-10-04-new-cstate-features.md", 5),
            "not mapped: `informational: true`",
        ),
        (
            at("2024-02-24-maintenance-announcement.md", 4),
            "not mapped: `informational: true`",
        ),
    ];
    for (loc, what) in &expect {
        assert!(
            report
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{loc}{what}"))),
            "missing `{loc}{what}` in:\n{report}"
        );
    }
    let config = fixture("cstate").join("config.yml");
    for (line, what) in [
        (11, "`params.categories`"),
        (19, "system `Gateway`: `category`"),
        (24, "system `Website`: `link`"),
    ] {
        let l = format!("{}:{line}: not mapped: {what}", config.display());
        assert!(report.contains(&l), "missing `{l}` in:\n{report}");
    }
    assert!(report.contains(&format!(
        "{}: not mapped: Hugo's section index",
        issues.join("_index.md").display()
    )));
    // The fully mapped issue has only its zone note.
    let east: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("2018-05-25-us-east-conn-issues.md:"))
        .collect();
    assert_eq!(east.len(), 1, "{east:?}");
}

#[test]
fn an_existing_note_is_never_overwritten_and_nothing_is_written() {
    let site = site_copy("basic");
    let mine = site
        .path()
        .join("content/incidents/2018-05-25-us-east-conn-issues.md");
    std::fs::write(
        &mine,
        "---\ntitle: Mine\ndate: 2018-05-25T04:13:00Z\nseverity: minor\naffected: [website]\n---\nmy own words\n",
    )
    .unwrap();
    let before = tree(site.path());
    let o = import(site.path(), &fixture("cstate"), &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}: already exists", mine.display())),
        "{err}"
    );
    assert!(err.contains("never overwrites"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(tree(site.path()), before, "nothing changed");
}

#[test]
fn a_second_import_refuses_every_file_and_changes_nothing() {
    let site = site_copy("basic");
    import_ok(site.path(), &[]);
    let before = tree(site.path());
    let o = import(site.path(), &fixture("cstate"), &[]);
    assert!(!o.status.success());
    assert_eq!(
        stderr(&o).matches("already exists").count(),
        IMPORTED.len(),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(site.path()), before);
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let site = site_copy("basic");
    let before = tree(site.path());
    let report = import_ok(site.path(), &["--dry-run"]);
    assert!(report.contains("would write 6 incidents"), "{report}");
    assert!(
        report.contains("would append 5 components to site.toml:\n# Imported from cState"),
        "{report}"
    );
    assert!(
        report.contains("nothing was written (--dry-run)"),
        "{report}"
    );
    assert_eq!(tree(site.path()), before);
}

#[test]
fn a_bad_issue_stops_the_whole_import_with_its_line() {
    let site = site_copy("basic");
    let source = TempDir::new("cstate-bad");
    common::copy_dir(&fixture("cstate"), source.path());
    std::fs::write(
        source.path().join("content/issues/zz-bad.md"),
        "---\ntitle: Bad\ndate: 2020-01-01 00:00:00\nseverity: dwn\nresolved: \"yes\"\n---\n",
    )
    .unwrap();
    let before = tree(site.path());
    let o = import(site.path(), source.path(), &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("zz-bad.md:4: `severity: \"dwn\"` is not a cState severity"),
        "{err}"
    );
    assert!(err.contains("did you mean `down`"), "{err}");
    assert!(err.contains("zz-bad.md:5:"), "{err}");
    assert_eq!(tree(site.path()), before);
}

#[test]
fn a_site_that_fails_after_writing_is_rolled_back() {
    // A static file takes the URL an imported incident will have: only the
    // build after writing can see it, and the import must undo itself.
    let site = site_copy("basic");
    let clash = site
        .path()
        .join("static/incidents/2018-05-25-us-east-conn-issues");
    std::fs::create_dir_all(&clash).unwrap();
    std::fs::write(clash.join("index.html"), "<p>old page</p>").unwrap();
    let before = tree(site.path());
    let o = import(site.path(), &fixture("cstate"), &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("collides"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(tree(site.path()), before, "every change undone");
}

#[test]
fn timezone_reads_zoneless_times() {
    let site = site_copy("basic");
    import_ok(site.path(), &["--timezone", "Europe/Berlin"]);
    let east = read(
        site.path(),
        "content/incidents/2018-05-25-us-east-conn-issues.md",
    );
    assert!(east.contains("date: 2018-05-25T04:13:00+02:00"), "{east}");
    let o = import(
        site.path(),
        &fixture("cstate"),
        &["--timezone", "Mars/Olympus"],
    );
    assert!(
        stderr(&o).contains("not an IANA time zone"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn wrong_folders_and_broken_sites_are_refused_with_hints() {
    let site = site_copy("basic");
    let o = import(site.path(), &fixture("basic"), &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no content/issues/ folder here"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("root of a cState site"),
        "{}",
        stderr(&o)
    );

    let empty = TempDir::new("import-nosite");
    let o = import(empty.path(), &fixture("cstate"), &[]);
    assert!(stderr(&o).contains("no site.toml"), "{}", stderr(&o));

    std::fs::write(
        site.path().join("content/incidents/broken.md"),
        "---\ntitle: x\n---\n",
    )
    .unwrap();
    let before = tree(site.path());
    let o = import(site.path(), &fixture("cstate"), &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("errors before the import"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(site.path()), before);
}

#[test]
fn without_a_cstate_config_components_come_from_affected_names() {
    let site = site_copy("basic");
    let source = TempDir::new("cstate-noconfig");
    common::copy_dir(&fixture("cstate"), source.path());
    std::fs::remove_file(source.path().join("config.yml")).unwrap();
    let o = import(site.path(), source.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    assert!(
        report.contains(&format!(
            "{}: check: no cState config",
            source.path().display()
        )),
        "{report}"
    );
    let toml = read(site.path(), "site.toml");
    let ids: Vec<&str> = toml
        .lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .map(|l| l.trim_end_matches('"'))
        .skip(3)
        .collect();
    assert_eq!(
        ids,
        ["api", "media-proxy", "billing", "gateway", "backup-gateway"]
    );
    assert!(
        !toml.contains("The guts"),
        "no descriptions without the config"
    );
}

#[test]
fn a_broken_cstate_config_is_located() {
    let site = site_copy("basic");
    let source = TempDir::new("cstate-badconfig");
    common::copy_dir(&fixture("cstate"), source.path());
    std::fs::write(
        source.path().join("config.yml"),
        "title: x\nparams:\n  systems: [\n",
    )
    .unwrap();
    let before = tree(site.path());
    let o = import(site.path(), source.path(), &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("config.yml:4:1: invalid YAML"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(site.path()), before);
}
