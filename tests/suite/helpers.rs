//! Test fixtures: a fresh database per test on each configured backend, and shortcuts for
//! users, projects, members and tokens.

use latchkey::accounts::{NewUser, User};
use latchkey::config::{FileSettings, Settings};
use latchkey::domain::{
    Actor, ContentTypeName, ContentTypeUid, DisplayName, Email, Password, Plan, ProjectName,
    ProjectSlug, Role, UserActor,
};
use latchkey::error::AppError;
use latchkey::projects::{NewProject, Project};
use latchkey::services::Services;
use latchkey::tokens::{DurationInput, IssuedToken, NewToken, NewTokenInput};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tempfile::TempDir;
use uuid::Uuid;

/// Declares each test once per backend: `name::sqlite`, `name::postgres`, `name::mysql`.
/// Without its URL variable a server backend's variant returns at once; with it, an
/// unreachable server fails the test.
macro_rules! backend_tests {
    ($( $(#[$meta:meta])* async fn $name:ident($app:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await.unwrap();
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some($app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await else { return };
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    let Some($app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Mysql).await else { return };
                    $body
                }
            }
        )*
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

pub const PASSWORD: &str = "correct horse battery staple";

/// Counts the statements issued while an HTTP request is being served (background tasks run
/// outside any request and are not counted).
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct TestApp {
    pub services: Services,
    /// The test's own handle on the services' connection pool, for reading and changing
    /// storage directly.
    pub db: sea_orm::DatabaseConnection,
    pub settings: Settings,
    pub backend: Backend,
    /// Every statement issued on behalf of a request to a server over `services`.
    pub statements: StatementCounter,
    /// The SQLite file, for tests that read the raw bytes.
    pub sqlite_file: Option<PathBuf>,
    pub dir: TempDir,
}

impl TestApp {
    /// A migrated, empty database on `backend`; `None` when that backend is not configured.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_routed(backend, |_| None, |_| {}).await
    }

    /// As `spawn`, with `configure` applied to the settings, and when `route` gives another
    /// URL for the database (through a fault proxy, say), the services reach it by that one;
    /// `db` stays direct.
    pub async fn spawn_routed(
        backend: Backend,
        route: impl FnOnce(&str) -> Option<String>,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, sqlite_file) = match backend {
            Backend::Sqlite => {
                let file = dir.path().join("latchkey.db");
                (format!("sqlite://{}?mode=rwc", file.display()), Some(file))
            }
            Backend::Postgres => (
                fresh_server_database("LATCHKEY_TEST_POSTGRES_URL", '"').await?,
                None,
            ),
            Backend::Mysql => (
                fresh_server_database("LATCHKEY_TEST_MYSQL_URL", '`').await?,
                None,
            ),
        };
        let settings = settings_for(&dir, database_url);
        let mut db =
            latchkey::db::connect(&settings.database_url, settings.database_max_connections)
                .await
                .expect("connect");
        let statements = StatementCounter::default();
        let counter = statements.0.clone();
        db.set_metric_callback(move |_| {
            if latchkey::telemetry::current_request_id().is_some() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        Migrator::up(&db, None).await.expect("migrate");
        let mut settings = settings;
        configure(&mut settings);
        let services_db = match route(&settings.database_url) {
            Some(routed) => {
                settings.database_url = routed;
                latchkey::db::connect(&settings.database_url, settings.database_max_connections)
                    .await
                    .expect("connect through the route")
            }
            None => db.clone(),
        };
        let services = Services::new(services_db, &settings);
        Some(TestApp {
            services,
            db,
            settings,
            backend,
            statements,
            sqlite_file,
            dir,
        })
    }

    /// Changes the settings and builds the services again over the same database.
    pub fn reconfigure(&mut self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.settings);
        self.services = Services::new(self.db.clone(), &self.settings);
    }

    pub async fn user(&self, email: &str) -> User {
        self.new_user(email, false).await
    }

    pub async fn super_admin(&self, email: &str) -> User {
        self.new_user(email, true).await
    }

    async fn new_user(&self, email: &str, is_super_admin: bool) -> User {
        self.services
            .accounts
            .create_user(
                &Actor::system(),
                NewUser {
                    email: Email::parse(email).unwrap(),
                    display_name: DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
                    password: Password::parse(PASSWORD.into(), &[]).unwrap(),
                    is_super_admin,
                },
            )
            .await
            .expect("create user")
    }

    pub async fn project(&self, slug: &str, plan: Plan) -> Project {
        self.services
            .projects
            .create(
                &Actor::system(),
                NewProject {
                    name: ProjectName::parse(slug).unwrap(),
                    slug: ProjectSlug::parse(slug).unwrap(),
                    plan,
                    owner: None,
                },
            )
            .await
            .expect("create project")
    }

    /// A new user with `role` in `project`, and the actor that acts as them.
    pub async fn member(&self, project: &Project, email: &str, role: Role) -> (User, Actor) {
        let user = self.user(email).await;
        self.services
            .projects
            .add_member(
                &Actor::system(),
                project.id,
                &Email::parse(email).unwrap(),
                role,
            )
            .await
            .expect("add member");
        let actor = actor_of(&user);
        (user, actor)
    }

    pub async fn content_type(&self, project: &Project, uid: &str) {
        self.services
            .projects
            .add_content_type(
                &Actor::system(),
                project.id,
                ContentTypeUid::parse(uid).unwrap(),
                ContentTypeName::parse(uid).unwrap(),
            )
            .await
            .expect("add content type");
    }

    pub async fn create(
        &self,
        actor: &Actor,
        project: &Project,
        input: NewTokenInput,
    ) -> Result<IssuedToken, AppError> {
        let new = NewToken::parse(input, chrono::Utc::now()).map_err(AppError::Validation)?;
        self.services.tokens.create(actor, project.id, new).await
    }

    /// Creates a token that must succeed.
    pub async fn issue(
        &self,
        actor: &Actor,
        project: &Project,
        input: NewTokenInput,
    ) -> IssuedToken {
        self.create(actor, project, input)
            .await
            .expect("create token")
    }
}

pub fn settings_for(dir: &TempDir, database_url: String) -> Settings {
    // SQLite generates its key into the data folder; a server database needs one configured,
    // as every instance on it must share it.
    let secret_key = (!database_url.starts_with("sqlite:"))
        .then(|| "suite-secret-key-for-server-databases-0123456789".to_owned());
    Settings::resolve(
        FileSettings {
            secret_key,
            data_dir: Some(dir.path().join("data")),
            database_url: Some(database_url),
            database_max_connections: Some(5),
            bind: Some("127.0.0.1:0".into()),
            // Long enough that a change seen by a test was invalidated, not expired.
            verify_cache_ttl_ms: Some(3_600_000),
            ..FileSettings::default()
        },
        |_| None,
    )
    .expect("settings")
}

pub fn actor_of(user: &User) -> Actor {
    Actor::user(UserActor {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        is_super_admin: user.is_super_admin,
    })
}

/// A service token, full access, unlimited.
pub fn token(name: &str) -> NewTokenInput {
    NewTokenInput {
        name: name.into(),
        description: String::new(),
        kind: "service".into(),
        token_type: "full-access".into(),
        permissions: vec![],
        duration: DurationInput::Unlimited,
    }
}

pub fn custom(name: &str, permissions: &[&str]) -> NewTokenInput {
    NewTokenInput {
        token_type: "custom".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        ..token(name)
    }
}

pub fn personal(name: &str, token_type: &str) -> NewTokenInput {
    NewTokenInput {
        kind: "personal".into(),
        token_type: token_type.into(),
        ..token(name)
    }
}

pub fn perm(raw: &str) -> latchkey::domain::Permission {
    latchkey::domain::Permission::parse(raw).unwrap()
}

/// An empty database on `backend`'s server (`None` when its URL variable is unset).
pub async fn fresh_database(backend: Backend) -> Option<String> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => fresh_server_database("LATCHKEY_TEST_POSTGRES_URL", '"').await,
        Backend::Mysql => fresh_server_database("LATCHKEY_TEST_MYSQL_URL", '`').await,
    }
}

