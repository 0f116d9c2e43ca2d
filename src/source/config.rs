//! `site.toml` → [`Config`], strictly: an unknown key is an error, because a
//! typo silently ignored during an incident is a banner that never shows.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::vocab::error::{serde_hint, Error, Errors, Result};
use crate::vocab::i18n::Words;
use crate::vocab::slug::is_slug;

mod notify;
pub use notify::{NotifyChannel, Target};

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
    /// `[[notify]]`: where `upfront notify` sends each event (SPEC §11).
    pub notify: Vec<NotifyChannel>,
    /// Display groups of components, in the order written.
    pub groups: Vec<Group>,
    pub brand: Brand,
    /// Days of uptime history per component (`HISTORY_DAYS`).
    pub history_days: u16,
    pub subscribe_url: Option<String>,
    /// Links in the header, in the order written.
    pub links: Vec<HeaderLink>,
    /// The theme's words in `language`.
    pub words: Words,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The id of a `[[groups]]` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Tracked since (the first day its uptime counts).
    #[serde(default, deserialize_with = "toml_date", skip_serializing)]
    pub since: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLink {
    pub name: String,
    pub url: String,
}

/// The site's own look: all optional, the theme works without any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brand {
    /// Paths under the site root, as written (`static/logo.svg`).
    pub logo: Option<PathBuf>,
    pub favicon: Option<PathBuf>,
    pub accent: Option<Accent>,
}

/// A brand colour that white text on it (and it as text on white) reads at
/// WCAG AA: a contrast ratio of at least 4.5 against white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent([u8; 3]);

/// WCAG 2.x AA for body text.
pub const AA_CONTRAST: f64 = 4.5;

impl Accent {
    /// `#rgb` or `#rrggbb`.
    pub fn parse_hex(s: &str) -> Option<Accent> {
        let hex = s.strip_prefix('#')?;
        let digit = |c: char| c.to_digit(16).map(|d| d as u8);
        let digits: Option<Vec<u8>> = hex.chars().map(digit).collect();
        match digits?.as_slice() {
            [r, g, b] => Some(Accent([r * 17, g * 17, b * 17])),
            [r1, r0, g1, g0, b1, b0] => Some(Accent([r1 * 16 + r0, g1 * 16 + g0, b1 * 16 + b0])),
            _ => None,
        }
    }

    /// `#rrggbb`, lower case.
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// WCAG relative luminance.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// The WCAG contrast ratio of white against this colour (1 to 21).
    pub fn contrast_with_white(self) -> f64 {
        1.05 / (self.luminance() + 0.05)
    }
}

/// Uptime history bounds (SPEC §9).
pub const HISTORY_DAYS: std::ops::RangeInclusive<u16> = 7..=365;
pub const DEFAULT_HISTORY_DAYS: u16 = 90;

fn toml_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<NaiveDate>, D::Error> {
    use serde::de::Error as _;
    // A TOML local date (`since = 2024-01-01`) or the same as a string.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match Written::deserialize(d)? {
        Written::Date(dt) => match (dt.date, dt.time) {
            (Some(date), None) => date.to_string(),
            _ => {
                return Err(D::Error::custom(
                    "`since` is a date without a time, e.g. 2024-01-01",
                ))
            }
        },
        Written::Text(s) => s,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            D::Error::custom(format!(
                "`since` = `{text}` is not a date such as 2024-01-01"
            ))
        })
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
    #[serde(default)]
    notify: Vec<notify::RawChannel>,
    #[serde(default)]
    groups: Vec<Group>,
    logo: Option<PathBuf>,
    favicon: Option<PathBuf>,
    accent: Option<String>,
    #[serde(default = "default_history_days")]
    history_days: i64,
    subscribe_url: Option<String>,
    #[serde(default)]
    links: Vec<HeaderLink>,
}

