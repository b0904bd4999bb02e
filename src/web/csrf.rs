//! CSRF protection: a random token per session (see `TypedSession`), embedded in every form
//! and checked on every POST before the form is even parsed into its type.

use super::page::PageError;
use super::session::TypedSession;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Dashboard forms are small; this bounds what a POST may send.
const FORM_LIMIT: usize = 64 * 1024;

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
        let session = TypedSession::of(req);
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
            if !session.csrf_matches(&sent.csrf_token) {
                return Err(PageError::Csrf);
            }
            serde_html_form::from_bytes::<T>(&bytes)
                .map(CsrfForm)
                .map_err(|e| PageError::BadRequest(format!("the form is not valid: {e}")))
        })
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct EmptyForm {}
