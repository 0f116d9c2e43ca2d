//! Watch mode's incremental rebuilds give the bytes of a clean full build of
//! the same files, over a long random (seeded) sequence of edits of every
//! kind: bodies, titles, statuses, severities, affected components, updates
//! appended as `upfront update` does, maintenance windows, new and deleted
//! notes, letters, pages, templates, static files, the intro, site.toml, and
//! broken saves.

mod common;

use common::*;
use std::path::{Path, PathBuf};

use upfront::dev::incremental::Session;
use upfront::pipeline::build::{self, BuildOptions};
use upfront::publish::Output;

/// xorshift64*: a tiny seeded generator, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const COMPONENTS: &[&str] = &["licensing", "downloads", "website"];
const STATUSES: &[&str] = &["investigating", "identified", "monitoring", "resolved"];
const SEVERITIES: &[&str] = &["minor", "major", "critical"];

fn incident_text(rng: &mut Rng, n: u64) -> String {
    let affected = rng.pick(COMPONENTS);
    let letter = if rng.below(4) == 0 {
        "letter: open-letter\n"
    } else {
        ""
    };
    let updates = 1 + rng.below(3);
    let mut text = format!(
        "---\ntitle: \"Generated incident {n}\"\ndate: 2008-08-1{}T08:00:00Z\nseverity: {}\naffected: [{affected}]\nsummary: \"Summary {n}\"\n{letter}pinned: {}\nupdates:\n",
        rng.below(3),
        rng.pick(SEVERITIES),
        rng.below(5) == 0,
    );
    for u in 0..updates {
        text.push_str(&format!(
            "  - at: 2008-08-12T1{u}:00:00Z\n    status: {}\n    message: Update {u} of {n}.\n",
            if u + 1 == updates {
                rng.pick(STATUSES)
            } else {
                "investigating"
            }
        ));
    }
    text.push_str(&format!("---\nBody of incident {n}.\n"));
    text
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// One random edit; returns the paths it touched.
fn edit(rng: &mut Rng, root: &Path, n: u64) -> Vec<PathBuf> {
    let incidents = root.join("content/incidents");
    let write = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        vec![path]
    };
    match rng.below(21) {
        0 | 1 => {
            // A body edit of any incident.
            let files = files_in(&incidents);
            let f = files[rng.below(files.len())].clone();
            let mut text = std::fs::read_to_string(&f).unwrap();
            text.push_str(&format!("\nMore words {n}.\n"));
            write(f, text)
        }
        2 | 3 => write(
            incidents.join(format!("gen-{}.md", rng.below(6))),
            incident_text(rng, n),
        ),
        4 => {
            let files = files_in(&incidents);
            let generated: Vec<_> = files
                .iter()
                .filter(|f| f.to_string_lossy().contains("gen-"))
                .collect();
            match generated.get(rng.below(generated.len().max(1))) {
                Some(f) => {
                    std::fs::remove_file(f).unwrap();
                    vec![(*f).clone()]
                }
                None => vec![],
            }
        }
        5 => {
            // A title edit of a fixture incident.
            let f = incidents.join("slow-website.md");
            let text = std::fs::read_to_string(&f).unwrap();
            let line = text.lines().find(|l| l.starts_with("title:")).unwrap();
            let text = text.replace(line, &format!("title: \"Slow website {n}\""));
            write(f, text)
        }
        6 => {
            let incidents = if rng.below(2) == 0 {
                "[license-expired]"
            } else {
                "[license-expired, slow-website]"
            };
            let title = if rng.below(2) == 0 {
                "An open letter"
            } else {
                "An open letter to our customers"
            };
            write(
                root.join("content/letters/open-letter.md"),
                format!("---\ntitle: \"{title}\"\ndate: 2008-08-13T16:00:00Z\nauthor: \"Jane Doe\"\nincidents: {incidents}\n---\nWe are sorry, {n} times.\n"),
            )
        }
        7 => write(
            root.join("content/pages/about.md"),
            format!(
                "---\ntitle: About\nnotices: [{}]\n---\nAbout us, edit {n}.\n",
                rng.pick(COMPONENTS)
            ),
        ),
        8 => {
            let path = root.join("layouts/page.html");
            if path.exists() {
                std::fs::remove_file(&path).unwrap();
                vec![path]
            } else {
                write(
                    path,
                    // Shows the overall status on every plain page: a status change
                    // must render them again (`Templates::site_reads`).
                    "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1><p>{{ site.overall.label }}</p>{{ page.content | safe }}{% endblock content %}\n".into(),
                )
            }
        }
        9 => write(
            root.join("static/notes.txt"),
            format!("static file, edit {n}\n"),
        ),
        10 => write(
            root.join("content/index.md"),
            format!("---\ntitle: Home {n}\n---\nHello from edit {n}.\n"),
        ),
        11 => {
            let f = root.join("site.toml");
            let text = std::fs::read_to_string(&f).unwrap();
            let name = if text.contains("name = \"Website\"") {
                ("name = \"Website\"", "name = \"Web site\"")
            } else {
                ("name = \"Web site\"", "name = \"Website\"")
            };
            write(f, text.replace(name.0, name.1))
        }
        12 => write(
            incidents.join("broken.md"),
            format!("---\ntitle: [unclosed\nseverity: minor\n---\nbroken {n}\n"),
        ),
        13 => {
            // A maintenance window's title or time: the calendar shows both.
            let f = incidents.join("db-maintenance.md");
            let text = std::fs::read_to_string(&f).unwrap();
            let title = text.lines().find(|l| l.starts_with("title:")).unwrap();
            let ends = text.lines().find(|l| l.starts_with("ends:")).unwrap();
            let text = text
                .replace(title, &format!("title: \"Database maintenance {n}\""))
                .replace(
                    ends,
                    &format!("ends: 2099-01-15T0{}:00:00Z", 7 + rng.below(3)),
                );
            write(f, text)
        }
        14 => {
            // Severity and affected components of one note.
            let f = incidents.join("slow-website.md");
            let text = std::fs::read_to_string(&f).unwrap();
            let severity = text.lines().find(|l| l.starts_with("severity:")).unwrap();
            let affected = text.lines().find(|l| l.starts_with("affected:")).unwrap();
            let components = ["[website]", "[website, downloads]", "[licensing]"];
            let text = text
                .replace(severity, &format!("severity: {}", rng.pick(SEVERITIES)))
                .replace(affected, &format!("affected: {}", rng.pick(&components)));
            write(f, text)
        }
        15 | 16 => {
            // `upfront update`: an update appended to the timeline.
            let config = upfront::source::config::Config::load(root).unwrap();
            let slug = rng.pick(&["slow-website", "license-expired"]);
            let u = upfront::author::workflow::NewUpdate {
                slug: slug.into(),
                status: Some(rng.pick(&["identified", "monitoring", "resolved"]).into()),
                message: format!("Update number {n}."),
                at: Some(upfront::author::workflow::At::Exact(
                    build::parse_time(&format!("2008-08-14T{:02}:{:02}:00Z", n / 60, n % 60))
                        .unwrap(),
                )),
                reopen: true,
            };
            upfront::author::workflow::append_update(root, &config, &u).unwrap();
            vec![incidents.join(format!("{slug}.md"))]
        }
        17 => write(
            // A new maintenance window, upcoming, running or over.
            incidents.join(format!("gen-m-{}.md", rng.below(3))),
            {
                // Ends a day or two after it starts (never before: that is
                // an error, which would stay until the window is written again).
                let starts = 11 + rng.below(4);
                format!(
                    "---\ntitle: \"Window {n}\"\nseverity: maintenance\naffected: [{}]\nstarts: 2008-08-{starts}T06:00:00Z\nends: 2008-08-{}T08:00:00Z\nupdates:\n  - at: 2008-08-01T12:00:00Z\n    status: scheduled\n    message: Planned {n}.\n---\n",
                    rng.pick(COMPONENTS),
                    starts + 1 + rng.below(2),
                )
            },
        ),
        19 => {
            // A letter or a page that comes or goes: the others move to
            // another place in their list (and their reads with them).
            let (dir, text) = if rng.below(2) == 0 {
                (
                    "letters",
                    format!("---\ntitle: \"Letter {n}\"\ndate: 2008-08-1{}T10:00:00Z\nauthor: \"A\"\nincidents: [slow-website]\n---\nSorry {n}.\n", rng.below(9)),
                )
            } else {
                (
                    "pages",
                    format!(
                        "---\ntitle: \"Page {n}\"\nnotices: [{}]\n---\nText {n}.\n",
                        rng.pick(COMPONENTS)
                    ),
                )
            };
            // Names that sort before and after the fixture's own.
            let path = root.join(format!("content/{dir}/{}-gen.md", rng.pick(&["a", "z"])));
            if path.exists() {
                std::fs::remove_file(&path).unwrap();
                vec![path]
            } else {
                write(path, text)
            }
        }
        _ => write(
            root.join("content/incidents/.gen.md.swp"),
            "editor junk".into(),
        ),
    }
}

