//! The one place that configures pulldown-cmark.
//!
//! Raw HTML in Markdown passes through: content is written by trusted staff
//! (see SECURITY.md). Headings get stable `id` anchors and are moved so the
//! body's top heading level becomes `<h2>`: every page already has its
//! `<h1>` (the title), headings must stay in order for screen readers, and
//! authors write both `#` and `##` for a first section.

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::vocab::slug::slugify;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Markdown to HTML.
pub fn to_html(markdown: &str) -> String {
    crate::vocab::clock::MARKDOWN.time(|| render_html(markdown))
}

fn render_html(markdown: &str) -> String {
    let mut events: Vec<Event> = Parser::new_ext(markdown, options()).collect();
    anchor_headings(&mut events);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

/// The plain text of the first paragraph, whitespace collapsed, cut at a
/// word to at most `max` characters (then an ellipsis): what a link preview or a search
/// result shows of a letter.
pub fn excerpt(markdown: &str, max: usize) -> String {
    let mut text = String::new();
    let mut inside = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) => break,
            Event::Text(t) | Event::Code(t) if inside => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => text.push(' '),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        let len = out.chars().count() + word.chars().count() + 1;
        if len > max {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Gives each heading an id from its text (unless it has one) and moves
/// every heading by the same amount so the top one is an `<h2>` (capped at
/// `<h6>`), keeping the body's own nesting.
fn anchor_headings(events: &mut [Event]) {
    let top = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as i32),
            _ => None,
        })
        .min();
    let Some(top) = top else { return };
    let shift = 2 - top;
    let mut used: HashMap<String, usize> = HashMap::new();
    for i in 0..events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[i] {
            let text = heading_text(&events[i + 1..]);
            if let Event::Start(Tag::Heading { level, id, .. }) = &mut events[i] {
                *level = moved(*level, shift);
                if id.is_none() {
                    *id = Some(CowStr::from(unique_anchor(&text, &mut used)));
                }
            }
        }
        if let Event::End(TagEnd::Heading(level)) = &mut events[i] {
            *level = moved(*level, shift);
        }
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

fn moved(level: HeadingLevel, shift: i32) -> HeadingLevel {
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
    fn the_top_heading_becomes_h2_whatever_level_it_was_written_at() {
        let h = to_html("## Impact\n\n### Hosts\n\n## Fix\n");
        assert!(h.contains("<h2 id=\"impact\">Impact</h2>"), "{h}");
        assert!(h.contains("<h3 id=\"hosts\">Hosts</h3>"), "{h}");
        assert!(h.contains("<h2 id=\"fix\">Fix</h2>"), "{h}");
        let deep = to_html("#### Only\n\n###### Deeper\n");
        assert!(deep.contains("<h2 id=\"only\">Only</h2>"), "{deep}");
        assert!(deep.contains("<h4 id=\"deeper\">Deeper</h4>"), "{deep}");
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

    #[test]
    fn excerpt_is_the_first_paragraph_cut_at_a_word() {
        let md = "# Title\n\nWe *broke* the `license` check,\nand we are sorry.\n\nSecond.";
        assert_eq!(
            excerpt(md, 200),
            "We broke the license check, and we are sorry."
        );
        assert_eq!(excerpt(md, 20), "We broke the license…");
        assert_eq!(excerpt(md, 19), "We broke the…");
        assert_eq!(excerpt("", 20), "");
        assert_eq!(excerpt("Zürich überall ünd", 15), "Zürich überall…");
    }
}
