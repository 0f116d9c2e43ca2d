//! URLs of the output: the one place that knows where each thing lives.

/// The path part of base_url, without a trailing slash ("" at the root).
pub fn base_path(base_url: &str) -> &str {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    after_scheme
        .find('/')
        .map_or("", |i| &after_scheme[i..])
        .trim_end_matches('/')
}
