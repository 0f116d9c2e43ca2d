//! SECURITY.md's promise: every plain-text field (site.toml's title,
//! description and component names; every front-matter title, summary,
//! author and role) is escaped in every output format. A hostile value is
//! put into each of them; no output may contain it as markup, and the data
//! formats must carry it back exactly.

mod common;

use common::*;
use std::path::Path;

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

/// Every string inside a JSON value.
fn strings(v: &serde_json::Value, into: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => into.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, into)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, into)),
        _ => {}
    }
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
