use crate::columns::{instant_not_null, string_not_null, uuid_not_null};
use sea_orm_migration::prelude::*;

const KEY_INDEX: &str = "idx_auth_failures_key";
const AGE_INDEX: &str = "idx_auth_failures_failed_at";

/// Failed sign-ins and setup codes, one row each, counted by every instance alike: counts
/// kept in each process let an attacker who reaches N instances try N times the limit.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthFailures::Table)
                    .col(uuid_not_null(AuthFailures::Id).primary_key())
                    // Which limit counts it: sign_in_account, sign_in_address or setup.
                    .col(string_not_null(AuthFailures::Scope, 16))
                    // SHA-256 (hex) of the account as typed or of the address: what someone
                    // typed into the email field may be their password.
                    .col(string_not_null(AuthFailures::KeyDigest, 64))
                    .col(instant_not_null(manager, AuthFailures::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(KEY_INDEX)
                    .table(AuthFailures::Table)
                    .col(AuthFailures::Scope)
                    .col(AuthFailures::KeyDigest)
                    .col(AuthFailures::FailedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(AGE_INDEX)
                    .table(AuthFailures::Table)
                    .col(AuthFailures::FailedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthFailures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthFailures {
    Table,
    Id,
    Scope,
    KeyDigest,
    FailedAt,
}
