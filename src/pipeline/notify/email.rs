//! E-mail: multipart text + HTML, subject `[<site>] <title>: <Status>`,
//! threaded per incident with Message-ID / In-Reply-To / References.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::vocab::error::Error;

use super::events::EventKind;
use super::message::Message;

/// HTML-escapes text from notes for the HTML part.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn subject(m: &Message) -> String {
    format!("[{}] {}", m.site_title, m.headline())
}

/// `<event-id-with-dots@host>`: the same event always gets the same id, so
/// a resend after a failure is recognisably the same mail.
fn message_id(local: &str, host: &str) -> String {
    let local: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-.".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<{local}@{host}>")
}

/// The host of the site's URL, for Message-IDs.
fn host(site_url: &str) -> &str {
    let rest = site_url.split_once("://").map_or(site_url, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() {
        "upfront.invalid"
    } else {
        host
    }
}

pub fn text_part(m: &Message) -> String {
    let mut out = format!("{}\n{}\n", m.headline(), m.facts_line());
    if let Some(a) = m.affected() {
        out.push_str(&format!("Affects: {a}\n"));
    }
    let text = m.text();
    if !text.is_empty() {
        out.push('\n');
        out.push_str(text);
        out.push('\n');
    }
    out.push_str(&format!(
        "\n{}\n\n-- \n{}\n{}\n",
        m.url, m.site_title, m.site_url
    ));
    out
}

pub fn html_part(m: &Message) -> String {
    let body = match (&m.update, &m.letter) {
        // The update's HTML is the Markdown rendered as the pages render it
        // (notes are written by staff; SECURITY.md).
        (Some(u), _) => u.html.clone(),
        (None, Some(l)) => format!("<p>{}</p>", escape(&l.excerpt)),
        (None, None) => String::new(),
    };
    let affected = m
        .affected()
        .map(|a| {
            format!(
                "<p style=\"margin:0;color:#57606a\">Affects: {}</p>",
                escape(&a)
            )
        })
        .unwrap_or_default();
    let link = if m.letter.is_some() {
        "Read the letter"
    } else {
        "View the incident"
    };
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328\">\
         <p style=\"margin:0;color:#57606a\">{site}</p>\
         <h1 style=\"font-size:1.3em;margin:.2em 0\"><a href=\"{url}\">{title}</a></h1>\
         <p style=\"margin:0\"><strong>{facts}</strong></p>{affected}\
         <div>{body}</div>\
         <p><a href=\"{url}\">{link}</a></p>\
         <hr><p style=\"color:#57606a;font-size:.9em\"><a href=\"{site_url}\">{site}</a></p>\
         </body></html>\n",
        subject = escape(&subject(m)),
        site = escape(&m.site_title),
        url = escape(&m.url),
        title = escape(&m.title),
        facts = escape(&m.facts_line()),
        site_url = escape(&m.site_url),
    )
}

/// The whole mail, ready for SMTP.
pub fn build(m: &Message, from: &str, to: &[String]) -> Result<lettre::Message, Error> {
    let parse = |a: &str, key: &str| {
        a.parse::<Mailbox>()
            .map_err(|e| Error::new(format!("`{key}` address `{a}` is not usable: {e}")))
    };
    let host = host(&m.site_url);
    let root = message_id(&m.thread_root, host);
    let own = match m.kind {
        // The first mail of an incident is the root of its thread.
        EventKind::Created | EventKind::Scheduled | EventKind::Letter => root.clone(),
        EventKind::Updated | EventKind::Resolved => message_id(&m.event_id.replace('/', "."), host),
    };
    let mut builder = lettre::Message::builder()
        .from(parse(from, "from")?)
        .subject(subject(m))
        .message_id(Some(own.clone()));
    for a in to {
        builder = builder.to(parse(a, "to")?);
    }
    if own != root {
        builder = builder.in_reply_to(root.clone()).references(root);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text_part(m)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html_part(m)),
                ),
        )
        .map_err(|e| Error::new(format!("cannot build the e-mail: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_hosts() {
        assert_eq!(host("https://status.x.test:8443/sub/"), "status.x.test");
        assert_eq!(
            message_id("incident.db/update-20080812T060000Z", "s.test"),
            "<incident.db.update-20080812T060000Z@s.test>"
        );
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}
