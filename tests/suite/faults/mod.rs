//! The database failing under a running server, through a TCP proxy the test owns (the
//! servers themselves are never touched): every face answers 503 with `Retry-After` and its
//! security headers within a second, a cached "valid" outlives the database by at most the
//! cache lifetime, and everything answers again within a second of the database coming back,
//! without a restart.

mod proxy;

use crate::dashboard::{Dashboard, tokens_path};
use crate::helpers::*;
use latchkey::domain::{Actor, Plan, Role};
use proxy::{FaultProxy, Mode, upstream_of};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// What the request deadline promises: a 503 within this long of the database
/// going away, and answers again within this long of its return.
const BOUND: Duration = Duration::from_secs(1);

/// The secret of an issued token, as a client sends it.
fn expose(issued: &latchkey::tokens::IssuedToken) -> String {
    issued.secret.expose_secret().to_owned()
}

macro_rules! fault_drills {
    ($( $name:ident: $mode:expr ),* $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    drill(Backend::Postgres, "LATCHKEY_TEST_POSTGRES_URL", $mode).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    drill(Backend::Mysql, "LATCHKEY_TEST_MYSQL_URL", $mode).await
                }
            }
        )*
    };
}

fault_drills! {
    a_database_that_resets_connections: Mode::Reset,
    a_silent_database_partition: Mode::Silent,
}

