//! The dashboard's session, typed: the one place that knows its keys (the signed-in user, the
//! CSRF token, the flash message and the sealed secret awaiting its reveal).

use super::flash::Flash;
use crate::accounts::User;
use crate::sessions::{CLIENT_IP_KEY, HANDLE_KEY, USER_AGENT_KEY, USER_ID_KEY};
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use subtle::ConstantTimeEq;
use uuid::Uuid;

const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
const REVEAL_KEY: &str = "reveal";
const GENERATION_KEY: &str = "credentials_generation";

/// A new secret as it waits in the session for its one reveal: encrypted (see `reveal`),
/// with the token it belongs to.
#[derive(Serialize, Deserialize)]
pub struct Sealed {
    pub token_id: Uuid,
    pub nonce: String,
    pub ciphertext: String,
}

#[derive(Clone)]
pub struct TypedSession {
    session: Session,
    /// Where the request comes from, recorded at sign-in for the user's session list.
    client_ip: Option<String>,
    user_agent: Option<String>,
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

impl TypedSession {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            session: req.get_session(),
            client_ip: crate::client_address::client_ip(req),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(200).collect()),
        }
    }

    /// The signed-in user's id, if any.
    pub fn user_id(&self) -> Option<Uuid> {
        self.session.get::<Uuid>(USER_ID_KEY).ok().flatten()
    }

    /// The credentials generation the user was signed in under (see `accounts`).
    pub fn credentials_generation(&self) -> Option<i64> {
        self.session.get::<i64>(GENERATION_KEY).ok().flatten()
    }

    /// This session's handle on its user's session list.
    pub fn handle(&self) -> Option<String> {
        self.session.get::<String>(HANDLE_KEY).ok().flatten()
    }

    /// Signs `user` in under a new session id, starting from an empty state with a fresh
    /// CSRF token: a token seen before authentication is useless after, and nothing a
    /// previous user of the browser left (a pending reveal, a message) is inherited.
    /// `generation` is the user's credentials generation as of now.
    pub fn sign_in(&self, user: &User, generation: i64) -> Result<(), anyhow::Error> {
        self.session.clear();
        self.session.renew();
        let handle = hex::encode(crate::random::bytes::<16>()?);
        let stored = self
            .session
            .insert(USER_ID_KEY, user.id)
            .and_then(|()| self.session.insert(GENERATION_KEY, generation))
            .and_then(|()| self.session.insert(HANDLE_KEY, handle))
            .and_then(|()| match &self.client_ip {
                Some(ip) => self.session.insert(CLIENT_IP_KEY, ip),
                None => Ok(()),
            })
            .and_then(|()| match &self.user_agent {
                Some(agent) => self.session.insert(USER_AGENT_KEY, agent),
                None => Ok(()),
            });
        stored.map_err(|e| anyhow::anyhow!("cannot store the session: {e}"))?;
        self.rotate_csrf();
        Ok(())
    }

    /// Ends the session: its row is deleted and the cookie cleared.
    pub fn log_out(&self) {
        self.session.purge();
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> String {
        match self.session.get::<String>(CSRF_KEY) {
            Ok(Some(token)) => token,
            _ => self.rotate_csrf(),
        }
    }

    /// Whether `sent` is the session's CSRF token; compared in constant time, and never
    /// true for a session without one.
    pub fn csrf_matches(&self, sent: &str) -> bool {
        let expected = self
            .session
            .get::<String>(CSRF_KEY)
            .ok()
            .flatten()
            .unwrap_or_default();
        !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
    }

    fn rotate_csrf(&self) -> String {
        // Without OS randomness there is no safe token; an empty one never matches.
        let Ok(bytes) = crate::random::bytes::<32>() else {
            return String::new();
        };
        let token = hex::encode(bytes);
        if let Err(e) = self.session.insert(CSRF_KEY, &token) {
            tracing::warn!(error = %e, "could not store the CSRF token");
        }
        token
    }

    /// A message for the next page this session renders.
    pub fn flash(&self, flash: Flash) {
        if let Err(e) = self.session.insert(FLASH_KEY, flash) {
            tracing::warn!(error = %e, "could not store a flash message");
        }
    }

    pub fn take_flash(&self) -> Option<Flash> {
        self.session
            .remove_as::<Flash>(FLASH_KEY)
            .and_then(Result::ok)
    }

    pub(super) fn stash_reveal(&self, sealed: Sealed) -> Result<(), anyhow::Error> {
        Ok(self.session.insert(REVEAL_KEY, sealed)?)
    }

    pub(super) fn take_reveal(&self) -> Option<Sealed> {
        self.session.remove_as::<Sealed>(REVEAL_KEY)?.ok()
    }

    /// Drops a pending reveal unseen: the token's own page takes it before anything renders,
    /// so whatever other page renders first ends it.
    pub fn drop_reveal(&self) {
        if self
            .session
            .get::<serde_json::Value>(REVEAL_KEY)
            .ok()
            .flatten()
            .is_some()
        {
            self.session.remove(REVEAL_KEY);
        }
    }
}
