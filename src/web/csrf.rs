//! CSRF protection: a random token per session, embedded in every form and checked on every
//! POST before the form is even parsed into its type.

use super::page::PageError;
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use rand::TryRng;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use subtle::ConstantTimeEq;

const CSRF_KEY: &str = "csrf";
/// Dashboard forms are small; this bounds what a POST may send.
const FORM_LIMIT: usize = 64 * 1024;

/// The session's CSRF token, created on first use.
pub fn token_for(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return token;
    }
    rotate(session)
}

/// A fresh token (at sign-in, so a token seen before authentication is useless after).
pub fn rotate(session: &Session) -> String {
    let mut bytes = [0u8; 32];
    // Without OS randomness there is no safe token; an empty one never matches (see below).
    if rand::rngs::SysRng.try_fill_bytes(&mut bytes).is_err() {
        return String::new();
    }
    let token = hex::encode(bytes);
    if let Err(e) = session.insert(CSRF_KEY, &token) {
        tracing::warn!(error = %e, "could not store the CSRF token");
    }
    token
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// A form body of type `T`, accepted only with the session's CSRF token. Repeated keys
/// (checkbox groups) become `Vec`s.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
            if bytes.len() > FORM_LIMIT {
                return Err(PageError::BadRequest("the form is too large".into()));
            }
            let sent: CsrfField =
                serde_html_form::from_bytes(&bytes).map_err(|_| PageError::Csrf)?;
            let expected = session
                .get::<String>(CSRF_KEY)
                .ok()
                .flatten()
                .unwrap_or_default();
            let matches: bool = sent.csrf_token.as_bytes().ct_eq(expected.as_bytes()).into();
            if expected.is_empty() || !matches {
                return Err(PageError::Csrf);
            }
            serde_html_form::from_bytes::<T>(&bytes)
                .map(CsrfForm)
                .map_err(|e| PageError::BadRequest(format!("the form is not valid: {e}")))
        })
    }
}
