//! Builds the application: database, migrations, services, middleware and routes. The one
//! place that knows the route table and the middleware order.

use crate::accounts::Accounts;
use crate::audit::AuditLog;
use crate::config::Settings;
use crate::db;
use crate::projects::Projects;
use crate::tokens::{TokenHasher, TokenService};
use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;

/// The services every entry point (server, command line, tests) works through.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub tokens: TokenService,
    pub accounts: Accounts,
    pub projects: Projects,
    pub audit: AuditLog,
}

impl Services {
    pub fn new(db: DatabaseConnection, settings: &Settings) -> Self {
        let hasher = TokenHasher::new(&settings.secret_key.derive("token-hash"));
        Self {
            tokens: TokenService::new(db.clone(), hasher, settings.professional_token_cap),
            accounts: Accounts::new(db.clone()),
            projects: Projects::new(db.clone()),
            audit: AuditLog::new(db.clone()),
            db,
        }
    }

    /// Connects and brings the schema up to date.
    pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Self> {
        let db = db::connect(&settings.database_url, settings.database_max_connections).await?;
        Migrator::up(&db, None).await?;
        Ok(Self::new(db, settings))
    }
}

pub struct Application {
    port: u16,
    server: Server,
    services: Services,
}

impl Application {
    /// Connects, migrates and binds. With a bind port of 0 the OS picks one (tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let services = Services::connect_and_migrate(&settings).await?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, services.clone())?;
        tracing::info!(address = %settings.bind, port, "Latchkey is listening");
        Ok(Self {
            port,
            server,
            services,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, services: Services) -> std::io::Result<Server> {
    let services = web::Data::new(services);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(TracingLogger::default())
            .app_data(services.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers.
async fn readyz(services: web::Data<Services>) -> HttpResponse {
    match db::ping(&services.db).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(
                serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }),
            )
        }
    }
}
