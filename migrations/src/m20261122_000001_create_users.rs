use crate::columns::{flag, instant_not_null, instant_null, string_not_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    // Stored lower-cased, so a plain unique index makes it case-insensitive.
                    .col(string_not_null(Users::Email, 254).unique_key())
                    .col(string_not_null(Users::DisplayName, 100))
                    .col(string_not_null(Users::PasswordHash, 255))
                    .col(flag(Users::IsSuperAdmin))
                    .col(flag(Users::Disabled))
                    .col(instant_not_null(manager, Users::CreatedAt))
                    .col(instant_null(manager, Users::LastLoginAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    IsSuperAdmin,
    Disabled,
    CreatedAt,
    LastLoginAt,
}
