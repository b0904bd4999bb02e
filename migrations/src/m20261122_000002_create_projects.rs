use crate::columns::{instant_not_null, string_not_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(ColumnDef::new(Projects::Id).uuid().not_null().primary_key())
                    .col(string_not_null(Projects::Name, 100))
                    .col(string_not_null(Projects::Slug, 64).unique_key())
                    .col(string_not_null(Projects::Plan, 32))
                    // Active-token cap of a `professional` project; NULL means the instance default.
                    .col(ColumnDef::new(Projects::TokenCap).integer().null())
                    .col(instant_not_null(manager, Projects::CreatedAt))
                    .col(instant_not_null(manager, Projects::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Projects::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Projects {
    Table,
    Id,
    Name,
    Slug,
    Plan,
    TokenCap,
    CreatedAt,
    UpdatedAt,
}
