//! Escaping by construction, proved on output: the `nasty` fixture puts
//! quotes, `<script>`, `&amp;` and `&`, `]]>`, `</script>`, `<!--`, a
//! backslash, `;` and `,`, newlines, a tab, a bell (U+0007), U+2028, emoji
//! and non-ASCII text in
//! every plain-text field (site name and description, component names,
//! incident titles and summaries, letter title, author and role, page
//! title). The built site's every file is read back with a real parser for
//! its type (HTML: html5gum, a WHATWG tokenizer; XML and SVG: roxmltree;
//! JSON: serde_json; iCalendar: unfolded and unescaped per RFC 5545), and
//! the values read back must equal the strings written: a double escape is
//! as much a failure as a missing one.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What every plain-text field of the fixture holds after its tag.
const BASE: &str = "\"dq\" 'sq' <script>alert(1)</script> &amp; & AT&T ]]> </script> <!-- c --> \\ ;, Ünïcødé 日本語 🚨\u{2028}end\ttab\u{7}bell";

/// A field's value in the fixture, `tag: BASE`.
fn n(tag: &str) -> String {
    format!("{tag}: {BASE}")
}

/// The tag of a component's name in the fixture, by id.
fn component_tag(id: &str) -> String {
    let mut tag = id.to_string();
    tag[..1].make_ascii_uppercase();
    tag
}

/// A field that also holds a newline.
fn n2(tag: &str) -> String {
    format!("{tag}: {BASE}\nline2")
}

/// A field as markup and calendars can hold it: XML 1.0 and iCalendar have
/// no way to write a control character such as the bell (U+0007), HTML calls
/// it a parse error, so it is dropped there; JSON keeps it.
fn shown(s: &str) -> String {
    s.replace('\u{7}', "")
}

/// The first update's message (Markdown) as text once rendered: code spans
/// keep their characters, `\<` is a literal `<`.
fn message_one() -> &'static str {
    "Msg1 \"dq\" 'sq' <script>alert(1)</script> ]]> &amp; & AT&T Ünïcødé 日本語 🚨 <b>escaped</b>"
}

/// The letter's body (Markdown) as text, which is also its excerpt.
const LETTER_TEXT: &str = "We are sorry: <script>alert(1)</script> & AT&T “quoted” <b>.";

/// The first update's message as written (Markdown source), which JSON
/// for Statuspage clients carries as it is.
const MESSAGE_ONE_SOURCE: &str =
    "Msg1 `\"dq\" 'sq' <script>alert(1)</script>` `]]>` `&amp;` & AT&T Ünïcødé 日本語 🚨 \\<b>escaped\\</b>";

const MESSAGE_TWO: &[&str] = &[
    "Msg2 </script> and ]]>",
    "Second paragraph: 5 < 6 & 7 > 3 <i>",
];

fn built() -> (TempDir, PathBuf) {
    let tmp = TempDir::new("escaping");
    let out = tmp.path().join("out");
    build_ok(&fixture("nasty"), &out, &[]);
    (tmp, out)
}

fn files(out: &Path) -> BTreeMap<String, String> {
    tree(out)
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with('.'))
        .map(|(rel, bytes)| {
            let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{rel}: not UTF-8: {e}"));
            (rel, text)
        })
        .collect()
}

// ---------------------------------------------------------------- HTML

/// An HTML document as a browser's tokenizer sees it.
#[derive(Default)]
struct Html {
    /// Every character token, concatenated (markup removed).
    text: String,
    /// (element, attribute, value) of every start tag.
    attrs: Vec<(String, String, String)>,
    /// `<meta>` contents by their `name` or `property`.
    metas: BTreeMap<String, Vec<String>>,
    /// The text inside each `<script>` element.
    scripts: Vec<String>,
    comments: Vec<String>,
    errors: Vec<String>,
}

