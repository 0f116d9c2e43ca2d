//! `site.toml` → [`Config`], strictly: an unknown key is an error, because a
//! typo silently ignored during an incident is a banner that never shows.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use crate::vocab::error::{serde_hint, Error, Errors, Result};
use crate::vocab::slug::is_slug;

pub const FILE_NAME: &str = "site.toml";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub title: String,
    /// Always without a trailing slash, so `{base_url}/path/` joins cleanly.
    pub base_url: String,
    pub description: String,
    pub language: String,
    pub timezone: Tz,
    pub output_dir: PathBuf,
    pub components: Vec<Component>,
    /// How long hosts and CDNs may cache pages, feeds and JSON (`_headers`).
    pub cache_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    base_url: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default = "default_timezone")]
    timezone: String,
    #[serde(default = "default_output_dir")]
    output_dir: PathBuf,
    #[serde(default = "default_cache_seconds")]
    cache_seconds: u32,
    #[serde(default)]
    components: Vec<Component>,
}

/// One minute: short enough that an update reaches readers through any CDN
/// within a minute, long enough to absorb a rush of visitors.
pub const DEFAULT_CACHE_SECONDS: u32 = 60;
/// An hour: a longer cache would hide updates while an incident runs.
pub const MAX_CACHE_SECONDS: u32 = 3600;

fn default_cache_seconds() -> u32 {
    DEFAULT_CACHE_SECONDS
}

fn default_language() -> String {
    "en".into()
}
fn default_timezone() -> String {
    "UTC".into()
}
fn default_output_dir() -> PathBuf {
    PathBuf::from("public")
}

impl Config {
    /// Reads `root/site.toml`.
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(
                    Error::in_file(&path, "no site.toml here: this is not an upfront site")
                        .hint("create one with `upfront init`, or point --root at your site")
                        .into(),
                )
            }
            Err(e) => return Err(Error::io(&path, "read site.toml", &e).into()),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, col) =
                crate::source::frontmatter::line_col(e.as_bytes(), e.utf8_error().valid_up_to());
            Error::in_file(&path, "site.toml is not valid UTF-8").at(line, Some(col))
        })?;
        Config::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            // toml leaves the message empty for some syntax errors (a value
            // missing at the end of the file): never print a bare location.
            let message = match e.message().trim() {
                "" => "invalid TOML: a key, value or table is incomplete here",
                m => m,
            };
            let mut err = Error::in_file(path, message.to_string());
            if let Some(span) = e.span() {
                let (line, col) = crate::source::frontmatter::line_col(text.as_bytes(), span.start);
                err = err.at(line, Some(col));
            }
            if let Some(h) = serde_hint(e.message()) {
                err = err.hint(h);
            }
            err
        })?;
        let line_of = |needle: &str| crate::source::frontmatter::find_line(text, needle);
        let mut errors = Errors::default();
        let timezone = raw.timezone.parse::<Tz>().unwrap_or_else(|_| {
            errors.push(
                Error::in_file(path, format!("unknown timezone `{}`", raw.timezone))
                    .at_line(line_of("timezone"))
                    .hint("use an IANA name such as `UTC`, `Europe/Berlin` or `America/New_York`"),
            );
            Tz::UTC
        });
        let base_url = raw.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            errors.push(
                Error::in_file(
                    path,
                    format!("base_url `{}` is not an absolute http(s) URL", raw.base_url),
                )
                .at_line(line_of("base_url"))
                .hint(
                    "feeds and canonical links need it absolute, e.g. `https://status.example.com`",
                ),
            );
        }
        if raw.cache_seconds > MAX_CACHE_SECONDS {
            errors.push(
                Error::in_file(
                    path,
                    format!("cache_seconds = {} is too long for a status page", raw.cache_seconds),
                )
                .at_line(line_of("cache_seconds"))
                .hint(format!(
                    "use at most {MAX_CACHE_SECONDS} (an hour); the default is {DEFAULT_CACHE_SECONDS}"
                )),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for c in &raw.components {
            let line = line_of(&format!("\"{}\"", c.id)).or_else(|| line_of(&c.id));
            if !is_slug(&c.id) {
                errors.push(
                    Error::in_file(
                        path,
                        format!("component id `{}` is not of the form [a-z0-9-]+", c.id),
                    )
                    .at_line(line),
                );
            }
            if !seen.insert(c.id.as_str()) {
                errors.push(
                    Error::in_file(path, format!("component id `{}` is listed twice", c.id))
                        .at_line(line),
                );
            }
        }
        errors.into_result(Config {
            title: raw.title,
            base_url,
            description: raw.description,
            language: raw.language,
            timezone,
            output_dir: raw.output_dir,
            components: raw.components,
            cache_seconds: raw.cache_seconds,
        })
    }

    pub fn component_ids(&self) -> Vec<&str> {
        self.components.iter().map(|c| c.id.as_str()).collect()
    }

    /// The absolute URL of a site path such as `/incidents/x/` (base_url may
    /// carry a path of its own, which comes first).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config> {
        Config::parse(s, Path::new("site.toml"))
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse("title = \"A\"\nbase_url = \"https://x.test/\"\n").unwrap();
        assert_eq!(c.base_url, "https://x.test");
        assert_eq!(c.timezone, Tz::UTC);
        assert_eq!(c.output_dir, PathBuf::from("public"));
        assert_eq!(c.absolute("/feed.xml"), "https://x.test/feed.xml");
        assert_eq!(c.cache_seconds, DEFAULT_CACHE_SECONDS);
    }

    #[test]
    fn cache_seconds_is_bounded() {
        let base = "title = \"A\"\nbase_url = \"https://x.test\"\n";
        assert_eq!(
            parse(&format!("{base}cache_seconds = 0\n"))
                .unwrap()
                .cache_seconds,
            0
        );
        let e = parse(&format!("{base}cache_seconds = 86400\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("site.toml:3") && e.contains("at most 3600"),
            "{e}"
        );
        let e = parse(&format!("{base}cache_seconds = -1\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("site.toml:3"), "{e}");
    }

    #[test]
    fn unknown_key_names_key_line_and_suggests() {
        let e =
            parse("title = \"A\"\nbase_url = \"https://x.test\"\ntimezon = \"UTC\"\n").unwrap_err();
        let s = e.to_string();
        assert!(s.contains("site.toml:3"), "{s}");
        assert!(s.contains("timezon"), "{s}");
        assert!(s.contains("did you mean `timezone`"), "{s}");
    }

    #[test]
    fn bad_timezone_and_component_reported_together() {
        let text = "title = \"A\"\nbase_url = \"https://x.test\"\ntimezone = \"Mars/Olympus\"\n\
                    [[components]]\nid = \"Bad Id\"\nname = \"x\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!(e.len(), 2, "{e}");
        assert!(e.to_string().contains("site.toml:3"));
        assert!(e.to_string().contains("site.toml:5"));
    }

    #[test]
    fn truncated_toml_still_says_what_is_wrong() {
        // Found by the site fuzz target: toml gave an empty message.
        let e = parse("title = 'T'\nbase_url = 'https://x.test'\ndescription = ").unwrap_err();
        assert!(e.0[0].message.contains("incomplete"), "{e}");
        assert_eq!(e.0[0].line, Some(3), "{e}");
    }

    #[test]
    fn relative_base_url_is_refused() {
        let e = parse("title = \"A\"\nbase_url = \"status.example.com\"\n").unwrap_err();
        assert!(e.to_string().contains("absolute"));
    }
}
