//! The GraphQL face over real HTTP: seed 000's two requests byte for byte, the error codes,
//! the limits, the transport rules, and the checked-in SDL.

use super::*;
use latchkey::domain::{Plan, Role};
use latchkey::tokens::{DurationInput, NewTokenInput};
use serde_json::{Value, json};

impl ApiServer {
    fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base.trim_end_matches("/api/v1"))
    }

    /// Sends `body` as it is, the way curl's `-d` does.
    async fn graphql_raw(&self, bearer: Option<&str>, body: &str) -> Reply {
        let mut request = self
            .client()
            .post(self.graphql_url())
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(bearer) = bearer {
            request = request.header("Authorization", format!("Bearer {bearer}"));
        }
        self.raw(request).await
    }

    async fn graphql(&self, bearer: Option<&str>, query: &str, variables: Value) -> Reply {
        self.graphql_raw(
            bearer,
            &json!({ "query": query, "variables": variables }).to_string(),
        )
        .await
    }
}

fn first_error(reply: &Reply) -> &Value {
    assert_eq!(
        reply.status, 200,
        "GraphQL errors keep HTTP 200: {}",
        reply.body
    );
    let error = &reply.body["errors"][0];
    assert_eq!(
        error["extensions"]["traceId"].as_str().map(str::len),
        Some(36),
        "{}",
        reply.body
    );
    error
}

