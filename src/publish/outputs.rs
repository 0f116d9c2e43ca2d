//! The whole set of outputs of a site: every page job, and every output
//! that is not a template (status.json, the stylesheet, reach, the
//! Statuspage API, `_headers`).

use crate::publish::pages::{all_jobs, job_path, render_jobs, stylesheet_path, Stamping};
use crate::publish::{headers, reach, status_json, statuspage, Output};
use crate::site::model::Site;
use crate::source::templates::Templates;
use crate::vocab::error::Result;
use crate::vocab::routes;

/// Renders the whole site. Outputs are sorted by path. `statics` are the
/// paths of the files copied from `static/` beside them.
pub fn render(site: &Site, templates: &Templates, statics: &[&str]) -> Result<Vec<Output>> {
    let mut outputs = render_jobs(site, templates, &all_jobs(site), Stamping::Real)?;
    outputs.extend(extras(site, templates, statics));
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(outputs)
}

/// The outputs that are not templates: status.json, the stylesheet and the
/// reach outputs (notice.json and .js, badges, maintenance.ics).
pub fn extras(site: &Site, templates: &Templates, statics: &[&str]) -> Vec<Output> {
    extras_except(site, templates, statics, Skip::default())
}

/// Extras that watch mode keeps from its last rebuild when it knows their
/// inputs did not change: both walk every incident or every page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skip {
    /// `maintenance.ics` (`reach::CALENDAR`).
    pub calendar: bool,
    /// `_headers` (`HEADERS`).
    pub headers: bool,
}

/// `extras` without the ones `skip` names.
pub fn extras_except(
    site: &Site,
    templates: &Templates,
    statics: &[&str],
    skip: Skip,
) -> Vec<Output> {
    let stylesheet = stylesheet_path(templates)[1..].to_string();
    let mut out = vec![
        Output {
            path: routes::file(routes::STATUS_JSON),
            bytes: status_json::render(site),
        },
        Output {
            path: stylesheet.clone(),
            bytes: templates.stylesheet.as_bytes().to_vec(),
        },
    ];
    out.extend(reach::outputs(site, !skip.calendar));
    out.extend(statuspage::outputs(site));
    if !skip.headers {
        out.push(cache_rules(site, &out, statics, &stylesheet));
    }
    out
}

/// `_headers`, with a rule for every page, static file and other extra.
fn cache_rules(site: &Site, extras: &[Output], statics: &[&str], stylesheet: &str) -> Output {
    let pages: Vec<String> = all_jobs(site).iter().map(|j| job_path(site, j)).collect();
    // The calendar's path, even when watch mode kept its bytes.
    let calendar =
        (!extras.iter().any(|o| o.path == reach::CALENDAR)).then(|| reach::CALENDAR.to_string());
    let paths = pages
        .iter()
        .chain(extras.iter().map(|o| &o.path))
        .chain(calendar.iter());
    let text = headers::headers(
        paths.map(String::as_str).chain(statics.iter().copied()),
        &[stylesheet],
        site.config.cache_seconds,
    );
    Output {
        path: HEADERS.into(),
        bytes: text.into_bytes(),
    }
}

pub const HEADERS: &str = "_headers";

/// Whether `extras` writes this path.
pub fn is_extra(path: &str) -> bool {
    path == &routes::STATUS_JSON[1..]
        || path == HEADERS
        || (path.starts_with("style.") && path.ends_with(".css"))
        || reach::is_reach_output(path)
        || statuspage::is_statuspage_output(path)
}
