use crate::columns::{string_not_null, uuid_not_null};
use crate::m20261122_000004_create_content_types::ContentTypes;
use crate::m20261122_000005_create_api_tokens::ApiTokens;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TokenPermissions::Table)
                    .col(uuid_not_null(TokenPermissions::TokenId))
                    .col(uuid_not_null(TokenPermissions::ContentTypeId))
                    .col(string_not_null(TokenPermissions::Action, 16))
                    .primary_key(
                        Index::create()
                            .col(TokenPermissions::TokenId)
                            .col(TokenPermissions::ContentTypeId)
                            .col(TokenPermissions::Action),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_token_permissions_token")
                            .from(TokenPermissions::Table, TokenPermissions::TokenId)
                            .to(ApiTokens::Table, ApiTokens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // Removing a content type removes every grant on it.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_token_permissions_content_type")
                            .from(TokenPermissions::Table, TokenPermissions::ContentTypeId)
                            .to(ContentTypes::Table, ContentTypes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_token_permissions_content_type")
                    .table(TokenPermissions::Table)
                    .col(TokenPermissions::ContentTypeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TokenPermissions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum TokenPermissions {
    Table,
    TokenId,
    ContentTypeId,
    Action,
}
