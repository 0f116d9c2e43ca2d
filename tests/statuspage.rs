//! `/api/v2/summary.json` and `/api/v2/status.json`: the shapes Atlassian
//! Statuspage documents, with the values the basic fixture implies.

mod common;

use common::*;
use serde_json::Value;

fn api() -> (Value, Value, Value) {
    let site = site_copy("basic");
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let json = |p: &str| -> Value { serde_json::from_str(&read(&out, p)).unwrap() };
    (
        json("api/v2/summary.json"),
        json("api/v2/status.json"),
        json("status.json"),
    )
}

fn is_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

#[test]
fn status_has_page_and_indicator() {
    let (summary, status, ours) = api();
    assert_eq!(status["page"], summary["page"]);
    assert_eq!(status["status"], summary["status"]);
    let page = &status["page"];
    assert_eq!(page["name"], "Fixture Status");
    assert_eq!(page["url"], "https://status.fixture.test");
    // When the content last changed (the license incident's last update in
    // the fixture), not the build time: an unchanged site rebuilds the same.
    assert!(is_time(&page["updated_at"]));
    assert_ne!(page["updated_at"], ours["generated_at"]);
    assert_eq!(page["id"].as_str().unwrap().len(), 12);
    // A critical incident is active: Statuspage says "critical".
    assert_eq!(status["status"]["indicator"], "critical");
    assert_eq!(status["status"]["description"], "Major System Outage");
}

#[test]
fn components_carry_statuspage_statuses_in_order() {
    let (summary, _, ours) = api();
    let ids: Vec<&str> = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let our_ids: Vec<&str> = ours["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, our_ids);
    let allowed = [
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "under_maintenance",
    ];
    for (n, c) in summary["components"].as_array().unwrap().iter().enumerate() {
        assert!(allowed.contains(&c["status"].as_str().unwrap()), "{c}");
        assert_eq!(c["position"], n + 1);
        assert_eq!(c["page_id"], summary["page"]["id"]);
        assert!(c["updated_at"].is_null() || is_time(&c["updated_at"]));
    }
    assert_eq!(summary["components"][0]["status"], "major_outage");
    assert_eq!(summary["components"][2]["status"], "degraded_performance");
}

#[test]
fn unresolved_incidents_with_updates_newest_first() {
    let (summary, _, ours) = api();
    let incidents = summary["incidents"].as_array().unwrap();
    // Our active incidents that are not maintenance, in the same order.
    let ours: Vec<&str> = ours["active_incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["severity"] != "maintenance")
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    let ids: Vec<&str> = incidents
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ours);
    for i in incidents {
        assert_ne!(i["status"], "resolved");
        assert!(["minor", "major", "critical"].contains(&i["impact"].as_str().unwrap()));
        assert!(i["shortlink"]
            .as_str()
            .unwrap()
            .starts_with("https://status.fixture.test/incidents/"));
        for key in ["created_at", "updated_at", "started_at"] {
            assert!(is_time(&i[key]), "{key}: {i}");
        }
        let updates = i["incident_updates"].as_array().unwrap();
        let times: Vec<&str> = updates
            .iter()
            .map(|u| u["display_at"].as_str().unwrap())
            .collect();
        let mut sorted = times.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "newest first");
        for u in updates {
            assert_eq!(u["incident_id"], i["id"]);
            assert!(
                !u["body"].as_str().unwrap().contains("<p>"),
                "body is text, not HTML"
            );
        }
    }
    let license = &incidents[0];
    assert_eq!(license["id"], "license-expired");
    assert_eq!(license["impact"], "critical");
    assert_eq!(license["components"][0]["id"], "licensing");
    assert!(license["incident_updates"][0]["body"]
        .as_str()
        .unwrap()
        .starts_with("The cause is a time bomb"));
}

#[test]
fn maintenance_upcoming_and_in_progress_with_windows() {
    let (summary, _, ours) = api();
    let maintenance = summary["scheduled_maintenances"].as_array().unwrap();
    assert!(!maintenance.is_empty());
    let upcoming = ours["upcoming_maintenance"].as_array().unwrap().len();
    let in_progress = ours["active_incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["severity"] == "maintenance")
        .count();
    assert_eq!(maintenance.len(), upcoming + in_progress);
    for m in maintenance {
        assert!(
            ["scheduled", "in_progress"].contains(&m["status"].as_str().unwrap()),
            "{m}"
        );
        assert_eq!(m["impact"], "maintenance");
        assert!(
            is_time(&m["scheduled_for"]) && is_time(&m["scheduled_until"]),
            "{m}"
        );
    }
    // Incidents carry no window fields.
    assert!(summary["incidents"][0].get("scheduled_for").is_none());
}

/// An update says `deliver_notifications: true` when `upfront notify` sends
/// it: some `[[notify]]` channel takes its incident (here, only incidents
/// affecting downloads). Without channels, none does (the other tests).
#[test]
fn updates_say_whether_notify_sends_them() {
    let site = site_copy("basic");
    let toml = site.path().join("site.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str(
        "\n[[notify]]\nkind = \"slack\"\nurl_env = \"T_SLACK_URL\"\ncomponents = [\"downloads\"]\n",
    );
    std::fs::write(&toml, text).unwrap();
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let summary: Value = serde_json::from_str(&read(&out, "api/v2/summary.json")).unwrap();
    let delivered = |slug: &str| -> Vec<Value> {
        let incidents = summary["incidents"].as_array().unwrap();
        let incident = incidents.iter().find(|i| i["id"] == slug).unwrap();
        let updates = incident["incident_updates"].as_array().unwrap();
        updates
            .iter()
            .map(|u| u["deliver_notifications"].clone())
            .collect()
    };
    let licensing = delivered("license-expired");
    assert!(!licensing.is_empty() && licensing.iter().all(|d| *d == true));
    let website = delivered("slow-website");
    assert!(!website.is_empty() && website.iter().all(|d| *d == false));
}
