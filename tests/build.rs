//! The real binary on fixture sites: every output of SPEC §6.

mod common;

use common::*;

fn built(name: &str, extra: &[&str]) -> (TempDir, std::path::PathBuf) {
    let site = site_copy(name);
    let out = site.path().join("public");
    build_ok(site.path(), &out, extra);
    (site, out)
}

#[test]
fn example_site_at_the_repo_root_builds() {
    let tmp = TempDir::new("example");
    let out = tmp.path().join("out");
    build_ok(&repo_root(), &out, &[]);
    let incident = read(&out, "incidents/license-expired/index.html");
    for status in ["Investigating", "Identified", "Monitoring", "Resolved"] {
        assert!(incident.contains(status), "timeline lacks {status}");
    }
    assert!(read(&out, "letters/open-letter/index.html").contains("Jane Doe"));
    assert!(out.join("downloads/index.html").exists());
    assert!(read(&out, "index.html").contains("Upcoming maintenance"));
}

#[test]
fn homepage_banners_come_first_most_severe_first_with_letter() {
    let (_s, out) = built("basic", &[]);
    let home = read(&out, "index.html");
    let main = home.find("<main").unwrap();
    let critical = home
        .find("Hosts report &#39;license expired&#39;")
        .expect("critical banner");
    let minor = home.find("Slow website").expect("minor banner");
    let maintenance = home
        .find("Mirror maintenance now")
        .expect("maintenance banner");
    // The page's <h1> is the site line in the header; inside <main> the
    // overall status leads (SPEC §9), then the banners before everything else.
    let h1 = home.find("<h1").unwrap();
    let overall = home.find("class=\"overall").expect("overall status");
    let rest = home.find("id=\"components\"").expect("components");
    assert!(
        h1 < main
            && main < overall
            && overall < critical
            && critical < minor
            && minor < maintenance
            && maintenance < rest,
        "banner order"
    );
    assert!(
        home[critical..rest].contains("href=\"/letters/open-letter/\""),
        "banner links the letter"
    );
    assert!(home[critical..rest].contains("href=\"/incidents/license-expired/\""));
    // Plain text fields are escaped, never interpreted.
    assert!(home.contains("&lt;after&gt; the date rolled to 12 August &amp; more."));
    assert!(
        !home.contains("Old downloads outage</a></h2>"),
        "resolved incidents get no banner"
    );
}

#[test]
fn downloads_page_carries_the_special_notice_other_pages_do_not() {
    let (_s, out) = built("basic", &[]);
    let downloads = read(&out, "downloads/index.html");
    assert!(downloads.contains("Special Notice"));
    assert!(downloads.contains("/incidents/license-expired/"));
    assert!(downloads.contains("/incidents/mirror-maintenance/"));
    assert!(
        !downloads.contains("/incidents/slow-website/"),
        "website is not in its notices"
    );
    assert!(!read(&out, "about/index.html").contains("Special Notice"));
}

#[test]
fn drafts_only_with_the_flag() {
    let (_s, out) = built("basic", &[]);
    assert!(!out.join("incidents/secret-draft").exists());
    assert!(!read(&out, "incidents/index.html").contains("Draft incident"));
    let (_s2, out2) = built("basic", &["--drafts"]);
    assert!(out2.join("incidents/secret-draft/index.html").exists());
}

