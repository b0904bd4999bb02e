//! What makes the dashboard finished: themes, error pages inside the layout, the icon, the
//! token hint in the list and its search, case-blind sorting, the plan's way forward, and a
//! token's page with its recent clients and history.

use super::*;
use latchkey::domain::{Actor, Plan, Role};

backend_tests! {
    async fn a_user_chooses_a_theme_that_every_page_then_carries(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;

        let account = browser.get("/account").await;
        account.assert_contains("<html lang=\"en\" data-theme=\"system\">")
            .assert_contains("name=\"theme\" value=\"system\" checked");
        let csrf = account.csrf();
        let set = browser.post("/account/theme", &[("csrf_token", &csrf), ("theme", "dark")]).await;
        set.assert_contains("Theme set to “Dark”.").assert_contains("data-theme=\"dark\"");
        browser.get(&tokens_path("acme")).await.assert_contains("data-theme=\"dark\"");
        let user = dashboard.app.services.accounts.find_by_email(&latchkey::domain::Email::parse("ada@example.com").unwrap()).await.unwrap().unwrap();
        assert_eq!(user.theme, latchkey::domain::Theme::Dark);

        let unknown = browser.post("/account/theme", &[("csrf_token", &csrf), ("theme", "sepia")]).await;
        assert_eq!(unknown.status, 400);
        unknown.assert_contains("Unknown theme");
        // The stylesheet defines both themes from one set of colours.
        let css = browser.get("/static/app.css").await.html;
        assert!(css.contains("color-scheme: light dark") && css.contains(":root[data-theme=\"dark\"]"));
        assert!(css.contains("--bg: light-dark("));
    }

    async fn error_pages_keep_the_signed_in_layout(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let viewer = dashboard.member(&project, "vic@example.com", Role::Viewer).await;

        for (path, status) in [("/no/such/page", 404), ("/projects/acme/settings/audit-log", 403)] {
            let page = viewer.get(path).await;
            assert_eq!(page.status, status, "{path}");
            page.assert_contains("Sign out").assert_contains(">Projects</a>").assert_contains("vic")
                .assert_contains("Back to your projects").assert_contains("Request id: <code>")
                .assert_contains(&format!("Error {status}"));
        }
        let anonymous = dashboard.browser().get("/no/such/page").await;
        assert_eq!(anonymous.status, 404);
        anonymous.assert_lacks("Sign out").assert_contains("Go to the start page");
    }

    async fn the_icon_is_served_where_browsers_look_for_it(app) {
        let dashboard = Dashboard::start(app).await;
        let browser = dashboard.browser();
        for path in ["/favicon.ico", "/static/icon.svg"] {
            let icon = browser.get(path).await;
            assert_eq!(icon.status, 200, "{path}");
            assert_eq!(icon.headers["content-type"], "image/svg+xml", "{path}");
            assert!(icon.html.starts_with("<svg"), "{path}");
        }
        browser.get("/login").await.assert_contains("<link rel=\"icon\" href=\"/static/icon.svg\"");
    }

    async fn the_list_shows_each_hint_and_finds_a_token_by_it_or_by_its_secret(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let leaked = dashboard.app.issue(&Actor::system(), &project, token("Leaked one")).await;
        dashboard.app.issue(&Actor::system(), &project, token("Other")).await;
        let hint = leaked.token.display_hint.clone();
        let secret = leaked.secret.expose_secret().to_owned();

        browser.get(&list).await.assert_contains(&format!(">{hint}</code>"));
        let tail = &hint[hint.len() - 4..];
        for query in [tail.to_owned(), hint.clone(), secret.clone()] {
            let found = browser.get(&format!("{list}?q={}", urlencode(&query))).await;
            found.assert_contains("Leaked one");
            // The secret is never echoed back: the search box holds its hint.
            found.assert_lacks(&secret);
        }
        let other = browser.get(&format!("{list}?q={}", urlencode(&hint))).await;
        other.assert_lacks(">Other</a>");
    }

    async fn names_sort_alike_whatever_their_case(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        for name in ["beta", "Alpha", "alpine", "Bravo"] {
            dashboard.app.issue(&Actor::system(), &project, token(name)).await;
        }
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let page = browser.get(&format!("{}?sort=name&order=asc", tokens_path("acme"))).await;
        let at = |name: &str| page.html.find(&format!(">{name}</a>")).unwrap();
        assert!(at("Alpha") < at("alpine") && at("alpine") < at("beta") && at("beta") < at("Bravo"));
        // The phone's sort menu says the same in one parameter.
        let menu = browser.get(&format!("{}?by=name.desc", tokens_path("acme"))).await;
        let at = |name: &str| menu.html.find(&format!(">{name}</a>")).unwrap();
        assert!(at("Bravo") < at("beta"));
        menu.assert_contains("<option value=\"name.desc\" selected>");
    }

    async fn a_plan_that_stops_token_work_says_how_to_go_on(app) {
        let dashboard = Dashboard::start(app).await;
        let free = dashboard.project("acme", Plan::Free).await;
        let admin = dashboard.member(&free, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");

        let gated = admin.get(&list).await;
        gated.assert_contains("needs a Professional plan").assert_contains("ask them to move the project")
            .assert_lacks("you can still delete them").assert_lacks("Change plan");
        let root = dashboard.super_admin("root@example.com").await;
        let offered = root.get(&list).await;
        offered.assert_contains("As a super admin you can change the plan here").assert_contains("Change plan");
        let moved = root.post(&latchkey_admin_plan_path(free.id), &[
            ("csrf_token", &offered.csrf()), ("plan", "professional"), ("token_cap", ""), ("back", "tokens"),
        ]).await;
        assert_eq!(moved.path(), list, "the super admin lands back on the token list");
        moved.assert_contains("is now on the Professional plan");

        dashboard.app.services.projects.set_plan(&Actor::system(), free.id, Plan::Professional, Some(1)).await.unwrap();
        dashboard.app.issue(&Actor::system(), &free, token("Only")).await;
        let form = admin.get(&format!("{list}/new")).await;
        form.assert_contains("used every token its plan allows").assert_lacks("name=\"name\"")
            .assert_lacks("Generate token");
    }

    async fn the_create_form_explains_itself(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");

        let form = admin.get(&format!("{list}/new")).await;
        let in_30_days = (chrono::Utc::now() + chrono::Duration::days(30)).format("%b %-d, %Y").to_string();
        form.assert_contains("Generate token").assert_contains(" autofocus")
            .assert_contains(&format!("data-expiry-preview aria-live=\"polite\">Expires on {in_30_days}</p>"))
            .assert_contains("data-expires=\"Never expires")
            .assert_contains("0 of 6 selected").assert_contains("give a token a new secret");
        assert!(form.html.find("id=\"name\"").unwrap() < form.html.find("name=\"kind\"").unwrap(), "Name comes first");

        let refused = admin.submit(&format!("{list}/new"), &list, &[("name", ""), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        assert_eq!(refused.status, 422);
        refused.assert_contains("data-error-summary").assert_contains("<a href=\"#name-errors\">Name is required.</a>")
            .assert_lacks(" autofocus");
    }

    async fn a_tokens_page_shows_its_recent_clients_and_its_history(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let created = admin.submit(&format!("{list}/new"), &list, &[("name", "CI pipeline"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        let secret = revealed_secret(&created.html).unwrap();
        let page_path = created.path();
        let csrf = created.csrf();
        admin.post(&page_path, &[("csrf_token", &csrf), ("name", "CI pipeline"), ("description", "Deploys"), ("token_type", "full-access")]).await;

        let client = crate::helpers::http_client();
        let verified = client.post(format!("{}/api/v1/verify", dashboard.base))
            .json(&serde_json::json!({"token": secret, "client_ip": "203.0.113.9", "user_agent": "okhttp/4.12.0"}))
            .send().await.unwrap();
        assert_eq!(verified.status(), 200);
        let listed = client.get(format!("{}/api/v1/tokens", dashboard.base))
            .bearer_auth(&secret).header("User-Agent", "deploy-bot/2.1 (linux)")
            .send().await.unwrap();
        assert_eq!(listed.status(), 200);
        dashboard.app.services.last_used.flush().await.unwrap();

        let page = admin.get(&page_path).await;
        page.assert_contains("okhttp/4.12.0").assert_contains("<code>203.0.113.9</code>")
            .assert_contains("deploy-bot/2.1").assert_contains("<code>127.0.0.1</code>")
            .assert_lacks("Never used");
        // History, newest first, in words, with what changed.
        // Named as the user is now, with the address the entry was written under.
        let edited = page.html.find("<strong title=\"ada@example.com\">ada</strong> edited").expect("the edit is in the history");
        let made = page.html.find("</strong> created").expect("the creation is in the history");
        assert!(edited < made, "newest first");
        page.assert_contains("<del>read-only</del>").assert_contains("<ins>full-access</ins>")
            .assert_contains("Everything about this token in the audit log");
        // A viewer sees the history but not where people were.
        let viewer = dashboard.member(&project, "vic@example.com", Role::Viewer).await;
        viewer.get(&page_path).await.assert_contains("</strong> created").assert_lacks("· from 127.0.0.1")
            .assert_lacks("Everything about this token in the audit log");
    }
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn latchkey_admin_plan_path(project_id: uuid::Uuid) -> String {
    format!("/admin/projects/{project_id}/plan")
}
