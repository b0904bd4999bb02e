//! Projects and what belongs to each: members with their roles, and content types (the rows
//! of the permission matrix). `service` creates and reads projects, `members` and
//! `content_types` change what belongs to one, `store` holds the shared statements.

mod content_types;
mod members;
mod service;
mod store;

pub use service::Projects;
pub use store::{load_content_types, lock_project};

use crate::domain::{ContentTypeUid, Email, Plan, ProjectName, ProjectSlug, Role, RoutePrefix};
use crate::entities::project;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    /// This project's own cap of active tokens on `professional`, if set.
    pub token_cap: Option<u32>,
    /// Where the content types live in the paths of the service forward auth guards.
    pub route_prefix: Option<RoutePrefix>,
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
            route_prefix: model
                .route_prefix
                .as_deref()
                .map(RoutePrefix::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("project {} has a bad route prefix: {e}", model.id))?,
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
