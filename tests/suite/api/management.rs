//! Create, list, get, update, regenerate and delete, with permissions and isolation.

use super::*;
use latchkey::tokens::DurationInput;

fn read_only(name: &str) -> NewTokenInput {
    NewTokenInput {
        token_type: "read-only".into(),
        ..token(name)
    }
}

backend_tests! {
    async fn create_returns_201_with_the_secret_once_and_never_caches_it(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        let bearer = admin.secret.expose_secret();

        let created = api.post("/tokens", Some(bearer), json!({
            "name": "Reporting", "description": "BI export", "type": "read-only", "expires_at": "2099-01-01T00:00:00Z",
        })).await;

        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.headers["cache-control"], "no-store");
        let id = created.body["id"].as_str().unwrap();
        assert_eq!(created.headers["location"], format!("/api/v1/tokens/{id}").as_str());
        assert_eq!(created.body["kind"], "service");
        assert_eq!(created.body["type"], "read-only");
        assert_eq!(created.body["expires_at"], "2099-01-01T00:00:00Z");
        assert_eq!(created.body["created_by"]["name"], "token Admin");
        let secret = secret(&created);
        let fetched = api.get(&format!("/tokens/{id}"), bearer).await;
        assert_eq!(fetched.status, 200);
        assert!(fetched.body.get("token").is_none());
        assert!(!fetched.body.to_string().contains(&secret[3..]));
        let unlimited = api.post("/tokens", Some(bearer), json!({ "name": "Forever" })).await;
        assert_eq!(unlimited.body["expires_at"], Value::Null);
        assert_eq!(unlimited.body["type"], "read-only", "least privilege by default");
        let both = api.post("/tokens", Some(bearer), json!({ "name": "Both", "duration_days": 7, "expires_at": "2099-01-01T00:00:00Z" })).await;
        assert!(both.assert_error(422, "validation_error")["expires_at"].is_array());
    }

    async fn a_read_only_token_is_refused_create_update_and_delete(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let reader = api.issue(&project, read_only("Reader")).await;
        let other = api.issue(&project, token("Other")).await;
        let bearer = reader.secret.expose_secret();
        let other_path = format!("/tokens/{}", other.token.id);

        let create = api.post("/tokens", Some(bearer), json!({ "name": "New" })).await;
        let update = api.send(reqwest::Method::PATCH, &other_path, Some(bearer), Some(json!({ "name": "Renamed" }))).await;
        let delete = api.send(reqwest::Method::DELETE, &other_path, Some(bearer), None).await;
        let regenerate = api.post(&format!("{other_path}/regenerate"), Some(bearer), json!({})).await;

        assert_eq!(create.assert_error(403, "authorization_error")["required_permission"], "api-token.create");
        assert_eq!(update.assert_error(403, "authorization_error")["required_permission"], "api-token.update");
        assert_eq!(delete.assert_error(403, "authorization_error")["required_permission"], "api-token.delete");
        assert_eq!(regenerate.assert_error(403, "authorization_error")["required_permission"], "api-token.regenerate");
        assert_eq!(create.body["error"]["message"], "Insufficient permissions");
        assert_eq!(api.get(&other_path, bearer).await.status, 200);
    }

    async fn a_custom_token_cannot_grant_a_permission_it_lacks(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let creator = api.issue(&project, custom("Creator", &["api-token.create", "api-token.update", "article.find", "article.create"])).await;
        let bearer = creator.secret.expose_secret();

        let wider = api.post("/tokens", Some(bearer), json!({ "name": "Wider", "type": "custom", "permissions": ["article.find", "article.delete"] })).await;
        assert_eq!(wider.assert_error(403, "authorization_error")["required_permission"], "article.delete");
        let allowed = api.post("/tokens", Some(bearer), json!({ "name": "Narrow", "type": "custom", "permissions": ["article.find"] })).await;
        assert_eq!(allowed.status, 201);
        let id = allowed.body["id"].as_str().unwrap();
        let widen = api.send(reqwest::Method::PATCH, &format!("/tokens/{id}"), Some(bearer), Some(json!({ "permissions": ["article.find", "article.delete"] }))).await;
        assert_eq!(widen.assert_error(403, "authorization_error")["required_permission"], "article.delete");
    }

    async fn update_applies_patch_semantics_and_reports_unknown_fields(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let admin = api.issue(&project, token("Admin")).await;
        let target = api.issue(&project, NewTokenInput { description: "Keep me".into(), ..token("Target") }).await;
        let bearer = admin.secret.expose_secret();
        let path = format!("/tokens/{}", target.token.id);

        let renamed = api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(json!({ "name": "Renamed" }))).await;
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!((renamed.body["name"].as_str(), renamed.body["description"].as_str()), (Some("Renamed"), Some("Keep me")));
        let custom = api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(json!({ "type": "custom", "permissions": ["article.find"] }))).await;
        assert_eq!(custom.body["permissions"], json!(["article.find"]));
        let unknown = api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(json!({ "expires_at": "2099-01-01T00:00:00Z" }))).await;
        assert_eq!(unknown.assert_error(422, "validation_error")["expires_at"][0], "Unknown field.");
        let taken = api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(json!({ "name": "admin" }))).await;
        assert!(taken.assert_error(409, "conflict")["name"].is_array());
        let invalid = api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(json!({ "name": " ", "description": "x".repeat(501) }))).await;
        let data = invalid.assert_error(422, "validation_error");
        assert!(data["name"].is_array() && data["description"].is_array());
    }

    async fn regenerate_issues_a_new_secret_and_stops_the_old(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        let target = api.issue(&project, token("Target")).await;
        let old = target.secret.expose_secret().to_owned();

        let regenerated = api.post(&format!("/tokens/{}/regenerate", target.token.id), Some(admin.secret.expose_secret()), json!({})).await;

        assert_eq!(regenerated.status, 200, "{}", regenerated.body);
        assert_eq!(regenerated.headers["cache-control"], "no-store");
        let new = secret(&regenerated);
        api.post("/verify", None, json!({ "token": old })).await.assert_error(401, "authentication_error");
        assert_eq!(api.post("/verify", None, json!({ "token": new })).await.status, 200);
    }

    async fn delete_revokes_at_once_and_a_revoked_token_gets_401(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        let target = api.issue(&project, token("Target")).await;
        let path = format!("/tokens/{}", target.token.id);

        let deleted = api.send(reqwest::Method::DELETE, &path, Some(admin.secret.expose_secret()), None).await;

        assert_eq!(deleted.status, 204);
        assert_eq!(deleted.body, Value::Null);
        let reply = api.get("/tokens", target.secret.expose_secret()).await;
        reply.assert_error(401, "authentication_error");
        assert_eq!(reply.body["error"]["message"], "Invalid or missing API token");
        api.send(reqwest::Method::DELETE, &path, Some(admin.secret.expose_secret()), None).await.assert_error(404, "not_found");
    }

    async fn an_expired_token_gets_401_with_the_same_answer(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let expired = api.issue(&project, NewTokenInput { duration: DurationInput::Days(7), ..token("Old") }).await;
        crate::storage::expire(&api.app, expired.token.id).await;

        let reply = api.get("/tokens", expired.secret.expose_secret()).await;

        reply.assert_error(401, "authentication_error");
        assert_eq!(reply.body["error"]["message"], "Invalid or missing API token");
    }

    async fn list_paginates_filters_and_never_shows_a_secret(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::ProfessionalUnlimited).await;
        let admin = api.issue(&project, token("Admin")).await;
        let mut secrets = vec![admin.secret.expose_secret().to_owned()];
        for i in 0..5 {
            secrets.push(api.issue(&project, read_only(&format!("Reader {i}"))).await.secret.expose_secret().to_owned());
        }
        let gone = api.issue(&project, token("Gone")).await;
        api.services.tokens.revoke(&Actor::system(), project.id, gone.token.id).await.unwrap();
        let bearer = admin.secret.expose_secret();

        let page = api.get("/tokens?per_page=2&page=2&sort=name&order=asc", bearer).await;
        let next = page.body["meta"]["next"].as_str().expect("a next page").to_owned();
        assert_eq!(page.body["meta"], json!({ "total": 6, "total_exact": true, "page": 2, "per_page": 2, "next": next }));
        assert_eq!(page.body["data"][0]["name"], "Reader 1");
        // The page after a bookmark is the page the number names.
        let third = api.get(&format!("/tokens?per_page=2&page=3&sort=name&order=asc&after={next}"), bearer).await;
        assert_eq!(third.body["data"], api.get("/tokens?per_page=2&page=3&sort=name&order=asc", bearer).await.body["data"]);
        assert!(third.body["meta"].get("next").is_none(), "the last page has no next");
        api.get(&format!("/tokens?sort=created&after={next}"), bearer).await.assert_error(422, "validation_error");
        api.get("/tokens?after=junk", bearer).await.assert_error(422, "validation_error");
        let all = api.get("/tokens?per_page=100", bearer).await.body.to_string();
        for secret in &secrets {
            assert!(!all.contains(&secret[3..]), "a list response carries a secret");
        }
        assert_eq!(api.get("/tokens?type=read-only", bearer).await.body["meta"]["total"], 5);
        assert_eq!(api.get("/tokens?kind=personal", bearer).await.body["meta"]["total"], 0);
        assert_eq!(api.get("/tokens?status=revoked", bearer).await.body["data"][0]["name"], "Gone");
        assert_eq!(api.get("/tokens?status=active", bearer).await.body["meta"]["total"], 6);
        assert_eq!(api.get("/tokens?search=READER%203", bearer).await.body["meta"]["total"], 1);
        for bad in ["per_page=101", "page=0", "page=9223372036854775808", "page=1000001", "status=lost", "kind=robot", "sort=size", "page=x", "unknown=1"] {
            api.get(&format!("/tokens?{bad}"), bearer).await.assert_error(422, "validation_error");
        }
    }

    async fn a_token_never_reaches_another_projects_tokens(app) {
        let api = ApiServer::start(app).await;
        let acme = api.project("acme", Plan::Professional).await;
        let globex = api.project("globex", Plan::Professional).await;
        let acme_admin = api.issue(&acme, token("Acme admin")).await;
        let globex_token = api.issue(&globex, token("Globex")).await;
        let bearer = acme_admin.secret.expose_secret();
        let path = format!("/tokens/{}", globex_token.token.id);

        api.get(&path, bearer).await.assert_error(404, "not_found");
        api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(json!({ "name": "Mine now" }))).await.assert_error(404, "not_found");
        api.send(reqwest::Method::DELETE, &path, Some(bearer), None).await.assert_error(404, "not_found");
        api.post(&format!("{path}/regenerate"), Some(bearer), json!({})).await.assert_error(404, "not_found");
        let listed = api.get("/tokens", bearer).await;
        assert!(!listed.body.to_string().contains("Globex"));
        assert_eq!(api.post("/verify", None, json!({ "token": globex_token.secret.expose_secret() })).await.status, 200);
    }

    async fn a_free_project_gets_plan_required(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        api.services.projects.set_plan(&Actor::system(), project.id, Plan::Free, None).await.unwrap();

        let reply = api.post("/tokens", Some(admin.secret.expose_secret()), json!({ "name": "New" })).await;

        assert_eq!(reply.assert_error(403, "plan_required")["plan"], "free");
        api.post("/tokens/refresh", Some(admin.secret.expose_secret()), json!({})).await.assert_error(403, "plan_required");
    }

    async fn every_authenticated_response_says_when_the_credential_expires(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let expiring = api.issue(&project, NewTokenInput { duration: DurationInput::Days(30), ..token("Expiring") }).await;
        let forever = api.issue(&project, token("Forever")).await;

        let reply = api.get("/tokens", expiring.secret.expose_secret()).await;
        let header = reply.headers["latchkey-token-expires-at"].to_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(header).unwrap();
        assert_eq!(parsed.timestamp(), expiring.token.expires_at.unwrap().timestamp());
        assert!(!api.get("/tokens", forever.secret.expose_secret()).await.headers.contains_key("latchkey-token-expires-at"));
    }

    async fn last_used_appears_within_seconds_without_a_write_per_request(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        let used = api.issue(&project, read_only("Used")).await;
        let refused = api.issue(&project, read_only("Refused")).await;
        let statements_before = api.services.last_used.statements_issued();

        for _ in 0..50 {
            assert_eq!(api.post("/verify", None, json!({ "token": used.secret.expose_secret(), "permission": "api-token.find" })).await.status, 200);
        }
        // A refused check is not a use.
        api.post("/verify", None, json!({ "token": refused.secret.expose_secret(), "permission": "api-token.create" })).await.assert_error(403, "authorization_error");

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let path = format!("/tokens/{}", used.token.id);
        loop {
            let reply = api.get(&path, admin.secret.expose_secret()).await;
            if !reply.body["last_used_at"].is_null() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "last_used_at did not appear within 10 s");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let statements = api.services.last_used.statements_issued() - statements_before;
        assert!(statements <= 12, "{statements} flush statements for 50 verifications in under 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let refused_view = api.services.tokens.get(&Actor::system(), project.id, refused.token.id).await.unwrap();
        assert!(refused_view.last_used_at.is_none(), "a refused verification marked the token used");
    }

    async fn pending_last_used_times_are_written_at_graceful_shutdown(app) {
        let mut app = app;
        app.settings.last_used_flush_seconds = 3600;
        let application = Application::build(app.settings.clone()).await.unwrap();
        let base = format!("http://127.0.0.1:{}/api/v1", application.port());
        let handle = application.handle();
        // The server's own services: one instance, as a real deployment would be.
        app.services = application.services().clone();
        let task = tokio::spawn(application.run_until_stopped());
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Used")).await;

        let reply = crate::helpers::http_client().post(format!("{base}/verify")).json(&json!({ "token": issued.secret.expose_secret() })).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        let before = app.services.tokens.get(&Actor::system(), project.id, issued.token.id).await.unwrap();
        assert!(before.last_used_at.is_none(), "nothing is written per request");

        handle.stop(true).await;
        task.await.unwrap().unwrap();

        let after = app.services.tokens.get(&Actor::system(), project.id, issued.token.id).await.unwrap();
        assert!(after.last_used_at.is_some());
    }
}

