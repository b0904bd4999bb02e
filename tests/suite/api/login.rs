//! The short-lived → long-lived flow of the login exchange.

use super::*;
use latchkey::error::AppError;
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

backend_tests! {
    async fn the_sixth_failed_sign_in_is_refused_even_with_the_right_password(app) {
        app.user("ada@example.com").await;
        app.user("bob@example.com").await;
        let accounts = &app.services.accounts;
        let from = |ip: &str| ip.parse().ok();

        for _ in 0..5 {
            let wrong = accounts.authenticate("ada@example.com", "not the password", from("10.0.0.1")).await;
            assert!(matches!(wrong, Err(AppError::Unauthenticated(_))), "{wrong:?}");
        }
        let held = accounts.authenticate("ada@example.com", PASSWORD, from("10.0.0.1")).await;
        let elsewhere = accounts.authenticate("ADA@example.com", PASSWORD, from("10.0.0.3")).await;

        assert!(matches!(held, Err(AppError::RateLimited { .. })), "{held:?}");
        assert!(matches!(elsewhere, Err(AppError::RateLimited { .. })), "the account is held from every address: {elsewhere:?}");
        accounts.authenticate("bob@example.com", PASSWORD, from("10.0.0.2")).await.unwrap();
    }

    async fn the_api_answers_429_with_retry_after_once_an_account_is_held(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.member(&project, "ada@example.com", Role::Admin).await;
        let attempt = |password: &'static str| api.post("/auth/login", None, json!({ "email": "ada@example.com", "password": password, "project": "acme" }));

        for _ in 0..5 {
            attempt("not the password").await.assert_error(401, "authentication_error");
        }
        let held = attempt(PASSWORD).await;

        held.assert_error(429, "rate_limited");
        let wait: u64 = held.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
    }
}

// A login access token carries its user's credentials generation: whatever revokes the
// user's credentials ends it before its 15 minutes are up.
backend_tests! {
    async fn a_login_token_stops_at_a_password_change(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let jwt = api.login_as(&project, "ada@example.com", Role::Admin).await;
        assert_eq!(api.get("/tokens", &jwt).await.status, 200);
        let ada = api.services.accounts.find_by_email(&latchkey::domain::Email::parse("ada@example.com").unwrap()).await.unwrap().unwrap();

        let new = latchkey::domain::Password::parse("tangerine orbit velvet 42".into(), &[]).unwrap();
        api.services.accounts.change_password(ada.id, PASSWORD, new, None).await.unwrap();

        api.get("/tokens", &jwt).await.assert_error(401, "authentication_error");
    }

    async fn a_login_token_stops_at_sign_out_everywhere_and_stays_stopped_after_re_enabling(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let first = api.login_as(&project, "ada@example.com", Role::Admin).await;
        let ada = api.services.accounts.find_by_email(&latchkey::domain::Email::parse("ada@example.com").unwrap()).await.unwrap().unwrap();

        api.services.accounts.sign_out_everywhere(&ada.actor(), ada.id).await.unwrap();
        api.get("/tokens", &first).await.assert_error(401, "authentication_error");

        let again = api.post("/auth/login", None, json!({ "email": "ada@example.com", "password": PASSWORD, "project": "acme" })).await;
        let second = again.body["token"].as_str().unwrap().to_owned();
        assert_eq!(api.get("/tokens", &second).await.status, 200);
        api.services.accounts.set_disabled(&Actor::system(), ada.id, true).await.unwrap();
        api.services.accounts.set_disabled(&Actor::system(), ada.id, false).await.unwrap();

        api.get("/tokens", &second).await.assert_error(401, "authentication_error");
    }

    async fn a_login_token_stops_at_a_change_of_standing_and_re_adding_revives_nothing(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let owner = api.login_as(&project, "olga@example.com", Role::Owner).await;
        let jwt = api.login_as(&project, "ada@example.com", Role::Admin).await;
        let ada = api.services.accounts.find_by_email(&latchkey::domain::Email::parse("ada@example.com").unwrap()).await.unwrap().unwrap();

        api.services.projects.change_role(&Actor::system(), project.id, ada.id, Role::Developer).await.unwrap();
        api.get("/tokens", &jwt).await.assert_error(401, "authentication_error");

        let again = api.post("/auth/login", None, json!({ "email": "ada@example.com", "password": PASSWORD, "project": "acme" })).await;
        let second = again.body["token"].as_str().unwrap().to_owned();
        api.services.projects.remove_member(&Actor::system(), project.id, ada.id).await.unwrap();
        api.services.projects.add_member(&Actor::system(), project.id, &latchkey::domain::Email::parse("ada@example.com").unwrap(), Role::Admin).await.unwrap();

        api.get("/tokens", &second).await.assert_error(401, "authentication_error");
        assert_eq!(api.get("/tokens", &owner).await.status, 200, "other members keep theirs");
    }
}
