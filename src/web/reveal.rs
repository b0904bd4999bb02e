//! The one-time reveal of a new secret. The POST that creates or regenerates a token
//! redirects (so a reload never creates a second one); the secret crosses that redirect in
//! the server-side session, encrypted with a key the database never sees, and is removed
//! by the very next page the session renders, whichever page that is.

use super::session::{Sealed, TypedSession};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use uuid::Uuid;

#[derive(Clone)]
pub struct RevealCipher(ChaCha20Poly1305);

/// A secret ready to show once.
pub struct Reveal {
    pub token_id: Uuid,
    pub secret: String,
}

impl RevealCipher {
    pub fn new(key: [u8; 32]) -> Self {
        Self(ChaCha20Poly1305::new(&Key::from(key)))
    }

    pub fn stash(
        &self,
        session: &TypedSession,
        token_id: Uuid,
        secret: &str,
    ) -> Result<(), anyhow::Error> {
        let nonce = crate::random::bytes::<12>()?;
        let ciphertext = self
            .0
            .encrypt(&Nonce::from(nonce), secret.as_bytes())
            .map_err(|_| anyhow::anyhow!("sealing the secret failed"))?;
        session.stash_reveal(Sealed {
            token_id,
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ciphertext),
        })
    }

    /// Removes the pending reveal, if any, and opens it.
    pub fn take(&self, session: &TypedSession) -> Option<Reveal> {
        let sealed = session.take_reveal()?;
        let nonce: [u8; 12] = hex::decode(&sealed.nonce).ok()?.try_into().ok()?;
        let ciphertext = hex::decode(&sealed.ciphertext).ok()?;
        let plain = self
            .0
            .decrypt(&Nonce::from(nonce), ciphertext.as_slice())
            .ok()?;
        Some(Reveal {
            token_id: sealed.token_id,
            secret: String::from_utf8(plain).ok()?,
        })
    }
}
