//! Golden output: the basic fixture's whole output tree, byte for byte.
//!
//! After an intended change to the output, refresh the expected tree and
//! review the diff:
//!     UPFRONT_BLESS=1 cargo test --test golden && git diff tests/fixtures/basic-expected

mod common;

use common::*;

#[test]
fn basic_fixture_matches_the_expected_tree() {
    let site = site_copy("basic");
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let expected_dir = fixture("basic-expected");
    let actual = tree(&out);
    if std::env::var_os("UPFRONT_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (path, bytes) in &actual {
            let dest = expected_dir.join(path);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(dest, bytes).unwrap();
        }
        eprintln!(
            "blessed {} files into {}",
            actual.len(),
            expected_dir.display()
        );
        return;
    }
    let expected = tree(&expected_dir);
    assert!(
        !expected.is_empty(),
        "no expected tree: run UPFRONT_BLESS=1 cargo test --test golden"
    );
    let names =
        |t: &std::collections::BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&actual), names(&expected), "the set of files differs");
    for (path, bytes) in &actual {
        if bytes != &expected[path] {
            panic!(
                "{path} differs from tests/fixtures/basic-expected/{path}; if intended, run \
                 UPFRONT_BLESS=1 cargo test --test golden and review the diff.\n--- got:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