impl Html {
    fn parse(src: &str) -> Html {
        use html5gum::{DefaultEmitter, Token, Tokenizer};
        let mut emitter = DefaultEmitter::default();
        // title/textarea are RCDATA, script is script data, style raw text:
        // the states tree construction would switch the tokenizer to.
        emitter.naively_switch_states(true);
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut html = Html::default();
        let mut in_script = None::<String>;
        for token in Tokenizer::new_with_emitter(src, emitter) {
            match token.unwrap() {
                Token::StartTag(tag) => {
                    let name = s(&tag.name);
                    for (k, v) in &tag.attributes {
                        html.attrs.push((name.clone(), s(k), s(&v.value)));
                    }
                    let attr = |k: &str| tag.attributes.get(k.as_bytes()).map(|v| s(&v.value));
                    if let (Some(key), Some(content)) =
                        (attr("name").or_else(|| attr("property")), attr("content"))
                    {
                        if name == "meta" {
                            html.metas.entry(key).or_default().push(content);
                        }
                    }
                    if name == "script" {
                        in_script = Some(String::new());
                    }
                }
                Token::EndTag(tag) => {
                    if &tag.name[..] == b"script" {
                        html.scripts.extend(in_script.take());
                    }
                }
                Token::String(t) => {
                    let t = s(&t.value);
                    match &mut in_script {
                        Some(script) => script.push_str(&t),
                        None => html.text.push_str(&t),
                    }
                }
                Token::Comment(c) => html.comments.push(s(&c.value)),
                Token::Doctype(_) => {}
                Token::Error(e) => html.errors.push(format!("{:?}", e.value)),
            }
        }
        html
    }

    fn attr(&self, element: &str, attribute: &str, filter: impl Fn(&str) -> bool) -> Vec<&str> {
        self.attrs
            .iter()
            .filter(|(e, a, v)| e == element && a == attribute && filter(v))
            .map(|(_, _, v)| v.as_str())
            .collect()
    }
}

fn check_html(rel: &str, src: &str) -> Html {
    let html = Html::parse(src);
    assert!(
        html.errors.is_empty(),
        "{rel}: HTML parse errors {:?}",
        html.errors
    );
    for script in &html.scripts {
        assert!(
            !script.contains("alert"),
            "{rel}: data inside a <script>: {script}"
        );
    }
    // The theme's one script tag, `<script src=".../upfront.js" defer>`, is
    // the only script element a page may carry; anything else is text that
    // became markup.
    let own_script = html
        .attrs
        .iter()
        .any(|(e, a, v)| e == "script" && a == "src" && v.ends_with("/upfront.js"));
    for (element, attribute, value) in &html.attrs {
        let theirs = element == "script"
            && own_script
            && ((attribute == "src" && value.ends_with("/upfront.js")) || attribute == "defer");
        assert!(
            theirs
                || (!["script", "b", "i"].contains(&element.as_str())
                    && !attribute.starts_with("on")),
            "{rel}: text became markup: <{element} {attribute}>"
        );
    }
    assert!(
        html.comments.iter().all(|c| !c.contains(" c ")),
        "{rel}: text became a comment: {:?}",
        html.comments
    );
    // Every page carries the site's name, exactly.
    assert!(
        html.text.contains(&shown(&n2("Site"))),
        "{rel}: the site name is not read back"
    );
    html
}

fn assert_text(rel: &str, html: &Html, expected: &[String]) {
    for e in expected.iter().map(|e| shown(e)) {
        assert!(
            html.text.contains(e.as_str()),
            "{rel}: the text {e:?} is not read back; the page's text:\n{}",
            html.text
        );
    }
}

