//! `/api/v2/summary.json` and `/api/v2/status.json` in the shapes Atlassian
//! Statuspage publishes, so widgets and aggregators written for Statuspage
//! keep working. Fields upfront has no fact for are `null` (or the neutral
//! value Statuspage itself uses), never invented; the README lists them.

use serde::Serialize;

use crate::publish::Output;
use crate::site::model::{ComponentState, ComponentStatus, Entry, Phase, Site};
use crate::vocab::choice::Choice;
use crate::vocab::choice::Status;
use crate::vocab::ids::fnv;
use crate::vocab::routes;
use crate::vocab::times::utc;

pub const SUMMARY: &str = "api/v2/summary.json";
pub const STATUS: &str = "api/v2/status.json";

/// Both files.
pub fn outputs(site: &Site) -> Vec<Output> {
    let page_id = format!(
        "{:012x}",
        fnv(site.config.base_url.as_bytes()) & 0xffff_ffff_ffff
    );
    let api = Api::new(site, &page_id);
    vec![
        Output {
            path: STATUS.into(),
            bytes: json(&StatusDoc {
                page: api.page(),
                status: api.indicator(),
            }),
        },
        Output {
            path: SUMMARY.into(),
            bytes: json(&api.summary()),
        },
    ]
}

pub fn is_statuspage_output(path: &str) -> bool {
    path == SUMMARY || path == STATUS
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("plain data serializes");
    bytes.push(b'\n');
    bytes
}

struct Api<'a> {
    site: &'a Site,
    /// Statuspage ids are opaque strings; ours is stable per base URL.
    page_id: &'a str,
    /// Every component, built once: incidents repeat the ones they affect.
    components: Vec<ComponentInfo<'a>>,
}

#[derive(Serialize)]
struct StatusDoc<'a> {
    page: PageInfo<'a>,
    status: Indicator,
}

#[derive(Serialize)]
struct Summary<'a> {
    page: PageInfo<'a>,
    components: Vec<ComponentInfo<'a>>,
    incidents: Vec<IncidentInfo<'a>>,
    scheduled_maintenances: Vec<IncidentInfo<'a>>,
    status: Indicator,
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
    created_at: Option<String>,
    updated_at: Option<String>,
    position: usize,
    description: Option<&'a str>,
    showcase: bool,
    start_date: Option<String>,
    group_id: Option<String>,
    page_id: &'a str,
    group: bool,
    only_show_if_degraded: bool,
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
    body: &'a str,
    incident_id: &'a str,
    created_at: String,
    updated_at: String,
    display_at: String,
    affected_components: Option<Vec<()>>,
    deliver_notifications: bool,
    custom_tweet: Option<String>,
    tweet_id: Option<String>,
}

impl<'a> Api<'a> {
    fn new(site: &'a Site, page_id: &'a str) -> Api<'a> {
        let components = site
            .components
            .iter()
            .enumerate()
            .map(|(n, c)| component(site, page_id, n, c))
            .collect();
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

    /// Statuspage's page indicator and its own wording for each level.
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

    fn summary(&self) -> Summary<'_> {
        let s = self.site;
        // Statuspage lists unresolved incidents, and maintenance not yet over.
        let incidents = s
            .active
            .iter()
            .filter(|&&i| s.incidents[i].incident.window.is_none())
            .map(|&i| self.incident(&s.incidents[i]))
            .collect();
        let mut maintenance: Vec<usize> = s.upcoming.clone();
        maintenance.extend(
            s.active
                .iter()
                .copied()
                .filter(|&i| s.incidents[i].facts.phase == Some(Phase::InProgress)),
        );
        maintenance.sort_by_key(|&i| s.incidents[i].incident.window.map(|w| w.starts));
        Summary {
            page: self.page(),
            components: self.components.clone(),
            incidents,
            scheduled_maintenances: maintenance
                .iter()
                .map(|&i| self.incident(&s.incidents[i]))
                .collect(),
            status: self.indicator(),
        }
    }

    fn incident(&self, e: &'a Entry) -> IncidentInfo<'_> {
        let i = &e.incident;
        let f = &e.facts;
        let ids = i.update_ids();
        let mut updates: Vec<UpdateInfo> = i
            .updates
            .iter()
            .zip(ids)
            .map(|(u, id)| UpdateInfo {
                id,
                status: u.status.name(),
                body: &u.message,
                incident_id: &i.slug,
                created_at: utc(u.at),
                updated_at: utc(u.at),
                display_at: utc(u.at),
                affected_components: None,
                deliver_notifications: false,
                custom_tweet: None,
                tweet_id: None,
            })
            .collect();
        updates.reverse();
        let components = i
            .affected
            .iter()
            .filter_map(|r| self.components.iter().find(|c| c.id == r.name).cloned())
            .collect();
        let monitoring_at = i
            .updates
            .iter()
            .find(|u| u.status == Status::Monitoring)
            .map(|u| utc(u.at));
        IncidentInfo {
            id: &i.slug,
            name: &i.title,
            status: f.current.name(),
            created_at: utc(i.date),
            updated_at: utc(f.last_update.unwrap_or(i.date)),
            monitoring_at,
            resolved_at: f.resolved_at.map(utc),
            // Statuspage's statuses and impacts are upfront's names, one to one.
            impact: i.severity.name(),
            shortlink: self.site.config.absolute(&routes::incident(&i.slug)),
            started_at: utc(i.window.map_or(i.date, |w| w.starts)),
            page_id: self.page_id,
            incident_updates: updates,
            components,
            scheduled_for: i.window.map(|w| utc(w.starts)),
            scheduled_until: i.window.map(|w| utc(w.ends)),
        }
    }
}

fn component<'a>(
    site: &'a Site,
    page_id: &'a str,
    index: usize,
    state: &'a ComponentState,
) -> ComponentInfo<'a> {
    let c = &state.component;
    // The newest news about it: `history` is newest first by start, so look
    // at every incident's last update, not only the first one's.
    let updated_at = state
        .history
        .iter()
        .map(|&i| {
            let e = &site.incidents[i];
            e.facts.last_update.unwrap_or(e.incident.date)
        })
        .max()
        .map(utc);
    ComponentInfo {
        id: &c.id,
        name: &c.name,
        status: component_status(state.status),
        created_at: None,
        updated_at,
        position: index + 1,
        description: Some(c.description.as_str()).filter(|d| !d.is_empty()),
        showcase: true,
        start_date: None,
        group_id: None,
        page_id,
        group: false,
        only_show_if_degraded: false,
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
