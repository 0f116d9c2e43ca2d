//! SPEC §8: upfront deletes only what it wrote.

mod common;

use common::*;

#[test]
fn unsafe_output_directories_are_refused_and_left_alone() {
    let site = site_copy("basic");
    let root = site.path();
    std::fs::create_dir_all(root.join("notes")).unwrap();
    std::fs::write(root.join("notes/todo.txt"), "mine").unwrap();
    let sibling = TempDir::new("looks-like-a-site");
    std::fs::write(sibling.path().join("site.toml"), "title = 'x'").unwrap();
    let cases: Vec<(String, &str)> = vec![
        (root.display().to_string(), "it is the site root"),
        (
            root.join("..").display().to_string(),
            "contains the site root",
        ),
        (
            root.join("content/out").display().to_string(),
            "inside content/",
        ),
        (root.join("static").display().to_string(), "inside static/"),
        (
            root.join("layouts/x").display().to_string(),
            "inside layouts/",
        ),
        (
            root.join("notes").display().to_string(),
            "not written by upfront",
        ),
        (sibling.path().display().to_string(), "looks like a site"),
        (root.join("site.toml").display().to_string(), "site"),
    ];
    let before = tree(root);
    for (out, why) in cases {
        let o = upfront(&[
            "build",
            "--now",
            NOW,
            "--root",
            root.to_str().unwrap(),
            "--output",
            &out,
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{out} accepted");
        assert!(
            err.contains("refusing") && err.contains(why),
            "{out}: {err}"
        );
    }
    assert_eq!(tree(root), before, "a refused build changed the site");
    assert!(sibling.path().join("site.toml").exists());
}

#[test]
fn an_empty_or_own_directory_is_replaced() {
    let site = site_copy("basic");
    let out = site.path().join("empty");
    std::fs::create_dir_all(&out).unwrap();
    build_ok(site.path(), &out, &[]);
    assert!(out.join(".upfront-output").exists());
    std::fs::write(out.join("stale.html"), "old").unwrap();
    build_ok(site.path(), &out, &[]);
    assert!(
        !out.join("stale.html").exists(),
        "the rebuilt output is exactly the new site"
    );
}

#[test]
fn leftovers_of_a_killed_build_are_cleaned_and_foreign_ones_kept() {
    let site = site_copy("basic");
    let out = site.path().join("public");
    let leftover = site.path().join(".public.upfront-new-999999");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join(".upfront-output"), "").unwrap();
    let foreign = site.path().join(".public.upfront-new-notours");
    std::fs::create_dir_all(&foreign).unwrap();
    build_ok(site.path(), &out, &[]);
    assert!(!leftover.exists(), "leftover staging directory not cleaned");
    assert!(
        foreign.exists(),
        "a directory without our marker was removed"
    );
}

#[test]
fn the_staging_directory_of_a_running_build_is_left_alone() {
    let site = site_copy("basic");
    let out = site.path().join("public");
    // A process that is still running stands for a concurrent build.
    let mut other = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let staging = site
        .path()
        .join(format!(".public.upfront-new-{}", other.id()));
    std::fs::create_dir_all(staging.join("incidents")).unwrap();
    std::fs::write(staging.join(".upfront-output"), "").unwrap();
    std::fs::write(staging.join("incidents/index.html"), "half").unwrap();
    build_ok(site.path(), &out, &[]);
    assert!(
        staging.join("incidents/index.html").exists(),
        "a running build's staging directory was removed"
    );
    other.kill().unwrap();
    other.wait().unwrap();
    build_ok(site.path(), &out, &[]);
    assert!(!staging.exists(), "kept after its build ended");
}

#[test]
fn output_dir_from_site_toml_is_used_by_default() {
    let site = site_copy("basic");
    let o = upfront(&[
        "build",
        "-q",
        "--now",
        NOW,
        "--root",
        site.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(site.path().join("public/index.html").exists());
}
