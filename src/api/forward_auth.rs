//! Forward auth for reverse proxies (nginx `auth_request`, Traefik ForwardAuth, Caddy
//! `forward_auth`, Envoy `ext_authz`): before passing a request upstream, the proxy asks
//! whether its bearer token may do what the request does. The same verification as
//! `/verify` — the cache, last-used recording, the throttle — with the permission named by
//! the proxy's configuration or read from the original method and path by the project's
//! REST routes.
//!
//! Which permission is required:
//! - named: `?permission=` on this URL, or a `Latchkey-Permission` header (both, if both);
//! - mapped: the original method and path (`X-Forwarded-Method` + `X-Forwarded-Uri`,
//!   `X-Original-Method` + `X-Original-URI`, or Envoy's path appended to this one) beneath the
//!   project's route prefix.
//!
//! A named permission is required as named, and wherever the original path maps, the mapped
//! one is required as well: a client whose headers reach this endpoint (nginx and Caddy pass
//! them on) can therefore only add to what is checked, never swap it for something its token
//! holds. With nothing named, a path that maps to nothing is refused.

use super::caller::bearer;
use super::dto::ErrorBody;
use super::error::{ApiError, NO_STORE};
use crate::client_address::client_addr;
use crate::domain::{Permission, TokenKind, Unmapped};
use crate::error::{AppError, AuthFailure};
use crate::metrics::{Face, Outcome};
use crate::services::Services;
use crate::tokens::{VerifiedToken, VerifyError};
use crate::verification_cache::IdentityHeaders;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use std::time::Instant;

/// The path proxies call; Envoy appends the original path to it.
pub const PATH: &str = "/api/v1/forward-auth";

/// For reverse proxies: may this request's bearer token do what the request does?
#[utoipa::path(
    get, path = "/api/v1/forward-auth", tag = "verification",
    params(
        ("permission" = Option<String>, Query, description = "The permission to require, e.g. article.create (or the Latchkey-Permission header)"),
        ("X-Forwarded-Method" = Option<String>, Header, description = "The original method (Traefik, Caddy); X-Original-Method from nginx"),
        ("X-Forwarded-Uri" = Option<String>, Header, description = "The original path and query (Traefik, Caddy); X-Original-URI from nginx"),
    ),
    responses(
        (status = 200, description = "Allowed. Latchkey-Token-Id, Latchkey-Token-Name (percent-encoded UTF-8), Latchkey-Project, Latchkey-Token-Kind and Latchkey-User (the owner of a personal token; empty for a service token) name the token for the upstream"),
        (status = 401, description = "Missing, malformed, unknown, expired or revoked token (WWW-Authenticate: Bearer)", body = ErrorBody),
        (status = 403, description = "Valid, but not allowed, or the request maps to no permission", body = ErrorBody),
        (status = 422, description = "The proxy named a permission that does not parse, or sent conflicting original-request headers", body = ErrorBody),
        (status = 429, description = "Too many failed verifications from this client", body = ErrorBody),
        (status = 503, description = "Could not check: never treat as allowed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn forward_auth(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let checked = check(&services, &req).await;
    let outcome = match &checked {
        Ok(_) => Some(Outcome::Valid),
        Err(refused) => refused.outcome,
    };
    if let Some(outcome) = outcome {
        services
            .metrics
            .verification(Face::ForwardAuth, outcome, started.elapsed());
    }
    checked.map_err(|refused| refused.error)
}

/// A refusal, and how the metrics count it: `None` when no token was judged (the proxy's
/// configuration was wrong, or the client is held back).
struct Refused {
    outcome: Option<Outcome>,
    error: ApiError,
}

impl Refused {
    fn judged(outcome: Outcome, error: impl Into<ApiError>) -> Self {
        Self {
            outcome: Some(outcome),
            error: error.into(),
        }
    }
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Self {
            outcome: None,
            error,
        }
    }
}

