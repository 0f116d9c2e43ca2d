//! Bounds on what front matter may make the parser do (SPEC §8): how deep
//! collections nest, and how much text aliases may repeat. Checked in one
//! linear pass over the YAML events (saphyr-parser, which reports where each
//! event is) before serde_yaml builds anything, so a bomb is an error naming
//! its line within milliseconds, never gigabytes or a minute-long parse.
//!
//! libyaml (under serde_yaml) takes time quadratic in the nesting depth, and
//! serde_yaml expands every alias into a copy: a 221 KB note that repeats
//! one large message through aliases became 1.2 GB of output. Notes need
//! neither: a note nests 3 levels deep and repeats nothing.

use super::positions::Lines;
use saphyr_parser::{Event, Parser, Span};

/// Collections inside collections, at most. A note needs 3
/// (`updates:` → an entry → its keys).
pub const MAX_DEPTH: usize = 64;

const DEPTH_HINT: &str = "a note needs 3 levels; remove the extra brackets or indentation";

/// Bytes of text (plus one per node) that aliases may add to the front
/// matter in all, beyond what is written once.
pub const MAX_ALIAS_EXPANSION: usize = 64 * 1024;

/// A limit that the YAML passes, with where (1-based line and column in the
/// YAML) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: &'static str,
}

/// Checks `yaml` against the limits. A syntax error is not this check's to
/// report (serde_yaml reports it, with its own words): it stops here quietly
/// once the limits held up to that point.
pub fn check(yaml: &str) -> Result<(), Exceeded> {
    // Size of each anchored node by anchor id, once the node is complete.
    let mut anchors: Vec<usize> = Vec::new();
    // Open collections: (anchor id, size so far).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut expanded = 0usize;
    for event in Parser::new_from_str(yaml) {
        let (event, span) = match event {
            Ok(e) => e,
            // The scanner looks ahead past a run of openings, and stops at
            // 256 levels: that is this limit, reached early.
            Err(e) if e.info().contains("recursion limit") => {
                let m = e.marker();
                return Err(Exceeded {
                    line: Lines::of(yaml).line(m.index()),
                    column: m.col() + 1,
                    message: format!(
                        "the front matter nests more than {MAX_DEPTH} collections deep"
                    ),
                    hint: DEPTH_HINT,
                });
            }
            Err(_) => return Ok(()),
        };
        let size = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 1));
                if open.len() > MAX_DEPTH {
                    return Err(exceeded(
                        yaml,
                        &span,
                        format!("the front matter nests more than {MAX_DEPTH} collections deep"),
                        DEPTH_HINT,
                    ));
                }
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((anchor, size)) = open.pop() else {
                    continue;
                };
                remember(&mut anchors, anchor, size);
                size
            }
            Event::Scalar(text, _, anchor, _) => {
                let size = text.len() + 1;
                remember(&mut anchors, anchor, size);
                size
            }
            Event::Alias(anchor) => {
                let size = anchors.get(anchor).copied().unwrap_or(1);
                expanded = expanded.saturating_add(size);
                if expanded > MAX_ALIAS_EXPANSION {
                    return Err(exceeded(
                        yaml,
                        &span,
                        format!(
                            "aliases here repeat more than {} KiB of text",
                            MAX_ALIAS_EXPANSION / 1024
                        ),
                        "write the text once; upfront limits what YAML aliases may repeat",
                    ));
                }
                size
            }
            _ => continue,
        };
        if let Some((_, parent)) = open.last_mut() {
            *parent = parent.saturating_add(size);
        }
    }
    Ok(())
}

fn remember(anchors: &mut Vec<usize>, anchor: usize, size: usize) {
    // Anchor id 0 means "no anchor".
    if anchor == 0 {
        return;
    }
    if anchors.len() <= anchor {
        anchors.resize(anchor + 1, 1);
    }
    anchors[anchor] = size;
}

fn exceeded(yaml: &str, span: &Span, message: String, hint: &'static str) -> Exceeded {
    Exceeded {
        line: Lines::of(yaml).line(span.start.index()),
        column: span.start.col() + 1,
        message,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn quick(yaml: &str) -> Result<(), Exceeded> {
        let start = Instant::now();
        let r = check(yaml);
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "took {:?}",
            start.elapsed()
        );
        r
    }

    #[test]
    fn notes_pass() {
        let note = "title: A\naffected: [a, b]\nupdates:\n  - at: x\n    status: y\n    message: &m hi\n  - message: *m\n";
        assert_eq!(quick(note), Ok(()));
        assert_eq!(quick("a: [[[[1]]]]\n"), Ok(()));
        // A syntax error is serde_yaml's to report.
        assert_eq!(quick("a: 'unclosed\n"), Ok(()));
    }

    #[test]
    fn deep_flow_and_block_nesting_is_refused_at_once() {
        for yaml in [
            format!("a: {}", "[".repeat(160_000)),
            format!("a: {}", "{a: ".repeat(40_000)),
            format!("a:\n{}", "- ".repeat(80_000)),
            format!(
                "a: {}1{}\n",
                "[".repeat(MAX_DEPTH + 1),
                "]".repeat(MAX_DEPTH + 1)
            ),
        ] {
            let e = quick(&yaml).expect_err(&yaml[..yaml.len().min(12)]);
            assert!(e.message.contains("deep"), "{e:?}");
            assert_eq!(e.line, if yaml.starts_with("a:\n") { 2 } else { 1 });
        }
        let ok = format!(
            "a: {}1{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(quick(&ok), Ok(()));
    }

    #[test]
    fn aliases_that_repeat_much_text_are_refused() {
        // One large message repeated: the 221 KB note of issue 14, smaller.
        let big = "x".repeat(20_000);
        let mut yaml = format!("a: &m {big}\nb:\n");
        for _ in 0..4 {
            yaml.push_str("  - *m\n");
        }
        let e = quick(&yaml).unwrap_err();
        assert!(e.message.contains("aliases"), "{e:?}");
        assert_eq!(e.line, 6);
        // A billion laughs: nested anchors.
        let mut laughs = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            laughs.push_str(&format!(
                "b{i}: &b{i} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
        }
        assert!(quick(&laughs).is_err());
        // Small repeats are fine.
        let mut few = format!("a: &m {}\nb:\n", "y".repeat(1000));
        for _ in 0..10 {
            few.push_str("  - *m\n");
        }
        assert_eq!(quick(&few), Ok(()));
    }
}
