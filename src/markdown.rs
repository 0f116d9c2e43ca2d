//! The one place that configures pulldown-cmark.
//!
//! Raw HTML in Markdown passes through: content is written by trusted staff
//! (see SECURITY.md). Headings get stable `id` anchors and are shifted down
//! one level, because every page already has its `<h1>` (the title) and
//! headings must stay in order for screen readers.

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::slug::slugify;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Markdown to HTML.
pub fn to_html(markdown: &str) -> String {
    let mut events: Vec<Event> = Parser::new_ext(markdown, options()).collect();
    anchor_headings(&mut events);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

/// Gives each heading an id from its text (unless it has one) and moves it
/// one level down (h1 → h2 ... h6 stays h6).
fn anchor_headings(events: &mut [Event]) {
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[i] {
            let text = heading_text(&events[i + 1..]);
            if let Event::Start(Tag::Heading { level, id, .. }) = &mut events[i] {
                *level = lower(*level);
                if id.is_none() {
                    *id = Some(CowStr::from(unique_anchor(&text, &mut used)));
                }
            }
        }
        if let Event::End(TagEnd::Heading(level)) = &mut events[i] {
            *level = lower(*level);
        }
        i += 1;
    }
}

fn heading_text(events: &[Event]) -> String {
    let mut text = String::new();
    for e in events {
        match e {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

fn unique_anchor(text: &str, used: &mut HashMap<String, usize>) -> String {
    let mut base = slugify(text);
    if base.is_empty() {
        base = "section".into();
    }
    let n = used.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}-{}", *n - 1)
    }
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_anchors_and_move_down() {
        let h = to_html("# Root cause\n\n## Root cause\n\ntext");
        assert!(h.contains("<h2 id=\"root-cause\">Root cause</h2>"), "{h}");
        assert!(h.contains("<h3 id=\"root-cause-1\">Root cause</h3>"), "{h}");
    }

    #[test]
    fn tables_strikethrough_footnotes() {
        let h = to_html("|a|b|\n|-|-|\n|1|2|\n\n~~old~~ new[^1]\n\n[^1]: note\n");
        assert!(h.contains("<table>"), "{h}");
        assert!(h.contains("<del>old</del>"), "{h}");
        assert!(h.contains("footnote-definition"), "{h}");
    }

    #[test]
    fn explicit_ids_are_kept() {
        let h = to_html("## Impact {#impact-2008}\n");
        assert!(h.contains("id=\"impact-2008\""), "{h}");
    }
}
