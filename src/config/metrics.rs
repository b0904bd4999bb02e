//! Where `/metrics` is served: a listener of its own (`LATCHKEY_METRICS_BIND`, for a network
//! only Prometheus reaches), or the main listener behind a bearer secret
//! (`LATCHKEY_METRICS_TOKEN`). Neither set, there is no `/metrics`.

use super::ConfigError;
use subtle::ConstantTimeEq;

/// A secret shorter than this is refused: it guards what the server reveals about its load.
const SHORTEST_TOKEN: usize = 24;

#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    pub bind: Option<String>,
    pub token: Option<MetricsToken>,
}

/// The bearer secret a scraper presents on the main listener. Never printed.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.chars().count() < SHORTEST_TOKEN {
            return Err(format!("must be at least {SHORTEST_TOKEN} characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Compared in constant time: the answer must not tell how much of a guess was right.
    pub fn matches(&self, presented: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken([redacted])")
    }
}

pub(super) fn resolve_metrics(
    file_bind: Option<String>,
    file_token: Option<String>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<MetricsSettings, ConfigError> {
    let bind = env("LATCHKEY_METRICS_BIND")
        .or(file_bind)
        .map(|bind| bind.trim().to_owned())
        .filter(|bind| !bind.is_empty());
    let token = env("LATCHKEY_METRICS_TOKEN")
        .or(file_token)
        .map(|raw| MetricsToken::parse(&raw))
        .transpose()
        .map_err(|message| ConfigError::Invalid {
            name: "LATCHKEY_METRICS_TOKEN",
            message,
        })?;
    Ok(MetricsSettings { bind, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_long_compared_whole_and_never_printed() {
        let env = |name: &str| {
            (name == "LATCHKEY_METRICS_TOKEN")
                .then(|| "a-scraper-secret-of-enough-length".to_owned())
        };
        let settings = resolve_metrics(Some("127.0.0.1:9090".into()), None, &env).unwrap();
        assert_eq!(settings.bind.as_deref(), Some("127.0.0.1:9090"));
        let token = settings.token.unwrap();
        assert!(token.matches("a-scraper-secret-of-enough-length"));
        assert!(!token.matches("a-scraper-secret-of-enough-lengt"));
        assert!(!format!("{token:?}").contains("scraper"));
        let short = |_: &str| Some("short".to_owned());
        assert!(resolve_metrics(None, None, &short).is_err());
        let none = resolve_metrics(None, None, &|_: &str| None).unwrap();
        assert!(none.bind.is_none() && none.token.is_none());
    }
}
