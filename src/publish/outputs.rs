//! The whole set of outputs of a site: every page job, and every output
//! that is not a template (status.json, the stylesheet, reach, the
//! Statuspage API, `_headers`).

use crate::publish::pages::{all_jobs, render_jobs, stylesheet_path, Stamping};
use crate::publish::{headers, reach, status_json, statuspage, Output};
use crate::site::model::Site;
use crate::source::templates::Templates;
use crate::vocab::error::Result;
use crate::vocab::routes;

/// Renders the whole site. Outputs are sorted by path. `statics` are the
/// paths of the files copied from `static/` beside them.
pub fn render(site: &Site, templates: &Templates, statics: &[&str]) -> Result<Vec<Output>> {
    let mut outputs = render_jobs(site, templates, &all_jobs(site), Stamping::Real)?;
    let pages: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    let paths = Paths {
        pages: &pages,
        statics,
    };
    let extras = extras(site, templates, &paths);
    outputs.extend(extras);
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(outputs)
}

/// The paths of the site's other files, which `_headers` names: every
/// page's (`pages::job_path`, which callers have at hand) and the static
/// files'.
#[derive(Debug, Clone, Copy)]
pub struct Paths<'a> {
    pub pages: &'a [&'a str],
    pub statics: &'a [&'a str],
}

/// The outputs that are not templates: status.json, the stylesheet and the
/// reach outputs (notice.json and .js, badges, maintenance.ics).
pub fn extras(site: &Site, templates: &Templates, paths: &Paths) -> Vec<Output> {
    extras_except(site, templates, paths, Skip::default())
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
pub fn extras_except(site: &Site, templates: &Templates, paths: &Paths, skip: Skip) -> Vec<Output> {
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
    out.push(Output {
        path: SCRIPT.into(),
        bytes: SCRIPT_JS.as_bytes().to_vec(),
    });
    out.extend(reach::outputs(site, !skip.calendar));
    out.extend(statuspage::outputs(site));
    if !skip.headers {
        out.push(cache_rules(site, &out, paths, &stylesheet));
    }
    out
}

/// `_headers`, with a rule for every page, static file and other extra.
fn cache_rules(site: &Site, extras: &[Output], paths: &Paths, stylesheet: &str) -> Output {
    // The calendar's path, even when watch mode kept its bytes.
    let calendar = (!extras.iter().any(|o| o.path == reach::CALENDAR)).then_some(reach::CALENDAR);
    let all = (paths.pages.iter().copied())
        .chain(extras.iter().map(|o| o.path.as_str()))
        .chain(calendar)
        .chain(paths.statics.iter().copied());
    let text = headers::headers(all, &[stylesheet], site.config.cache_seconds);
    Output {
        path: HEADERS.into(),
        bytes: text.into_bytes(),
    }
}

pub const HEADERS: &str = "_headers";
/// The progressive script every page loads (times for the reader, reload).
pub const SCRIPT: &str = "upfront.js";
const SCRIPT_JS: &str = include_str!("../theme/upfront.js");
