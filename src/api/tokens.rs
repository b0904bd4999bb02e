//! Token management: list, create, read, change, revoke, regenerate, and the self-refresh
//! of a token by itself. Each handler extracts, converts to domain input, calls one service
//! method and answers JSON.

use super::body::{self, JsonObject};
use super::caller::{Caller, bearer, guarded_by_address};
use super::dto::*;
use super::error::{ApiError, private_json};
use crate::client_address::client_addr;
use crate::error::{AppError, AuthFailure};
use crate::services::Services;
use crate::tokens::{
    ApiNewToken, Bookmark, IssuedToken, ListQuery, MAX_PAGE, MAX_PER_PAGE, NewToken, Resume,
    SortKey, SortOrder, StatusFilter, TokenChangesInput,
};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use uuid::Uuid;

fn issued(
    services: &Services,
    caller: Option<&Caller>,
    issued: &IssuedToken,
    created: bool,
) -> HttpResponse {
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    if created {
        response.insert_header((
            header::LOCATION,
            format!("/api/v1/tokens/{}", issued.token.id),
        ));
    }
    if let Some(caller) = caller {
        caller.succeeded(services, &mut response);
    }
    private_json(
        response,
        IssuedTokenBody {
            details: TokenBody::from(&issued.token),
            token: issued.secret.expose_secret().to_owned(),
        },
    )
}

fn list_query(params: ListParams) -> Result<ListQuery, ApiError> {
    let mut errors = crate::domain::FieldErrors::new();
    let per_page = params.per_page.unwrap_or(50);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        errors.add(
            "per_page",
            format!("per_page must be between 1 and {MAX_PER_PAGE}."),
        );
    }
    if params
        .page
        .is_some_and(|page| !(1..=MAX_PAGE).contains(&page))
    {
        errors.add("page", format!("page must be between 1 and {MAX_PAGE}."));
    }
    let kind = params
        .kind
        .as_deref()
        .and_then(|raw| errors.take("kind", crate::domain::TokenKind::parse(raw)));
    let token_type = params
        .token_type
        .as_deref()
        .and_then(|raw| errors.take("type", crate::domain::TokenType::parse(raw)));
    let status = match params.status.as_deref() {
        None => Some(StatusFilter::Live),
        Some(raw) => errors.take("status", StatusFilter::parse(raw)),
    };
    let sort = match params.sort.as_deref() {
        None => Some(SortKey::Created),
        Some(raw) => errors.take("sort", SortKey::parse(raw)),
    };
    let order = match params.order.as_deref() {
        None => sort.map(SortKey::default_order),
        Some(raw) => errors.take("order", SortOrder::parse(raw)),
    };
    let resume = match (params.after.as_deref(), sort, order) {
        (Some(raw), Some(sort), Some(order)) => errors
            .take(
                "after",
                Bookmark::decode(raw, sort, order).map_err(|e| e.to_string()),
            )
            .map(Resume::After),
        _ => None,
    };
    errors.into_result().map_err(AppError::Validation)?;
    Ok(ListQuery {
        page: params.page.unwrap_or(1),
        per_page,
        sort: sort.unwrap_or_default(),
        order: order.unwrap_or_default(),
        search: params.search,
        kind,
        token_type,
        status: status.unwrap_or_default(),
        offset: None,
        resume,
    })
}

