//! File-system edge cases (issue 7): symlink loops, symlinks out of the
//! site, names that are not UTF-8, files vanishing mid-walk, a read-only
//! output parent, a full disk, a very large file, CRLF and a BOM. Every bad
//! input is an error naming the file, and the previous output stays as it
//! was, byte for byte.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const INCIDENT: &str = "content/incidents/license-expired.md";

/// A copy of the basic fixture with a good build in `public/`.
struct Built {
    site: TempDir,
    out: PathBuf,
    before: BTreeMap<String, Vec<u8>>,
}

impl Built {
    fn new() -> Built {
        Built::with_output("public")
    }

    fn with_output(rel: &str) -> Built {
        let site = site_copy("basic");
        let out = site.path().join(rel);
        build_ok(site.path(), &out, &[]);
        let before = tree(&out);
        Built { site, out, before }
    }

    fn root(&self) -> &Path {
        self.site.path()
    }

    fn build(&self) -> std::process::Output {
        build(self.root(), &self.out, &[])
    }

    /// The build fails with every `expect` in its errors, without a panic,
    /// and the previous output is untouched.
    fn refused(&self, o: &std::process::Output, expect: &[&str]) {
        let err = stderr(o);
        assert_eq!(o.status.code(), Some(1), "not refused: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for e in expect {
            assert!(err.contains(e), "missing {e:?} in:\n{err}");
        }
        assert!(
            tree(&self.out) == self.before,
            "the previous output changed"
        );
        let leftovers: Vec<_> = std::fs::read_dir(self.out.parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".upfront-"))
            .collect();
        assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    }
}

#[test]
fn symlink_loops_are_errors_naming_the_link() {
    let b = Built::new();
    symlink("..", b.root().join("content/incidents/loop")).unwrap();
    symlink("..", b.root().join("static/img/loop")).unwrap();
    let o = b.build();
    b.refused(
        &o,
        &[
            "content/incidents/loop: symlink loop: the link leads back to content",
            "static/img/loop: symlink loop: the link leads back to static",
            "2 errors",
        ],
    );
}

#[test]
fn symlinks_leading_outside_the_site_are_refused() {
    let b = Built::new();
    let outside = TempDir::new("outside");
    let o = outside.path();
    std::fs::write(o.join("secret.txt"), "SECRET").unwrap();
    std::fs::write(
        o.join("secret.md"),
        std::fs::read_to_string(b.root().join(INCIDENT))
            .unwrap()
            .replace("Hosts report", "SECRET"),
    )
    .unwrap();
    std::fs::create_dir_all(o.join("assets")).unwrap();
    std::fs::write(o.join("assets/key.pem"), "SECRET").unwrap();
    std::fs::write(o.join("base.html"), "SECRET {{ site.title }}").unwrap();
    std::fs::create_dir_all(b.root().join("layouts")).unwrap();
    let links = [
        ("content/incidents/shared.md", "secret.md"),
        ("static/passwd.txt", "secret.txt"),
        ("static/assets", "assets"),
        ("layouts/base.html", "base.html"),
    ];
    for (link, target) in links {
        symlink(o.join(target), b.root().join(link)).unwrap();
    }
    let out = b.build();
    let expect: Vec<String> = links
        .iter()
        .map(|(link, target)| {
            format!(
                "{link}: the symlink leads outside the site, to {}",
                o.join(target).display()
            )
        })
        .collect();
    let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
    b.refused(&out, &expect);
    assert!(stderr(&out).contains("4 errors"), "{}", stderr(&out));
}

#[test]
fn symlinks_inside_the_site_are_followed() {
    let b = Built::new();
    symlink("img/logo.gif", b.root().join("static/logo-link.gif")).unwrap();
    symlink("img", b.root().join("static/images")).unwrap();
    std::fs::create_dir_all(b.root().join("shared")).unwrap();
    std::fs::write(
        b.root().join("shared/kept.md"),
        std::fs::read_to_string(b.root().join(INCIDENT))
            .unwrap()
            .replace("letter: open-letter\n", ""),
    )
    .unwrap();
    symlink(
        "../../shared/kept.md",
        b.root().join("content/incidents/kept.md"),
    )
    .unwrap();
    let o = b.build();
    assert!(o.status.success(), "{}", stderr(&o));
    let logo = std::fs::read(b.root().join("static/img/logo.gif")).unwrap();
    assert_eq!(std::fs::read(b.out.join("logo-link.gif")).unwrap(), logo);
    assert_eq!(std::fs::read(b.out.join("images/logo.gif")).unwrap(), logo);
    assert!(b.out.join("incidents/kept/index.html").is_file());
}

