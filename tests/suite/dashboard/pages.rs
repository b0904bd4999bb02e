//! Content types, members, audit log, super-admin page, error pages and headers.

use super::*;
use latchkey::domain::{Plan, Role};

backend_tests! {
    async fn an_admin_adds_and_removes_content_types_and_they_appear_in_the_matrix(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let path = "/projects/acme/settings/content-types";

        let bad = browser.submit(path, path, &[("uid", "Blog Post"), ("display_name", "")]).await;
        assert_eq!(bad.status, 422);
        bad.assert_contains("is not a valid content type id").assert_contains("value=\"Blog Post\"");
        browser.submit(path, path, &[("uid", "blog-post"), ("display_name", "Blog post")]).await.assert_contains("Added the content type “blog-post”.");
        browser.get(&format!("{}/new", tokens_path("acme"))).await
            .assert_contains("value=\"blog-post.create\"").assert_contains("value=\"api-token.regenerate\"");
        let duplicate = browser.submit(path, path, &[("uid", "blog-post"), ("display_name", "Again")]).await;
        assert_eq!(duplicate.status, 409);

        let removed = browser.submit(path, &format!("{path}/blog-post/delete"), &[]).await;
        removed.assert_contains("Removed “blog-post”");
        let built_in = browser.submit(path, &format!("{path}/api-token/delete"), &[]).await;
        assert_eq!(built_in.status, 400);
    }

    async fn an_admin_sets_the_route_prefix_and_sees_each_types_path(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        dashboard.app.content_type(&project, "category").await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let path = "/projects/acme/settings/content-types";
        let routes = format!("{path}/routes");

        browser.get(path).await.assert_contains("No route prefix is set").assert_lacks("<th scope=\"col\">Path</th>");
        let bad = browser.submit(path, &routes, &[("route_prefix", "/api/../admin")]).await;
        assert_eq!(bad.status, 422);
        bad.assert_contains("is not a route prefix").assert_contains("value=\"/api/../admin\"");
        browser.submit(path, &routes, &[("route_prefix", "/api")]).await
            .assert_contains("Forward auth now maps paths under /api/{content-type} to permissions.")
            .assert_contains("<code>/api/categories</code>").assert_contains("<code>/api/api-tokens</code>");
        let stored = dashboard.app.services.projects.get(project.id).await.unwrap();
        assert_eq!(stored.route_prefix.map(|p| p.pattern()), Some("/api/{content-type}".to_owned()));
        browser.submit(path, &routes, &[("route_prefix", "")]).await.assert_contains("Forward auth no longer maps paths");
        assert_eq!(dashboard.app.services.projects.get(project.id).await.unwrap().route_prefix, None);

        // A developer reads the routes but cannot change them.
        let dev = dashboard.member(&project, "dev@example.com", Role::Developer).await;
        let page = dev.get(path).await;
        page.assert_lacks("Save route prefix");
        let refused = dev.post(&routes, &[("csrf_token", &page.csrf()), ("route_prefix", "/api")]).await;
        assert_eq!(refused.status, 403);
    }

    async fn an_owner_adds_members_changes_roles_and_removes_them(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let owner = dashboard.member(&project, "olive@example.com", Role::Owner).await;
        let dev = dashboard.app.user("dev@example.com").await;
        let path = "/projects/acme/settings/members";

        owner.submit(path, path, &[("email", "nobody@example.com"), ("role", "viewer")]).await.assert_contains("No user has the email nobody@example.com.");
        owner.submit(path, path, &[("email", "dev@example.com"), ("role", "developer")]).await.assert_contains("dev@example.com is now a developer");
        owner.submit(path, &format!("{path}/{}/role", dev.id), &[("role", "viewer")]).await.assert_contains("Role changed to Viewer.");
        let members = dashboard.app.services.projects.members(project.id).await.unwrap();
        assert_eq!(members.iter().find(|m| m.user_id == dev.id).unwrap().role, Role::Viewer);
        owner.submit(path, &format!("{path}/{}/remove", dev.id), &[]).await.assert_contains("Member removed.");

        // The last owner stays.
        let olive = dashboard.app.services.accounts.find_by_email(&latchkey::domain::Email::parse("olive@example.com").unwrap()).await.unwrap().unwrap();
        owner.submit(path, &format!("{path}/{}/role", olive.id), &[("role", "admin")]).await.assert_contains("at least one owner");

        // An admin sees the members but cannot change them.
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        admin.get(path).await.assert_contains("dev").assert_lacks("Add a member");
        let refused = admin.submit(path, path, &[("email", "dev@example.com"), ("role", "owner")]).await;
        assert_eq!(refused.status, 403);
    }

    async fn the_audit_log_lists_changes_for_admins_only(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        admin.submit(&format!("{list}/new"), &list, &[("name", "Logged"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;

        let page = admin.get("/projects/acme/settings/audit-log").await;
        page.assert_contains("token.create").assert_contains("Logged").assert_contains("ada@example.com").assert_contains("127.0.0.1");
        let viewer = dashboard.member(&project, "vic@example.com", Role::Viewer).await;
        assert_eq!(viewer.get("/projects/acme/settings/audit-log").await.status, 403);
    }

    async fn a_super_admin_creates_projects_and_users_and_sets_plans(app) {
        let dashboard = Dashboard::start(app).await;
        let root = dashboard.super_admin("root@example.com").await;

        root.submit("/admin", "/admin/users", &[("email", "ada@example.com"), ("display_name", "Ada"), ("password", "123456789012")]).await.assert_contains("This password is too easy to guess.");
        root.submit("/admin", "/admin/users", &[("email", "ada@example.com"), ("display_name", "Ada"), ("password", PASSWORD)]).await.assert_contains("Created the user ada@example.com.");
        let bad = root.submit("/admin", "/admin/projects", &[("name", "Acme"), ("slug", "Acme Inc"), ("plan", "free"), ("owner", "")]).await;
        bad.assert_contains("is not a valid slug");
        root.submit("/admin", "/admin/projects", &[("name", "Acme"), ("slug", "acme"), ("plan", "free"), ("owner", "ada@example.com")]).await.assert_contains("Created the project “Acme”.");
        let project = dashboard.app.services.projects.find_by_slug("acme").await.unwrap().unwrap();
        root.submit("/admin", &format!("/admin/projects/{}/plan", project.id), &[("plan", "professional"), ("token_cap", "10")]).await.assert_contains("is now on the Professional plan");
        let project = dashboard.app.services.projects.get(project.id).await.unwrap();
        assert_eq!((project.plan, project.token_cap), (Plan::Professional, Some(10)));

        let ada = dashboard.signed_in("ada@example.com").await;
        ada.get("/").await.assert_contains("Acme").assert_contains("Owner");
        assert_eq!(ada.get("/admin").await.status, 404);
        let forged = ada.post("/admin/users", &[("csrf_token", &ada.get("/").await.csrf()), ("email", "x@example.com"), ("display_name", "X"), ("password", PASSWORD)]).await;
        assert_eq!(forged.status, 404);
    }

    async fn unknown_pages_get_the_html_error_page(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;

        for path in ["/no/such/page", "/projects/acme/settings/api-tokens/not-a-uuid", "/projects/acme/settings/api-tokens/00000000-0000-0000-0000-000000000000"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 404, "{path}");
            page.assert_contains("<title>Page not found · Latchkey</title>").assert_contains("class=\"topbar\"");
            let marker = "Request id: <code>";
            let at = page.html.find(marker).expect("the error page shows the request id") + marker.len();
            assert!(uuid::Uuid::parse_str(&page.html[at..at + 36]).is_ok(), "{}", &page.html[at..]);
        }
        let signed_out = dashboard.browser().get(&tokens_path("acme")).await;
        assert_eq!(signed_out.path(), "/login");
    }

    async fn dashboard_pages_are_never_cached_and_carry_security_headers(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;

        let page = browser.get(&tokens_path("acme")).await;

        assert_eq!(page.headers["cache-control"], "no-store");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        for directive in ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert_eq!(page.headers["x-frame-options"], "DENY");
        page.assert_lacks("<script>").assert_lacks("onclick=");
        let css = browser.get("/static/app.css").await;
        assert_eq!(css.status, 200);
        assert!(css.html.contains("@media (max-width: 760px)"));
    }

    async fn the_session_cookie_is_secure_http_only_and_same_site_by_default(app) {
        let dashboard = Dashboard::start_with(app).await;
        let response = crate::helpers::http_get(format!("{}/login", dashboard.base)).await.unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("__Host-latchkey_session="), "{cookie}");
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!cookie.contains("Domain"), "a __Host- cookie names no domain: {cookie}");
        assert!(!cookie.contains("Max-Age"), "a browser session cookie: idle expiry is kept on the server");
    }
}

