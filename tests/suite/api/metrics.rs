//! `/metrics`: parsed as Prometheus text by a real parser, its counters moving by exactly the
//! calls made, on a listener of its own or behind the bearer secret on the main one.

use super::*;
use latchkey::config::{MetricsSettings, MetricsToken};
use prometheus_parse::{Scrape, Value as Metric};

const SCRAPER_SECRET: &str = "a-scraper-secret-of-enough-length";

async fn with_metrics(mut app: TestApp) -> ApiServer {
    app.settings.metrics = MetricsSettings {
        bind: Some("127.0.0.1:0".into()),
        token: Some(MetricsToken::parse(SCRAPER_SECRET).unwrap()),
    };
    ApiServer::start(app).await
}

struct Scraped(Scrape);

impl Scraped {
    async fn from(api: &ApiServer) -> Scraped {
        let base = api.metrics_base.as_ref().expect("a metrics listener");
        let response = crate::helpers::http_get(format!("{base}/metrics"))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let text = response.text().await.unwrap();
        // The parser skips what it cannot read: every sample line must be of the strict shape.
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("no value: {line}"));
            assert!(value == "+Inf" || value.parse::<f64>().is_ok(), "{line}");
            let name = series.split('{').next().unwrap();
            assert!(
                name.starts_with("latchkey_")
                    && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{line}"
            );
        }
        Scraped(Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).unwrap())
    }

    /// The value of the sample `metric` whose labels include `labels`.
    fn value(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        let sample = self
            .0
            .samples
            .iter()
            .find(|sample| {
                sample.metric == metric
                    && labels.iter().all(|(k, v)| sample.labels.get(k) == Some(*v))
            })
            .unwrap_or_else(|| panic!("no sample {metric} {labels:?}"));
        match &sample.value {
            Metric::Counter(value) | Metric::Gauge(value) | Metric::Untyped(value) => *value,
            Metric::Histogram(buckets) => buckets.last().map_or(0.0, |bucket| bucket.count),
            Metric::Summary(_) => panic!("no summaries here"),
        }
    }

    fn checks(&self, face: &str, outcome: &str) -> f64 {
        self.value(
            "latchkey_verifications_total",
            &[("face", face), ("outcome", outcome)],
        )
    }
}

