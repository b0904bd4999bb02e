//! The HTTP application over the services: the one place that knows the middleware order and
//! mounts the route tables of the API and the dashboard.

use crate::api::jwt::AccessTokenKeys;
use crate::config::Settings;
use crate::deadline::{RequestDeadline, within_deadline};
use crate::services::Services;
use crate::shutdown::{self, Draining};
use crate::web::{RevealCipher, SetupCode};
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_web::cookie::SameSite;
use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use std::net::TcpListener;

pub struct Application {
    port: u16,
    server: Server,
    /// The listener of its own that `/metrics` has, if configured.
    metrics: Option<(u16, Server)>,
    services: Services,
    setup_code: Option<String>,
    draining: Draining,
    drain_period: std::time::Duration,
}

impl Application {
    /// Connects, migrates and binds. With a bind port of 0 the OS picks one (tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let services = Services::connect_and_migrate(&settings).await?;
        Self::build_with(settings, services).await
    }

    /// Binds and serves over services built elsewhere (on a migrated database).
    pub async fn build_with(settings: Settings, services: Services) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let url = local_url(listener.local_addr()?);
        let setup_code = if services.accounts.count().await? == 0 {
            let code = setup_code_of(&settings.keys);
            tracing::warn!(
                setup_code = %code,
                setup_url = %format!("{url}/setup"),
                "No administrator exists yet: open {url}/setup in a browser and enter the one-time setup code {code}"
            );
            Some(code)
        } else {
            None
        };
        let stored = services.start_background_tasks(&settings).await?;
        tracing::info!(stored, "token digests loaded");
        let draining = Draining::default();
        let server = run(
            listener,
            services.clone(),
            &settings,
            SetupCode::new(setup_code.clone()),
            draining.clone(),
        )?;
        tracing::info!(address = %settings.bind, port, %url, "Latchkey is listening on {url}");
        let metrics = match &settings.metrics.bind {
            Some(bind) => Some(serve_metrics(bind, services.clone())?),
            None => None,
        };
        Ok(Self {
            port,
            server,
            metrics,
            services,
            setup_code,
            draining,
            drain_period: settings.lifecycle.shutdown_drain,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener, if it has one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Stops the server gracefully (what SIGTERM does), for tests and embedding.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The one-time setup code, while no administrator exists (also printed in the log).
    pub fn setup_code(&self) -> Option<&str> {
        self.setup_code.as_deref()
    }

    /// Serves until SIGTERM/SIGINT, drains (`crate::shutdown`), finishes in-flight requests,
    /// then writes the pending "last used" times.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = serve_then_drain(self.server, &self.draining, self.drain_period).await;
        if let Some(metrics) = metrics {
            metrics.stop(false).await;
        }
        match self.services.last_used.flush().await {
            Ok(written) => tracing::info!(written, "last-used times flushed at shutdown"),
            Err(error) => {
                tracing::error!(error = %error, "flushing last-used times at shutdown failed")
            }
        }
        // The proof of "no write per request": the flusher is the verification path's only
        // writer, and this is how many statements it issued in this process's life.
        tracing::info!(
            "last-used flusher issued {} statements in total",
            self.services.last_used.statements_issued()
        );
        result
    }
}

/// Serves until a signal (or a stop through the handle), then drains and stops gracefully.
async fn serve_then_drain(
    server: Server,
    draining: &Draining,
    drain_period: std::time::Duration,
) -> std::io::Result<()> {
    let handle = server.handle();
    let mut server = std::pin::pin!(server);
    let signal = tokio::select! {
        stopped = &mut server => return stopped,
        signal = shutdown::signal() => signal,
    };
    draining.begin();
    tracing::info!(
        signal,
        drain_seconds = drain_period.as_secs_f64(),
        "draining: /readyz answers 503, requests are still served"
    );
    tokio::select! {
        stopped = &mut server => return stopped,
        () = shutdown::drain(drain_period) => {}
    }
    tracing::info!("drain over: no longer accepting connections; finishing requests in flight");
    let (stopped, ()) = tokio::join!(server, handle.stop(true));
    stopped
}

/// `/metrics` alone, on a listener of its own: one worker, for one scraper.
fn serve_metrics(bind: &str, services: Services) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(bind)
        .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {bind}: {e}"))?;
    let port = listener.local_addr()?.port();
    let services = web::Data::new(services);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(services.clone())
            .route("/metrics", web::get().to(crate::scrape::open))
    })
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .run();
    tracing::info!(address = %bind, port, "metrics are served on {bind}/metrics");
    Ok((port, server))
}

