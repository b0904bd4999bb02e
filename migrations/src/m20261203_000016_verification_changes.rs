use crate::columns::instant_not_null;
use sea_orm_migration::prelude::*;

const AGE_INDEX: &str = "idx_verification_changes_recorded_at";

/// Every change that affects verification, numbered by the database in the transaction that
/// makes it. Instances that poll read what follows the last number they saw: a number comes
/// from the database, not from a writer's clock, so neither clock skew nor a commit delayed
/// by a lock can hide a change from them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite numbers rows only through an INTEGER PRIMARY KEY.
        let mut sequence = ColumnDef::new(VerificationChanges::Sequence);
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            sequence.integer();
        } else {
            sequence.big_integer();
        }
        manager
            .create_table(
                Table::create()
                    .table(VerificationChanges::Table)
                    .col(sequence.not_null().auto_increment().primary_key())
                    // The changes, encoded as the change feed carries them.
                    .col(
                        ColumnDef::new(VerificationChanges::Changes)
                            .text()
                            .not_null(),
                    )
                    .col(instant_not_null(manager, VerificationChanges::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(AGE_INDEX)
                    .table(VerificationChanges::Table)
                    .col(VerificationChanges::RecordedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VerificationChanges::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum VerificationChanges {
    Table,
    Sequence,
    Changes,
    RecordedAt,
}
