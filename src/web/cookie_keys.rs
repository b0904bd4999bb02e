//! The session cookie's keys across a key promotion. The cookie is encrypted under a key
//! derived from the ring's current secret key; after a promotion, a browser still holds a
//! cookie made under the previous one. Rather than sign everyone out, a cookie that opens
//! under an older key of the ring is sealed again under the current key before the session
//! layer reads it; the session layer then sends the browser the cookie under the new key.
//! Once the older key is retired, its cookies open no more.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{COOKIE, HeaderValue};
use actix_web::middleware::Next;

#[derive(Clone)]
pub struct SessionCookieKeys {
    name: &'static str,
    current: Key,
    older: Vec<Key>,
}

impl SessionCookieKeys {
    pub fn from_ring(ring: &crate::config::KeyRing, name: &'static str) -> Self {
        let key_of = |secret: &crate::config::SecretKey| {
            let mut bytes = [0u8; 64];
            bytes[..32].copy_from_slice(&secret.derive("session-cookie/1"));
            bytes[32..].copy_from_slice(&secret.derive("session-cookie/2"));
            Key::from(&bytes)
        };
        Self {
            name,
            current: key_of(ring.current()),
            older: ring.older().iter().map(key_of).collect(),
        }
    }

    pub fn current(&self) -> &Key {
        &self.current
    }

    /// The request's `Cookie` header with the session cookie sealed under the current key,
    /// when it was sealed under an older one; `None` when nothing needs to change.
    fn resealed(&self, header: &str) -> Option<String> {
        let mut changed = false;
        let pairs: Vec<String> = header
            .split(';')
            .map(|pair| {
                // The session layer writes its cookie percent-encoded, and reads it so.
                let resealed = Cookie::parse_encoded(pair.trim())
                    .ok()
                    .filter(|cookie| cookie.name() == self.name)
                    .and_then(|cookie| self.open_with_older(&cookie))
                    .and_then(|opened| {
                        let mut jar = CookieJar::new();
                        jar.private_mut(&self.current).add(opened);
                        jar.get(self.name)
                            .map(|sealed| sealed.encoded().to_string())
                    });
                match resealed {
                    Some(pair) => {
                        changed = true;
                        pair
                    }
                    None => pair.trim().to_owned(),
                }
            })
            .collect();
        changed.then(|| pairs.join("; "))
    }

    fn open_with_older(&self, cookie: &Cookie<'_>) -> Option<Cookie<'static>> {
        let mut jar = CookieJar::new();
        jar.add_original(cookie.clone().into_owned());
        if jar.private(&self.current).get(self.name).is_some() {
            return None;
        }
        self.older
            .iter()
            .find_map(|key| jar.private(key).get(self.name))
    }
}

/// Middleware, outside the session layer: reseals a session cookie made under an older key.
pub async fn reseal_older_session_cookies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let resealed = req.app_data::<SessionCookieKeys>().and_then(|keys| {
        if keys.older.is_empty() {
            return None;
        }
        let header = req.headers().get(COOKIE)?.to_str().ok()?;
        keys.resealed(header)
    });
    if let Some(value) = resealed.and_then(|v| HeaderValue::from_str(&v).ok()) {
        // Nothing before this middleware parses the cookies, so the session layer parses the
        // new header.
        req.headers_mut().insert(COOKIE, value);
    }
    next.call(req).await
}
