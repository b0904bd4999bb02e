use crate::columns::{flag, instant_not_null, string_not_null, uuid_not_null};
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
                    .table(ContentTypes::Table)
                    .col(
                        ColumnDef::new(ContentTypes::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(uuid_not_null(ContentTypes::ProjectId))
                    .col(string_not_null(ContentTypes::Uid, 64))
                    .col(string_not_null(ContentTypes::DisplayName, 100))
                    .col(flag(ContentTypes::BuiltIn))
                    .col(instant_not_null(manager, ContentTypes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_content_types_project")
                            .from(ContentTypes::Table, ContentTypes::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_content_types_project_uid")
                    .table(ContentTypes::Table)
                    .col(ContentTypes::ProjectId)
                    .col(ContentTypes::Uid)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentTypes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ContentTypes {
    Table,
    Id,
    ProjectId,
    Uid,
    DisplayName,
    BuiltIn,
    CreatedAt,
}
