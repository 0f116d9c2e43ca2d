//! Atlassian Statuspage's public API (v2), all eight endpoints, in the
//! shapes Statuspage documents, so widgets, aggregators and typed clients
//! written for Statuspage keep working against a static upfront site.
//!
//! Every field Statuspage documents with a value carries one; `null` only
//! where Statuspage itself allows it and upfront has no such fact (a
//! component's description left empty, an incident never in monitoring).
//! docs/src/status-page.md has the field table.

use chrono::{NaiveTime, TimeZone};
use serde::Serialize;

use crate::publish::Output;
use crate::site::model::{ComponentState, ComponentStatus, Entry, Phase, Site, Slot};
use crate::vocab::choice::{Choice, Impact, Severity, Status};
use crate::vocab::ids::fnv;
use crate::vocab::routes;
use crate::vocab::times::{utc, Time};

pub const SUMMARY: &str = "api/v2/summary.json";
pub const STATUS: &str = "api/v2/status.json";
pub const COMPONENTS: &str = "api/v2/components.json";
pub const INCIDENTS: &str = "api/v2/incidents.json";
pub const UNRESOLVED: &str = "api/v2/incidents/unresolved.json";
pub const MAINTENANCES: &str = "api/v2/scheduled-maintenances.json";
pub const UPCOMING: &str = "api/v2/scheduled-maintenances/upcoming.json";
pub const ACTIVE: &str = "api/v2/scheduled-maintenances/active.json";

/// Statuspage lists the 50 most recent incidents and maintenances.
const RECENT: usize = 50;

/// All eight files.
pub fn outputs(site: &Site) -> Vec<Output> {
    let page_id = format!(
        "{:012x}",
        fnv(site.config.base_url.as_bytes()) & 0xffff_ffff_ffff
    );
    let api = Api::new(site, &page_id);
    let s = site;
    // The lists show their first `RECENT`: no need to look at every note.
    let incidents: Vec<usize> = (0..s.incidents.len())
        .filter(|&i| s.incidents[i].incident.severity != Severity::Maintenance)
        .take(RECENT)
        .collect();
    let unresolved: Vec<usize> = s
        .active
        .iter()
        .copied()
        .filter(|&i| s.incidents[i].incident.window.is_none())
        .collect();
    let mut maintenances = s.windows.clone();
    // Newest window first, as Statuspage lists them.
    maintenances
        .sort_by_key(|&i| std::cmp::Reverse(s.incidents[i].incident.window.map(|w| w.starts)));
    let by_phase = |phase: Phase| -> Vec<usize> {
        let mut v: Vec<usize> = maintenances
            .iter()
            .copied()
            .filter(|&i| s.incidents[i].facts.phase == Some(phase))
            .collect();
        v.sort_by_key(|&i| s.incidents[i].incident.window.map(|w| w.starts));
        v
    };
    let upcoming = by_phase(Phase::Upcoming);
    let active = by_phase(Phase::InProgress);
    // summary.json: upcoming and in-progress maintenance, soonest first.
    let mut current = upcoming.clone();
    current.extend(active.iter().copied());
    current.sort_by_key(|&i| s.incidents[i].incident.window.map(|w| w.starts));

    let list = |v: &[usize]| -> Vec<IncidentInfo<'_>> {
        v.iter().take(RECENT).map(|&i| api.incident(i)).collect()
    };
    vec![
        out(
            STATUS,
            &StatusDoc {
                page: api.page(),
                status: api.indicator(),
            },
        ),
        out(
            SUMMARY,
            &Summary {
                page: api.page(),
                components: &api.components,
                incidents: list(&unresolved),
                scheduled_maintenances: list(&current),
                status: api.indicator(),
            },
        ),
        out(
            COMPONENTS,
            &ComponentsDoc {
                page: api.page(),
                components: &api.components,
            },
        ),
        out(
            INCIDENTS,
            &IncidentsDoc {
                page: api.page(),
                incidents: list(&incidents),
            },
        ),
        out(
            UNRESOLVED,
            &IncidentsDoc {
                page: api.page(),
                incidents: list(&unresolved),
            },
        ),
        out(
            MAINTENANCES,
            &MaintenancesDoc {
                page: api.page(),
                scheduled_maintenances: list(&maintenances),
            },
        ),
        out(
            UPCOMING,
            &MaintenancesDoc {
                page: api.page(),
                scheduled_maintenances: list(&upcoming),
            },
        ),
        out(
            ACTIVE,
            &MaintenancesDoc {
                page: api.page(),
                scheduled_maintenances: list(&active),
            },
        ),
    ]
}

