//! One rule for hidden paths in `build`, `check` and watch mode
//! (`walk::Folder`): hidden notes under `content/` are never published and
//! `check` warns about them; hidden files under `static/` (`.well-known`)
//! are published; editor files are read nowhere.

mod common;

use common::*;

fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const NOTE: &str = "---\ntitle: \"Put aside\"\ndate: 2008-08-12T09:00:00Z\nseverity: critical\naffected: [website]\nupdates:\n  - at: 2008-08-12T09:05:00Z\n    status: investigating\n    message: Looking.\n---\nBody.\n";

#[test]
fn hidden_notes_are_not_published_and_check_warns_about_them() {
    let site = site_copy("basic");
    let out = TempDir::new("hidden-out");
    write(site.path(), "content/incidents/.archive/put-aside.md", NOTE);
    write(site.path(), "content/incidents/.hidden-note.md", NOTE);
    write(
        site.path(),
        "content/incidents/.#slow-website.md",
        "emacs lock",
    );
    build_ok(site.path(), out.path(), &[]);
    let files = tree(out.path());
    assert!(!files
        .keys()
        .any(|p| p.contains("put-aside") || p.contains("hidden-note")));
    assert!(!read(out.path(), "index.html").contains("Put aside"));

    let o = upfront(&["check", "--root", site.path().to_str().unwrap()]);
    assert!(
        o.status.success(),
        "a warning does not fail check: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("warning: content/incidents/.archive/put-aside.md")
            && err.contains("warning: content/incidents/.hidden-note.md")
            && err.contains("not published"),
        "{err}"
    );
    // An editor's lock file is no note anybody meant to publish.
    assert!(!err.contains(".#slow-website"), "{err}");
}

#[test]
fn hidden_static_files_are_published_and_editor_files_are_not() {
    let site = site_copy("basic");
    let out = TempDir::new("hidden-static-out");
    write(
        site.path(),
        "static/.well-known/security.txt",
        "Contact: x\n",
    );
    write(site.path(), "static/.htaccess", "x\n");
    write(site.path(), "static/.robots.txt.swp", "vim\n");
    write(site.path(), "static/robots.txt~", "backup\n");
    build_ok(site.path(), out.path(), &[]);
    let files = tree(out.path());
    assert_eq!(files[".well-known/security.txt"], b"Contact: x\n");
    assert!(files.contains_key(".htaccess"));
    assert!(!files.contains_key(".robots.txt.swp") && !files.contains_key("robots.txt~"));
}