#[test]
fn a_symlink_to_nothing_is_an_error_naming_it() {
    let b = Built::new();
    symlink("nowhere.md", b.root().join("content/incidents/gone.md")).unwrap();
    let o = b.build();
    b.refused(
        &o,
        &["content/incidents/gone.md: the symlink points to nowhere.md, which does not exist"],
    );
}

#[test]
fn names_that_are_not_utf8_are_errors_shown_lossily() {
    let b = Built::new();
    let name = |dir: &str, ext: &str| {
        let mut bytes = format!("{dir}/caf").into_bytes();
        bytes.push(0xe9);
        bytes.extend_from_slice(ext.as_bytes());
        b.root().join(OsStr::from_bytes(&bytes))
    };
    std::fs::copy(b.root().join(INCIDENT), name("content/incidents", ".md")).unwrap();
    std::fs::write(name("static", ".txt"), "x").unwrap();
    std::fs::create_dir_all(b.root().join("layouts")).unwrap();
    std::fs::write(name("layouts", ".html"), "x").unwrap();
    let o = b.build();
    b.refused(
        &o,
        &[
            "content/incidents/caf\u{fffd}.md: the file name is not valid UTF-8",
            "static/caf\u{fffd}.txt: the file name is not valid UTF-8",
            "layouts/caf\u{fffd}.html: the file name is not valid UTF-8",
            "hint: rename the file",
        ],
    );
}

#[test]
fn files_vanishing_mid_walk_never_cause_a_panic() {
    let b = Built::new();
    let root = b.root().to_path_buf();
    let note = std::fs::read_to_string(root.join(INCIDENT))
        .unwrap()
        .replace("letter: open-letter\n", "");
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (root, stop) = (root.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                for i in 0..20 {
                    let dir = root.join(format!("static/churn-{i}"));
                    if n.is_multiple_of(2) {
                        let _ = std::fs::write(
                            root.join(format!("content/incidents/churn-{i}.md")),
                            &note,
                        );
                        let _ = std::fs::create_dir_all(&dir);
                        let _ = std::fs::write(dir.join("f.txt"), "x");
                    } else {
                        let _ = std::fs::remove_file(
                            root.join(format!("content/incidents/churn-{i}.md")),
                        );
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                }
                n += 1;
            }
            for i in 0..20 {
                let _ = std::fs::remove_file(root.join(format!("content/incidents/churn-{i}.md")));
                let _ = std::fs::remove_dir_all(root.join(format!("static/churn-{i}")));
            }
        })
    };
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..12 {
        let o = b.build();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{err}");
        match o.status.code() {
            Some(0) => ok += 1,
            Some(1) => {
                // A file read half-written or gone between listing and
                // reading: an error naming it, never a crash.
                assert!(err.contains("churn-"), "{err}");
                failed += 1;
            }
            other => panic!("exit {other:?}: {err}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    churn.join().unwrap();
    let o = b.build();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tree(&b.out) == b.before, "the settled site differs");
    eprintln!("{ok} builds succeeded and {failed} reported a vanished file");
}

/// Runs `cmd` as an unprivileged user when we are root (root ignores
/// permissions, so a read-only directory would not stop it).
fn unprivileged(cmd: &mut Command) -> &mut Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534);
    }
    cmd
}

fn build_command(b: &Built) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upfront"));
    cmd.args(["build", "-q", "--now", NOW, "--root"])
        .arg(b.root())
        .arg("--output")
        .arg(&b.out);
    cmd
}

#[test]
fn a_read_only_output_parent_is_an_error_and_the_old_site_stays() {
    let b = Built::with_output("ro/public");
    let parent = b.root().join("ro");
    set_mode(&parent, 0o555);
    // Changed content, so a build that wrote anything would show.
    edit(b.root(), INCIDENT, "Hosts report", "Hosts now report");
    let o = unprivileged(&mut build_command(&b)).output().unwrap();
    set_mode(&parent, 0o755);
    b.refused(
        &o,
        &[
            "ro/.public.upfront-new-",
            "cannot create the staging directory",
            "Permission denied",
        ],
    );
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} lacks {from}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_full_disk_is_reported_and_the_old_site_stays() {
    let b = Built::new();
    // A page bigger than the file size limit, as a disk that fills up
    // mid-build: the write fails with EFBIG instead of ENOSPC.
    let body = "The disk filled up while we wrote this sentence. ".repeat(40_000);
    let note = std::fs::read_to_string(b.root().join(INCIDENT))
        .unwrap()
        .replace("letter: open-letter\n", "");
    std::fs::write(
        b.root().join("content/incidents/big.md"),
        format!("{note}\n{body}\n"),
    )
    .unwrap();
    let mut cmd = build_command(&b);
    // SAFETY: setrlimit and signal are async-signal-safe, as pre_exec needs.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: 1 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Past the limit the kernel sends SIGXFSZ; ignored, write fails.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    b.refused(
        &o,
        &["incidents/big/index.html: cannot write", "File too large"],
    );
}