fn out<T: Serialize>(path: &str, value: &T) -> Output {
    let mut bytes = serde_json::to_vec_pretty(value).expect("plain data serializes");
    bytes.push(b'\n');
    Output {
        path: path.into(),
        bytes,
    }
}

struct Api<'a> {
    site: &'a Site,
    /// Statuspage ids are opaque strings; ours is stable per base URL.
    page_id: &'a str,
    /// Every component and group, built once: incidents repeat the ones
    /// they affect.
    components: Vec<ComponentInfo<'a>>,
}

#[derive(Serialize)]
struct StatusDoc<'a> {
    page: PageInfo<'a>,
    status: Indicator,
}

#[derive(Serialize)]
struct Summary<'a, 'c> {
    page: PageInfo<'a>,
    components: &'c [ComponentInfo<'a>],
    incidents: Vec<IncidentInfo<'c>>,
    scheduled_maintenances: Vec<IncidentInfo<'c>>,
    status: Indicator,
}

#[derive(Serialize)]
struct ComponentsDoc<'a, 'c> {
    page: PageInfo<'a>,
    components: &'c [ComponentInfo<'a>],
}

#[derive(Serialize)]
struct IncidentsDoc<'a, 'c> {
    page: PageInfo<'a>,
    incidents: Vec<IncidentInfo<'c>>,
}

#[derive(Serialize)]
struct MaintenancesDoc<'a, 'c> {
    page: PageInfo<'a>,
    scheduled_maintenances: Vec<IncidentInfo<'c>>,
}

#[derive(Serialize)]
struct PageInfo<'a> {
    id: &'a str,
    name: &'a str,
    url: &'a str,
    time_zone: &'a str,
    updated_at: String,
}

#[derive(Serialize)]
struct Indicator {
    indicator: &'static str,
    description: &'static str,
}

#[derive(Serialize, Clone)]
struct ComponentInfo<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    created_at: String,
    updated_at: String,
    position: usize,
    /// Statuspage gives `null` for a component without one.
    description: Option<&'a str>,
    showcase: bool,
    /// The day it is tracked from (`YYYY-MM-DD`).
    start_date: String,
    group_id: Option<&'a str>,
    page_id: &'a str,
    group: bool,
    only_show_if_degraded: bool,
    /// A group's members (Statuspage sends it on groups only).
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct IncidentInfo<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    created_at: String,
    updated_at: String,
    monitoring_at: Option<String>,
    resolved_at: Option<String>,
    impact: &'static str,
    shortlink: String,
    started_at: String,
    page_id: &'a str,
    incident_updates: Vec<UpdateInfo<'a>>,
    components: Vec<ComponentInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_until: Option<String>,
}

#[derive(Serialize)]
struct UpdateInfo<'a> {
    id: String,
    status: &'static str,
    body: std::borrow::Cow<'a, str>,
    incident_id: &'a str,
    created_at: String,
    updated_at: String,
    display_at: String,
    /// What the update changed: the first update takes each affected
    /// component from operational to its impact, the resolving one back.
    /// `null` on the updates in between, which change no component.
    affected_components: Option<Vec<AffectedInfo<'a>>>,
    /// Whether `upfront notify` sends it: some `[[notify]]` channel takes
    /// the incident. False for the updates a window's clock posts, which
    /// notify does not send.
    deliver_notifications: bool,
    custom_tweet: Option<String>,
    tweet_id: Option<String>,
}

#[derive(Serialize)]
struct AffectedInfo<'a> {
    code: &'a str,
    name: &'a str,
    old_status: &'static str,
    new_status: &'static str,
}

