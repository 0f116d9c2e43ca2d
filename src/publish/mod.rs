//! The outputs, one module per family, each a pure function of the site:
//! `pages` (HTML and feeds through the templates), `sitemap`, `status_json`,
//! `statuspage` (its v2 API), `reach` (notice, badges, calendar),
//! `headers` (`_headers`); `outputs` puts them together. `reads` records
//! what each page reads of the site, for watch mode.

pub mod headers;
pub mod outputs;
pub mod pages;
pub mod reach;
pub mod reads;
pub mod sitemap;
pub mod status_json;
pub mod statuspage;

/// One file of the output, by its path relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}
