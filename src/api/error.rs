//! The one JSON error shape of the API:
//! `{"error": {"code", "message", "data", "trace_id"}}`. Every failure of every endpoint —
//! including unknown routes, wrong methods, malformed or oversized bodies — comes out here.
//! The `trace_id` (the request id) comes from `with_trace_id`, which sees the request and
//! makes its id available to the rendering below for the duration of the request.

use crate::error::{AppError, AuthFailure};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use serde_json::{Value, json};

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
    message: String,
    data: Value,
}

impl ApiError {
    pub fn unauthenticated(failure: AuthFailure) -> Self {
        Self::App(AppError::Unauthenticated(failure))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::App(AppError::invalid(field, message))
    }

    fn parts(&self) -> Parts {
        let part = |status, code, message: &str, data| Parts {
            status,
            code,
            message: message.to_owned(),
            data,
        };
        match self {
            Self::App(error) => match error {
                AppError::Validation(fields) => Parts {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "validation_error",
                    message: "The request is not valid.".into(),
                    data: json!(fields),
                },
                AppError::NotFound => part(StatusCode::NOT_FOUND, "not_found", "Not found.", json!({})),
                // One message for every reason, so nothing about a token leaks.
                AppError::Unauthenticated(AuthFailure::BadCredentials) => part(
                    StatusCode::UNAUTHORIZED,
                    "authentication_error",
                    "Invalid email, password or project.",
                    json!({}),
                ),
                AppError::Unauthenticated(_) => part(
                    StatusCode::UNAUTHORIZED,
                    "authentication_error",
                    "Invalid or missing API token",
                    json!({}),
                ),
                AppError::Forbidden { required, message } => Parts {
                    status: StatusCode::FORBIDDEN,
                    code: "authorization_error",
                    message: if required.is_some() { "Insufficient permissions".into() } else { message.clone() },
                    data: match required {
                        Some(permission) => json!({ "required_permission": permission, "detail": message }),
                        None => json!({}),
                    },
                },
                AppError::PlanRequired { plan } => Parts {
                    status: StatusCode::FORBIDDEN,
                    code: "plan_required",
                    message: "API token management needs the Professional or Professional Unlimited plan.".into(),
                    data: json!({ "plan": plan.as_str() }),
                },
                AppError::PlanLimitReached { cap } => Parts {
                    status: StatusCode::FORBIDDEN,
                    code: "plan_required",
                    message: format!("The project's plan allows {cap} active tokens."),
                    data: json!({ "cap": cap }),
                },
                AppError::Conflict { field, message } => Parts {
                    status: StatusCode::CONFLICT,
                    code: "conflict",
                    message: message.clone(),
                    data: match field {
                        Some(field) => json!({ *field: [message] }),
                        None => json!({}),
                    },
                },
                AppError::Unavailable(_) => part(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The service is temporarily unavailable.",
                    json!({}),
                ),
                AppError::Db(_) | AppError::Unexpected(_) => part(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "An unexpected error occurred.",
                    json!({}),
                ),
            },
            Self::MalformedJson(detail) => Parts {
                status: StatusCode::BAD_REQUEST,
                code: "validation_error",
                message: "The body is not valid JSON.".into(),
                data: json!({ "body": [detail] }),
            },
            Self::InvalidBody { field, message } => Parts {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation_error",
                message: "The request is not valid.".into(),
                data: json!({ field.as_str(): [message] }),
            },
            Self::UnsupportedMediaType => part(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as application/json.",
                json!({}),
            ),
            Self::PayloadTooLarge { limit } => Parts {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "payload_too_large",
                message: format!("The body is larger than {limit} bytes."),
                data: json!({ "limit": limit }),
            },
            Self::RouteNotFound => part(StatusCode::NOT_FOUND, "not_found", "No such endpoint.", json!({})),
            Self::MethodNotAllowed => part(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This endpoint does not accept that method.",
                json!({}),
            ),
            Self::InvalidParameter(message) => Parts {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation_error",
                message: "The request is not valid.".into(),
                data: json!({ "query": [message] }),
            },
        }
    }

    pub fn to_response(&self, trace_id: &str) -> HttpResponse {
        let parts = self.parts();
        if parts.status.is_server_error() {
            tracing::error!(error = ?self, trace_id, "API request failed");
        }
        let mut response = HttpResponse::build(parts.status);
        response.insert_header(CacheControl(vec![CacheDirective::NoStore]));
        if parts.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(json!({
            "error": {
                "code": parts.code,
                "message": parts.message,
                "data": parts.data,
                "trace_id": trace_id,
            }
        }))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().status
    }

    fn error_response(&self) -> HttpResponse {
        let trace_id = TRACE_ID.try_with(|id| *id).ok().flatten();
        match trace_id {
            Some(id) => self.to_response(&id.to_string()),
            None => self.to_response(""),
        }
    }
}

tokio::task_local! {
    /// The request id of the request being handled, for error bodies.
    static TRACE_ID: Option<uuid::Uuid>;
}

/// Makes the request id that tracing-actix-web gave the request available to error bodies.
pub async fn with_trace_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let trace_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| **id);
    Ok(TRACE_ID
        .scope(trace_id, next.call(req))
        .await?
        .map_into_boxed_body())
}
