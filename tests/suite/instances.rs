//! Two real `latchkey serve` processes on one fresh PostgreSQL database, sharing the secret
//! key: what one instance changes, the other hears by push, and a browser behind nginx keeps
//! working whichever answers. Runs when `LATCHKEY_TEST_POSTGRES_URL` is set (the module is
//! named so that the PostgreSQL suite, `-- ::postgres`, selects it).
//!
//! It runs past 400 lines on purpose: the cluster fixture and the trials that read it (push,
//! fallback, reconnection, the browser behind nginx) are one scenario, changed together.

use crate::helpers::*;
use crate::nginx::Nginx;
use crate::process::{Server, free_port, latchkey};
use latchkey::config::{FileSettings, Settings};
use latchkey::domain::{Actor, Plan};
use latchkey::services::Services;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SHARED_KEY: &str = "one secret key shared by every instance of the test";

struct Instance {
    _server: Server,
    base: String,
    log: PathBuf,
}

impl Instance {
    async fn start(dir: &Path, name: &str, url: &str, env: &[(&str, &str)]) -> Instance {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        // The application name tells this instance's connections apart in pg_stat_activity.
        let url = format!("{url}?application_name=latchkey-{name}");
        let child = latchkey(dir)
            .arg("serve")
            .envs(env.iter().copied())
            .env("LATCHKEY_DATABASE_URL", &url)
            .env("LATCHKEY_SECRET_KEY", SHARED_KEY)
            .env("LATCHKEY_BIND", format!("127.0.0.1:{port}"))
            .env("LATCHKEY_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let instance = Instance {
            _server: Server(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        instance.wait_for_log("change feed listening", 1).await;
        instance
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `line` has been logged `times` times.
    async fn wait_for_log(&self, line: &str, times: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.log().matches(line).count() < times {
            assert!(
                Instant::now() < deadline,
                "never logged {line:?} {times}×:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

struct Cluster {
    a: Instance,
    b: Instance,
    /// The test's own connection, for pg_stat_activity.
    db: DatabaseConnection,
    /// The test's own services on the same database, for fixtures.
    services: Services,
    project: latchkey::projects::Project,
    admin: String,
    client: reqwest::Client,
}

impl Cluster {
    async fn start(dir: &Path, env: &[(&str, &str)]) -> Option<Cluster> {
        let url = fresh_database(Backend::Postgres).await?;
        let a = Instance::start(dir, "a", &url, env).await;
        let b = Instance::start(dir, "b", &url, env).await;
        let settings = Settings::resolve(
            FileSettings {
                database_url: Some(url.clone()),
                secret_key: Some(SHARED_KEY.into()),
                data_dir: Some(dir.join("data")),
                database_max_connections: Some(2),
                ..FileSettings::default()
            },
            |_| None,
        )
        .unwrap();
        let services = Services::connect_and_migrate(&settings).await.unwrap();
        let project = services
            .projects
            .create(
                &Actor::system(),
                latchkey::projects::NewProject {
                    name: latchkey::domain::ProjectName::parse("acme").unwrap(),
                    slug: latchkey::domain::ProjectSlug::parse("acme").unwrap(),
                    plan: Plan::ProfessionalUnlimited,
                    owner: None,
                },
            )
            .await
            .unwrap();
        let new = latchkey::tokens::NewToken::parse(token("admin"), chrono::Utc::now()).unwrap();
        let admin = services
            .tokens
            .create(&Actor::system(), project.id, new)
            .await
            .unwrap();
        Some(Cluster {
            a,
            b,
            db: Database::connect(url.as_str()).await.unwrap(),
            services,
            project,
            admin: admin.secret.expose_secret().to_owned(),
            client: crate::helpers::http_client(),
        })
    }

    /// A new read-only token, created through `on`'s API: (id, secret).
    async fn create(&self, on: &Instance, name: &str) -> (String, String) {
        let reply: Value = self
            .client
            .post(format!("{}/api/v1/tokens", on.base))
            .bearer_auth(&self.admin)
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            reply["id"].as_str().expect("an id").to_owned(),
            reply["token"].as_str().expect("a secret").to_owned(),
        )
    }

    async fn revoke(&self, on: &Instance, id: &str) {
        let reply = self
            .client
            .delete(format!("{}/api/v1/tokens/{id}", on.base))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{}", reply.status());
    }

    async fn verify(&self, on: &Instance, secret: &str) -> u16 {
        self.client
            .post(format!("{}/api/v1/verify", on.base))
            .json(&json!({ "token": secret }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// One trial: a token created on A and verified (so cached) on B, then revoked on A; the
    /// time from A's acknowledgement until B refuses it.
    async fn revocation_delay(&self, n: usize) -> Duration {
        let (id, secret) = self.create(&self.a, &format!("trial {n}")).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = self.verify(&self.b, &secret).await;
            if status == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "B never accepted trial {n} ({status}):\n{}",
                self.b.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            self.verify(&self.b, &secret).await,
            200,
            "trial {n}: cached on B"
        );
        self.revoke(&self.a, &id).await;
        let acknowledged = Instant::now();
        loop {
            let status = self.verify(&self.b, &secret).await;
            if status == 401 {
                return acknowledged.elapsed();
            }
            assert_eq!(status, 200, "trial {n}");
            assert!(
                acknowledged.elapsed() < Duration::from_secs(10),
                "B still accepts trial {n} 10 s after its revocation"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Terminates B's listening connection, if it has one now; whether it had.
    async fn terminate_bs_listener(&self) -> bool {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = 'latchkey-b' \
                 AND query LIKE 'LISTEN%'",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap() > 0
    }
}

/// p50, p99 and max, in milliseconds.
fn spread(mut delays: Vec<Duration>) -> (f64, f64, f64) {
    delays.sort();
    let at = |q: f64| {
        let index = ((delays.len() as f64 * q).ceil() as usize).clamp(1, delays.len()) - 1;
        delays[index].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99), at(1.0))
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revocation_on_one_instance_is_pushed_to_the_other() {
        revocations_are_pushed().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_browser_behind_nginx_keeps_working_whichever_instance_answers() {
        browser_behind_nginx().await;
    }
}

async fn revocations_are_pushed() {
    let dir = tempfile::tempdir().unwrap();
    // The long lifetime on: without the push, B would keep a revoked answer for 5 minutes.
    let Some(cluster) = Cluster::start(
        dir.path(),
        &[
            ("LATCHKEY_VERIFY_CACHE_PUSHED_SECONDS", "300"),
            ("LATCHKEY_VERIFY_CACHE_TTL_MS", "1000"),
        ],
    )
    .await
    else {
        return;
    };

    // Created on A, it verifies on B at once: B heard of its digest.
    let (_, secret) = cluster.create(&cluster.a, "fresh").await;
    assert_eq!(cluster.verify(&cluster.b, &secret).await, 200);

    let mut delays = Vec::new();
    for n in 0..100 {
        delays.push(cluster.revocation_delay(n).await);
    }
    let (p50, p99, max) = spread(delays);
    println!(
        "pushed: revoked on A, refused on B after p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
    );
    assert!(max < 100.0, "max {max:.1} ms");

    // B's listener killed, and killed again whenever it comes back: B falls back to the short
    // lifetime, and the bound still holds.
    let mut delays = Vec::new();
    let mut kills = 0;
    for n in 100..120 {
        if cluster.terminate_bs_listener().await {
            kills += 1;
        }
        delays.push(cluster.revocation_delay(n).await);
    }
    let (p50, p99, max) = spread(delays);
    println!(
        "listener terminated {kills}×: refused on B after p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
    );
    assert!(kills >= 1);
    assert!(max < 1_500.0, "max {max:.1} ms");
    assert!(
        cluster.b.log().contains("change feed lost"),
        "{}",
        cluster.b.log()
    );

    // Left alone, B reconnects and pushes bite again.
    let lost = cluster.b.log().matches("change feed lost").count();
    cluster
        .b
        .wait_for_log("change feed listening", lost + 1)
        .await;
    let mut delays = Vec::new();
    for n in 120..140 {
        delays.push(cluster.revocation_delay(n).await);
    }
    let (_, _, max) = spread(delays);
    println!("reconnected: max {max:.1} ms");
    assert!(max < 100.0, "max {max:.1} ms after reconnecting");
}

fn csrf_of(html: &str) -> String {
    crate::dashboard::field_value(html, "csrf_token").expect("a CSRF token")
}

async fn browser_behind_nginx() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = Cluster::start(dir.path(), &[("LATCHKEY_COOKIE_SECURE", "false")]).await
    else {
        return;
    };
    let nginx = Nginx::start(dir.path(), &[&cluster.a.base, &cluster.b.base]).await;

    // First-run setup: both instances print the same code, so A's works on B.
    let code_of = |instance: &Instance| {
        let log = instance.log();
        let (_, after) = log
            .split_once("setup_code=")
            .expect("a setup code in the log");
        after.split_whitespace().next().unwrap().to_owned()
    };
    assert_eq!(
        code_of(&cluster.a),
        code_of(&cluster.b),
        "one setup code for all instances"
    );
    let setup = crate::helpers::http()
        .cookie_provider(std::sync::Arc::new(reqwest::cookie::Jar::default()))
        .build()
        .unwrap();
    let form = setup
        .get(format!("{}/setup", cluster.b.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let done = setup
        .post(format!("{}/setup", cluster.b.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(crate::dashboard::form_encoded(&[
            ("csrf_token", csrf_of(&form).as_str()),
            ("setup_code", code_of(&cluster.a).as_str()),
            ("email", "root@example.com"),
            ("display_name", "Root"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(done.url().path(), "/admin", "set up on B with A's code");

    let email = latchkey::domain::Email::parse("ada@example.com").unwrap();
    cluster
        .services
        .accounts
        .create_user(
            &Actor::system(),
            latchkey::accounts::NewUser {
                email: email.clone(),
                display_name: latchkey::domain::DisplayName::parse("Ada").unwrap(),
                password: latchkey::domain::Password::parse(PASSWORD.into(), &[]).unwrap(),
                is_super_admin: false,
            },
        )
        .await
        .unwrap();
    cluster
        .services
        .projects
        .add_member(
            &Actor::system(),
            cluster.project.id,
            &email,
            latchkey::domain::Role::Admin,
        )
        .await
        .unwrap();

    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = crate::helpers::http()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut answered_by = std::collections::BTreeSet::new();
    // Every request goes through nginx; redirects are followed by hand, so each hop is a
    // request of its own, and each may land on either instance.
    let mut send = async |request: reqwest::RequestBuilder| -> (u16, String, String) {
        let mut response = request.send().await.unwrap();
        loop {
            let upstream = response.headers()["x-upstream"]
                .to_str()
                .unwrap()
                .to_owned();
            answered_by.insert(upstream);
            if !response.status().is_redirection() {
                let status = response.status().as_u16();
                let url = response.url().path().to_owned();
                return (status, url, response.text().await.unwrap());
            }
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            response = browser
                .get(format!("{}{location}", nginx.base))
                .send()
                .await
                .unwrap();
        }
    };

    let (_, _, login) = send(browser.get(format!("{}/login", nginx.base))).await;
    let (status, path, _) = send(
        browser
            .post(format!("{}/login", nginx.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(crate::dashboard::form_encoded(&[
                ("csrf_token", csrf_of(&login).as_str()),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ])),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!path.starts_with("/login"), "signed in: {path}");

    let tokens = "/projects/acme/settings/api-tokens";
    let (status, _, new_form) = send(browser.get(format!("{}{tokens}/new", nginx.base))).await;
    assert_eq!(status, 200, "still signed in on the next request");
    let (status, _, revealed) = send(
        browser
            .post(format!("{}{tokens}", nginx.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(crate::dashboard::form_encoded(&[
                ("csrf_token", csrf_of(&new_form).as_str()),
                ("name", "Through nginx"),
                ("token_type", "read-only"),
                ("kind", "service"),
                ("duration", "30"),
            ])),
    )
    .await;
    assert_eq!(status, 200, "{revealed}");
    let secret = crate::dashboard::revealed_secret(&revealed)
        .expect("the one-time reveal, on whichever instance served the redirect");
    for instance in [&cluster.a, &cluster.b] {
        assert_eq!(cluster.verify(instance, &secret).await, 200);
    }
    // Seen again, the reveal is gone on both.
    for _ in 0..2 {
        let (_, _, list) = send(browser.get(format!("{}{tokens}", nginx.base))).await;
        assert!(list.contains("Through nginx"));
        assert!(!list.contains(&secret), "the secret is shown once");
    }
    assert_eq!(
        answered_by.len(),
        2,
        "both instances answered: {answered_by:?}"
    );
}