#[test]
fn html_pages_read_back_every_field_unchanged() {
    let (_tmp, out) = built();
    let files = files(&out);
    let mut pages = 0;
    for (rel, src) in files.iter().filter(|(r, _)| r.ends_with(".html")) {
        let html = check_html(rel, src);
        pages += 1;
        // The feed links' title attributes: an attribute round trip with a
        // newline inside. A component page also links its own feed.
        let site = shown(&n2("Site"));
        let titles = html.attr("link", "title", |_| true);
        assert_eq!(
            titles.first(),
            Some(&site.as_str()),
            "{rel}: the feed link's title"
        );
        if let Some(id) = rel
            .strip_prefix("components/")
            .and_then(|r| r.split('/').next())
        {
            let component = shown(&n(&component_tag(id)));
            assert_eq!(titles[1..], [format!("{component} · {site}")], "{rel}");
        } else {
            assert_eq!(titles.len(), 1, "{rel}: {titles:?}");
        }
        // The page's description: the incident's summary, else its title,
        // else the site's description.
        let expected = match rel.as_str() {
            "incidents/active/index.html" => n2("Summary"),
            "incidents/maint/index.html" => n2("Maint summary"),
            "incidents/resolved/index.html" => n("Resolved summary"),
            "incidents/minor/index.html" => n("Minor"),
            "letters/letter/index.html" => LETTER_TEXT.to_string(),
            "components/downloads/index.html" => {
                format!("{}: Major outage. {}", n("Downloads"), n("Downloads desc"))
            }
            "components/licensing/index.html" => format!("{}: Major outage.", n("Licensing")),
            "components/website/index.html" => {
                format!("{}: Degraded performance.", n("Website"))
            }
            _ => n("Desc"),
        };
        let meta = |key: &str| html.metas.get(key).cloned().unwrap_or_default();
        assert_eq!(
            meta("description"),
            vec![shown(&expected)],
            "{rel}: meta description"
        );
        // Open Graph and Twitter cards on incident and letter pages.
        let card = match rel.as_str() {
            "incidents/active/index.html" => Some((n2("Active"), Some(n2("Summary")))),
            "incidents/resolved/index.html" => Some((n("Resolved"), Some(n("Resolved summary")))),
            "letters/letter/index.html" => Some((n("Letter"), Some(LETTER_TEXT.to_string()))),
            _ => None,
        };
        if let Some((title, summary)) = card {
            for key in ["og:title", "twitter:title"] {
                assert_eq!(meta(key), vec![shown(&title)], "{rel}: {key}");
            }
            for key in ["og:description", "twitter:description"] {
                if let Some(summary) = &summary {
                    assert_eq!(meta(key), vec![shown(summary)], "{rel}: {key}");
                }
            }
        }
        for (key, values) in &html.metas {
            for v in values.iter().filter(|v| v.contains("alert")) {
                assert!(
                    v == LETTER_TEXT || known_values().iter().any(|k| v.contains(&shown(k))),
                    "{rel}: {key} holds a field changed: {v:?}"
                );
            }
        }
    }
    assert!(pages >= 10, "only {pages} pages built");

    let page = |rel: &str| check_html(rel, &files[rel]);
    let all_titles = [n2("Active"), n("Minor"), n("Maint"), n("Resolved")];
    assert_text(
        "index.html",
        &page("index.html"),
        &[
            n("Home"),
            n2("Active"),
            n2("Summary"),
            n("Minor"),
            n("Maint"),
            n("Downloads"),
            n("Licensing"),
            n("Website"),
            n("Letter"),
            n("Page"),
        ],
    );
    let mut active = vec![n2("Active"), n2("Summary"), n("Downloads"), n("Licensing")];
    active.push(message_one().to_string());
    active.extend(MESSAGE_TWO.iter().map(|s| s.to_string()));
    assert_text(
        "incidents/active/index.html",
        &page("incidents/active/index.html"),
        &active,
    );
    assert_text(
        "incidents/index.html",
        &page("incidents/index.html"),
        &all_titles,
    );
    assert_text(
        "letters/letter/index.html",
        &page("letters/letter/index.html"),
        &[
            n("Letter"),
            n("Author"),
            n("Role"),
            n2("Active"),
            LETTER_TEXT.into(),
        ],
    );
    assert_text(
        "letters/index.html",
        &page("letters/index.html"),
        &[n("Letter")],
    );
    // A component page: its name, its active incident, its history.
    assert_text(
        "components/downloads/index.html",
        &page("components/downloads/index.html"),
        &[n("Downloads"), n2("Active"), n("Resolved")],
    );
    // The Special Notice on the downloads page names the active incident.
    assert_text(
        "downloads/index.html",
        &page("downloads/index.html"),
        &[n("Page"), n2("Active"), n2("Summary")],
    );
}

