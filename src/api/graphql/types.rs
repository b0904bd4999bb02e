//! The schema's object, enum and input types: a token as callers see it (never its secret),
//! the connection that pages through them, and the payloads of mutations, which carry their
//! result in `data` and refusals of the input in `errors`, as seed 000's refresh does.

use crate::domain::{TokenKind as Kind, TokenType as Type};
use crate::tokens::{TokenStatus, TokenView};
use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TokenKind {
    Service,
    Personal,
}

impl From<Kind> for TokenKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Service => Self::Service,
            Kind::Personal => Self::Personal,
        }
    }
}

impl From<TokenKind> for Kind {
    fn from(kind: TokenKind) -> Self {
        match kind {
            TokenKind::Service => Self::Service,
            TokenKind::Personal => Self::Personal,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TokenType {
    ReadOnly,
    FullAccess,
    Custom,
}

impl From<Type> for TokenType {
    fn from(token_type: Type) -> Self {
        match token_type {
            Type::ReadOnly => Self::ReadOnly,
            Type::FullAccess => Self::FullAccess,
            Type::Custom => Self::Custom,
        }
    }
}

impl From<TokenType> for Type {
    fn from(token_type: TokenType) -> Self {
        match token_type {
            TokenType::ReadOnly => Self::ReadOnly,
            TokenType::FullAccess => Self::FullAccess,
            TokenType::Custom => Self::Custom,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ApiTokenStatus {
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
}

/// Which tokens a list holds: `LIVE` (the default) is every token not revoked.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum StatusFilter {
    #[default]
    Live,
    Active,
    Expired,
    Revoked,
    Any,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ApiTokenOrderField {
    Name,
    #[default]
    Created,
    LastUsed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

#[derive(InputObject, Default)]
pub struct ApiTokenFilter {
    pub kind: Option<TokenKind>,
    #[graphql(name = "type")]
    pub token_type: Option<TokenType>,
    pub status: Option<StatusFilter>,
    /// A part of the name, or of the hint (`lk_…p1le`).
    pub search: Option<String>,
}

#[derive(InputObject)]
pub struct ApiTokenOrder {
    pub field: ApiTokenOrderField,
    /// Names ascend and times descend unless said otherwise.
    pub direction: Option<OrderDirection>,
}

#[derive(SimpleObject, Clone)]
pub struct Person {
    pub id: Uuid,
    pub name: String,
}

/// A token, without its secret.
#[derive(SimpleObject, Clone)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub kind: TokenKind,
    #[graphql(name = "type")]
    pub token_type: TokenType,
    /// The effective grant, as `<content-type>.<action>`.
    pub permissions: Vec<String>,
    pub status: ApiTokenStatus,
    /// `7d`, `30d`, `90d`, `180d`, `unlimited` or `custom`.
    pub duration: String,
    /// The prefix and last four characters of the secret.
    pub display_hint: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The owner of a personal token.
    pub owner: Option<Person>,
    /// The user or token that created it.
    pub created_by: Option<Person>,
}

impl From<&TokenView> for ApiToken {
    fn from(token: &TokenView) -> Self {
        let person = |p: &crate::tokens::PersonRef| Person {
            id: p.id,
            name: p.label.clone(),
        };
        Self {
            id: token.id,
            name: token.name.clone(),
            description: token.description.clone(),
            kind: token.kind.into(),
            token_type: token.token_type.into(),
            permissions: token.permissions.iter().map(ToString::to_string).collect(),
            status: match token.status(Utc::now()) {
                TokenStatus::Active => ApiTokenStatus::Active,
                TokenStatus::ExpiringSoon => ApiTokenStatus::ExpiringSoon,
                TokenStatus::Expired => ApiTokenStatus::Expired,
                TokenStatus::Revoked => ApiTokenStatus::Revoked,
            },
            duration: token.duration.label.clone(),
            display_hint: token.display_hint.clone(),
            expires_at: token.expires_at,
            created_at: token.created_at,
            updated_at: token.updated_at,
            last_used_at: token.last_used_at,
            revoked_at: token.revoked_at,
            owner: token.owner.as_ref().map(person),
            created_by: token.created_by.as_ref().map(person),
        }
    }
}

#[derive(SimpleObject)]
pub struct ApiTokenEdge {
    /// Opaque; pass it as `after` to continue after this token.
    pub cursor: String,
    pub node: ApiToken,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct ApiTokenConnection {
    pub nodes: Vec<ApiToken>,
    pub edges: Vec<ApiTokenEdge>,
    pub page_info: PageInfo,
    /// The tokens the list holds, counted up to 10,000.
    pub total_count: u64,
    /// False when the list holds more than `totalCount` tokens.
    pub total_count_exact: bool,
}

#[derive(SimpleObject)]
pub struct ContentType {
    pub uid: String,
    pub display_name: String,
    pub built_in: bool,
    /// Its actions: `find`, `findOne`, `create`, `update`, `delete` (and `regenerate` on
    /// `api-token`).
    pub actions: Vec<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ViewerKind {
    /// A project API token.
    Token,
    /// A user, by a login access token.
    User,
}

#[derive(SimpleObject)]
pub struct Project {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// Who the credential is.
#[derive(SimpleObject)]
pub struct Viewer {
    pub kind: ViewerKind,
    /// The token, when the credential is one.
    pub token: Option<ApiToken>,
    /// The user, when the credential is a login access token.
    pub user: Option<Person>,
    pub project: Project,
    /// What the credential may do in the project, as `<content-type>.<action>`.
    pub permissions: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A refusal of the input, beside the field it concerns.
#[derive(SimpleObject, Clone)]
pub struct UserError {
    pub message: String,
    /// The input field, when the refusal concerns one.
    pub field: Option<String>,
}

/// A new secret: shown here once, never again.
#[derive(SimpleObject)]
pub struct IssuedApiToken {
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub api_token: ApiToken,
}

#[derive(SimpleObject)]
pub struct DeletedApiToken {
    pub id: Uuid,
}

/// `data` on success; `errors` when the input was refused.
#[derive(SimpleObject)]
#[graphql(concrete(name = "IssuedApiTokenPayload", params(IssuedApiToken)))]
#[graphql(concrete(name = "ApiTokenPayload", params(ApiToken)))]
#[graphql(concrete(name = "DeleteApiTokenPayload", params(DeletedApiToken)))]
pub struct Payload<T: async_graphql::OutputType> {
    pub data: Option<T>,
    pub errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    pub name: String,
    pub description: Option<String>,
    /// `SERVICE` unless said otherwise.
    pub kind: Option<TokenKind>,
    /// `READ_ONLY` unless said otherwise.
    #[graphql(name = "type")]
    pub token_type: Option<TokenType>,
    /// For `CUSTOM` tokens.
    pub permissions: Option<Vec<String>>,
    /// One of `expiresAt` and `durationDays` (7, 30, 90 or 180); neither means no expiry.
    pub expires_at: Option<DateTime<Utc>>,
    pub duration_days: Option<u16>,
}

#[derive(InputObject)]
pub struct UpdateApiTokenInput {
    pub id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    #[graphql(name = "type")]
    pub token_type: Option<TokenType>,
    pub permissions: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct ApiTokenIdInput {
    pub id: Uuid,
}

#[derive(InputObject)]
pub struct RefreshPublicAccessTokenInput {
    /// The token to refresh: the same as the bearer token.
    pub token: String,
}
