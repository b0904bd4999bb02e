//! The server's key ring: the current secret key, which makes every new token hash, session
//! cookie, reveal and access-token signature, and older keys that are still accepted, so a key
//! can be replaced without invalidating everything it made at once.
//!
//! Where it comes from, first match wins: `LATCHKEY_SECRET_KEYS` (comma-separated, current
//! first) or `LATCHKEY_SECRET_KEY` (one key); `secret_keys` / `secret_key` in the config file;
//! the ring file `<data_dir>/secret.keys` (one key per line, current first, written by
//! `latchkey keys`); the single key file `<data_dir>/secret.key`. With none of them, a key is
//! generated into `secret.key` (0600), but only for SQLite: instances sharing a server
//! database must share their keys, so there a missing key refuses to start.

use super::ConfigError;
use super::secret_key::SecretKey;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const RING_FILE: &str = "secret.keys";
pub const SINGLE_KEY_FILE: &str = "secret.key";

#[derive(Debug, Clone)]
pub struct KeyRing {
    /// Current first.
    keys: Vec<SecretKey>,
    /// Where the ring came from: only a ring kept in the data folder can be changed by
    /// `latchkey keys`.
    source: KeySource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeySource {
    Environment,
    ConfigFile,
    DataFolder,
}

/// One purpose's keys, derived from each key of the ring.
pub struct DerivedKeys {
    pub current: [u8; 32],
    pub older: Vec<[u8; 32]>,
}

impl KeyRing {
    pub fn current(&self) -> &SecretKey {
        &self.keys[0]
    }

    /// The keys before the current one that are still accepted, newest first.
    pub fn older(&self) -> &[SecretKey] {
        &self.keys[1..]
    }

    pub fn keys(&self) -> &[SecretKey] {
        &self.keys
    }

    pub fn derive(&self, purpose: &str) -> DerivedKeys {
        DerivedKeys {
            current: self.current().derive(purpose),
            older: self.older().iter().map(|key| key.derive(purpose)).collect(),
        }
    }
}

pub struct Sources<'a> {
    pub env_keys: Option<String>,
    pub env_key: Option<String>,
    pub file_keys: Option<Vec<String>>,
    pub file_key: Option<String>,
    pub data_dir: &'a Path,
    /// Whether a key may be generated when none exists (the embedded SQLite default).
    pub may_generate: bool,
}

pub fn resolve(sources: Sources<'_>) -> Result<KeyRing, ConfigError> {
    let configured = |keys: Vec<String>, source: KeySource, name: &'static str| {
        ring_of(keys.iter().map(String::as_str), name).map(|keys| KeyRing { keys, source })
    };
    match (sources.env_keys, sources.env_key) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "LATCHKEY_SECRET_KEYS",
                message: "set either LATCHKEY_SECRET_KEYS or LATCHKEY_SECRET_KEY, not both".into(),
            });
        }
        (Some(keys), None) => {
            let keys = keys.split(',').map(str::to_owned).collect();
            return configured(keys, KeySource::Environment, "LATCHKEY_SECRET_KEYS");
        }
        (None, Some(key)) => {
            return configured(vec![key], KeySource::Environment, "LATCHKEY_SECRET_KEY");
        }
        (None, None) => {}
    }
    match (sources.file_keys, sources.file_key) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "secret_keys",
                message: "set either secret_keys or secret_key in the config file, not both".into(),
            });
        }
        (Some(keys), None) => return configured(keys, KeySource::ConfigFile, "secret_keys"),
        (None, Some(key)) => return configured(vec![key], KeySource::ConfigFile, "secret_key"),
        (None, None) => {}
    }
    let ring_file = sources.data_dir.join(RING_FILE);
    if let Some(keys) = read_ring_file(&ring_file)? {
        return Ok(KeyRing {
            keys,
            source: KeySource::DataFolder,
        });
    }
    let single = sources.data_dir.join(SINGLE_KEY_FILE);
    if !sources.may_generate && !single.exists() {
        return Err(ConfigError::Invalid {
            name: "LATCHKEY_SECRET_KEY",
            message: format!(
                "no secret key: set LATCHKEY_SECRET_KEY (or LATCHKEY_SECRET_KEYS), or put one in \
                 {}; every instance on a server database must use the same keys, so none is \
                 generated",
                single.display()
            ),
        });
    }
    Ok(KeyRing {
        keys: vec![SecretKey::load_or_create(&single)?],
        source: KeySource::DataFolder,
    })
}

