//! What goes over the wire: request and response bodies, each with its OpenAPI schema.
//! Requests refuse unknown fields; they become domain values through the token engine's
//! input types, which report every field's error at once.

use crate::domain::PermissionSet;
use crate::tokens::{TokenView, VerifiedToken};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `service` (an independent identity) or `personal` (acts as its owner).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Service,
    Personal,
}

/// `read-only` (every find/findOne), `full-access`, or `custom` (exactly `permissions`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Type {
    ReadOnly,
    FullAccess,
    Custom,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
}

#[derive(Serialize, ToSchema)]
pub struct PersonBody {
    pub id: Uuid,
    pub name: String,
}

/// A token, never with its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[schema(value_type = Kind)]
    pub kind: String,
    #[serde(rename = "type")]
    #[schema(value_type = Type)]
    pub token_type: String,
    /// Effective grant as `<content-type>.<action>` strings.
    #[schema(example = json!(["article.find", "article.findOne"]))]
    pub permissions: Vec<String>,
    #[schema(value_type = Status)]
    pub status: String,
    /// `7d`, `30d`, `90d`, `180d`, `unlimited` or `custom`.
    pub duration: String,
    /// Prefix and last four characters of the secret.
    #[schema(example = "lk_…x7Qa")]
    pub display_hint: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The owner of a personal token.
    pub owner: Option<PersonBody>,
    /// The user or token that created it.
    pub created_by: Option<PersonBody>,
}

impl From<&TokenView> for TokenBody {
    fn from(token: &TokenView) -> Self {
        Self {
            id: token.id,
            name: token.name.clone(),
            description: token.description.clone(),
            kind: token.kind.as_str().to_owned(),
            token_type: token.token_type.as_str().to_owned(),
            permissions: token.permissions.iter().map(ToString::to_string).collect(),
            status: token.status(Utc::now()).as_str().to_owned(),
            duration: token.duration.label.clone(),
            display_hint: token.display_hint.clone(),
            expires_at: token.expires_at,
            created_at: token.created_at,
            updated_at: token.updated_at,
            last_used_at: token.last_used_at,
            revoked_at: token.revoked_at,
            owner: token.owner.as_ref().map(|p| PersonBody {
                id: p.id,
                name: p.label.clone(),
            }),
            created_by: token.created_by.as_ref().map(|p| PersonBody {
                id: p.id,
                name: p.label.clone(),
            }),
        }
    }
}

/// A token with its secret: only from create, regenerate and refresh.
#[derive(Serialize, ToSchema)]
pub struct IssuedTokenBody {
    #[serde(flatten)]
    pub details: TokenBody,
    /// The secret. Shown this once; store it now.
    #[schema(example = "lk_3kTMd9aQ0vBf8Zr1yLpW6cXn2HuE5sGoJ7iKtRm4NqV1x7Qa")]
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct ListMeta {
    /// The tokens the list holds, counted up to 10,000.
    pub total: u64,
    /// False when the list holds more than `total` tokens.
    pub total_exact: bool,
    pub page: u64,
    pub per_page: u64,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenListBody {
    pub data: Vec<TokenBody>,
    pub meta: ListMeta,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    #[schema(min_length = 1, max_length = 100, example = "CI pipeline")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Defaults to `service`.
    #[serde(default)]
    #[schema(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// Defaults to `read-only`.
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<Type>)]
    pub token_type: Option<String>,
    /// For `custom` only: `<content-type>.<action>` strings.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    /// An RFC 3339 instant in the future. Give this or `duration_days`, not both; neither
    /// means the token does not expire.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub duration_days: Option<i64>,
}

/// PATCH: absent fields stay as they are. The duration is fixed at creation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTokenRequest {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<Type>)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The token being refreshed, if repeated in the body (it must match the bearer).
    #[serde(default)]
    pub token: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    /// Items per page, at most 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    #[param(value_type = Option<Kind>)]
    pub kind: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<Type>)]
    pub token_type: Option<String>,
    /// `active`, `expired` or `revoked`; without it, every token not revoked.
    #[param(pattern = "^(active|expired|revoked)$")]
    pub status: Option<String>,
    /// Case-insensitive part of the name.
    pub search: Option<String>,
    /// `name`, `created` (default) or `last_used`.
    #[param(pattern = "^(name|created|last_used)$")]
    pub sort: Option<String>,
    /// `asc` or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    pub order: Option<String>,
    /// The page that follows the one whose `meta.next` this is (same sort, order and
    /// filters); `page` is then only echoed. Deep in a long list this is as fast as the
    /// first page, where `page` skips every row before it.
    pub after: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest<'a> {
    /// Borrowed from the request body unless it holds escapes: the hot path copies nothing.
    #[serde(borrow)]
    #[schema(value_type = String)]
    pub token: Cow<'a, str>,
    /// The permission the caller needs, e.g. `article.create`.
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>, example = "article.create")]
    pub permission: Option<Text<'a>>,
    /// The address of the end client that presented the token to the calling service. When
    /// given, failed verifications are counted for that client, and a client that keeps
    /// guessing is answered 429 without affecting the service's other clients.
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>, example = "203.0.113.7")]
    pub client_ip: Option<Text<'a>>,
    /// The end client's `User-Agent`, shown with its address among the token's recent clients.
    #[serde(default, borrow)]
    #[schema(value_type = Option<String>, example = "okhttp/4.12")]
    pub user_agent: Option<Text<'a>>,
}

/// A string borrowed from the body when it holds no escapes. (serde borrows a bare
/// `Cow<str>` field, but not one inside an `Option`.)
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// Borrows the verified facts: the hot path copies nothing to answer.
#[derive(Serialize, ToSchema)]
pub struct VerifiedTokenBody<'a> {
    pub id: Uuid,
    pub name: &'a str,
    /// The project's slug.
    pub project: &'a str,
    #[schema(value_type = Kind)]
    pub kind: &'a str,
    #[serde(rename = "type")]
    #[schema(value_type = Type)]
    pub token_type: &'a str,
    /// Effective permissions right now.
    #[schema(value_type = Vec<String>)]
    pub permissions: &'a PermissionSet,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyResponse<'a> {
    pub valid: bool,
    pub token: VerifiedTokenBody<'a>,
}

impl<'a> From<&'a VerifiedToken> for VerifyResponse<'a> {
    fn from(token: &'a VerifiedToken) -> Self {
        Self {
            valid: true,
            token: VerifiedTokenBody {
                id: token.id,
                name: &token.name,
                project: &token.project_slug,
                kind: token.kind.as_str(),
                token_type: token.token_type.as_str(),
                permissions: &token.permissions,
                expires_at: token.expires_at,
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The slug of the project the access token acts in.
    pub project: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// A short-lived bearer token for the management endpoints. Not an API token:
    /// `verify` refuses it.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `authentication_error`, `authorization_error`, `plan_required`, `validation_error`,
    /// `not_found`, `conflict`, `method_not_allowed`, `payload_too_large`,
    /// `unsupported_media_type`, `unavailable` or `internal_error`.
    pub code: String,
    pub message: String,
    /// Field errors for `validation_error`; `required_permission` for `authorization_error`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The request id, to find the request in the server's log.
    pub trace_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}