#[test]
fn a_20_mb_markdown_body_builds() {
    let b = Built::new();
    let para = |i: usize| {
        format!("Mirror **{i}** failed; we [rolled back](https://example.com/{i}) with `curl`.\n\n")
    };
    let mut body = String::with_capacity(21 << 20);
    let mut i = 0;
    while body.len() < 20 << 20 {
        body.push_str(&para(i));
        i += 1;
    }
    let note = std::fs::read_to_string(b.root().join(INCIDENT))
        .unwrap()
        .replace("letter: open-letter\n", "");
    std::fs::write(
        b.root().join("content/incidents/huge.md"),
        format!("{note}\n{body}THE-END\n"),
    )
    .unwrap();
    let o = b.build();
    assert!(o.status.success(), "{}", stderr(&o));
    let page = read(&b.out, "incidents/huge/index.html");
    assert!(page.len() > 20 << 20, "{} bytes", page.len());
    assert!(page.contains(&format!("Mirror <strong>{}</strong> failed", i - 1)));
    assert!(page.contains("<p>THE-END</p>"));
}

/// `text` as a Windows editor saves it: a byte order mark, CRLF endings.
fn windows(text: &str) -> String {
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

/// The tree with its build id (which hashes the source bytes) blanked.
fn without_build_id(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let status = read(out, "status.json");
    let id = status
        .split("\"build_id\": \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("status.json has a build_id")
        .to_string();
    tree(out)
        .into_iter()
        .map(|(k, v)| {
            let text = String::from_utf8_lossy(&v).replace(&id, "BUILD-ID");
            (k, text.into_bytes())
        })
        .collect()
}

#[test]
fn crlf_and_a_bom_build_the_same_site() {
    let b = Built::new();
    let lf = without_build_id(&b.out);
    for rel in [
        INCIDENT,
        "content/letters/open-letter.md",
        "content/pages/downloads.md",
        "content/index.md",
    ] {
        let path = b.root().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, windows(&text)).unwrap();
    }
    let o = b.build();
    assert!(o.status.success(), "{}", stderr(&o));
    let crlf = without_build_id(&b.out);
    for (path, bytes) in &lf {
        assert!(
            crlf.get(path) == Some(bytes),
            "{path} differs with CRLF and a BOM"
        );
    }
    assert_eq!(lf.len(), crlf.len());
}

#[test]
fn errors_in_crlf_and_bom_files_have_the_right_lines() {
    let b = Built::new();
    let original = std::fs::read_to_string(b.root().join(INCIDENT)).unwrap();
    let cases = [
        (
            "severity: critical",
            "severity: critcal",
            "license-expired.md:4: ",
        ),
        (
            "severity: critical",
            "severity: [critical",
            "license-expired.md:4:11: ",
        ),
        (
            "affected: [licensing, downloads]",
            "affected: [licensng]",
            "license-expired.md:5: ",
        ),
        (
            "status: identified",
            "status: identifed",
            "license-expired.md:13: ",
        ),
        ("summary:", "sumary:", "license-expired.md:6:1: "),
        ("---\n## What", "## What", "license-expired.md:1:1: "),
    ];
    for (from, to, location) in cases {
        assert!(original.contains(from), "fixture lacks {from}");
        let bad = original.replacen(from, to, 1);
        for (style, text) in [("LF", bad.clone()), ("CRLF+BOM", windows(&bad))] {
            std::fs::write(b.root().join(INCIDENT), &text).unwrap();
            let o = b.build();
            assert!(stderr(&o).contains(location), "{style}: {}", stderr(&o));
            b.refused(&o, &[location]);
        }
    }
}

#[test]
fn watch_mode_refuses_a_note_linked_from_outside() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let b = Built::new();
    let outside = TempDir::new("outside-watch");
    let secret = outside.path().join("secret.md");
    std::fs::write(
        &secret,
        std::fs::read_to_string(b.root().join(INCIDENT))
            .unwrap()
            .replace("letter: open-letter\n", ""),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_upfront"))
        .args(["build", "--watch", "--now", NOW, "--root"])
        .arg(b.root())
        .arg("--output")
        .arg(&b.out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line says the watcher is running.
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert!(ready.contains("watching"), "{ready}");
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr_pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    symlink(&secret, b.root().join("content/incidents/secret.md")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = String::new();
    while !seen.contains("content/incidents/secret.md: the symlink leads outside the site") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push_str(&(line + "\n")),
            Err(_) => panic!("no error for the outside link; stderr:\n{seen}"),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(!b.out.join("incidents/secret").exists(), "published");
    assert!(tree(&b.out) == b.before, "the output changed");
}
