//! A token as callers see it (everything but the secret), and its assembly from rows: the
//! names it shows and the permissions its grant resolves to, each read once per batch.

use super::recent_clients::{self, RecentClient};
use super::store::{self, duration_of, grant_for, kind_of, type_of, uids};
use crate::domain::{PermissionSet, TokenDuration, TokenKind, TokenType};
use crate::entities::{api_token, user};
use crate::error::AppError;
use crate::projects::{ContentType, load_content_types};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryResult,
    QuerySelect, QueryTrait,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Tokens expiring within this many days are flagged "expiring soon" (short-lived tokens
/// only in the last quarter of their lifetime, see `TokenView::warning_window`).
pub const EXPIRING_SOON_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: Uuid,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct TokenView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub description: String,
    pub kind: TokenKind,
    pub token_type: TokenType,
    /// The token's own grant expanded over the project's content types.
    pub permissions: PermissionSet,
    pub duration: TokenDuration,
    pub expires_at: Option<DateTime<Utc>>,
    pub display_hint: String,
    pub owner: Option<PersonRef>,
    /// The user or token that created it, if it still exists.
    pub created_by: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The last few distinct clients that used it, newest first.
    pub recent_clients: Vec<RecentClient>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::ExpiringSoon => "expiring_soon",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

impl TokenView {
    pub fn status(&self, now: DateTime<Utc>) -> TokenStatus {
        if self.revoked_at.is_some() {
            return TokenStatus::Revoked;
        }
        match self.expires_at {
            Some(at) if at <= now => TokenStatus::Expired,
            Some(at) if at - now <= self.warning_window() => TokenStatus::ExpiringSoon,
            _ => TokenStatus::Active,
        }
    }

    /// How long before its expiry a token is flagged: the last seven days, or the last
    /// quarter of its lifetime when that is shorter, so a 7-day token is not "expiring soon"
    /// from the moment it is made.
    fn warning_window(&self) -> Duration {
        let longest = Duration::days(EXPIRING_SOON_DAYS);
        self.duration
            .lifetime
            .map_or(longest, |lifetime| (lifetime / 4).min(longest))
    }
}

/// A token row with the names its view shows: the owner, and the user or token that made it.
pub(super) struct Named {
    pub token: api_token::Model,
    pub owner: Option<String>,
    pub creator: Option<String>,
    pub creator_token: Option<String>,
}

impl FromQueryResult for Named {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            token: api_token::Model::from_query_result(row, prefix)?,
            owner: row.try_get(prefix, "owner_name")?,
            creator: row.try_get(prefix, "creator_name")?,
            creator_token: row.try_get(prefix, "creator_token_name")?,
        })
    }
}

/// One token with its names, in one statement (the names joined).
pub(super) async fn one_named(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    token_id: Uuid,
) -> Result<Named, AppError> {
    let (owner, creator, creator_token) = (
        Alias::new("owner"),
        Alias::new("creator"),
        Alias::new("creator_token"),
    );
    let mut select = api_token::Entity::find_by_id(token_id)
        .filter(api_token::Column::ProjectId.eq(project_id))
        .column_as(
            Expr::col((owner.clone(), user::Column::DisplayName)),
            "owner_name",
        )
        .column_as(
            Expr::col((creator.clone(), user::Column::DisplayName)),
            "creator_name",
        )
        .column_as(
            Expr::col((creator_token.clone(), api_token::Column::Name)),
            "creator_token_name",
        );
    QueryTrait::query(&mut select)
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            owner.clone(),
            Expr::col((owner, user::Column::Id))
                .equals((api_token::Entity, api_token::Column::OwnerId)),
        )
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            creator.clone(),
            Expr::col((creator, user::Column::Id))
                .equals((api_token::Entity, api_token::Column::CreatedByUserId)),
        )
        .join_as(
            JoinType::LeftJoin,
            api_token::Entity,
            creator_token.clone(),
            Expr::col((creator_token, api_token::Column::Id))
                .equals((api_token::Entity, api_token::Column::CreatedByTokenId)),
        );
    select
        .into_model::<Named>()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Names a page of rows with two batched reads: the people, then the creating tokens.
