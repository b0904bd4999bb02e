use crate::columns::{
    instant_not_null, instant_null, string_not_null, string_null, uuid_not_null, uuid_null,
};
use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000002_create_projects::Projects;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(
                        ColumnDef::new(ApiTokens::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(uuid_not_null(ApiTokens::ProjectId))
                    .col(string_not_null(ApiTokens::Name, 100))
                    // The lower-cased name while the token is live, NULL once revoked. A unique
                    // index over (project, live name) then means "unique among live tokens" on
                    // every backend: NULLs never collide, and MySQL has no partial indexes.
                    .col(string_null(ApiTokens::LiveNameKey, 100))
                    .col(string_not_null(ApiTokens::Description, 500).default(""))
                    .col(string_not_null(ApiTokens::Kind, 16))
                    .col(string_not_null(ApiTokens::TokenType, 16))
                    .col(uuid_null(ApiTokens::OwnerId))
                    .col(string_not_null(ApiTokens::Duration, 16))
                    .col(
                        ColumnDef::new(ApiTokens::LifetimeSeconds)
                            .big_integer()
                            .null(),
                    )
                    .col(instant_null(manager, ApiTokens::ExpiresAt))
                    .col(string_not_null(ApiTokens::SecretHash, 64).unique_key())
                    .col(string_not_null(ApiTokens::HashKeyId, 16))
                    .col(string_not_null(ApiTokens::DisplayHint, 16))
                    .col(uuid_null(ApiTokens::CreatedByUserId))
                    // A soft reference: tokens are never hard-deleted except with their project,
                    // and a self-referencing foreign key would make that cascade fail on MySQL.
                    .col(uuid_null(ApiTokens::CreatedByTokenId))
                    .col(instant_not_null(manager, ApiTokens::CreatedAt))
                    .col(instant_not_null(manager, ApiTokens::UpdatedAt))
                    .col(instant_null(manager, ApiTokens::LastUsedAt))
                    .col(instant_null(manager, ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_project")
                            .from(ApiTokens::Table, ApiTokens::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_owner")
                            .from(ApiTokens::Table, ApiTokens::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_created_by_user")
                            .from(ApiTokens::Table, ApiTokens::CreatedByUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        let indexes = [
            (
                "uq_api_tokens_project_live_name",
                vec![ApiTokens::ProjectId, ApiTokens::LiveNameKey],
                true,
            ),
            (
                "idx_api_tokens_project_created",
                vec![ApiTokens::ProjectId, ApiTokens::CreatedAt],
                false,
            ),
            (
                "idx_api_tokens_project_name",
                vec![ApiTokens::ProjectId, ApiTokens::Name],
                false,
            ),
            (
                "idx_api_tokens_project_last_used",
                vec![ApiTokens::ProjectId, ApiTokens::LastUsedAt],
                false,
            ),
            ("idx_api_tokens_owner", vec![ApiTokens::OwnerId], false),
        ];
        for (name, columns, unique) in indexes {
            let mut index = Index::create();
            index.name(name).table(ApiTokens::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum ApiTokens {
    Table,
    Id,
    ProjectId,
    Name,
    LiveNameKey,
    Description,
    Kind,
    TokenType,
    OwnerId,
    Duration,
    LifetimeSeconds,
    ExpiresAt,
    SecretHash,
    HashKeyId,
    DisplayHint,
    CreatedByUserId,
    CreatedByTokenId,
    CreatedAt,
    UpdatedAt,
    LastUsedAt,
    RevokedAt,
}