async fn check(services: &Services, req: &HttpRequest) -> Result<HttpResponse, Refused> {
    let original = OriginalRequest::of(req)?;
    let named = named_permissions(req, &original)?;
    let token = bearer(req).ok_or_else(|| {
        Refused::judged(
            Outcome::Malformed,
            ApiError::unauthenticated(AuthFailure::Missing),
        )
    })?;
    let peer = req.peer_addr().map(|address| address.ip());
    // Behind a trusted proxy, the end client; otherwise the proxy itself asks.
    let client = client_addr(req).filter(|client| Some(*client) != peer);
    if let Err(retry_after) = services.throttles.check_verify(client, || peer) {
        return Err(ApiError::from(AppError::RateLimited { retry_after }).into());
    }
    let verified = match services.tokens.verify(&token, None).await {
        Ok(verified) => verified,
        Err(error) => {
            if error.refused_a_well_formed_token() {
                services.throttles.verify_failed(client, peer);
            }
            return Err(Refused::judged(error.outcome(), AppError::from(error)));
        }
    };
    let required = required_permissions(&verified, named, &original)
        .map_err(|error| Refused::judged(Outcome::Forbidden, error))?;
    for permission in required {
        verified.require(&permission).map_err(|error| match error {
            VerifyError::Forbidden { required } => {
                Refused::judged(Outcome::Forbidden, ApiError::VerifyNotAllowed(required))
            }
            other => Refused::judged(other.outcome(), AppError::from(other)),
        })?;
    }
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok());
    services
        .last_used
        .record_from(verified.id, Utc::now(), client.or(peer), agent);
    Ok(allowed(&verified))
}

/// The request the proxy is asking about, as far as it said; borrowed from the request.
#[derive(Debug)]
enum OriginalRequest<'a> {
    /// Envoy: this request is the original, its path appended to ours.
    Appended {
        method: &'a str,
        uri: &'a str,
    },
    /// Traefik, Caddy, nginx: named in headers.
    Forwarded {
        method: &'a str,
        uri: &'a str,
    },
    Unnamed,
}

// Named once: a header looked up by a string is parsed into a name on every call.
const X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
const X_ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
const X_FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
const X_ORIGINAL_URI: HeaderName = HeaderName::from_static("x-original-uri");
const LATCHKEY_PERMISSION: HeaderName = HeaderName::from_static("latchkey-permission");

impl<'a> OriginalRequest<'a> {
    fn of(req: &'a HttpRequest) -> Result<Self, ApiError> {
        let target = req
            .uri()
            .path_and_query()
            .map_or(req.uri().path(), |whole| whole.as_str());
        if let Some(appended) = target.strip_prefix(PATH)
            && appended.starts_with('/')
        {
            return Ok(Self::Appended {
                method: req.method().as_str(),
                uri: appended,
            });
        }
        let headers = req.headers();
        let method = agreed(headers, &X_FORWARDED_METHOD, &X_ORIGINAL_METHOD)?;
        let uri = agreed(headers, &X_FORWARDED_URI, &X_ORIGINAL_URI)?;
        Ok(match (method, uri) {
            (Some(method), Some(uri)) => Self::Forwarded { method, uri },
            (None, None) => Self::Unnamed,
            _ => {
                return Err(ApiError::invalid(
                    "original_request",
                    "Forward the original method and URI together (X-Forwarded-Method with X-Forwarded-Uri, or X-Original-Method with X-Original-URI).",
                ));
            }
        })
    }

    fn method_and_uri(&self) -> Option<(&'a str, &'a str)> {
        match *self {
            Self::Appended { method, uri } | Self::Forwarded { method, uri } => Some((method, uri)),
            Self::Unnamed => None,
        }
    }
}