backend_tests! {
    async fn seed_000s_two_requests_work_as_written(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let issued = api.issue(&project, NewTokenInput { duration: DurationInput::Days(180), ..token("Integration") }).await;
        let old = issued.secret.expose_secret().to_owned();

        // The query of "Using a token": a field this schema does not have is a schema error.
        let query = api.graphql_raw(Some(&old), r#"{"query": "query { languages(first: 10) { nodes { id name } } }"}"#).await;
        let error = first_error(&query);
        assert!(error["message"].as_str().unwrap().contains("Unknown field \"languages\""), "{}", query.body);
        assert!(query.body.get("data").is_none_or(Value::is_null), "{}", query.body);

        // The mutation of "Refreshing a token", exactly as the seed writes it.
        let body = r#"{
"query": "mutation($input: RefreshPublicAccessTokenInput!) { refreshPublicAccessToken(input: $input) { data { token expiresAt } errors { message } } }",
"variables": { "input": { "token": "<your-token>" } }
}"#.replace("<your-token>", &old);
        let refreshed = api.graphql_raw(Some(&old), &body).await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.body);
        assert_eq!(refreshed.headers["cache-control"], "no-store");
        let payload = &refreshed.body["data"]["refreshPublicAccessToken"];
        assert_eq!(payload["errors"], json!([]), "{}", refreshed.body);
        let new = payload["data"]["token"].as_str().unwrap().to_owned();
        assert!(new.starts_with("lk_") && new != old);
        let expires = chrono::DateTime::parse_from_rfc3339(payload["data"]["expiresAt"].as_str().unwrap()).unwrap();
        assert!((expires.timestamp() - (chrono::Utc::now() + chrono::Duration::days(180)).timestamp()).abs() < 10);
        api.post("/verify", None, json!({ "token": old })).await.assert_error(401, "authentication_error");
        assert_eq!(api.post("/verify", None, json!({ "token": new })).await.status, 200);
        // The old secret no longer authenticates GraphQL either.
        let stale = api.graphql_raw(Some(&old), &body).await;
        assert_eq!(first_error(&stale)["extensions"]["code"], "UNAUTHENTICATED");
    }

    async fn an_expired_token_cannot_refresh_itself(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let expired = api.issue(&project, NewTokenInput { duration: DurationInput::Days(7), ..token("Old") }).await;
        crate::storage::expire(&api.app, expired.token.id).await;
        let secret = expired.secret.expose_secret();
        let reply = api.graphql(Some(secret), "mutation($input: RefreshPublicAccessTokenInput!) { refreshPublicAccessToken(input: $input) { data { token } errors { message } } }", json!({ "input": { "token": secret } })).await;
        assert_eq!(first_error(&reply)["extensions"]["code"], "UNAUTHENTICATED");
        let other = api.issue(&project, token("Other")).await;
        let mismatch = api.graphql(Some(other.secret.expose_secret()), "mutation($input: RefreshPublicAccessTokenInput!) { refreshPublicAccessToken(input: $input) { data { token } errors { message field } } }", json!({ "input": { "token": secret } })).await;
        assert_eq!(mismatch.body["data"]["refreshPublicAccessToken"]["errors"][0]["field"], "token", "{}", mismatch.body);
    }

    async fn errors_carry_a_code_and_the_trace_id(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let reader = api.issue(&project, NewTokenInput { token_type: "read-only".into(), ..token("Reader") }).await;
        let reader = reader.secret.expose_secret();

        let anonymous = api.graphql(None, "{ viewer { kind } }", json!({})).await;
        assert_eq!(first_error(&anonymous)["extensions"]["code"], "UNAUTHENTICATED");
        let garbage = api.graphql(Some("lk_notatoken"), "{ viewer { kind } }", json!({})).await;
        assert_eq!(first_error(&garbage)["extensions"]["code"], "UNAUTHENTICATED");

        let create = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { data { token } errors { message field } } }";
        let refused = api.graphql(Some(reader), create, json!({ "input": { "name": "Sneaky" } })).await;
        let error = first_error(&refused);
        assert_eq!(error["extensions"]["code"], "FORBIDDEN");
        assert_eq!(error["extensions"]["requiredPermission"], "api-token.create");

        let free = api.project("globex", Plan::Free).await;
        let admin = api.login_as(&free, "ada@example.com", Role::Admin).await;
        let gated = api.graphql(Some(&admin), create, json!({ "input": { "name": "Blocked" } })).await;
        assert_eq!(first_error(&gated)["extensions"]["code"], "PLAN_REQUIRED");

        // Input that breaks a rule is the payload's business, as seed 000's shape has it.
        let owner = api.login_as(&project, "olive@example.com", Role::Owner).await;
        let invalid = api.graphql(Some(&owner), create, json!({ "input": { "name": "   " } })).await;
        assert_eq!(invalid.status, 200);
        let payload = &invalid.body["data"]["createApiToken"];
        assert!(payload["data"].is_null(), "{}", invalid.body);
        assert_eq!(payload["errors"][0]["field"], "name", "{}", invalid.body);
        assert!(invalid.body.get("errors").is_none(), "{}", invalid.body);
    }

    async fn the_operations_are_the_rest_operations(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let owner = api.login_as(&project, "olive@example.com", Role::Owner).await;
        let create = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { data { token expiresAt apiToken { id name type kind displayHint } } errors { message } } }";
        let created = api.graphql(Some(&owner), create, json!({ "input": { "name": "Backend", "type": "FULL_ACCESS", "durationDays": 30 } })).await;
        let data = &created.body["data"]["createApiToken"]["data"];
        let secret = data["token"].as_str().expect("the secret, this once").to_owned();
        let id = data["apiToken"]["id"].as_str().unwrap().to_owned();
        assert_eq!(data["apiToken"]["type"], "FULL_ACCESS");
        let hint = data["apiToken"]["displayHint"].as_str().unwrap();
        assert!(secret.ends_with(&hint[hint.len() - 4..]), "{hint}");

        // The same token on the REST face, with the same audit trail.
        let rest = api.get(&format!("/tokens/{id}"), &secret).await;
        assert_eq!(rest.status, 200, "{}", rest.body);
        assert_eq!(rest.body["name"], "Backend");
        let events = api.app.services.audit.for_project(project.id, &Default::default(), 10, 0).await.unwrap();
        assert!(events.iter().any(|e| e.action == "token.create" && e.target_label == "Backend"));

        let list = api.graphql(Some(&secret), "{ apiTokens(first: 1, orderBy: {field: NAME}) { totalCount nodes { name } edges { cursor } pageInfo { hasNextPage endCursor } } viewer { kind project { slug } permissions token { name } } }", json!({})).await;
        assert!(list.body.get("errors").is_none(), "{}", list.body);
        assert_eq!(list.body["data"]["apiTokens"]["totalCount"], 1);
        assert_eq!(list.body["data"]["apiTokens"]["nodes"][0]["name"], "Backend");
        let end_cursor = list.body["data"]["apiTokens"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let after = api.graphql(Some(&secret), "query($after: String) { apiTokens(first: 1, after: $after, orderBy: {field: NAME}) { totalCount totalCountExact nodes { name } pageInfo { hasNextPage hasPreviousPage } } }", json!({ "after": end_cursor })).await;
        assert_eq!(after.body["data"]["apiTokens"], json!({ "totalCount": 1, "totalCountExact": true, "nodes": [], "pageInfo": { "hasNextPage": false, "hasPreviousPage": true } }), "{}", after.body);
        let other_order = api.graphql(Some(&secret), "query($after: String) { apiTokens(after: $after) { totalCount } }", json!({ "after": end_cursor })).await;
        assert!(other_order.body["errors"][0]["message"].as_str().unwrap().contains("another order"), "{}", other_order.body);
        assert_eq!(list.body["data"]["viewer"]["kind"], "TOKEN");
        assert_eq!(list.body["data"]["viewer"]["token"]["name"], "Backend");
        assert!(list.body["data"]["viewer"]["permissions"].as_array().unwrap().iter().any(|p| p == "api-token.delete"));

        let update = "mutation($input: UpdateApiTokenInput!) { updateApiToken(input: $input) { data { name description } errors { message } } }";
        let updated = api.graphql(Some(&owner), update, json!({ "input": { "id": id, "description": "Deploys" } })).await;
        assert_eq!(updated.body["data"]["updateApiToken"]["data"]["description"], "Deploys", "{}", updated.body);
        let regenerate = "mutation($input: ApiTokenIdInput!) { regenerateApiToken(input: $input) { data { token } errors { message } } }";
        let regenerated = api.graphql(Some(&owner), regenerate, json!({ "input": { "id": id } })).await;
        let newer = regenerated.body["data"]["regenerateApiToken"]["data"]["token"].as_str().unwrap().to_owned();
        api.post("/verify", None, json!({ "token": secret })).await.assert_error(401, "authentication_error");
        assert_eq!(api.post("/verify", None, json!({ "token": newer })).await.status, 200);
        let delete = "mutation($input: ApiTokenIdInput!) { deleteApiToken(input: $input) { data { id } errors { message } } }";
        let deleted = api.graphql(Some(&owner), delete, json!({ "input": { "id": id } })).await;
        assert_eq!(deleted.body["data"]["deleteApiToken"]["data"]["id"], id.as_str());
        api.post("/verify", None, json!({ "token": newer })).await.assert_error(401, "authentication_error");
        let gone = api.graphql(Some(&owner), &format!("{{ apiToken(id: \"{id}\") {{ status }} }}"), json!({})).await;
        assert_eq!(gone.body["data"]["apiToken"]["status"], "REVOKED", "{}", gone.body);
    }
}

