//! Forward auth through real reverse proxies: nginx (`auth_request`) and Caddy
//! (`forward_auth`) from their Debian packages, each started on a random port with the config
//! `docs/integrations/` gives, in front of an upstream that echoes what reached it.
//!
//! The proxies are not on every laptop: without one the trial says so and passes, unless
//! `LATCHKEY_TEST_PROXIES` is set (CI sets it, and installs both).

use crate::api::ApiServer;
use crate::helpers::*;
use crate::nginx::Nginx;
use crate::process::{Server, free_port};
use latchkey::domain::{Actor, Plan, RoutePrefix};
use latchkey::projects::Project;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const NGINX_CONFIG: &str = include_str!("../../docs/integrations/nginx.conf");
const CADDYFILE: &str = include_str!("../../docs/integrations/Caddyfile");
const INTEGRATIONS: &str = include_str!("../../docs/integrations.md");

/// The documented configs point at Latchkey here and at the service there.
const DOC_LATCHKEY: &str = "127.0.0.1:8080";
const DOC_UPSTREAM: &str = "127.0.0.1:3000";

fn required() -> bool {
    std::env::var_os("LATCHKEY_TEST_PROXIES").is_some()
}

#[test]
fn the_integrations_guide_shows_the_configs_that_are_tested() {
    for (name, config) in [("nginx.conf", NGINX_CONFIG), ("Caddyfile", CADDYFILE)] {
        assert!(
            INTEGRATIONS.contains(config.trim()),
            "docs/integrations.md no longer shows docs/integrations/{name} as it is"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_auth_request_lets_through_exactly_what_forward_auth_allows() {
    if Nginx::binary().is_none() {
        assert!(!required(), "nginx is not installed");
        eprintln!("nginx is not installed: skipped");
        return;
    }
    let scene = Scene::start().await;
    let config = NGINX_CONFIG
        .replace(DOC_LATCHKEY, &scene.latchkey)
        .replace(DOC_UPSTREAM, &scene.upstream);
    let nginx = Nginx::serve(scene.api.app.dir.path(), |port| {
        config.replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
    })
    .await;
    scene.exercise(&nginx.base).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caddy_forward_auth_lets_through_exactly_what_forward_auth_allows() {
    let Some(caddy) = ["/usr/bin/caddy", "/usr/local/bin/caddy"]
        .into_iter()
        .find(|path| Path::new(path).exists())
    else {
        assert!(!required(), "caddy is not installed");
        eprintln!("caddy is not installed: skipped");
        return;
    };
    let scene = Scene::start().await;
    let port = free_port();
    let dir = scene.api.app.dir.path().join("caddy");
    std::fs::create_dir_all(&dir).unwrap();
    // No admin endpoint (its fixed port would collide), no certificates, state in the test's
    // folder.
    let config = format!(
        "{{\n\tadmin off\n\tauto_https off\n}}\n{}",
        CADDYFILE
            .replace(DOC_LATCHKEY, &scene.latchkey)
            .replace(DOC_UPSTREAM, &scene.upstream)
            .replace(":80 {", &format!("http://127.0.0.1:{port} {{"))
    );
    let caddyfile = dir.join("Caddyfile");
    std::fs::write(&caddyfile, config).unwrap();
    let log = dir.join("caddy.log");
    let child = std::process::Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&caddyfile)
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", &dir)
        .env("XDG_CONFIG_HOME", &dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let _caddy = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while crate::helpers::http_get(format!("{base}/healthz"))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "caddy did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    scene.exercise(&base).await;
}

/// Latchkey with a project whose REST routes are under `/api`, a reader token, and the
/// echoing upstream.
struct Scene {
    api: ApiServer,
    project: Project,
    reader: latchkey::tokens::IssuedToken,
    /// host:port of each.
    latchkey: String,
    upstream: String,
}

impl Scene {
    async fn start() -> Scene {
        let app = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
        let project = app.project("acme", Plan::Professional).await;
        app.app.content_type(&project, "article").await;
        app.app.content_type(&project, "report").await;
        app.services
            .projects
            .set_route_prefix(
                &Actor::system(),
                project.id,
                Some(RoutePrefix::parse("/api").unwrap()),
            )
            .await
            .unwrap();
        let reader = app
            .issue(
                &project,
                custom(
                    "Site reader",
                    &["article.find", "article.findOne", "report.find"],
                ),
            )
            .await;
        let latchkey = app
            .base
            .trim_start_matches("http://")
            .trim_end_matches("/api/v1")
            .to_owned();
        let upstream = echo_upstream().await;
        Scene {
            api: app,
            project,
            reader,
            latchkey,
            upstream,
        }
    }

    async fn exercise(&self, base: &str) {
        let client = crate::helpers::http_client();
        let secret = self.reader.secret.expose_secret();
        let send = |method: Method, path: &str, bearer: Option<&str>, headers: &[(&str, &str)]| {
            let mut request = client.request(method, format!("{base}{path}"));
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send()
        };

        // Valid and allowed: the upstream answers, told who the token is, and not what the
        // client claimed.
        let allowed = send(
            Method::GET,
            "/api/articles?sort=title",
            Some(secret),
            &[("latchkey-user", "forged"), ("latchkey-token-id", "forged")],
        )
        .await
        .unwrap();
        assert_eq!(allowed.status(), StatusCode::OK);
        let echoed: Value = allowed.json().await.unwrap();
        assert_eq!(echoed["path"], "/api/articles?sort=title");
        let seen = &echoed["headers"];
        assert_eq!(
            seen["latchkey-token-id"],
            json!(self.reader.token.id.to_string()),
            "{echoed}"
        );
        assert_eq!(seen["latchkey-token-name"], "Site reader");
        assert_eq!(seen["latchkey-project"], "acme");
        assert_eq!(seen["latchkey-token-kind"], "service");
        // A service token has no user: nginx drops the empty header, Caddy passes it empty.
        assert!(
            seen.get("latchkey-user").is_none_or(|user| user == ""),
            "a client's claim reached the upstream: {echoed}"
        );
        let one = send(Method::GET, "/api/articles/7", Some(secret), &[])
            .await
            .unwrap();
        assert_eq!(one.status(), StatusCode::OK);

        // Valid but not allowed, even when the client names a permission it has.
        for headers in [&[][..], &[("latchkey-permission", "article.find")][..]] {
            let refused = send(Method::DELETE, "/api/articles/7", Some(secret), headers)
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{headers:?}");
        }
        let other_type = send(Method::GET, "/api/articlesX", Some(secret), &[])
            .await
            .unwrap();
        assert_eq!(other_type.status(), StatusCode::FORBIDDEN);

        // Missing or unknown: 401 with the challenge.
        let unknown = latchkey::tokens::TokenSecret::from_bytes(&[9; 32]);
        for bearer in [None, Some(unknown.expose_secret())] {
            let refused = send(Method::GET, "/api/articles", bearer, &[])
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{bearer:?}");
            assert_eq!(refused.headers()["www-authenticate"], "Bearer");
        }

        // A location that names its permission.
        let report = send(Method::GET, "/reports/weekly", Some(secret), &[])
            .await
            .unwrap();
        assert_eq!(report.status(), StatusCode::OK);

        // Revoked: refused through the proxy on the very next request.
        self.api
            .services
            .tokens
            .revoke(&Actor::system(), self.project.id, self.reader.token.id)
            .await
            .unwrap();
        let revoked = send(Method::GET, "/api/articles", Some(secret), &[])
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    }
}

/// An upstream that answers every request with its method, path and headers as JSON.
async fn echo_upstream() -> String {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    async fn echo(req: HttpRequest) -> HttpResponse {
        let headers: serde_json::Map<String, Value> = req
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    json!(value.to_str().unwrap_or_default()),
                )
            })
            .collect();
        HttpResponse::Ok().json(json!({
            "method": req.method().as_str(),
            "path": req.uri().to_string(),
            "headers": headers,
        }))
    }
    let server = HttpServer::new(|| App::new().default_service(web::to(echo)))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    address.to_string()
}
