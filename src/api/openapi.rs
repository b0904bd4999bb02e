//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs.

use super::dto::*;
use super::handlers;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey API",
        description = "Manage a project's API tokens and verify them. Management endpoints take `Authorization: Bearer <token>`: a project API token (acting in its own project) or the short-lived access token from `POST /api/v1/auth/login`.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    paths(
        handlers::login,
        handlers::list_tokens,
        handlers::create_token,
        handlers::get_token,
        handlers::update_token,
        handlers::delete_token,
        handlers::regenerate_token,
        handlers::refresh_token,
        handlers::verify,
        handlers::openapi,
    ),
    components(schemas(ErrorBody, ErrorDetail, TokenBody, IssuedTokenBody, TokenListBody)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Short-lived access tokens for administrators"),
        (name = "tokens", description = "Token management"),
        (name = "verification", description = "For the services that tokens protect"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi().to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "serialising the OpenAPI document failed");
            "{}".to_owned()
        })
    })
}
