//! One limit: failures per key over a sliding window. Past the limit, the key is held —
//! every attempt refused, right or wrong — until its oldest failure leaves the window.
//!
//! Built for a hot path where almost nobody is held: `check` reads one atomic and returns
//! while no key has been held since the limiter's last hold ended, so a valid token's check
//! takes no lock. Only failures (and checks while some key is held) touch the sharded map.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Keys spread over this many locks, so failures from many clients rarely wait on each other.
const SHARDS: usize = 16;
/// Past this many keys in one shard, expired keys are swept before another is added; if the
/// shard is still full, a new key is not tracked (a wider limit, such as the per-source one,
/// still counts it).
const SWEEP_ABOVE: usize = 4_096;
const MAX_KEYS_PER_SHARD: usize = 16_384;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub limit: u32,
    pub window: Duration,
}

impl Rule {
    pub const fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window }
    }

    /// `N/<duration>`, e.g. `5/15m`, `1000/1m`, `30/300s`, `100/1h`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let expected = || format!("expected failures/window such as 5/15m, got '{raw}'");
        let (limit, window) = raw.trim().split_once('/').ok_or_else(expected)?;
        let limit: u32 = limit.trim().parse().map_err(|_| expected())?;
        let window = window.trim();
        let split = window
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(expected)?;
        let (amount, unit) = window.split_at(split);
        let amount: u64 = amount.parse().map_err(|_| expected())?;
        let seconds = match unit {
            "s" => amount,
            "m" => amount.saturating_mul(60),
            "h" => amount.saturating_mul(3_600),
            _ => return Err(expected()),
        };
        if limit == 0 || seconds == 0 || seconds > 24 * 3_600 {
            return Err(format!(
                "'{raw}': the limit must be at least 1 and the window between 1s and 24h"
            ));
        }
        Ok(Self::new(limit, Duration::from_secs(seconds)))
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.limit, self.window.as_secs())
    }
}

type Shard = HashMap<Box<str>, VecDeque<Instant>>;

pub struct Limiter {
    rule: Rule,
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    epoch: Instant,
    /// Milliseconds after `epoch` until which some key may be held; 0 while none ever was.
    held_until_ms: AtomicU64,
}

impl Limiter {
    pub fn new(rule: Rule) -> Self {
        Self {
            rule,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            epoch: Instant::now(),
            held_until_ms: AtomicU64::new(0),
        }
    }

    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// `Err(wait)` while the key that `key` names is held (`None`: no key, nothing held).
    /// `key` is asked for only while some key may be held, so the usual check neither finds
    /// the client's address nor builds a key.
    pub fn check(&self, key: impl FnOnce() -> Option<String>) -> Result<(), Duration> {
        let held_until = self.held_until_ms.load(Ordering::Relaxed);
        if held_until == 0 {
            return Ok(());
        }
        let now = Instant::now();
        if self.millis(now) >= held_until {
            return Ok(());
        }
        let Some(key) = key() else {
            return Ok(());
        };
        let mut shard = self.shard(&key);
        let Some(times) = shard.get_mut(key.as_str()) else {
            return Ok(());
        };
        self.forget_expired(times, now);
        match times.front() {
            Some(oldest) if times.len() >= self.limit() => {
                Err(self.rule.window.saturating_sub(now - *oldest))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failure against `key`; `true` when the key is now held.
    pub fn failed(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut shard = self.shard(key);
        if !shard.contains_key(key) {
            if shard.len() > SWEEP_ABOVE {
                shard.retain(|_, times| {
                    self.forget_expired(times, now);
                    !times.is_empty()
                });
            }
            if shard.len() >= MAX_KEYS_PER_SHARD {
                return false;
            }
        }
        let times = shard.entry(key.into()).or_default();
        self.forget_expired(times, now);
        times.push_back(now);
        // Only the newest `limit` failures decide when the hold ends.
        while times.len() > self.limit() {
            times.pop_front();
        }
        let held = times.len() >= self.limit();
        if held && let Some(oldest) = times.front() {
            let until = self.millis(*oldest + self.rule.window) + 1;
            self.held_until_ms.fetch_max(until, Ordering::Relaxed);
        }
        held
    }

    fn limit(&self) -> usize {
        self.rule.limit as usize
    }

    fn millis(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    fn forget_expired(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.rule.window)
        {
            times.pop_front();
        }
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, Shard> {
        let index = self.hasher.hash_one(key) as usize % SHARDS;
        // A panic while holding a shard leaves counts, not broken invariants: keep going.
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &'static str) -> impl FnOnce() -> Option<String> {
        move || Some(name.to_owned())
    }

    fn limiter(limit: u32, window: Duration) -> Limiter {
        Limiter::new(Rule::new(limit, window))
    }

    #[test]
    fn a_key_is_held_at_its_limit_and_others_are_not() {
        let limiter = limiter(3, Duration::from_secs(60));
        for n in 0..3 {
            assert!(limiter.check(key("a")).is_ok());
            assert_eq!(limiter.failed("a"), n == 2);
        }
        let wait = limiter.check(key("a")).unwrap_err();
        assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
        assert!(limiter.check(key("b")).is_ok());
    }

    #[test]
    fn failures_leave_the_window() {
        let limiter = limiter(1, Duration::from_millis(30));
        limiter.failed("a");
        assert!(limiter.check(key("a")).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.check(key("a")).is_ok());
    }

    #[test]
    fn nothing_is_held_before_the_first_hold() {
        let limiter = limiter(2, Duration::from_secs(60));
        limiter.failed("a");
        assert_eq!(limiter.held_until_ms.load(Ordering::Relaxed), 0);
        assert!(limiter.check(key("a")).is_ok());
    }

    #[test]
    fn concurrent_failures_past_the_limit_keep_the_hold_in_view() {
        let limiter = limiter(2, Duration::from_secs(60));
        for _ in 0..5 {
            limiter.failed("a");
        }
        assert!(limiter.check(key("a")).is_err());
    }

    #[test]
    fn rules_parse_with_units_and_refuse_nonsense() {
        assert_eq!(
            Rule::parse("5/15m"),
            Ok(Rule::new(5, Duration::from_secs(900)))
        );
        assert_eq!(
            Rule::parse(" 1000 / 1h "),
            Ok(Rule::new(1000, Duration::from_secs(3600)))
        );
        assert_eq!(
            Rule::parse("30/300s"),
            Ok(Rule::new(30, Duration::from_secs(300)))
        );
        for bad in [
            "", "5", "5/", "/15m", "0/1m", "5/0m", "5/15", "5/15d", "x/1m", "5/25h",
        ] {
            assert!(Rule::parse(bad).is_err(), "{bad}");
        }
    }
}
