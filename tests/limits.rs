//! Inputs have limits (SPEC §8, issue 14): YAML aliases that repeat a large
//! text, and deep nesting, are errors naming the file within a second, in
//! `build`, `check`, `update` and `import cstate` alike.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn timed(root: &Path, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(args)
        .arg("--root")
        .arg(root)
        .stdin(Stdio::null())
        .output()
        .expect("run upfront");
    (o, start.elapsed())
}

/// The note of issue 14: one ~200 KB message, repeated through aliases.
fn alias_note() -> String {
    let mut s = format!(
        "---\ntitle: Bomb\ndate: 2008-08-12T06:00:00Z\nseverity: minor\naffected: [website]\nupdates:\n  - at: 2008-08-12T06:30:00Z\n    status: investigating\n    message: &m \"{}\"\n",
        "A long message. ".repeat(13_000)
    );
    for _ in 0..600 {
        s.push_str("  - {at: 2008-08-12T06:31:00Z, status: identified, message: *m}\n");
    }
    s.push_str("---\n");
    s
}

fn nested_note(depth: usize) -> String {
    format!(
        "---\ntitle: Deep\ndate: 2008-08-12T06:00:00Z\nseverity: minor\naffected: {}website{}\n---\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

fn block_nested_note(depth: usize) -> String {
    format!(
        "---\ntitle: Deep\ndate: 2008-08-12T06:00:00Z\nseverity: minor\naffected:\n{}website\n---\n",
        "- ".repeat(depth)
    )
}

#[test]
fn bombs_are_errors_naming_the_file_within_a_second() {
    let cases = [
        (
            "aliases.md",
            alias_note(),
            10,
            "aliases here repeat more than 64 KiB",
        ),
        (
            "flow.md",
            nested_note(80_000),
            5,
            "nests more than 64 collections deep",
        ),
        (
            "block.md",
            block_nested_note(80_000),
            6,
            "nests more than 64 collections deep",
        ),
    ];
    for (name, text, line, message) in cases {
        assert!(text.len() > 150_000, "{name} is {} bytes", text.len());
        let site = site_copy("workflow");
        let root = site.path();
        std::fs::write(root.join("content/incidents").join(name), &text).unwrap();
        let out = root.join("out");
        for args in [
            vec!["build", "--output", out.to_str().unwrap()],
            vec!["check"],
            vec![
                "update",
                name.trim_end_matches(".md"),
                "--status",
                "resolved",
                "--message",
                "x",
            ],
        ] {
            let (o, took) = timed(root, &args);
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{name} {args:?}: {e}");
            assert!(
                took < Duration::from_secs(1),
                "{name} {args:?} took {took:?}"
            );
            let at = format!("content/incidents/{name}:{line}:");
            assert!(
                e.contains(&at) && e.contains(message),
                "{name} {args:?}: {e}"
            );
            assert!(e.len() < 10_000, "{name}: {} bytes of errors", e.len());
        }
        assert!(!out.exists(), "{name}: a build was written");
        // Within the limit, the same shape builds.
        assert_eq!(
            std::fs::read_to_string(root.join("content/incidents").join(name)).unwrap(),
            text
        );
    }
    let site = site_copy("workflow");
    let root = site.path();
    std::fs::write(
        root.join("content/incidents/ok.md"),
        nested_note(3).replace("affected: [[[website]]]", "affected: [website]"),
    )
    .unwrap();
    let (o, _) = timed(root, &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn import_meets_the_same_limits() {
    let site = site_copy("workflow");
    let root = site.path();
    let cstate = TempDir::new("cstate-bomb");
    let issues = cstate.path().join("content/issues");
    std::fs::create_dir_all(&issues).unwrap();
    std::fs::write(
        issues.join("deep.md"),
        format!("---\ntitle: Deep\ndate: 2020-01-01T00:00:00Z\nresolved: true\naffected: {}x{}\n---\nx\n", "[".repeat(80_000), "]".repeat(80_000)),
    )
    .unwrap();
    let (o, took) = timed(
        root,
        &[
            "import",
            "cstate",
            cstate.path().to_str().unwrap(),
            "--dry-run",
        ],
    );
    let e = format!("{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        e.contains("deep.md") && e.contains("collections deep"),
        "{e}"
    );
}
