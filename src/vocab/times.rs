//! How times read in the output: RFC 3339 for machines, "12 Aug 2008, 06:00
//! UTC" for people, durations in words.
//!
//! Formatting is written out by hand rather than through chrono's strftime,
//! which parses its format string on every call: a 10,000-incident site
//! formats over 100,000 times per build. Tests check it against chrono.

use chrono::{DateTime, Datelike, FixedOffset, Offset, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

pub type Time = DateTime<FixedOffset>;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A time for templates: machine-readable and human-readable, in the site's zone.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimeView {
    /// RFC 3339 in the site's zone, for `<time datetime>`.
    pub iso: String,
    /// "12 Aug 2008, 06:00 UTC".
    pub display: String,
    /// "12 Aug 2008".
    pub date: String,
}

impl TimeView {
    pub fn new(t: Time, tz: Tz) -> TimeView {
        let local = t.with_timezone(&tz);
        let offset = local.offset().fix().local_minus_utc();
        let mut date = String::with_capacity(12);
        push_date(&mut date, &local);
        let mut display = String::with_capacity(24);
        display.push_str(&date);
        display.push_str(", ");
        push_2(&mut display, local.hour());
        display.push(':');
        push_2(&mut display, local.minute());
        display.push(' ');
        // The zone's abbreviation ("UTC", "PDT", or "+0530" where none exists).
        std::fmt::Write::write_fmt(&mut display, format_args!("{}", local.offset()))
            .unwrap_or_default();
        TimeView {
            iso: rfc3339(&local, offset),
            display,
            date,
        }
    }
}

impl TimeView {
    /// In the words of a language: the English tables take the hand-written
    /// fast path of `new`, which prints exactly what they say.
    pub fn in_words(t: Time, tz: Tz, words: &crate::vocab::i18n::Words) -> TimeView {
        if words.english_dates() {
            return TimeView::new(t, tz);
        }
        let local = t.with_timezone(&tz);
        let offset = local.offset().fix().local_minus_utc();
        let date = words.date(local.year(), local.month0(), local.day());
        let mut time = String::with_capacity(5);
        push_2(&mut time, local.hour());
        time.push(':');
        push_2(&mut time, local.minute());
        let zone = local.offset().to_string();
        TimeView {
            iso: rfc3339(&local, offset),
            display: words.datetime(&date, &time, &zone),
            date,
        }
    }
}

/// RFC 3339 in UTC with a `Z`, to the second, as feeds and JSON carry it.
pub fn utc(t: Time) -> String {
    let mut s = String::with_capacity(20);
    push_utc(&mut s, t);
    s
}

/// `utc(t)` put at the end of `out`.
pub fn push_utc(out: &mut String, t: Time) {
    push_rfc3339(out, &t.with_timezone(&Utc), 0);
}

/// `YYYY-MM-DDTHH:MM:SS` then `Z` or the offset (`-07:00`).
fn rfc3339<T: Datelike + Timelike>(t: &T, offset_seconds: i32) -> String {
    let mut s = String::with_capacity(25);
    push_rfc3339(&mut s, t, offset_seconds);
    s
}

fn push_rfc3339<T: Datelike + Timelike>(s: &mut String, t: &T, offset_seconds: i32) {
    if !(0..=9999).contains(&t.year()) {
        // Outside four-digit years RFC 3339 has no form; chrono's is as good as any.
        s.push_str(&odd_year(t, offset_seconds));
        return;
    }
    push_4(s, t.year() as u32);
    s.push('-');
    push_2(s, t.month());
    s.push('-');
    push_2(s, t.day());
    s.push('T');
    push_2(s, t.hour());
    s.push(':');
    push_2(s, t.minute());
    s.push(':');
    push_2(s, t.second());
    if offset_seconds == 0 {
        s.push('Z');
    } else {
        let minutes = offset_seconds.unsigned_abs() / 60;
        s.push(if offset_seconds < 0 { '-' } else { '+' });
        push_2(s, minutes / 60);
        s.push(':');
        push_2(s, minutes % 60);
    }
}

fn odd_year<T: Datelike + Timelike>(t: &T, offset_seconds: i32) -> String {
    let zone = chrono::FixedOffset::east_opt(offset_seconds).unwrap_or(Utc.fix());
    let naive = chrono::NaiveDate::from_ymd_opt(t.year(), t.month(), t.day())
        .and_then(|d| d.and_hms_opt(t.hour(), t.minute(), t.second()));
    match naive.map(|n| n.and_local_timezone(zone).single()) {
        Some(Some(dt)) => dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        _ => String::new(),
    }
}

