//! The operating system's random generator: every secret, key, nonce, salt and code comes
//! from here, and its failure has one name.

use rand::TryRng;

#[derive(Debug, thiserror::Error)]
#[error("the OS random generator failed: {0}")]
pub struct RandomUnavailable(#[from] rand::rngs::SysError);

/// `N` bytes from the OS CSPRNG.
pub fn bytes<const N: usize>() -> Result<[u8; N], RandomUnavailable> {
    let mut bytes = [0u8; N];
    rand::rngs::SysRng.try_fill_bytes(&mut bytes)?;
    Ok(bytes)
}