// ---------------------------------------------------------------- XML

/// Parses XML (the feed, the sitemap, SVG badges); roxmltree checks
/// well-formedness and resolves every entity and character reference.
fn xml<'a>(rel: &str, src: &'a str) -> roxmltree::Document<'a> {
    roxmltree::Document::parse(src).unwrap_or_else(|e| panic!("{rel}: not well-formed XML: {e}"))
}

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.has_tag_name(name))
        .map(|c| c.text().unwrap_or(""))
}

#[test]
fn the_feed_reads_back_titles_authors_and_messages() {
    let (_tmp, out) = built();
    let files = files(&out);
    let src = &files["feed.xml"];
    let doc = xml("feed.xml", src);
    let feed = doc.root_element();
    assert_eq!(child_text(feed, "title"), Some(shown(&n2("Site")).as_str()));
    assert_eq!(
        child_text(feed, "subtitle"),
        Some(shown(&n("Desc")).as_str())
    );
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name("entry"))
        .collect();
    let titles: Vec<&str> = entries
        .iter()
        .filter_map(|e| child_text(*e, "title"))
        .collect();
    for expected in [
        format!("Investigating: {}", n2("Active")),
        format!("Identified: {}", n2("Active")),
        format!("Monitoring: {}", n("Minor")),
        format!("Resolved: {}", n("Resolved")),
        n("Letter"),
    ] {
        let expected = shown(&expected);
        assert!(
            titles.contains(&expected.as_str()),
            "no entry titled {expected:?}: {titles:#?}"
        );
    }
    let authors: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.children().find(|c| c.has_tag_name("author")))
        .filter_map(|a| child_text(a, "name"))
        .collect();
    assert!(
        authors.contains(&shown(&n("Author")).as_str()),
        "{authors:#?}"
    );
    assert!(
        authors.contains(&shown(&n2("Site")).as_str()),
        "{authors:#?}"
    );
    // Each entry's content is HTML carried as XML text: two parsers deep,
    // the message must come back as written.
    let mut contents = String::new();
    for e in &entries {
        let content = e.children().find(|c| c.has_tag_name("content")).unwrap();
        assert_eq!(content.attribute("type"), Some("html"));
        let html = Html::parse(content.text().unwrap_or(""));
        assert!(html.errors.is_empty(), "feed content: {:?}", html.errors);
        assert!(html.scripts.is_empty(), "feed content has a script");
        contents.push_str(&html.text);
    }
    assert!(contents.contains(message_one()), "{contents}");
    assert!(contents.contains(LETTER_TEXT), "{contents}");
    // A component's own feed: its title names the component and the site.
    let rel = "components/downloads/feed.xml";
    let doc = xml(rel, &files[rel]);
    let title = format!("{} · {}", shown(&n("Downloads")), shown(&n2("Site")));
    assert_eq!(
        child_text(doc.root_element(), "title"),
        Some(title.as_str())
    );
    let entry_titles: Vec<&str> = doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name("entry"))
        .filter_map(|e| child_text(e, "title"))
        .collect();
    let active = shown(&format!("Identified: {}", n2("Active")));
    assert!(entry_titles.contains(&active.as_str()), "{entry_titles:#?}");
    for line in MESSAGE_TWO {
        assert!(contents.contains(line), "{line:?} not in {contents}");
    }
}

