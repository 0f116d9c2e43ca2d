//! While people write: watch, incremental rebuild, the preview server.

pub mod incremental;
pub mod serve;
pub mod watch;
