use crate::m20261122_000005_create_api_tokens::ApiTokens;
use sea_orm_migration::prelude::*;

/// Serves the once-a-second query for secrets changed by other instances.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_updated_at")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_api_tokens_updated_at")
                    .table(ApiTokens::Table)
                    .to_owned(),
            )
            .await
    }
}
