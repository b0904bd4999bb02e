//! Prometheus metrics. Counters the hot path moves are relaxed atomic adds — no lock, no
//! allocation; gauges (the digest set, the pool) are read when scraped. `render` writes the
//! text exposition format; `crate::scrape` serves it.

mod render;

pub use render::{Gauges, PoolGauges};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where a token was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Verify,
    ForwardAuth,
    Api,
    Graphql,
}

impl Face {
    const ALL: [Face; 4] = [Face::Verify, Face::ForwardAuth, Face::Api, Face::Graphql];

    fn label(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::ForwardAuth => "forward-auth",
            Self::Api => "api",
            Self::Graphql => "graphql",
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Valid,
    Unknown,
    Expired,
    Revoked,
    /// A personal token whose owner is disabled or gone.
    OwnerInactive,
    /// Valid, but lacking the permission asked for.
    Forbidden,
    /// Missing, of the wrong shape or with a wrong checksum.
    Malformed,
    /// Could not be checked (the database did not answer).
    Error,
}

impl Outcome {
    const ALL: [Outcome; 8] = [
        Outcome::Valid,
        Outcome::Unknown,
        Outcome::Expired,
        Outcome::Revoked,
        Outcome::OwnerInactive,
        Outcome::Forbidden,
        Outcome::Malformed,
        Outcome::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Unknown => "unknown",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::OwnerInactive => "owner_inactive",
            Self::Forbidden => "forbidden",
            Self::Malformed => "malformed",
            Self::Error => "error",
        }
    }
}

/// How a sign-in (dashboard or `POST /auth/login`) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    Succeeded,
    Failed,
    Throttled,
}

impl SignIn {
    const ALL: [SignIn; 3] = [SignIn::Succeeded, SignIn::Failed, SignIn::Throttled];

    fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Throttled => "throttled",
        }
    }
}

/// Upper bounds of the latency histogram's buckets, in microseconds: a warm check takes
/// microseconds, a miss a database round trip, a stuck one the request deadline.
const BUCKETS_MICROS: [u64; 14] = [
    25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
];

#[derive(Default)]
struct Histogram {
    /// Observations per bucket (not cumulative; the last slot is beyond every bound).
    buckets: [AtomicU64; BUCKETS_MICROS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let slot = BUCKETS_MICROS.partition_point(|bound| *bound < micros);
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Registry {
    verifications: [[AtomicU64; Outcome::ALL.len()]; Face::ALL.len()],
    latency: [Histogram; Face::ALL.len()],
    sign_ins: [AtomicU64; SignIn::ALL.len()],
    flushes: AtomicU64,
    flush_failures: AtomicU64,
    flush_nanos: AtomicU64,
}

/// The process's counters, shared by every face.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Registry>);

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// One check of a token by `face`, from its first byte read to its answer.
    pub fn verification(&self, face: Face, outcome: Outcome, elapsed: Duration) {
        self.0.verifications[face as usize][outcome as usize].fetch_add(1, Ordering::Relaxed);
        self.0.latency[face as usize].observe(elapsed);
    }

    pub fn sign_in(&self, outcome: SignIn) {
        self.0.sign_ins[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// One round of the last-used flusher.
    pub fn flushed(&self, elapsed: Duration, succeeded: bool) {
        self.0.flushes.fetch_add(1, Ordering::Relaxed);
        if !succeeded {
            self.0.flush_failures.fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.0.flush_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// How many checks `face` counted with `outcome` (tests, diagnostics).
    pub fn verifications(&self, face: Face, outcome: Outcome) -> u64 {
        self.0.verifications[face as usize][outcome as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_lands_in_the_first_bucket_that_holds_it() {
        let histogram = Histogram::default();
        for micros in [0, 25, 26, 999, 1_000, 2_000_000] {
            histogram.observe(Duration::from_micros(micros));
        }
        let counts: Vec<u64> = histogram
            .buckets
            .iter()
            .map(|bucket| bucket.load(Ordering::Relaxed))
            .collect();
        // ≤25: 0 and 25; ≤50: 26; ≤1000: 999 and 1000; beyond 1 s: 2 s.
        assert_eq!(counts[0], 2);
        assert_eq!(counts[1], 1);
        assert_eq!(counts[5], 2);
        assert_eq!(counts[BUCKETS_MICROS.len()], 1);
        assert_eq!(counts.iter().sum::<u64>(), 6);
    }
}