/// One header's value, or the other's; both present and different is a request that could
/// be read two ways (a client writing the one its proxy does not set), so it is refused.
fn agreed<'a>(
    headers: &'a HeaderMap,
    first: &HeaderName,
    second: &HeaderName,
) -> Result<Option<&'a str>, ApiError> {
    let read = |name: &HeaderName| -> Result<Option<&'a str>, ApiError> {
        let mut values = headers.get_all(name);
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(ApiError::invalid(
                "original_request",
                format!("The {name} header appears more than once."),
            ));
        }
        value.to_str().map(|value| Some(value.trim())).map_err(|_| {
            ApiError::invalid(
                "original_request",
                format!("The {name} header is not ASCII."),
            )
        })
    };
    match (read(first)?, read(second)?) {
        (Some(a), Some(b)) if a != b => Err(ApiError::invalid(
            "original_request",
            format!("The {first} and {second} headers disagree."),
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// What the proxy's configuration names: `?permission=` (not Envoy's, whose query is the
/// client's) and the `Latchkey-Permission` header.
fn named_permissions(
    req: &HttpRequest,
    original: &OriginalRequest<'_>,
) -> Result<Vec<Permission>, ApiError> {
    let parse = |raw: &str| {
        Permission::parse(raw).map_err(|message| ApiError::invalid("permission", message))
    };
    let mut named = Vec::new();
    if !matches!(original, OriginalRequest::Appended { .. }) {
        for pair in req.query_string().split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if key != "permission" {
                continue;
            }
            // A permission is plain ASCII; only an encoded one needs decoding.
            if value.contains(['%', '+']) {
                named.push(parse(&decoded(value)?)?);
            } else {
                named.push(parse(value)?);
            }
        }
    }
    for value in req.headers().get_all(&LATCHKEY_PERMISSION) {
        let value = value.to_str().map_err(|_| {
            ApiError::invalid("permission", "The Latchkey-Permission header is not ASCII.")
        })?;
        // An empty header is what a proxy config that clears it leaves behind.
        if !value.trim().is_empty() {
            named.push(parse(value)?);
        }
    }
    Ok(named)
}

/// A query value as form decoding reads it (`+` a space, `%XX` a byte).
fn decoded(value: &str) -> Result<String, ApiError> {
    serde_html_form::from_str::<Vec<(String, String)>>(&format!("v={value}"))
        .ok()
        .and_then(|mut pairs| pairs.pop())
        .map(|(_, value)| value)
        .ok_or_else(|| {
            ApiError::invalid(
                "permission",
                "The permission is not encoded as a query value.",
            )
        })
}

/// Everything the token must hold: what was named, and what the original request maps to.
fn required_permissions(
    verified: &VerifiedToken,
    mut named: Vec<Permission>,
    original: &OriginalRequest<'_>,
) -> Result<Vec<Permission>, ApiError> {
    let mapped = match (original.method_and_uri(), verified.routes.as_deref()) {
        (Some((method, uri)), Some(routes)) => Some(routes.permission_for(method, uri)),
        (Some(_), None) => Some(Err(Unmapped::OutsidePrefix)),
        (None, _) => None,
    };
    match mapped {
        Some(Ok(permission)) => named.push(permission),
        // A named permission covers a path outside the REST routes (a location of its own).
        Some(Err(_)) | None if !named.is_empty() => {}
        Some(Err(why)) => {
            let (method, uri) = original.method_and_uri().unwrap_or_default();
            let path = uri.split_once('?').map_or(uri, |(path, _)| path);
            return Err(AppError::forbidden(match verified.routes.as_deref() {
                Some(_) => format!("{method} {path} maps to no permission: {}.", why.describe()),
                None => format!(
                    "{method} {path} maps to no permission: the project has no route prefix, so name the permission (?permission= or Latchkey-Permission)."
                ),
            })
            .into());
        }
        None => {
            return Err(AppError::forbidden(
                "Name the permission to check (?permission= or Latchkey-Permission), or forward the original method and URI.",
            )
            .into());
        }
    }
    Ok(named)
}

/// 200 with the token's identity for the upstream; the headers are rendered once per cached
/// entry, so a warm check formats nothing.
fn allowed(verified: &VerifiedToken) -> HttpResponse {
    let mut response = HttpResponse::with_body(StatusCode::OK, actix_web::body::BoxBody::new(()));
    let headers = response.headers_mut();
    headers.insert(NO_STORE.0, NO_STORE.1);
    for (name, value) in verified
        .identity_headers
        .get_or_init(|| identity_headers(verified))
        .iter()
    {
        headers.insert(name.clone(), value.clone());
    }
    response
}

fn identity_headers(verified: &VerifiedToken) -> IdentityHeaders {
    let value = |text: &str| {
        // Percent-encoding leaves visible ASCII only, which is always a valid value.
        HeaderValue::from_str(&percent_encoded(text)).unwrap_or(HeaderValue::from_static(""))
    };
    let mut headers = Vec::with_capacity(5);
    headers.extend([
        (
            HeaderName::from_static("latchkey-token-id"),
            value(&verified.id.to_string()),
        ),
        (
            HeaderName::from_static("latchkey-token-name"),
            value(&verified.name),
        ),
        (
            HeaderName::from_static("latchkey-project"),
            value(&verified.project_slug),
        ),
        (
            HeaderName::from_static("latchkey-token-kind"),
            HeaderValue::from_static(verified.kind.as_str()),
        ),
    ]);
    // Always sent, empty for a service token: a proxy that copies it (Caddy 2.6) would
    // otherwise pass its own unresolved placeholder on instead.
    let user = match (verified.kind, verified.owner_id) {
        (TokenKind::Personal, Some(owner)) => value(&owner.to_string()),
        _ => HeaderValue::from_static(""),
    };
    headers.push((HeaderName::from_static("latchkey-user"), user));
    headers.into_boxed_slice()
}

/// Every byte outside visible ASCII (and `%` itself) as `%XX`: a token name may hold any
/// printable Unicode, and a header value is bytes the upstream must be able to read back.
fn percent_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' || byte == b' ' {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::percent_encoded;

    #[test]
    fn names_are_percent_encoded_beyond_visible_ascii() {
        assert_eq!(percent_encoded("CI deploy"), "CI deploy");
        assert_eq!(percent_encoded("100% déjà"), "100%25 d%C3%A9j%C3%A0");
        assert_eq!(percent_encoded("tab\there"), "tab%09here");
    }
}
