//! Outputs that carry the news beyond the status site: `/notice.json` and
//! `/notice.js` (a banner any other site embeds with one script tag), status
//! badges, and `/maintenance.ics`. Each format has its own escaping here or
//! in its serializer; none is built by pasting text into markup.

use crate::publish::Output;
use crate::site::model::{ComponentStatus, Site};
use crate::vocab::choice::Choice;
use crate::vocab::routes;
use crate::vocab::times::{compact_utc, utc};

/// The embeddable notice script; small, dependency-free, and silent on any
/// failure so it can never break the page that hosts it.
pub const NOTICE_JS: &str = include_str!("../theme/notice.js");

/// The iCalendar file of maintenance windows.
pub const CALENDAR: &str = "maintenance.ics";

/// Every output of this module; the calendar only when `calendar` is set
/// (watch mode keeps it when no maintenance changed).
pub fn outputs(site: &Site, calendar: bool) -> Vec<Output> {
    let mut out = vec![
        Output {
            path: "notice.json".into(),
            bytes: notice_json(site),
        },
        Output {
            path: "notice.js".into(),
            bytes: NOTICE_JS.as_bytes().to_vec(),
        },
        Output {
            path: "badge.svg".into(),
            bytes: badge(&site.config.title, site.overall).into_bytes(),
        },
    ];
    if calendar {
        out.push(Output {
            path: CALENDAR.into(),
            bytes: self::calendar(site).into_bytes(),
        });
    }
    out.extend(site.components.iter().map(|c| Output {
        path: format!("components/{}/badge.svg", c.component.id),
        bytes: badge(&c.component.name, c.status).into_bytes(),
    }));
    out
}

#[derive(serde::Serialize)]
struct Notice<'a> {
    schema_version: u32,
    generated_at: String,
    build_id: &'a str,
    site: NoticeSite<'a>,
    incidents: Vec<NoticeIncident<'a>>,
}

#[derive(serde::Serialize)]
struct NoticeSite<'a> {
    title: &'a str,
    url: String,
}

#[derive(serde::Serialize)]
struct NoticeIncident<'a> {
    slug: &'a str,
    /// The id of the latest update: a dismissal lasts until the next update.
    update: String,
    title: &'a str,
    summary: Option<&'a str>,
    severity: &'static str,
    severity_label: &'a str,
    status: &'static str,
    status_label: &'a str,
    updated_at: Option<String>,
    url: String,
    letter: Option<NoticeLetter<'a>>,
    affected: Vec<&'a str>,
}

#[derive(serde::Serialize)]
struct NoticeLetter<'a> {
    title: &'a str,
    url: String,
}

/// The active incidents, most severe first, for `notice.js`.
pub fn notice_json(site: &Site) -> Vec<u8> {
    let abs = |p: String| site.config.absolute(&p);
    let incidents = site
        .active
        .iter()
        .map(|&i| {
            let e = &site.incidents[i];
            let inc = &e.incident;
            NoticeIncident {
                slug: &inc.slug,
                update: inc.update_ids().pop().unwrap_or_else(|| "none".into()),
                title: &inc.title,
                summary: inc.summary.as_deref(),
                severity: inc.severity.name(),
                severity_label: site.config.words.severity(inc.severity),
                status: e.facts.current.name(),
                status_label: site.config.words.status(e.facts.current),
                updated_at: e.facts.last_update.map(utc),
                url: abs(routes::incident(&inc.slug)),
                letter: site.letter_for(i).map(|l| NoticeLetter {
                    title: &l.title,
                    url: abs(routes::letter(&l.slug)),
                }),
                affected: inc.affected.iter().map(|r| r.name.as_str()).collect(),
            }
        })
        .collect();
    let notice = Notice {
        schema_version: 1,
        generated_at: utc(site.now),
        build_id: &site.build_id,
        site: NoticeSite {
            title: &site.config.title,
            url: abs("/".into()),
        },
        incidents,
    };
    let mut bytes = serde_json::to_vec_pretty(&notice).expect("notice.json is plain data");
    bytes.push(b'\n');
    bytes
}