backend_tests! {
    async fn abusive_and_malformed_requests_are_refused(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let bearer = api.issue(&project, token("Reader")).await;
        let bearer = bearer.secret.expose_secret();

        let deep = format!("{{ __schema {{ types {{ {}name{} }} }} }}", "fields { type { ofType { ".repeat(4), " } } }".repeat(4));
        let too_deep = api.graphql(Some(bearer), &deep, json!({})).await;
        assert!(first_error(&too_deep)["message"].as_str().unwrap().contains("nested too deep"), "{}", too_deep.body);
        let wide: String = (0..300).map(|i| format!("a{i}: viewer {{ kind }} ")).collect();
        let too_complex = api.graphql(Some(bearer), &format!("{{ {wide} }}"), json!({})).await;
        assert!(first_error(&too_complex)["message"].as_str().unwrap().contains("too complex"), "{}", too_complex.body);

        let batch = api.graphql_raw(Some(bearer), r#"[{"query":"{ viewer { kind } }"},{"query":"{ viewer { kind } }"}]"#).await;
        batch.assert_error(422, "validation_error");
        let not_json = api.raw(api.client().post(api.graphql_url()).header("content-type", "text/plain").body("{ viewer { kind } }")).await;
        not_json.assert_error(415, "unsupported_media_type");
        let huge = api.graphql_raw(Some(bearer), &format!(r#"{{"query":"{{ viewer {{ kind }} }}","x":"{}"}}"#, "x".repeat(2_000_000))).await;
        huge.assert_error(413, "payload_too_large");
        let get = api.raw(api.client().get(format!("{}?query=%7Bviewer%7Bkind%7D%7D", api.graphql_url())).bearer_auth(bearer)).await;
        get.assert_error(405, "method_not_allowed");
    }
}

#[test]
fn the_served_schema_is_the_checked_in_sdl() {
    let served = latchkey::api::graphql_sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var_os("LATCHKEY_WRITE_SCHEMA").is_some() {
        std::fs::write(path, &served).unwrap();
        return;
    }
    assert!(
        checked_in == served,
        "docs/schema.graphql differs from the served schema: run `LATCHKEY_WRITE_SCHEMA=1 cargo test --test suite the_served_schema` and commit the file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_bearers_on_graphql_are_held_back_like_on_rest() {
    let mut app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.reconfigure(|s| {
        s.throttle.api_auth_per_address =
            latchkey::throttle::Rule::new(2, std::time::Duration::from_secs(300))
    });
    let api = ApiServer::start(app).await;
    let guess = || {
        latchkey::tokens::TokenSecret::generate()
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    for _ in 0..2 {
        let refused = api
            .graphql(Some(&guess()), "{ viewer { kind } }", json!({}))
            .await;
        assert_eq!(
            first_error(&refused)["extensions"]["code"],
            "UNAUTHENTICATED"
        );
    }
    let held = api
        .graphql(Some(&guess()), "{ viewer { kind } }", json!({}))
        .await;
    let error = first_error(&held);
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{}", held.body);
    assert!(error["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0);
    // One limit per address, whichever face the guesses came through.
    api.post("/tokens/refresh", Some(&guess()), json!({}))
        .await
        .assert_error(429, "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_fails_closed_when_the_database_is_away() {
    let api = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let project = api.project("acme", Plan::Professional).await;
    let bearer = api.issue(&project, token("Reader")).await;
    api.services.close().await.unwrap();
    let reply = api
        .graphql(
            Some(bearer.secret.expose_secret()),
            "{ apiTokens { totalCount } }",
            json!({}),
        )
        .await;
    let error = first_error(&reply);
    assert!(
        matches!(error["extensions"]["code"].as_str(), Some("UNAVAILABLE")),
        "{}",
        reply.body
    );
    assert!(reply.body["data"].is_null(), "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_is_on_unless_switched_off() {
    let introspect = "{ __schema { queryType { name } } }";
    let open = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let project = open.project("acme", Plan::Professional).await;
    let bearer = open.issue(&project, token("Reader")).await;
    let answer = open
        .graphql(Some(bearer.secret.expose_secret()), introspect, json!({}))
        .await;
    assert_eq!(
        answer.body["data"]["__schema"]["queryType"]["name"], "Query",
        "{}",
        answer.body
    );

    let mut app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.reconfigure(|s| s.graphql_introspection = false);
    let closed = ApiServer::start(app).await;
    let project = closed.project("acme", Plan::Professional).await;
    let bearer = closed.issue(&project, token("Reader")).await;
    let bearer = bearer.secret.expose_secret();
    let hidden = closed.graphql(Some(bearer), introspect, json!({})).await;
    // Switched off, the schema is not described: `__schema` answers null.
    assert_eq!(hidden.status, 200);
    assert!(hidden.body["data"]["__schema"].is_null(), "{}", hidden.body);
    let works = closed
        .graphql(Some(bearer), "{ viewer { kind } }", json!({}))
        .await;
    assert_eq!(
        works.body["data"]["viewer"]["kind"], "TOKEN",
        "{}",
        works.body
    );
}