backend_tests! {
    /// Every API route, answering success and failure alike (the route inventory).
    async fn every_api_answer_is_private_never_sniffed_and_states_its_charset(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let caller = api.issue(&project, token("Admin")).await;
        let bearer = caller.secret.expose_secret().to_owned();
        let victim = api.issue(&project, token("Victim")).await.token.id;
        let doomed = api.issue(&project, token("Doomed")).await.token.id;
        let id = caller.token.id;
        let client = api.client();
        let url = |path: &str| format!("{}{path}", api.base);
        let login = json!({ "email": "nobody@example.com", "password": "not the password", "project": "acme" });
        let requests: Vec<(&str, reqwest::RequestBuilder)> = vec![
            ("list", client.get(url("/tokens")).bearer_auth(&bearer)),
            ("list, no credential", client.get(url("/tokens"))),
            ("list, bad query", client.get(url("/tokens?sort=nonsense")).bearer_auth(&bearer)),
            ("read", client.get(url(&format!("/tokens/{id}"))).bearer_auth(&bearer)),
            ("read, unknown", client.get(url(&format!("/tokens/{}", uuid::Uuid::nil()))).bearer_auth(&bearer)),
            ("create", client.post(url("/tokens")).bearer_auth(&bearer).json(&json!({ "name": "New", "type": "read-only" }))),
            ("create, invalid", client.post(url("/tokens")).bearer_auth(&bearer).json(&json!({ "name": "" }))),
            ("update", client.patch(url(&format!("/tokens/{victim}"))).bearer_auth(&bearer).json(&json!({ "description": "x" }))),
            ("regenerate", client.post(url(&format!("/tokens/{victim}/regenerate"))).bearer_auth(&bearer)),
            ("refresh, unknown", client.post(url("/tokens/refresh")).bearer_auth("lk_nonsense")),
            ("verify", client.post(url("/verify")).json(&json!({ "token": bearer }))),
            ("verify, unknown", client.post(url("/verify")).json(&json!({ "token": "lk_nonsense" }))),
            ("login, refused", client.post(url("/auth/login")).json(&login)),
            ("no such route", client.get(url("/nowhere")).bearer_auth(&bearer)),
        ];
        for (what, request) in requests {
            let reply = api.raw(request).await;
            assert_eq!(reply.headers["cache-control"], "no-store", "{what}: {}", reply.status);
            assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{what}: {}", reply.status);
            assert_eq!(reply.headers["content-type"], "application/json; charset=utf-8", "{what}: {}", reply.status);
        }
        let revoked = api.raw(client.delete(url(&format!("/tokens/{doomed}"))).bearer_auth(&bearer)).await;
        assert_eq!(revoked.status, 204);
        assert_eq!(revoked.headers["cache-control"], "no-store");
        assert_eq!(revoked.headers["x-content-type-options"], "nosniff");
    }
}

backend_tests! {
    async fn a_body_that_is_not_a_json_object_is_refused(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let caller = api.issue(&project, token("Admin")).await;
        let bearer = caller.secret.expose_secret();
        let path = format!("/tokens/{}", caller.token.id);

        let patch = api.send(reqwest::Method::PATCH, &path, Some(bearer), Some(serde_json::json!([]))).await;
        let create = api.post("/tokens", Some(bearer), serde_json::json!(["From an array"])).await;

        patch.assert_error(422, "validation_error");
        create.assert_error(422, "validation_error");
        assert_eq!(api.services.tokens.count_active(project.id).await.unwrap(), 1);
    }

    async fn a_search_for_a_nul_character_finds_nothing(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let caller = api.issue(&project, token("Reader")).await;

        let reply = api.get("/tokens?search=%00", caller.secret.expose_secret()).await;

        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["meta"]["total"], 0);
    }
}
