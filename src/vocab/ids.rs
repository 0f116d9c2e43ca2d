//! Stable identifiers: update anchors and content digests.

use std::collections::HashMap;

use crate::vocab::times::{compact_utc, Time};

/// Anchors for a timeline's updates, from their times: the UTC time, with a
/// counter when times repeat, so ids stay the same when later updates are
/// added. Feed entry ids, page anchors and notifications all use these.
pub fn update_ids(times: impl IntoIterator<Item = Time>) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    times
        .into_iter()
        .map(|at| {
            let base = format!("update-{}", compact_utc(at));
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}-{n}")
            }
        })
        .collect()
}

/// FNV-1a, 64 bit: tiny, stable across platforms and Rust versions, which
/// is all a build id needs.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    pub fn write_u64(&mut self, v: u64) {
        self.write(&v.to_le_bytes());
    }
}

pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.0
}