fn full(opts: &BuildOptions) -> Option<(Vec<Output>, Vec<String>)> {
    let loaded = build::load(opts).ok()?;
    let outputs = build::render(&loaded).ok()?;
    let copies = loaded.copies.iter().map(|c| c.path.clone()).collect();
    Some((outputs, copies))
}

fn assert_same(step: usize, what: &str, a: &[Output], b: &[Output]) {
    let paths = |v: &[Output]| v.iter().map(|o| o.path.clone()).collect::<Vec<_>>();
    assert_eq!(
        paths(a),
        paths(b),
        "step {step} ({what}): file lists differ"
    );
    for (x, y) in a.iter().zip(b) {
        assert!(
            x.bytes == y.bytes,
            "step {step} ({what}): {} differs\n--- incremental\n{}\n--- full\n{}",
            x.path,
            String::from_utf8_lossy(&x.bytes),
            String::from_utf8_lossy(&y.bytes)
        );
    }
}

#[test]
fn incremental_rebuilds_equal_full_builds_over_random_edits() {
    let site = site_copy("basic");
    let opts = BuildOptions {
        root: site.path().to_path_buf(),
        now: Some(build::parse_time(NOW).unwrap()),
        ..BuildOptions::default()
    };
    let mut session = Session::start(opts.clone()).expect("the fixture loads");
    assert_same(0, "start", &session.outputs(), &full(&opts).unwrap().0);
    let mut rng = Rng(0x5eed_0f09_fa11);
    let (mut ok, mut failed, mut partial) = (0, 0, 0);
    let broken = site.path().join("content/incidents/broken.md");
    for step in 1..=200 {
        // A broken save is followed by its repair, as an author would.
        let touched = if broken.exists() {
            std::fs::remove_file(&broken).unwrap();
            vec![broken.clone()]
        } else {
            edit(&mut rng, site.path(), step as u64)
        };
        let result = session.apply(&touched);
        let expected = full(&opts);
        match (result, expected) {
            (Ok(report), Some((outputs, copies))) => {
                ok += 1;
                if !report.full && report.rendered < outputs.len() - 2 {
                    partial += 1;
                }
                assert_same(step, &format!("{touched:?}"), &session.outputs(), &outputs);
                let kept: Vec<String> = session
                    .rendered()
                    .copies
                    .iter()
                    .map(|c| c.path.clone())
                    .collect();
                assert_eq!(kept, copies, "step {step}: static files differ");
            }
            (Err(e), None) => {
                failed += 1;
                assert!(!e.to_string().is_empty());
            }
            (Ok(_), None) => panic!("step {step}: incremental accepted what a full build refuses"),
            (Err(e), Some(_)) => {
                panic!("step {step}: incremental refused what a full build accepts: {e}")
            }
        }
    }
    // The sequence really exercised both paths, and most rebuilds were partial.
    assert!(ok > 150 && failed > 3, "ok {ok}, failed {failed}");
    assert!(
        partial > ok / 2,
        "only {partial} of {ok} rebuilds were partial"
    );
}

