//! One secret key of the ring (`key_ring`): configured, or generated on first start into the
//! data folder (mode 0600), and the keys derived from it for each purpose.

use super::ConfigError;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;

const MIN_SECRET_KEY_LEN: usize = 32;

/// The server's master secret. Never printed; each use gets its own derived key.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub(super) fn parse(raw: &str, name: &'static str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        if raw.len() < MIN_SECRET_KEY_LEN {
            return Err(ConfigError::Invalid {
                name,
                message: format!("each key must be at least {MIN_SECRET_KEY_LEN} characters long"),
            });
        }
        Ok(Self(raw.as_bytes().to_vec()))
    }

    /// A new key: 32 random bytes, in hex.
    pub fn generate() -> Result<Self, crate::random::RandomUnavailable> {
        Ok(Self(
            hex::encode(crate::random::bytes::<32>()?).into_bytes(),
        ))
    }

    /// The public id of the key: the one stored beside every token hash it made.
    pub fn id(&self) -> String {
        hash_key_id(&self.derive("token-hash"))
    }

    /// The key as configured, for writing the ring file.
    pub(super) fn expose_text(&self) -> &str {
        // Every key is made from a string (configured, read from a file, or hex).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Reads the key file, or creates it with 32 random bytes (hex) and mode 0600.
    pub(super) fn load_or_create(path: &Path) -> Result<Self, ConfigError> {
        let file_error = |source| ConfigError::SecretKeyFile {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::parse(&text, "secret.key"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(file_error(e)),
        }
        if let Some(parent) = path.parent() {
            crate::private_files::create_dir(parent).map_err(file_error)?;
        }
        let bytes = crate::random::bytes::<32>()
            .map_err(|e| file_error(std::io::Error::other(e.to_string())))?;
        let encoded = hex::encode(bytes);

        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(encoded.as_bytes()).map_err(file_error)?;
                file.sync_all().map_err(file_error)?;
                Ok(Self(encoded.into_bytes()))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(file_error)?;
                Self::parse(&text, "secret.key")
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// A key for one purpose, so that no two uses share key material.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("any key length");
        mac.update(b"latchkey/");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Only for tests and tools that need a fixed key.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

/// A short public fingerprint of a token-hashing key (derived from a secret key), stored
/// beside each hash it makes, so that the ring knows which key made a token.
pub fn hash_key_id(token_hash_key: &[u8]) -> String {
    let fingerprint = Sha256::digest([b"latchkey key id\0".as_slice(), token_hash_key].concat());
    hex::encode(&fingerprint[..4])
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_purpose() {
        let key = SecretKey::from_bytes(b"0123456789abcdef0123456789abcdef");
        assert_ne!(key.derive("token-hash"), key.derive("session"));
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }
}
