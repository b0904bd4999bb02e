//! Typed settings: defaults, then an optional TOML file, then `LATCHKEY_*` variables.

mod caching;
mod flags;
mod key_ring;
mod lifecycle;
mod metrics;
mod secret_key;
mod throttling;

pub use caching::{DEFAULT_VERIFY_CACHE_PUSHED_SECONDS, DEFAULT_VERIFY_CACHE_TTL_MS};
pub use key_ring::{DerivedKeys, KeyRing, RingChangeError, RingFile};
pub use lifecycle::Lifecycle;
pub use metrics::{MetricsSettings, MetricsToken};
pub use secret_key::{SecretKey, hash_key_id};
pub use throttling::FileThrottle;

use crate::client_address::TrustedProxies;
use crate::throttle::ThrottleSettings;
use flags::parse_bool;

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_PROFESSIONAL_TOKEN_CAP: u32 = 25;
pub const DEFAULT_SESSION_IDLE_MINUTES: u32 = 30;
pub const DEFAULT_SESSION_ABSOLUTE_HOURS: u32 = 12;
pub const DEFAULT_ACCESS_TOKEN_MINUTES: u32 = 15;
pub const DEFAULT_LAST_USED_FLUSH_SECONDS: u32 = 5;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    /// Pool size; `None` picks one from the backend and the machine.
    pub database_max_connections: Option<u32>,
    pub bind: String,
    pub data_dir: PathBuf,
    /// The current secret key and the older ones still accepted.
    pub keys: KeyRing,
    pub professional_token_cap: u32,
    /// Mark the session cookie `Secure`. Turn off only for plain-http development.
    pub cookie_secure: bool,
    /// A dashboard session ends after this long without a request.
    pub session_idle_minutes: u32,
    /// However active, a dashboard session ends this long after sign-in.
    pub session_absolute_hours: u32,
    /// Lifetime of the access tokens of `POST /api/v1/auth/login`.
    pub access_token_minutes: u32,
    /// How often "last used" times are written to the database.
    pub last_used_flush_seconds: u32,
    /// How long a verification answer may be served from memory with no change feed
    /// connected; bounds how long a change made on another instance goes unseen here.
    pub verify_cache_ttl_ms: u32,
    /// How long while the PostgreSQL change feed is connected.
    pub verify_cache_pushed_seconds: u32,
    /// How many failures of each kind hold a key back, and for how long.
    pub throttle: ThrottleSettings,
    /// Proxies whose forwarded-for headers are believed (empty: none).
    pub trusted_proxies: TrustedProxies,
    /// The request deadline and the shutdown drain.
    pub lifecycle: Lifecycle,
    /// GraphQL introspection (`__schema`, `__type`): on unless switched off.
    pub graphql_introspection: bool,
    pub metrics: MetricsSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    ParseFile { path: PathBuf, message: String },
    #[error("{name} is not valid: {message}")]
    Invalid { name: &'static str, message: String },
    #[error("cannot use the secret key file {path}: {source}")]
    SecretKeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a config file may set; every key is optional and unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub database_url: Option<String>,
    pub database_max_connections: Option<u32>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub secret_key: Option<String>,
    pub secret_keys: Option<Vec<String>>,
    pub professional_token_cap: Option<u32>,
    pub cookie_secure: Option<bool>,
    pub session_idle_minutes: Option<u32>,
    pub session_absolute_hours: Option<u32>,
    pub access_token_minutes: Option<u32>,
    pub last_used_flush_seconds: Option<u32>,
    pub verify_cache_ttl_ms: Option<u32>,
    pub verify_cache_pushed_seconds: Option<u32>,
    pub trusted_proxies: Option<Vec<String>>,
    pub request_deadline_ms: Option<u32>,
    pub shutdown_drain_seconds: Option<u32>,
    pub graphql_introspection: Option<bool>,
    pub metrics_bind: Option<String>,
    pub metrics_token: Option<String>,
    #[serde(default)]
    pub throttle: FileThrottle,
}

impl FileSettings {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

impl Settings {
    /// Loads from the process environment and, when given (or named by `LATCHKEY_CONFIG`),
    /// a config file. Creates the data folder and, if none is configured, the secret key.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let env_file = std::env::var_os("LATCHKEY_CONFIG").map(PathBuf::from);
        let file = match config_file.map(Path::to_owned).or(env_file) {
            Some(path) => FileSettings::read(&path)?,
            None => FileSettings::default(),
        };
        Self::resolve(file, |name| std::env::var(name).ok())
    }

