//! Discord webhook: one embed, coloured by severity, with severity and
//! status as fields.

use serde_json::{json, Value};

use super::message::{colour, Message};

/// Discord's limit for an embed description.
const DESCRIPTION_MAX: usize = 4096;
const TITLE_MAX: usize = 256;

pub fn body(m: &Message) -> Value {
    let mut fields = Vec::new();
    if let Some(s) = m.severity_word() {
        fields.push(json!({"name": "Severity", "value": s, "inline": true}));
    }
    fields.push(json!({"name": "Status", "value": m.status_word(), "inline": true}));
    if let Some(a) = m.affected() {
        fields.push(json!({"name": "Affects", "value": truncate(&a, 1024), "inline": true}));
    }
    // Discord renders Markdown but no HTML, so the note's Markdown goes in
    // as written; mentions are switched off below, so `@everyone` in a note
    // pings nobody. Titles are shown as plain text.
    let description = match (&m.update, &m.letter) {
        (Some(u), _) => u.markdown.trim().to_string(),
        (None, Some(l)) => l.excerpt.clone(),
        (None, None) => String::new(),
    };
    json!({
        "username": truncate(&m.site_title, 80),
        "allowed_mentions": {"parse": []},
        "embeds": [{
            "title": truncate(&m.headline(), TITLE_MAX),
            "url": m.url,
            "description": truncate(&description, DESCRIPTION_MAX),
            "color": colour(m.incident.as_ref().map(|i| i.severity)),
            "fields": fields,
            "timestamp": m.at_utc(),
            "footer": {"text": truncate(&m.site_title, 2048)},
        }]
    })
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}