backend_tests! {
    async fn metrics_count_every_check_and_sign_in_exactly(app) {
        let api = with_metrics(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let reader = api.issue(&project, custom("Reader", &["article.find", "api-token.find"])).await;
        let secret = reader.secret.expose_secret().to_owned();
        let unknown = latchkey::tokens::TokenSecret::from_bytes(&[5; 32]);
        let before = Scraped::from(&api).await;
        assert_eq!(before.value("latchkey_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);

        for _ in 0..3 {
            assert_eq!(api.post("/verify", None, json!({ "token": secret, "permission": "article.find" })).await.status, 200);
        }
        for _ in 0..2 {
            api.post("/verify", None, json!({ "token": unknown.expose_secret() })).await.assert_error(401, "authentication_error");
        }
        api.post("/verify", None, json!({ "token": secret, "permission": "article.delete" })).await.assert_error(403, "authorization_error");
        api.post("/verify", None, json!({ "token": "lk_garbage" })).await.assert_error(401, "authentication_error");
        let forward = |bearer: Option<&str>| {
            let mut request = api.client().get(format!("{}/forward-auth?permission=article.find", api.base));
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            request.send()
        };
        for _ in 0..2 {
            assert_eq!(forward(Some(&secret)).await.unwrap().status(), 200);
        }
        assert_eq!(forward(None).await.unwrap().status(), 401);
        assert_eq!(api.get("/tokens", &secret).await.status, 200);
        let graphql = format!("{}/graphql", api.base.trim_end_matches("/api/v1"));
        let asked = api.client().post(graphql).bearer_auth(&secret).json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
        assert_eq!(asked.status(), 200);
        api.app.member(&project, "ada@example.com", Role::Admin).await;
        api.login("acme", "ada@example.com").await;
        let wrong = api.post("/auth/login", None, json!({ "email": "ada@example.com", "password": "not it at all", "project": "acme" })).await;
        wrong.assert_error(401, "authentication_error");

        let after = Scraped::from(&api).await;
        let moved = |face: &str, outcome: &str| after.checks(face, outcome) - before.checks(face, outcome);
        assert_eq!(moved("verify", "valid"), 3.0);
        assert_eq!(moved("verify", "unknown"), 2.0);
        assert_eq!(moved("verify", "forbidden"), 1.0);
        assert_eq!(moved("verify", "malformed"), 1.0);
        assert_eq!(moved("forward-auth", "valid"), 2.0);
        assert_eq!(moved("forward-auth", "malformed"), 1.0);
        assert_eq!(moved("api", "valid"), 1.0);
        assert_eq!(moved("graphql", "valid"), 1.0);
        let timed = |face: &str| {
            after.value("latchkey_verification_duration_seconds", &[("face", face)])
                - before.value("latchkey_verification_duration_seconds", &[("face", face)])
        };
        assert_eq!(timed("verify"), 7.0, "every check is timed once");
        assert_eq!(timed("forward-auth"), 3.0);
        let signed_in = |outcome: &str| {
            after.value("latchkey_sign_ins_total", &[("outcome", outcome)]) - before.value("latchkey_sign_ins_total", &[("outcome", outcome)])
        };
        assert_eq!(signed_in("succeeded"), 1.0);
        assert_eq!(signed_in("failed"), 1.0);
        assert_eq!(signed_in("throttled"), 0.0);
        let lookups = |result: &str| {
            after.value("latchkey_verification_cache_lookups_total", &[("result", result)])
                - before.value("latchkey_verification_cache_lookups_total", &[("result", result)])
        };
        // The first check of each token misses; every later one of a known token hits.
        assert!(lookups("hit") >= 6.0, "{}", lookups("hit"));
        assert!(lookups("miss") >= 1.0);
        assert!(after.value("latchkey_known_digests", &[]) >= 1.0);
        assert!(after.value("latchkey_db_pool_max_connections", &[]) >= 1.0);

        // The flusher's rounds are counted as they happen (one a second here).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while Scraped::from(&api).await.value("latchkey_last_used_flushes_total", &[]) < 1.0 {
            assert!(std::time::Instant::now() < deadline, "no flush counted within 10 s");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// Every series the Grafana dashboard in `docs/grafana/` queries is one `/metrics` serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grafana_dashboard_queries_only_metrics_that_exist() {
    let dashboard: Value =
        serde_json::from_str(include_str!("../../../docs/grafana/latchkey.json")).unwrap();
    let api = with_metrics(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let base = api.metrics_base.as_ref().unwrap();
    let exposition = crate::helpers::http_get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let served: std::collections::BTreeSet<&str> = exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split(['{', ' ']).next().unwrap())
        .collect();
    let mut queried = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(at) = rest.find("latchkey_") {
                let name: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                assert!(
                    served.contains(name.as_str()),
                    "panel {:?} queries {name}, which /metrics does not serve",
                    panel["title"]
                );
                queried += 1;
                rest = &rest[at + name.len()..];
            }
        }
    }
    assert!(queried >= 15, "{queried}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_listener_serves_metrics_only_with_the_scrapers_secret() {
    let api = with_metrics(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let url = format!("{}/metrics", api.base.trim_end_matches("/api/v1"));
    let client = api.client();
    let missing = client.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let wrong = client
        .get(&url)
        .bearer_auth("a-scraper-secret-of-enough-lengtX")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client
        .get(&url)
        .bearer_auth(SCRAPER_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("latchkey_verifications_total")
    );

    // Not configured: there is no /metrics.
    let plain = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    assert!(plain.metrics_base.is_none());
    let url = format!("{}/metrics", plain.base.trim_end_matches("/api/v1"));
    let absent = plain
        .client()
        .get(&url)
        .bearer_auth(SCRAPER_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(absent.status(), 404);
}
