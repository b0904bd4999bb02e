use crate::m20261122_000002_create_projects::Projects;
use sea_orm_migration::prelude::*;

/// Where a project's content types live in the paths of the service behind a reverse proxy
/// (`/api`): forward auth maps a request's method and path beneath it to a permission. Null
/// until an admin sets it; forward auth then maps nothing and needs an explicit permission.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .add_column(ColumnDef::new(Added::RoutePrefix).string_len(100).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .drop_column(Added::RoutePrefix)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    RoutePrefix,
}
