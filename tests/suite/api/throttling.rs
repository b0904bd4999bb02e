//! Guesses held back on the management API and on `/verify`; clients told apart only through
//! a trusted proxy. The throttle counts in memory, so one backend suffices.

use super::*;
use latchkey::client_address::TrustedProxies;
use latchkey::throttle::Rule;
use latchkey::tokens::TokenSecret;
use std::time::Duration;

fn guess() -> String {
    TokenSecret::generate().unwrap().expose_secret().to_owned()
}

async fn app_with(change: impl FnOnce(&mut latchkey::config::Settings)) -> TestApp {
    let mut app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.reconfigure(change);
    app
}

fn behind_proxy(settings: &mut latchkey::config::Settings) {
    settings.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").unwrap();
}

impl ApiServer {
    async fn get_from(&self, path: &str, bearer: &str, client: &str) -> Reply {
        self.raw(
            self.client()
                .get(format!("{}{path}", self.base))
                .bearer_auth(bearer)
                .header("x-forwarded-for", client),
        )
        .await
    }

    async fn verify_from(&self, body: Value, forwarded_for: Option<&str>) -> Reply {
        let mut request = self
            .client()
            .post(format!("{}/verify", self.base))
            .json(&body);
        if let Some(client) = forwarded_for {
            request = request.header("x-forwarded-for", client);
        }
        self.raw(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bearer_tokens_from_one_address_are_held_while_others_go_on() {
    let app = app_with(|s| {
        behind_proxy(s);
        s.throttle.api_auth_per_address = Rule::new(30, Duration::from_secs(300));
    })
    .await;
    let api = ApiServer::start(app).await;
    let project = api.project("acme", Plan::Professional).await;
    let valid = api.issue(&project, token("CI")).await.secret;
    let valid = valid.expose_secret();

    let mut refused = Vec::new();
    for _ in 0..100 {
        refused.push(
            api.get_from("/tokens", &guess(), "203.0.113.66")
                .await
                .status
                .as_u16(),
        );
    }
    assert!(refused[..30].iter().all(|s| *s == 401), "{refused:?}");
    assert!(refused[30..].iter().all(|s| *s == 429), "{refused:?}");

    let held = api.get_from("/tokens", valid, "203.0.113.66").await;
    held.assert_error(429, "rate_limited");
    let wait: u64 = held.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    for _ in 0..5 {
        assert_eq!(
            api.get_from("/tokens", valid, "198.51.100.7").await.status,
            200
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_not_believed_from_an_untrusted_peer() {
    let app = app_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        s.throttle.api_auth_per_address = Rule::new(3, Duration::from_secs(300));
    })
    .await;
    let api = ApiServer::start(app).await;
    for n in 0..3 {
        let reply = api
            .get_from("/tokens", &guess(), &format!("203.0.113.{n}"))
            .await;
        assert_eq!(reply.status, 401);
    }
    // A fresh forwarded address changes nothing: the peer (127.0.0.1) is the client.
    api.get_from("/tokens", &guess(), "198.51.100.99")
        .await
        .assert_error(429, "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_refresh_with_a_guessed_token_counts_as_a_failed_authentication() {
    let app =
        app_with(|s| s.throttle.api_auth_per_address = Rule::new(2, Duration::from_secs(300)))
            .await;
    let api = ApiServer::start(app).await;
    for _ in 0..2 {
        api.post("/tokens/refresh", Some(&guess()), json!({}))
            .await
            .assert_error(401, "authentication_error");
    }
    api.post("/tokens/refresh", Some(&guess()), json!({}))
        .await
        .assert_error(429, "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verify_storm_for_one_client_holds_that_client_only() {
    let app = app_with(|s| {
        s.throttle.verify_per_client = Rule::new(20, Duration::from_secs(300));
        s.throttle.verify_per_source = Rule::new(1_000, Duration::from_secs(60));
    })
    .await;
    let api = ApiServer::start(app).await;
    let project = api.project("acme", Plan::Professional).await;
    let valid = api.issue(&project, token("CI")).await.secret;
    let valid = valid.expose_secret();

    let mut statuses = Vec::new();
    for _ in 0..60 {
        let reply = api
            .verify_from(
                json!({ "token": guess(), "client_ip": "203.0.113.9" }),
                None,
            )
            .await;
        statuses.push(reply.status.as_u16());
    }
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[20..].iter().all(|s| *s == 429), "{statuses:?}");

    // Held, the client is refused even with a valid token; the service's other clients and
    // its own checks (no client named) go on.
    let held = api
        .verify_from(json!({ "token": valid, "client_ip": "203.0.113.9" }), None)
        .await;
    held.assert_error(429, "rate_limited");
    assert!(held.headers.contains_key("retry-after"));
    let other = api
        .verify_from(json!({ "token": valid, "client_ip": "203.0.113.10" }), None)
        .await;
    assert_eq!(other.status, 200, "{}", other.body);
    assert_eq!(
        api.verify_from(json!({ "token": valid }), None)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_naming_ever_new_clients_meets_its_own_limit() {
    let app = app_with(|s| {
        behind_proxy(s);
        s.throttle.verify_per_client = Rule::new(20, Duration::from_secs(300));
        s.throttle.verify_per_source = Rule::new(25, Duration::from_secs(60));
    })
    .await;
    let api = ApiServer::start(app).await;
    for n in 0..25 {
        let body = json!({ "token": guess(), "client_ip": format!("203.0.113.{n}") });
        assert_eq!(api.verify_from(body, Some("10.9.0.1")).await.status, 401);
    }
    let body = json!({ "token": guess(), "client_ip": "198.51.100.1" });
    api.verify_from(body.clone(), Some("10.9.0.1"))
        .await
        .assert_error(429, "rate_limited");
    // Another service, behind the same trusted proxy, is its own source.
    assert_eq!(api.verify_from(body, Some("10.9.0.2")).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_refuses_a_client_ip_that_is_not_an_address() {
    let api = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let reply = api
        .verify_from(json!({ "token": guess(), "client_ip": "not-an-ip" }), None)
        .await;
    assert!(
        reply.assert_error(422, "validation_error")["client_ip"][0].is_string(),
        "{}",
        reply.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_lacking_a_permission_is_not_a_guess() {
    let app =
        app_with(|s| s.throttle.verify_per_client = Rule::new(2, Duration::from_secs(300))).await;
    let api = ApiServer::start(app).await;
    let project = api.project("acme", Plan::Professional).await;
    api.app.content_type(&project, "article").await;
    let narrow = api
        .issue(&project, custom("Reader", &["article.find"]))
        .await
        .secret;
    for _ in 0..5 {
        let body = json!({ "token": narrow.expose_secret(), "permission": "article.create", "client_ip": "203.0.113.5" });
        api.verify_from(body, None)
            .await
            .assert_error(403, "authorization_error");
    }
}
