//! Uptime history (SPEC §9): per component, one figure per day in the
//! site's timezone, and the percentage over the period.
//!
//! A day runs from local midnight to the next local midnight, so it has 23
//! or 25 hours when the clocks change. Downtime is weighted by impact
//! (`Impact::downtime_weight`): where incidents overlap, each second counts
//! once, at the highest weight present. Only tracked time counts: from the
//! start of the component's `since` day, up to `now`.

use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::vocab::choice::Impact;
use crate::vocab::times::Time;

/// While an incident affected the component, and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Unix seconds, `start < end`.
    pub start: i64,
    pub end: i64,
    pub impact: Impact,
    /// Index into `Site::incidents`.
    pub incident: usize,
}

impl Span {
    /// `None` when the span is empty (an incident resolved as it began, or
    /// starting after `now`).
    pub fn new(start: Time, end: Time, impact: Impact, incident: usize) -> Option<Span> {
        let (start, end) = (start.timestamp(), end.timestamp());
        (start < end).then_some(Span {
            start,
            end,
            impact,
            incident,
        })
    }
}

/// One day of one component.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: NaiveDate,
    /// Seconds of the day that count: the whole day (23 to 25 hours), none
    /// before `since`, and on the day of `now` only up to `now`.
    pub tracked: i64,
    /// Weighted downtime seconds (major outage 1, partial outage 0.3).
    pub downtime: f64,
    /// The worst impact seen during the tracked part of the day.
    pub worst: Option<Impact>,
    /// Incidents active during the tracked part of the day, in the order of
    /// `Site::incidents` (newest first), each once.
    pub incidents: Vec<usize>,
}

impl Day {
    /// Weighted downtime in whole minutes, rounded up so that a 20-second
    /// blip is not shown as "0 minutes" of downtime.
    pub fn downtime_minutes(&self) -> i64 {
        (self.downtime / 60.0).ceil() as i64
    }
}

/// A component's history over the period, oldest day first.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub days: Vec<Day>,
}

impl History {
    pub fn tracked(&self) -> i64 {
        self.days.iter().map(|d| d.tracked).sum()
    }

    pub fn downtime(&self) -> f64 {
        self.days.iter().map(|d| d.downtime).sum()
    }

    /// 1 − weighted downtime ÷ tracked time, as a fraction; `None` when
    /// nothing of the period is tracked.
    pub fn uptime(&self) -> Option<f64> {
        let tracked = self.tracked();
        (tracked > 0).then(|| 1.0 - self.downtime() / tracked as f64)
    }
}