/// The same on a site whose archive has two pages (cut from the oldest),
/// with new notes, deletions and edits moving incidents between them.
#[test]
fn incremental_rebuilds_equal_full_builds_on_a_paginated_archive() {
    let site = site_with_archive(520);
    let dir = site.path().join("content/incidents");
    let opts = BuildOptions {
        root: site.path().to_path_buf(),
        now: Some(build::parse_time(NOW).unwrap()),
        ..BuildOptions::default()
    };
    let mut session = Session::start(opts.clone()).expect("the site loads");
    let mut rng = Rng(0xa5c1_1e55);
    for step in 1..=40 {
        let touched = match step % 4 {
            // The oldest note goes: every page moves.
            0 => {
                let oldest = dir.join(format!("archived-{}.md", 519 - step / 4));
                std::fs::remove_file(&oldest).unwrap();
                vec![oldest]
            }
            _ => edit(&mut rng, site.path(), step as u64),
        };
        let report = session.apply(&touched);
        let expected = full(&opts);
        if let (Ok(_), Some((outputs, _))) = (&report, &expected) {
            assert_same(step, &format!("{touched:?}"), &session.outputs(), outputs);
        } else {
            assert_eq!(report.is_ok(), expected.is_some(), "step {step}");
        }
    }
    // A broken save the random edits left is repaired first.
    let broken = dir.join("broken.md");
    if broken.exists() {
        std::fs::remove_file(&broken).unwrap();
        session.apply(std::slice::from_ref(&broken)).unwrap();
    }
    // A title edit of an old note renders its page and its archive page,
    // not the 500-odd others.
    let note = dir.join("archived-100.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replace("Archived 100", "Archived one hundred")).unwrap();
    let report = session.apply(std::slice::from_ref(&note)).unwrap();
    assert!(report.rendered <= 4, "{report:?}");
    assert_same(41, "title", &session.outputs(), &full(&opts).unwrap().0);
}
