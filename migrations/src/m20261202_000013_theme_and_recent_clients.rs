use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000005_create_api_tokens::ApiTokens;
use crate::m20261122_000007_create_audit_events::AuditEvents;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

const FOLDED_NAME_INDEX: &str = "idx_api_tokens_live_name_folded";
const TARGET_HISTORY_INDEX: &str = "idx_audit_events_project_target";

/// Fills the folded name of the tokens that exist (lower-cased as the application does it:
/// SQLite's `LOWER` folds ASCII only).
async fn fold_existing_names(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let select = Query::select()
        .columns([ApiTokens::Id, ApiTokens::Name])
        .from(ApiTokens::Table)
        .to_owned();
    for row in db.query_all(&select).await? {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let name: String = row.try_get("", "name")?;
        let update = Query::update()
            .table(ApiTokens::Table)
            .value(Added::NameSort, name.to_lowercase())
            .and_where(Expr::col(ApiTokens::Id).eq(id))
            .to_owned();
        db.execute(&update).await?;
    }
    Ok(())
}

/// A user's colour theme on the dashboard ("system", "light" or "dark"); the last few
/// distinct clients (address and user agent, as a JSON array) that used each token; and each
/// token's name folded to lower case, indexed for the live list, so that sorting by name puts
/// `alpha` beside `Alpha` on every backend (their collations differ) and still reads a page
/// from the index. And an index for one object's history (a token's page shows its own).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Added::Theme)
                            .string_len(8)
                            .not_null()
                            .default("system"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(ColumnDef::new(Added::RecentClients).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(ColumnDef::new(Added::NameSort).string_len(200).null())
                    .to_owned(),
            )
            .await?;
        fold_existing_names(manager).await?;
        manager
            .create_index(
                Index::create()
                    .name(FOLDED_NAME_INDEX)
                    .table(ApiTokens::Table)
                    .col(ApiTokens::ProjectId)
                    .col(ApiTokens::RevokedAt)
                    .col(Added::NameSort)
                    .col(ApiTokens::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(TARGET_HISTORY_INDEX)
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ProjectId)
                    .col(AuditEvents::TargetId)
                    .col(AuditEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(TARGET_HISTORY_INDEX)
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(FOLDED_NAME_INDEX)
                    .table(ApiTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(Added::NameSort)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(Added::RecentClients)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Added::Theme)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    Theme,
    RecentClients,
    NameSort,
}
