//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs, and the
//! endpoint that serves it.

use super::content_types::{self, ContentTypeBody, ContentTypeListBody, CreateContentTypeRequest};
use super::dto::*;
use super::{forward_auth, login, tokens, verify};
use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
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
        login::login,
        tokens::list_tokens,
        tokens::create_token,
        tokens::get_token,
        tokens::update_token,
        tokens::delete_token,
        tokens::regenerate_token,
        tokens::refresh_token,
        content_types::list_content_types,
        content_types::create_content_type,
        verify::verify,
        forward_auth::forward_auth,
        openapi,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, TokenBody, IssuedTokenBody, TokenListBody, ContentTypeBody,
        ContentTypeListBody, CreateContentTypeRequest,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Short-lived access tokens for administrators"),
        (name = "tokens", description = "Token management"),
        (name = "content types", description = "The rows of the permission matrix"),
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

/// This document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(document())
}
