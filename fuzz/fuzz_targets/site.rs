//! The content model: a whole site made of fuzzed files goes through the
//! real loaders (site.toml, content/), the model and the renderer. Any bytes
//! give errors or pages, never a panic; and a site that loads renders the
//! same bytes twice. The built-in templates are compiled once (tera's parser
//! would otherwise take 90% of the time; templates are not fuzzed here).
//!
//! Input format: chunks separated by the bytes `\0\0`. A chunk's first byte
//! picks the file it becomes (see `FILES`); the rest is the file's bytes.
//! Without a site.toml chunk the site gets a fixed one with three components.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use upfront::pipeline::build;
use upfront::publish::outputs;
use upfront::site::model::Site;
use upfront::source::config::Config;
use upfront::source::content::Content;
use upfront::source::templates::Templates;

const SITE_TOML: &str =
    "title = \"Fuzz\"\nbase_url = \"https://status.fuzz.test\"\ntimezone = \"Europe/Berlin\"\n\
[[components]]\nid = \"licensing\"\nname = \"License server\"\n\
[[components]]\nid = \"downloads\"\nname = \"Downloads\"\n\
[[components]]\nid = \"website\"\nname = \"Website\"\n";

/// Where chunk kind `n % FILES.len()` is written.
const FILES: &[&str] = &[
    "content/incidents/license-expired.md",
    "content/incidents/slow-website.md",
    "content/incidents/mirror-maintenance.md",
    "content/letters/open-letter.md",
    "content/letters/second.md",
    "content/pages/downloads.md",
    "content/pages/about.md",
    "content/index.md",
    "site.toml",
    "content/incidents/Bad Name.md",
];

fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        base.join(format!("upfront-fuzz-site-{}", std::process::id()))
    })
}

fn templates() -> &'static Templates {
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        Templates::load(std::path::Path::new("/nonexistent")).expect("built-in templates")
    })
}

fn check(errors: &upfront::Errors) {
    assert!(!errors.is_empty(), "a failed load must say why");
    for e in errors.iter() {
        assert!(!e.message.is_empty());
    }
}

fn chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(2).position(|w| w == b"\0\0") {
        out.push(&rest[..i]);
        rest = &rest[i + 2..];
    }
    out.push(rest);
    out
}

fuzz_target!(
    init: {
        // One thread: the fuzzer measures coverage, not speed.
        std::env::set_var("RAYON_NUM_THREADS", "1");
    },
    |data: &[u8]| {
        let root = root();
        let _ = std::fs::remove_dir_all(root);
        for dir in ["content/incidents", "content/letters", "content/pages"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("site.toml"), SITE_TOML).unwrap();
        for chunk in chunks(data) {
            let Some((&kind, bytes)) = chunk.split_first() else {
                continue;
            };
            std::fs::write(root.join(FILES[kind as usize % FILES.len()]), bytes).unwrap();
        }
        let drafts = data.first().is_some_and(|b| b & 0x80 != 0);
        let config = match Config::load(root) {
            Ok(c) => c,
            Err(errors) => return check(&errors),
        };
        let content = match Content::load(root, &config, drafts) {
            Ok(c) => c,
            Err(errors) => return check(&errors),
        };
        let now = build::parse_time("2008-08-12T23:00:00+02:00").unwrap();
        let site = Site::new(config, content, now, 0);
        let first = outputs::render(&site, templates(), &[]);
        let second = outputs::render(&site, templates(), &[]);
        assert_eq!(first, second, "rendering is not reproducible");
    }
);
