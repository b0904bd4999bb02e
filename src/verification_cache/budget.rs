//! A per-second budget: the lookups of digests outside the known set are drawn from it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// At most `limit` takes in each second since `start`: one atomic word, so the flood path
/// takes no lock.
pub(super) struct PerSecond {
    start: Instant,
    limit: u32,
    /// The current second (high half) and the takes in it (low half).
    window: AtomicU64,
}

impl PerSecond {
    pub(super) fn new(limit: u32) -> Self {
        Self {
            start: Instant::now(),
            limit,
            window: AtomicU64::new(0),
        }
    }

    pub(super) fn take(&self) -> bool {
        let second = self.start.elapsed().as_secs() & u64::from(u32::MAX);
        let mut current = self.window.load(Ordering::Relaxed);
        loop {
            let (window_second, taken) = (current >> 32, current & u64::from(u32::MAX));
            let next = if window_second == second {
                if taken >= u64::from(self.limit) {
                    return false;
                }
                current + 1
            } else {
                (second << 32) | 1
            };
            match self.window.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }
}