fn default_history_days() -> i64 {
    i64::from(DEFAULT_HISTORY_DAYS)
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
        let config = Config::parse_at(&text, &path, Some(root))?;
        config.check_brand_files(root, &text, &path)?;
        Ok(config)
    }

    /// The logo and favicon must exist: a broken image in the header of a
    /// status page during an incident looks like part of the outage.
    fn check_brand_files(&self, root: &Path, text: &str, path: &Path) -> Result<()> {
        let mut errors = Errors::default();
        for (key, value) in [("logo", &self.brand.logo), ("favicon", &self.brand.favicon)] {
            if let Some(p) = value {
                if !root.join(p).is_file() {
                    errors.push(
                        Error::in_file(path, format!("{key} `{}` does not exist", p.display()))
                            .at_line(crate::source::frontmatter::find_line(text, key))
                            .hint("the path is relative to the site root, e.g. `static/logo.svg`"),
                    );
                }
            }
        }
        errors.into_result(())
    }

    /// Parses site.toml text with the built-in words only (no site on disk).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        Config::parse_at(text, path, None)
    }

    fn parse_at(text: &str, path: &Path, root: Option<&Path>) -> Result<Config> {
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
        let words = match Words::load(&raw.language, root) {
            Ok(w) => w,
            Err(e) => {
                for err in e.0 {
                    errors.push(match err.file {
                        Some(_) => err,
                        None => Error {
                            file: Some(path.to_path_buf()),
                            line: line_of("language"),
                            ..err
                        },
                    });
                }
                Words::english()
            }
        };
        let history_days = u16::try_from(raw.history_days)
            .ok()
            .filter(|d| HISTORY_DAYS.contains(d))
            .unwrap_or_else(|| {
                errors.push(
                    Error::in_file(
                        path,
                        format!("history_days = {} is out of range", raw.history_days),
                    )
                    .at_line(line_of("history_days"))
                    .hint(format!(
                        "use {} to {} days; the default is {DEFAULT_HISTORY_DAYS}",
                        HISTORY_DAYS.start(),
                        HISTORY_DAYS.end()
                    )),
                );
                DEFAULT_HISTORY_DAYS
            });
        let accent = raw.accent.as_deref().and_then(|a| {
            let line = line_of("accent");
            let Some(accent) = Accent::parse_hex(a.trim()) else {
                errors.push(
                    Error::in_file(path, format!("accent `{a}` is not a colour"))
                        .at_line(line)
                        .hint("write it as `#rrggbb`, e.g. `#0b5fff`"),
                );
                return None;
            };
            let ratio = accent.contrast_with_white();
            if ratio < AA_CONTRAST {
                errors.push(
                    Error::in_file(
                        path,
                        format!(
                            "accent `{a}` is too light: white text on it has a contrast of {ratio:.2}:1, WCAG AA needs {AA_CONTRAST}:1"
                        ),
                    )
                    .at_line(line)
                    .hint("pick a darker shade of the colour (buttons and links carry text on it)"),
                );
                return None;
            }
            Some(accent)
        });
        for (key, value) in [("logo", &raw.logo), ("favicon", &raw.favicon)] {
            if let Some(p) = value {
                let under_static = p.starts_with("static") && p.components().count() > 1;
                if !under_static
                    || p.components()
                        .any(|c| matches!(c, std::path::Component::ParentDir))
                {
                    errors.push(
                        Error::in_file(
                            path,
                            format!("{key} `{}` is not a file in static/", p.display()),
                        )
                        .at_line(line_of(key))
                        .hint("put the file in static/ and write e.g. `static/logo.svg`"),
                    );
                }
            }
        }
        let absolute_url = |u: &str| {
            u.starts_with("https://") || u.starts_with("http://") || u.starts_with("mailto:")
        };
        for (what, url) in raw
            .subscribe_url
            .iter()
            .map(|u| ("subscribe_url", u))
            .chain(raw.links.iter().map(|l| ("links", &l.url)))
        {
            if !absolute_url(url) {
                errors.push(
                    Error::in_file(
                        path,
                        format!("{what}: `{url}` is not an absolute http(s) or mailto: URL"),
                    )
                    .at_line(line_of(url).or_else(|| line_of(what))),
                );
            }
        }
        let mut group_ids = std::collections::HashSet::new();
        for g in &raw.groups {
            let line = line_of(&format!("\"{}\"", g.id)).or_else(|| line_of(&g.id));
            if !is_slug(&g.id) {
                errors.push(
                    Error::in_file(
                        path,
                        format!("group id `{}` is not of the form [a-z0-9-]+", g.id),
                    )
                    .at_line(line),
                );
            }
            if !group_ids.insert(g.id.as_str()) {
                errors.push(
                    Error::in_file(path, format!("group id `{}` is listed twice", g.id))
                        .at_line(line),
                );
            }
        }
        let known_groups: Vec<&str> = raw.groups.iter().map(|g| g.id.as_str()).collect();
        for c in &raw.components {
            if group_ids.contains(c.id.as_str()) {
                errors.push(
                    Error::in_file(path, format!("`{}` is both a group and a component id", c.id))
                        .at_line(line_of(&format!("\"{}\"", c.id)).or_else(|| line_of(&c.id)))
                        .hint("ids share one namespace (the Statuspage API lists groups among components): rename one"),
                );
            }
        }
        for c in &raw.components {
            if let Some(g) = &c.group {
                if !group_ids.contains(g.as_str()) {
                    let hint = if known_groups.is_empty() {
                        "define it with a [[groups]] table (id, name)".to_string()
                    } else {
                        crate::vocab::error::choice_hint(g, &known_groups)
                    };
                    errors.push(
                        Error::in_file(
                            path,
                            format!("component `{}` names an unknown group `{g}`", c.id),
                        )
                        .at_line(line_of(&format!("\"{g}\"")).or_else(|| line_of(g)))
                        .hint(hint),
                    );
                }
            }
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
        let ids: Vec<&str> = raw.components.iter().map(|c| c.id.as_str()).collect();
        let notify = notify::check(raw.notify, &ids, text, path).unwrap_or_else(|e| {
            errors.extend(e);
            Vec::new()
        });
        errors.into_result(Config {
            title: raw.title,
            base_url,
            description: raw.description,
            language: raw.language,
            timezone,
            output_dir: raw.output_dir,
            components: raw.components,
            cache_seconds: raw.cache_seconds,
            notify,
            groups: raw.groups,
            brand: Brand {
                logo: raw.logo,
                favicon: raw.favicon,
                accent,
            },
            history_days,
            subscribe_url: raw.subscribe_url,
            links: raw.links,
            words,
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

/// The output path of a file under `static/` (`static/img/logo.svg` →
/// `img/logo.svg`): static files are copied to the output root.
pub fn static_url(p: &Path) -> String {
    let rest = p.strip_prefix("static").unwrap_or(p);
    rest.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
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

    #[test]
    fn status_model_keys() {
        let c = parse(
            "title='A'\nbase_url='https://x.test'\naccent='#0b5fff'\nhistory_days=30\n\
             subscribe_url='https://x.test/mail'\nlinks=[{name='Support', url='https://x.test/help'}]\n\
             [[groups]]\nid='core'\nname='Core'\n\
             [[components]]\nid='api'\nname='API'\ngroup='core'\nsince=2024-01-01\n",
        )
        .unwrap();
        assert_eq!(c.history_days, 30);
        assert_eq!(c.brand.accent.map(Accent::hex).as_deref(), Some("#0b5fff"));
        assert_eq!(c.links[0].name, "Support");
        assert_eq!(c.components[0].group.as_deref(), Some("core"));
        assert_eq!(c.components[0].since, NaiveDate::from_ymd_opt(2024, 1, 1));
        // `since` may be quoted too.
        let c = parse("title='A'\nbase_url='https://x.test'\n[[components]]\nid='a'\nname='A'\nsince='2024-02-03'\n").unwrap();
        assert_eq!(c.components[0].since, NaiveDate::from_ymd_opt(2024, 2, 3));
    }

    #[test]
    fn contrast_is_the_wcag_ratio() {
        let white = Accent::parse_hex("#fff").unwrap();
        assert!((white.contrast_with_white() - 1.0).abs() < 1e-9);
        let black = Accent::parse_hex("#000000").unwrap();
        assert!((black.contrast_with_white() - 21.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes AA on white (4.54:1).
        let grey = Accent::parse_hex("#767676").unwrap();
        assert!((grey.contrast_with_white() - 4.54).abs() < 0.01);
        assert!(Accent::parse_hex("#777777").unwrap().contrast_with_white() < AA_CONTRAST);
    }

    #[test]
    fn bad_status_model_keys_are_errors_with_lines() {
        let base = "title='A'\nbase_url='https://x.test'\n";
        let e = parse(&format!("{base}accent='#ffcc00'\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("site.toml:3") && e.contains("contrast of 1.") && e.contains("4.5:1"),
            "{e}"
        );
        let e = parse(&format!("{base}accent='blue'\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("#rrggbb"), "{e}");
        let e = parse(&format!("{base}history_days=400\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("site.toml:3") && e.contains("7 to 365"), "{e}");
        let e = parse(&format!("{base}history_days=6\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range"), "{e}");
        let e = parse(&format!(
            "{base}[[groups]]\nid='core'\nname='C'\n[[components]]\nid='a'\nname='A'\ngroup='cor'\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown group `cor`") && e.contains("did you mean `core`"),
            "{e}"
        );
        let e = parse(&format!(
            "{base}[[components]]\nid='a'\nname='A'\nsince=2024-01-01T00:00:00Z\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("since"), "{e}");
        let e = parse(&format!("{base}logo='../x.svg'\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a file in static/"), "{e}");
    }
}
