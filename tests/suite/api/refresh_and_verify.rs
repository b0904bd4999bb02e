//! Self-refresh by the token itself, and verification for protected services.

use super::*;
use latchkey::tokens::DurationInput;

backend_tests! {
    async fn refresh_returns_a_new_secret_with_a_fresh_lifetime_and_stops_the_old(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let issued = api.issue(&project, NewTokenInput { duration: DurationInput::Days(180), ..token("Integration") }).await;
        let old = issued.secret.expose_secret().to_owned();

        // The seed's shape: authenticated by the token, which the body repeats.
        let refreshed = api.post("/tokens/refresh", Some(&old), json!({ "token": old })).await;

        assert_eq!(refreshed.status, 200, "{}", refreshed.body);
        assert_eq!(refreshed.headers["cache-control"], "no-store");
        let new = secret(&refreshed);
        assert_eq!(refreshed.body["id"], issued.token.id.to_string());
        let expires = chrono::DateTime::parse_from_rfc3339(refreshed.body["expires_at"].as_str().unwrap()).unwrap();
        assert!((expires.timestamp() - (chrono::Utc::now() + chrono::Duration::days(180)).timestamp()).abs() < 10);
        assert!(refreshed.headers.contains_key("latchkey-token-expires-at"));
        api.post("/verify", None, json!({ "token": old })).await.assert_error(401, "authentication_error");
        assert_eq!(api.post("/verify", None, json!({ "token": new })).await.status, 200);
        // The bearer alone is enough, and a body alone too.
        let again = api.send(reqwest::Method::POST, "/tokens/refresh", Some(&new), None).await;
        assert_eq!(again.status, 200, "{}", again.body);
        let body_only = api.post("/tokens/refresh", None, json!({ "token": secret(&again) })).await;
        assert_eq!(body_only.status, 200, "{}", body_only.body);
    }

    async fn refresh_refuses_expired_mismatched_and_missing_tokens(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let expired = api.issue(&project, NewTokenInput { duration: DurationInput::Days(7), ..token("Old") }).await;
        let other = api.issue(&project, token("Other")).await;
        crate::storage::expire(&api.app, expired.token.id).await;

        api.post("/tokens/refresh", Some(expired.secret.expose_secret()), json!({})).await.assert_error(401, "authentication_error");
        let mismatch = api.post("/tokens/refresh", Some(other.secret.expose_secret()), json!({ "token": expired.secret.expose_secret() })).await;
        assert!(mismatch.assert_error(422, "validation_error")["token"].is_array());
        api.send(reqwest::Method::POST, "/tokens/refresh", None, None).await.assert_error(401, "authentication_error");
        let not_json = api.raw(api.client().post(format!("{}/tokens/refresh", api.base)).bearer_auth(other.secret.expose_secret()).header("content-type", "text/plain").body("token")).await;
        not_json.assert_error(415, "unsupported_media_type");
    }

    async fn verify_answers_with_the_tokens_identity_and_effective_permissions(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let issued = api.issue(&project, NewTokenInput { duration: DurationInput::Days(30), ..custom("Writer", &["article.find", "article.create"]) }).await;

        let ok = api.post("/verify", None, json!({ "token": issued.secret.expose_secret(), "permission": "article.create" })).await;

        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.headers["cache-control"], "no-store");
        assert_eq!(ok.headers["content-type"], "application/json; charset=utf-8");
        assert_eq!(ok.body["valid"], true);
        let token = &ok.body["token"];
        assert_eq!(token["id"], issued.token.id.to_string());
        assert_eq!((token["name"].as_str(), token["project"].as_str()), (Some("Writer"), Some("acme")));
        assert_eq!((token["kind"].as_str(), token["type"].as_str()), (Some("service"), Some("custom")));
        assert_eq!(token["permissions"], json!(["article.find", "article.create"]));
        assert!(token["expires_at"].is_string());
        let refused = api.post("/verify", None, json!({ "token": issued.secret.expose_secret(), "permission": "article.delete" })).await;
        assert_eq!(refused.assert_error(403, "authorization_error")["required_permission"], "article.delete");
        let no_permission = api.post("/verify", None, json!({ "token": issued.secret.expose_secret() })).await;
        assert_eq!(no_permission.status, 200);
        let bad_permission = api.post("/verify", None, json!({ "token": issued.secret.expose_secret(), "permission": "not a permission" })).await;
        assert!(bad_permission.assert_error(422, "validation_error")["permission"].is_array());
    }

    async fn verify_answers_follow_every_change_at_once(app) {
        // The answer of a warm check is rendered once per cached entry; a change must never
        // leave the old rendering behind (the cache lives an hour in tests).
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let manager = api.issue(&project, token("Manager")).await;
        let issued = api.issue(&project, custom("Writer", &["article.find"])).await;
        let secret = issued.secret.expose_secret();
        let check = || api.post("/verify", None, json!({ "token": secret }));
        let first = check().await;
        assert_eq!(first.body["token"]["name"], "Writer");
        assert_eq!(check().await.body, first.body, "a warm answer is the same answer");

        let path = format!("/tokens/{}", issued.token.id);
        let changed = api.send(reqwest::Method::PATCH, &path, Some(manager.secret.expose_secret()), Some(json!({ "name": "Editor", "permissions": ["article.find", "article.update"] }))).await;
        assert_eq!(changed.status, 200, "{}", changed.body);

        let after = check().await;
        assert_eq!(after.body["token"]["name"], "Editor", "{}", after.body);
        assert_eq!(after.body["token"]["permissions"], json!(["article.find", "article.update"]));
        // Strings with JSON escapes are read as well as plain ones.
        let raw = |body: String| api.raw(api.client().post(format!("{}/verify", api.base)).header("content-type", "application/json").body(body));
        let escaped = raw(format!(r#"{{"token":"{secret}","permission":"article.upd\u0061te"}}"#)).await;
        assert_eq!(escaped.status, 200, "{}", escaped.body);
        let refused = raw(format!(r#"{{"token":"{secret}","permission":"article.d\u0065lete"}}"#)).await;
        assert_eq!(refused.assert_error(403, "authorization_error")["required_permission"], "article.delete");
    }

    async fn verify_gives_one_answer_for_every_invalid_token(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let revoked = api.issue(&project, token("Revoked")).await;
        let expired = api.issue(&project, token("Expired")).await;
        api.services.tokens.revoke(&Actor::system(), project.id, revoked.token.id).await.unwrap();
        crate::storage::expire(&api.app, expired.token.id).await;
        let mut typo = revoked.secret.expose_secret().to_owned();
        typo.replace_range(10..11, if &typo[10..11] == "a" { "b" } else { "a" });
        let unknown = latchkey::tokens::TokenSecret::generate().unwrap();

        let mut answers = Vec::new();
        for candidate in ["garbage", typo.as_str(), unknown.expose_secret(), revoked.secret.expose_secret(), expired.secret.expose_secret()] {
            let reply = api.post("/verify", None, json!({ "token": candidate })).await;
            reply.assert_error(401, "authentication_error");
            assert_eq!((&reply.headers["cache-control"], &reply.headers["content-type"]), (&"no-store".parse().unwrap(), &"application/json; charset=utf-8".parse().unwrap()));
            answers.push((reply.body["error"]["message"].clone(), reply.body["error"]["data"].clone()));
        }
        answers.dedup();
        assert_eq!(answers.len(), 1, "different answers leak why a token is refused: {answers:?}");
    }
}
