//! On/off settings: `true`/`false` (or `1`/`0`, `yes`/`no`, `on`/`off`) in the environment,
//! a boolean in the config file, the environment winning.

use super::ConfigError;

pub fn parse_bool(name: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name,
            message: format!("expected true or false, got '{raw}'"),
        }),
    }
}

/// The variable `name` if set, else the file's value, else `default`.
pub fn resolve_flag(
    name: &'static str,
    from_file: Option<bool>,
    default: bool,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<bool, ConfigError> {
    match env(name) {
        Some(raw) => parse_bool(name, &raw),
        None => Ok(from_file.unwrap_or(default)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_over_the_file_and_nonsense_is_refused() {
        let set = |value: &'static str| move |name: &str| (name == "X").then(|| value.to_owned());
        let unset = |_: &str| None;
        assert!(!resolve_flag("X", Some(true), true, &set("off")).unwrap());
        assert!(resolve_flag("X", Some(false), false, &set("YES")).unwrap());
        assert!(!resolve_flag("X", Some(false), true, &unset).unwrap());
        assert!(resolve_flag("X", None, true, &unset).unwrap());
        assert!(resolve_flag("X", None, true, &set("maybe")).is_err());
    }
}
