//! Creating and reading projects, and setting their plans.

use super::store::{insert_content_type, insert_membership};
use super::{NewProject, Project};
use crate::audit::{self, AuditTarget};
use crate::authority::require_super_admin;
use crate::domain::{Actor, ContentTypeUid, Plan, ProjectAccess, Role};
use crate::entities::{membership, project, user};
use crate::error::AppError;
use crate::verification_cache::VerificationCache;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, RelationTrait, Select,
    SelectModel, Selector, Set, SqlErr, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

#[derive(Clone)]
pub struct Projects {
    pub(super) db: DatabaseConnection,
    /// Roles and content types decide what tokens may do: changes here invalidate it.
    pub(super) verification: VerificationCache,
}

impl Projects {
    pub fn new(db: DatabaseConnection, verification: VerificationCache) -> Self {
        Self { db, verification }
    }

    /// Creates the project with its built-in `api-token` content type and, if named, its owner.
    #[tracing::instrument(skip_all, fields(slug = new.slug.as_str()))]
    pub async fn create(&self, actor: &Actor, new: NewProject) -> Result<Project, AppError> {
        require_super_admin(actor)?;
        let txn = self.db.begin().await?;
        let owner = match &new.owner {
            Some(email) => Some(
                user::Entity::find()
                    .filter(user::Column::Email.eq(email.as_str()))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid("owner", format!("No user has the email {email}."))
                    })?,
            ),
            None => None,
        };
        let now = Utc::now().naive_utc();
        let project = project::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.as_str().to_owned()),
            slug: Set(new.slug.as_str().to_owned()),
            plan: Set(new.plan.as_str().to_owned()),
            token_cap: Set(None),
            route_prefix: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::conflict("slug", "A project with this slug already exists.")
            }
            _ => AppError::from(e),
        })?;
        insert_content_type(
            &txn,
            project.id,
            &ContentTypeUid::api_token(),
            "API token",
            true,
        )
        .await?;
        audit::record(
            &txn,
            actor,
            Some(project.id),
            "project.create",
            AuditTarget::new("project", project.id, &project.slug),
            json!({ "name": project.name, "plan": project.plan }),
        )
        .await?;
        if let Some(owner) = owner {
            insert_membership(&txn, actor, project.id, &owner, Role::Owner).await?;
        }
        txn.commit().await?;
        project.try_into()
    }

    pub async fn find_by_slug(&self, slug: &str) -> Result<Option<Project>, AppError> {
        project::Entity::find()
            .filter(project::Column::Slug.eq(slug))
            .one(&self.db)
            .await?
            .map(Project::try_from)
            .transpose()
    }

    pub async fn get(&self, id: Uuid) -> Result<Project, AppError> {
        project::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound)?
            .try_into()
    }

    pub async fn list_all(&self) -> Result<Vec<Project>, AppError> {
        project::Entity::find()
            .order_by_asc(project::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Project::try_from)
            .collect()
    }

    /// Changing the plan never touches existing tokens: a downgraded project keeps them.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, plan = plan.as_str()))]
    pub async fn set_plan(
        &self,
        actor: &Actor,
        project_id: Uuid,
        plan: Plan,
        token_cap: Option<u32>,
    ) -> Result<Project, AppError> {
        require_super_admin(actor)?;
        let txn = self.db.begin().await?;
        let existing = project::Entity::find_by_id(project_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let previous_plan = existing.plan.clone();
        let mut active: project::ActiveModel = existing.into();
        active.plan = Set(plan.as_str().to_owned());
        active.token_cap = Set(token_cap.map(|cap| i32::try_from(cap).unwrap_or(i32::MAX)));
        active.updated_at = Set(Utc::now().naive_utc());
        let updated = active.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "project.plan_change",
            AuditTarget::new("project", project_id, &updated.slug),
            json!({ "from": previous_plan, "to": plan.as_str(), "token_cap": token_cap }),
        )
        .await?;
        txn.commit().await?;
        updated.try_into()
    }

    /// The access of an enabled user in a project; `None` when disabled, gone or not a member.
    pub async fn access_of(
        &self,
        user_id: Uuid,
        project_id: Uuid,
    ) -> Result<Option<ProjectAccess>, AppError> {
        Ok(crate::authority::access_of(&self.db, user_id, project_id).await?)
    }

    /// The project named by `slug` and the access there of an enabled user (a super admin's,
    /// or their membership's), in one statement; `None` when there is no such project or
    /// the user has no access to it.
    pub async fn open_for(
        &self,
        slug: &str,
        user_id: Uuid,
        is_super_admin: bool,
    ) -> Result<Option<(Project, ProjectAccess)>, AppError> {
        let row = with_role_of(
            project::Entity::find().filter(project::Column::Slug.eq(slug)),
            user_id,
        )
        .one(&self.db)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let access = access_from(is_super_admin, row.role.as_deref());
        access
            .map(|access| Ok((Project::try_from(row.project)?, access)))
            .transpose()
    }

    /// The projects a user belongs to (all of them for a super admin), with the user's role
    /// in each, by name; one statement.
    pub async fn for_user(
        &self,
        user_id: Uuid,
        is_super_admin: bool,
    ) -> Result<Vec<(Project, Option<Role>)>, AppError> {
        let mut select = project::Entity::find().order_by_asc(project::Column::Name);
        if !is_super_admin {
            select = select
                .filter(Expr::col((membership::Entity, membership::Column::UserId)).is_not_null());
        }
        with_role_of(select, user_id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let role = row.role.as_deref().and_then(|r| Role::parse(r).ok());
                Project::try_from(row.project).map(|p| (p, role))
            })
            .collect()
    }
}

/// A project row with one user's role there, if they are a member.
struct WithRole {
    project: project::Model,
    role: Option<String>,
}

impl FromQueryResult for WithRole {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            project: project::Model::from_query_result(row, prefix)?,
            role: row.try_get(prefix, "member_role")?,
        })
    }
}

/// `select` with `user_id`'s membership of each project joined.
fn with_role_of(select: Select<project::Entity>, user_id: Uuid) -> Selector<SelectModel<WithRole>> {
    select
        .column_as(
            Expr::col((membership::Entity, membership::Column::Role)),
            "member_role",
        )
        .join(
            JoinType::LeftJoin,
            project::Relation::Membership
                .def()
                .on_condition(move |_, membership_table| {
                    Expr::col((membership_table, membership::Column::UserId))
                        .eq(user_id)
                        .into_condition()
                }),
        )
        .into_model::<WithRole>()
}

/// The access a user has given their super-admin flag and their role there, if any.
fn access_from(is_super_admin: bool, role: Option<&str>) -> Option<ProjectAccess> {
    if is_super_admin {
        return Some(ProjectAccess::SuperAdmin);
    }
    role.and_then(|r| Role::parse(r).ok())
        .map(ProjectAccess::Member)
}
