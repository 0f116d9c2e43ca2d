//! Where things are in front matter: the line of a key, of a list item's
//! field, of a value. The one answer to "which line is this on", read from
//! the YAML parser's events (saphyr-parser reports where each event starts),
//! never guessed by searching the text: a key inside a block scalar, a value
//! that also appears in a comment, or a flow list over several lines are all
//! placed where the parser sees them.
//!
//! Only asked for when an error is reported, so it costs nothing on a
//! build that succeeds.

use saphyr_parser::{Event, Parser};

/// One step of a path into the YAML: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Every node of a YAML text with its path and its 1-based line (in the
/// YAML text), in document order. For a mapping entry, the path ends with
/// the key and the line is the key's.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
struct Node {
    path: Vec<Step>,
    line: usize,
    /// The text of a scalar value (not of a key).
    scalar: Option<String>,
}

/// An open collection while the events are walked.
enum Open {
    Seq {
        next: usize,
    },
    /// `key`: the key just read, waiting for its value.
    Map {
        key: Option<String>,
    },
}

/// Lines as people and `str::lines` count them: YAML also breaks a line at
/// a lone `\r`, so the parser's own line numbers can run past the file's.
pub struct Lines(Vec<usize>);

impl Lines {
    pub fn of(text: &str) -> Lines {
        Lines(
            text.chars()
                .enumerate()
                .filter(|&(_, c)| c == '\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The 1-based line of the character at `index` (a parser marker's index).
    pub fn line(&self, index: usize) -> usize {
        self.0.partition_point(|&n| n < index) + 1
    }
}

impl Positions {
    /// Reads `yaml`; a syntax error ends the walk, keeping what came before.
    pub fn of(yaml: &str) -> Positions {
        let lines = Lines::of(yaml);
        let mut nodes = Vec::new();
        let mut open: Vec<Open> = Vec::new();
        let mut path: Vec<Step> = Vec::new();
        for event in Parser::new_from_str(yaml) {
            let Ok((event, span)) = event else { break };
            let line = lines.line(span.start.index());
            // A key scalar names the entry; anything else is a node, whose
            // path is set by what holds it.
            if let (Event::Scalar(text, ..), Some(Open::Map { key: k @ None })) =
                (&event, open.last_mut())
            {
                *k = Some(text.to_string());
                let mut p = path.clone();
                p.push(Step::Key(text.to_string()));
                nodes.push(Node {
                    path: p,
                    line,
                    scalar: None,
                });
                continue;
            }
            let is_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
                    | Event::Alias(_)
            );
            if is_node {
                // The step from the holder to this node.
                let step = match open.last_mut() {
                    Some(Open::Seq { next }) => {
                        *next += 1;
                        Some(Step::Index(*next - 1))
                    }
                    Some(Open::Map { key }) => key.take().map(Step::Key),
                    None => None,
                };
                let mut p = path.clone();
                p.extend(step.clone());
                match event {
                    Event::Scalar(text, ..) => nodes.push(Node {
                        path: p,
                        line,
                        scalar: Some(text.to_string()),
                    }),
                    Event::SequenceStart(..) | Event::MappingStart(..) => {
                        if matches!(step, Some(Step::Index(_))) {
                            nodes.push(Node {
                                path: p,
                                line,
                                scalar: None,
                            });
                        }
                        path.extend(step);
                        open.push(if matches!(event, Event::SequenceStart(..)) {
                            Open::Seq { next: 0 }
                        } else {
                            Open::Map { key: None }
                        });
                    }
                    _ => {}
                }
                continue;
            }
            if matches!(event, Event::SequenceEnd | Event::MappingEnd) {
                open.pop();
                // The root collection has no step to take back.
                if !open.is_empty() {
                    path.pop();
                }
            }
        }
        Positions { nodes }
    }

    /// The line of the node at `path` (of its key, for a mapping entry).
    pub fn line(&self, path: &[Step]) -> Option<usize> {
        self.nodes.iter().find(|n| n.path == path).map(|n| n.line)
    }

    /// The line of the first scalar equal to `value` at or under `path`.
    pub fn value_line(&self, path: &[Step], value: &str) -> Option<usize> {
        self.nodes
            .iter()
            .find(|n| n.path.starts_with(path) && n.scalar.as_deref() == Some(value))
            .map(|n| n.line)
    }
}

/// A path of keys, for short calls: `keys(&["updates"])`.
pub fn key(name: &str) -> Step {
    Step::Key(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_items_and_values_are_where_the_parser_reads_them() {
        let yaml = "title: A\nsummary: |\n  affected: not a key\naffected:\n  # websit in a comment\n  - website\n  - api\nupdates:\n- at: 1\n  status: a\n- status: b\n  at: 2\nletter: x\n";
        let p = Positions::of(yaml);
        assert_eq!(p.line(&[key("title")]), Some(1));
        assert_eq!(p.line(&[key("affected")]), Some(4));
        assert_eq!(p.value_line(&[key("affected")], "api"), Some(7));
        assert_eq!(p.value_line(&[key("affected")], "website"), Some(6));
        assert_eq!(p.line(&[key("updates"), Step::Index(1)]), Some(11));
        assert_eq!(
            p.line(&[key("updates"), Step::Index(1), key("at")]),
            Some(12)
        );
        assert_eq!(
            p.line(&[key("updates"), Step::Index(0), key("status")]),
            Some(10)
        );
        assert_eq!(p.line(&[key("letter")]), Some(13));
        assert_eq!(p.line(&[key("nope")]), None);
    }

    #[test]
    fn a_lone_carriage_return_is_no_line_of_the_file() {
        // The fuzz target's find: YAML breaks lines at `\r`, editors and
        // `str::lines` do not, and error lines must name the file's lines.
        let p = Positions::of("a: 1\rb: 2\nc: 3\n");
        assert_eq!(p.line(&[key("b")]), Some(1));
        assert_eq!(p.line(&[key("c")]), Some(2));
    }

    #[test]
    fn flow_collections_over_lines_and_broken_yaml() {
        let p = Positions::of("affected: [a,\n  b]\nupdates: [{at: 1}, {at: 2,\n status: x}]\n");
        assert_eq!(p.value_line(&[key("affected")], "b"), Some(2));
        assert_eq!(
            p.line(&[key("updates"), Step::Index(1), key("status")]),
            Some(4)
        );
        let p = Positions::of("title: A\nbad: 'unclosed\n");
        assert_eq!(p.line(&[key("title")]), Some(1));
    }
}
