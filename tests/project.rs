//! Checks on the project itself rather than on a built site: the command
//! line's definition, and the documentation's shape (every chapter of the
//! book reachable from its table of contents, a short README whose links
//! lead somewhere).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// clap checks a command's definition (duplicate flags, conflicting ids,
/// bad defaults, positional order) only when that subcommand is parsed, and
/// only in debug builds; `debug_assert` walks every subcommand at once.
#[test]
fn the_command_line_definition_is_consistent() {
    upfront::cli::Cli::command().debug_assert();
}

/// The README is the first screen, not the manual: the guide lives in the book.
const README_LIMIT_BYTES: u64 = 10_000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn book_src() -> PathBuf {
    repo().join("docs/src")
}

/// Targets of the Markdown links `[text](target)` in `text`, without a
/// `#fragment`, skipping absolute URLs and in-page anchors.
fn local_link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].trim();
        let path = target.split('#').next().unwrap_or("");
        if !path.is_empty() && !path.contains("://") {
            targets.push(path.to_string());
        }
        rest = &rest[end..];
    }
    targets
}

/// Every `.md` file under `dir`, as a path relative to `dir` with `/`.
fn chapter_files(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "md") {
                let rel = path.strip_prefix(dir).unwrap();
                found.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

#[test]
fn every_chapter_is_linked_from_summary() {
    let summary_path = book_src().join("SUMMARY.md");
    let summary = fs::read_to_string(&summary_path)
        .unwrap_or_else(|e| panic!("{}: {e}", summary_path.display()));
    let linked: BTreeSet<String> = local_link_targets(&summary).into_iter().collect();
    let mut chapters = chapter_files(&book_src());
    chapters.remove("SUMMARY.md");
    assert!(
        chapters.len() >= 10,
        "expected the book's chapters in docs/src, found {chapters:?}"
    );

    let unlinked: Vec<&String> = chapters.difference(&linked).collect();
    assert!(
        unlinked.is_empty(),
        "chapters in docs/src that docs/src/SUMMARY.md does not link (mdBook would \
         not build them, so nobody could read them): {unlinked:?}; add a line like \
         `- [Title](file.md)` to SUMMARY.md"
    );
    let missing: Vec<&String> = linked.difference(&chapters).collect();
    assert!(
        missing.is_empty(),
        "docs/src/SUMMARY.md links chapters that do not exist: {missing:?}"
    );
}

/// mdBook builds a chapter whose link leads nowhere without a word; the
/// reader finds a 404.
#[test]
fn links_between_chapters_lead_somewhere() {
    let mut broken = Vec::new();
    for chapter in chapter_files(&book_src()) {
        let path = book_src().join(&chapter);
        let text = fs::read_to_string(&path).unwrap();
        let dir = path.parent().unwrap();
        for target in local_link_targets(&text) {
            if !dir.join(&target).exists() {
                broken.push(format!("docs/src/{chapter}: {target}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to files that do not exist: {broken:?}"
    );
}

#[test]
fn readme_is_short_and_its_links_lead_somewhere() {
    let path = repo().join("README.md");
    let size = fs::metadata(&path).unwrap().len();
    assert!(
        size < README_LIMIT_BYTES,
        "README.md is {size} bytes; keep it under {README_LIMIT_BYTES} and move the \
         detail into a chapter of the book (docs/src/)"
    );
    let text = fs::read_to_string(&path).unwrap();
    let broken: Vec<String> = local_link_targets(&text)
        .into_iter()
        .filter(|target| !repo().join(target).exists())
        .collect();
    assert!(
        broken.is_empty(),
        "README.md links files that do not exist: {broken:?}"
    );
}

#[test]
fn link_targets_are_read_as_mdbook_and_github_do() {
    let text = "- [A](a.md)\n[B](dir/b.md#part) [web](https://x.example/y.md) [top](#top)";
    assert_eq!(local_link_targets(text), ["a.md", "dir/b.md"]);
}
