//! Time spent inside the parallel load, per kind of work, for
//! `upfront build --timings`. Reading, front matter and Markdown happen
//! together per file on every core, so wall clock cannot separate them;
//! these counters sum the time each thread spent, and cost one relaxed
//! load when timings were not asked for.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// One kind of work, summed over all threads.
pub struct Counter(AtomicU64);

/// Reading files from disk.
pub static READ: Counter = Counter(AtomicU64::new(0));
/// Turning Markdown into HTML.
pub static MARKDOWN: Counter = Counter(AtomicU64::new(0));
/// Writing rendered pages (a full build writes each as soon as it is rendered).
pub static WRITE: Counter = Counter(AtomicU64::new(0));

/// Starts counting (and resets the counters).
pub fn enable() {
    READ.0.store(0, Ordering::Relaxed);
    MARKDOWN.0.store(0, Ordering::Relaxed);
    WRITE.0.store(0, Ordering::Relaxed);
    ENABLED.store(true, Ordering::Relaxed);
}

impl Counter {
    /// Runs `f`, adding its duration to this counter when counting.
    pub fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        if !ENABLED.load(Ordering::Relaxed) {
            return f();
        }
        let start = Instant::now();
        let value = f();
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
        value
    }

    /// The time summed so far.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_when_enabled_and_sums_threads() {
        static C: Counter = Counter(AtomicU64::new(0));
        let sleep = || std::thread::sleep(Duration::from_millis(5));
        enable();
        std::thread::scope(|s| {
            s.spawn(|| C.time(sleep));
            s.spawn(|| C.time(sleep));
        });
        assert!(C.total() >= Duration::from_millis(10), "{:?}", C.total());
        assert_eq!(C.time(|| 7), 7);
    }
}
