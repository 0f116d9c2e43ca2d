//! SPEC §8: every bad input is an error that names the file (and the line
//! where known), the build exits 1, and the previous output is untouched.

mod common;

use common::*;
use std::path::Path;

/// One fault: the file to write (relative to the site root), its bytes,
/// and what the error must say.
struct Case {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    expect: &'static [&'static str],
}

fn case(
    name: &'static str,
    file: &'static str,
    text: &str,
    expect: &'static [&'static str],
) -> Case {
    Case {
        name,
        file,
        bytes: text.as_bytes().to_vec(),
        expect,
    }
}

fn fixture_text(rel: &str) -> String {
    std::fs::read_to_string(fixture("basic").join(rel)).unwrap()
}

fn incident_with(from: &str, to: &str) -> String {
    let text = fixture_text("content/incidents/license-expired.md");
    assert!(text.contains(from), "fixture lacks {from}");
    text.replacen(from, to, 1)
}

fn yaml_bomb() -> String {
    let mut y = String::from("---\ntitle: boom\na: &a [x,x,x,x,x,x,x,x,x]\n");
    let mut prev = "a".to_string();
    for i in 0..10 {
        let refs = vec![format!("*{prev}"); 9].join(",");
        y.push_str(&format!("b{i}: &b{i} [{refs}]\n"));
        prev = format!("b{i}");
    }
    y + "---\n"
}

