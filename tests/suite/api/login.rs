//! The short-lived → long-lived flow of the login exchange.

use super::*;
use latchkey::tokens::VerifyError;

backend_tests! {
    async fn a_login_token_creates_a_long_lived_token_which_then_works_on_its_own(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let jwt = api.login_as(&project, "ada@example.com", Role::Admin).await;

        let created = api.post("/tokens", Some(&jwt), json!({ "name": "Backend", "type": "full-access", "duration_days": 90 })).await;

        assert_eq!(created.status, 201, "{}", created.body);
        assert!(created.headers.contains_key("latchkey-token-expires-at"), "the login token expires");
        let long_lived = secret(&created);
        assert_eq!(created.body["created_by"]["name"], "ada");
        let listed = api.get("/tokens", &long_lived).await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body["meta"]["total"], 1);
        assert_eq!(listed.body["data"][0]["name"], "Backend");
    }

    async fn login_refuses_wrong_credentials_and_foreign_projects_with_one_answer(app) {
        let api = ApiServer::start(app).await;
        let acme = api.project("acme", Plan::Professional).await;
        api.project("globex", Plan::Professional).await;
        api.app.member(&acme, "ada@example.com", Role::Admin).await;

        for body in [
            json!({ "email": "ada@example.com", "password": "wrong password!", "project": "acme" }),
            json!({ "email": "nobody@example.com", "password": PASSWORD, "project": "acme" }),
            json!({ "email": "ada@example.com", "password": PASSWORD, "project": "globex" }),
            json!({ "email": "ada@example.com", "password": PASSWORD, "project": "no-such" }),
        ] {
            let reply = api.post("/auth/login", None, body).await;
            reply.assert_error(401, "authentication_error");
            assert_eq!(reply.body["error"]["message"], "Invalid email, password or project.");
        }
        let missing = api.post("/auth/login", None, json!({ "email": "ada@example.com" })).await;
        assert_eq!(missing.assert_error(422, "validation_error")["password"][0], "This field is required.");
    }

    async fn a_login_token_is_not_an_api_token_and_follows_its_users_fate(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let jwt = api.login_as(&project, "dev@example.com", Role::Developer).await;

        api.post("/verify", None, json!({ "token": jwt })).await.assert_error(401, "authentication_error");
        assert!(matches!(api.services.tokens.verify(&jwt, None).await, Err(VerifyError::Malformed(_))));
        assert_eq!(api.get("/tokens", &jwt).await.status, 200);

        let user = api.services.accounts.find_by_email(&latchkey::domain::Email::parse("dev@example.com").unwrap()).await.unwrap().unwrap();
        api.services.projects.remove_member(&Actor::system(), project.id, user.id).await.unwrap();
        api.get("/tokens", &jwt).await.assert_error(401, "authentication_error");
        let mut forged = jwt.clone();
        forged.pop();
        forged.push(if jwt.ends_with('A') { 'B' } else { 'A' });
        api.get("/tokens", &forged).await.assert_error(401, "authentication_error");
    }

    async fn a_viewer_login_reads_but_cannot_create(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let jwt = api.login_as(&project, "vic@example.com", Role::Viewer).await;

        assert_eq!(api.get("/tokens", &jwt).await.status, 200);
        let refused = api.post("/tokens", Some(&jwt), json!({ "name": "Mine", "kind": "personal" })).await;
        assert_eq!(refused.assert_error(403, "authorization_error")["required_permission"], "api-token.create");
    }
}