#[test]
fn status_json_has_the_documented_schema() {
    let (_s, out) = built("basic", &[]);
    let v: serde_json::Value = serde_json::from_str(&read(&out, "status.json")).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["generated_at"], "2008-08-13T00:00:00Z");
    assert_eq!(v["build_id"].as_str().unwrap().len(), 16);
    assert_eq!(v["overall"], "major_outage");
    let comps = v["components"].as_array().unwrap();
    let status = |id: &str| comps.iter().find(|c| c["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("licensing"), "major_outage");
    assert_eq!(status("downloads"), "major_outage");
    assert_eq!(status("website"), "degraded");
    let active: Vec<&str> = v["active_incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        active,
        ["license-expired", "slow-website", "mirror-maintenance"]
    );
    assert_eq!(
        v["active_incidents"][0]["letter_url"],
        "https://status.fixture.test/letters/open-letter/"
    );
    assert_eq!(v["upcoming_maintenance"][0]["slug"], "db-maintenance");
    assert_eq!(
        v["upcoming_maintenance"][0]["starts_at"],
        "2099-01-15T06:00:00Z"
    );
}

#[test]
fn feed_has_an_entry_per_update_with_stable_absolute_ids() {
    let (_s, out) = built("basic", &[]);
    let feed = read(&out, "feed.xml");
    // 2 + 1 + 2 + 1 + 1 updates, one letter.
    assert_eq!(feed.matches("<entry>").count(), 8);
    assert!(feed.contains(
        "<id>https://status.fixture.test/incidents/license-expired/#update-20080812T063000Z</id>"
    ));
    assert!(feed.contains("<id>https://status.fixture.test/letters/open-letter/</id>"));
    assert!(feed.contains("href=\"https://status.fixture.test/feed.xml\""));
    let incident = read(&out, "incidents/license-expired/index.html");
    assert!(
        incident.contains("id=\"update-20080812T063000Z\""),
        "feed ids are anchors on the page"
    );
}

#[test]
fn same_content_and_now_build_the_same_bytes() {
    let site = site_copy("basic");
    let (a, b) = (site.path().join("a"), site.path().join("b"));
    build_ok(site.path(), &a, &[]);
    build_ok(site.path(), &b, &[]);
    assert_eq!(tree(&a), tree(&b));
}

#[test]
fn base_url_override_for_staging() {
    let (_s, out) = built("basic", &["--base-url", "https://staging.test/status/"]);
    let home = read(&out, "index.html");
    assert!(
        home.contains("<link rel=\"canonical\" href=\"https://staging.test/status/\">"),
        "{home}"
    );
    assert!(home.contains("href=\"/status/incidents/license-expired/\""));
    assert!(read(&out, "feed.xml").contains("https://staging.test/status/incidents/"));
}

#[test]
fn static_files_are_copied_and_sitemap_and_404_exist() {
    let (_s, out) = built("basic", &[]);
    assert_eq!(read(&out, "robots.txt"), "User-agent: *\n");
    assert_eq!(std::fs::read(out.join("img/logo.gif")).unwrap(), b"GIF89a");
    assert!(read(&out, "sitemap.xml")
        .contains("<loc>https://status.fixture.test/incidents/license-expired/</loc>"));
    assert!(read(&out, "404.html").contains("Page not found"));
}

/// The sitemap upfront writes itself is what the template in
/// `layouts/README.md` gives, and a `layouts/sitemap.xml` replaces it.
#[test]
fn a_sitemap_layout_gets_the_same_urls_and_replaces_the_built_in_one() {
    let (site, out) = built("basic", &[]);
    let built_in = read(&out, "sitemap.xml");
    let template = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
        <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
        {% for u in urls %}<url><loc>{{ u.loc }}</loc>{% if u.lastmod %}<lastmod>{{ u.lastmod }}</lastmod>{% endif %}</url>\n\
        {% endfor %}</urlset>\n";
    let layouts = site.path().join("layouts");
    std::fs::create_dir_all(&layouts).unwrap();
    std::fs::write(layouts.join("sitemap.xml"), template).unwrap();
    build_ok(site.path(), &out, &[]);
    assert_eq!(read(&out, "sitemap.xml"), built_in);

    let custom = template.replace("<url>", "<url><!-- mine -->");
    std::fs::write(layouts.join("sitemap.xml"), custom).unwrap();
    build_ok(site.path(), &out, &[]);
    let mine = read(&out, "sitemap.xml");
    assert_eq!(
        mine.matches("<!-- mine -->").count(),
        built_in.matches("<url>").count()
    );
    assert!(mine.contains("<lastmod>"));
}

#[test]
fn archive_is_grouped_by_month_newest_first() {
    let (_s, out) = built("basic", &[]);
    let archive = read(&out, "incidents/index.html");
    let jan = archive.find("January 2099").unwrap();
    let aug = archive.find("August 2008").unwrap();
    let jul = archive.find("July 2008").unwrap();
    assert!(jan < aug && aug < jul);
}

#[test]
fn times_are_shown_in_the_site_timezone_with_datetime() {
    let (_s, out) = built("basic", &[]);
    let page = read(&out, "incidents/license-expired/index.html");
    // 06:30Z in Europe/Berlin (CEST).
    assert!(
        page.contains(
            "<time datetime=\"2008-08-12T08:30:00+02:00\">12 Aug 2008, 08:30 CEST</time>"
        ),
        "{page}"
    );
    // An incident page says when its own content last changed (its last
    // update, 20:10Z); the homepage carries the build time (SPEC §7).
    assert!(page.contains("Page updated <time datetime=\"2008-08-12T22:10:00+02:00\">"));
    let home = read(&out, "index.html");
    assert!(home.contains("Last updated <time datetime=\"2008-08-13T02:00:00+02:00\">"));
}

#[test]
fn homepage_with_css_fits_the_first_round_trip() {
    use std::io::Write;
    let (_s, out) = built("basic", &[]);
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(bytes).unwrap();
        e.finish().unwrap().len()
    };
    let css = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "css"))
        .unwrap();
    let total =
        gz(&std::fs::read(out.join("index.html")).unwrap()) + gz(&std::fs::read(css).unwrap());
    assert!(total < 14 * 1024, "homepage + CSS is {total} bytes gzipped");
}

