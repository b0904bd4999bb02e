use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn defaults_use_sqlite_in_the_data_dir_and_create_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = FileSettings {
        data_dir: Some(dir.path().join("data")),
        ..FileSettings::default()
    };
    let settings = Settings::resolve(file, no_env).unwrap();
    assert!(settings.database_url.starts_with("sqlite://"));
    assert!(
        settings
            .database_url
            .ends_with("/data/latchkey.db?mode=rwc")
    );
    assert_eq!(settings.bind, DEFAULT_BIND);
    assert_eq!(settings.professional_token_cap, 25);
    assert!(settings.cookie_secure);
    assert_eq!(settings.session_idle_minutes, 30);
    assert_eq!(settings.session_absolute_hours, 12);
    let key_path = dir.path().join("data").join(key_ring::SINGLE_KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(std::fs::read_to_string(&key_path).unwrap().len(), 64);
}

#[test]
fn the_generated_key_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let load = || {
        let file = FileSettings {
            data_dir: Some(dir.path().to_owned()),
            ..FileSettings::default()
        };
        Settings::resolve(file, no_env)
            .unwrap()
            .keys
            .current()
            .derive("x")
    };
    assert_eq!(load(), load());
}

#[test]
fn environment_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = FileSettings {
        data_dir: Some(dir.path().to_owned()),
        bind: Some("0.0.0.0:1".into()),
        ..FileSettings::default()
    };
    let env = |name: &str| match name {
        "LATCHKEY_BIND" => Some("127.0.0.1:9999".to_owned()),
        "LATCHKEY_SECRET_KEY" => Some("k".repeat(40)),
        "LATCHKEY_PROFESSIONAL_TOKEN_CAP" => Some("3".to_owned()),
        "LATCHKEY_COOKIE_SECURE" => Some("false".to_owned()),
        _ => None,
    };
    let settings = Settings::resolve(file, env).unwrap();
    assert_eq!(settings.bind, "127.0.0.1:9999");
    assert_eq!(settings.professional_token_cap, 3);
    assert!(!settings.cookie_secure);
    assert!(!dir.path().join(key_ring::SINGLE_KEY_FILE).exists());
}

#[test]
fn short_secret_key_and_bad_numbers_are_refused() {
    let env = |name: &str| (name == "LATCHKEY_SECRET_KEY").then(|| "short".to_owned());
    assert!(Settings::resolve(FileSettings::default(), env).is_err());
    let env = |name: &str| (name == "LATCHKEY_PROFESSIONAL_TOKEN_CAP").then(|| "0".to_owned());
    assert!(Settings::resolve(FileSettings::default(), env).is_err());
}

/// Lifetimes that would make a login token storable, or hide another instance's
/// revocation for long, are refused, from the environment and from the file alike.
#[test]
fn credential_and_cache_lifetimes_have_upper_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let in_dir = || FileSettings {
        data_dir: Some(dir.path().to_owned()),
        ..FileSettings::default()
    };
    for (name, longest) in [
        ("LATCHKEY_ACCESS_TOKEN_MINUTES", "60"),
        ("LATCHKEY_VERIFY_CACHE_TTL_MS", "3600000"),
        ("LATCHKEY_SESSION_ABSOLUTE_HOURS", "168"),
    ] {
        let env = |asked: &str| (asked == name).then(|| longest.to_owned());
        assert!(Settings::resolve(in_dir(), env).is_ok(), "{name}={longest}");
        let over = (longest.parse::<u32>().unwrap() + 1).to_string();
        let env = |asked: &str| (asked == name).then(|| over.clone());
        assert!(Settings::resolve(in_dir(), env).is_err(), "{name}={over}");
    }
    let from_file = FileSettings {
        access_token_minutes: Some(24 * 60),
        ..in_dir()
    };
    assert!(Settings::resolve(from_file, |_| None).is_err());
}

#[test]
fn unknown_keys_in_the_config_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.toml");
    std::fs::write(&path, "bind = \"127.0.0.1:1\"\nbnid = 3\n").unwrap();
    let error = FileSettings::read(&path).unwrap_err().to_string();
    assert!(error.contains("bnid"), "{error}");
}