    /// Applies `env` over `file` over the defaults.
    pub fn resolve(
        file: FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let data_dir = env("LATCHKEY_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = env("LATCHKEY_DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| default_database_url(&data_dir));
        let bind = env("LATCHKEY_BIND")
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let database_max_connections = match env("LATCHKEY_DATABASE_MAX_CONNECTIONS") {
            Some(raw) => Some(parse_positive("LATCHKEY_DATABASE_MAX_CONNECTIONS", &raw)?),
            None => file.database_max_connections,
        };
        let professional_token_cap = match env("LATCHKEY_PROFESSIONAL_TOKEN_CAP") {
            Some(raw) => parse_positive("LATCHKEY_PROFESSIONAL_TOKEN_CAP", &raw)?,
            None => file
                .professional_token_cap
                .unwrap_or(DEFAULT_PROFESSIONAL_TOKEN_CAP),
        };
        let cookie_secure = match env("LATCHKEY_COOKIE_SECURE") {
            Some(raw) => parse_bool("LATCHKEY_COOKIE_SECURE", &raw)?,
            None => file.cookie_secure.unwrap_or(true),
        };
        let session_idle_minutes = match env("LATCHKEY_SESSION_IDLE_MINUTES") {
            Some(raw) => parse_positive("LATCHKEY_SESSION_IDLE_MINUTES", &raw)?,
            None => file
                .session_idle_minutes
                .unwrap_or(DEFAULT_SESSION_IDLE_MINUTES),
        };
        let session_absolute_hours = match env("LATCHKEY_SESSION_ABSOLUTE_HOURS") {
            Some(raw) => parse_positive("LATCHKEY_SESSION_ABSOLUTE_HOURS", &raw)?,
            None => file
                .session_absolute_hours
                .unwrap_or(DEFAULT_SESSION_ABSOLUTE_HOURS),
        };
        let session_absolute_hours = at_most(
            "LATCHKEY_SESSION_ABSOLUTE_HOURS",
            session_absolute_hours,
            MAX_SESSION_ABSOLUTE_HOURS,
        )?;
        let access_token_minutes = match env("LATCHKEY_ACCESS_TOKEN_MINUTES") {
            Some(raw) => parse_positive("LATCHKEY_ACCESS_TOKEN_MINUTES", &raw)?,
            None => file
                .access_token_minutes
                .unwrap_or(DEFAULT_ACCESS_TOKEN_MINUTES),
        };
        let access_token_minutes = at_most(
            "LATCHKEY_ACCESS_TOKEN_MINUTES",
            access_token_minutes,
            MAX_ACCESS_TOKEN_MINUTES,
        )?;
        let last_used_flush_seconds = match env("LATCHKEY_LAST_USED_FLUSH_SECONDS") {
            Some(raw) => parse_positive("LATCHKEY_LAST_USED_FLUSH_SECONDS", &raw)?,
            None => file
                .last_used_flush_seconds
                .unwrap_or(DEFAULT_LAST_USED_FLUSH_SECONDS),
        };
        let (verify_cache_ttl_ms, verify_cache_pushed_seconds) = caching::resolve_cache_lifetimes(
            file.verify_cache_ttl_ms,
            file.verify_cache_pushed_seconds,
            &env,
        )?;
        let throttle = throttling::resolve_throttle(file.throttle, &env)?;
        let trusted_proxies = throttling::resolve_trusted_proxies(file.trusted_proxies, &env)?;
        let lifecycle = lifecycle::resolve_lifecycle(
            file.request_deadline_ms,
            file.shutdown_drain_seconds,
            &env,
        )?;
        let graphql_introspection = flags::resolve_flag(
            "LATCHKEY_GRAPHQL_INTROSPECTION",
            file.graphql_introspection,
            true,
            &env,
        )?;
        let metrics = metrics::resolve_metrics(file.metrics_bind, file.metrics_token, &env)?;
        let keys = key_ring::resolve(key_ring::Sources {
            env_keys: env("LATCHKEY_SECRET_KEYS"),
            env_key: env("LATCHKEY_SECRET_KEY"),
            file_keys: file.secret_keys,
            file_key: file.secret_key,
            data_dir: &data_dir,
            may_generate: database_url.starts_with("sqlite:"),
        })?;
        Ok(Self {
            database_url,
            database_max_connections,
            bind,
            data_dir,
            keys,
            professional_token_cap,
            cookie_secure,
            session_idle_minutes,
            session_absolute_hours,
            access_token_minutes,
            last_used_flush_seconds,
            verify_cache_ttl_ms,
            verify_cache_pushed_seconds,
            throttle,
            trusted_proxies,
            lifecycle,
            graphql_introspection,
            metrics,
        })
    }
}

fn default_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}/latchkey.db?mode=rwc", data_dir.display())
}

/// A dashboard session is for a working day or a few, never for good.
const MAX_SESSION_ABSOLUTE_HOURS: u32 = 7 * 24;
/// A login access token is for minutes of work, never for storing.
const MAX_ACCESS_TOKEN_MINUTES: u32 = 60;
fn at_most(name: &'static str, value: u32, max: u32) -> Result<u32, ConfigError> {
    if value <= max {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            name,
            message: format!("must be at most {max}, got {value}"),
        })
    }
}

fn parse_positive(name: &'static str, raw: &str) -> Result<u32, ConfigError> {
    match raw.trim().parse::<u32>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(ConfigError::Invalid {
            name,
            message: format!("expected a positive whole number, got '{raw}'"),
        }),
    }
}

#[cfg(test)]
mod tests;
