//! The throttle limits and the trusted proxies: `[throttle]` in the config file and
//! `LATCHKEY_THROTTLE_*` / `LATCHKEY_TRUSTED_PROXIES` in the environment.

use super::ConfigError;
use crate::client_address::TrustedProxies;
use crate::throttle::{Rule, ThrottleSettings};
use serde::Deserialize;

/// `[throttle]` in the config file: each limit as `failures/window`, such as `"5/15m"`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileThrottle {
    pub sign_in_per_account: Option<String>,
    pub sign_in_per_address: Option<String>,
    pub api_auth_per_address: Option<String>,
    pub verify_per_client: Option<String>,
    pub verify_per_source: Option<String>,
    pub setup_per_address: Option<String>,
}

pub fn resolve_throttle(
    file: FileThrottle,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<ThrottleSettings, ConfigError> {
    let defaults = ThrottleSettings::default();
    let rule = |name: &'static str, from_file: Option<String>, default: Rule| match env(name)
        .or(from_file)
    {
        Some(raw) => Rule::parse(&raw).map_err(|message| ConfigError::Invalid { name, message }),
        None => Ok(default),
    };
    Ok(ThrottleSettings {
        sign_in_per_account: rule(
            "LATCHKEY_THROTTLE_SIGN_IN_PER_ACCOUNT",
            file.sign_in_per_account,
            defaults.sign_in_per_account,
        )?,
        sign_in_per_address: rule(
            "LATCHKEY_THROTTLE_SIGN_IN_PER_ADDRESS",
            file.sign_in_per_address,
            defaults.sign_in_per_address,
        )?,
        api_auth_per_address: rule(
            "LATCHKEY_THROTTLE_API_AUTH_PER_ADDRESS",
            file.api_auth_per_address,
            defaults.api_auth_per_address,
        )?,
        verify_per_client: rule(
            "LATCHKEY_THROTTLE_VERIFY_PER_CLIENT",
            file.verify_per_client,
            defaults.verify_per_client,
        )?,
        verify_per_source: rule(
            "LATCHKEY_THROTTLE_VERIFY_PER_SOURCE",
            file.verify_per_source,
            defaults.verify_per_source,
        )?,
        setup_per_address: rule(
            "LATCHKEY_THROTTLE_SETUP_PER_ADDRESS",
            file.setup_per_address,
            defaults.setup_per_address,
        )?,
    })
}

pub fn resolve_trusted_proxies(
    file: Option<Vec<String>>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<TrustedProxies, ConfigError> {
    const NAME: &str = "LATCHKEY_TRUSTED_PROXIES";
    let raw = match env(NAME) {
        Some(raw) => raw,
        None => file.unwrap_or_default().join(","),
    };
    TrustedProxies::parse(&raw).map_err(|message| ConfigError::Invalid {
        name: NAME,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn limits_come_from_the_environment_over_the_file_over_the_defaults() {
        let file = FileThrottle {
            sign_in_per_account: Some("3/1m".into()),
            verify_per_source: Some("10/10s".into()),
            ..FileThrottle::default()
        };
        let env = |name: &str| {
            (name == "LATCHKEY_THROTTLE_VERIFY_PER_SOURCE").then(|| "20/1h".to_owned())
        };
        let settings = resolve_throttle(file, &env).unwrap();
        assert_eq!(
            settings.sign_in_per_account,
            Rule::new(3, Duration::from_secs(60))
        );
        assert_eq!(
            settings.verify_per_source,
            Rule::new(20, Duration::from_secs(3600))
        );
        assert_eq!(
            settings.setup_per_address,
            ThrottleSettings::default().setup_per_address
        );
    }

    #[test]
    fn a_malformed_limit_names_its_setting() {
        let env =
            |name: &str| (name == "LATCHKEY_THROTTLE_API_AUTH_PER_ADDRESS").then(|| "lots".into());
        let error = resolve_throttle(FileThrottle::default(), &env).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("LATCHKEY_THROTTLE_API_AUTH_PER_ADDRESS"),
            "{error}"
        );
    }

    #[test]
    fn trusted_proxies_are_read_and_checked() {
        let none = |_: &str| None;
        assert!(resolve_trusted_proxies(None, &none).unwrap().is_empty());
        let listed = resolve_trusted_proxies(Some(vec!["10.0.0.0/8".into()]), &none).unwrap();
        assert!(!listed.is_empty());
        let bad = |name: &str| (name == "LATCHKEY_TRUSTED_PROXIES").then(|| "10.0.0.0/99".into());
        assert!(resolve_trusted_proxies(None, &bad).is_err());
    }
}
