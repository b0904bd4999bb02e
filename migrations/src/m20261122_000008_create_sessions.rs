use crate::columns::{instant_not_null, string_not_null, uuid_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // SHA-256 of the session key: a copy of this table opens no session.
                    .col(string_not_null(Sessions::Id, 64).primary_key())
                    // Copied out of the state so that every session of a user can be ended.
                    .col(uuid_null(Sessions::UserId))
                    .col(ColumnDef::new(Sessions::State).text().not_null())
                    .col(instant_not_null(manager, Sessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_sessions_user", Sessions::UserId),
            ("idx_sessions_expires", Sessions::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Sessions::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Sessions {
    Table,
    Id,
    UserId,
    State,
    ExpiresAt,
}
