//! The one JSON error shape of the API:
//! `{"error": {"code", "message", "data", "trace_id"}}`. Every failure of every endpoint —
//! including unknown routes, wrong methods, malformed or oversized bodies — comes out here.
//! The `trace_id` is the request id (`telemetry::current_request_id`), which the log lines of
//! the request carry too.

use crate::error::{AppError, AuthFailure};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Value, json};
use std::borrow::Cow;
use uuid::Uuid;

/// Every API answer is `no-store`: some carry a secret, none is worth caching.
pub(super) const NO_STORE: (HeaderName, HeaderValue) =
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
/// Never read as anything but the JSON it says it is.
const NOSNIFF: (HeaderName, HeaderValue) = (
    header::X_CONTENT_TYPE_OPTIONS,
    HeaderValue::from_static("nosniff"),
);
const JSON_CONTENT: (HeaderName, HeaderValue) = (
    header::CONTENT_TYPE,
    HeaderValue::from_static("application/json; charset=utf-8"),
);

/// A JSON answer with `no-store` and `nosniff`, built without the response builder: its
/// per-header conversions cost more than the rest of a verify answer or an error answer.
pub(super) fn json_answer(status: StatusCode, body: impl MessageBody + 'static) -> HttpResponse {
    let mut response = HttpResponse::with_body(status, BoxBody::new(body));
    let headers = response.headers_mut();
    headers.insert(NO_STORE.0, NO_STORE.1);
    headers.insert(NOSNIFF.0, NOSNIFF.1);
    headers.insert(JSON_CONTENT.0, JSON_CONTENT.1);
    response
}

/// Marks an answer built with the response builder private: `no-store` and `nosniff`.
pub(super) fn private(response: &mut HttpResponseBuilder) {
    response.insert_header(NO_STORE);
    response.insert_header(NOSNIFF);
}

/// A private JSON answer from the response builder, with the charset stated.
pub(super) fn private_json(
    mut response: HttpResponseBuilder,
    body: impl serde::Serialize,
) -> HttpResponse {
    private(&mut response);
    response.insert_header(JSON_CONTENT);
    response.json(body)
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The body is not JSON at all.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// JSON, but not of the expected shape.
    #[error("invalid body: {message}")]
    InvalidBody { field: String, message: String },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A verification's "valid, but not allowed": the same answer as any missing permission,
    /// but an answer to a service's question, not a denial of the caller's own request, so it
    /// is not logged as a security event (a service may ask it thousands of times a second).
    #[error("the token lacks the permission {0}")]
    VerifyNotAllowed(crate::domain::Permission),
    /// A query parameter or a path segment that does not parse.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

impl From<crate::tokens::VerifyError> for ApiError {
    fn from(error: crate::tokens::VerifyError) -> Self {
        Self::App(error.into())
    }
}

struct Parts {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    /// `None` renders as `{}`: most errors carry no data, and need no map built for it.
    data: Option<Value>,
}

/// The body, borrowed from `Parts`: serialised straight into the response buffer.
#[derive(Serialize)]
struct Envelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    data: EmptyOr<'a>,
    trace_id: &'a str,
}

struct EmptyOr<'a>(Option<&'a Value>);

impl Serialize for EmptyOr<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(value) => value.serialize(serializer),
            None => serializer.serialize_map(Some(0))?.end(),
        }
    }
}

impl ApiError {
    pub fn unauthenticated(failure: AuthFailure) -> Self {
        Self::App(AppError::Unauthenticated(failure))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::App(AppError::invalid(field, message))
    }