#[test]
fn badges_and_the_sitemap_are_well_formed_and_read_back() {
    let (_tmp, out) = built();
    let files = files(&out);
    let sitemap = xml("sitemap.xml", &files["sitemap.xml"]);
    let locs: Vec<&str> = sitemap
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(locs.len(), 12, "{locs:?}");
    assert!(locs
        .iter()
        .all(|l| l.starts_with("https://status.nasty.test/")));
    let badges = [
        ("badge.svg", n2("Site"), "Major outage"),
        (
            "components/downloads/badge.svg",
            n("Downloads"),
            "Major outage",
        ),
        (
            "components/licensing/badge.svg",
            n("Licensing"),
            "Major outage",
        ),
        (
            "components/website/badge.svg",
            n("Website"),
            "Degraded performance",
        ),
    ];
    for (rel, label, status) in badges {
        let doc = xml(rel, &files[rel]);
        let svg = doc.root_element();
        let label = shown(&label);
        let title = format!("{label}: {status}");
        assert_eq!(child_text(svg, "title"), Some(title.as_str()), "{rel}");
        // An attribute value: a raw newline there would read back as a space.
        assert_eq!(svg.attribute("aria-label"), Some(title.as_str()), "{rel}");
        let texts: Vec<&str> = svg
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(texts, vec![label.as_str(), status], "{rel}");
    }
}

// ---------------------------------------------------------------- JSON

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Every field value the fixture holds, for "a string that carries the
/// payload must be one of them, whole".
fn known_values() -> Vec<String> {
    let mut v = vec![
        n2("Site"),
        n2("Active"),
        n2("Summary"),
        n2("Maint summary"),
        MESSAGE_ONE_SOURCE.into(),
    ];
    for tag in [
        "Desc",
        "Downloads",
        "Downloads desc",
        "Licensing",
        "Website",
        "Home",
        "Minor",
        "Maint",
        "Resolved",
        "Resolved summary",
        "Letter",
        "Author",
        "Role",
        "Page",
    ] {
        v.push(n(tag));
    }
    v
}

#[test]
fn json_outputs_read_back_every_field_unchanged() {
    let (_tmp, out) = built();
    let files = files(&out);
    let known = known_values();
    let mut checked = 0;
    for (rel, src) in files.iter().filter(|(r, _)| r.ends_with(".json")) {
        let value: serde_json::Value =
            serde_json::from_str(src).unwrap_or_else(|e| panic!("{rel}: not JSON: {e}"));
        let mut all = Vec::new();
        strings(&value, &mut all);
        for s in all.iter().filter(|s| s.contains("alert")) {
            assert!(known.contains(s), "{rel}: {s:?} is not a field as written");
        }
        checked += 1;
        let expected: Vec<String> = match rel.as_str() {
            "status.json" => vec![
                n2("Site"),
                n("Downloads"),
                n("Licensing"),
                n("Website"),
                n2("Active"),
                n2("Summary"),
                n("Minor"),
                n("Maint"),
                n2("Maint summary"),
            ],
            "notice.json" => vec![
                n2("Site"),
                n2("Active"),
                n2("Summary"),
                n("Letter"),
                n("Minor"),
            ],
            // Statuspage's shape: names, titles and the messages as written.
            "api/v2/summary.json" => vec![
                n2("Site"),
                n("Downloads"),
                n2("Active"),
                MESSAGE_ONE_SOURCE.into(),
            ],
            _ => vec![],
        };
        for e in expected {
            assert!(all.contains(&e), "{rel}: {e:?} is not read back");
        }
    }
    assert!(
        checked >= 4,
        "status.json, notice.json, api/v2/*.json: {checked}"
    );
}

// ---------------------------------------------------------------- iCalendar

