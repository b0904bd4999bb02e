//! The login exchange: an administrator's email and password for a short-lived access token
//! in one project.

use super::body::JsonObject;
use super::dto::*;
use super::error::{ApiError, private_json};
use super::jwt::AccessTokenKeys;
use crate::client_address::client_addr;
use crate::error::{AppError, AuthFailure};
use crate::services::Services;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

/// Exchange an administrator's email and password for a short-lived access token.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A bearer token valid for 15 minutes", body = LoginResponse),
        (status = 401, description = "Wrong email, password or project", body = ErrorBody),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid body", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this account or from this address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn login(
    req: HttpRequest,
    services: web::Data<Services>,
    keys: web::Data<AccessTokenKeys>,
    JsonObject(body): JsonObject<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let refused = || ApiError::unauthenticated(AuthFailure::BadCredentials);
    let user = services
        .accounts
        .authenticate(&body.email, &body.password, client_addr(&req))
        .await
        .map_err(|e| match e {
            AppError::Unauthenticated(_) => refused(),
            other => other.into(),
        })?;
    let project = services
        .projects
        .find_by_slug(body.project.trim())
        .await?
        .ok_or_else(refused)?;
    services
        .projects
        .access_of(user.id, project.id)
        .await?
        .ok_or_else(refused)?;
    let (token, expires_at) =
        keys.issue(user.id, user.credentials_generation, project.id, Utc::now());
    Ok(private_json(
        HttpResponse::Ok(),
        LoginResponse {
            token,
            token_type: "Bearer".into(),
            expires_at,
        },
    ))
}
