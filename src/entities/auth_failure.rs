use sea_orm::entity::prelude::*;

/// One failed sign-in or setup code, counted by every instance (`crate::throttle::shared`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scope: String,
    /// SHA-256 (hex) of the key the limit counts by, never the key itself.
    pub key_digest: String,
    pub failed_at: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