backend_tests! {
    async fn pages_answer_head_like_get_and_other_methods_with_405(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let url = |path: &str| format!("{}{path}", dashboard.base);

        for path in ["/", "/account", "/login", "/static/app.css", "/projects/acme/settings/api-tokens", "/projects/acme/settings/api-tokens/new", "/projects/acme/settings/members", "/projects/acme/settings/content-types", "/projects/acme/settings/audit-log"] {
            let head = browser.client.head(url(path)).send().await.unwrap();
            let get = browser.client.get(url(path)).send().await.unwrap();
            assert_eq!(head.status(), get.status(), "{path}");
            assert_eq!(head.text().await.unwrap(), "", "HEAD {path} sends no body");
            let put = browser.client.put(url(path)).send().await.unwrap();
            assert_eq!(put.status(), 405, "PUT {path}");
        }
        let post_to_a_page_that_takes_none = browser.post("/account", &[]).await;
        assert_eq!(post_to_a_page_that_takes_none.status, 405);
        post_to_a_page_that_takes_none.assert_contains("Method not allowed");
        assert_eq!(browser.client.delete(url("/logout")).send().await.unwrap().status(), 405);
        assert_eq!(browser.get("/no/such/page").await.status, 404);
    }
}

backend_tests! {
    async fn a_form_whose_bytes_are_not_utf8_is_refused_not_mangled(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let csrf = browser.get(&format!("{}/new", tokens_path("acme"))).await.csrf();

        let refused = browser.post_encoded(&tokens_path("acme"), format!("csrf_token={csrf}&name=Deploy%FF&type=read-only&duration=30")).await;

        assert_eq!(refused.status, 400);
        refused.assert_contains("not UTF-8");
        let listed = dashboard.app.services.tokens.list(&latchkey::domain::Actor::system(), project.id, &Default::default()).await.unwrap();
        assert_eq!(listed.total, 0, "nothing was created under a mangled name");
    }
}

