//! The theme's words in the site's language (SPEC §9): built-in tables for
//! en, de, fr, es and ja, which a site overrides or extends with
//! `i18n/<language>.toml`. A language with neither is an error listing the
//! ones there are, never a page in a language nobody asked for.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::vocab::error::{Error, Result};

/// The built-in tables, by language tag.
pub const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../theme/i18n/en.toml")),
    ("de", include_str!("../theme/i18n/de.toml")),
    ("fr", include_str!("../theme/i18n/fr.toml")),
    ("es", include_str!("../theme/i18n/es.toml")),
    ("ja", include_str!("../theme/i18n/ja.toml")),
];

/// Where a site's own words live.
pub const DIR: &str = "i18n";

/// Every word of one language, keyed as in `theme/i18n/en.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    map: Arc<BTreeMap<String, String>>,
    months: [String; 12],
    months_long: [String; 12],
}

impl Words {
    /// The words for `language` (BCP 47: `de`, `de-CH`, `pt-BR`): the
    /// built-in table of the tag or of its primary language, then the
    /// site's `i18n/<language>.toml` over it. `root` is `None` where no site
    /// is on disk (tests, `Config::parse`).
    pub fn load(language: &str, root: Option<&Path>) -> Result<Words> {
        let site_file = root.map(|r| r.join(DIR).join(format!("{language}.toml")));
        let site_text = match &site_file {
            Some(p) => match std::fs::read_to_string(p) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(Error::io(p, "read the language file", &e).into()),
            },
            None => None,
        };
        let base = builtin(language);
        if base.is_none() && site_text.is_none() {
            let known: Vec<&str> = BUILTIN.iter().map(|(tag, _)| *tag).collect();
            return Err(Error::new(format!("no words for language `{language}`"))
                .hint(format!(
                    "the theme has {}; or add the words in i18n/{language}.toml (copy the keys of another language)",
                    known.join(", ")
                ))
                .into());
        }
        // A site language with no built-in table starts from English, so a
        // key it leaves out still reads as something.
        let mut map = parse(base.unwrap_or(BUILTIN[0].1), Path::new("theme/i18n"))
            .expect("the built-in tables parse (tested)");
        if let (Some(text), Some(path)) = (site_text, &site_file) {
            map.extend(parse(&text, path)?);
        }
        Words::from_map(map, site_file.as_deref())
    }

    /// English, for code paths with no site (and as the reference set of keys).
    pub fn english() -> Words {
        Words::load("en", None).expect("English is built in")
    }

    fn from_map(map: BTreeMap<String, String>, file: Option<&Path>) -> Result<Words> {
        let list = |key: &str| -> Result<[String; 12]> {
            let words: Vec<String> = map
                .get(key)
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            words.try_into().map_err(|_| {
                let mut e = Error::new(format!(
                    "`{key}` needs twelve month names separated by spaces"
                ));
                if let Some(f) = file {
                    e = Error::in_file(
                        f,
                        format!("`{key}` needs twelve month names separated by spaces"),
                    );
                }
                e.into()
            })
        };
        Ok(Words {
            months: list("months")?,
            months_long: list("months_long")?,
            map: Arc::new(map),
        })
    }

    /// The word for `key`; a key no table has reads as itself, so a
    /// template typo shows on the page instead of vanishing.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map_or(key, String::as_str)
    }

    /// A severity in words ("Critical").
    pub fn severity(&self, s: crate::vocab::choice::Severity) -> &str {
        use crate::vocab::choice::Choice;
        self.map
            .get(&format!("severity_{}", s.name()))
            .map_or(s.label(), String::as_str)
    }

    /// An update status in words ("In progress").
    pub fn status(&self, s: crate::vocab::choice::Status) -> &str {
        use crate::vocab::choice::Choice;
        self.map
            .get(&format!("status_{}", s.name()))
            .map_or(s.label(), String::as_str)
    }

    /// The text of an update written without one: "Scheduled maintenance",
    /// "Maintenance in progress", "We are investigating." and so on.
    pub fn default_message(&self, s: crate::vocab::choice::Status) -> &str {
        use crate::vocab::choice::Status;
        self.get(match s {
            Status::Scheduled => "maintenance_scheduled",
            Status::InProgress => "maintenance_in_progress",
            Status::Completed => "maintenance_completed",
            Status::Resolved => "message_resolved",
            Status::Investigating | Status::Identified | Status::Monitoring => {
                "message_investigating"
            }
        })
    }

    /// `get(key)` with `{name}` replaced by `value`.
    pub fn fill(&self, key: &str, name: &str, value: &str) -> String {
        self.get(key).replace(&format!("{{{name}}}"), value)
    }

    pub fn map(&self) -> &BTreeMap<String, String> {
        &self.map
    }

    /// Whether dates read as `TimeView::new` writes them ("12 Aug 2008,
    /// 06:00 UTC"), so the fast path may be used.
    pub fn english_dates(&self) -> bool {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        self.get("date_format") == "{day} {month} {year}"
            && self.get("datetime_format") == "{date}, {time} {zone}"
            && self.months.iter().zip(EN).all(|(a, b)| a == b)
    }

    /// Short month name, `month0` from 0.
    pub fn month(&self, month0: u32) -> &str {
        &self.months[month0 as usize % 12]
    }

    pub fn month_long(&self, month0: u32) -> &str {
        &self.months_long[month0 as usize % 12]
    }

    /// "12 Aug 2008" in this language.
    pub fn date(&self, year: i32, month0: u32, day: u32) -> String {
        self.get("date_format")
            .replace("{day}", &day.to_string())
            .replace("{month}", self.month(month0))
            .replace("{year}", &year.to_string())
    }

    /// "August 2008" in this language.
    pub fn month_year(&self, year: i32, month0: u32) -> String {
        self.get("month_format")
            .replace("{month}", self.month_long(month0))
            .replace("{year}", &year.to_string())
    }

    /// "12 Aug 2008, 06:00 UTC" from its parts.
    pub fn datetime(&self, date: &str, time: &str, zone: &str) -> String {
        self.get("datetime_format")
            .replace("{date}", date)
            .replace("{time}", time)
            .replace("{zone}", zone)
    }

    /// An uptime fraction as a percentage to two decimals, cut rather than
    /// rounded so that any downtime at all shows below 100 ("99.99%").
    pub fn percent(&self, fraction: f64) -> String {
        let hundredths = (fraction * 10_000.0).floor().clamp(0.0, 10_000.0) as u32;
        let n = if hundredths == 10_000 {
            "100".to_string()
        } else {
            format!(
                "{}{}{:02}",
                hundredths / 100,
                self.get("decimal_point"),
                hundredths % 100
            )
        };
        self.get("percent_format").replace("{n}", &n)
    }

    /// "1 day 2 h 5 min".
    pub fn duration(&self, d: chrono::TimeDelta) -> String {
        let minutes = d.num_minutes();
        let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
        let mut parts = Vec::new();
        let n = |key: &str, n: i64| self.get(key).replace("{n}", &n.to_string());
        if days > 0 {
            parts.push(n(
                if days == 1 {
                    "duration_day"
                } else {
                    "duration_days"
                },
                days,
            ));
        }
        if hours > 0 {
            parts.push(n("duration_hours", hours));
        }
        if mins > 0 {
            parts.push(n("duration_minutes", mins));
        }
        if parts.is_empty() {
            self.get("duration_under_minute").to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// The built-in table for a tag or its primary language (`de-CH` → `de`).
fn builtin(language: &str) -> Option<&'static str> {
    let tag = language.to_ascii_lowercase();
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    BUILTIN
        .iter()
        .find(|(t, _)| *t == tag)
        .or_else(|| BUILTIN.iter().find(|(t, _)| *t == primary))
        .map(|(_, text)| *text)
}

/// A flat table of strings.
fn parse(text: &str, path: &Path) -> Result<BTreeMap<String, String>> {
    toml::from_str::<BTreeMap<String, String>>(text).map_err(|e| {
        let mut err = Error::in_file(path, format!("not a table of words: {}", e.message()));
        if let Some(span) = e.span() {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            err = err.at(line, Some(col));
        }
        err.hint("write one `key = \"word\"` per line, with the keys of the built-in tables")
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(text: &str) -> BTreeSet<String> {
        parse(text, Path::new("x")).unwrap().into_keys().collect()
    }

    #[test]
    fn every_language_has_every_key_and_no_other() {
        let english = keys(BUILTIN[0].1);
        assert!(english.len() > 80, "{}", english.len());
        for (tag, text) in BUILTIN {
            let these = keys(text);
            let missing: Vec<_> = english.difference(&these).collect();
            let extra: Vec<_> = these.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{tag}: missing {missing:?}, extra {extra:?}"
            );
            let words = Words::load(tag, None).unwrap();
            // Placeholders survive translation.
            for key in &english {
                for name in [
                    "{percent}",
                    "{days}",
                    "{zone}",
                    "{n}",
                    "{severity}",
                    "{duration}",
                    "{shown}",
                    "{total}",
                    "{page}",
                    "{pages}",
                    "{count}",
                ] {
                    assert_eq!(
                        Words::english().get(key).contains(name),
                        words.get(key).contains(name),
                        "{tag}: {key} and {name}"
                    );
                }
            }
        }
    }

    #[test]
    fn dates_in_each_language() {
        let date = |tag: &str| Words::load(tag, None).unwrap().date(2008, 7, 12);
        assert_eq!(date("en"), "12 Aug 2008");
        assert_eq!(date("de"), "12. Aug. 2008");
        assert_eq!(date("fr"), "12 août 2008");
        assert_eq!(date("es"), "12 ago 2008");
        assert_eq!(date("ja"), "2008年8月12日");
        assert_eq!(
            Words::load("de", None).unwrap().month_year(2008, 2),
            "März 2008"
        );
        let en = Words::english();
        assert_eq!(
            en.duration(chrono::TimeDelta::minutes(1440 + 62)),
            "1 day 1 h 2 min"
        );
        assert_eq!(
            en.duration(chrono::TimeDelta::seconds(20)),
            "under a minute"
        );
        assert!(en.english_dates());
        assert_eq!(en.percent(1.0), "100%");
        assert_eq!(en.percent(0.99999), "99.99%");
        assert_eq!(en.percent(1.0 - 75.0 / 8640.0), "99.13%");
        assert_eq!(Words::load("de", None).unwrap().percent(0.5), "50,00 %");
        // The slow path agrees with the fast one for English.
        let t = chrono::DateTime::parse_from_rfc3339("2008-08-12T06:00:00Z").unwrap();
        let tz: chrono_tz::Tz = "America/Los_Angeles".parse().unwrap();
        let fast = crate::vocab::times::TimeView::new(t, tz);
        assert_eq!(
            fast.display,
            en.datetime(&en.date(2008, 7, 11), "23:00", "PDT")
        );
        let de = Words::load("de", None).unwrap();
        assert!(!de.english_dates());
        let v = crate::vocab::times::TimeView::in_words(t, tz, &de);
        assert_eq!(v.display, "11. Aug. 2008, 23:00 PDT");
        assert_eq!(v.iso, fast.iso);
    }

    #[test]
    fn regional_tags_use_their_language() {
        assert_eq!(
            Words::load("de-CH", None).unwrap().get("nav_incidents"),
            "Vorfälle"
        );
        assert_eq!(
            Words::load("EN-gb", None).unwrap().get("nav_incidents"),
            "Incidents"
        );
    }

    #[test]
    fn a_language_with_no_words_is_an_error_listing_the_known_ones() {
        let e = Words::load("pt", None).unwrap_err().to_string();
        assert!(
            e.contains("`pt`") && e.contains("en, de, fr, es, ja") && e.contains("i18n/pt.toml"),
            "{e}"
        );
    }

    #[test]
    fn a_site_overrides_and_adds_words() {
        let dir = std::env::temp_dir().join(format!("upfront-i18n-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(DIR)).unwrap();
        std::fs::write(
            dir.join(DIR).join("de.toml"),
            "nav_letters = \"Schreiben\"\nextra = \"Neu\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join(DIR).join("pt.toml"),
            "nav_incidents = \"Incidentes\"\n",
        )
        .unwrap();
        std::fs::write(dir.join(DIR).join("nl.toml"), "nav_incidents = 3\n").unwrap();
        let de = Words::load("de", Some(&dir)).unwrap();
        assert_eq!(de.get("nav_letters"), "Schreiben");
        assert_eq!(de.get("extra"), "Neu");
        assert_eq!(de.get("nav_incidents"), "Vorfälle");
        // A language the theme lacks: the site's words over English.
        let pt = Words::load("pt", Some(&dir)).unwrap();
        assert_eq!(pt.get("nav_incidents"), "Incidentes");
        assert_eq!(pt.get("nav_letters"), "Letters");
        let e = Words::load("nl", Some(&dir)).unwrap_err().to_string();
        assert!(e.contains("nl.toml:1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