/// "12 Aug 2008": day without padding, as people write it.
fn push_date<T: Datelike>(s: &mut String, t: &T) {
    let day = t.day();
    if day >= 10 {
        push_2(s, day);
    } else {
        s.push(char::from(b'0' + day as u8));
    }
    s.push(' ');
    s.push_str(MONTHS[t.month0() as usize]);
    s.push(' ');
    if (0..=9999).contains(&t.year()) {
        push_4(s, t.year() as u32);
    } else {
        s.push_str(&t.year().to_string());
    }
}

fn push_2(s: &mut String, n: u32) {
    s.push(char::from(b'0' + (n / 10 % 10) as u8));
    s.push(char::from(b'0' + (n % 10) as u8));
}

fn push_4(s: &mut String, n: u32) {
    push_2(s, n / 100);
    push_2(s, n % 100);
}

/// "2 days 3 h 10 min"; zero parts are left out.
pub fn format_duration(d: TimeDelta) -> String {
    let minutes = d.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} day{}", if days == 1 { "" } else { "s" }));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if mins > 0 {
        parts.push(format!("{mins} min"));
    }
    if parts.is_empty() {
        "under a minute".into()
    } else {
        parts.join(" ")
    }
}

/// `20080812T060000Z`: UTC without separators, as update anchors and
/// iCalendar use it.
pub fn compact_utc(t: Time) -> String {
    let u = t.with_timezone(&Utc);
    if !(0..=9999).contains(&u.year()) {
        return u.format("%Y%m%dT%H%M%SZ").to_string();
    }
    let mut s = String::with_capacity(16);
    push_4(&mut s, u.year() as u32);
    push_2(&mut s, u.month());
    push_2(&mut s, u.day());
    s.push('T');
    push_2(&mut s, u.hour());
    push_2(&mut s, u.minute());
    push_2(&mut s, u.second());
    s.push('Z');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, SecondsFormat};

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// What chrono's strftime gives: the reference the hand-written code must match.
    fn chrono_view(t: Time, tz: Tz) -> TimeView {
        let local = t.with_timezone(&tz);
        TimeView {
            iso: local.to_rfc3339_opts(SecondsFormat::Secs, true),
            display: local.format("%-d %b %Y, %H:%M %Z").to_string(),
            date: local.format("%-d %b %Y").to_string(),
        }
    }

    #[test]
    fn times_show_in_the_site_zone() {
        let v = TimeView::new(t("2008-08-12T06:00:00Z"), chrono_tz::America::Los_Angeles);
        assert_eq!(v.iso, "2008-08-11T23:00:00-07:00");
        assert_eq!(v.display, "11 Aug 2008, 23:00 PDT");
        assert_eq!(v.date, "11 Aug 2008");
        let v = TimeView::new(t("2008-08-12T06:00:00Z"), Tz::UTC);
        assert_eq!(v.display, "12 Aug 2008, 06:00 UTC");
    }

    #[test]
    fn matches_chrono_across_zones_and_dates() {
        let zones = [
            Tz::UTC,
            chrono_tz::America::Los_Angeles,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Europe::Dublin,
            chrono_tz::America::St_Johns,
            chrono_tz::Pacific::Chatham,
        ];
        // Every ~37 hours over 30 years: all months, days, DST edges nearby.
        let mut secs = t("1999-12-31T23:59:59+00:00").timestamp();
        for _ in 0..7_000 {
            let time = DateTime::from_timestamp(secs, 0).unwrap().fixed_offset();
            for tz in zones {
                assert_eq!(
                    TimeView::new(time, tz),
                    chrono_view(time, tz),
                    "{time} {tz}"
                );
            }
            let u = time.with_timezone(&Utc);
            assert_eq!(compact_utc(time), u.format("%Y%m%dT%H%M%SZ").to_string());
            assert_eq!(
                utc(time),
                time.with_timezone(&Utc)
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            );
            secs += 37 * 3600 + 59;
        }
    }

    #[test]
    fn utc_comes_from_any_offset() {
        assert_eq!(utc(t("2008-08-12T08:30:05+02:30")), "2008-08-12T06:00:05Z");
        assert_eq!(
            compact_utc(t("2008-08-12T08:30:05+02:30")),
            "20080812T060005Z"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(TimeDelta::minutes(40)), "40 min");
        assert_eq!(
            format_duration(TimeDelta::minutes(60 * 26 + 5)),
            "1 day 2 h 5 min"
        );
        assert_eq!(format_duration(TimeDelta::minutes(60 * 48)), "2 days");
        assert_eq!(format_duration(TimeDelta::seconds(20)), "under a minute");
    }
}
