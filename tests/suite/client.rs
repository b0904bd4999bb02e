//! The command-line client (`latchkey tokens …`, `latchkey verify`) against a real server:
//! every subcommand, its `--json` parsed, the secret printed once or written to a 0600 file,
//! and the exit codes of a wrong key, a wrong request and an unreachable server.
//!
//! It runs past 400 lines on purpose: each trial drives the real binary through a whole
//! workflow (create → list → show → update → regenerate → verify → revoke → refresh; sign in →
//! plan → apply → apply again), and each step works on what the one before it made.

use crate::api::ApiServer;
use crate::helpers::*;
use crate::process::{free_port, latchkey, text};
use latchkey::domain::Plan;
use latchkey::tokens::NewTokenInput;
use serde_json::Value;
use std::process::Output;

pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// Exited with `code`, saying `says` on standard error.
    #[track_caller]
    pub fn fails(self, code: i32, says: &str) -> Run {
        assert_eq!(self.code, code, "{}", self.stderr);
        assert!(self.stderr.contains(says), "{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `latchkey ARGS` with the server and key in the environment, `stdin` on its input.
pub(crate) async fn cli(base: &str, key: Option<&str>, args: &[&str], stdin: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut command = latchkey(dir.path());
    command.args(args).env("LATCHKEY_BASE_URL", base);
    if let Some(key) = key {
        command.env("LATCHKEY_API_KEY", key);
    }
    let stdin = stdin.map(str::to_owned);
    let output: Output = tokio::task::spawn_blocking(move || match stdin {
        Some(input) => crate::process::run_with_stdin(&mut command, &input),
        None => command.output().unwrap(),
    })
    .await
    .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: text(&output.stdout),
        stderr: text(&output.stderr),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tokens_subcommand_works_for_people_and_for_scripts() {
    let api = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let project = api.project("acme", Plan::Professional).await;
    api.app.content_type(&project, "article").await;
    let admin = api
        .issue(
            &project,
            NewTokenInput {
                token_type: "full-access".into(),
                ..token("CI admin")
            },
        )
        .await;
    let key = admin.secret.expose_secret().to_owned();
    let base = api.base.trim_end_matches("/api/v1").to_owned();
    let run = |args: &'static [&'static str]| cli(&base, Some(&key), args, None);

    // create: the secret alone on stdout, the words about it on stderr.
    let created = cli(
        &base,
        Some(&key),
        &[
            "tokens",
            "create",
            "--name",
            "Deploy bot",
            "--type",
            "custom",
            "--permission",
            "article.find",
            "--expires-in-days",
            "30",
        ],
        None,
    )
    .await
    .ok();
    let secret = created.stdout.trim().to_owned();
    assert!(
        secret.starts_with("lk_") && !secret.contains(char::is_whitespace),
        "{}",
        created.stdout
    );
    assert_eq!(created.stdout, format!("{secret}\n"));
    assert!(
        created.stderr.contains("Created token “Deploy bot”")
            && created.stderr.contains("shown this once"),
        "{}",
        created.stderr
    );
    api.services
        .tokens
        .verify(&secret, Some(&perm("article.find")))
        .await
        .unwrap();

    let scripted = run(&["tokens", "create", "--name", "Scripted", "--json"])
        .await
        .ok()
        .json();
    assert!(scripted["token"].as_str().unwrap().starts_with("lk_"));
    let scripted_id = scripted["id"].as_str().unwrap().to_owned();

    // list: a table, or the API's JSON; --all follows every page.
    let table = run(&["tokens", "list"]).await.ok();
    let header = table.stdout.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("NAME") && header.contains("LAST USED"),
        "{header}"
    );
    assert!(
        table.stdout.contains("Deploy bot") && table.stdout.contains("custom"),
        "{}",
        table.stdout
    );
    let listed = run(&["tokens", "list", "--json", "--search", "deploy"])
        .await
        .ok()
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["meta"]["total"], 1);
    let every = run(&["tokens", "list", "--json", "--all", "--per-page", "1"])
        .await
        .ok()
        .json();
    assert_eq!(every["data"].as_array().unwrap().len(), 3, "{every}");
    let first_page = run(&["tokens", "list", "--per-page", "1"]).await.ok();
    assert!(
        first_page
            .stderr
            .contains("3 tokens in all: --all lists every page."),
        "{}",
        first_page.stderr
    );

    // show and update.
    let id = listed["data"][0]["id"].as_str().unwrap().to_owned();
    let shown = cli(&base, Some(&key), &["tokens", "show", &id], None)
        .await
        .ok();
    assert!(
        shown.stdout.contains("name         Deploy bot") && shown.stdout.contains("article.find"),
        "{}",
        shown.stdout
    );
    let updated = cli(
        &base,
        Some(&key),
        &["tokens", "update", &id, "--name", "Deploy robot", "--json"],
        None,
    )
    .await
    .ok()
    .json();
    assert_eq!(updated["name"], "Deploy robot");
    assert_eq!(
        cli(&base, Some(&key), &["tokens", "show", &id, "--json"], None)
            .await
            .ok()
            .json()["name"],
        "Deploy robot"
    );

    // regenerate into a new private file: the old secret stops, the file holds the new one.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deploy.secret");
    let file_arg = file.to_str().unwrap().to_owned();
    let regenerated = cli(
        &base,
        Some(&key),
        &["tokens", "regenerate", &id, "--secret-file", &file_arg],
        None,
    )
    .await
    .ok();
    assert_eq!(regenerated.stdout, "", "the secret went to the file only");
    let new_secret = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(api.services.tokens.verify(&secret, None).await.is_err());
    api.services.tokens.verify(&new_secret, None).await.unwrap();
    // A file that exists is never overwritten, and is refused before the server is asked.
    let again = cli(
        &base,
        Some(&key),
        &["tokens", "regenerate", &id, "--secret-file", &file_arg],
        None,
    )
    .await;
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    api.services.tokens.verify(&new_secret, None).await.unwrap();

    // verify, with the token as an argument or on standard input.
    let valid = cli(
        &base,
        None,
        &["verify", "-", "--permission", "article.find"],
        Some(&new_secret),
    )
    .await
    .ok();
    assert!(
        valid
            .stdout
            .starts_with("valid: Deploy robot (service token of project acme, custom)"),
        "{}",
        valid.stdout
    );
    let lacking = cli(
        &base,
        None,
        &[
            "verify",
            &new_secret,
            "--permission",
            "article.delete",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(lacking.code, 3);
    assert!(
        lacking.stderr.contains("Insufficient permissions")
            && lacking.stderr.contains("article.delete"),
        "{}",
        lacking.stderr
    );

    // revoke, then refresh the scripted token by itself.
    let revoked = cli(&base, Some(&key), &["tokens", "revoke", &id], None)
        .await
        .ok();
    assert_eq!(revoked.stdout.trim(), format!("Revoked token {id}."));
    assert_eq!(
        cli(&base, None, &["verify", &new_secret], None).await.code,
        3
    );
    let scripted_secret = scripted["token"].as_str().unwrap().to_owned();
    let refreshed = cli(
        &base,
        Some(&scripted_secret),
        &["tokens", "refresh", "--json"],
        None,
    )
    .await
    .ok()
    .json();
    assert_eq!(refreshed["id"], scripted_id.as_str());
    assert_ne!(refreshed["token"], scripted_secret.as_str());
    assert!(
        api.services
            .tokens
            .verify(&scripted_secret, None)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_say_whose_they_are_in_the_exit_code_and_the_message() {
    let api = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let project = api.project("acme", Plan::Professional).await;
    let reader = api
        .issue(
            &project,
            NewTokenInput {
                token_type: "read-only".into(),
                ..token("Reader")
            },
        )
        .await;
    let base = api.base.trim_end_matches("/api/v1").to_owned();
    let reader_key = reader.secret.expose_secret().to_owned();

    // Usage: no key, a malformed id, a request the server finds invalid.
    cli(&base, None, &["tokens", "list"], None)
        .await
        .fails(2, "LATCHKEY_API_KEY");
    let bad_id = cli(
        &base,
        Some(&reader_key),
        &["tokens", "show", "not-an-id"],
        None,
    )
    .await;
    assert_eq!(bad_id.code, 2, "{}", bad_id.stderr);
    let unknown_flag = cli(
        &base,
        Some(&reader_key),
        &["tokens", "list", "--colour"],
        None,
    )
    .await;
    assert_eq!(unknown_flag.code, 2);

    // Refused: a wrong key (401) and a key that may not do this (403), with the trace id.
    let wrong = cli(&base, Some("lk_not-a-real-key"), &["tokens", "list"], None).await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("Invalid or missing API token") && wrong.stderr.contains("trace id "),
        "{}",
        wrong.stderr
    );
    cli(
        &base,
        Some(&reader_key),
        &["tokens", "create", "--name", "Mine"],
        None,
    )
    .await
    .fails(3, "api-token.create");

    // Other refusals: not found.
    cli(
        &base,
        Some(&reader_key),
        &["tokens", "show", "0193a4d2-7c1e-7b3a-9f00-5e2d1c0b9a87"],
        None,
    )
    .await
    .fails(1, "Not found.");

    // Unreachable: a clear sentence, no panic.
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let unreachable = cli(&nobody, Some(&reader_key), &["tokens", "list"], None).await;
    assert_eq!(unreachable.code, 4);
    assert!(
        unreachable
            .stderr
            .starts_with("error: cannot reach Latchkey at http://127.0.0.1:"),
        "{}",
        unreachable.stderr
    );
    assert!(
        !unreachable.stderr.contains("panicked"),
        "{}",
        unreachable.stderr
    );
    cli(
        "ftp://latchkey.example.com",
        Some(&reader_key),
        &["tokens", "list"],
        None,
    )
    .await
    .fails(2, "must start with https:// or http://");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_makes_the_project_what_the_file_says_and_a_second_run_changes_nothing() {
    let api = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let project = api.project("acme", Plan::Professional).await;
    api.app
        .member(&project, "ada@example.com", latchkey::domain::Role::Admin)
        .await;
    let base = api.base.trim_end_matches("/api/v1").to_owned();

    // An administrator signs in: the access token alone on stdout.
    let login = cli(
        &base,
        None,
        &["login", "--email", "ada@example.com", "--project", "acme"],
        Some(&format!("{PASSWORD}\n")),
    )
    .await
    .ok();
    let access = login.stdout.trim().to_owned();
    assert!(
        !access.is_empty() && login.stderr.contains("Signed in to acme"),
        "{}",
        login.stderr
    );
    let wrong = cli(
        &base,
        None,
        &["login", "--email", "ada@example.com", "--project", "acme"],
        Some("not the password\n"),
    )
    .await;
    assert_eq!(wrong.code, 3);

    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("latchkey.toml");
    let write = |permissions: &str| {
        std::fs::write(
            &manifest,
            format!(
                r#"
[[content_types]]
uid = "article"
display_name = "Article"

[[content_types]]
uid = "category"
display_name = "Category"

[[tokens]]
name = "Site reader"
type = "custom"
permissions = [{permissions}]
expires_in_days = 90

[[tokens]]
name = "Backup"
description = "Nightly export"
"#
            ),
        )
        .unwrap();
    };
    write(r#""article.find", "category.find""#);
    let file = manifest.to_str().unwrap().to_owned();
    let apply = |extra: &'static [&'static str]| {
        let mut args = vec!["apply", "-f", file.as_str()];
        args.extend_from_slice(extra);
        let (base, access) = (base.clone(), access.clone());
        async move { cli(&base, Some(&access), &args, None).await }
    };
    let tokens_now = || async { api.services.tokens.count_active(project.id).await.unwrap() };

    // The plan, and nothing changed by it.
    let dry = apply(&["--dry-run"]).await.ok();
    for step in [
        "would add content type article",
        "would add content type category",
        "would create token “Site reader” (custom)",
        "would create token “Backup” (read-only)",
    ] {
        assert!(dry.stdout.contains(step), "{step}: {}", dry.stdout);
    }
    assert_eq!(tokens_now().await, 0);

    // Applied: the new secrets in a new private file.
    let secrets = dir.path().join("secrets.json");
    let secrets_arg = secrets.to_str().unwrap().to_owned();
    let applied = cli(
        &base,
        Some(&access),
        &["apply", "-f", &file, "--secrets-file", &secrets_arg],
        None,
    )
    .await
    .ok();
    assert!(
        applied
            .stdout
            .contains("create token “Site reader” (custom)"),
        "{}",
        applied.stdout
    );
    assert!(
        !applied.stdout.contains("lk_"),
        "the secrets went to the file only"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&secrets).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let reader = written["Site reader"].as_str().unwrap();
    api.services
        .tokens
        .verify(reader, Some(&perm("category.find")))
        .await
        .unwrap();
    assert!(
        api.services
            .tokens
            .verify(reader, Some(&perm("article.create")))
            .await
            .is_err()
    );
    assert_eq!(tokens_now().await, 2);

    let again = apply(&[]).await.ok();
    assert_eq!(again.stdout.trim(), "Nothing to change.");
    assert_eq!(tokens_now().await, 2);
    let types = api
        .services
        .projects
        .content_types(project.id)
        .await
        .unwrap();
    assert_eq!(types.len(), 3, "api-token, article, category");

    // A change in the file is one update; then nothing again.
    write(r#""article.find", "article.findOne", "category.find""#);
    let updated = cli(
        &base,
        Some(&access),
        &["apply", "-f", &file, "--json"],
        None,
    )
    .await
    .ok()
    .json();
    assert_eq!(
        updated["steps"],
        serde_json::json!([
            "update token “Site reader”: permissions article.find, article.findOne, category.find"
        ])
    );
    assert_eq!(updated["secrets"], serde_json::json!({}));
    assert_eq!(apply(&[]).await.ok().stdout.trim(), "Nothing to change.");
    api.services
        .tokens
        .verify(reader, Some(&perm("article.findOne")))
        .await
        .unwrap();

    // An API token may manage tokens but not content types: refused, and said so.
    std::fs::write(
        &manifest,
        "[[content_types]]\nuid = \"tag\"\ndisplay_name = \"Tag\"\n",
    )
    .unwrap();
    let admin_token = api.issue(&project, token("Automation")).await;
    let refused = cli(
        &base,
        Some(admin_token.secret.expose_secret()),
        &["apply", "-f", &file],
        None,
    )
    .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("API tokens cannot manage project settings"),
        "{}",
        refused.stderr
    );
    std::fs::write(&manifest, "[[tokens]]\nname = \"x\"\nbogus = 1\n").unwrap();
    let invalid = cli(&base, Some(&access), &["apply", "-f", &file], None).await;
    assert_eq!(invalid.code, 2);
    assert!(invalid.stderr.contains("bogus"), "{}", invalid.stderr);
}