backend_tests! {
    /// Every dashboard page that reads, and every kind of error page, carries the full header
    /// set (the route inventory of `web::routes`).
    async fn every_dashboard_page_and_error_page_carries_the_security_headers(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        dashboard.app.content_type(&project, "article").await;
        let root = dashboard.super_admin("root@example.com").await;
        let viewer = dashboard.member(&project, "vic@example.com", Role::Viewer).await;
        let token = dashboard.app.issue(&latchkey::domain::Actor::system(), &project, crate::helpers::token("Inventory")).await.token.id;
        let tokens = tokens_path("acme");
        let check = |page: &Page, what: &str| {
            assert_eq!(page.headers["cache-control"], "no-store", "{what}");
            assert_eq!(page.headers["x-content-type-options"], "nosniff", "{what}");
            assert_eq!(page.headers["x-frame-options"], "DENY", "{what}");
            assert_eq!(page.headers["referrer-policy"], "same-origin", "{what}");
            assert_eq!(page.headers["content-type"], "text/html; charset=utf-8", "{what}");
            let csp = page.headers["content-security-policy"].to_str().unwrap();
            for directive in ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"] {
                assert!(csp.contains(directive), "{what}: {csp}");
            }
        };
        for path in [
            "/".to_owned(), "/account".into(), "/admin".into(), "/projects/acme".into(),
            tokens.clone(), format!("{tokens}/new"), format!("{tokens}/{token}"),
            format!("{tokens}/{token}/regenerate"), format!("{tokens}/{token}/delete"),
            "/projects/acme/settings/content-types".into(), "/projects/acme/settings/members".into(),
            "/projects/acme/settings/audit-log".into(),
        ] {
            let page = root.get(&path).await;
            assert_eq!(page.status, 200, "{path}");
            check(&page, &path);
        }
        let anonymous = dashboard.browser();
        let login = anonymous.get("/login").await;
        assert_eq!(login.status, 200);
        check(&login, "/login");

        check(&root.get("/no/such/page").await, "404");
        let csrf = viewer.get(&tokens).await.csrf();
        let forbidden = viewer.post(&format!("{tokens}/{token}/delete"), &[("csrf_token", &csrf)]).await;
        assert_eq!(forbidden.status, 403);
        check(&forbidden, "403");
        let wrong_method = root.client.put(format!("{}/account", dashboard.base)).send().await.unwrap();
        assert_eq!(wrong_method.status(), 405);
        assert_eq!(wrong_method.headers()["x-frame-options"], "DENY", "405");
        assert!(wrong_method.headers()["content-security-policy"].to_str().unwrap().contains("object-src 'none'"), "405");
        let csrf_refused = root.post(&tokens, &[("name", "No token")]).await;
        assert_eq!(csrf_refused.status, 403);
        check(&csrf_refused, "CSRF refused");
        let not_utf8 = root.post_encoded(&tokens, format!("csrf_token={}&name=%FF", root.get(&tokens).await.csrf())).await;
        assert_eq!(not_utf8.status, 400);
        check(&not_utf8, "400");
        let held = {
            let mut last = None;
            for _ in 0..6 {
                last = Some(anonymous.submit("/login", "/login", &[("email", "root@example.com"), ("password", "not the password")]).await);
            }
            last.unwrap()
        };
        assert_eq!(held.status, 429);
        check(&held, "429");
    }
}

backend_tests! {
    /// With the database gone, a request carrying a session cookie gets the dashboard's 503
    /// page (layout, headers, request id, Retry-After), not the session layer's bare 500.
    async fn a_signed_in_browser_gets_the_unavailable_page_during_an_outage(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        assert_eq!(browser.get("/account").await.status, 200);

        dashboard.app.services.close().await.unwrap();

        for path in ["/account", "/login", "/no/such/page", &tokens_path("acme")] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 503, "{path}");
            page.assert_contains("Temporarily unavailable").assert_contains("Request id: <code>");
            assert_eq!(page.headers["retry-after"], "1", "{path}");
            assert_eq!(page.headers["x-frame-options"], "DENY", "{path}");
            assert!(page.headers["content-security-policy"].to_str().unwrap().contains("object-src 'none'"), "{path}");
        }
        let anonymous = dashboard.browser().get("/login").await;
        assert_eq!(anonymous.status, 503, "the sign-in page needs the session store too");
    }
}
