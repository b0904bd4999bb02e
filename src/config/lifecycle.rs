//! How long a request may take, and how a stopping server drains: `request_deadline_ms` and
//! `shutdown_drain_seconds` in the config file, `LATCHKEY_REQUEST_DEADLINE_MS` and
//! `LATCHKEY_SHUTDOWN_DRAIN_SECONDS` in the environment.

use super::ConfigError;
use std::time::Duration;

/// Long enough for any answer of a healthy server (a sign-in's password hash included), short
/// enough that a client learns of a silent database within a second.
pub const DEFAULT_REQUEST_DEADLINE_MS: u32 = 800;
const REQUEST_DEADLINE_MS: std::ops::RangeInclusive<u32> = 100..=60_000;

/// Long enough for a load balancer's health checks to take the instance out of rotation.
pub const DEFAULT_SHUTDOWN_DRAIN_SECONDS: u32 = 5;
const MAX_SHUTDOWN_DRAIN_SECONDS: u32 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// A request still unanswered after this long is answered 503 `unavailable`.
    pub request_deadline: Duration,
    /// After SIGTERM/SIGINT: how long the server keeps serving, with `/readyz` answering 503,
    /// before it stops accepting connections.
    pub shutdown_drain: Duration,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            request_deadline: Duration::from_millis(u64::from(DEFAULT_REQUEST_DEADLINE_MS)),
            shutdown_drain: Duration::from_secs(u64::from(DEFAULT_SHUTDOWN_DRAIN_SECONDS)),
        }
    }
}

pub fn resolve_lifecycle(
    request_deadline_ms: Option<u32>,
    shutdown_drain_seconds: Option<u32>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Lifecycle, ConfigError> {
    let deadline = match env("LATCHKEY_REQUEST_DEADLINE_MS") {
        Some(raw) => whole_number("LATCHKEY_REQUEST_DEADLINE_MS", &raw)?,
        None => request_deadline_ms.unwrap_or(DEFAULT_REQUEST_DEADLINE_MS),
    };
    if !REQUEST_DEADLINE_MS.contains(&deadline) {
        return Err(ConfigError::Invalid {
            name: "LATCHKEY_REQUEST_DEADLINE_MS",
            message: format!(
                "must be between {} and {} milliseconds, got {deadline}",
                REQUEST_DEADLINE_MS.start(),
                REQUEST_DEADLINE_MS.end()
            ),
        });
    }
    let drain = match env("LATCHKEY_SHUTDOWN_DRAIN_SECONDS") {
        Some(raw) => whole_number("LATCHKEY_SHUTDOWN_DRAIN_SECONDS", &raw)?,
        None => shutdown_drain_seconds.unwrap_or(DEFAULT_SHUTDOWN_DRAIN_SECONDS),
    };
    if drain > MAX_SHUTDOWN_DRAIN_SECONDS {
        return Err(ConfigError::Invalid {
            name: "LATCHKEY_SHUTDOWN_DRAIN_SECONDS",
            message: format!("must be at most {MAX_SHUTDOWN_DRAIN_SECONDS}, got {drain}"),
        });
    }
    Ok(Lifecycle {
        request_deadline: Duration::from_millis(u64::from(deadline)),
        shutdown_drain: Duration::from_secs(u64::from(drain)),
    })
}

fn whole_number(name: &'static str, raw: &str) -> Result<u32, ConfigError> {
    raw.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        message: format!("expected a whole number, got '{raw}'"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let none = |_: &str| None;
        assert_eq!(
            resolve_lifecycle(None, None, &none).unwrap(),
            Lifecycle::default()
        );
        let from_file = resolve_lifecycle(Some(250), Some(0), &none).unwrap();
        assert_eq!(from_file.request_deadline, Duration::from_millis(250));
        assert_eq!(from_file.shutdown_drain, Duration::ZERO);
        for (name, bad) in [
            ("LATCHKEY_REQUEST_DEADLINE_MS", "99"),
            ("LATCHKEY_REQUEST_DEADLINE_MS", "60001"),
            ("LATCHKEY_REQUEST_DEADLINE_MS", "soon"),
            ("LATCHKEY_SHUTDOWN_DRAIN_SECONDS", "301"),
            ("LATCHKEY_SHUTDOWN_DRAIN_SECONDS", "-1"),
        ] {
            let env = |asked: &str| (asked == name).then(|| bad.to_owned());
            assert!(resolve_lifecycle(None, None, &env).is_err(), "{name}={bad}");
        }
    }
}
