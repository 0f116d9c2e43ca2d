//! `upfront init --host …`: the CI files it writes are valid for their
//! host (GitHub workflows through the real `action-validator`, the rest
//! parsed as YAML/TOML), schedule a rebuild every 5 minutes, and keep the
//! record of sent notifications; plus completions and man pages.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const HOSTS: &[&str] = &[
    "github-pages",
    "gitlab-pages",
    "netlify",
    "cloudflare-pages",
    "s3",
    "none",
];

fn init(dir: &Path, host: &str) {
    let o = upfront(&["init", dir.to_str().unwrap(), "--host", host]);
    assert!(o.status.success(), "init --host {host}: {}", stderr(&o));
}

fn yaml(path: &Path) -> serde_yaml::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `action-validator` (npm `@action-validator/cli`): missing, it skips
/// loudly, and fails under `CI=true`, where `.ci/run` installs it.
fn action_validator() -> Option<&'static str> {
    let ok = Command::new("action-validator")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("action-validator");
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("action-validator is missing under CI=true: .ci/run must `npm install -g @action-validator/cli`");
    }
    eprintln!(
        "\n*** SKIPPED: action-validator is missing (npm install -g @action-validator/cli) ***\n"
    );
    None
}

/// Runs a CI step's shell text in the site with a stand-in `upfront` that
/// records its arguments: without `[[notify]]` in site.toml nothing
/// notifies; with a channel, the step runs `upfront notify` or
/// `upfront deploy … --notify`.
fn assert_notifies_only_with_channels(site: &Path, host: &str, step: &str) {
    let bin = site.join(".stub-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = site.join(".stub-log");
    let stub = bin.join("upfront");
    std::fs::write(
        &stub,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = || {
        let _ = std::fs::remove_file(&log);
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        let o = Command::new("bash")
            .args(["-e", "-c", step])
            .current_dir(site)
            .env("PATH", path)
            .env("S3_TARGET", "s3://bucket")
            .output()
            .unwrap();
        assert!(o.status.success(), "{host}: {}", stderr(&o));
        std::fs::read_to_string(&log).unwrap_or_default()
    };
    let calls = run();
    assert!(
        !calls.contains("notify"),
        "{host} notified with no channels: {calls}"
    );
    let config = site.join("site.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\n[[notify]]\nkind = \"slack\"\nurl_env = \"SLACK_WEBHOOK_URL\"\n"),
    )
    .unwrap();
    let calls = run();
    assert!(
        calls
            .lines()
            .any(|l| l == "notify"
                || (l.starts_with("deploy s3://bucket") && l.ends_with("--notify"))),
        "{host}: {calls}"
    );
    std::fs::write(&config, text).unwrap();
}

#[test]
fn every_host_gets_a_gitignore_and_its_ci_files_and_the_site_builds() {
    for host in HOSTS {
        let tmp = TempDir::new(&format!("init-{host}"));
        let dir = tmp.path().join("status");
        init(&dir, host);
        let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
        assert!(ignore.contains("/public/"), "{host}");
        let workflow = dir.join(".github/workflows/upfront.yml");
        let gitlab = dir.join(".gitlab-ci.yml");
        match *host {
            "none" => assert!(!workflow.exists() && !gitlab.exists()),
            "gitlab-pages" => {
                let ci = yaml(&gitlab);
                assert_eq!(ci["pages"]["artifacts"]["paths"][0], "public");
                assert!(ci["pages"]["script"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("upfront build"));
                let notify = ci["notify"]["script"][0].as_str().unwrap();
                assert_notifies_only_with_channels(&dir, host, notify);
                let caches = ci["notify"]["cache"].as_sequence().unwrap();
                assert!(
                    caches.iter().any(|c| c["paths"][0] == ".upfront/"),
                    "{caches:?}"
                );
                assert!(!workflow.exists());
            }
            _ => {
                let wf = yaml(&workflow);
                assert_eq!(wf["on"]["schedule"][0]["cron"], "*/5 * * * *", "{host}");
                assert!(wf["on"]["push"].is_mapping(), "{host}");
                let steps = wf["jobs"]["publish"]["steps"].as_sequence().unwrap();
                let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
                let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
                let notify = runs
                    .iter()
                    .find(|r| r.contains("notify"))
                    .expect("a notify step");
                assert_notifies_only_with_channels(&dir, host, notify);
                assert!(uses.contains(&"actions/cache/restore@v4"), "{host}");
                assert!(uses.contains(&"actions/cache/save@v4"), "{host}");
                let version = wf["env"]["UPFRONT_VERSION"].as_str().unwrap();
                assert_eq!(version, env!("CARGO_PKG_VERSION"));
            }
        }
        match *host {
            "netlify" => {
                let t: toml::Table =
                    toml::from_str(&std::fs::read_to_string(dir.join("netlify.toml")).unwrap())
                        .unwrap();
                assert_eq!(t["build"]["publish"].as_str(), Some("public"));
            }
            "cloudflare-pages" => {
                let t: toml::Table =
                    toml::from_str(&std::fs::read_to_string(dir.join("wrangler.toml")).unwrap())
                        .unwrap();
                assert_eq!(t["pages_build_output_dir"].as_str(), Some("public"));
            }
            _ => {}
        }
        let out = tmp.path().join("out");
        build_ok(&dir, &out, &[]);
        assert!(out.join("404.html").exists() && out.join("_headers").exists());
        // The example incident is a draft: nothing of it is published.
        assert!(!out.join("incidents/welcome").exists(), "{host}");
        assert!(
            !read(&out, "index.html").contains("briefly unavailable"),
            "{host}"
        );
    }
}

#[test]
fn generated_github_workflows_pass_action_validator() {
    let Some(validator) = action_validator() else {
        return;
    };
    for host in ["github-pages", "netlify", "cloudflare-pages", "s3"] {
        let tmp = TempDir::new(&format!("validate-{host}"));
        init(tmp.path(), host);
        let workflow = tmp.path().join(".github/workflows/upfront.yml");
        let o = Command::new(validator).arg(&workflow).output().unwrap();
        assert!(
            o.status.success(),
            "{host}: action-validator rejected the workflow:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(&o)
        );
    }
    // And it does reject a broken one, so the check above means something.
    let tmp = TempDir::new("validate-broken");
    let bad = tmp.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n",
    )
    .unwrap();
    let o = Command::new(validator).arg(&bad).output().unwrap();
    assert!(!o.status.success());
}

#[test]
fn init_refuses_to_overwrite_a_workflow() {
    let tmp = TempDir::new("init-twice");
    std::fs::create_dir_all(tmp.path().join(".github/workflows")).unwrap();
    std::fs::write(tmp.path().join(".github/workflows/upfront.yml"), "mine").unwrap();
    let o = upfront(&["init", tmp.path().to_str().unwrap(), "--host", "s3"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("never overwrites"));
    assert!(!tmp.path().join("site.toml").exists());
}

#[test]
fn completions_and_man_pages() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = upfront(&["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("deploy") && text.contains("completions"),
            "{shell}"
        );
    }
    let o = upfront(&["man"]);
    assert!(o.status.success());
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH upfront 1"),
        "{page}"
    );
    assert!(page.contains("deploy"));
    let tmp = TempDir::new("man");
    let o = upfront(&["man", "--dir", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for page in [
        "upfront.1",
        "upfront-deploy.1",
        "upfront-init.1",
        "upfront-new-incident.1",
    ] {
        assert!(tmp.path().join(page).is_file(), "{page}");
    }
    let deploy = std::fs::read_to_string(tmp.path().join("upfront-deploy.1")).unwrap();
    assert!(deploy.contains("AWS_ENDPOINT_URL"));
}
