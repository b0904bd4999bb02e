//! Projects, their members and their content types.

use crate::access::{require_role, require_super_admin};
use crate::audit::{self, AuditTarget};
use crate::domain::{
    API_TOKEN_CONTENT_TYPE, Actor, ContentTypeName, ContentTypeUid, Email, Plan, ProjectName,
    ProjectSlug, Role,
};
use crate::entities::{content_type, membership, project, user};
use crate::error::AppError;
use crate::tokens::VerificationCache;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    /// This project's own cap of active tokens on `professional`, if set.
    pub token_cap: Option<u32>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<project::Model> for Project {
    type Error = AppError;

    fn try_from(model: project::Model) -> Result<Self, AppError> {
        Ok(Self {
            id: model.id,
            plan: Plan::parse(&model.plan)
                .map_err(|e| anyhow::anyhow!("project {} has a bad plan: {e}", model.id))?,
            name: model.name,
            slug: model.slug,
            token_cap: model.token_cap.and_then(|cap| u32::try_from(cap).ok()),
            created_at: model.created_at.and_utc(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: ProjectName,
    pub slug: ProjectSlug,
    pub plan: Plan,
    /// Made the project's owner, if given.
    pub owner: Option<Email>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType {
    pub id: Uuid,
    pub uid: ContentTypeUid,
    pub display_name: String,
    pub built_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
}

#[derive(Clone)]
pub struct Projects {
    db: DatabaseConnection,
    /// Roles and content types decide what tokens may do: changes here invalidate it.
    verification: VerificationCache,
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

    pub async fn members(&self, project_id: Uuid) -> Result<Vec<Member>, AppError> {
        let rows = membership::Entity::find()
            .filter(membership::Column::ProjectId.eq(project_id))
            .find_also_related(user::Entity)
            .all(&self.db)
            .await?;
        let mut members: Vec<Member> = rows
            .into_iter()
            .filter_map(|(membership, user)| {
                let user = user?;
                Some(Member {
                    user_id: user.id,
                    email: user.email,
                    display_name: user.display_name,
                    role: Role::parse(&membership.role).ok()?,
                    disabled: user.disabled,
                })
            })
            .collect();
        members.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.email.cmp(&b.email)));
        Ok(members)
    }

    /// Projects the user belongs to (all of them for a super admin).
    pub async fn for_user(&self, user_id: Uuid) -> Result<Vec<(Project, Option<Role>)>, AppError> {
        let user = user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let memberships = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?;
        let role_in = |project_id: Uuid| {
            memberships
                .iter()
                .find(|m| m.project_id == project_id)
                .and_then(|m| Role::parse(&m.role).ok())
        };
        let projects = if user.is_super_admin {
            project::Entity::find()
                .order_by_asc(project::Column::Name)
                .all(&self.db)
                .await?
        } else {
            let ids: Vec<Uuid> = memberships.iter().map(|m| m.project_id).collect();
            project::Entity::find()
                .filter(project::Column::Id.is_in(ids))
                .order_by_asc(project::Column::Name)
                .all(&self.db)
                .await?
        };
        projects
            .into_iter()
            .map(|p| {
                let role = role_in(p.id);
                Project::try_from(p).map(|p| (p, role))
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(project_id = %project_id, role = role.as_str()))]
    pub async fn add_member(
        &self,
        actor: &Actor,
        project_id: Uuid,
        email: &Email,
        role: Role,
    ) -> Result<Member, AppError> {
        require_role(&self.db, actor, project_id, Role::Owner).await?;
        let txn = self.db.begin().await?;
        let user = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::invalid("email", format!("No user has the email {email}.")))?;
        if membership::Entity::find_by_id((project_id, user.id))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                "email",
                "This user is already a member of the project.",
            ));
        }
        insert_membership(&txn, actor, project_id, &user, role).await?;
        txn.commit().await?;
        self.verification.forget_owner(user.id);
        Ok(Member {
            user_id: user.id,
            email: user.email,
            display_name: user.display_name,
            role,
            disabled: user.disabled,
        })
    }

    /// Changes a member's role. The last owner cannot be demoted.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, user_id = %user_id, role = role.as_str()))]
    pub async fn change_role(
        &self,
        actor: &Actor,
        project_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> Result<(), AppError> {
        require_role(&self.db, actor, project_id, Role::Owner).await?;
        let txn = self.db.begin().await?;
        lock_project(&txn, project_id).await?;
        let existing = membership::Entity::find_by_id((project_id, user_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let previous = existing.role.clone();
        if previous == Role::Owner.as_str() && role != Role::Owner {
            ensure_another_owner(&txn, project_id).await?;
        }
        let mut active: membership::ActiveModel = existing.into();
        active.role = Set(role.as_str().to_owned());
        active.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "member.role_change",
            AuditTarget::new("user", user_id, member_label(&txn, user_id).await?),
            json!({ "from": previous, "to": role.as_str() }),
        )
        .await?;
        txn.commit().await?;
        self.verification.forget_owner(user_id);
        Ok(())
    }

    /// Removes a member; their personal tokens in the project stop working at once.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, user_id = %user_id))]
    pub async fn remove_member(
        &self,
        actor: &Actor,
        project_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), AppError> {
        require_role(&self.db, actor, project_id, Role::Owner).await?;
        let txn = self.db.begin().await?;
        lock_project(&txn, project_id).await?;
        let existing = membership::Entity::find_by_id((project_id, user_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if existing.role == Role::Owner.as_str() {
            ensure_another_owner(&txn, project_id).await?;
        }
        let role = existing.role.clone();
        existing.delete(&txn).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "member.remove",
            AuditTarget::new("user", user_id, member_label(&txn, user_id).await?),
            json!({ "role": role }),
        )
        .await?;
        txn.commit().await?;
        self.verification.forget_owner(user_id);
        Ok(())
    }

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
        require_role(&self.db, actor, project_id, Role::Admin).await?;
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
        txn.commit().await?;
        // Full-access and read-only grants now cover one more content type.
        self.verification.forget_project(project_id);
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
        require_role(&self.db, actor, project_id, Role::Admin).await?;
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
        txn.commit().await?;
        self.verification.forget_project(project_id);
        Ok(())
    }
}

pub(crate) async fn load_content_types(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<ContentType>, DbErr> {
    Ok(content_type::Entity::find()
        .filter(content_type::Column::ProjectId.eq(project_id))
        .order_by_desc(content_type::Column::BuiltIn)
        .order_by_asc(content_type::Column::Uid)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|model| {
            Some(ContentType {
                id: model.id,
                uid: ContentTypeUid::parse(&model.uid).ok()?,
                display_name: model.display_name,
                built_in: model.built_in,
            })
        })
        .collect())
}

/// Serialises changes to one project's tokens and members. As the first statement of a
/// transaction it takes the row lock on PostgreSQL and MySQL and the write lock on SQLite
/// (where a transaction that read first could not upgrade to a writer once another had
/// committed), so checks made after it (name taken? cap reached? last owner?) stay true
/// until commit.
pub(crate) async fn lock_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<project::Model, AppError> {
    let now = Utc::now().naive_utc();
    let updated = project::Entity::update_many()
        .col_expr(
            project::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(project::Column::Id.eq(project_id))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    project::Entity::find_by_id(project_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn insert_content_type(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    uid: &ContentTypeUid,
    display_name: &str,
    built_in: bool,
) -> Result<content_type::Model, DbErr> {
    content_type::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        uid: Set(uid.as_str().to_owned()),
        display_name: Set(display_name.to_owned()),
        built_in: Set(built_in),
        created_at: Set(Utc::now().naive_utc()),
    }
    .insert(conn)
    .await
}

async fn insert_membership(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Uuid,
    user: &user::Model,
    role: Role,
) -> Result<(), AppError> {
    membership::ActiveModel {
        project_id: Set(project_id),
        user_id: Set(user.id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now().naive_utc()),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        Some(project_id),
        "member.add",
        AuditTarget::new("user", user.id, &user.email),
        json!({ "role": role.as_str() }),
    )
    .await?;
    Ok(())
}

async fn ensure_another_owner(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<(), AppError> {
    let owners = membership::Entity::find()
        .filter(membership::Column::ProjectId.eq(project_id))
        .filter(membership::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await?;
    if owners <= 1 {
        return Err(AppError::conflict(
            "role",
            "A project needs at least one owner: make someone else owner first.",
        ));
    }
    Ok(())
}

async fn member_label(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<String, AppError> {
    Ok(user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .map_or_else(|| user_id.to_string(), |u| u.email))
}
