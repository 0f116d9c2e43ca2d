//! The words every stage shares: errors, names of severities and statuses,
//! ids and digests, routes, slugs, times, stage clocks. Uses nothing above it.

pub mod atomic;
pub mod choice;
pub mod clock;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod routes;
pub mod slug;
pub mod times;