/// A status badge: a label and the status in words (never colour alone), with
/// a `<title>` for screen readers; its own background keeps it readable on
/// light and dark pages.
pub fn badge(label: &str, status: ComponentStatus) -> String {
    let colour = match status {
        ComponentStatus::Operational => "#1a7f37",
        ComponentStatus::Degraded => "#8a5a00",
        ComponentStatus::PartialOutage => "#b0470c",
        ComponentStatus::MajorOutage => "#c4212b",
        ComponentStatus::Maintenance => "#0b62c4",
    };
    let message = status.label();
    // 7 px per character is a fair width for 11 px Verdana-like text.
    let lw = 12 + 7 * label.chars().count();
    let mw = 12 + 7 * message.chars().count();
    let w = lw + mw;
    let (label_x, msg_x) = (lw / 2, lw + mw / 2);
    let title = xml_escape(&format!("{label}: {message}"));
    let label = xml_escape(label);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\" role=\"img\" aria-label=\"{title}\">\
<title>{title}</title>\
<rect width=\"{lw}\" height=\"20\" fill=\"#3d3d3d\"/>\
<rect x=\"{lw}\" width=\"{mw}\" height=\"20\" fill=\"{colour}\"/>\
<g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\" text-anchor=\"middle\">\
<text x=\"{label_x}\" y=\"14\">{label}</text><text x=\"{msg_x}\" y=\"14\">{message}</text></g></svg>\n"
    )
}

/// Text for XML and SVG content and attribute values: the templates'
/// escape, with whitespace other than a space written as a reference, since
/// an XML parser reads a raw newline or tab in an attribute as a space.
pub fn xml_escape(s: &str) -> String {
    crate::source::templates::escape(s)
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

/// `/maintenance.ics`: every maintenance window as an event. UIDs and
/// DTSTAMP come from the note (slug, date), never from the build time, so
/// calendars see the same events on every rebuild.
pub fn calendar(site: &Site) -> String {
    let host = site
        .config
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or(&site.config.base_url)
        .split('/')
        .next()
        .unwrap_or("upfront");
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        format!("PRODID:-//upfront//{}//EN", ics_text(&site.config.title)),
        "CALSCALE:GREGORIAN".into(),
        format!(
            "X-WR-CALNAME:{}",
            ics_text(&format!("{} maintenance", site.config.title))
        ),
    ];
    for e in site.window_entries() {
        let i = &e.incident;
        let Some(w) = i.window else { continue };
        let url = site.config.absolute(&routes::incident(&i.slug));
        let cancelled = e.facts.resolved_at.is_some() && e.facts.resolved_at < Some(w.starts);
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@{}", i.slug, host),
            format!("DTSTAMP:{}", compact_utc(i.date)),
            format!("DTSTART:{}", compact_utc(w.starts)),
            format!("DTEND:{}", compact_utc(w.ends)),
            format!("SUMMARY:{}", ics_text(&i.title)),
            format!(
                "DESCRIPTION:{}",
                ics_text(&format!(
                    "{}{}",
                    i.summary
                        .as_deref()
                        .map(|s| format!("{s}\n"))
                        .unwrap_or_default(),
                    url
                ))
            ),
            format!("URL:{url}"),
            format!(
                "STATUS:{}",
                if cancelled { "CANCELLED" } else { "CONFIRMED" }
            ),
            "END:VEVENT".into(),
        ]);
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        out.push_str(&fold(&l));
        out.push_str("\r\n");
    }
    out
}

/// RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped.
pub fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // TEXT holds tabs; a carriage return and other controls it
            // cannot hold.
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a
/// UTF-8 character.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_between_characters() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for l in folded.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), line);
    }

    #[test]
    fn ics_text_escapes_its_specials() {
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(ics_text("tab\there\r\u{7}"), "tab\there");
    }

    #[test]
    fn badges_say_the_status_in_words_and_escape_labels() {
        let svg = badge("R&D <api>", ComponentStatus::PartialOutage);
        assert!(
            svg.contains("<title>R&amp;D &lt;api&gt;: Partial outage</title>"),
            "{svg}"
        );
        assert!(svg.contains(">Partial outage</text>"));
        let svg = badge("two\nlines", ComponentStatus::Operational);
        assert!(svg.contains("aria-label=\"two&#10;lines: "), "{svg}");
    }
}
