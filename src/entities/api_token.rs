use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    /// Lower-cased name while live, NULL once revoked (see the migration).
    pub live_name_key: Option<String>,
    pub description: String,
    pub kind: String,
    pub token_type: String,
    pub owner_id: Option<Uuid>,
    pub duration: String,
    pub lifetime_seconds: Option<i64>,
    pub expires_at: Option<DateTime>,
    pub secret_hash: String,
    pub hash_key_id: String,
    pub display_hint: String,
    pub created_by_user_id: Option<Uuid>,
    pub created_by_token_id: Option<Uuid>,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    pub last_used_at: Option<DateTime>,
    pub revoked_at: Option<DateTime>,
    /// The last few distinct clients that used the token, newest first, as a JSON array
    /// (see `tokens::recent_clients`); written by the batched last-used recorder.
    pub recent_clients: Option<String>,
    /// The name in lower case, for sorting by name (see `TokenName::sort_key`).
    pub name_sort: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
    #[sea_orm(has_many = "super::token_permission::Entity")]
    TokenPermission,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::token_permission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TokenPermission.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
