//! Prometheus metrics. Counters the hot path moves are relaxed atomic adds — no lock, no
//! allocation; gauges (the digest set, the pool) are read when scraped. `render` writes the
//! text exposition format; `crate::scrape` serves it.

mod render;

pub use render::{Gauges, PoolGauges};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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

/// Copies of each hot counter: a thread adds to its own copy (chosen once per thread), so
/// the workers answering checks on different cores never write the same cache line; a
/// scrape sums the copies.
const STRIPES: usize = 8;

#[derive(Debug)]
#[repr(align(128))]
struct Padded<const N: usize>([AtomicU64; N]);

/// `N` counters, striped (see `STRIPES`).
#[derive(Debug)]
pub struct Striped<const N: usize>([Padded<N>; STRIPES]);

impl<const N: usize> Default for Striped<N> {
    fn default() -> Self {
        Self(std::array::from_fn(|_| {
            Padded(std::array::from_fn(|_| AtomicU64::new(0)))
        }))
    }
}

impl<const N: usize> Striped<N> {
    pub fn add(&self, counter: usize, by: u64) {
        self.0[stripe()].0[counter].fetch_add(by, Ordering::Relaxed);
    }

    pub fn total(&self, counter: usize) -> u64 {
        self.0
            .iter()
            .map(|stripe| stripe.0[counter].load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

/// This thread's stripe.
fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    MINE.with(|mine| *mine)
}

const OUTCOMES: usize = Outcome::ALL.len();
const FACES: usize = Face::ALL.len();
/// Each face's buckets, the last beyond every bound (not cumulative).
const SLOTS: usize = BUCKETS_MICROS.len() + 1;

fn slot_of(elapsed: Duration) -> usize {
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    BUCKETS_MICROS.partition_point(|bound| *bound < micros)
}

#[derive(Default)]
struct Registry {
    /// `face * OUTCOMES + outcome`.
    verifications: Striped<{ FACES * OUTCOMES }>,
    /// `face * SLOTS + slot`.
    latency_buckets: Striped<{ FACES * SLOTS }>,
    latency_nanos: Striped<FACES>,
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
        let registry = &self.0;
        let face = face as usize;
        registry
            .verifications
            .add(face * OUTCOMES + outcome as usize, 1);
        registry
            .latency_buckets
            .add(face * SLOTS + slot_of(elapsed), 1);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        registry.latency_nanos.add(face, nanos);
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
        self.0
            .verifications
            .total(face as usize * OUTCOMES + outcome as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_lands_in_the_first_bucket_that_holds_it() {
        let slots: Vec<usize> = [0, 25, 26, 999, 1_000, 2_000_000]
            .into_iter()
            .map(|micros| slot_of(Duration::from_micros(micros)))
            .collect();
        assert_eq!(slots, [0, 0, 1, 5, 5, BUCKETS_MICROS.len()]);
    }

    #[test]
    fn counts_from_every_thread_are_summed() {
        let metrics = Metrics::new();
        std::thread::scope(|scope| {
            for _ in 0..STRIPES + 3 {
                scope.spawn(|| {
                    for _ in 0..1_000 {
                        metrics.verification(
                            Face::Verify,
                            Outcome::Valid,
                            Duration::from_micros(30),
                        );
                    }
                });
            }
        });
        let threads = (STRIPES + 3) as u64;
        assert_eq!(
            metrics.verifications(Face::Verify, Outcome::Valid),
            threads * 1_000
        );
        assert_eq!(metrics.verifications(Face::Api, Outcome::Valid), 0);
        let face = Face::Verify as usize;
        assert_eq!(
            metrics.0.latency_buckets.total(face * SLOTS + 1),
            threads * 1_000
        );
        assert_eq!(
            metrics.0.latency_nanos.total(face),
            threads * 1_000 * 30_000
        );
    }
}
