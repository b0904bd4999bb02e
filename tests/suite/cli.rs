//! The `latchkey` binary: set-up commands and a server that starts with no configuration.

use crate::process::*;
use migration::{Migrator, MigratorTrait};

#[test]
fn create_admin_reads_the_password_from_stdin_and_create_project_makes_them_owner() {
    let dir = tempfile::tempdir().unwrap();
    let admin = run_with_stdin(
        latchkey(dir.path()).args([
            "create-admin",
            "--email",
            "Ada@Example.com",
            "--name",
            "Ada",
        ]),
        "correct horse battery staple\n",
    );
    assert!(admin.status.success(), "{}", text(&admin.stderr));
    assert!(text(&admin.stdout).contains("Created super admin ada@example.com"));
    assert!(!text(&admin.stdout).contains("correct horse"));

    let project = latchkey(dir.path())
        .args([
            "create-project",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--plan",
            "professional",
            "--owner",
            "ada@example.com",
        ])
        .output()
        .unwrap();
    assert!(project.status.success(), "{}", text(&project.stderr));
    assert!(text(&project.stdout).contains("Created project acme"));
    assert!(dir.path().join("data/latchkey.db").exists());

    let again = run_with_stdin(
        latchkey(dir.path()).args([
            "create-admin",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ]),
        "correct horse battery staple\n",
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn create_admin_refuses_a_short_password_and_a_bad_email() {
    let dir = tempfile::tempdir().unwrap();
    let short = run_with_stdin(
        latchkey(dir.path()).args(["create-admin", "--email", "a@example.com", "--name", "A"]),
        "short\n",
    );
    let no_password = run_with_stdin(
        latchkey(dir.path()).args(["create-admin", "--email", "a@example.com", "--name", "A"]),
        "",
    );
    let common = run_with_stdin(
        latchkey(dir.path()).args(["create-admin", "--email", "a@example.com", "--name", "A"]),
        "Password1234!\n",
    );
    assert_eq!(common.status.code(), Some(1));
    assert!(
        text(&common.stderr).contains("too easy to guess"),
        "{}",
        text(&common.stderr)
    );
    let bad_email = run_with_stdin(
        latchkey(dir.path()).args(["create-admin", "--email", "not-an-email", "--name", "A"]),
        "correct horse battery staple\n",
    );

    assert_eq!(short.status.code(), Some(1));
    assert!(
        text(&short.stderr).contains("at least 12 characters"),
        "{}",
        text(&short.stderr)
    );
    assert_eq!(no_password.status.code(), Some(1));
    assert!(
        text(&no_password.stderr).contains("no password"),
        "{}",
        text(&no_password.stderr)
    );
    assert_eq!(bad_email.status.code(), Some(1));
    assert!(
        text(&bad_email.stderr).contains("not a valid email"),
        "{}",
        text(&bad_email.stderr)
    );
}

#[test]
fn bad_arguments_give_a_clear_message_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let bad_plan = latchkey(dir.path())
        .args([
            "create-project",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--plan",
            "enterprise",
        ])
        .output()
        .unwrap();
    let bad_slug = latchkey(dir.path())
        .args([
            "create-project",
            "--name",
            "Acme",
            "--slug",
            "Not A Slug",
            "--plan",
            "free",
        ])
        .output()
        .unwrap();
    let unknown_owner = latchkey(dir.path())
        .args([
            "create-project",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--plan",
            "free",
            "--owner",
            "nobody@example.com",
        ])
        .output()
        .unwrap();
    let missing = latchkey(dir.path())
        .args(["create-admin", "--email", "a@example.com"])
        .output()
        .unwrap();
    let password_argument = latchkey(dir.path())
        .args([
            "create-admin",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--password",
            "secret",
        ])
        .output()
        .unwrap();

    assert_eq!(bad_plan.status.code(), Some(2));
    assert!(
        text(&bad_plan.stderr)
            .contains("possible values: free, professional, professional_unlimited")
    );
    assert_eq!(bad_slug.status.code(), Some(1));
    assert!(text(&bad_slug.stderr).contains("not a valid slug"));
    assert_eq!(unknown_owner.status.code(), Some(1));
    assert!(
        text(&unknown_owner.stderr).contains("No user has the email nobody@example.com"),
        "{}",
        text(&unknown_owner.stderr)
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--name"));
    assert_eq!(password_argument.status.code(), Some(2));
}

#[test]
fn migrate_applies_lists_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let up = latchkey(dir.path()).arg("migrate").output().unwrap();
    assert!(up.status.success(), "{}", text(&up.stderr));
    let all = Migrator::migrations().len();
    assert!(
        text(&up.stdout).contains(&format!("Applied {all} migration(s)")),
        "{}",
        text(&up.stdout)
    );
    let down = latchkey(dir.path())
        .args(["migrate", "down", "--steps", "2"])
        .output()
        .unwrap();
    assert!(down.status.success(), "{}", text(&down.stderr));
    let status = text(
        &latchkey(dir.path())
            .args(["migrate", "status"])
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(status.matches("applied").count(), all - 2, "{status}");
    assert_eq!(status.matches("pending").count(), 2, "{status}");
}

#[tokio::test]
async fn serve_starts_with_no_configuration_and_a_second_start_reuses_database_and_key() {
    let dir = tempfile::tempdir().unwrap();

    let first = serve_until_healthy(dir.path()).await;
    drop(first);
    let key = std::fs::read(dir.path().join("data/secret.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let admin = run_with_stdin(
        latchkey(dir.path()).args([
            "create-admin",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ]),
        "correct horse battery staple\n",
    );
    assert!(admin.status.success());

    let second = serve_until_healthy(dir.path()).await;
    drop(second);

    assert_eq!(
        std::fs::read(dir.path().join("data/secret.key")).unwrap(),
        key
    );
    let again = run_with_stdin(
        latchkey(dir.path()).args([
            "create-admin",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ]),
        "correct horse battery staple\n",
    );
    assert!(
        text(&again.stderr).contains("already exists"),
        "the second start used another database"
    );
}

/// Security events are structured log lines with the request id and the peer address, and no
/// line holds a secret.
#[tokio::test]
async fn security_events_are_logged_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let password = "correct horse battery staple";
    let admin = run_with_stdin(
        latchkey(dir.path()).args([
            "create-admin",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ]),
        &format!("{password}\n"),
    );
    assert!(admin.status.success(), "{}", text(&admin.stderr));
    let project = latchkey(dir.path())
        .args([
            "create-project",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--plan",
            "professional",
            "--owner",
            "ada@example.com",
        ])
        .output()
        .unwrap();
    assert!(project.status.success(), "{}", text(&project.stderr));
    let log = dir.path().join("server.log");
    let (server, base) =
        serve_logging_until_healthy(dir.path(), std::fs::File::create(&log).unwrap()).await;
    let client = crate::helpers::http_client();
    let login = |password: &str| {
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": "ada@example.com", "password": password, "project": "acme" }))
            .send()
    };
    assert_eq!(login("not the password").await.unwrap().status(), 401);
    let jwt: serde_json::Value = login(password).await.unwrap().json().await.unwrap();
    let jwt = jwt["token"].as_str().unwrap().to_owned();
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(&jwt)
        .json(&serde_json::json!({ "name": "Reader", "type": "read-only" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["token"].as_str().unwrap().to_owned();
    let refused = client
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({ "name": "More" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let guessed = client
        .get(format!("{base}/api/v1/tokens/{secret}x"))
        .bearer_auth("lk_not_a_real_token")
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 401);
    drop(server);

    let text = std::fs::read_to_string(&log).unwrap();
    for event in [
        "sign_in_failed",
        "authorization_denied",
        "bearer_refused",
        "audited",
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("event=\"{event}\"")))
            .unwrap_or_else(|| panic!("no {event} line in:\n{text}"));
        assert!(line.contains("request_id="), "{line}");
        assert!(line.contains("peer=127.0.0.1"), "{line}");
    }
    assert!(text.contains("action=\"token.create\""), "{text}");
    for secret_text in [password, secret.as_str(), jwt.as_str()] {
        assert!(
            !text.contains(secret_text),
            "a secret reached the log:\n{text}"
        );
    }
}
