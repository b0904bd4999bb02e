//! The plan gate in the browser: explained on free, refused on the server however forged.

use super::*;
use latchkey::domain::{Actor, Plan, Role};

backend_tests! {
    async fn a_free_project_explains_the_plan_and_refuses_forged_posts(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let existing = dashboard.app.issue(&Actor::system(), &project, token("Existing")).await;
        dashboard.app.services.projects.set_plan(&Actor::system(), project.id, Plan::Free, None).await.unwrap();
        let browser = dashboard.member(&project, "olive@example.com", Role::Owner).await;
        let list = tokens_path("acme");
        let token_path = format!("{list}/{}", existing.token.id);

        let page = browser.get(&list).await;
        page.assert_contains("API token management needs a Professional plan")
            .assert_contains("Existing")
            .assert_lacks("Create new API token")
            .assert_lacks(&format!("{token_path}/regenerate"))
            .assert_contains(&format!("{token_path}/delete"));
        let new_form = browser.get(&format!("{list}/new")).await;
        assert_eq!(new_form.status, 403);
        new_form.assert_contains("Professional");

        let csrf = page.csrf();
        let forged_create = browser.post(&list, &[("csrf_token", &csrf), ("name", "Forged"), ("token_type", "full-access"), ("kind", "service"), ("duration", "unlimited")]).await;
        let forged_regenerate = browser.post(&format!("{token_path}/regenerate"), &[("csrf_token", &csrf)]).await;
        let forged_update = browser.post(&token_path, &[("csrf_token", &csrf), ("name", "Renamed"), ("token_type", "full-access")]).await;

        for refused in [&forged_create, &forged_regenerate, &forged_update] {
            assert_eq!(refused.status, 403, "{}", refused.html);
            refused.assert_contains("Professional");
        }
        let tokens = &dashboard.app.services.tokens;
        assert_eq!(tokens.count_active(project.id).await.unwrap(), 1);
        tokens.verify(existing.secret.expose_secret(), None).await.unwrap();
        // Deleting stays possible on a downgraded project.
        let deleted = browser.submit(&format!("{token_path}/delete"), &format!("{token_path}/delete"), &[]).await;
        deleted.assert_contains("Deleted “Existing”.");
    }

    async fn professional_shows_usage_and_refuses_beyond_its_cap(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        dashboard.app.services.projects.set_plan(&Actor::system(), project.id, Plan::Professional, Some(1)).await.unwrap();
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        browser.get(&list).await.assert_contains("0 of 1 tokens used");
        let form = browser.get(&format!("{list}/new")).await;

        browser.post(&list, &[("csrf_token", &form.csrf()), ("name", "First"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        let second = browser.post(&list, &[("csrf_token", &form.csrf()), ("name", "Second"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;

        assert_eq!(second.status, 403);
        second.assert_contains("reached its plan&#39;s limit of 1 active tokens").assert_contains("value=\"Second\"");
        let full = browser.get(&list).await;
        full.assert_contains("1 of 1 tokens used").assert_contains("aria-disabled=\"true\"");
        assert_eq!(dashboard.app.services.tokens.count_active(project.id).await.unwrap(), 1);
    }
}