/// RFC 5545 §3.1: content lines end in CRLF, long ones are folded with
/// CRLF + one space or tab. Returns the unfolded lines.
fn unfold(rel: &str, src: &str) -> Vec<String> {
    assert!(src.ends_with("\r\n"), "{rel}: the last line ends in CRLF");
    let body = &src[..src.len() - 2];
    for physical in body.split("\r\n") {
        assert!(
            !physical.contains('\n') && !physical.contains('\r'),
            "{rel}: a bare line break: {physical:?}"
        );
        assert!(
            physical.len() <= 75,
            "{rel}: {} octets: {physical}",
            physical.len()
        );
        assert!(
            !physical.chars().any(|c| c.is_control() && c != '\t'),
            "{rel}: a control character: {physical:?}"
        );
    }
    body.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .split("\r\n")
        .map(String::from)
        .collect()
}

/// A TEXT value unescaped; panics on an escape RFC 5545 §3.3.11 does not
/// define, or on a `;` or `,` left unescaped.
fn ics_unescape(rel: &str, value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\\') => out.push('\\'),
                Some(';') => out.push(';'),
                Some(',') => out.push(','),
                Some('n' | 'N') => out.push('\n'),
                other => panic!("{rel}: bad escape \\{other:?} in {value:?}"),
            },
            ';' | ',' => panic!("{rel}: unescaped {c:?} in TEXT {value:?}"),
            c => out.push(c),
        }
    }
    out
}

#[test]
fn the_calendar_unfolds_and_unescapes_to_the_fields() {
    let (_tmp, out) = built();
    let files = files(&out);
    let rel = "maintenance.ics";
    let lines = unfold(rel, &files[rel]);
    let mut props: Vec<(String, String)> = Vec::new();
    for line in &lines {
        // No parameters are written, so the name ends at the first colon.
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{rel}: no colon: {line}"));
        assert!(
            name.chars().all(|c| c.is_ascii_uppercase() || c == '-'),
            "{rel}: property name {name:?}"
        );
        props.push((name.to_string(), value.to_string()));
    }
    let text = |name: &str| -> Vec<String> {
        props
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| ics_unescape(rel, v))
            .collect()
    };
    assert_eq!(text("SUMMARY"), vec![shown(&n("Maint"))]);
    assert_eq!(
        text("DESCRIPTION"),
        vec![shown(&format!(
            "{}\nhttps://status.nasty.test/incidents/maint/",
            n2("Maint summary")
        ))]
    );
    assert_eq!(
        text("X-WR-CALNAME"),
        vec![shown(&format!("{} maintenance", n2("Site")))]
    );
    assert_eq!(
        text("PRODID"),
        vec![shown(&format!("-//upfront//{}//EN", n2("Site")))]
    );
    assert_eq!(
        props
            .iter()
            .filter(|(n, v)| n == "BEGIN" && v == "VEVENT")
            .count(),
        1
    );
}

// ---------------------------------------------------------------- the rest

#[test]
fn every_output_file_is_parsed_by_the_parser_for_its_type() {
    let (_tmp, out) = built();
    let files = files(&out);
    let notice_js = std::fs::read_to_string(repo_root().join("src/theme/notice.js")).unwrap();
    let page_js = std::fs::read_to_string(repo_root().join("src/theme/upfront.js")).unwrap();
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for (rel, src) in &files {
        let ext = rel.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "html" => {
                check_html(rel, src);
            }
            "xml" | "svg" => {
                xml(rel, src);
            }
            "json" => {
                serde_json::from_str::<serde_json::Value>(src)
                    .unwrap_or_else(|e| panic!("{rel}: not JSON: {e}"));
            }
            "ics" => {
                unfold(rel, src);
            }
            // Scripts are static: data reaches them through JSON only.
            "js" => assert!(
                src == &notice_js || src == &page_js,
                "{rel} is not one of the theme's static scripts"
            ),
            // Any other output must not carry the data at all, since
            // nothing here knows how it would be escaped.
            _ => assert!(
                !src.contains("alert(1)"),
                "{rel}: data in a file of unknown type"
            ),
        }
        *by_type.entry(ext).or_default() += 1;
    }
    for ext in ["html", "xml", "svg", "json", "ics", "js"] {
        assert!(by_type.contains_key(ext), "no .{ext} output: {by_type:?}");
    }
}

