//! `upfront build --timings`: the real binary prints where the time went.

mod common;

use common::*;

#[test]
fn timings_flag_prints_every_stage_and_the_total() {
    let site = site_copy("basic");
    let out = site.path().join("public");
    let o = build(site.path(), &out, &["--timings"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for stage in [
        "load", "content", "read", "markdown", "model", "render", "write",
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{stage} ")))
            .unwrap_or_else(|| panic!("no {stage} line in:\n{text}"));
        assert!(line.contains(" ms"), "{line}");
    }
    assert!(text.lines().any(|l| l.starts_with("total ")), "{text}");
    // Without the flag, a quiet build prints nothing.
    let o = build(site.path(), &out, &[]);
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
