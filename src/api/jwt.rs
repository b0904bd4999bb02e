//! The short-lived access token of the login exchange: a JWT signed with HS256 under a key
//! derived from the server key. Only HS256 is produced or accepted, so the `alg` confusion
//! attacks of general-purpose JWT libraries do not arise; the signature is checked in
//! constant time before the claims are read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const ISSUER: &str = "latchkey";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The user.
    pub sub: Uuid,
    /// The project the token acts in.
    pub prj: Uuid,
    /// The user's credentials generation at login: a later password change, sign-out
    /// everywhere, disabling or change of standing moves it on, and the token stops.
    pub r#gen: i64,
    pub iat: i64,
    pub exp: i64,
}

impl AccessClaims {
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.exp, 0)
    }
}

#[derive(Clone)]
pub struct AccessTokenKeys {
    mac: Hmac<Sha256>,
    /// Keys of the ring's older secret keys: an access token signed before a promotion is
    /// accepted until it expires (or the key is retired).
    older: Vec<Hmac<Sha256>>,
    lifetime: Duration,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessTokenError {
    #[error("not a JWT")]
    Malformed,
    #[error("bad signature")]
    Signature,
    #[error("expired")]
    Expired,
}

impl AccessTokenKeys {
    pub fn new(key: [u8; 32], lifetime: Duration) -> Self {
        Self::with_older(key, &[], lifetime)
    }

    pub fn with_older(key: [u8; 32], older: &[[u8; 32]], lifetime: Duration) -> Self {
        // HMAC takes keys of any length, so this cannot fail.
        #[allow(clippy::expect_used)]
        let keyed = |key: &[u8; 32]| {
            <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length")
        };
        Self {
            mac: keyed(&key),
            older: older.iter().map(keyed).collect(),
            lifetime,
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        generation: i64,
        project_id: Uuid,
        now: DateTime<Utc>,
    ) -> (String, DateTime<Utc>) {
        let expires_at = now + self.lifetime;
        let claims = AccessClaims {
            iss: ISSUER.to_owned(),
            sub: user_id,
            prj: project_id,
            r#gen: generation,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        // Serialising a struct of strings, ids and integers cannot fail.
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = URL_SAFE_NO_PAD.encode(self.sign(signing_input.as_bytes()));
        (format!("{signing_input}.{signature}"), expires_at)
    }

    pub fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<AccessClaims, AccessTokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AccessTokenError::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| AccessTokenError::Malformed)?;
        let signing_input = &token[..header.len() + 1 + payload.len()];
        let signed_by = |mac: &Hmac<Sha256>| {
            let mut mac = mac.clone();
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&signature).is_ok()
        };
        if !signed_by(&self.mac) && !self.older.iter().any(signed_by) {
            return Err(AccessTokenError::Signature);
        }
        // Signed by us, so the header is ours; check it anyway.
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| AccessTokenError::Malformed)?;
        if header != HEADER.as_bytes() {
            return Err(AccessTokenError::Malformed);
        }
        let claims: AccessClaims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(AccessTokenError::Malformed)?;
        if claims.iss != ISSUER {
            return Err(AccessTokenError::Malformed);
        }
        if claims.exp <= now.timestamp() {
            return Err(AccessTokenError::Expired);
        }
        Ok(claims)
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AccessTokenKeys {
        AccessTokenKeys::new([7; 32], Duration::minutes(15))
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let now = Utc::now();
        let (user, project) = (Uuid::now_v7(), Uuid::now_v7());
        let (token, expires_at) = keys().issue(user, 0, project, now);
        let claims = keys().verify(&token, now).unwrap();
        assert_eq!((claims.sub, claims.prj), (user, project));
        assert_eq!(
            expires_at.timestamp(),
            (now + Duration::minutes(15)).timestamp()
        );
        assert_eq!(
            keys().verify(&token, now + Duration::minutes(15)),
            Err(AccessTokenError::Expired)
        );
    }

    #[test]
    fn a_tampered_payload_or_another_key_is_refused() {
        let now = Utc::now();
        let (token, _) = keys().issue(Uuid::now_v7(), 0, Uuid::now_v7(), now);
        let parts: Vec<&str> = token.split('.').collect();
        let forged_claims = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&AccessClaims {
                iss: "latchkey".into(),
                sub: Uuid::nil(),
                prj: Uuid::nil(),
                r#gen: 0,
                iat: 0,
                exp: i64::MAX,
            })
            .unwrap(),
        );
        let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
        assert_eq!(
            keys().verify(&forged, now),
            Err(AccessTokenError::Signature)
        );
        let other = AccessTokenKeys::new([8; 32], Duration::minutes(15));
        assert_eq!(other.verify(&token, now), Err(AccessTokenError::Signature));
    }

    /// After a promotion, an access token signed under the previous key is accepted while
    /// that key is in the ring; new ones are signed under the current key only.
    #[test]
    fn a_token_signed_under_an_older_key_of_the_ring_is_accepted() {
        let now = Utc::now();
        let (before, _) = keys().issue(Uuid::now_v7(), 0, Uuid::now_v7(), now);
        let promoted = AccessTokenKeys::with_older([8; 32], &[[7; 32]], Duration::minutes(15));
        assert!(promoted.verify(&before, now).is_ok());
        let (after, _) = promoted.issue(Uuid::now_v7(), 0, Uuid::now_v7(), now);
        assert_eq!(keys().verify(&after, now), Err(AccessTokenError::Signature));
        let retired = AccessTokenKeys::new([8; 32], Duration::minutes(15));
        assert_eq!(
            retired.verify(&before, now),
            Err(AccessTokenError::Signature)
        );
        assert!(retired.verify(&after, now).is_ok());
    }

    /// A signature is compared whole: a prefix of it (even one byte, which a forger would
    /// guess 1 time in 256) or a longer one is refused.
    #[test]
    fn a_shortened_or_lengthened_signature_is_refused() {
        let now = Utc::now();
        let (token, _) = keys().issue(Uuid::now_v7(), 0, Uuid::now_v7(), now);
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        for forged in [
            URL_SAFE_NO_PAD.encode(&bytes[..1]),
            URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1]),
            URL_SAFE_NO_PAD.encode([bytes.as_slice(), &[0]].concat()),
        ] {
            assert_eq!(
                keys().verify(&format!("{signed}.{forged}"), now),
                Err(AccessTokenError::Signature),
                "{forged}"
            );
        }
    }

    #[test]
    fn an_unsigned_none_token_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(r#"{"iss":"latchkey"}"#);
        assert!(
            keys()
                .verify(&format!("{header}.{claims}."), Utc::now())
                .is_err()
        );
        assert_eq!(
            keys().verify("lk_abc", Utc::now()),
            Err(AccessTokenError::Malformed)
        );
    }
}
