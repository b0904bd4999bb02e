//! A token's HMAC digest as the verification path keys on it, and the hasher its maps use.

use std::hash::{BuildHasherDefault, Hasher};

pub type Digest = [u8; 32];

/// Hashes a digest by taking eight of its bytes. A digest is an HMAC under the server's
/// key: uniformly distributed, and no client can choose one, so a keyed hash (SipHash, the
/// default) would only add a second hash to every lookup.
#[derive(Default, Clone, Copy)]
pub struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes as its length, then its bytes: only the bytes are kept.
        if let Some(head) = bytes.first_chunk::<8>() {
            self.0 = u64::from_le_bytes(*head);
        }
    }

    fn write_usize(&mut self, _length: usize) {}
}

pub type ByDigest = BuildHasherDefault<DigestHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn a_digest_hashes_to_its_first_eight_bytes() {
        let mut digest = [0u8; 32];
        for (i, byte) in digest.iter_mut().enumerate() {
            *byte = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let expected = u64::from_le_bytes(digest[..8].try_into().unwrap_or_default());
        assert_eq!(ByDigest::default().hash_one(digest), expected);
        let mut other = digest;
        other[0] ^= 1;
        assert_ne!(
            ByDigest::default().hash_one(other),
            ByDigest::default().hash_one(digest)
        );
    }
}
