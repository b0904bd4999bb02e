//! The digest of every live (unrevoked) token in the database, once loaded: a digest outside
//! the set costs no query unless the small budget of unlisted lookups allows one (it may be a
//! token made on another instance a moment ago), so even an endless stream of distinct
//! made-up tokens barely reaches the database. This process adds its own new secrets before
//! acknowledging them, and takes out the ones it retires; other instances' arrive by the
//! change feed (PostgreSQL) and by a sync every second (`tokens::DigestSync`).

use super::digest::{ByDigest, Digest};
use std::collections::HashSet;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Default)]
pub(super) struct KnownDigests {
    loaded: AtomicBool,
    digests: RwLock<HashSet<Digest, ByDigest>>,
}

impl KnownDigests {
    /// `Some(false)` when the digest is certainly not stored; `None` before the set is loaded.
    pub(super) fn contains(&self, digest: &Digest) -> Option<bool> {
        if !self.loaded.load(Ordering::Acquire) {
            return None;
        }
        let digests = self.digests.read().unwrap_or_else(|p| p.into_inner());
        Some(digests.contains(digest))
    }

    /// Adds digests; `complete` marks the set as holding every stored digest.
    pub(super) fn extend(&self, added: impl IntoIterator<Item = Digest>, complete: bool) {
        let mut digests = self.digests.write().unwrap_or_else(|p| p.into_inner());
        digests.extend(added);
        if complete {
            self.loaded.store(true, Ordering::Release);
        }
    }

    pub(super) fn remove(&self, digest: &Digest) {
        let mut digests = self.digests.write().unwrap_or_else(|p| p.into_inner());
        digests.remove(digest);
    }

    pub(super) fn len(&self) -> usize {
        self.digests.read().unwrap_or_else(|p| p.into_inner()).len()
    }
}
