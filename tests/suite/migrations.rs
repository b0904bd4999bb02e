//! The schema goes down and comes back up on every backend.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan};
use migration::{Migrator, MigratorTrait};

backend_tests! {
    async fn migrations_roll_back_completely_and_reapply(app) {
        let applied = Migrator::get_applied_migrations(&app.db).await.unwrap().len();
        assert_eq!(applied, Migrator::migrations().len());

        Migrator::down(&app.db, None).await.unwrap();
        assert_eq!(Migrator::get_applied_migrations(&app.db).await.unwrap().len(), 0);
        assert!(app.services.projects.list_all().await.is_err(), "tables should be gone");

        Migrator::up(&app.db, None).await.unwrap();
        let project = app.project("acme", Plan::Professional).await;
        app.issue(&Actor::system(), &project, token("After reapply")).await;
    }
}

backend_tests! {
    /// Tokens named before look-alikes counted as one name keep working after the upgrade;
    /// a new name that reads like a live one is then refused.
    async fn token_names_are_re_keyed_by_how_they_read(app) {
        use latchkey::entities::api_token;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let project = app.project("acme", Plan::Professional).await;
        let plain = app.issue(&Actor::system(), &project, token("Deploy")).await.token.id;
        let other = app.issue(&Actor::system(), &project, token("Release")).await.token.id;
        let look_alike = app.issue(&Actor::system(), &project, token("Release 2")).await.token.id;
        // Back before the re-keying (and the migration after it): then a Cyrillic look-alike
        // was a name of its own.
        Migrator::down(&app.db, Some(2)).await.unwrap();
        api_token::Entity::update_many()
            .col_expr(api_token::Column::Name, Expr::value("D\u{435}ploy"))
            .col_expr(api_token::Column::LiveNameKey, Expr::value("d\u{435}ploy"))
            .filter(api_token::Column::Id.eq(look_alike))
            .exec(&app.db)
            .await
            .unwrap();

        Migrator::up(&app.db, None).await.unwrap();

        let keys = |id| {
            let db = app.db.clone();
            async move { api_token::Entity::find_by_id(id).one(&db).await.unwrap().unwrap().live_name_key.unwrap() }
        };
        let plain_key = keys(plain).await;
        assert_eq!(plain_key, latchkey::domain::TokenName::parse("Deploy").unwrap().uniqueness_key());
        assert_ne!(keys(look_alike).await, plain_key, "the later look-alike keeps a key of its own");
        assert_eq!(keys(other).await, latchkey::domain::TokenName::parse("release").unwrap().uniqueness_key());
        let refused = app.create(&Actor::system(), &project, token("DEPL\u{39f}Y")).await;
        assert!(matches!(refused, Err(latchkey::error::AppError::Conflict { .. })), "{refused:?}");
        assert_eq!(api_token::Entity::find().filter(api_token::Column::ProjectId.eq(project.id)).all(&app.db).await.unwrap().len(), 3);
    }
}

/// Instances started at the same moment on an empty server database all come up, and the
/// schema is migrated once: by whichever takes the migration lock, while the others wait.
async fn instances_starting_together_migrate_once(backend: Backend) {
    use crate::process::{Server, free_port, latchkey};
    use sea_orm::{ConnectionTrait, Database};
    use std::time::{Duration, Instant};
    let Some(url) = fresh_database(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    for n in 0..3 {
        let port = free_port();
        let log = std::fs::File::create(dir.path().join(format!("{n}.log"))).unwrap();
        let child = latchkey(dir.path())
            .arg("serve")
            .env("LATCHKEY_DATABASE_URL", &url)
            .env(
                "LATCHKEY_SECRET_KEY",
                "one key for every instance of this test",
            )
            .env("LATCHKEY_BIND", format!("127.0.0.1:{port}"))
            .env("LATCHKEY_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        servers.push((Server(child), port));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for (n, (server, port)) in servers.iter_mut().enumerate() {
        loop {
            if let Ok(response) =
                crate::helpers::http_get(format!("http://127.0.0.1:{port}/readyz")).await
                && response.status() == 200
            {
                break;
            }
            let log = std::fs::read_to_string(dir.path().join(format!("{n}.log"))).unwrap();
            assert!(
                server.0.try_wait().unwrap().is_none(),
                "instance {n} exited:\n{log}"
            );
            assert!(
                Instant::now() < deadline,
                "instance {n} never became ready:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let logs: Vec<String> = (0..3)
        .map(|n| std::fs::read_to_string(dir.path().join(format!("{n}.log"))).unwrap())
        .collect();
    let applied: Vec<usize> = logs
        .iter()
        .map(|log| {
            log.lines()
                .filter(|line| line.contains("schema migrated"))
                .filter_map(|line| {
                    let count = line.split("applied=").nth(1)?;
                    count
                        .split(|c: char| !c.is_ascii_digit())
                        .next()?
                        .parse::<usize>()
                        .ok()
                })
                .sum()
        })
        .collect();
    assert_eq!(
        applied.iter().sum::<usize>(),
        Migrator::migrations().len(),
        "every migration applied once in all: {applied:?}\n{}",
        logs.join("\n---\n")
    );
    assert_eq!(
        applied.iter().filter(|n| **n > 0).count(),
        1,
        "one instance migrated: {applied:?}"
    );
    let waits = logs
        .iter()
        .filter(|log| log.contains("waited=true"))
        .count();
    println!(
        "{backend:?}: migrations applied per instance {applied:?}, {waits} waited for the lock"
    );
    let db = Database::connect(url.as_str()).await.unwrap();
    let rows = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(rows as usize, Migrator::migrations().len());
}

/// Named `…::postgres` and `…::mysql`, as the backend suites select them.
mod instances_starting_together_migrate_once {
    use super::*;

    #[tokio::test]
    async fn postgres() {
        instances_starting_together_migrate_once(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn mysql() {
        instances_starting_together_migrate_once(Backend::Mysql).await;
    }
}

/// PostgreSQL's token search is served by trigram indexes (the migration creates them where
/// `pg_trgm` is available, as it is on the suite's server).
#[tokio::test]
async fn postgres_token_search_has_trigram_indexes() {
    use sea_orm::{ConnectionTrait, Statement};
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let indexes = app
        .db
        .query_all_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'api_tokens' AND indexdef LIKE '%gin_trgm_ops%'",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(
        indexes,
        ["idx_api_tokens_hint_trigram", "idx_api_tokens_name_trigram"]
            .map(str::to_owned)
            .into()
    );
}
