use sea_orm::entity::prelude::*;

/// Changes that affect verification, numbered by the database (`crate::change_feed`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "verification_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub sequence: i64,
    /// `Invalidation::encode_all` of the changes.
    pub changes: String,
    pub recorded_at: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