/// A database that answers, but not in time: another client holds a lock on the tokens
/// table. Connections are handed out at once (their check passes), so only the request
/// deadline stands between the client and the server's statement timeout.
mod a_tokens_table_locked_by_another_client {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        locked_table(
            Backend::Postgres,
            "LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE",
            None,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mysql() {
        locked_table(
            Backend::Mysql,
            "LOCK TABLES api_tokens WRITE",
            Some("UNLOCK TABLES"),
        )
        .await
    }
}

async fn locked_table(backend: Backend, lock: &str, unlock: Option<&str>) {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    // A lock cuts no connection: PostgreSQL's change feed stays up and keeps cached answers
    // true (nobody can revoke through the lock either). The pushed lifetime is held to the
    // fallback one, so that it is the reads waiting on the lock that are under test.
    let Some(app) = TestApp::spawn_routed(
        backend,
        |_| None,
        |settings| {
            product_cache_lifetime(settings);
            settings.verify_cache_pushed_seconds = 1;
        },
    )
    .await
    else {
        return;
    };
    let direct = app.db.clone();
    let Staged { faces, ttl, .. } = stage(app).await;
    tokio::time::sleep(ttl).await;

    // The caller's bearer is cached, so that the management API's own read is what waits.
    assert_eq!(faces.verify(&expose(&faces.caller)).await.0, StatusCode::OK);
    let holder = direct.begin().await.unwrap();
    holder.execute_unprepared(lock).await.unwrap();
    for probe in [Probe::ManagementApi, Probe::DashboardSignedIn] {
        assert_unavailable(probe, &faces.send(probe).await);
    }
    // Past the cached answer's lifetime, verify's own read waits too.
    tokio::time::sleep(ttl).await;
    assert_unavailable(Probe::Verify, &faces.send(Probe::Verify).await);
    let reading_tokens = [
        Probe::Verify,
        Probe::ManagementApi,
        Probe::DashboardSignedIn,
    ];
    if let Some(unlock) = unlock {
        holder.execute_unprepared(unlock).await.unwrap();
    }
    holder.rollback().await.unwrap();
    faces.all_answer_within_the_bound(&reading_tokens).await;
}

/// One request of each face, as sent while the database is away and after it is back.
#[derive(Debug, Clone, Copy)]
enum Probe {
    Verify,
    ManagementApi,
    DashboardSignedIn,
    DashboardAnonymous,
    Readiness,
}

const PROBES: [Probe; 5] = [
    Probe::Verify,
    Probe::ManagementApi,
    Probe::DashboardSignedIn,
    Probe::DashboardAnonymous,
    Probe::Readiness,
];

struct Faces {
    base: String,
    client: reqwest::Client,
    signed_in: crate::dashboard::Browser,
    anonymous: crate::dashboard::Browser,
    caller: latchkey::tokens::IssuedToken,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
    took: Duration,
}

/// A response's status, headers and text.
async fn read(
    request: reqwest::RequestBuilder,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

impl Faces {
    async fn send(&self, probe: Probe) -> Answer {
        let started = Instant::now();
        let (status, headers, body) = match probe {
            Probe::Verify => {
                read(
                    self.client
                        .post(format!("{}/api/v1/verify", self.base))
                        .json(&json!({ "token": expose(&self.caller) })),
                )
                .await
            }
            Probe::ManagementApi => {
                let path = format!("{}/api/v1/tokens/{}", self.base, self.caller.token.id);
                read(self.client.get(path).bearer_auth(expose(&self.caller))).await
            }
            Probe::DashboardSignedIn => {
                let page = self.signed_in.get(&tokens_path("acme")).await;
                (page.status, page.headers, page.html)
            }
            Probe::DashboardAnonymous => {
                let page = self.anonymous.get("/login").await;
                (page.status, page.headers, page.html)
            }
            Probe::Readiness => read(self.client.get(format!("{}/readyz", self.base))).await,
        };
        Answer {
            status,
            headers,
            body,
            took: started.elapsed(),
        }
    }

    /// Sends `probes` until each answers 200, within `BOUND` of the call.
    async fn all_answer_within_the_bound(&self, probes: &[Probe]) {
        let healed = Instant::now();
        let mut waiting: Vec<Probe> = probes.to_vec();
        while !waiting.is_empty() {
            assert!(
                healed.elapsed() < BOUND,
                "still unavailable {:?} after the database came back: {waiting:?}",
                healed.elapsed()
            );
            let mut still = Vec::new();
            for probe in waiting {
                if self.send(probe).await.status != StatusCode::OK {
                    still.push(probe);
                }
            }
            waiting = still;
            if !waiting.is_empty() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    async fn verify(&self, secret: &str) -> (StatusCode, serde_json::Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/verify", self.base))
            .json(&json!({ "token": secret }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

/// The 503 of each face: the answer, its headers, and the request id to find its log lines.
#[track_caller]
fn assert_unavailable(probe: Probe, answer: &Answer) {
    let context = format!(
        "{probe:?} answered {} in {:?}: {}",
        answer.status, answer.took, answer.body
    );
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{context}");
    assert!(answer.took < BOUND, "{context}");
    assert_eq!(answer.headers["retry-after"], "1", "{context}");
    match probe {
        Probe::Verify | Probe::ManagementApi => {
            let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(body["error"]["code"], "unavailable", "{context}");
            assert_eq!(
                body["error"]["trace_id"].as_str().unwrap().len(),
                36,
                "{context}"
            );
            assert_eq!(answer.headers["cache-control"], "no-store", "{context}");
            assert_eq!(
                answer.headers["x-content-type-options"], "nosniff",
                "{context}"
            );
        }
        Probe::DashboardSignedIn | Probe::DashboardAnonymous => {
            assert!(answer.body.contains("Temporarily unavailable"), "{context}");
            assert!(answer.body.contains("Request id: <code>"), "{context}");
            assert_eq!(answer.headers["x-frame-options"], "DENY", "{context}");
            assert!(
                answer.headers["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("object-src 'none'"),
                "{context}"
            );
        }
        Probe::Readiness => {
            let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(body["status"], "unavailable", "{context}");
        }
    }
}

/// A running server with a project, a signed-in member and two tokens, every face answering.
struct Staged {
    _dashboard: Dashboard,
    faces: Faces,
    cached: latchkey::tokens::IssuedToken,
    ttl: Duration,
}

async fn stage(app: TestApp) -> Staged {
    let ttl = Duration::from_millis(u64::from(app.settings.verify_cache_ttl_ms));
    let dashboard = Dashboard::start(app).await;
    let project = dashboard.project("acme", Plan::Professional).await;
    let signed_in = dashboard
        .member(&project, "ada@example.com", Role::Admin)
        .await;
    let caller = dashboard
        .app
        .issue(&Actor::system(), &project, token("Caller"))
        .await;
    let cached = dashboard
        .app
        .issue(&Actor::system(), &project, token("Cached"))
        .await;
    let faces = Faces {
        base: dashboard.base.clone(),
        client: crate::helpers::http_client(),
        signed_in,
        anonymous: dashboard.browser(),
        caller,
    };
    for probe in PROBES {
        let answer = faces.send(probe).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{probe:?} before the fault: {}",
            answer.body
        );
    }
    Staged {
        _dashboard: dashboard,
        faces,
        cached,
        ttl,
    }
}

/// The product's cache lifetime, whose bound is under test (the suite's default is long).
fn product_cache_lifetime(settings: &mut latchkey::config::Settings) {
    settings.verify_cache_ttl_ms = latchkey::config::DEFAULT_VERIFY_CACHE_TTL_MS;
}

async fn drill(backend: Backend, variable: &str, mode: Mode) {
    let Some(direct) = std::env::var(variable).ok().filter(|url| !url.is_empty()) else {
        return;
    };
    let proxy = FaultProxy::start(upstream_of(&direct)).await;
    let app = TestApp::spawn_routed(
        backend,
        |url| Some(proxy.route(url)),
        product_cache_lifetime,
    )
    .await
    .unwrap();
    let Staged {
        _dashboard,
        faces,
        cached,
        ttl,
    } = stage(app).await;

    // Nothing the checks above read is cached any more; `cached` alone is, read last before
    // this instant.
    tokio::time::sleep(ttl).await;
    assert_eq!(faces.verify(&expose(&cached)).await.0, StatusCode::OK);
    let cached_at = Instant::now();
    proxy.set(mode);

    // A cached "valid" may be served for the cache lifetime after its read, never longer;
    // then the database is asked, and the answer is "unavailable".
    loop {
        let (status, body) = faces.verify(&expose(&cached)).await;
        let answered = cached_at.elapsed();
        match status {
            StatusCode::OK => assert!(
                answered < ttl + Duration::from_millis(100),
                "a cached answer outlived the cache lifetime: {answered:?} > {ttl:?}: {body}"
            ),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(body.get("valid").is_none(), "{body}");
                if answered > ttl {
                    break;
                }
            }
            other => panic!("unexpected {other} during the fault: {body}"),
        }
        assert!(
            answered < ttl * 3,
            "no answer settled the cache bound: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    for probe in PROBES {
        assert_unavailable(probe, &faces.send(probe).await);
    }

    proxy.set(Mode::Pass);
    faces.all_answer_within_the_bound(&PROBES).await;
    assert_eq!(faces.verify(&expose(&cached)).await.0, StatusCode::OK);
}
