//! What there is to tell, as a pure function of the site and the record:
//! every event the site holds, and for one channel which of them to send,
//! which to mark as already seen, and which its component filter skips.

use std::collections::BTreeSet;

use crate::site::model::Site;
use crate::source::config::NotifyChannel;
use crate::vocab::choice::Severity;
use crate::vocab::times::Time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A new incident, with its first update when it has one.
    Created,
    /// A newly scheduled maintenance, with its first update when it has one.
    Scheduled,
    /// A later update that does not close the incident.
    Updated,
    /// The update that resolves an incident or completes a maintenance.
    Resolved,
    /// A new open letter.
    Letter,
}

/// What an event is about, as indices into the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// `update` indexes the incident's timeline (None: it has no updates).
    Incident {
        index: usize,
        update: Option<usize>,
    },
    Letter {
        index: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across builds: `incident/<slug>`, `incident/<slug>/<update
    /// anchor>` (the anchor the incident page and the feed use), `letter/<slug>`.
    pub id: String,
    pub kind: EventKind,
    /// When it became public, as far as the notes say.
    pub at: Time,
    pub subject: Subject,
}

impl Event {
    /// The webhook's `event` name.
    pub fn name(&self, site: &Site) -> &'static str {
        let maintenance = match self.subject {
            Subject::Incident { index, .. } => {
                site.incidents[index].incident.severity == Severity::Maintenance
            }
            Subject::Letter { .. } => false,
        };
        match (self.kind, maintenance) {
            (EventKind::Created, _) => "incident.created",
            (EventKind::Scheduled, _) => "maintenance.scheduled",
            (EventKind::Updated, false) => "incident.updated",
            (EventKind::Updated, true) => "maintenance.updated",
            (EventKind::Resolved, false) => "incident.resolved",
            (EventKind::Resolved, true) => "maintenance.completed",
            (EventKind::Letter, _) => "letter.published",
        }
    }
}

/// Every event of the site, oldest first (then by id, so the order is
/// stable). A new incident carries its first update: one message, as
/// Statuspage sends, not "created" and "investigating" apart.
pub fn all(site: &Site) -> Vec<Event> {
    let mut events = Vec::new();
    for (index, entry) in site.incidents.iter().enumerate() {
        let incident = &entry.incident;
        if incident.draft {
            continue;
        }
        let base = format!("incident/{}", incident.slug);
        let first_at = incident
            .updates
            .first()
            .map_or(incident.date, |u| u.at.max(incident.date));
        events.push(Event {
            id: base.clone(),
            kind: if incident.severity == Severity::Maintenance {
                EventKind::Scheduled
            } else {
                EventKind::Created
            },
            at: first_at,
            subject: Subject::Incident {
                index,
                update: (!incident.updates.is_empty()).then_some(0),
            },
        });
        let ids = incident.update_ids();
        for (n, (update, anchor)) in incident.updates.iter().zip(ids).enumerate().skip(1) {
            events.push(Event {
                id: format!("{base}/{anchor}"),
                kind: if update.status.is_final() {
                    EventKind::Resolved
                } else {
                    EventKind::Updated
                },
                at: update.at,
                subject: Subject::Incident {
                    index,
                    update: Some(n),
                },
            });
        }
    }
    for (index, letter) in site.letters.iter().enumerate() {
        if letter.draft {
            continue;
        }
        events.push(Event {
            id: format!("letter/{}", letter.slug),
            kind: EventKind::Letter,
            at: letter.date,
            subject: Subject::Letter { index },
        });
    }
    events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    events
}

/// Whether a channel's `components` let the event through. An incident
/// passes when it affects one of them; a letter when one of its incidents
/// does, or when it is about no incident (news for everyone).
pub fn wanted(site: &Site, channel: &NotifyChannel, event: &Event) -> bool {
    let touches = |index: usize| {
        let affected = &site.incidents[index].incident.affected;
        channel.takes(affected.iter().map(|r| r.name.as_str()))
    };
    match event.subject {
        Subject::Incident { index, .. } => touches(index),
        Subject::Letter { index } => {
            let about = site.incidents_for(index);
            about.is_empty() || about.iter().any(|&i| touches(i))
        }
    }
}

/// What one channel gets in one run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan<'a> {
    /// To send, oldest first.
    pub send: Vec<&'a Event>,
    /// To record without sending: already public when the channel's record
    /// began, or left out by its component filter.
    pub mark: Vec<&'a Event>,
}

