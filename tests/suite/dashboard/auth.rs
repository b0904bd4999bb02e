//! Setup, sign-in, sign-out, password change and what ends a session.

use super::*;
use latchkey::domain::{Actor, Plan, Role};

backend_tests! {
    async fn first_run_setup_creates_a_super_admin_with_the_printed_code(app) {
        let dashboard = Dashboard::start(app).await;
        let code = dashboard.setup_code.clone().expect("a fresh instance prints a setup code");
        let browser = dashboard.browser();
        browser.get("/").await.assert_contains("Set up Latchkey");

        let weak = browser.submit("/setup", "/setup", &[
            ("setup_code", &code), ("display_name", "Ada"), ("email", "ada@example.com"),
            ("password", "password1234"), ("password_confirmation", "password1234"),
        ]).await;
        weak.assert_contains("This password is too easy to guess.");
        let wrong = browser.submit("/setup", "/setup", &[
            ("setup_code", "WRONG-CODE"), ("display_name", "Ada"), ("email", "ada@example.com"),
            ("password", PASSWORD), ("password_confirmation", PASSWORD),
        ]).await;
        wrong.assert_contains("This is not the setup code").assert_contains("value=\"ada@example.com\"");
        assert_eq!(dashboard.app.services.accounts.count().await.unwrap(), 0);

        let done = browser.submit("/setup", "/setup", &[
            ("setup_code", &code), ("display_name", "Ada"), ("email", "ada@example.com"),
            ("password", PASSWORD), ("password_confirmation", PASSWORD),
        ]).await;
        assert_eq!(done.path(), "/admin");
        done.assert_contains("Welcome to Latchkey").assert_contains("Administration");
        // Setup is over: the page now sends people to sign in.
        assert_eq!(dashboard.browser().get("/setup").await.path(), "/login");
    }

    async fn wrong_setup_codes_from_one_address_are_held_back_even_before_the_right_one(app) {
        let mut app = app;
        app.reconfigure(|s| s.throttle.setup_per_address = latchkey::throttle::Rule::new(3, std::time::Duration::from_secs(900)));
        let dashboard = Dashboard::start(app).await;
        let code = dashboard.setup_code.clone().unwrap();
        let browser = dashboard.browser();
        browser.get("/setup").await;
        let attempt = |code: String| {
            let browser = &browser;
            async move {
                browser.submit("/setup", "/setup", &[
                    ("setup_code", code.as_str()), ("display_name", "Ada"), ("email", "ada@example.com"),
                    ("password", PASSWORD), ("password_confirmation", PASSWORD),
                ]).await
            }
        };
        for _ in 0..3 {
            attempt("WRONG-CODE".into()).await.assert_contains("This is not the setup code");
        }
        let held = attempt(code).await;

        assert_eq!(held.status, 429);
        held.assert_contains("Too many wrong setup codes from this address");
        assert_eq!(dashboard.app.services.accounts.count().await.unwrap(), 0);
    }

    async fn sign_in_rejects_a_wrong_password_and_keeps_the_email(app) {
        app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.browser();

        let page = browser.submit("/login", "/login", &[("email", "ada@example.com"), ("password", "wrong password!")]).await;

        assert_eq!(page.path(), "/login");
        page.assert_contains("Wrong email or password.").assert_contains("value=\"ada@example.com\"");
        assert_eq!(browser.get("/").await.path(), "/login");
    }

    async fn signing_out_ends_the_session_on_the_server(app) {
        app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.signed_in("ada@example.com").await;
        let cookie = session_cookie(&browser, &dashboard.base);
        browser.get("/").await.assert_contains("Projects");

        let csrf = browser.get("/").await.csrf();
        let out = browser.post("/logout", &[("csrf_token", &csrf)]).await;

        out.assert_contains("You have been signed out.");
        // Replaying the old cookie does not bring the session back.
        let replay = crate::helpers::http_client().get(format!("{}/", dashboard.base)).header("Cookie", cookie).send().await.unwrap();
        assert!(replay.url().path().starts_with("/login"), "{}", replay.url());
    }

    async fn the_session_id_is_renewed_at_sign_in(app) {
        app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.browser();
        browser.get("/login").await;
        let before = session_cookie(&browser, &dashboard.base);

        browser.submit("/login", "/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;

        let after = session_cookie(&browser, &dashboard.base);
        assert!(!before.is_empty() && !after.is_empty());
        assert_ne!(before, after);
    }

    async fn changing_the_password_ends_every_other_session(app) {
        app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let here = dashboard.signed_in("ada@example.com").await;
        let elsewhere = dashboard.signed_in("ada@example.com").await;
        let new_password = "a different long password";

        let mismatch = here.submit("/account", "/account/password", &[
            ("current_password", "not it at all"), ("new_password", new_password), ("new_password_confirmation", new_password),
        ]).await;
        mismatch.assert_contains("The current password is not correct.");
        let common = here.submit("/account", "/account/password", &[
            ("current_password", PASSWORD), ("new_password", "Password1234!"), ("new_password_confirmation", "Password1234!"),
        ]).await;
        common.assert_contains("This password is too easy to guess.");
        let own_email = here.submit("/account", "/account/password", &[
            ("current_password", PASSWORD), ("new_password", "ada@example.com1"), ("new_password_confirmation", "ada@example.com1"),
        ]).await;
        own_email.assert_contains("This password is too easy to guess.");

        let changed = here.submit("/account", "/account/password", &[
            ("current_password", PASSWORD), ("new_password", new_password), ("new_password_confirmation", new_password),
        ]).await;

        changed.assert_contains("Password changed.");
        assert_eq!(here.get("/account").await.path(), "/account");
        assert!(elsewhere.get("/account").await.path().starts_with("/login"));
    }

    async fn disabling_a_user_ends_their_session_at_once(app) {
        let user = app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.signed_in("ada@example.com").await;

        dashboard.app.services.accounts.set_disabled(&Actor::system(), user.id, true).await.unwrap();

        assert!(browser.get("/").await.path().starts_with("/login"));
        let again = dashboard.browser().submit("/login", "/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
        again.assert_contains("Wrong email or password.");
    }

    async fn a_post_without_the_csrf_token_is_refused(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;

        let missing = browser.post(&tokens_path("acme"), &[("name", "Forged"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        let wrong = browser.post(&tokens_path("acme"), &[("csrf_token", "0000"), ("name", "Forged"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        let logout = browser.post("/logout", &[]).await;

        for page in [&missing, &wrong, &logout] {
            assert_eq!(page.status, 403);
            page.assert_contains("Form expired");
        }
        assert_eq!(dashboard.app.services.tokens.count_active(project.id).await.unwrap(), 0);
        assert_eq!(browser.get("/").await.path(), "/", "a refused logout leaves the session alone");
    }
}

fn session_cookie(browser: &Browser, base: &str) -> String {
    browser.cookie_header(base)
}

backend_tests! {
    async fn a_cross_site_post_is_refused_even_with_a_valid_csrf_token(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", latchkey::domain::Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", latchkey::domain::Role::Admin).await;
        let list = tokens_path("acme");
        let csrf = browser.get(&list).await.csrf();
        let form = |name| [("csrf_token", csrf.as_str()), ("name", name), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")];

        for (header, value) in [("origin", "https://evil.test"), ("origin", "null"), ("sec-fetch-site", "cross-site"), ("sec-fetch-site", "same-site")] {
            let refused = browser.post_with_headers(&list, &form("Forged"), &[(header, value)]).await;
            assert_eq!(refused.status, 403, "{header}: {value}");
        }
        assert_eq!(dashboard.app.services.tokens.count_active(project.id).await.unwrap(), 0);

        let same_origin = browser.post_with_headers(&list, &form("Mine"), &[("origin", &dashboard.base), ("sec-fetch-site", "same-origin")]).await;
        assert_eq!(same_origin.status, 200, "{}", same_origin.html);
        assert_eq!(dashboard.app.services.tokens.count_active(project.id).await.unwrap(), 1);
    }
}

backend_tests! {
    async fn the_sign_in_page_holds_an_account_after_five_failures(app) {
        app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.browser();

        for _ in 0..5 {
            let wrong = browser.submit("/login", "/login", &[("email", "ada@example.com"), ("password", "not it at all")]).await;
            wrong.assert_contains("Wrong email or password.");
        }
        let held = browser.submit("/login", "/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;

        assert_eq!(held.status, 429);
        held.assert_contains("Too many failed sign-ins");
        assert!(held.headers.contains_key("retry-after"));
        assert!(held.path().starts_with("/login"));
    }
}

/// The end-session form paths on `/account`, in page order.
fn session_end_paths(page: &Page) -> Vec<String> {
    page.html
        .match_indices("action=\"/account/sessions/")
        .map(|(at, _)| {
            let rest = &page.html[at + "action=\"".len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .filter(|path| path.ends_with("/end"))
        .collect()
}

backend_tests! {
    async fn the_account_page_lists_ones_sessions_and_ends_another_one(app) {
        app.user("ada@example.com").await;
        app.user("bob@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let here = dashboard.signed_in("ada@example.com").await;
        let laptop = dashboard.signed_in("ada@example.com").await;
        let bob = dashboard.signed_in("bob@example.com").await;

        let page = here.get("/account").await;
        page.assert_contains("Where you are signed in").assert_contains("this session").assert_contains("127.0.0.1");
        let ends = session_end_paths(&page);
        assert_eq!(ends.len(), 2, "two sessions of Ada's, none of Bob's");
        let own_row = page.html.split("<tr>").find(|row| row.contains("this session")).unwrap();
        let other = ends.iter().find(|path| !own_row.contains(path.as_str())).unwrap().clone();

        // Another user's handle ends nothing.
        let csrf = bob.get("/account").await.csrf();
        assert_eq!(bob.post(&other, &[("csrf_token", &csrf)]).await.status, 404);
        assert_eq!(laptop.get("/account").await.path(), "/account");

        here.submit("/account", &other, &[]).await.assert_contains("Signed out that session.");
        assert!(laptop.get("/account").await.path().starts_with("/login"));
        assert_eq!(here.get("/account").await.path(), "/account");
        assert_eq!(bob.get("/account").await.path(), "/account");
    }

    async fn sign_out_everywhere_ends_every_session_this_one_included(app) {
        app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let here = dashboard.signed_in("ada@example.com").await;
        let elsewhere = dashboard.signed_in("ada@example.com").await;

        let done = here.submit("/account", "/account/sessions/end-all", &[]).await;

        assert!(done.path().starts_with("/login"), "{}", done.path());
        assert!(here.get("/account").await.path().starts_with("/login"));
        assert!(elsewhere.get("/account").await.path().starts_with("/login"));
        assert!(!dashboard.signed_in("ada@example.com").await.get("/account").await.path().starts_with("/login"), "signing in again works");
    }

    async fn a_super_admin_signs_another_user_out_everywhere(app) {
        let ada = app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let ada_browser = dashboard.signed_in("ada@example.com").await;
        let root = dashboard.super_admin("root@example.com").await;

        let forged = ada_browser.post(&format!("/admin/users/{}/sessions/end", ada.id), &[("csrf_token", &ada_browser.get("/account").await.csrf())]).await;
        assert_eq!(forged.status, 404, "the administration is not there for others");
        assert_eq!(ada_browser.get("/account").await.path(), "/account");

        root.submit("/admin", &format!("/admin/users/{}/sessions/end", ada.id), &[]).await
            .assert_contains("Signed ada@example.com out everywhere");
        assert!(ada_browser.get("/account").await.path().starts_with("/login"));
        assert_eq!(root.get("/admin").await.path(), "/admin");
    }

    async fn a_session_from_an_older_credentials_generation_is_over_even_if_its_row_survived(app) {
        let ada = app.user("ada@example.com").await;
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.signed_in("ada@example.com").await;
        // The generation moves on without the rows being deleted (as a row written by a
        // request that raced the revocation would be).
        use latchkey::entities::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::update_many()
            .col_expr(user::Column::CredentialsGeneration, sea_orm::sea_query::Expr::value(7_i64))
            .filter(user::Column::Id.eq(ada.id))
            .exec(&dashboard.app.db).await.unwrap();

        assert!(browser.get("/account").await.path().starts_with("/login"));
    }
}
