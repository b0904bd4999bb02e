//! https for the client: rustls with the ring provider, the system's trust store, and the
//! certificates of `--ca-cert` (a private CA) beside it.

use super::ClientError;
use std::path::Path;

/// reqwest is built without a default crypto provider, to keep a second one (aws-lc) out of
/// the build, and it panics building any client (https or not) before one is installed:
/// install it once per process before the first client is made.
pub fn install_provider() {
    // Fails only when a provider is already installed, which is what is wanted.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Every certificate in a PEM file.
pub fn certificates(file: &Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let pem = std::fs::read(file).map_err(|error| {
        ClientError::Usage(format!("cannot read --ca-cert {}: {error}", file.display()))
    })?;
    reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .filter(|certificates| !certificates.is_empty())
        .ok_or_else(|| {
            ClientError::Usage(format!(
                "--ca-cert {} holds no PEM certificate",
                file.display()
            ))
        })
}
