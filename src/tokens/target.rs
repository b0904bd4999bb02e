//! The token a change acts on, loaded and checked once inside the change's transaction,
//! after the project lock: the caller's authority, the permission the change needs, the plan,
//! the caller's scope, and the ceiling (the caller holds every permission the token has now).

use super::service::TokenService;
use super::store::{self, ensure_live, kind_of, type_of};
use crate::authority::Authority;
use crate::domain::{Action, Actor, Permission, PermissionSet, TokenKind, TokenType};
use crate::entities::api_token;
use crate::error::AppError;
use crate::projects::{ContentType, Project, load_content_types, lock_project};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

pub(super) struct Target {
    pub project: Project,
    pub authority: Authority,
    pub token: api_token::Model,
    pub kind: TokenKind,
    pub token_type: TokenType,
    /// A custom token's explicit permissions (rows kept for other types are included).
    pub explicit: PermissionSet,
    pub content_types: Vec<ContentType>,
}

impl TokenService {
    /// Locks the project and loads the token `action` acts on, refusing what the rules
    /// refuse. Revoking (`Delete`) is allowed on every plan and finds nothing in a token
    /// already revoked; every other action needs a self-service plan and a live token.
    pub(super) async fn lock_target(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
        action: Action,
    ) -> Result<Target, AppError> {
        let project = Project::try_from(lock_project(txn, project_id).await?)?;
        let authority = crate::authority::resolve(txn, actor, project_id).await?;
        authority.require(Permission::api_token(action))?;
        if action != Action::Delete {
            store::require_self_service(&project)?;
        }
        let token = store::find(txn, project_id, token_id).await?;
        if action == Action::Delete && token.revoked_at.is_some() {
            return Err(AppError::NotFound);
        }
        let kind = kind_of(&token)?;
        authority.require_manage(kind, token.owner_id)?;
        ensure_live(&token)?;
        let token_type = type_of(&token)?;
        let content_types = load_content_types(txn, project_id).await?;
        let explicit = store::explicit_permissions(txn, &[token.id])
            .await?
            .remove(&token.id)
            .unwrap_or_default();
        let effective =
            store::effective(txn, &token, token_type, kind, &explicit, &content_types).await?;
        authority.require_holds(&effective.permissions)?;
        Ok(Target {
            project,
            authority,
            token,
            kind,
            token_type,
            explicit,
            content_types,
        })
    }
}
