use crate::columns::{instant_not_null, string_not_null, string_null, uuid_null};
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
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(uuid_null(AuditEvents::ProjectId))
                    .col(string_not_null(AuditEvents::ActorKind, 16))
                    // No foreign key on the actor: the trail must outlive the user or token.
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_not_null(AuditEvents::ActorLabel, 254))
                    .col(string_not_null(AuditEvents::Action, 64))
                    .col(string_not_null(AuditEvents::TargetKind, 32))
                    .col(string_null(AuditEvents::TargetId, 64))
                    .col(string_not_null(AuditEvents::TargetLabel, 254))
                    .col(ColumnDef::new(AuditEvents::Details).text().not_null())
                    .col(string_null(AuditEvents::ClientIp, 45))
                    .col(instant_not_null(manager, AuditEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_project")
                            .from(AuditEvents::Table, AuditEvents::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_project_created")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ProjectId)
                    .col(AuditEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum AuditEvents {
    Table,
    Id,
    ProjectId,
    ActorKind,
    ActorId,
    ActorLabel,
    Action,
    TargetKind,
    TargetId,
    TargetLabel,
    Details,
    ClientIp,
    CreatedAt,
}
