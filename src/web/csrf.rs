//! CSRF protection: a random token per session (see `TypedSession`), embedded in every form
//! and checked on every POST before the form is even parsed into its type.

use super::page::PageError;
use super::session::TypedSession;
use actix_web::dev::Payload;
use actix_web::http::header;
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
        let cross_site = from_another_site(req);
        Box::pin(async move {
            if cross_site {
                return Err(PageError::Forbidden(
                    "This form was sent from another site, so it was refused. Open the page here and send it again."
                        .into(),
                ));
            }
            let bytes = body
                .await
                .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
            if bytes.len() > FORM_LIMIT {
                return Err(PageError::BadRequest("the form is too large".into()));
            }
            if !decodes_to_utf8(&bytes) {
                return Err(PageError::BadRequest(
                    "the form is not valid: it holds bytes that are not UTF-8 text".into(),
                ));
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

/// Whether every name and value of an `application/x-www-form-urlencoded` body decodes to
/// UTF-8. The form decoder replaces invalid bytes with U+FFFD, which would store a name
/// other than the one sent; such a form is refused instead.
pub(super) fn decodes_to_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&').all(|pair| {
        let mut decoded = Vec::with_capacity(pair.len());
        let mut rest = pair;
        while let Some((&byte, tail)) = rest.split_first() {
            match byte {
                b'%' if tail.len() >= 2 => {
                    let hex = std::str::from_utf8(&tail[..2]).ok();
                    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(value) => {
                            decoded.push(value);
                            rest = &tail[2..];
                            continue;
                        }
                        None => decoded.push(b'%'),
                    }
                }
                b'+' => decoded.push(b' '),
                other => decoded.push(other),
            }
            rest = tail;
        }
        std::str::from_utf8(&decoded).is_ok()
    })
}

/// Whether the browser says the request comes from another site. A state-changing request
/// must come from the dashboard's own pages: `Sec-Fetch-Site` must be `same-origin`, and an
/// `Origin` (`null` included) must name this host. A browser that sends neither leaves the
/// decision to the CSRF token alone. Only the host is compared, not the scheme: behind a proxy
/// that ends TLS the server itself is spoken to over plain HTTP.
fn from_another_site(req: &HttpRequest) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site")
        && site.as_bytes() != b"same-origin"
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host.trim_end_matches('/'));
    match origin_host {
        Some(host) => !host.eq_ignore_ascii_case(req.connection_info().host()),
        None => true,
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct EmptyForm {}

#[cfg(test)]
mod tests {
    use super::decodes_to_utf8;

    #[test]
    fn forms_must_decode_to_utf8() {
        assert!(decodes_to_utf8(b"name=caf%C3%A9&x=a+b"));
        assert!(decodes_to_utf8(b"name=100%&x=%zz"));
        assert!(decodes_to_utf8("name=café".as_bytes()));
        assert!(!decodes_to_utf8(b"name=%FF"));
        assert!(!decodes_to_utf8(b"ok=1&name=%C3"));
        assert!(!decodes_to_utf8(b"name=\xff"));
        assert!(!decodes_to_utf8(b"%FE=1"));
    }
}
