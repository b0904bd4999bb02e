//! Each role's allowed and refused actions, enforced by the server.

use super::*;
use latchkey::domain::{Actor, Plan, Role};

backend_tests! {
    async fn a_viewer_sees_the_list_without_actions_and_every_post_is_refused(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let existing = dashboard.app.issue(&Actor::system(), &project, token("Shared")).await;
        let browser = dashboard.member(&project, "vic@example.com", Role::Viewer).await;
        let list = tokens_path("acme");
        let token_path = format!("{list}/{}", existing.token.id);

        let page = browser.get(&list).await;
        page.assert_contains("Shared").assert_lacks("Create new API token").assert_lacks("/regenerate").assert_lacks("/delete");
        let edit = browser.get(&token_path).await;
        edit.assert_contains("Your role lets you view this token but not change it.").assert_lacks("Save changes");
        let csrf = page.csrf();

        let attempts = [
            browser.post(&list, &[("csrf_token", &csrf), ("name", "Mine"), ("token_type", "read-only"), ("kind", "personal"), ("duration", "30")]).await,
            browser.post(&token_path, &[("csrf_token", &csrf), ("name", "Renamed"), ("token_type", "read-only")]).await,
            browser.post(&format!("{token_path}/regenerate"), &[("csrf_token", &csrf)]).await,
            browser.post(&format!("{token_path}/delete"), &[("csrf_token", &csrf)]).await,
            browser.post("/projects/acme/settings/content-types", &[("csrf_token", &csrf), ("uid", "article"), ("display_name", "Article")]).await,
        ];
        for refused in &attempts {
            assert_eq!(refused.status, 403, "{}", refused.url);
        }
        dashboard.app.services.tokens.verify(existing.secret.expose_secret(), None).await.unwrap();
        assert_eq!(dashboard.app.services.tokens.count_active(project.id).await.unwrap(), 1);
    }

    async fn a_developer_manages_only_their_own_personal_tokens(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let service = dashboard.app.issue(&Actor::system(), &project, token("Service")).await;
        let browser = dashboard.member(&project, "dev@example.com", Role::Developer).await;
        let list = tokens_path("acme");

        let form = browser.get(&format!("{list}/new")).await;
        form.assert_lacks("value=\"service\"").assert_contains("<input type=\"hidden\" name=\"kind\" value=\"personal\">");
        let own = browser.submit(&format!("{list}/new"), &list, &[("name", "Mine"), ("token_type", "full-access"), ("kind", "personal"), ("duration", "30")]).await;
        assert!(revealed_secret(&own.html).is_some());
        let forged_service = browser.post(&list, &[("csrf_token", &form.csrf()), ("name", "Sneaky"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        assert_eq!(forged_service.status, 403);
        forged_service.assert_contains("Developers can create personal tokens only.");

        let listing = browser.get(&list).await;
        let service_path = format!("{list}/{}", service.token.id);
        listing.assert_lacks(&format!("{service_path}/delete")).assert_contains(&format!("{}/delete", own.path()));
        let refused = browser.post(&format!("{service_path}/delete"), &[("csrf_token", &form.csrf())]).await;
        assert_eq!(refused.status, 403);
        let allowed = browser.submit(&format!("{}/delete", own.path()), &format!("{}/delete", own.path()), &[]).await;
        allowed.assert_contains("Deleted “Mine”.");
    }

    async fn an_admin_manages_everyones_tokens(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let (_, developer) = dashboard.app.member(&project, "dev@example.com", Role::Developer).await;
        let personal_token = dashboard.app.issue(&developer, &project, personal("Dev laptop", "read-only")).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let path = format!("{}/{}", tokens_path("acme"), personal_token.token.id);

        // An admin may delete anyone's token; a personal token's secret goes only to its owner
        // (the refused regenerate is in `escalation`).
        let deleted = browser.submit(&format!("{path}/delete"), &format!("{path}/delete"), &[]).await;

        deleted.assert_contains("Deleted “Dev laptop”.");
        assert!(dashboard.app.services.tokens.verify(personal_token.secret.expose_secret(), None).await.is_err());
    }

    async fn a_member_never_sees_another_projects_pages(app) {
        let dashboard = Dashboard::start(app).await;
        let acme = dashboard.project("acme", Plan::Professional).await;
        let globex = dashboard.project("globex", Plan::Professional).await;
        let secret_token = dashboard.app.issue(&Actor::system(), &globex, token("Globex secret")).await;
        let browser = dashboard.member(&acme, "ada@example.com", Role::Owner).await;
        let globex_tokens = tokens_path("globex");
        let csrf = browser.get(&tokens_path("acme")).await.csrf();

        for path in [globex_tokens.clone(), format!("{globex_tokens}/{}", secret_token.token.id), "/projects/globex/settings/members".into()] {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 404, "{path}");
            page.assert_contains("Page not found").assert_lacks("Globex secret");
        }
        let forged = browser.post(&format!("{globex_tokens}/{}/delete", secret_token.token.id), &[("csrf_token", &csrf)]).await;
        assert_eq!(forged.status, 404);
        // Naming globex's token under acme finds nothing either.
        assert_eq!(browser.get(&format!("{}/{}", tokens_path("acme"), secret_token.token.id)).await.status, 404);
        dashboard.app.services.tokens.verify(secret_token.secret.expose_secret(), None).await.unwrap();
        browser.get("/").await.assert_lacks("globex");
    }
}