// ------------------------------------------------- the basic fixture, poisoned
//
// SECURITY.md's promise on the everyday fixture: a hostile value appended to
// every plain-text field of tests/fixtures/basic, including template syntax
// (`{{ site.title }}`, `{% raw %}`) that must never be run.

/// The payload as written in a double-quoted YAML or TOML string.
const ENCODED: &str =
    r#"<script>alert(1)</script> \" onfocus=\"x ' & ]]> {{ site.title }} {% raw %};,"#;
/// The payload as the field's value.
const PAYLOAD: &str =
    r#"<script>alert(1)</script> " onfocus="x ' & ]]> {{ site.title }} {% raw %};,"#;

/// Appends the payload to every `key: "...` / `key = "...` line of a file.
fn poison(root: &Path, rel: &str, keys: &[&str]) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut hits = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            for key in keys {
                for sep in [": ", " = "] {
                    let head = format!("{key}{sep}");
                    if let Some(rest) = line.strip_prefix(&head) {
                        hits += 1;
                        let rest = rest.trim_matches('"');
                        return format!("{head}\"{rest} {ENCODED}\"");
                    }
                }
            }
            line.to_string()
        })
        .collect();
    assert!(hits > 0, "{rel}: none of {keys:?}");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn hostile_plain_text_fields_are_escaped_in_every_format() {
    let site = site_copy("basic");
    let root = site.path();
    poison(root, "site.toml", &["title", "description", "name"]);
    for rel in std::fs::read_dir(root.join("content/incidents")).unwrap() {
        let rel = rel.unwrap().path();
        let rel = rel
            .strip_prefix(root)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        poison(root, &rel, &["title"]);
    }
    poison(root, "content/incidents/license-expired.md", &["summary"]);
    poison(
        root,
        "content/letters/open-letter.md",
        &["title", "author", "role"],
    );
    poison(root, "content/pages/about.md", &["title"]);
    let out = root.join("public");
    build_ok(root, &out, &[]);

    let mut escaped_in = Vec::new();
    for (path, bytes) in tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        let ext = path.rsplit('.').next().unwrap_or("");
        match ext {
            "html" | "xml" | "svg" => {
                for raw in ["<script>alert", "\" onfocus=\"", "]]>"] {
                    assert!(!text.contains(raw), "{path} holds {raw:?} unescaped");
                }
                if text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") {
                    escaped_in.push(path.clone());
                }
            }
            "json" => {
                let value: serde_json::Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
                let mut all = Vec::new();
                strings(&value, &mut all);
                if all.iter().any(|s| s.contains(PAYLOAD)) {
                    escaped_in.push(path.clone());
                }
            }
            "ics" => {
                // Unfolded (long lines continue after CRLF and a space).
                let text = text.replace("\r\n ", "").replace("\n ", "");
                // RFC 5545 TEXT: `;` and `,` escaped with a backslash.
                assert!(!text.contains("{% raw %};,"), "{path}: `;,` unescaped");
                if text.contains(r"{% raw %}\;\,") {
                    escaped_in.push(path.clone());
                }
            }
            _ => assert!(
                !text.contains("alert(1)"),
                "{path}: the payload reached a file it has no business in"
            ),
        }
        assert!(
            !text.contains("Fixture Status Fixture Status"),
            "{path}: `{{{{ site.title }}}}` in a field was run as a template"
        );
    }
    for must in [
        "index.html",
        "incidents/license-expired/index.html",
        "letters/open-letter/index.html",
        "about/index.html",
        "feed.xml",
        "badge.svg",
        "status.json",
        "notice.json",
        "maintenance.ics",
    ] {
        assert!(
            escaped_in.iter().any(|p| p == must),
            "{must} does not carry the payload at all: {escaped_in:?}"
        );
    }
}
