//! While people write: watch, incremental rebuild, the preview server.

#[cfg(target_os = "linux")]
mod desk;
pub mod incremental;
pub mod serve;
pub mod watch;
