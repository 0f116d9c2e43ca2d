//! Slack incoming webhook: Block Kit inside an attachment, so the severity
//! shows as the attachment's colour bar and as a word.

use serde_json::{json, Value};

use super::message::{colour, Message};

/// Slack's mrkdwn gives `&`, `<` and `>` meaning (entities, links,
/// mentions such as `<!channel>`): text from notes goes in as entities.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack's limit for a section's text is 3000 characters.
const SECTION_MAX: usize = 3000;

pub fn body(m: &Message) -> Value {
    let colour = format!("#{:06x}", colour(m.incident.as_ref().map(|i| i.severity)));
    let title = format!("*<{}|{}>*", m.url, escape(&m.title));
    let mut facts = vec![format!("*{}*", escape(m.status_word()))];
    if let Some(s) = m.severity_word() {
        facts.insert(0, format!("*{s}* severity"));
    }
    if let Some(a) = m.affected() {
        facts.push(format!("Affects: {}", escape(&a)));
    }
    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": title}}),
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": facts.join("  ·  ")}]}),
    ];
    let text = m.text();
    if !text.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(&escape(text), SECTION_MAX)}
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": format!("<{}|{}>  ·  {}", m.site_url, escape(&m.site_title), escape(&m.at_display))}]
    }));
    json!({
        // The notification and screen-reader text; `&<>` escaped here too.
        "text": escape(&format!("[{}] {}", m.site_title, m.headline())),
        "attachments": [{"color": colour, "blocks": blocks}],
        "unfurl_links": false,
    })
}

/// At most `max` characters, ending in an ellipsis when cut, never inside
/// an entity.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    if let Some(amp) = out.rfind('&') {
        if !out[amp..].contains(';') {
            out.truncate(amp);
        }
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_three_characters_slack_reads() {
        assert_eq!(
            escape("<!channel> A & B > C"),
            "&lt;!channel&gt; A &amp; B &gt; C"
        );
    }

    #[test]
    fn cut_never_splits_an_entity() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("ab &amp; cd", 6), "ab …");
        assert_eq!(cut("abcdefgh", 4), "abc…");
    }
}
