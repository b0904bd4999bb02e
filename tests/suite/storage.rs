//! What reaches the database: never a token in clear.

use crate::helpers::*;
use latchkey::domain::{Plan, Role};
use latchkey::entities::{api_token, audit_event};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

/// Moves a token's expiry into the past, as time passing would.
pub async fn expire(app: &TestApp, token_id: Uuid) {
    expires_in(app, token_id, chrono::Duration::seconds(-5)).await;
}

/// Moves a token's expiry to `from_now` from now, as time passing would.
pub async fn expires_in(app: &TestApp, token_id: Uuid, from_now: chrono::Duration) {
    let model = api_token::Entity::find_by_id(token_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: api_token::ActiveModel = model.into();
    active.expires_at = Set(Some((chrono::Utc::now() + from_now).naive_utc()));
    active.update(&app.db).await.unwrap();
}

backend_tests! {
    async fn the_database_never_holds_a_token_in_clear(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let mut current = Vec::new();
        let mut superseded = Vec::new();
        for i in 0..5 {
            let issued = app.issue(&admin, &project, token(&format!("Token {i}"))).await;
            let regenerated = app.services.tokens.regenerate(&admin, project.id, issued.token.id).await.unwrap();
            let refreshed = app.services.tokens.refresh(regenerated.secret.expose_secret(), None).await.unwrap();
            superseded.push(issued.secret.expose_secret().to_owned());
            superseded.push(regenerated.secret.expose_secret().to_owned());
            current.push(refreshed.secret.expose_secret().to_owned());
        }

        // Every row of the tables that touch tokens, as text.
        let tokens = api_token::Entity::find().all(&app.db).await.unwrap();
        let audit = audit_event::Entity::find().all(&app.db).await.unwrap();
        let rows = format!("{tokens:?}{audit:?}");
        for secret in current.iter().chain(&superseded) {
            // The random body alone, in case a prefix-less copy were stored.
            assert!(!rows.contains(&secret[3..46]), "a token is stored in clear");
        }
        // What is stored is the keyed hash of the current secret, and nothing of older ones.
        let hasher = latchkey::tokens::TokenHasher::new(&app.settings.keys.current().derive("token-hash"));
        let hash_of = |secret: &str| hasher.hash(&latchkey::tokens::TokenSecret::parse(secret).unwrap()).hex;
        for secret in &current {
            assert!(tokens.iter().any(|t| t.secret_hash == hash_of(secret)));
        }
        for secret in &superseded {
            assert!(!rows.contains(&hash_of(secret)));
        }
        assert!(tokens.iter().all(|t| t.secret_hash.len() == 64 && t.hash_key_id.len() == 8));

        // On SQLite, the raw bytes of the database file and its write-ahead log too.
        if let Some(file) = &app.sqlite_file {
            let mut bytes = std::fs::read(file).unwrap();
            for suffix in ["-wal", "-shm"] {
                if let Ok(extra) = std::fs::read(format!("{}{suffix}", file.display())) {
                    bytes.extend(extra);
                }
            }
            let stored_hash = hash_of(&current[0]);
            assert!(
                bytes.windows(64).any(|w| w == stored_hash.as_bytes()),
                "the raw read did not find the stored hash, so it would not find a secret either"
            );
            for secret in current.iter().chain(&superseded) {
                let body = &secret.as_bytes()[3..46];
                assert!(!bytes.windows(body.len()).any(|w| w == body), "the database file holds a token in clear");
            }
        }
    }
}

/// The data folder, the database with its WAL and shared-memory files, and the secret key
/// are the server user's alone: they hold password hashes, sessions and the key.
#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_its_files_are_private_to_the_server_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let settings = latchkey::config::Settings::resolve(
        latchkey::config::FileSettings {
            data_dir: Some(data.clone()),
            ..Default::default()
        },
        |_| None,
    )
    .unwrap();
    let services = latchkey::services::Services::connect_and_migrate(&settings)
        .await
        .unwrap();
    services.ready().await.unwrap();

    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder");
    let mut files: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("secret.key"))
            && files.iter().any(|f| f.to_string_lossy().ends_with(".db")),
        "{files:?}"
    );
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
}

/// An acknowledged change (a revocation above all) survives a power loss: SQLite syncs the
/// WAL at every commit.
#[tokio::test]
async fn sqlite_syncs_every_commit_in_wal_mode() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let pragma = |name: &'static str| {
        let db = app.db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    format!("PRAGMA {name}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .unwrap_or_else(|_| row.try_get_by_index::<i64>(0).unwrap().to_string())
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("synchronous").await, "2", "2 is FULL");
}