/// The first instant of `date` in `tz`. Where midnight does not exist (a
/// zone that springs forward at 00:00), the day starts at the first local
/// time that does.
pub fn day_start(date: NaiveDate, tz: Tz) -> i64 {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=180)
        .step_by(15)
        .find_map(|m| {
            tz.from_local_datetime(&(midnight + chrono::TimeDelta::minutes(m)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc().timestamp(), |t| t.timestamp())
}

/// The last `days` days ending with the day of `now` in `tz`.
pub fn history(spans: &[Span], tz: Tz, days: u16, now: Time, since: Option<NaiveDate>) -> History {
    let today = now.with_timezone(&tz).date_naive();
    let now = now.timestamp();
    let tracked_from = since.map(|d| day_start(d, tz));
    let first = today
        .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
        .unwrap_or(today);
    // Only spans that reach into the period matter to any of its days.
    let period_start = tracked_from.map_or(day_start(first, tz), |t| t.max(day_start(first, tz)));
    let spans: Vec<Span> = spans
        .iter()
        .filter(|s| s.end > period_start && s.start < now)
        .copied()
        .collect();
    let spans = &spans[..];
    let days = first
        .iter_days()
        .take_while(|d| *d <= today)
        .map(|date| {
            let start = day_start(date, tz);
            let end = date
                .succ_opt()
                .map_or(start + 86_400, |next| day_start(next, tz))
                .min(now);
            let start = tracked_from.map_or(start, |t| start.max(t));
            day(date, start, end, spans)
        })
        .collect();
    History { days }
}

/// The day `date`, tracked over `[start, end)` (empty when `end <= start`).
fn day(date: NaiveDate, start: i64, end: i64, spans: &[Span]) -> Day {
    if end <= start {
        return Day {
            date,
            tracked: 0,
            downtime: 0.0,
            worst: None,
            incidents: Vec::new(),
        };
    }
    let clipped: Vec<(i64, i64, &Span)> = spans
        .iter()
        .filter_map(|s| {
            let (a, b) = (s.start.max(start), s.end.min(end));
            (a < b).then_some((a, b, s))
        })
        .collect();
    let mut incidents: Vec<usize> = clipped.iter().map(|(_, _, s)| s.incident).collect();
    incidents.sort_unstable();
    incidents.dedup();
    Day {
        date,
        tracked: end - start,
        downtime: weighted(&clipped),
        worst: clipped.iter().map(|(_, _, s)| s.impact).max(),
        incidents,
    }
}

/// Weighted seconds of a set of (clipped) spans: cut the time at every
/// span boundary; each piece counts once at the highest weight covering it.
fn weighted(spans: &[(i64, i64, &Span)]) -> f64 {
    let mut cuts: Vec<i64> = spans.iter().flat_map(|&(a, b, _)| [a, b]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let weight = spans
                .iter()
                .filter(|&&(s, e, _)| s <= a && b <= e)
                .map(|(_, _, s)| s.impact.downtime_weight())
                .fold(0.0, f64::max);
            weight * (b - a) as f64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn span(start: &str, end: &str, impact: Impact, incident: usize) -> Span {
        Span::new(t(start), t(end), impact, incident).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const MAJOR: Impact = Impact::MajorOutage;
    const PARTIAL: Impact = Impact::PartialOutage;

    #[test]
    fn overlapping_incidents_count_once_at_the_highest_weight() {
        // 10:00-12:00 partial, 11:00-11:30 major, 11:15-13:00 partial.
        // 10:00-11:00 partial (60 × 0.3 = 18), 11:00-11:30 major (30),
        // 11:30-13:00 partial (90 × 0.3 = 27): 75 weighted minutes.
        let spans = [
            span("2024-05-02T10:00:00Z", "2024-05-02T12:00:00Z", PARTIAL, 2),
            span("2024-05-02T11:00:00Z", "2024-05-02T11:30:00Z", MAJOR, 1),
            span("2024-05-02T11:15:00Z", "2024-05-02T13:00:00Z", PARTIAL, 0),
        ];
        let h = history(&spans, Tz::UTC, 7, t("2024-05-03T00:00:00Z"), None);
        let day = &h.days[5];
        assert_eq!(day.date, date("2024-05-02"));
        assert!(
            (day.downtime - 75.0 * 60.0).abs() < 1e-6,
            "{}",
            day.downtime
        );
        assert_eq!(day.downtime_minutes(), 75);
        assert_eq!(day.worst, Some(MAJOR));
        assert_eq!(day.incidents, [0, 1, 2]);
        // The day of `now` is tracked from midnight to now: nothing yet.
        assert_eq!(h.days[6].tracked, 0);
        // Six whole days of 1440 minutes tracked, 75 down.
        let expected = 1.0 - 75.0 / (6.0 * 1440.0);
        assert!((h.uptime().unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn degraded_and_maintenance_do_not_count() {
        let spans = [
            span(
                "2024-05-02T10:00:00Z",
                "2024-05-02T12:00:00Z",
                Impact::DegradedPerformance,
                0,
            ),
            span(
                "2024-05-02T11:00:00Z",
                "2024-05-02T14:00:00Z",
                Impact::UnderMaintenance,
                1,
            ),
        ];
        let h = history(&spans, Tz::UTC, 7, t("2024-05-03T12:00:00Z"), None);
        assert_eq!(h.downtime(), 0.0);
        assert_eq!(h.uptime(), Some(1.0));
        assert_eq!(h.days[5].worst, Some(Impact::DegradedPerformance));
    }

    #[test]
    fn days_are_cut_at_midnight_in_the_site_timezone() {
        // 22:00 UTC on 1 May to 02:00 UTC on 2 May is 00:00-04:00 on 2 May
        // in Berlin (UTC+2 in summer): one day, 240 minutes.
        let spans = [span(
            "2024-05-01T22:00:00Z",
            "2024-05-02T02:00:00Z",
            MAJOR,
            0,
        )];
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let h = history(&spans, tz, 7, t("2024-05-04T12:00:00Z"), None);
        let may = |d: &str| h.days.iter().find(|x| x.date == date(d)).unwrap();
        assert_eq!(may("2024-05-01").downtime, 0.0);
        assert_eq!(may("2024-05-02").downtime_minutes(), 240);
        // In UTC the same span is split 120 + 120 over two days.
        let h = history(&spans, Tz::UTC, 7, t("2024-05-04T12:00:00Z"), None);
        let minutes: Vec<i64> = h.days.iter().map(Day::downtime_minutes).collect();
        assert_eq!(minutes, [0, 0, 0, 120, 120, 0, 0]);
    }

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Spring forward on 31 March 2024, fall back on 27 October 2024.
        let h = history(&[], tz, 7, t("2024-04-02T00:00:00+02:00"), None);
        let tracked =
            |h: &History, d: &str| h.days.iter().find(|x| x.date == date(d)).unwrap().tracked;
        assert_eq!(tracked(&h, "2024-03-31"), 23 * 3600);
        assert_eq!(tracked(&h, "2024-03-30"), 24 * 3600);
        let h = history(&[], tz, 7, t("2024-10-29T00:00:00+01:00"), None);
        assert_eq!(tracked(&h, "2024-10-27"), 25 * 3600);
        // A major outage all through the short day: 23 hours of downtime
        // out of 23 tracked; the uptime of that day alone is 0.
        let spans = [span(
            "2024-03-30T23:00:00Z",
            "2024-03-31T22:00:00Z",
            MAJOR,
            0,
        )];
        let h = history(&spans, tz, 7, t("2024-04-02T00:00:00+02:00"), None);
        let day = h
            .days
            .iter()
            .find(|x| x.date == date("2024-03-31"))
            .unwrap();
        assert_eq!(day.downtime_minutes(), 23 * 60);
        assert_eq!(day.downtime, day.tracked as f64);
    }

    #[test]
    fn an_open_incident_runs_until_now() {
        // Opened at 09:00, still open at now = 09:30 on the last day: the
        // last day is tracked for 9.5 hours, 30 minutes of it down.
        let now = t("2024-05-07T09:30:00Z");
        let spans = [Span::new(t("2024-05-07T09:00:00Z"), now, MAJOR, 0).unwrap()];
        let h = history(&spans, Tz::UTC, 7, now, None);
        let last = h.days.last().unwrap();
        assert_eq!(last.date, date("2024-05-07"));
        assert_eq!(last.tracked, 9 * 3600 + 1800);
        assert_eq!(last.downtime_minutes(), 30);
        let expected = 1.0 - 30.0 / (6.0 * 1440.0 + 570.0);
        assert!((h.uptime().unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn since_mid_period_tracks_from_that_day() {
        // Tracked since 5 May: 5 and 6 May whole (2880 min) and 7 May to
        // 12:00 (720 min). A 60-minute partial outage on 3 May, before
        // tracking began, does not count; one on 6 May does (18 min).
        let now = t("2024-05-07T12:00:00Z");
        let spans = [
            span("2024-05-03T10:00:00Z", "2024-05-03T11:00:00Z", PARTIAL, 1),
            span("2024-05-06T10:00:00Z", "2024-05-06T11:00:00Z", PARTIAL, 0),
        ];
        let h = history(&spans, Tz::UTC, 7, now, Some(date("2024-05-05")));
        let tracked: Vec<i64> = h.days.iter().map(|d| d.tracked / 60).collect();
        assert_eq!(tracked, [0, 0, 0, 0, 1440, 1440, 720]);
        assert_eq!(h.days[2].incidents, Vec::<usize>::new());
        assert_eq!(h.days[5].downtime_minutes(), 18);
        let expected = 1.0 - 18.0 / 3600.0;
        assert!((h.uptime().unwrap() - expected).abs() < 1e-12);
        // Tracked from a day after now: nothing tracked, no figure.
        let h = history(&spans, Tz::UTC, 7, now, Some(date("2024-06-01")));
        assert_eq!(h.uptime(), None);
    }

    #[test]
    fn the_period_has_exactly_the_days_asked_for() {
        let h = history(&[], Tz::UTC, 90, t("2024-05-07T12:00:00Z"), None);
        assert_eq!(h.days.len(), 90);
        assert_eq!(h.days[0].date, date("2024-02-08"));
        assert_eq!(h.days[89].date, date("2024-05-07"));
    }
}