fn ring_of<'a>(
    raw: impl Iterator<Item = &'a str>,
    name: &'static str,
) -> Result<Vec<SecretKey>, ConfigError> {
    let keys = raw
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(|key| SecretKey::parse(key, name))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(ConfigError::Invalid {
            name,
            message: "names no key".into(),
        });
    }
    Ok(keys)
}

fn read_ring_file(path: &Path) -> Result<Option<Vec<SecretKey>>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::SecretKeyFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    let lines = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'));
    ring_of(lines, "secret.keys").map(Some)
}

/// The ring kept in the data folder, for `latchkey keys` to change. Every change is written
/// to a new file and renamed over the old one, so a crash leaves one ring or the other.
pub struct RingFile {
    folder: PathBuf,
    keys: Vec<SecretKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum RingChangeError {
    #[error(
        "the key ring comes from the {0}; change it there (latchkey keys changes only a ring kept in the data folder)"
    )]
    NotInDataFolder(&'static str),
    #[error("no key with id {0} in the ring")]
    UnknownKey(String),
    #[error("{0} is the current key: promote another key first")]
    RetiringCurrent(String),
    #[error("cannot write the key ring in {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate a key: {0}")]
    Random(String),
}

impl RingFile {
    pub fn open(ring: &KeyRing, data_dir: &Path) -> Result<Self, RingChangeError> {
        match ring.source {
            KeySource::Environment => Err(RingChangeError::NotInDataFolder("environment")),
            KeySource::ConfigFile => Err(RingChangeError::NotInDataFolder("config file")),
            KeySource::DataFolder => Ok(Self {
                folder: data_dir.to_owned(),
                keys: ring.keys.clone(),
            }),
        }
    }

    /// Adds a new random key, accepted but not current; returns its id.
    pub fn add(&mut self) -> Result<String, RingChangeError> {
        let key = SecretKey::generate().map_err(|e| RingChangeError::Random(e.to_string()))?;
        let id = key.id();
        self.keys.push(key);
        self.save()?;
        Ok(id)
    }

    /// Makes the key `id` current; the previous current key stays accepted.
    pub fn promote(&mut self, id: &str) -> Result<(), RingChangeError> {
        let index = self.position(id)?;
        let key = self.keys.remove(index);
        self.keys.insert(0, key);
        self.save()
    }

    /// Removes the key `id`: what it made stops being accepted.
    pub fn retire(&mut self, id: &str) -> Result<(), RingChangeError> {
        let index = self.position(id)?;
        if index == 0 {
            return Err(RingChangeError::RetiringCurrent(id.to_owned()));
        }
        self.keys.remove(index);
        self.save()
    }

    fn position(&self, id: &str) -> Result<usize, RingChangeError> {
        self.keys
            .iter()
            .position(|key| key.id() == id)
            .ok_or_else(|| RingChangeError::UnknownKey(id.to_owned()))
    }

    fn save(&self) -> Result<(), RingChangeError> {
        let path = self.folder.join(RING_FILE);
        let write_error = |source| RingChangeError::Write {
            path: path.clone(),
            source,
        };
        let staging = self.folder.join(format!("{RING_FILE}.new"));
        let _ = std::fs::remove_file(&staging);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&staging).map_err(write_error)?;
        let mut text = String::from(
            "# Latchkey key ring, written by `latchkey keys`: the first key is current, the others\n\
             # are still accepted. Keep it secret and back it up with the database.\n",
        );
        for key in &self.keys {
            text.push_str(key.expose_text());
            text.push('\n');
        }
        file.write_all(text.as_bytes()).map_err(write_error)?;
        file.sync_all().map_err(write_error)?;
        std::fs::rename(&staging, &path).map_err(write_error)?;
        if let Ok(folder) = std::fs::File::open(&self.folder) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}
