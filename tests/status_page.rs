//! SPEC §9 end to end on `tests/fixtures/status-model` (groups, an impact
//! map, `since`, a window in progress, an open incident) built at
//! 2008-08-12T23:00:00Z: the homepage, the eight Statuspage endpoints read
//! as typed documents and by a real Statuspage client, languages, size.

mod common;

use common::*;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

const NOW: &str = "2008-08-12T23:00:00Z";

/// `upfront build` at this file's moment (the shared `build` uses another).
fn build_at(root: &Path, out: &Path, _extra: &[&str]) -> std::process::Output {
    upfront(&[
        "build",
        "-q",
        "--now",
        NOW,
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

fn build_ok_at(root: &Path, out: &Path, extra: &[&str]) {
    let o = build_at(root, out, extra);
    assert!(o.status.success(), "build failed:\n{}", stderr(&o));
}

fn built() -> (TempDir, std::path::PathBuf) {
    let site = site_copy("status-model");
    let out = site.path().join("public");
    build_ok_at(site.path(), &out, &[]);
    (site, out)
}

// ---- Statuspage's documented shapes, as a typed client reads them: a
// String where Statuspage documents a value, Option only where it allows null.

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Page {
    id: String,
    name: String,
    url: String,
    time_zone: String,
    updated_at: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Indicator {
    indicator: String,
    description: String,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct Component {
    id: String,
    name: String,
    status: String,
    created_at: String,
    updated_at: String,
    position: u32,
    description: Option<String>,
    showcase: bool,
    start_date: String,
    group_id: Option<String>,
    page_id: String,
    group: bool,
    only_show_if_degraded: bool,
    components: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Incident {
    id: String,
    name: String,
    status: String,
    created_at: String,
    updated_at: String,
    monitoring_at: Option<String>,
    resolved_at: Option<String>,
    impact: String,
    shortlink: String,
    started_at: String,
    page_id: String,
    incident_updates: Vec<Update>,
    components: Vec<Component>,
    scheduled_for: Option<String>,
    scheduled_until: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Update {
    id: String,
    status: String,
    body: String,
    incident_id: String,
    created_at: String,
    updated_at: String,
    display_at: String,
    affected_components: Option<Vec<Affected>>,
    deliver_notifications: bool,
    custom_tweet: Option<String>,
    tweet_id: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Affected {
    code: String,
    name: String,
    old_status: String,
    new_status: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Summary {
    page: Page,
    components: Vec<Component>,
    incidents: Vec<Incident>,
    scheduled_maintenances: Vec<Incident>,
    status: Indicator,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct StatusDoc {
    page: Page,
    status: Indicator,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ComponentsDoc {
    page: Page,
    components: Vec<Component>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct IncidentsDoc {
    page: Page,
    incidents: Vec<Incident>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct MaintenancesDoc {
    page: Page,
    scheduled_maintenances: Vec<Incident>,
}

fn typed<T: for<'de> Deserialize<'de>>(out: &Path, rel: &str) -> T {
    let text = read(out, rel);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}\n{text}"))
}

fn is_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn ids(v: &[Incident]) -> Vec<&str> {
    v.iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn all_eight_endpoints_read_as_statuspage_documents() {
    let (_site, out) = built();
    let summary: Summary = typed(&out, "api/v2/summary.json");
    let status: StatusDoc = typed(&out, "api/v2/status.json");
    let components: ComponentsDoc = typed(&out, "api/v2/components.json");
    let incidents: IncidentsDoc = typed(&out, "api/v2/incidents.json");
    let unresolved: IncidentsDoc = typed(&out, "api/v2/incidents/unresolved.json");
    let maintenances: MaintenancesDoc = typed(&out, "api/v2/scheduled-maintenances.json");
    let upcoming: MaintenancesDoc = typed(&out, "api/v2/scheduled-maintenances/upcoming.json");
    let active: MaintenancesDoc = typed(&out, "api/v2/scheduled-maintenances/active.json");

    for page in [
        &summary.page,
        &status.page,
        &components.page,
        &incidents.page,
        &unresolved.page,
        &maintenances.page,
        &upcoming.page,
        &active.page,
    ] {
        assert_eq!(page.name, "Model Status");
        assert_eq!(page.url, "https://status.model.test");
        assert_eq!(page.time_zone, "Europe/Berlin");
        // When the content last changed, not the build (SPEC §7).
        assert_eq!(page.updated_at, summary.page.updated_at);
        assert!(is_time(&page.updated_at));
        assert_eq!(page.id, summary.page.id);
    }
    // The website's partial outage is the worst: Statuspage's "major".
    assert_eq!(status.status.indicator, "major");
    assert_eq!(status.status.description, "Partial System Outage");
    assert_eq!(summary.status.indicator, "major");

    // incidents.json: every incident, not maintenance; unresolved: the open one.
    assert_eq!(ids(&incidents.incidents), ["web-slow", "api-down"]);
    assert_eq!(ids(&unresolved.incidents), ["web-slow"]);
    assert_eq!(ids(&summary.incidents), ["web-slow"]);
    // Maintenance: newest window first; upcoming; active; summary has both.
    assert_eq!(
        ids(&maintenances.scheduled_maintenances),
        ["later", "db-window"]
    );
    assert_eq!(ids(&upcoming.scheduled_maintenances), ["later"]);
    assert_eq!(ids(&active.scheduled_maintenances), ["db-window"]);
    assert_eq!(ids(&summary.scheduled_maintenances), ["db-window", "later"]);

    let all = incidents
        .incidents
        .iter()
        .chain(&maintenances.scheduled_maintenances);
    for i in all {
        for t in [&i.created_at, &i.updated_at, &i.started_at] {
            assert!(is_time(t), "{}: {t}", i.id);
        }
        assert_eq!(i.page_id, summary.page.id);
        assert_eq!(
            i.shortlink,
            format!("https://status.model.test/incidents/{}/", i.id)
        );
        assert!(!i.incident_updates.is_empty(), "{}", i.id);
        for u in &i.incident_updates {
            assert_eq!(u.incident_id, i.id);
            assert!(!u.body.is_empty() && !u.id.is_empty());
            assert!(
                is_time(&u.created_at)
                    && u.created_at == u.updated_at
                    && u.display_at == u.created_at
            );
            assert!(!u.deliver_notifications, "upfront sends no notifications");
            assert!(u.custom_tweet.is_none() && u.tweet_id.is_none());
        }
        let times: Vec<&str> = i
            .incident_updates
            .iter()
            .map(|u| u.display_at.as_str())
            .collect();
        let mut sorted = times.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "{}: newest first", i.id);
        assert_eq!(
            i.scheduled_for.is_some(),
            i.impact == "maintenance",
            "{}",
            i.id
        );
        assert_eq!(
            i.scheduled_until.is_some(),
            i.impact == "maintenance",
            "{}",
            i.id
        );
    }

    // The impact map: the API went down, the database only slowed.
    let api_down = incidents
        .incidents
        .iter()
        .find(|i| i.id == "api-down")
        .unwrap();
    assert_eq!(api_down.name, "API down, database slow");
    assert_eq!(api_down.status, "resolved");
    assert_eq!(api_down.impact, "critical");
    assert_eq!(
        api_down.resolved_at.as_deref(),
        Some("2008-08-12T08:00:00Z")
    );
    assert_eq!(api_down.monitoring_at, None);
    let first = api_down.incident_updates.last().unwrap();
    let changes: Vec<(&str, &str, &str)> = first
        .affected_components
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a.code.as_str(),
                a.old_status.as_str(),
                a.new_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("api", "operational", "major_outage"),
            ("db", "operational", "degraded_performance")
        ]
    );
    let resolving = &api_down.incident_updates[0];
    assert_eq!(resolving.status, "resolved");
    assert_eq!(
        resolving.affected_components.as_ref().unwrap()[0].new_status,
        "operational"
    );
    assert_eq!(
        resolving.affected_components.as_ref().unwrap()[0].name,
        "Public API"
    );
    let web = &unresolved.incidents[0];
    assert_eq!(web.monitoring_at.as_deref(), Some("2008-08-12T20:10:00Z"));
    assert_eq!(web.resolved_at, None);

    // The window in progress by the clock gets Statuspage's automatic
    // update, and the empty scheduled message the default text.
    let window = &active.scheduled_maintenances[0];
    assert_eq!(window.status, "in_progress");
    assert_eq!(
        window.created_at, "2008-08-10T09:00:00Z",
        "announced before it began"
    );
    assert_eq!(window.started_at, "2008-08-12T22:00:00Z");
    let bodies: Vec<(&str, &str)> = window
        .incident_updates
        .iter()
        .map(|u| (u.status.as_str(), u.body.as_str()))
        .collect();
    assert_eq!(
        bodies,
        [
            ("in_progress", "Maintenance in progress"),
            ("scheduled", "Scheduled maintenance")
        ]
    );
    assert!(window.incident_updates[1].affected_components.is_none());
    assert_eq!(window.components[0].status, "under_maintenance");
}

#[test]
fn status_json_carries_the_same_uptime_figures() {
    let (_site, out) = built();
    let status: Value = serde_json::from_str(&read(&out, "status.json")).unwrap();
    assert_eq!(status["history_days"], 30);
    assert_eq!(status["groups"][0]["id"], "platform");
    assert_eq!(status["groups"][0]["status"], "maintenance");
    assert_eq!(
        status["groups"][0]["components"],
        serde_json::json!(["api", "db"])
    );
    let api = &status["components"][0];
    assert_eq!(api["id"], "api");
    assert_eq!(api["group"], "platform");
    assert_eq!(api["uptime_percent"], 99.3);
    let days = api["history"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let aug12 = days.iter().find(|d| d["date"] == "2008-08-12").unwrap();
    assert_eq!(aug12["tracked_minutes"], 1440);
    assert_eq!(aug12["downtime_minutes"], 120);
    assert_eq!(aug12["worst"], "major_outage");
    assert_eq!(aug12["incidents"], serde_json::json!(["api-down"]));
    assert_eq!(days.last().unwrap()["tracked_minutes"], 60);
    assert_eq!(days[0]["tracked_minutes"], 0, "before since");
    assert_eq!(status["components"][1]["uptime_percent"], 99.87);
}

#[test]
fn components_groups_and_created_at() {
    let (_site, out) = built();
    let doc: ComponentsDoc = typed(&out, "api/v2/components.json");
    let summary: Summary = typed(&out, "api/v2/summary.json");
    let by_id = |id: &str| doc.components.iter().find(|c| c.id == id).unwrap().clone();
    let order: Vec<(&str, u32, bool)> = doc
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.position, c.group))
        .collect();
    // The group stands where its first member is, members follow it.
    assert_eq!(
        order,
        [
            ("platform", 1, true),
            ("api", 1, false),
            ("db", 2, false),
            ("web", 2, false)
        ]
    );
    let platform = by_id("platform");
    assert_eq!(
        platform.components.as_deref(),
        Some(&["api".to_string(), "db".to_string()][..])
    );
    assert_eq!(platform.status, "under_maintenance", "the worst member");
    assert_eq!(by_id("api").group_id.as_deref(), Some("platform"));
    assert_eq!(by_id("web").group_id, None);
    assert_eq!(by_id("api").status, "operational");
    assert_eq!(by_id("db").status, "under_maintenance");
    assert_eq!(by_id("web").status, "partial_outage");
    // created_at: `since` (midnight in Berlin), else the first incident.
    assert_eq!(by_id("api").created_at, "2008-07-31T22:00:00Z");
    assert_eq!(by_id("api").start_date, "2008-08-01");
    assert_eq!(by_id("db").created_at, "2008-08-12T06:00:00Z");
    assert_eq!(by_id("web").created_at, "2008-08-12T20:00:00Z");
    // updated_at: the newest change, a window's start by the clock included.
    assert_eq!(by_id("db").updated_at, "2008-08-12T22:00:00Z");
    assert_eq!(by_id("api").updated_at, "2008-08-12T08:00:00Z");
    for c in &doc.components {
        assert!(is_time(&c.created_at) && is_time(&c.updated_at), "{c:?}");
        assert!(!c.name.is_empty() && c.page_id == summary.page.id, "{c:?}");
        assert_eq!(c.showcase, !c.group, "{c:?}");
        assert!(!c.only_show_if_degraded);
        assert_eq!(c.description, None, "none written in the fixture");
    }
    let same: Vec<&str> = summary.components.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(same, ["platform", "api", "db", "web"]);
}

#[test]
fn a_component_never_touched_is_created_when_the_content_last_changed() {
    let site = site_copy("status-model");
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[[components]]\nid = \"quiet\"\nname = \"Quiet\"\ndescription = \"Never down\"\n")).unwrap();
    let out = site.path().join("public");
    build_ok_at(site.path(), &out, &[]);
    let doc: ComponentsDoc = typed(&out, "api/v2/components.json");
    let quiet = doc.components.iter().find(|c| c.id == "quiet").unwrap();
    // Not null, and the same bytes on a rebuild with nothing new (SPEC §7).
    assert_eq!(quiet.created_at, doc.page.updated_at);
    assert_eq!(quiet.updated_at, doc.page.updated_at);
    let day = chrono::DateTime::parse_from_rfc3339(&quiet.created_at)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
        .to_string();
    assert_eq!(quiet.start_date, day);
    assert_eq!(quiet.description.as_deref(), Some("Never down"));
}

/// `statuspage-prometheus-exporter` (PyPI), a maintained Statuspage
/// consumer, fetching summary.json over HTTP from the built site.
#[test]
fn a_statuspage_client_reads_summary_json() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let probe = std::process::Command::new("python3")
        .args(["-c", "import statuspage_prometheus_exporter"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            !ci,
            "statuspage-prometheus-exporter is missing under CI=true: .ci/run must pip install it"
        );
        eprintln!("\n*** SKIPPED: pip install statuspage-prometheus-exporter==2.6.0 ***\n");
        return;
    }
    let (_site, out) = built();
    let server = StaticServer::start(&out).expect("python3 http.server starts");
    let work = TempDir::new("spclient");
    let url = format!("{}/api/v2/summary.json", server.base);
    std::fs::write(
        work.path().join("services.json"),
        format!(
            "{{\"model\": {{\"name\": \"Model\", \"type\": \"status_page\", \"url\": \"{url}\"}}}}"
        ),
    )
    .unwrap();
    let script = r#"
import json, sys
from statuspage_prometheus_exporter.service_checker import check_status_page_service, SERVICES
r = check_status_page_service("model", SERVICES["model"])
r.pop("response_time", None)
print(json.dumps(r, default=str))
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", script])
        .current_dir(work.path())
        .env("SERVICES_JSON_PATH", work.path().join("services.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let r: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["raw_status"], "major", "{r}");
    let incidents = r["incident_metadata"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{r}");
    assert_eq!(incidents[0]["id"], "web-slow");
    assert_eq!(incidents[0]["status"], "monitoring");
    assert_eq!(incidents[0]["started_at"], "2008-08-12T20:00:00Z");
    let maintenance: Vec<&str> = r["maintenance_metadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(maintenance, ["db-window", "later"], "{r}");
    assert_eq!(
        r["maintenance_metadata"][0]["scheduled_start"],
        "2008-08-12T22:00:00Z"
    );
    let down: Vec<&str> = r["component_metadata"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status_value"] == 0)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(down, ["Platform", "Database", "Website"], "{r}");
    assert_eq!(r["component_metadata"].as_array().unwrap().len(), 4);
}

// ---- The homepage.

fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap();
    &html[start..html.find("</main>").unwrap()]
}

#[test]
fn homepage_leads_with_the_overall_status_then_incidents_groups_and_history() {
    let (_site, out) = built();
    let html = read(&out, "index.html");
    let main = main_of(&html);
    // Order: the bar, active incidents, components, upcoming, past, subscribe.
    let at = |needle: &str| main.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("class=\"overall o-partial_outage\"") < at("id=\"active\""));
    assert!(at("id=\"active\"") < at("id=\"components\""));
    assert!(at("id=\"components\"") < at("id=\"upcoming\""));
    assert!(at("id=\"upcoming\"") < at("id=\"past\""));
    assert!(at("id=\"past\"") < at("id=\"subscribe\""));
    assert!(main.contains("Partial System Outage"));
    // Each active incident says when it started.
    assert!(
        main.contains(
            "Started <time datetime=\"2008-08-12T22:00:00+02:00\">12 Aug 2008, 22:00 CEST</time>"
        ),
        "{main}"
    );
    // The group is open (a member is under maintenance) and shows the worst member.
    assert!(main.contains("<details open><summary><span class=\"name\">Platform</span><span class=\"status s-maintenance\">"), "{main}");
    // 30 day-cells per component (history_days = 30), each with words.
    assert_eq!(main.matches("<li class=\"c-").count(), 90);
    assert_eq!(main.matches("<span class=\"tip\">").count(), 90);
    // Hand-computed: tracked since 1 Aug (Berlin) to 01:00 on 13 Aug:
    // 12 × 1440 + 60 = 17340 min, 120 down at weight 1 → 99.30%.
    assert!(main.contains("99.30% uptime"), "{main}");
    // The website: 30 days tracked to 01:00 → 41820 min, 180 min partial
    // (× 0.3 = 54) → 99.87%. The database: maintenance and degraded only.
    assert!(main.contains("99.87% uptime"));
    assert!(main.contains("100% uptime"));
    assert!(main.contains("<li class=\"c-maj\"><span class=\"tip\">12 Aug 2008 · 2 h of downtime · <a href=\"/incidents/api-down/\">API down, database slow</a></span></li>"), "{main}");
    assert!(main.contains(
        "<li class=\"c-none\"><span class=\"tip\">31 Jul 2008 · Not tracked yet</span></li>"
    ));
    assert!(main.contains("<li class=\"c-mnt\"><span class=\"tip\">13 Aug 2008 · Under maintenance · <a href=\"/incidents/db-window/\">"));
    // The last 14 days by day, quiet days said so.
    assert_eq!(main.matches("<h3 class=\"day\">").count(), 14);
    assert!(main.contains("<time datetime=\"2008-08-13\">13 Aug 2008</time>"));
    assert!(main.contains("<time datetime=\"2008-07-31\">31 Jul 2008</time>"));
    assert_eq!(main.matches("No incidents reported.").count(), 12);
    // Subscribe: feed, calendar, JSON, API, per-component feeds, the mailing list.
    let subscribe = &main[at("id=\"subscribe\"")..];
    for href in [
        "/feed.xml",
        "/maintenance.ics",
        "/status.json",
        "/api/v2/summary.json",
        "/components/api/feed.xml",
        "/components/web/feed.xml",
        "https://model.test/mail",
    ] {
        assert!(subscribe.contains(&format!("href=\"{href}\"")), "{href}");
    }
    // Brand: logo, accent, header link.
    assert!(html.contains("<img src=\"/logo.svg\" alt=\"\" height=\"32\">"));
    assert!(html.contains("--link:#0b5fff"));
    assert!(html.contains("<a href=\"https://model.test/help\">Help</a>"));
    // The progressive script, and the build id it compares.
    assert!(html.contains("<script src=\"/upfront.js\" defer></script>"));
    assert!(html.contains("data-build=\""));
    assert!(read(&out, "upfront.js").contains("notice.json"));
}

#[test]
fn homepage_with_10_components_and_90_days_is_under_30_kb_gzipped() {
    use std::io::Write;
    let site = site_copy("status-model");
    let mut toml = String::from(
        "title = \"Big\"\nbase_url = \"https://big.test\"\ntimezone = \"Europe/Berlin\"\nhistory_days = 90\n",
    );
    for n in 0..10 {
        toml.push_str(&format!(
            "[[components]]\nid = \"c{n}\"\nname = \"Component number {n}\"\n"
        ));
    }
    std::fs::write(site.path().join("site.toml"), toml).unwrap();
    let incidents = site.path().join("content/incidents");
    std::fs::remove_dir_all(&incidents).unwrap();
    std::fs::create_dir_all(&incidents).unwrap();
    // An incident every third day on a rotating component, so many cells carry links.
    for d in 0..30 {
        let day = chrono::NaiveDate::from_ymd_opt(2008, 5, 20).unwrap() + chrono::Days::new(3 * d);
        std::fs::write(
            incidents.join(format!("i{d}.md")),
            format!(
                "---\ntitle: Incident number {d} with a realistic title\ndate: {day}T10:00:00Z\nseverity: major\naffected: [c{}]\nupdates:\n  - at: {day}T11:00:00Z\n    status: resolved\n    message: Fixed.\n---\n",
                d % 10
            ),
        )
        .unwrap();
    }
    let out = site.path().join("public");
    build_ok_at(site.path(), &out, &[]);
    let html = std::fs::read(out.join("index.html")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&html).unwrap();
    let size = gz.finish().unwrap().len();
    eprintln!("homepage: {} bytes, {} gzipped", html.len(), size);
    assert_eq!(
        String::from_utf8_lossy(&html)
            .matches("<li class=\"c-")
            .count(),
        900
    );
    assert!(size < 30 * 1024, "{size} bytes gzipped");
}

// ---- Languages.

#[test]
fn the_language_picks_the_words_dates_and_status_wording() {
    let site = site_copy("status-model");
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("language = \"en\"", "language = \"de\"");
    std::fs::write(&toml, text).unwrap();
    std::fs::create_dir_all(site.path().join("i18n")).unwrap();
    std::fs::write(
        site.path().join("i18n/de.toml"),
        "components = \"Dienste\"\n",
    )
    .unwrap();
    let out = site.path().join("public");
    build_ok_at(site.path(), &out, &[]);
    let html = read(&out, "index.html");
    assert!(html.contains("<html lang=\"de\""));
    assert!(
        html.contains("Teilweiser Systemausfall"),
        "overall status in German"
    );
    assert!(html.contains(">Dienste</h2>"), "the site's own word wins");
    assert!(html.contains("99,30 % Verfügbarkeit"));
    assert!(html.contains("12. Aug. 2008 · 2 Std. Ausfall"));
    assert!(html.contains("Keine Vorfälle gemeldet."));
    let incident = read(&out, "incidents/api-down/index.html");
    assert!(incident.contains("Behoben"));
    // The API keeps Statuspage's English wording for clients that match it,
    // and carries the German default texts.
    let active = read(&out, "api/v2/scheduled-maintenances/active.json");
    assert!(active.contains("\"body\": \"Wartung läuft\""), "{active}");
    let status = read(&out, "api/v2/status.json");
    assert!(status.contains("Partial System Outage"));
}

#[test]
fn a_language_without_words_is_an_error_listing_the_languages() {
    let site = site_copy("status-model");
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("language = \"en\"", "language = \"pt\"");
    std::fs::write(&toml, text).unwrap();
    let o = build_at(site.path(), &site.path().join("public"), &[]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("site.toml:4") && e.contains("`pt`") && e.contains("en, de, fr, es, ja"),
        "{e}"
    );
    // With its own words it builds.
    std::fs::create_dir_all(site.path().join("i18n")).unwrap();
    std::fs::write(
        site.path().join("i18n/pt.toml"),
        "components = \"Componentes\"\n",
    )
    .unwrap();
    build_ok_at(site.path(), &site.path().join("public"), &[]);
    assert!(read(&site.path().join("public"), "index.html").contains(">Componentes</h2>"));
}

#[test]
fn a_new_maintenance_opens_with_the_maintenance_text() {
    let site = site_copy("status-model");
    let root = site.path().to_str().unwrap();
    let o = upfront(&[
        "new",
        "incident",
        "Disk swap",
        "--severity",
        "maintenance",
        "--affects",
        "db",
        "--starts",
        "2008-09-02T22:00:00Z",
        "--ends",
        "2008-09-02T23:00:00Z",
        "--root",
        root,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let note = std::fs::read_to_string(site.path().join("content/incidents/disk-swap.md")).unwrap();
    assert!(note.contains("Scheduled maintenance"), "{note}");
    assert!(!note.contains("investigating"), "{note}");
}
