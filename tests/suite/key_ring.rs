//! Rotating the server key: a token hashed under the old key keeps verifying once a new key
//! is current, and stops when the old key is retired; new tokens use the new key; dashboard
//! sessions survive the promotion; `latchkey keys` changes the ring in the data folder.

use crate::dashboard::Dashboard;
use crate::helpers::*;
use crate::process::*;
use latchkey::config::{FileSettings, KeyRing, Settings};
use latchkey::domain::{Actor, Plan, Role};
use latchkey::entities::api_token;
use latchkey::startup::Application;
use sea_orm::EntityTrait;

const OLD: &str = "old-key-0123456789abcdef0123456789abcdef";
const NEW: &str = "new-key-fedcba9876543210fedcba9876543210";

/// The ring `LATCHKEY_SECRET_KEYS=keys` makes, current first.
fn ring(keys: &[&str]) -> KeyRing {
    let dir = tempfile::tempdir().unwrap();
    let file = FileSettings {
        data_dir: Some(dir.path().to_owned()),
        ..FileSettings::default()
    };
    let joined = keys.join(",");
    Settings::resolve(file, |name| {
        (name == "LATCHKEY_SECRET_KEYS").then(|| joined.clone())
    })
    .unwrap()
    .keys
}

async fn key_id_stored_for(app: &TestApp, token: &latchkey::tokens::IssuedToken) -> String {
    api_token::Entity::find_by_id(token.token.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .hash_key_id
}

backend_tests! {
    async fn tokens_of_the_old_key_verify_until_it_is_retired(app) {
        let mut app = app;
        app.reconfigure(|settings| settings.keys = ring(&[OLD]));
        let project = app.project("acme", Plan::Professional).await;
        let old = app.issue(&Actor::system(), &project, token("Made under the old key")).await;
        let old_id = ring(&[OLD]).current().id();
        assert_eq!(key_id_stored_for(&app, &old).await, old_id);

        // The new key is current, the old one still accepted.
        app.reconfigure(|settings| settings.keys = ring(&[NEW, OLD]));
        app.services.tokens.digests().load_all().await.unwrap();
        let verified = app.services.tokens.verify(old.secret.expose_secret(), None).await.unwrap();
        assert_eq!(verified.id, old.token.id);
        let new = app.issue(&Actor::system(), &project, token("Made under the new key")).await;
        assert_eq!(key_id_stored_for(&app, &new).await, ring(&[NEW]).current().id());
        assert!(app.services.tokens.verify(new.secret.expose_secret(), None).await.is_ok());

        // Regenerating moves a token to the current key.
        let regenerated = app
            .services
            .tokens
            .regenerate(&Actor::system(), project.id, old.token.id)
            .await
            .unwrap();
        assert_eq!(key_id_stored_for(&app, &regenerated).await, ring(&[NEW]).current().id());

        // The old key retired: what it made is unknown; the rest verifies.
        let other_old = {
            app.reconfigure(|settings| settings.keys = ring(&[OLD]));
            app.issue(&Actor::system(), &project, token("Another under the old key")).await
        };
        app.reconfigure(|settings| settings.keys = ring(&[NEW]));
        app.services.tokens.digests().load_all().await.unwrap();
        assert!(matches!(
            app.services.tokens.verify(other_old.secret.expose_secret(), None).await,
            Err(latchkey::tokens::VerifyError::Unknown)
        ));
        assert!(app.services.tokens.verify(new.secret.expose_secret(), None).await.is_ok());
        assert!(app.services.tokens.verify(regenerated.secret.expose_secret(), None).await.is_ok());
    }
}

/// A browser signed in under the old key is still signed in after a restart with the new
/// key current, and its cookie is sealed again under the new key on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_sessions_survive_a_promotion() {
    let mut app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.reconfigure(|settings| settings.keys = ring(&[OLD]));
    let dashboard = Dashboard::start(app).await;
    let project = dashboard.project("acme", Plan::Professional).await;
    let browser = dashboard
        .member(&project, "ada@example.com", Role::Admin)
        .await;
    assert_eq!(browser.get("/account").await.status, 200);

    let restart = |keys: &[&str]| {
        let mut settings = dashboard.app.settings.clone();
        settings.keys = ring(keys);
        let services = latchkey::services::Services::new(dashboard.app.db.clone(), &settings);
        async move {
            let application = Application::build_with(settings, services).await.unwrap();
            let base = format!("http://127.0.0.1:{}", application.port());
            tokio::spawn(application.run_until_stopped());
            base
        }
    };

    let promoted = restart(&[NEW, OLD]).await;
    let page = browser.visiting(&promoted).get("/account").await;
    assert_eq!(page.status, 200);
    assert!(
        page.path().starts_with("/account"),
        "signed out by the promotion: {}",
        page.path()
    );
    // Resealed under the new key: it is still signed in once the old key is retired.
    let retired = restart(&[NEW]).await;
    let page = browser.visiting(&retired).get("/account").await;
    assert!(
        page.path().starts_with("/account"),
        "the cookie was not resealed: {}",
        page.path()
    );

    // A browser that never came back while both keys were accepted is signed out.
    let late = dashboard.signed_in("ada@example.com").await;
    let page = late.visiting(&retired).get("/account").await;
    assert!(page.path().starts_with("/login"), "{}", page.path());
}

#[test]
fn latchkey_keys_adds_promotes_and_retires_keys_in_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = latchkey(dir.path())
            .arg("keys")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            text(&output.stdout),
            text(&output.stderr),
        )
    };
    let ids = |listing: &str| -> Vec<(String, String)> {
        listing
            .lines()
            .skip(1)
            .map(|line| {
                let mut words = line.split_whitespace();
                (
                    words.next().unwrap().to_owned(),
                    words.next().unwrap().to_owned(),
                )
            })
            .collect()
    };

    let (ok, listing, err) = run(&["list"]);
    assert!(ok, "{err}");
    let first = ids(&listing);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].1, "current");

    let (ok, added, err) = run(&["add"]);
    assert!(ok, "{err}");
    let (_, listing, _) = run(&["list"]);
    let two = ids(&listing);
    assert_eq!(two.len(), 2, "{listing}");
    assert_eq!(two[0], first[0]);
    assert_eq!(two[1].1, "accepted");
    assert!(added.contains(&two[1].0), "{added}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/secret.keys"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let (ok, _, err) = run(&["retire", &first[0].0]);
    assert!(!ok && err.contains("current key"), "{err}");
    let (ok, _, err) = run(&["promote", &two[1].0]);
    assert!(ok, "{err}");
    let (_, listing, _) = run(&["list"]);
    let promoted = ids(&listing);
    assert_eq!(promoted[0], (two[1].0.clone(), "current".to_owned()));
    assert_eq!(promoted[1], (first[0].0.clone(), "accepted".to_owned()));

    let (ok, _, err) = run(&["retire", &first[0].0]);
    assert!(ok, "{err}");
    let (_, listing, _) = run(&["list"]);
    assert_eq!(
        ids(&listing),
        vec![(two[1].0.clone(), "current".to_owned())]
    );
    let (ok, _, err) = run(&["promote", "nosuchid"]);
    assert!(!ok && err.contains("no key with id"), "{err}");

    // A ring given in the environment is changed there, not here.
    let output = latchkey(dir.path())
        .env("LATCHKEY_SECRET_KEY", OLD)
        .args(["keys", "add"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("environment"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_server_database_without_a_configured_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = latchkey(dir.path())
        .env(
            "LATCHKEY_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none",
        )
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("no secret key"),
        "{}",
        text(&output.stderr)
    );
    assert!(!dir.path().join("data/secret.key").exists());
}
