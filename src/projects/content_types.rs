//! A project's content types: the rows of the permission matrix. Admins manage them; every
//! change re-resolves the project's cached grants.

use super::store::insert_content_type;
use super::{ContentType, Projects, load_content_types};
use crate::audit::{self, AuditTarget};
use crate::authority::{ProjectAbility, require_ability};
use crate::change_feed;
use crate::domain::{API_TOKEN_CONTENT_TYPE, Actor, ContentTypeName, ContentTypeUid, RoutePrefix};
use crate::entities::{content_type, project};
use crate::error::AppError;
use crate::verification_cache::Invalidation;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter, Set,
    SqlErr, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

impl Projects {
    pub async fn content_types(&self, project_id: Uuid) -> Result<Vec<ContentType>, AppError> {
        load_content_types(&self.db, project_id)
            .await
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all, fields(project_id = %project_id))]
    pub async fn add_content_type(
        &self,
        actor: &Actor,
        project_id: Uuid,
        uid: ContentTypeUid,
        display_name: ContentTypeName,
    ) -> Result<ContentType, AppError> {
        require_ability(
            &self.db,
            actor,
            project_id,
            ProjectAbility::ManageContentTypes,
        )
        .await?;
        let txn = self.db.begin().await?;
        let inserted = insert_content_type(&txn, project_id, &uid, display_name.as_str(), false)
            .await
            .map_err(|e| match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(
                    "uid",
                    format!("The content type '{uid}' already exists in this project."),
                ),
                _ => AppError::from(e),
            })?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "content_type.create",
            AuditTarget::new("content_type", inserted.id, uid.as_str()),
            json!({ "display_name": display_name.as_str() }),
        )
        .await?;
        // Full-access and read-only grants now cover one more content type.
        change_feed::commit(
            txn,
            &self.verification,
            &[Invalidation::Project(project_id)],
        )
        .await?;
        Ok(ContentType {
            id: inserted.id,
            uid,
            display_name: inserted.display_name,
            built_in: false,
        })
    }

    /// Removes a content type and every token permission on it. The built-in type stays.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, uid = uid.as_str()))]
    pub async fn remove_content_type(
        &self,
        actor: &Actor,
        project_id: Uuid,
        uid: &ContentTypeUid,
    ) -> Result<(), AppError> {
        require_ability(
            &self.db,
            actor,
            project_id,
            ProjectAbility::ManageContentTypes,
        )
        .await?;
        if uid.as_str() == API_TOKEN_CONTENT_TYPE {
            return Err(AppError::conflict(
                "uid",
                "The built-in api-token content type cannot be removed.",
            ));
        }
        let txn = self.db.begin().await?;
        let existing = content_type::Entity::find()
            .filter(content_type::Column::ProjectId.eq(project_id))
            .filter(content_type::Column::Uid.eq(uid.as_str()))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let id = existing.id;
        existing.delete(&txn).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "content_type.delete",
            AuditTarget::new("content_type", id, uid.as_str()),
            json!({}),
        )
        .await?;
        change_feed::commit(
            txn,
            &self.verification,
            &[Invalidation::Project(project_id)],
        )
        .await?;
        Ok(())
    }

    /// Sets (or with `None` clears) where the content types live in upstream paths, which
    /// forward auth maps requests by. Cached answers carry the old mapping: invalidated.
    #[tracing::instrument(skip_all, fields(project_id = %project_id))]
    pub async fn set_route_prefix(
        &self,
        actor: &Actor,
        project_id: Uuid,
        prefix: Option<RoutePrefix>,
    ) -> Result<(), AppError> {
        require_ability(
            &self.db,
            actor,
            project_id,
            ProjectAbility::ManageContentTypes,
        )
        .await?;
        let txn = self.db.begin().await?;
        let existing = project::Entity::find_by_id(project_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let before = existing.route_prefix.clone();
        let after = prefix.as_ref().map(RoutePrefix::to_string);
        if before == after {
            return Ok(());
        }
        let slug = existing.slug.clone();
        let mut changed = existing.into_active_model();
        changed.route_prefix = Set(after.clone());
        changed.updated_at = Set(chrono::Utc::now().naive_utc());
        changed.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "project.route_prefix",
            AuditTarget::new("project", project_id, &slug),
            json!({ "from": before, "to": after }),
        )
        .await?;
        change_feed::commit(
            txn,
            &self.verification,
            &[Invalidation::Project(project_id)],
        )
        .await?;
        Ok(())
    }
}
