//! One event, told: the facts every channel shows (SPEC §11: the site, the
//! title, severity, status, the update's text, a link), gathered once so the
//! formats only lay them out and escape them.

use crate::site::model::Site;
use crate::source::markdown;
use crate::vocab::choice::{Choice, Severity, Status};
use crate::vocab::times::Time;
use crate::vocab::times::{utc, TimeView};

use super::events::{Event, EventKind, Subject};

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub event_id: String,
    /// `incident.created`, `incident.updated`, … (the webhook's `event`).
    pub event: &'static str,
    pub kind: EventKind,
    pub site_title: String,
    pub site_url: String,
    /// The incident's or the letter's title: plain text, never markup.
    pub title: String,
    /// The incident page (at the update's anchor) or the letter page.
    pub url: String,
    pub at: Time,
    /// `at` in the site's timezone, as the pages show it.
    pub at_display: String,
    pub incident: Option<IncidentFacts>,
    pub update: Option<UpdateText>,
    pub letter: Option<LetterFacts>,
    /// Groups one incident's mails into a thread: the Message-ID of its first.
    pub thread_root: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFacts {
    pub slug: String,
    pub severity: Severity,
    /// Its status now, at the build.
    pub current: Status,
    pub url: String,
    pub affected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpdateText {
    pub id: String,
    pub status: Status,
    pub at: Time,
    pub markdown: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetterFacts {
    pub slug: String,
    pub author: String,
    pub role: Option<String>,
    pub excerpt: String,
}

impl Message {
    pub fn new(site: &Site, event: &Event) -> Message {
        let config = &site.config;
        let base = Message {
            event_id: event.id.clone(),
            event: event.name(site),
            kind: event.kind,
            site_title: config.title.clone(),
            site_url: config.absolute("/"),
            title: String::new(),
            url: String::new(),
            at: event.at,
            at_display: TimeView::new(event.at, config.timezone).display,
            incident: None,
            update: None,
            letter: None,
            thread_root: String::new(),
        };
        match event.subject {
            Subject::Incident { index, update } => {
                let entry = &site.incidents[index];
                let i = &entry.incident;
                let page = config.absolute(&format!("/incidents/{}/", i.slug));
                let update = update.map(|n| {
                    let u = &i.updates[n];
                    UpdateText {
                        id: i.update_ids().swap_remove(n),
                        status: u.status,
                        at: u.at,
                        markdown: u.message.clone(),
                        text: markdown::to_text(&u.message),
                        html: u.message_html.clone(),
                    }
                });
                Message {
                    title: i.title.clone(),
                    url: match (&update, event.kind) {
                        (Some(u), EventKind::Updated | EventKind::Resolved) => {
                            format!("{page}#{}", u.id)
                        }
                        _ => page.clone(),
                    },
                    incident: Some(IncidentFacts {
                        slug: i.slug.clone(),
                        severity: i.severity,
                        current: entry.facts.current,
                        url: page,
                        affected: i
                            .affected
                            .iter()
                            .map(|r| {
                                site.component(&r.name)
                                    .map_or(r.name.clone(), |c| c.name.clone())
                            })
                            .collect(),
                    }),
                    update,
                    thread_root: format!("incident.{}", i.slug),
                    ..base
                }
            }
            Subject::Letter { index } => {
                let l = &site.letters[index];
                Message {
                    title: l.title.clone(),
                    url: config.absolute(&format!("/letters/{}/", l.slug)),
                    letter: Some(LetterFacts {
                        slug: l.slug.clone(),
                        author: l.author.clone(),
                        role: l.role.clone(),
                        excerpt: l.excerpt.clone(),
                    }),
                    thread_root: format!("letter.{}", l.slug),
                    ..base
                }
            }
        }
    }

    /// The status this message announces: the update's, else what a
    /// note with no updates is (investigating, or scheduled).
    pub fn status(&self) -> Option<Status> {
        match (&self.update, &self.incident) {
            (Some(u), _) => Some(u.status),
            (None, Some(i)) if i.severity == Severity::Maintenance => Some(Status::Scheduled),
            (None, Some(_)) => Some(Status::Investigating),
            (None, None) => None,
        }
    }

    /// "Identified", "Resolved", … ("Open letter" for a letter).
    pub fn status_word(&self) -> &'static str {
        self.status().map_or("Open letter", Status::label)
    }

    pub fn severity_word(&self) -> Option<&'static str> {
        self.incident.as_ref().map(|i| i.severity.label())
    }

    /// The one line that heads every message and is the e-mail subject
    /// after the site: `<title>: <Status>`.
    pub fn headline(&self) -> String {
        format!("{}: {}", self.title, self.status_word())
    }

    /// The body as plain text: the update's text, or a letter's excerpt.
    pub fn text(&self) -> &str {
        match (&self.update, &self.letter) {
            (Some(u), _) => &u.text,
            (None, Some(l)) => &l.excerpt,
            (None, None) => "",
        }
    }

    /// "Critical · Identified · 12 Aug 2008 22:10 UTC" and the like.
    pub fn facts_line(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = self.severity_word() {
            parts.push(s.to_string());
        }
        parts.push(self.status_word().to_string());
        if let Some(l) = &self.letter {
            parts.push(match &l.role {
                Some(role) => format!("{}, {role}", l.author),
                None => l.author.clone(),
            });
        }
        parts.push(self.at_display.clone());
        parts.join(" · ")
    }

    /// Affected components, by name ("API, Web").
    pub fn affected(&self) -> Option<String> {
        self.incident
            .as_ref()
            .filter(|i| !i.affected.is_empty())
            .map(|i| i.affected.join(", "))
    }

    /// The severity's name as status.json writes it.
    pub fn severity_name(&self) -> Option<&'static str> {
        self.incident.as_ref().map(|i| i.severity.name())
    }

    pub fn at_utc(&self) -> String {
        utc(self.at)
    }
}

/// A colour per severity (and grey for a letter): red for critical,
/// orange for major, amber for minor, blue for maintenance, as status
/// pages colour them.
pub fn colour(severity: Option<Severity>) -> u32 {
    match severity {
        Some(Severity::Critical) => 0xd1242f,
        Some(Severity::Major) => 0xe16f24,
        Some(Severity::Minor) => 0xd4a72c,
        Some(Severity::Maintenance) => 0x0969da,
        None => 0x6e7781,
    }
}