impl<'a> Api<'a> {
    fn new(site: &'a Site, page_id: &'a str) -> Api<'a> {
        let mut components: Vec<ComponentInfo<'a>> = Vec::new();
        // Statuspage lists groups among the components, members after them;
        // positions count the top level, and within a group its members.
        for (top, slot) in site.layout.iter().enumerate() {
            let position = top + 1;
            match *slot {
                Slot::Component(n) => {
                    components.push(component(site, page_id, position, &site.components[n]));
                }
                Slot::Group(g) => {
                    let state = &site.groups[g];
                    let members: Vec<ComponentInfo<'a>> = state
                        .members
                        .iter()
                        .enumerate()
                        .map(|(k, &n)| {
                            let mut c = component(site, page_id, k + 1, &site.components[n]);
                            c.group_id = Some(&state.group.id);
                            c
                        })
                        .collect();
                    let created = members.iter().map(|m| m.created_at.clone()).min();
                    let start_date = members.iter().map(|m| m.start_date.clone()).min();
                    let latest = members
                        .iter()
                        .map(|m| m.updated_at.clone())
                        .max()
                        .unwrap_or_default();
                    components.push(ComponentInfo {
                        id: &state.group.id,
                        name: &state.group.name,
                        status: component_status(state.status),
                        created_at: created.unwrap_or_default(),
                        updated_at: latest,
                        position,
                        description: Some(state.group.description.as_str())
                            .filter(|d| !d.is_empty()),
                        showcase: false,
                        start_date: start_date.unwrap_or_default(),
                        group_id: None,
                        page_id,
                        group: true,
                        only_show_if_degraded: false,
                        components: Some(members.iter().map(|m| m.id).collect()),
                    });
                    components.extend(members);
                }
            }
        }
        Api {
            site,
            page_id,
            components,
        }
    }

    fn page(&self) -> PageInfo<'_> {
        let c = &self.site.config;
        PageInfo {
            id: self.page_id,
            name: &c.title,
            url: &c.base_url,
            time_zone: c.timezone.name(),
            // When the content last changed, not the build: an unchanged site
            // rebuilds to the same bytes (SPEC §7).
            updated_at: utc(self.site.changed_at()),
        }
    }

    /// Statuspage's page indicator and its own wording for each level
    /// (always English: clients match on it).
    fn indicator(&self) -> Indicator {
        let (indicator, description) = match self.site.overall {
            ComponentStatus::Operational => ("none", "All Systems Operational"),
            ComponentStatus::Maintenance => ("maintenance", "Service Under Maintenance"),
            ComponentStatus::Degraded => ("minor", "Minor Service Outage"),
            ComponentStatus::PartialOutage => ("major", "Partial System Outage"),
            ComponentStatus::MajorOutage => ("critical", "Major System Outage"),
        };
        Indicator {
            indicator,
            description,
        }
    }

    fn incident(&self, index: usize) -> IncidentInfo<'_> {
        let e: &Entry = &self.site.incidents[index];
        let i = &e.incident;
        let f = &e.facts;
        let affected: Vec<(&ComponentInfo, Impact)> = i
            .affected
            .iter()
            .filter_map(|a| {
                self.components
                    .iter()
                    .find(|c| !c.group && c.id == a.name)
                    .map(|c| (c, a.impact))
            })
            .collect();
        let change = |to_impact: bool| -> Vec<AffectedInfo> {
            affected
                .iter()
                .map(|(c, impact)| {
                    let (old, new) = ("operational", impact_status(*impact));
                    let (old_status, new_status) = if to_impact { (old, new) } else { (new, old) };
                    AffectedInfo {
                        code: c.id,
                        name: c.name,
                        old_status,
                        new_status,
                    }
                })
                .collect()
        };
        let ids = i.update_ids();
        let last = i.updates.len().saturating_sub(1);
        // What an update changed: an incident's first update and a window's
        // start take the components to their impact; the resolving (or
        // completing) update takes them back.
        let changes = |n: usize, s: Status| -> Option<bool> {
            match s {
                Status::Scheduled => None,
                Status::InProgress => {
                    let first = i
                        .updates
                        .iter()
                        .position(|u| u.status == Status::InProgress);
                    (first == Some(n)).then_some(true)
                }
                Status::Resolved | Status::Completed => (n == last).then_some(false),
                _ => (n == 0).then_some(true),
            }
        };
        // Drafts (shown under `--drafts`) are never sent.
        let notified = !i.draft
            && (self.site.config.notify.iter())
                .any(|c| c.takes(i.affected.iter().map(|r| r.name.as_str())));
        let mut updates: Vec<UpdateInfo> = i
            .updates
            .iter()
            .zip(ids)
            .enumerate()
            .map(|(n, (u, id))| UpdateInfo {
                id,
                status: u.status.name(),
                body: if u.message.trim().is_empty() {
                    self.default_body(u.status).into()
                } else {
                    u.message.as_str().into()
                },
                incident_id: &i.slug,
                created_at: utc(u.at),
                updated_at: utc(u.at),
                display_at: utc(u.at),
                affected_components: changes(n, u.status).map(change),
                deliver_notifications: notified,
                custom_tweet: None,
                tweet_id: None,
            })
            .collect();
        // A window that began or ended by the clock, with no update saying
        // so, gets the update Statuspage's automation would have posted.
        if let Some(w) = i.window {
            let has = |s: Status| i.updates.iter().any(|u| u.status == s);
            let mut auto = |status: Status, at: Time, to_impact: bool| {
                updates.push(UpdateInfo {
                    id: format!("auto-{}", status.name()),
                    status: status.name(),
                    body: self.default_body(status).into(),
                    incident_id: &i.slug,
                    created_at: utc(at),
                    updated_at: utc(at),
                    display_at: utc(at),
                    affected_components: Some(change(to_impact)),
                    deliver_notifications: false,
                    custom_tweet: None,
                    tweet_id: None,
                });
            };
            if matches!(f.phase, Some(Phase::InProgress | Phase::Over)) && !has(Status::InProgress)
            {
                auto(Status::InProgress, w.starts, true);
            }
            if f.phase == Some(Phase::Over) && !has(Status::Completed) {
                auto(Status::Completed, w.ends, false);
            }
            updates.sort_by(|a, b| a.display_at.cmp(&b.display_at));
        }
        updates.reverse();
        let monitoring_at = i
            .updates
            .iter()
            .find(|u| u.status == Status::Monitoring)
            .map(|u| utc(u.at));
        let updated_at = updates
            .first()
            .map_or_else(|| utc(i.date), |u| u.display_at.clone());
        // Created when first told: a window is announced before it starts.
        let created = i.updates.first().map_or(i.date, |u| u.at.min(i.date));
        IncidentInfo {
            id: &i.slug,
            name: &i.title,
            status: f.current.name(),
            created_at: utc(created),
            updated_at,
            monitoring_at,
            resolved_at: f.resolved_at.map(utc),
            // Statuspage's statuses and impacts are upfront's names, one to one.
            impact: i.severity.name(),
            shortlink: self.site.config.absolute(&routes::incident(&i.slug)),
            started_at: utc(i.window.map_or(i.date, |w| w.starts)),
            page_id: self.page_id,
            incident_updates: updates,
            components: affected.into_iter().map(|(c, _)| c.clone()).collect(),
            scheduled_for: i.window.map(|w| utc(w.starts)),
            scheduled_until: i.window.map(|w| utc(w.ends)),
        }
    }

    /// The theme's default text for an update with none, in the site's language.
    fn default_body(&self, s: Status) -> &'a str {
        self.site.config.words.default_message(s)
    }
}