fn run(
    listener: TcpListener,
    services: Services,
    settings: &Settings,
    setup_code: SetupCode,
    draining: Draining,
) -> std::io::Result<Server> {
    let session_store = services.sessions.store();
    let services = web::Data::new(services);
    let graphql = web::Data::new(crate::api::graphql_schema(
        services.clone(),
        settings.graphql_introspection,
    ));
    let setup_code = web::Data::new(setup_code);
    let reveal_keys = settings.keys.derive("reveal");
    let reveal = web::Data::new(RevealCipher::new(reveal_keys.current, &reveal_keys.older));
    let signing = settings.keys.derive("access-token");
    let access_keys = web::Data::new(AccessTokenKeys::with_older(
        signing.current,
        &signing.older,
        chrono::Duration::minutes(i64::from(settings.access_token_minutes)),
    ));
    let cookie_keys = crate::web::SessionCookieKeys::from_ring(
        &settings.keys,
        session_cookie_name(settings.cookie_secure),
    );
    let cookie_key = cookie_keys.current().clone();
    let trusted_proxies = settings.trusted_proxies.clone();
    let metrics_token = settings.metrics.token.clone();
    let deadline = RequestDeadline(settings.lifecycle.request_deadline);
    let cookie_secure = settings.cookie_secure;
    let idle = actix_web::cookie::time::Duration::seconds(
        services.sessions.lifetimes().idle.num_seconds(),
    );
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(session_store.clone(), cookie_key.clone())
            .cookie_name(session_cookie_name(cookie_secure).to_owned())
            .cookie_secure(cookie_secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(
                BrowserSession::default()
                    .state_ttl(idle)
                    .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
            )
            .build();
        App::new()
            .wrap(shutdown::CloseWhileDraining(draining.clone()))
            .wrap(crate::telemetry::RequestContext)
            .app_data(services.clone())
            .app_data(graphql.clone())
            .app_data(setup_code.clone())
            .app_data(reveal.clone())
            .app_data(access_keys.clone())
            .app_data(trusted_proxies.clone())
            .app_data(deadline)
            .app_data(cookie_keys.clone())
            .app_data(draining.clone())
            .app_data(metrics_token.clone())
            .app_data(
                web::PathConfig::default().error_handler(|_, _| crate::web::not_found().into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| crate::web::bad_request(e.to_string()).into()),
            )
            .configure(crate::api::configure)
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .route("/metrics", web::get().to(crate::scrape::guarded))
            .service(
                web::scope("")
                    .wrap(actix_web::middleware::from_fn(
                        crate::web::error_pages_in_layout,
                    ))
                    .wrap(sessions)
                    .wrap(actix_web::middleware::from_fn(
                        crate::web::reseal_older_session_cookies,
                    ))
                    .wrap(actix_web::middleware::from_fn(
                        crate::web::session_failures_as_unavailable,
                    ))
                    .wrap(actix_web::middleware::from_fn(
                        within_deadline::<crate::web::PageError>,
                    ))
                    .configure(crate::web::routes)
                    .default_service(web::to(crate::web::page_not_found)),
            )
    })
    .listen(listener)?
    // Signals are handled by `serve_then_drain`, which drains before it stops.
    .disable_signals()
    .shutdown_timeout(shutdown::IN_FLIGHT_GRACE_SECONDS)
    .run();
    Ok(server)
}

/// `__Host-` binds the cookie to this exact host over https (no `Domain`, `Path=/`, `Secure`),
/// so a sibling subdomain cannot plant or overwrite it. Browsers refuse the prefix without
/// `Secure`, so plain-http development keeps the bare name.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-latchkey_session"
    } else {
        "latchkey_session"
    }
}

/// Eight characters from an alphabet without look-alikes, shown as `XXXX-XXXX`.
/// Where a browser on this machine reaches the listener: an unspecified address (`0.0.0.0`)
/// is reached at the loopback one.
fn local_url(address: std::net::SocketAddr) -> String {
    let ip = match address.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => std::net::Ipv4Addr::LOCALHOST.into(),
        ip if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("http://{}", std::net::SocketAddr::new(ip, address.port()))
}

/// The first-run setup code, derived from the secret key: every instance sharing the key
/// prints the same one, so the browser may finish setup on whichever instance it reaches.
/// It guards setup only while no user exists.
fn setup_code_of(keys: &crate::config::KeyRing) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let derived = keys.current().derive("first-run-setup-code");
    let chars: String = derived[..8]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers, and the instance is not draining.
async fn readyz(request: actix_web::HttpRequest, services: web::Data<Services>) -> HttpResponse {
    if request
        .app_data::<Draining>()
        .is_some_and(Draining::is_draining)
    {
        return not_ready("draining: the instance is shutting down");
    }
    let deadline = request
        .app_data::<RequestDeadline>()
        .copied()
        .unwrap_or_default();
    match deadline.bound(services.ready()).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            not_ready("database unreachable")
        }
    }
}

fn not_ready(reason: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((
            actix_web::http::header::RETRY_AFTER,
            crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS,
        ))
        .json(serde_json::json!({ "status": "unavailable", "reason": reason }))
}
