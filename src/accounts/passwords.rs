//! Password hashing (argon2id), a bounded number at a time, each in a work area that is
//! allocated once and then reused.
//!
//! An argon2id hash with the recommended cost fills 19 MiB. Left to the allocator, every
//! sign-in allocated and freed that much on whichever blocking thread it ran: glibc then
//! raised its threshold for handing large blocks back to the system and kept about 19 MiB
//! per thread arena for good (a few dozen sign-ins left the server 170 MB larger), and
//! nothing bounded how many hashes ran at once (a burst of sign-ins could claim 19 MiB on
//! each of tokio's up to 512 blocking threads). Here at most one hash per core runs at a
//! time; the others wait their turn. Resident memory for hashing is therefore at most
//! 19 MiB per core, allocated on first use.

use crate::domain::Password;
use crate::error::AppError;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

const SALT_LEN: usize = 16;

static HASHING: LazyLock<Hashing> = LazyLock::new(|| Hashing {
    permits: Semaphore::new(parallelism()),
    idle_areas: Mutex::new(Vec::new()),
    areas_allocated: AtomicUsize::new(0),
});

/// How many hashes may run at once: one per core.
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

struct Hashing {
    permits: Semaphore,
    /// Work areas not in use. A hash holds a permit for as long as it holds an area, so
    /// there are never more areas than permits.
    idle_areas: Mutex<Vec<Box<[Block]>>>,
    areas_allocated: AtomicUsize,
}

impl Hashing {
    fn take_area(&self) -> Box<[Block]> {
        let idle = self
            .idle_areas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        idle.unwrap_or_else(|| {
            self.areas_allocated.fetch_add(1, Ordering::Relaxed);
            vec![Block::new(); Params::default().block_count()].into_boxed_slice()
        })
    }

    fn return_area(&self, area: Box<[Block]>) {
        self.idle_areas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(area);
    }

    /// Runs `job` on a blocking thread with a work area, once a permit is free. The permit
    /// and the area travel with the job, so a caller that stops waiting (a client that
    /// hangs up) neither frees the area early nor lets another hash start before it ends.
    async fn run<T: Send + 'static>(
        &'static self,
        job: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| anyhow::anyhow!("password hashing is shut down: {e}"))?;
        tokio::task::spawn_blocking(move || {
            let mut area = self.take_area();
            let result = job(&mut area);
            self.return_area(area);
            drop(permit);
            result
        })
        .await
        .map_err(|e| AppError::from(anyhow::anyhow!("password hashing task failed: {e}")))
    }
}

/// An argon2id hash of `password` in PHC string form, with the recommended parameters and
/// a fresh random salt.
pub async fn hash(password: Password) -> Result<String, AppError> {
    let salt = crate::random::bytes::<SALT_LEN>()?;
    HASHING
        .run(move |area| hash_in(area, password.expose_secret().as_bytes(), &salt))
        .await?
        .map_err(|e| AppError::from(anyhow::anyhow!("hashing a password failed: {e}")))
}

/// Whether `password` matches `stored` (a PHC string). A stored hash that cannot be read is
/// an error, not a mismatch.
pub async fn verify(password: String, stored: String) -> Result<bool, AppError> {
    HASHING
        .run(move |area| matches(area, password.as_bytes(), &stored))
        .await?
        .map_err(|e| AppError::from(anyhow::anyhow!("stored password hash is invalid: {e}")))
}

fn hash_in(area: &mut [Block], password: &[u8], salt: &[u8]) -> Result<String, String> {
    let params = Params::default();
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2
        .hash_password_into_with_memory(password, salt, &mut out, area)
        .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

fn matches(area: &mut [Block], password: &[u8], stored: &str) -> Result<bool, String> {
    let phc = PasswordHash::new(stored).map_err(|e| e.to_string())?;
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return Err("the hash has no salt or no output".into());
    };
    let algorithm = Algorithm::try_from(phc.algorithm.as_str()).map_err(|e| e.to_string())?;
    let version = phc
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let params = Params::try_from(&phc).map_err(|e| e.to_string())?;
    let needed = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    let result = match area.get_mut(..needed) {
        Some(area) => argon2.hash_password_into_with_memory(password, salt, &mut computed, area),
        // Stored with a higher memory cost than this version uses: a one-off area.
        None => argon2.hash_password_into(password, salt, &mut computed),
    };
    result.map_err(|e| e.to_string())?;
    Ok(bool::from(computed.ct_eq(expected.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    fn area() -> Vec<Block> {
        vec![Block::new(); Params::default().block_count()]
    }

    #[test]
    fn a_hash_matches_its_password_and_no_other() {
        let mut area = area();
        let stored = hash_in(&mut area, b"correct horse battery", b"0123456789abcdef").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            matches(&mut area, b"correct horse battery", &stored),
            Ok(true)
        );
        assert_eq!(
            matches(&mut area, b"correct horse batterY", &stored),
            Ok(false)
        );
    }

    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        let mut area = area();
        let salt = b"fedcba9876543210";
        let ours = hash_in(&mut area, b"s3cret password", salt).unwrap();
        let theirs = Argon2::default()
            .hash_password_with_salt(b"s3cret password", salt)
            .unwrap()
            .to_string();
        assert_eq!(ours, theirs);
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"s3cret password", &parsed)
                .is_ok()
        );
    }

    #[test]
    fn a_reused_area_gives_the_same_answer_as_a_fresh_one() {
        let mut used = area();
        hash_in(&mut used, b"something else entirely", b"aaaaaaaaaaaaaaaa").unwrap();
        let reused = hash_in(&mut used, b"the password", b"bbbbbbbbbbbbbbbb").unwrap();
        let fresh = hash_in(&mut area(), b"the password", b"bbbbbbbbbbbbbbbb").unwrap();
        assert_eq!(reused, fresh);
    }

    #[test]
    fn hashes_with_other_parameters_still_verify() {
        // Cheaper and dearer than the default, as an older or newer version might store.
        for params in [
            Params::new(8192, 3, 1, None).unwrap(),
            Params::new(24576, 1, 1, None).unwrap(),
        ] {
            let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_with_salt(b"pw with params", b"0011223344556677")
                .unwrap()
                .to_string();
            let mut area = area();
            assert_eq!(matches(&mut area, b"pw with params", &stored), Ok(true));
            assert_eq!(matches(&mut area, b"pw with param", &stored), Ok(false));
        }
    }

    #[test]
    fn an_unreadable_hash_is_an_error_not_a_mismatch() {
        let mut area = area();
        assert!(matches(&mut area, b"pw", "not a hash").is_err());
        assert!(
            matches(
                &mut area,
                b"pw",
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"
            )
            .is_err()
        );
    }

    fn work_areas() -> usize {
        HASHING.areas_allocated.load(Ordering::Relaxed)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_hashes_share_at_most_one_area_per_core() {
        let password = Password::parse("a long enough password".into(), &[]).unwrap();
        let hashes: Vec<_> = (0..(parallelism() * 3))
            .map(|_| tokio::spawn(hash(password.clone())))
            .collect();
        let mut stored = Vec::new();
        for handle in hashes {
            stored.push(handle.await.unwrap().unwrap());
        }
        assert!(work_areas() >= 1);
        assert!(
            work_areas() <= parallelism(),
            "{} work areas for {} cores",
            work_areas(),
            parallelism()
        );
        // Fresh salts: no two hashes alike, and each verifies.
        stored.sort();
        stored.dedup();
        assert_eq!(stored.len(), parallelism() * 3);
        assert!(
            verify("a long enough password".into(), stored[0].clone())
                .await
                .unwrap()
        );
    }
}
