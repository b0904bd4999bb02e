//! Failed sign-ins, counted per account and per client address over a sliding window. Past
//! the limit, sign-in is refused — even with the right password — until the oldest failure
//! leaves the window: a soft lock that stops guessing without locking anyone out for good.
//!
//! The counts live in this process. Behind a load balancer each instance counts on its own,
//! so an attacker who reaches N instances gets N times the limit; a count shared in the
//! database is the scale-out step (`docs/security.md`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures one account may collect in a window.
pub const ACCOUNT_FAILURES: usize = 5;
/// Failures one client address may collect in a window, over all accounts.
pub const ADDRESS_FAILURES: usize = 50;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Past this many tracked keys, expired ones are swept before another is added.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(String),
}

#[derive(Clone)]
pub struct SignInThrottle {
    failures: Arc<Mutex<HashMap<Key, VecDeque<Instant>>>>,
    account_limit: usize,
    address_limit: usize,
    window: Duration,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new(ACCOUNT_FAILURES, ADDRESS_FAILURES, WINDOW)
    }
}

impl SignInThrottle {
    pub fn new(account_limit: usize, address_limit: usize, window: Duration) -> Self {
        Self {
            failures: Arc::default(),
            account_limit,
            address_limit,
            window,
        }
    }

    /// `Err(wait)` while the account or the address is over its limit.
    pub fn check(&self, account: &str, address: Option<&str>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for (key, limit) in self.keys(account, address) {
            if let Some(times) = failures.get_mut(&key) {
                forget_before(times, now, self.window);
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    let until = self.window.saturating_sub(now - *oldest);
                    wait = Some(wait.map_or(until, |w: Duration| w.max(until)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failed attempt against the account and the address.
    pub fn failed(&self, account: &str, address: Option<&str>) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, times| {
                forget_before(times, now, self.window);
                !times.is_empty()
            });
        }
        for (key, _) in self.keys(account, address) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Key::Account(account_key(account)));
    }

    fn keys(&self, account: &str, address: Option<&str>) -> Vec<(Key, usize)> {
        let mut keys = vec![(Key::Account(account_key(account)), self.account_limit)];
        if let Some(address) = address {
            keys.push((Key::Address(address.to_owned()), self.address_limit));
        }
        keys
    }
}

/// The account as typed, folded the way emails are stored; bounded, since it may be any text.
fn account_key(account: &str) -> String {
    account.trim().to_lowercase().chars().take(254).collect()
}

fn forget_before(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times.front().is_some_and(|t| now - *t >= window) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_held_after_its_limit_and_others_are_not() {
        let throttle = SignInThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("Ada@Example.com", Some("10.0.0.1")).is_ok());
            throttle.failed("ada@example.com ", Some("10.0.0.1"));
        }
        let wait = throttle
            .check("ada@example.com", Some("10.0.0.9"))
            .unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(throttle.check("bob@example.com", Some("10.0.0.2")).is_ok());
    }

    #[test]
    fn an_address_is_held_after_its_limit_over_all_accounts() {
        let throttle = SignInThrottle::new(100, 3, Duration::from_secs(60));
        for n in 0..3 {
            throttle.failed(&format!("user{n}@example.com"), Some("10.0.0.1"));
        }
        assert!(throttle.check("new@example.com", Some("10.0.0.1")).is_err());
        assert!(throttle.check("new@example.com", Some("10.0.0.2")).is_ok());
    }

    #[test]
    fn failures_leave_the_window() {
        let throttle = SignInThrottle::new(1, 100, Duration::from_millis(20));
        throttle.failed("ada@example.com", None);
        assert!(throttle.check("ada@example.com", None).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(throttle.check("ada@example.com", None).is_ok());
    }
}