pub(super) async fn name_all(
    conn: &impl ConnectionTrait,
    models: Vec<api_token::Model>,
) -> Result<Vec<Named>, DbErr> {
    let user_ids: HashSet<Uuid> = models
        .iter()
        .flat_map(|m| [m.owner_id, m.created_by_user_id])
        .flatten()
        .collect();
    let people: HashMap<Uuid, String> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    let token_ids: HashSet<Uuid> = models
        .iter()
        .filter_map(|m| m.created_by_token_id)
        .collect();
    let tokens: HashMap<Uuid, String> = if token_ids.is_empty() {
        HashMap::new()
    } else {
        api_token::Entity::find()
            .filter(api_token::Column::Id.is_in(token_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    };
    let name =
        |id: Option<Uuid>, names: &HashMap<Uuid, String>| id.and_then(|id| names.get(&id).cloned());
    Ok(models
        .into_iter()
        .map(|token| Named {
            owner: name(token.owner_id, &people),
            creator: name(token.created_by_user_id, &people),
            creator_token: name(token.created_by_token_id, &tokens),
            token,
        })
        .collect())
}

/// One row's names (see `name_all`).
pub(super) async fn name_one(
    conn: &impl ConnectionTrait,
    token: api_token::Model,
) -> Result<Named, AppError> {
    only(name_all(conn, vec![token]).await?)
}

/// The one item of a batch that was given one.
pub(super) fn only<T>(mut items: Vec<T>) -> Result<T, AppError> {
    match (items.pop(), items.is_empty()) {
        (Some(item), true) => Ok(item),
        _ => Err(AppError::Unexpected(anyhow::anyhow!(
            "a batch of one token came back with another count"
        ))),
    }
}

/// Views of named rows of one project. Custom grants are read in one batch; the project's
/// content types (for read-only and full-access grants) are read only if not given and needed.
pub(super) async fn assemble(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    rows: Vec<Named>,
    content_types: Option<&[ContentType]>,
) -> Result<Vec<TokenView>, AppError> {
    let mut custom_ids = Vec::new();
    let mut expands = false;
    for row in &rows {
        match type_of(&row.token)? {
            TokenType::Custom => custom_ids.push(row.token.id),
            TokenType::ReadOnly | TokenType::FullAccess => expands = true,
        }
    }
    let mut explicit = store::explicit_permissions(conn, &custom_ids).await?;
    let loaded;
    let content_types = match content_types {
        Some(given) => given,
        None if expands => {
            loaded = load_content_types(conn, project_id).await?;
            &loaded
        }
        None => &[],
    };
    rows.into_iter()
        .map(|row| {
            let own = explicit.remove(&row.token.id).unwrap_or_default();
            let permissions = match type_of(&row.token)? {
                // Explicit permissions are joined with the content types they name, so a
                // removed type is already gone from them.
                TokenType::Custom => own,
                other => grant_for(other, &own).resolve(uids(content_types)),
            };
            view_of(row, permissions)
        })
        .collect()
}

/// The view of a named row whose permissions are already resolved.
pub(super) fn view_of(row: Named, permissions: PermissionSet) -> Result<TokenView, AppError> {
    let Named {
        token: model,
        owner,
        creator,
        creator_token,
    } = row;
    let person = |id: Option<Uuid>, label: Option<String>| {
        id.zip(label).map(|(id, label)| PersonRef { id, label })
    };
    let created_by = person(model.created_by_user_id, creator).or_else(|| {
        person(
            model.created_by_token_id,
            creator_token.map(|name| format!("token {name}")),
        )
    });
    Ok(TokenView {
        id: model.id,
        project_id: model.project_id,
        permissions,
        duration: duration_of(&model),
        kind: kind_of(&model)?,
        token_type: type_of(&model)?,
        owner: person(model.owner_id, owner),
        created_by,
        expires_at: model.expires_at.map(|t| t.and_utc()),
        display_hint: model.display_hint,
        created_at: model.created_at.and_utc(),
        updated_at: model.updated_at.and_utc(),
        last_used_at: model.last_used_at.map(|t| t.and_utc()),
        revoked_at: model.revoked_at.map(|t| t.and_utc()),
        recent_clients: recent_clients::parse(model.recent_clients.as_deref()),
        name: model.name,
        description: model.description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiring(lifetime_days: Option<i64>, created_days_ago: i64) -> TokenView {
        let now = Utc::now();
        let created_at = now - Duration::days(created_days_ago);
        let lifetime = lifetime_days.map(Duration::days);
        TokenView {
            id: Uuid::nil(),
            project_id: Uuid::nil(),
            name: "t".into(),
            description: String::new(),
            kind: TokenKind::Service,
            token_type: TokenType::ReadOnly,
            permissions: PermissionSet::default(),
            duration: TokenDuration {
                label: "custom".into(),
                lifetime,
            },
            expires_at: lifetime.map(|l| created_at + l),
            display_hint: "lk_…abcd".into(),
            owner: None,
            created_by: None,
            created_at,
            updated_at: created_at,
            last_used_at: None,
            revoked_at: None,
            recent_clients: Vec::new(),
        }
    }

    #[test]
    fn a_short_token_is_expiring_soon_only_in_its_last_quarter() {
        let now = Utc::now();
        assert_eq!(expiring(Some(7), 0).status(now), TokenStatus::Active);
        assert_eq!(expiring(Some(7), 5).status(now), TokenStatus::Active);
        assert_eq!(expiring(Some(7), 6).status(now), TokenStatus::ExpiringSoon);
        assert_eq!(
            expiring(Some(90), 85).status(now),
            TokenStatus::ExpiringSoon
        );
        assert_eq!(expiring(Some(90), 80).status(now), TokenStatus::Active);
        assert_eq!(expiring(Some(90), 70).status(now), TokenStatus::Active);
        assert_eq!(expiring(None, 400).status(now), TokenStatus::Active);
        assert_eq!(expiring(Some(7), 8).status(now), TokenStatus::Expired);
    }
}