/// List the project's tokens (never their secrets).
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "tokens",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tokens; needs api-token.find", body = TokenListBody,
         headers(("Latchkey-Token-Expires-At" = String, description = "When the credential expires"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn list_tokens(
    services: web::Data<Services>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = list_query(params.into_inner())?;
    let page = services
        .tokens
        .list(&caller.actor, caller.project_id, &query)
        .await?;
    let mut response = HttpResponse::Ok();
    caller.succeeded(&services, &mut response);
    Ok(private_json(
        response,
        TokenListBody {
            data: page.items.iter().map(TokenBody::from).collect(),
            meta: ListMeta {
                total: page.total,
                total_exact: page.total_exact,
                page: page.page,
                per_page: page.per_page,
                next: page
                    .has_next
                    .then(|| page.bookmarks.last().cloned())
                    .flatten(),
            },
        },
    ))
}

/// Create a token. The response is the only one that ever carries its secret.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "tokens",
    request_body = CreateTokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; needs api-token.create and every permission granted", body = IssuedTokenBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Missing permission, or the plan does not allow it", body = ErrorBody),
        (status = 409, description = "Name already used", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn create_token(
    services: web::Data<Services>,
    caller: Caller,
    JsonObject(body): JsonObject<CreateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = new_token_from(body)?;
    let created = services
        .tokens
        .create(&caller.actor, caller.project_id, new)
        .await?;
    Ok(issued(&services, Some(&caller), &created, true))
}

/// One token (no secret).
#[utoipa::path(
    get, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = Uuid, Path, description = "The token's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Needs api-token.findOne", body = TokenBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn get_token(
    services: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let token = services
        .tokens
        .get(&caller.actor, caller.project_id, *id)
        .await?;
    let mut response = HttpResponse::Ok();
    caller.succeeded(&services, &mut response);
    Ok(private_json(response, TokenBody::from(&token)))
}

/// Change name, description, type or permissions (PATCH: absent fields stay).
#[utoipa::path(
    patch, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = Uuid, Path, description = "The token's id")),
    request_body = UpdateTokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Needs api-token.update, and every permission added", body = TokenBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn update_token(
    services: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    JsonObject(body): JsonObject<UpdateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = TokenChangesInput {
        name: body.name,
        description: body.description,
        token_type: body.token_type,
        permissions: body.permissions,
    };
    let token = services
        .tokens
        .update(&caller.actor, caller.project_id, *id, changes)
        .await?;
    let mut response = HttpResponse::Ok();
    caller.succeeded(&services, &mut response);
    Ok(private_json(response, TokenBody::from(&token)))
}

/// A create request as the service takes it: the API's defaults and one expiry at most
/// (`ApiNewToken`, shared with GraphQL), then the domain's validation.
pub(crate) fn new_token_from(body: CreateTokenRequest) -> Result<NewToken, ApiError> {
    let input = ApiNewToken {
        name: body.name,
        description: body.description,
        kind: body.kind,
        token_type: body.token_type,
        permissions: body.permissions,
        expires_at: body.expires_at,
        duration_days: body.duration_days,
    }
    .into_input()
    .map_err(AppError::Validation)?;
    Ok(NewToken::parse(input, Utc::now()).map_err(AppError::Validation)?)
}

/// Revoke at once. Cannot be undone.
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = Uuid, Path, description = "The token's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked; needs api-token.delete"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn delete_token(
    services: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    services
        .tokens
        .revoke(&caller.actor, caller.project_id, *id)
        .await?;
    let mut response = HttpResponse::NoContent();
    caller.succeeded(&services, &mut response);
    Ok(response.finish())
}

/// A new secret for the token; the old one stops at once.
#[utoipa::path(
    post, path = "/api/v1/tokens/{id}/regenerate", tag = "tokens",
    params(("id" = Uuid, Path, description = "The token's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Needs api-token.regenerate", body = IssuedTokenBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn regenerate_token(
    services: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let regenerated = services
        .tokens
        .regenerate(&caller.actor, caller.project_id, *id)
        .await?;
    Ok(issued(&services, Some(&caller), &regenerated, false))
}

/// Rotate a still-valid token yourself: a new secret with the same settings and a fresh
/// lifetime. Authenticate with the token; the body may repeat it. An expired token gets 401
/// and must be replaced from the dashboard.
#[utoipa::path(
    post, path = "/api/v1/tokens/refresh", tag = "tokens",
    request_body(content = Option<RefreshRequest>, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret; the old one no longer works", body = IssuedTokenBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "The plan does not allow it", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub async fn refresh_token(
    req: HttpRequest,
    services: web::Data<Services>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        if !body::is_json(&req) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let parsed: RefreshRequest =
            serde_json::from_slice(&body).map_err(body::json_body_error)?;
        parsed.token
    };
    let presented = match (bearer(&req), from_body) {
        (Some(header), Some(body)) if header != body => {
            return Err(ApiError::invalid(
                "token",
                "The token in the body differs from the bearer token.",
            ));
        }
        (Some(token), _) | (None, Some(token)) => token,
        (None, None) => return Err(ApiError::unauthenticated(AuthFailure::Missing)),
    };
    let client = client_addr(&req);
    let refreshed = guarded_by_address(&services, client, async {
        Ok(services
            .tokens
            .refresh(&presented, client.map(|c| c.to_string()))
            .await?)
    })
    .await?;
    services.last_used.record(refreshed.token.id, Utc::now());
    let mut response = issued(&services, None, &refreshed, false);
    if let Some(at) = refreshed.token.expires_at
        && let Ok(value) =
            header::HeaderValue::from_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    {
        response.headers_mut().insert(
            header::HeaderName::from_static("latchkey-token-expires-at"),
            value,
        );
    }
    Ok(response)
}
