//! The site as the model sees it: immutable, with every derived fact
//! (statuses, banners, notices) decided once for all outputs.

pub mod model;
pub mod uptime;
