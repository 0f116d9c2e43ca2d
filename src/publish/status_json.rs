//! `/status.json`: the machine-readable state of the site. The schema is
//! versioned (`schema_version`) and documented in the README; fields are only
//! ever added within a version.

use serde::Serialize;

use crate::site::model::Site;
use crate::vocab::choice::Choice;
use crate::vocab::routes;
use crate::vocab::times::utc;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Status<'a> {
    schema_version: u32,
    generated_at: String,
    build_id: &'a str,
    site: SiteInfo<'a>,
    overall: &'static str,
    components: Vec<ComponentInfo<'a>>,
    active_incidents: Vec<IncidentInfo<'a>>,
    upcoming_maintenance: Vec<IncidentInfo<'a>>,
}

#[derive(Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    url: String,
    timezone: &'static str,
}

#[derive(Serialize)]
struct ComponentInfo<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    active_incidents: Vec<&'a str>,
}

#[derive(Serialize)]
struct IncidentInfo<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    summary: Option<&'a str>,
    severity: &'static str,
    status: &'static str,
    started_at: String,
    updated_at: Option<String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    affected: Vec<&'a str>,
    letter_url: Option<String>,
}

/// The bytes of status.json (pretty, with a final newline).
pub fn render<'a>(site: &'a Site) -> Vec<u8> {
    let abs = |path: String| site.config.absolute(&path);
    let info = |index: usize| -> IncidentInfo<'a> {
        let e = &site.incidents[index];
        let i = &e.incident;
        IncidentInfo {
            slug: &e.incident.slug,
            url: abs(routes::incident(&i.slug)),
            title: &i.title,
            summary: i.summary.as_deref(),
            severity: i.severity.name(),
            status: e.facts.current.name(),
            started_at: utc(i.date),
            updated_at: e.facts.last_update.map(utc),
            starts_at: i.window.map(|w| utc(w.starts)),
            ends_at: i.window.map(|w| utc(w.ends)),
            affected: i.affected.iter().map(|r| r.name.as_str()).collect(),
            letter_url: site.letter_for(index).map(|l| abs(routes::letter(&l.slug))),
        }
    };
    let status = Status {
        schema_version: SCHEMA_VERSION,
        generated_at: utc(site.now),
        build_id: &site.build_id,
        site: SiteInfo {
            title: &site.config.title,
            url: abs("/".into()),
            timezone: site.config.timezone.name(),
        },
        overall: site.overall.name(),
        components: site
            .components
            .iter()
            .map(|c| ComponentInfo {
                id: &c.component.id,
                name: &c.component.name,
                status: c.status.name(),
                active_incidents: c
                    .active
                    .iter()
                    .map(|&i| site.incidents[i].incident.slug.as_str())
                    .collect(),
            })
            .collect(),
        active_incidents: site.active.iter().map(|&i| info(i)).collect(),
        upcoming_maintenance: site.upcoming.iter().map(|&i| info(i)).collect(),
    };
    let mut bytes =
        serde_json::to_vec_pretty(&status).expect("status.json is built from plain data");
    bytes.push(b'\n');
    bytes
}