/// Creates an empty database on the server named by `variable` and returns its URL.
async fn fresh_server_database(variable: &str, quote: char) -> Option<String> {
    let base = std::env::var(variable).ok().filter(|v| !v.is_empty())?;
    let admin = Database::connect(base.as_str())
        .await
        .unwrap_or_else(|e| panic!("{variable} is set but the server is unreachable: {e}"));
    let name = format!("lk_test_{}", Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {quote}{name}{quote}"))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database via {variable}: {e}"));
    admin.close().await.ok();
    Some(replace_database(&base, &name))
}

/// `scheme://user@host:port/db?query` with `db` replaced.
fn replace_database(url: &str, database: &str) -> String {
    let (without_query, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let authority_end = without_query
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| without_query[start..].find('/').map(|i| start + i))
        .unwrap_or(without_query.len());
    let mut result = format!("{}/{database}", &without_query[..authority_end]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

pub fn assert_forbidden(
    result: Result<impl std::fmt::Debug, AppError>,
    expected_required: Option<&str>,
) {
    match result {
        Err(AppError::Forbidden { required, .. }) => {
            assert_eq!(
                required.as_deref(),
                expected_required,
                "wrong permission named"
            )
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

/// An HTTP client builder for the trials. reqwest needs the TLS provider installed before
/// any client is built (`latchkey::client::install_tls_provider`); clippy refuses
/// `reqwest::Client::new`, `::builder` and `reqwest::get` elsewhere, so none is forgotten.
#[allow(clippy::disallowed_methods)]
pub fn http() -> reqwest::ClientBuilder {
    latchkey::client::install_tls_provider();
    reqwest::Client::builder()
}

/// A plain client (what `reqwest::Client::new()` gives).
pub fn http_client() -> reqwest::Client {
    http().build().expect("a client with the defaults builds")
}

/// `GET url` (what `reqwest::get` does).
pub async fn http_get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::Response> {
    http_client().get(url).send().await
}
