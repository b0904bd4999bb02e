//! The one-time reveal of a new secret. The POST that creates or regenerates a token
//! redirects (so a reload never creates a second one); the secret crosses that redirect in
//! the server-side session, encrypted with a key the database never sees, and is removed
//! by the very next page the session renders, whichever page that is.

use super::session::{Sealed, TypedSession};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use uuid::Uuid;

/// Seals under the current key; opens under any key of the ring, so a reveal stashed just
/// before a restart with a promoted key still shows.
#[derive(Clone)]
pub struct RevealCipher {
    current: ChaCha20Poly1305,
    older: Vec<ChaCha20Poly1305>,
}

/// A secret ready to show once.
pub struct Reveal {
    pub token_id: Uuid,
    pub secret: String,
}

impl RevealCipher {
    pub fn new(key: [u8; 32], older: &[[u8; 32]]) -> Self {
        let cipher = |key: &[u8; 32]| ChaCha20Poly1305::new(&Key::from(*key));
        Self {
            current: cipher(&key),
            older: older.iter().map(cipher).collect(),
        }
    }

    pub fn stash(
        &self,
        session: &TypedSession,
        token_id: Uuid,
        secret: &str,
    ) -> Result<(), anyhow::Error> {
        let nonce = crate::random::bytes::<12>()?;
        let ciphertext = self
            .current
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
        let nonce = Nonce::from(nonce);
        let plain = std::iter::once(&self.current)
            .chain(&self.older)
            .find_map(|cipher| cipher.decrypt(&nonce, ciphertext.as_slice()).ok())?;
        Some(Reveal {
            token_id: sealed.token_id,
            secret: String::from_utf8(plain).ok()?,
        })
    }
}
