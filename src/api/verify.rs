//! Verification for the services that tokens protect: the hot path's HTTP side.

use super::body;
use super::dto::*;
use super::error::{ApiError, json_answer};
use crate::domain::Permission;
use crate::error::AppError;
use crate::metrics::{Face, Outcome};
use crate::services::Services;
use crate::tokens::{VerifiedToken, VerifyError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use std::net::IpAddr;
use std::time::Instant;

/// For protected services: is this token valid, and may it do `permission`?
#[utoipa::path(
    post, path = "/api/v1/verify", tag = "verification",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Valid, and allowed if a permission was asked", body = VerifyResponse),
        (status = 401, description = "Malformed, unknown, expired or revoked (one answer for all)", body = ErrorBody),
        (status = 403, description = "Valid but not allowed; data.required_permission names what is missing", body = ErrorBody),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Too many failed verifications for this client or this service; Retry-After says when to try again", body = ErrorBody),
        (status = 503, description = "Could not check: never treat as valid", body = ErrorBody),
    )
)]
pub async fn verify(
    services: web::Data<Services>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let bytes = body::read_json(&req, payload).await?;
    let body: VerifyRequest<'_> = serde_json::from_slice(&bytes).map_err(body::json_body_error)?;
    let permission = body
        .permission
        .as_ref()
        .map(|raw| {
            Permission::parse(&raw.0).map_err(|message| ApiError::invalid("permission", message))
        })
        .transpose()?;
    let client = body
        .client_ip
        .as_ref()
        .map(|raw| {
            raw.0
                .trim()
                .parse::<IpAddr>()
                .map_err(|_| ApiError::invalid("client_ip", "Must be an IPv4 or IPv6 address."))
        })
        .transpose()?;
    // Held, a client is refused before its token is looked at, or the answer would still
    // tell its guesses apart. While nobody is held this costs one atomic read.
    let source = || crate::client_address::client_addr(&req);
    if let Err(retry_after) = services.throttles.check_verify(client, source) {
        return Err(AppError::RateLimited { retry_after }.into());
    }
    let checked = services
        .tokens
        .verify(&body.token, permission.as_ref())
        .await;
    let outcome = checked
        .as_ref()
        .map_or_else(VerifyError::outcome, |_| Outcome::Valid);
    services
        .metrics
        .verification(Face::Verify, outcome, started.elapsed());
    let verified = match checked {
        Ok(verified) => verified,
        Err(error) => {
            if error.refused_a_well_formed_token() {
                services.throttles.verify_failed(client, source());
            }
            return Err(match error {
                VerifyError::Forbidden { required } => ApiError::VerifyNotAllowed(required),
                other => AppError::from(other).into(),
            });
        }
    };
    // The end client when the service named it, else the service that asked.
    services.last_used.record_from(
        verified.id,
        Utc::now(),
        client.or_else(source),
        body.user_agent.as_ref().map(|agent| agent.0.as_ref()),
    );
    Ok(json_answer(StatusCode::OK, verify_answer(&verified)?))
}

/// The JSON answer for a verified token, rendered once per cached entry (see
/// `TokenFacts::rendered_answer`): a warm check serialises nothing.
fn verify_answer(verified: &VerifiedToken) -> Result<web::Bytes, ApiError> {
    if let Some(answer) = verified.rendered_answer.get() {
        return Ok(answer.clone());
    }
    let rendered = serde_json::to_vec(&VerifyResponse::from(verified))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering a verify answer: {e}")))?;
    Ok(verified
        .rendered_answer
        .get_or_init(|| web::Bytes::from(rendered))
        .clone())
}
