//! The one place that configures pulldown-cmark.
//!
//! Raw HTML in Markdown passes through: content is written by trusted staff
//! (see SECURITY.md). Headings get stable `id` anchors and are shifted so
//! the top-most level a body uses becomes `<h2>`: every page already has its
//! `<h1>` (the title), and headings must go down one level at a time for
//! screen readers (axe `heading-order`). Writers may start sections at `#`
//! or `##`; both render as `<h2>`, and deeper levels keep their depth.

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

/// Gives each heading an id from its text (unless it has one) and shifts it
/// so the body's top-most heading level becomes h2 (clamped at h6).
fn anchor_headings(events: &mut [Event]) {
    let shift = 2 - top_level(events) as i32;
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[i] {
            let text = heading_text(&events[i + 1..]);
            if let Event::Start(Tag::Heading { level, id, .. }) = &mut events[i] {
                *level = shifted(*level, shift);
                if id.is_none() {
                    *id = Some(CowStr::from(unique_anchor(&text, &mut used)));
                }
            }
        }
        if let Event::End(TagEnd::Heading(level)) = &mut events[i] {
            *level = shifted(*level, shift);
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

/// The smallest heading level number in the body (2 when it has none, so
/// the shift is then zero).
fn top_level(events: &[Event]) -> usize {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(2)
}

fn shifted(level: HeadingLevel, shift: i32) -> HeadingLevel {
    match (level as i32 + shift).clamp(2, 6) {
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
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
    fn the_top_most_heading_level_becomes_h2() {
        let h = to_html("## Impact\n\n### Hosts\n\n## Fix\n");
        assert!(h.contains("<h2 id=\"impact\">Impact</h2>"), "{h}");
        assert!(h.contains("<h3 id=\"hosts\">Hosts</h3>"), "{h}");
        assert!(h.contains("<h2 id=\"fix\">Fix</h2>"), "{h}");
        let deep = to_html("#### Only\n\n###### Deepest\n");
        assert!(deep.contains("<h2 id=\"only\">"), "{deep}");
        assert!(deep.contains("<h4 id=\"deepest\">"), "{deep}");
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