/// The plan for one channel. `done` is the channel's record (None: it has
/// none yet); `baseline` is what the public had already seen when a
/// channel starts: every event at or before it is marked, never sent.
pub fn plan<'a>(
    site: &Site,
    events: &'a [Event],
    channel: &NotifyChannel,
    done: Option<&BTreeSet<String>>,
    baseline: Time,
) -> Plan<'a> {
    let mut plan = Plan::default();
    for event in events {
        if done.is_some_and(|d| d.contains(&event.id)) {
            continue;
        }
        let already_public = done.is_none() && event.at <= baseline;
        if already_public || !wanted(site, channel, event) {
            plan.mark.push(event);
        } else {
            plan.send.push(event);
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::config::{Config, NotifyChannel};
    use crate::source::content::Content;

    fn t(s: &str) -> Time {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// A site from notes written here, through the real parser.
    fn site(notes: &[(&str, &str)], channels: &str) -> (Site, TempSite) {
        let dir = TempSite::new();
        std::fs::write(
            dir.0.join("site.toml"),
            format!(
                "title = \"S\"\nbase_url = \"https://s.test\"\n\
                 [[components]]\nid = \"api\"\nname = \"API\"\n\
                 [[components]]\nid = \"web\"\nname = \"Web\"\n{channels}"
            ),
        )
        .unwrap();
        for (path, text) in notes {
            let p = dir.0.join("content").join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let config = Config::load(&dir.0).unwrap();
        let content = Content::load(&dir.0, &config, false).unwrap();
        (
            Site::new(config, content, t("2020-01-02T00:00:00Z"), 0),
            dir,
        )
    }

    struct TempSite(std::path::PathBuf);
    impl TempSite {
        fn new() -> TempSite {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let p = std::env::temp_dir().join(format!(
                "upfront-events-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempSite(p)
        }
    }
    impl Drop for TempSite {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const OUTAGE: &str = r#"---
title: Outage
date: 2020-01-01T10:00:00Z
severity: major
affected: [api]
updates:
  - at: 2020-01-01T10:05:00Z
    status: investigating
    message: Looking.
  - at: 2020-01-01T11:00:00Z
    status: identified
    message: Found.
  - at: 2020-01-01T11:00:00Z
    status: resolved
    message: Fixed.
---
"#;
    const WINDOW: &str = r#"---
title: Upgrade
date: 2020-01-01T09:00:00Z
severity: maintenance
affected: [web]
starts: 2020-01-05T00:00:00Z
ends: 2020-01-05T01:00:00Z
---
"#;
    const LETTER: &str = "---\ntitle: Sorry\ndate: 2020-01-01T12:00:00Z\nauthor: Jo\nincidents: [outage]\n---\nWe are sorry.\n";

    fn channel(components: Option<&[&str]>) -> NotifyChannel {
        NotifyChannel {
            target: crate::source::config::Target::Slack {
                url_env: "S".into(),
            },
            components: components.map(|c| c.iter().map(|s| s.to_string()).collect()),
            line: None,
        }
    }

    fn ids(events: &[&Event]) -> Vec<String> {
        events.iter().map(|e| e.id.clone()).collect()
    }

    #[test]
    fn events_are_stable_ordered_and_fold_the_first_update() {
        let (site, _d) = site(
            &[
                ("incidents/outage.md", OUTAGE),
                ("incidents/upgrade.md", WINDOW),
                ("letters/sorry.md", LETTER),
            ],
            "",
        );
        let events = all(&site);
        let got: Vec<(&str, EventKind, &str)> = events
            .iter()
            .map(|e| (e.id.as_str(), e.kind, e.name(&site)))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "incident/upgrade",
                    EventKind::Scheduled,
                    "maintenance.scheduled"
                ),
                ("incident/outage", EventKind::Created, "incident.created"),
                (
                    "incident/outage/update-20200101T110000Z",
                    EventKind::Updated,
                    "incident.updated"
                ),
                (
                    "incident/outage/update-20200101T110000Z-2",
                    EventKind::Resolved,
                    "incident.resolved"
                ),
                ("letter/sorry", EventKind::Letter, "letter.published"),
            ]
        );
        // The created event carries the first update and its time.
        assert_eq!(events[1].at, t("2020-01-01T10:05:00Z"));
        assert_eq!(
            events[1].subject,
            Subject::Incident {
                index: site.incident_index("outage").unwrap(),
                update: Some(0)
            }
        );
    }

    #[test]
    fn first_run_marks_what_the_baseline_saw_and_sends_the_rest() {
        let (site, _d) = site(
            &[
                ("incidents/outage.md", OUTAGE),
                ("letters/sorry.md", LETTER),
            ],
            "",
        );
        let events = all(&site);
        let c = channel(None);
        let p = plan(&site, &events, &c, None, t("2020-01-01T11:00:00Z"));
        assert_eq!(ids(&p.send), ["letter/sorry"]);
        assert_eq!(p.mark.len(), 3);
        // Nothing newer than the baseline: a first run sends nothing.
        let p = plan(&site, &events, &c, None, t("2020-01-02T00:00:00Z"));
        assert!(p.send.is_empty());
        assert_eq!(p.mark.len(), 4);
    }

    #[test]
    fn a_record_sends_exactly_what_it_lacks_whatever_the_dates() {
        let (site, _d) = site(&[("incidents/outage.md", OUTAGE)], "");
        let events = all(&site);
        let c = channel(None);
        let done: BTreeSet<String> = ["incident/outage".to_string()].into();
        // A baseline after everything does not hide an event missing from the record.
        let p = plan(&site, &events, &c, Some(&done), t("2030-01-01T00:00:00Z"));
        assert_eq!(
            ids(&p.send),
            [
                "incident/outage/update-20200101T110000Z",
                "incident/outage/update-20200101T110000Z-2"
            ]
        );
        assert!(p.mark.is_empty());
        let all_done: BTreeSet<String> = events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(
            plan(
                &site,
                &events,
                &c,
                Some(&all_done),
                t("2000-01-01T00:00:00Z")
            ),
            Plan::default()
        );
    }

    #[test]
    fn component_filter_skips_other_incidents_and_their_letters() {
        let (site, _d) = site(
            &[
                ("incidents/outage.md", OUTAGE),
                ("incidents/upgrade.md", WINDOW),
                ("letters/sorry.md", LETTER),
                (
                    "letters/news.md",
                    "---\ntitle: News\ndate: 2020-01-01T13:00:00Z\nauthor: Jo\n---\nHi.\n",
                ),
            ],
            "",
        );
        let events = all(&site);
        let web = channel(Some(&["web"]));
        let p = plan(&site, &events, &web, None, t("2000-01-01T00:00:00Z"));
        assert_eq!(ids(&p.send), ["incident/upgrade", "letter/news"]);
        assert_eq!(
            p.mark.len(),
            4,
            "skipped events are recorded, not resent later"
        );
        let api = channel(Some(&["api", "web"]));
        let p = plan(&site, &events, &api, None, t("2000-01-01T00:00:00Z"));
        assert_eq!(p.send.len(), 6);
    }
}
