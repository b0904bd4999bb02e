use crate::m20261122_000005_create_api_tokens::ApiTokens;
use sea_orm_migration::prelude::*;

/// Serves the token lists that hide revoked tokens (the dashboard's and the API's default)
/// from the index alone: `revoked_at IS NULL` is an equality on the second column, so the
/// sort column and the id that breaks its ties come out of the index already in order, a
/// page reads only its own rows, and the count never touches the table. The first three
/// indexes of `create_api_tokens` still serve the lists that include revoked tokens.
#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, ApiTokens); 4] = [
    ("idx_api_tokens_live_created", ApiTokens::CreatedAt),
    ("idx_api_tokens_live_name", ApiTokens::Name),
    ("idx_api_tokens_live_last_used", ApiTokens::LastUsedAt),
    // Counts the tokens that count against a plan's cap (not revoked, not expired).
    ("idx_api_tokens_live_expires", ApiTokens::ExpiresAt),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, sort_column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ApiTokens::Table)
                        .col(ApiTokens::ProjectId)
                        .col(ApiTokens::RevokedAt)
                        .col(sort_column)
                        .col(ApiTokens::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(ApiTokens::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
