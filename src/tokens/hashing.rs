//! Tokens are stored as HMAC-SHA256(token, server key), never in clear and never reversibly.
//! A fast keyed hash, not a password hash: the token carries 256 bits of entropy, so a slow
//! hash would only add latency, and a keyed hash can be looked up in a unique index.
//! Lookups compare digests, not secrets: without the key, timing on a digest tells an
//! attacker nothing about any token.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::format::TokenSecret;

type HmacSha256 = Hmac<Sha256>;

/// The HMAC keyed once with the token-hashing key; each hash clones the keyed state instead of
/// re-deriving the inner and outer pads.
#[derive(Clone)]
pub struct TokenHasher {
    keyed: HmacSha256,
    key_id: String,
}

/// A stored hash: lowercase hex of the HMAC, and the id of the key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash {
    pub hex: String,
    pub key_id: String,
}

impl TokenHasher {
    pub fn new(key: &[u8]) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        #[allow(clippy::expect_used)]
        let keyed = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        Self {
            keyed,
            key_id: crate::config::hash_key_id(key),
        }
    }

    /// A short public fingerprint of the key, stored beside each hash for key rotation.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn hash(&self, token: &TokenSecret) -> SecretHash {
        SecretHash {
            hex: hex::encode(self.digest(token)),
            key_id: self.key_id.clone(),
        }
    }

    fn digest(&self, token: &TokenSecret) -> [u8; 32] {
        self.digest_bytes(token.expose_secret().as_bytes())
    }

    /// The raw digest of a token already checked by `format::check`, without allocating.
    pub fn digest_bytes(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_deterministic_per_key_and_differs_across_keys() {
        let token = TokenSecret::generate().unwrap();
        let a = TokenHasher::new(b"key one with enough length.......");
        let b = TokenHasher::new(b"key two with enough length.......");
        assert_eq!(a.hash(&token), a.hash(&token));
        assert_ne!(a.hash(&token).hex, b.hash(&token).hex);
        assert_ne!(a.key_id(), b.key_id());
        assert_eq!(a.hash(&token).hex.len(), 64);
    }

    #[test]
    fn hash_does_not_contain_the_token() {
        let token = TokenSecret::generate().unwrap();
        let hash = TokenHasher::new(b"k").hash(&token);
        assert!(!hash.hex.contains(&token.expose_secret()[3..20]));
    }

    #[test]
    fn keyed_state_gives_the_rfc_4231_answer() {
        // RFC 4231, test case 2.
        let hasher = TokenHasher::new(b"Jefe");
        assert_eq!(
            hex::encode(hasher.digest_bytes(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The cloned keyed state is not consumed by use.
        assert_eq!(
            hasher.digest_bytes(b"what do ya want for nothing?"),
            hasher.digest_bytes(b"what do ya want for nothing?")
        );
    }
}
