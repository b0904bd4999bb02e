use crate::columns::{instant_null, string_null};
use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000008_create_sessions::Sessions;
use sea_orm_migration::prelude::*;

/// A per-user credentials generation, which login access tokens and sessions carry and which
/// a password change, disabling, "sign out everywhere" or a change of project standing bumps;
/// and what a user's list of sessions shows (when, from where, on what), plus the absolute
/// end of a session however active it is.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// One column per statement: SQLite alters one column at a time.
fn session_columns(manager: &SchemaManager) -> Vec<ColumnDef> {
    vec![
        string_null(SessionDetails::Handle, 32),
        instant_null(manager, SessionDetails::CreatedAt),
        instant_null(manager, SessionDetails::LastSeenAt),
        instant_null(manager, SessionDetails::AbsoluteExpiresAt),
        string_null(SessionDetails::ClientIp, 64),
        string_null(SessionDetails::UserAgent, 200),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(UserDetails::CredentialsGeneration)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        for mut column in session_columns(manager) {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            SessionDetails::Handle,
            SessionDetails::CreatedAt,
            SessionDetails::LastSeenAt,
            SessionDetails::AbsoluteExpiresAt,
            SessionDetails::ClientIp,
            SessionDetails::UserAgent,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UserDetails::CredentialsGeneration)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum UserDetails {
    CredentialsGeneration,
}

#[derive(DeriveIden, Clone, Copy)]
enum SessionDetails {
    Handle,
    CreatedAt,
    LastSeenAt,
    AbsoluteExpiresAt,
    ClientIp,
    UserAgent,
}