    fn parts(&self) -> Parts {
        let part = |status, code, message: &'static str| Parts {
            status,
            code,
            message: Cow::Borrowed(message),
            data: None,
        };
        match self {
            Self::App(error) => match error {
                AppError::Validation(fields) => Parts {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "validation_error",
                    message: "The request is not valid.".into(),
                    data: Some(json!(fields)),
                },
                AppError::NotFound => part(StatusCode::NOT_FOUND, "not_found", "Not found."),
                // One message for every reason, so nothing about a token leaks.
                AppError::Unauthenticated(AuthFailure::BadCredentials) => part(
                    StatusCode::UNAUTHORIZED,
                    "authentication_error",
                    "Invalid email, password or project."),
                AppError::Unauthenticated(_) => part(
                    StatusCode::UNAUTHORIZED,
                    "authentication_error",
                    "Invalid or missing API token"),
                AppError::Forbidden { required, message } => Parts {
                    status: StatusCode::FORBIDDEN,
                    code: "authorization_error",
                    message: if required.is_some() { "Insufficient permissions".into() } else { message.clone().into() },
                    data: required.as_ref().map(|permission| json!({ "required_permission": permission, "detail": message })),
                },
                AppError::PlanRequired { plan } => Parts {
                    status: StatusCode::FORBIDDEN,
                    code: "plan_required",
                    message: "API token management needs the Professional or Professional Unlimited plan.".into(),
                    data: Some(json!({ "plan": plan.as_str() })),
                },
                AppError::PlanLimitReached { cap } => Parts {
                    status: StatusCode::FORBIDDEN,
                    code: "plan_required",
                    message: format!("The project's plan allows {cap} active tokens.").into(),
                    data: Some(json!({ "cap": cap })),
                },
                AppError::Conflict { field, message } => Parts {
                    status: StatusCode::CONFLICT,
                    code: "conflict",
                    message: message.clone().into(),
                    data: field.map(|field| json!({ field: [message] })),
                },
                AppError::RateLimited { retry_after } => Parts {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    code: "rate_limited",
                    message: "Too many failed attempts: try again later.".into(),
                    data: Some(json!({ "retry_after_seconds": crate::error::retry_after_seconds(*retry_after) })),
                },
                AppError::Unavailable(_) => part(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The service is temporarily unavailable."),
                AppError::Db(_) | AppError::Unexpected(_) => part(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "An unexpected error occurred."),
            },
            Self::MalformedJson(detail) => Parts {
                status: StatusCode::BAD_REQUEST,
                code: "validation_error",
                message: "The body is not valid JSON.".into(),
                data: Some(json!({ "body": [detail] })),
            },
            Self::InvalidBody { field, message } => Parts {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation_error",
                message: "The request is not valid.".into(),
                data: Some(json!({ field.as_str(): [message] })),
            },
            Self::UnsupportedMediaType => part(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as application/json."),
            Self::PayloadTooLarge { limit } => Parts {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "payload_too_large",
                message: format!("The body is larger than {limit} bytes.").into(),
                data: Some(json!({ "limit": limit })),
            },
            Self::RouteNotFound => part(StatusCode::NOT_FOUND, "not_found", "No such endpoint."),
            Self::VerifyNotAllowed(required) => {
                Self::App(AppError::missing_permission(required.clone())).parts()
            }
            Self::MethodNotAllowed => part(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This endpoint does not accept that method."),
            Self::InvalidParameter(message) => Parts {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation_error",
                message: "The request is not valid.".into(),
                data: Some(json!({ "query": [message] })),
            },
        }
    }

    pub fn to_response(&self, trace_id: &str) -> HttpResponse {
        let parts = self.parts();
        if parts.status.is_server_error() {
            tracing::error!(error = ?self, trace_id, "API request failed");
        }
        let body = match parts.render_plain(trace_id) {
            Some(body) => Ok(body),
            None => parts.serialise(trace_id),
        };
        let body = match body {
            Ok(body) => body,
            // Only a failing `Serialize` implementation gets here; ours do not fail.
            Err(error) => {
                tracing::error!(error = %error, "serialising an error body failed");
                return HttpResponse::InternalServerError().finish();
            }
        };
        let mut response = json_answer(parts.status, body);
        if let Self::App(AppError::Forbidden { required, message }) = self {
            crate::security_event!(
                info,
                "authorization_denied",
                required = %required.as_ref().map_or_else(String::new, |p| p.to_string()),
                reason = %message,
                "refused: the credential may not do this"
            );
        }
        if let Self::App(AppError::RateLimited { retry_after }) = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::retry_after_seconds(*retry_after)),
            );
        }
        if let Self::App(AppError::Unavailable(_)) = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
            );
        }
        if parts.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl Parts {
    fn serialise(&self, trace_id: &str) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&Envelope {
            error: ErrorBody {
                code: self.code,
                message: &self.message,
                data: EmptyOr(self.data.as_ref()),
                trace_id,
            },
        })
    }

    /// The body of an error without data whose texts need no JSON escaping — every
    /// authentication failure, so the answer to a made-up token — written without a
    /// serialiser. Byte for byte what serde writes (a test holds the two together).
    fn render_plain(&self, trace_id: &str) -> Option<Vec<u8>> {
        let plain = |text: &str| {
            // A fold rather than `all`: no early exit, so the compiler checks 32 bytes at a time.
            text.bytes().fold(true, |plain, b| {
                plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
            })
        };
        if self.data.is_some() || !plain(self.code) || !plain(&self.message) || !plain(trace_id) {
            return None;
        }
        let mut body =
            Vec::with_capacity(64 + self.code.len() + self.message.len() + trace_id.len());
        for piece in [
            r#"{"error":{"code":""#,
            self.code,
            r#"","message":""#,
            &self.message,
            r#"","data":{},"trace_id":""#,
            trace_id,
            r#""}}"#,
        ] {
            body.extend_from_slice(piece.as_bytes());
        }
        Some(body)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().status
    }

    fn error_response(&self) -> HttpResponse {
        match crate::telemetry::current_request_id() {
            Some(id) => self.to_response(id.hyphenated().encode_lower(&mut Uuid::encode_buffer())),
            None => self.to_response(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rendering_is_what_the_serialiser_writes() {
        let trace_id = "0193a4d2-7c1e-7b3a-9f00-5e2d1c0b9a87";
        let cases = [
            ApiError::unauthenticated(AuthFailure::Missing),
            ApiError::unauthenticated(AuthFailure::BadCredentials),
            ApiError::App(AppError::NotFound),
            ApiError::RouteNotFound,
            ApiError::MethodNotAllowed,
            ApiError::UnsupportedMediaType,
        ];
        for error in cases {
            let parts = error.parts();
            for id in [trace_id, ""] {
                let plain = parts.render_plain(id);
                assert_eq!(plain, parts.serialise(id).ok(), "{error:?}");
            }
        }
    }

    #[test]
    fn texts_that_need_escaping_or_data_go_through_the_serialiser() {
        let quoted = Parts {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: r#"A token named "x" exists."#.into(),
            data: None,
        };
        assert_eq!(quoted.render_plain("id"), None);
        let with_message = |message: &'static str| Parts {
            status: StatusCode::UNAUTHORIZED,
            code: "authentication_error",
            message: message.into(),
            data: None,
        };
        for message in ["a line\nbreak", "a back\\slash", "a tab\there"] {
            assert_eq!(
                with_message(message).render_plain("id"),
                None,
                "{message:?}"
            );
        }
        assert!(with_message("plain").render_plain("id").is_some());
        assert_eq!(with_message("plain").render_plain("id\u{1}"), None);
        let with_data = ApiError::PayloadTooLarge { limit: 10 }.parts();
        assert_eq!(with_data.render_plain("id"), None);

        let response = ApiError::App(AppError::Conflict {
            field: Some("name"),
            message: r#"A token named "x" exists."#.into(),
        })
        .to_response("id");
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
}
