//! Build end to end: load, derive, publish, stage, swap; and `check`.

pub mod build;
pub mod check;
pub mod output;
