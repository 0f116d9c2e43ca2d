//! Microsoft Teams through a Workflows (Power Automate) webhook: a message
//! holding one Adaptive Card.

use serde_json::{json, Value};

use super::message::Message;

/// Adaptive Cards read a little Markdown in a TextBlock (`**`, `_`,
/// `[..](..)`): text from notes is escaped so a title like `a_b_c` or
/// `[x](y)` shows as written. HTML is never interpreted, so `<`, `>`, `&`
/// need nothing.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The card's colour word for a severity (Teams has no free colours).
fn colour(m: &Message) -> &'static str {
    use crate::vocab::choice::Severity::*;
    match m.incident.as_ref().map(|i| i.severity) {
        Some(Critical | Major) => "Attention",
        Some(Minor) => "Warning",
        Some(Maintenance) => "Accent",
        None => "Default",
    }
}

pub fn body(m: &Message) -> Value {
    let mut facts = Vec::new();
    if let Some(s) = m.severity_word() {
        facts.push(json!({"title": "Severity", "value": s}));
    }
    facts.push(json!({"title": "Status", "value": m.status_word()}));
    if let Some(a) = m.affected() {
        facts.push(json!({"title": "Affects", "value": escape(&a)}));
    }
    facts.push(json!({"title": "When", "value": m.at_display}));
    let mut body = vec![
        json!({"type": "TextBlock", "text": escape(&m.site_title), "size": "Small", "isSubtle": true, "wrap": true}),
        json!({"type": "TextBlock", "text": escape(&m.title), "size": "Large", "weight": "Bolder", "color": colour(m), "wrap": true}),
        json!({"type": "FactSet", "facts": facts}),
    ];
    let text = m.text();
    if !text.is_empty() {
        body.push(json!({"type": "TextBlock", "text": escape(text), "wrap": true}));
    }
    let link = if m.letter.is_some() {
        "Read the letter"
    } else {
        "View incident"
    };
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
                "actions": [{"type": "Action.OpenUrl", "title": link, "url": m.url}],
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_characters_are_escaped() {
        assert_eq!(
            super::escape("a_b *c* [x](y) <&>"),
            "a\\_b \\*c\\* \\[x\\](y) <&>"
        );
    }
}