fn component<'a>(
    site: &'a Site,
    page_id: &'a str,
    position: usize,
    state: &'a ComponentState,
) -> ComponentInfo<'a> {
    let c = &state.component;
    let tz = site.config.timezone;
    // created_at: the tracked-since day, else the first incident that
    // touched it, else when the site's content last changed: SPEC §9's
    // "build time", read so that a rebuild with nothing new gives the same
    // bytes (SPEC §7: only the homepage, status.json and notice.json carry
    // the build stamp).
    let since = c.since.map(|d| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map_or_else(
                || d.and_time(NaiveTime::MIN).and_utc().fixed_offset(),
                |t| t.fixed_offset(),
            )
    });
    let created = since
        .or(state.first_incident)
        .unwrap_or_else(|| site.changed_at());
    let updated = state.last_news.unwrap_or(created);
    ComponentInfo {
        id: &c.id,
        name: &c.name,
        status: component_status(state.status),
        created_at: utc(created),
        updated_at: utc(updated),
        position,
        description: Some(c.description.as_str()).filter(|d| !d.is_empty()),
        showcase: true,
        start_date: c.since.map_or_else(
            || {
                created
                    .with_timezone(&tz)
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string()
            },
            |d| d.format("%Y-%m-%d").to_string(),
        ),
        group_id: None,
        page_id,
        group: false,
        only_show_if_degraded: false,
        components: None,
    }
}

fn component_status(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "operational",
        ComponentStatus::Maintenance => "under_maintenance",
        ComponentStatus::Degraded => "degraded_performance",
        ComponentStatus::PartialOutage => "partial_outage",
        ComponentStatus::MajorOutage => "major_outage",
    }
}

fn impact_status(i: Impact) -> &'static str {
    component_status(ComponentStatus::from(i))
}