#[test]
fn init_scaffolds_a_site_that_builds_at_once() {
    let tmp = TempDir::new("init");
    let dir = tmp.path().join("status");
    let o = upfront(&["init", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    build_ok(&dir, &dir.join("public"), &[]);
    assert!(dir.join("public/index.html").exists());
    let again = upfront(&["init", dir.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("never overwrites"));
}

#[test]
fn summary_line_and_quiet() {
    let site = site_copy("basic");
    let o = upfront(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert!(o.status.success());
    let line = String::from_utf8_lossy(&o.stdout);
    assert!(
        line.starts_with("upfront: wrote 41 files to ") && line.contains(" ms"),
        "{line}"
    );
    let q = upfront(&[
        "build",
        "-q",
        "--root",
        site.path().to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert!(q.stdout.is_empty());
}

#[test]
fn every_written_file_has_exactly_one_cache_rule() {
    let (_s, out) = built("basic", &[]);
    let headers = read(&out, "_headers");
    let patterns: Vec<&str> = headers.lines().filter(|l| l.starts_with('/')).collect();
    // The marker file is ours, not the site's; _headers is read by the host.
    for path in tree(&out)
        .keys()
        .filter(|p| *p != "_headers" && !p.starts_with('.'))
    {
        let url = format!("/{path}");
        let hits: Vec<&&str> = patterns
            .iter()
            .filter(|p| upfront::publish::headers::matches(p, &url))
            .collect();
        assert_eq!(hits.len(), 1, "{url} matches {hits:?}");
    }
    let css = tree(&out)
        .into_keys()
        .find(|p| p.starts_with("style."))
        .unwrap();
    assert!(headers.contains(&format!(
        "/{css}\n  Cache-Control: public, max-age=31536000, immutable"
    )));
    assert!(headers.contains("/\n  Cache-Control: public, max-age=60, must-revalidate"));
}

#[test]
fn cache_seconds_from_site_toml_reaches_headers() {
    let site = site_copy("basic");
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("cache_seconds = 15\n{text}")).unwrap();
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let headers = read(&out, "_headers");
    assert!(headers.contains("max-age=15, must-revalidate"), "{headers}");
    assert!(!headers.contains("max-age=60,"), "{headers}");
}

#[test]
fn incident_and_letter_pages_carry_link_previews() {
    let (_s, out) = built("basic", &[]);
    let page = read(&out, "incidents/license-expired/index.html");
    for tag in [
        r#"<meta property="og:title" content="Hosts report &#39;license expired&#39; after Update 2">"#,
        r#"<meta property="og:url" content="https://status.fixture.test/incidents/license-expired/">"#,
        r#"<meta property="og:description" content="Virtual machines fail to power on &lt;after&gt; the date rolled to 12 August &amp; more.">"#,
        r#"<meta name="twitter:card" content="summary">"#,
    ] {
        assert!(page.contains(tag), "incident page lacks {tag}");
    }
    let letter = read(&out, "letters/open-letter/index.html");
    assert!(letter.contains(
        r#"<meta property="og:url" content="https://status.fixture.test/letters/open-letter/">"#
    ));
    assert!(letter.contains(r#"<meta property="og:description" content="We are sorry.">"#));
}

#[test]
fn component_pages_show_status_and_history_and_have_a_feed() {
    let (_s, out) = built("basic", &[]);
    let page = read(&out, "components/licensing/index.html");
    assert!(page.contains("<h1>License server</h1>"));
    assert!(page.contains("Major outage"));
    assert!(page.contains(r#"href="/incidents/license-expired/""#));
    let feed = read(&out, "components/licensing/feed.xml");
    assert!(feed.contains("<title>License server · Fixture Status</title>"));
    assert!(feed.contains("/incidents/license-expired/#update-"));
    // The website component's feed carries only its own incidents.
    let website = read(&out, "components/website/feed.xml");
    assert!(!website.contains("license-expired"));
    assert!(read(&out, "sitemap.xml").contains("/components/licensing/"));
}

#[test]
fn component_page_lists_its_recent_history_and_points_to_the_archive() {
    let site = site_copy("basic");
    let dir = site.path().join("content/incidents");
    for n in 0..103 {
        let note = format!(
            "---\ntitle: \"Old blip {n}\"\ndate: 2001-01-01T00:{:02}:{:02}Z\nseverity: minor\n\
             affected: [website]\nupdates:\n  - at: 2001-01-02T00:00:00Z\n    status: resolved\n    message: Fixed.\n---\n",
            n / 60,
            n % 60
        );
        std::fs::write(dir.join(format!("blip-{n}.md")), note).unwrap();
    }
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let page = read(&out, "components/website/index.html");
    assert_eq!(page.matches("<span class=\"meta\"><time").count(), 100);
    assert!(
        page.contains("The 100 most recent of 105 incidents"),
        "{page}"
    );
    // The newest (the fixture's own) comes first; the oldest blip is left out.
    assert!(page.contains("/incidents/slow-website/"));
    assert!(!page.contains("/incidents/blip-0/"));
    // The archive keeps all of them.
    assert!(read(&out, "incidents/index.html").contains("/incidents/blip-0/"));
}

/// SPEC §7: only the homepage, status.json and notice.json carry the build
/// time and id; a rebuild with nothing new changes nothing else, so a
/// deploy uploads three files.
#[test]
fn a_rebuild_with_nothing_new_changes_only_the_three_stamped_files() {
    let site = site_copy("basic");
    let (a, b) = (site.path().join("a"), site.path().join("b"));
    build_ok(site.path(), &a, &[]);
    let root = site.path().to_str().unwrap();
    let later = [
        "build",
        "-q",
        "--now",
        "2008-08-13T00:05:00Z",
        "--root",
        root,
    ];
    let o = upfront(&[&later[..], &["--output", b.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (tree(&a), tree(&b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "same files"
    );
    let changed: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert_eq!(changed, ["index.html", "notice.json", "status.json"]);
    // The others say when their own content changed, never the build time.
    let incident = String::from_utf8(a["incidents/license-expired/index.html"].clone()).unwrap();
    assert!(incident.contains("Page updated <time"), "{incident}");
    assert!(!incident.contains("build <code>"), "{incident}");
}

#[test]
fn archive_pages_are_cut_from_the_oldest_so_a_new_incident_changes_the_first_only() {
    // With the fixture's own notes, more than two pages' worth.
    let site = site_with_archive(520);
    let dir = site.path().join("content/incidents");
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let first = read(&out, "incidents/index.html");
    let second = read(&out, "incidents/page/2/index.html");
    assert!(
        !out.join("incidents/page/3").exists(),
        "520+ notes make two pages"
    );
    // Every note on exactly one page; the oldest 250 on the last page.
    for n in 0..520 {
        let link = format!("/incidents/archived-{n}/\"");
        let on = [&first, &second]
            .iter()
            .filter(|p| p.contains(&link))
            .count();
        assert_eq!(on, 1, "archived-{n}");
        assert_eq!(second.contains(&link), n >= 270, "archived-{n}");
    }
    assert!(first.len() < 500_000 && second.len() < 500_000);

    // A new incident: the first page shows it, the second keeps its bytes.
    let newest = archived_note(0)
        .replace("Archived 0", "Newest")
        .replace("2008-08-01", "2008-08-02");
    std::fs::write(dir.join("archived-new.md"), newest).unwrap();
    build_ok(site.path(), &out, &[]);
    assert!(read(&out, "incidents/index.html").contains("/incidents/archived-new/\""));
    assert_eq!(read(&out, "incidents/page/2/index.html"), second);
}

/// A full build renders each archive page together with its incidents'
/// pages, keeping their summaries for that page only; serve renders every
/// page from one shared set. Both give the same bytes, file for file, on
/// an archive of two pages (the cut between them included).
#[test]
fn a_full_build_writes_what_one_render_of_the_whole_site_gives() {
    let site = site_with_archive(520);
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let opts = upfront::pipeline::build::BuildOptions {
        root: site.path().to_path_buf(),
        now: Some(upfront::pipeline::build::parse_time(NOW).unwrap()),
        ..Default::default()
    };
    let loaded = upfront::pipeline::build::load(&opts).unwrap();
    let rendered = upfront::pipeline::build::render(&loaded).unwrap();
    let mut written = tree(&out);
    written.remove(upfront::pipeline::output::MARKER);
    let copies = loaded.copies.len();
    assert_eq!(written.len(), rendered.len() + copies, "file counts differ");
    for o in &rendered {
        let bytes = written
            .get(&o.path)
            .unwrap_or_else(|| panic!("{} not written", o.path));
        assert!(*bytes == o.bytes, "{} differs", o.path);
    }
}

/// The feeds take the newest updates of the whole site, wherever they are:
/// old incidents updated last, a component's feed only its own. (Feeds stop looking once nothing older
/// can make the cut, so this checks the cut against every update.)
#[test]
fn feeds_hold_the_newest_updates_of_every_note() {
    let site = TempDir::new("feed-newest");
    let root = site.path();
    copy_dir(&fixture("basic"), root);
    let dir = root.join("content/incidents");
    for f in std::fs::read_dir(&dir).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let letters = root.join("content/letters");
    let _ = std::fs::remove_dir_all(&letters);
    // (minute of update, incident, component): distinct minutes, so the
    // newest 50 are one set; a linear congruence scatters them.
    let mut updates: Vec<(u32, usize, &str)> = Vec::new();
    for n in 0..90usize {
        let component = if n % 3 == 0 { "downloads" } else { "website" };
        let mut minutes: Vec<u32> = (0..3).map(|k| ((n * 3 + k) * 7919 % 4099) as u32).collect();
        minutes.sort_unstable();
        let mut text = format!(
            "---\ntitle: \"Incident {n}\"\ndate: 2020-01-01T00:{:02}:00Z\nseverity: minor\naffected:\n  - {component}\nupdates:\n",
            n % 60
        );
        for m in &minutes {
            text.push_str(&format!(
                "  - at: {}\n    status: identified\n    message: m\n",
                at(*m)
            ));
            updates.push((*m, n, component));
        }
        text.push_str("---\n");
        std::fs::write(dir.join(format!("i{n}.md")), text).unwrap();
    }
    let out = root.join("public");
    build_ok(root, &out, &[]);
    updates.sort_by_key(|u| std::cmp::Reverse(u.0));
    let expect = |keep: &dyn Fn(&str) -> bool| -> Vec<(String, String)> {
        let newest = updates.iter().filter(|u| keep(u.2)).take(50);
        newest
            .map(|(m, n, _)| (at(*m), format!("Identified: Incident {n}")))
            .collect()
    };
    assert_eq!(entries(&read(&out, "feed.xml")), expect(&|_| true));
    let downloads = read(&out, "components/downloads/feed.xml");
    assert_eq!(entries(&downloads), expect(&|c| c == "downloads"));
}

/// 2021-01-01 plus `minutes`, as RFC 3339 in UTC.
fn at(minutes: u32) -> String {
    format!(
        "2021-01-{:02}T{:02}:{:02}:00Z",
        1 + minutes / 1440,
        minutes / 60 % 24,
        minutes % 60
    )
}

/// (updated, title) of each entry of an Atom feed, in order.
fn entries(feed: &str) -> Vec<(String, String)> {
    feed.split("<entry>")
        .skip(1)
        .map(|e| {
            let field = |tag: &str| {
                let start = e.find(&format!("<{tag}")).unwrap();
                let start = start + e[start..].find('>').unwrap() + 1;
                e[start..start + e[start..].find('<').unwrap()].to_string()
            };
            (field("updated"), field("title"))
        })
        .collect()
}

/// The homepage's recent days list what started on each day in the site's
/// time zone: an incident just after local midnight of the first day, and
/// a window announced weeks before it started (the model keeps windows
/// apart; the newest incidents are read down to the first day only).
#[test]
fn homepage_days_list_what_started_on_them_in_the_site_time_zone() {
    let site = site_copy("basic");
    let incidents = site.path().join("content/incidents");
    std::fs::write(
        incidents.join("announced-early.md"),
        "---\ntitle: \"Announced early window\"\ndate: 2008-06-01T09:00:00Z\n\
         severity: maintenance\naffected: [downloads]\n\
         starts: 2008-08-05T08:00:00Z\nends: 2008-08-05T09:00:00Z\n---\n",
    )
    .unwrap();
    // 00:30 on 31 July in Berlin, the first of the fourteen days.
    std::fs::write(
        incidents.join("past-midnight.md"),
        "---\ntitle: \"Just past midnight\"\ndate: 2008-07-30T22:30:00Z\n\
         severity: minor\naffected: [website]\n\
         updates:\n  - at: 2008-07-30T23:00:00Z\n    status: resolved\n    message: Fixed.\n---\n",
    )
    .unwrap();
    let out = site.path().join("public");
    build_ok(site.path(), &out, &[]);
    let home = read(&out, "index.html");
    let day = |iso: &str| {
        let start = home
            .find(&format!("<h3 class=\"day\"><time datetime=\"{iso}\">"))
            .unwrap_or_else(|| panic!("no day {iso}"));
        let rest = &home[start + 1..];
        let end = rest
            .find("<h3")
            .or_else(|| rest.find("</section>"))
            .unwrap();
        rest[..end].to_string()
    };
    assert!(
        day("2008-08-05").contains("Announced early window"),
        "{}",
        day("2008-08-05")
    );
    assert!(
        day("2008-07-31").contains("Just past midnight"),
        "{}",
        day("2008-07-31")
    );
    assert!(!day("2008-08-01").contains("Just past midnight"));
}
