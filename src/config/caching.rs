//! How long a verification answer may be served from memory: `verify_cache_ttl_ms` (the
//! fallback lifetime, which bounds how long another instance's change goes unseen when no
//! change feed is connected) and `verify_cache_pushed_seconds` (the lifetime while the
//! PostgreSQL change feed is connected, since pushes keep entries true); in the environment
//! `LATCHKEY_VERIFY_CACHE_TTL_MS` and `LATCHKEY_VERIFY_CACHE_PUSHED_SECONDS`.

use super::{ConfigError, at_most, parse_positive};

pub const DEFAULT_VERIFY_CACHE_TTL_MS: u32 = 1_000;
pub const DEFAULT_VERIFY_CACHE_PUSHED_SECONDS: u32 = 300;
/// The longest another instance's change may go unseen by this one's cache.
const MAX_VERIFY_CACHE_TTL_MS: u32 = 3_600_000;
/// Pushes keep entries true, but a day is long enough for any cache to start afresh.
const MAX_VERIFY_CACHE_PUSHED_SECONDS: u32 = 86_400;

/// `(fallback milliseconds, pushed seconds)`.
pub fn resolve_cache_lifetimes(
    file_ttl_ms: Option<u32>,
    file_pushed_seconds: Option<u32>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(u32, u32), ConfigError> {
    let ttl_ms = setting(
        "LATCHKEY_VERIFY_CACHE_TTL_MS",
        file_ttl_ms,
        DEFAULT_VERIFY_CACHE_TTL_MS,
        MAX_VERIFY_CACHE_TTL_MS,
        env,
    )?;
    let pushed = setting(
        "LATCHKEY_VERIFY_CACHE_PUSHED_SECONDS",
        file_pushed_seconds,
        DEFAULT_VERIFY_CACHE_PUSHED_SECONDS,
        MAX_VERIFY_CACHE_PUSHED_SECONDS,
        env,
    )?;
    Ok((ttl_ms, pushed))
}

/// `name` from the environment (a positive whole number), else the file's value, else
/// `default`; at most `max` whichever gave it.
fn setting(
    name: &'static str,
    file: Option<u32>,
    default: u32,
    max: u32,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<u32, ConfigError> {
    let value = match env(name) {
        Some(raw) => parse_positive(name, &raw)?,
        None => file.unwrap_or(default),
    };
    at_most(name, value, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_come_from_the_environment_over_the_file_and_are_bounded() {
        let none = |_: &str| None;
        assert_eq!(
            resolve_cache_lifetimes(None, None, &none).unwrap(),
            (1_000, 300)
        );
        assert_eq!(
            resolve_cache_lifetimes(Some(200), Some(60), &none).unwrap(),
            (200, 60)
        );
        let env =
            |name: &str| (name == "LATCHKEY_VERIFY_CACHE_PUSHED_SECONDS").then(|| "5".to_owned());
        assert_eq!(
            resolve_cache_lifetimes(None, Some(60), &env).unwrap(),
            (1_000, 5)
        );
        let zero =
            |name: &str| (name == "LATCHKEY_VERIFY_CACHE_PUSHED_SECONDS").then(|| "0".to_owned());
        assert!(resolve_cache_lifetimes(None, None, &zero).is_err());
        assert!(resolve_cache_lifetimes(None, Some(86_401), &none).is_err());
    }
}
