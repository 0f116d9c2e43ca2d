//! Build end to end: load, derive, publish, stage, swap; `check`; and
//! `deploy`, which builds and publishes to a bucket or a live directory.

pub mod build;
pub mod check;
pub mod deploy;
pub mod notify;
pub mod output;