fn cases() -> Vec<Case> {
    let inc = "content/incidents/license-expired.md";
    vec![
        case("unknown component", inc, &incident_with("[licensing, downloads]", "[licensng, downloads]"),
            &["license-expired.md:5", "unknown component `licensng`", "did you mean `licensing`"]),
        case("unknown severity", inc, &incident_with("severity: critical", "severity: critcal"),
            &["license-expired.md:4", "critcal", "did you mean `critical`"]),
        case("unknown status", inc, &incident_with("status: identified", "status: identifed"),
            &["license-expired.md:13", "`updates[1].status: identifed`", "did you mean `identified`"]),
        case("unknown key", inc, &incident_with("summary:", "sumary:"),
            &["license-expired.md:6", "unknown field `sumary`", "did you mean `summary`"]),
        case("time without offset", inc, &incident_with("date: 2008-08-12T06:00:00Z", "date: 2008-08-12 06:00"),
            &["license-expired.md:3", "zone offset"]),
        case("updates out of order", inc, &incident_with("at: 2008-08-12T22:10:00+02:00", "at: 2008-08-12T02:10:00+02:00"),
            &["license-expired.md:12", "earlier than the one before"]),
        case("unknown letter", inc, &incident_with("letter: open-letter", "letter: open-leter"),
            &["license-expired.md:7", "no letter has the slug `open-leter`", "did you mean `open-letter`"]),
        case("slug escapes", inc, &incident_with("title:", "slug: ../../x\ntitle:"),
            &["license-expired.md:2", "the slug `../../x` is not of the form [a-z0-9-]+"]),
        case("bad yaml", inc, &incident_with("severity: critical", "severity: [critical"),
            &["license-expired.md:", "invalid front matter"]),
        case("maintenance without window", inc, &incident_with("severity: critical", "severity: maintenance"),
            &["license-expired.md:4", "needs both `starts` and `ends`"]),
        case("empty file", "content/incidents/empty.md", "", &["empty.md:1", "the file is empty"]),
        case("never closes", "content/incidents/open.md", "---\ntitle: x\nseverity: minor\n",
            &["open.md:1", "never closes"]),
        case("no front matter", "content/incidents/plain.md", "# Just markdown\n", &["plain.md:1", "first line must be `---`"]),
        Case { name: "invalid utf-8", file: "content/incidents/latin1.md",
            bytes: b"---\ntitle: caf\xe9\n---\n".to_vec(), expect: &["latin1.md:2:11", "not valid UTF-8"] },
        case("yaml bomb", "content/incidents/bomb.md", &yaml_bomb(), &["bomb.md:7:22", "aliases here repeat more than 64 KiB"]),
        case("duplicate slug", "content/incidents/another.md",
            "---\ntitle: Dup\ndate: 2008-08-12T06:00:00Z\nseverity: minor\nslug: slow-website\n---\n",
            &["slow-website.md", "duplicate incident slug `slow-website`", "another.md"]),
        case("file name is not a slug", "content/incidents/Big Outage.md",
            "---\ntitle: X\ndate: 2008-08-12T06:00:00Z\nseverity: minor\n---\n",
            &["Big Outage.md", "rename the file to `big-outage.md`"]),
        case("letter names no incident", "content/letters/open-letter.md",
            &fixture_text("content/letters/open-letter.md").replace("[license-expired]", "[license-expird]"),
            &["open-letter.md:6", "no incident has the slug `license-expird`", "did you mean `license-expired`"]),
        case("page notice names no component", "content/pages/downloads.md",
            "---\ntitle: Downloads\nnotices: [downloads, mirrors]\n---\n",
            &["downloads.md:3", "unknown component `mirrors`", "`licensing`, `downloads`, `website`"]),
        case("page slug taken by the site", "content/pages/incidents.md", "---\ntitle: Incidents\n---\n",
            &["incidents.md", "taken by the site"]),
        case("site.toml unknown key", "site.toml", &fixture_text("site.toml").replace("timezone", "timezon"),
            &["site.toml:5", "unknown field `timezon`", "did you mean `timezone`"]),
        case("site.toml bad timezone", "site.toml", &fixture_text("site.toml").replace("Europe/Berlin", "Europe/Berlim"),
            &["site.toml:5", "unknown timezone"]),
        case("broken template override", "layouts/index.html", "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n",
            &["layouts/index.html:3", "does not compile"]),
        case("template override with unknown variable", "layouts/page.html", "{{ nope.missing }}\n",
            &["layouts/page.html:1:4", "`nope` is not defined", "Available variables: canonical_url"]),
        case("static file collides", "static/index.html", "<p>hi</p>", &["static/index.html", "collides"]),
    ]
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn every_bad_input_names_the_file_and_keeps_the_old_site() {
    let mut failures = Vec::new();
    for c in cases() {
        let site = site_copy("basic");
        let out = site.path().join("public");
        build_ok(site.path(), &out, &[]);
        let before = tree(&out);
        write(site.path(), c.file, &c.bytes);
        let o = build(site.path(), &out, &[]);
        let err = stderr(&o);
        if o.status.code() != Some(1) {
            failures.push(format!(
                "{}: exit {:?}, stderr: {err}",
                c.name,
                o.status.code()
            ));
            continue;
        }
        for want in c.expect {
            if !err.contains(want) {
                failures.push(format!("{}: error lacks {want:?}:\n{err}", c.name));
            }
        }
        if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
            failures.push(format!("{}: panicked: {err}", c.name));
        }
        if tree(&out) != before {
            failures.push(format!("{}: the previous output changed", c.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let site = site_copy("basic");
    write(site.path(), "content/incidents/empty.md", b"");
    write(
        site.path(),
        "content/pages/downloads.md",
        b"---\ntitle: D\nnotices: [nope]\n---\n",
    );
    write(
        site.path(),
        "content/letters/open-letter.md",
        b"---\ntitle: L\n---\n",
    );
    let o = build(site.path(), &site.path().join("public"), &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1));
    for file in ["empty.md", "downloads.md", "open-letter.md"] {
        assert!(err.contains(file), "{file} missing from:\n{err}");
    }
    assert!(err.trim_end().ends_with("3 errors"), "{err}");
}

#[test]
fn missing_site_toml_says_how_to_create_one() {
    let tmp = TempDir::new("nosite");
    let o = build(tmp.path(), &tmp.path().join("public"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("upfront init"), "{}", stderr(&o));
}

#[test]
fn odd_but_valid_input_builds() {
    let site = site_copy("basic");
    // A UTF-8 BOM and Windows line endings, as Windows editors write them.
    let crlf = fixture_text("content/incidents/slow-website.md").replace('\n', "\r\n");
    write(
        site.path(),
        "content/incidents/slow-website.md",
        format!("\u{feff}{crlf}").as_bytes(),
    );
    // A huge body.
    let big = format!(
        "---\ntitle: Big\ndate: 2008-08-12T06:00:00Z\nseverity: minor\n---\n{}",
        "word ".repeat(1_000_000)
    );
    write(site.path(), "content/incidents/big.md", big.as_bytes());
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    assert!(read(&out, "index.html").contains("Slow website"));
    assert!(
        std::fs::metadata(out.join("incidents/big/index.html"))
            .unwrap()
            .len()
            > 5_000_000
    );
}
