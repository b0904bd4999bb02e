//! The API Tokens pages: the whole life of a token through the browser.

use super::*;
use latchkey::domain::{Actor, Plan, Role};
use latchkey::tokens::{ListQuery, StatusFilter, VerifyError};

fn token_id_of(page: &Page) -> uuid::Uuid {
    page.path()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .expect("redirected to the token's page")
}

backend_tests! {
    async fn an_admin_creates_each_type_sees_the_secret_once_edits_regenerates_and_deletes(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        dashboard.app.content_type(&project, "article").await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let new = format!("{list}/new");
        let tokens = &dashboard.app.services.tokens;

        // One token of each type and kind.
        let forms: [&[(&str, &str)]; 4] = [
            &[("name", "Reader"), ("token_type", "read-only"), ("kind", "service"), ("duration", "7")],
            &[("name", "Deployer"), ("token_type", "full-access"), ("kind", "service"), ("duration", "unlimited")],
            &[("name", "Writer"), ("token_type", "custom"), ("permissions", "article.find"), ("permissions", "article.create"), ("kind", "service"), ("duration", "custom"), ("expires_on", "2099-12-31")],
            &[("name", "Laptop"), ("description", "My scripts"), ("token_type", "read-only"), ("kind", "personal"), ("duration", "90")],
        ];
        let mut created = Vec::new();
        for form in forms {
            let page = browser.submit(&new, &list, form).await;
            assert_eq!(page.status, 200, "{}", page.html);
            page.assert_contains("Copy your new API token now")
                .assert_contains("It will not be shown again")
                .assert_contains("data-copy=\"reveal-secret\"");
            assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
            let secret = revealed_secret(&page.html).expect("the secret is revealed");
            assert!(!page.url.contains(&secret));
            tokens.verify(&secret, None).await.unwrap();
            created.push((token_id_of(&page), secret, page.path()));
        }
        let writer = tokens.verify(&created[2].1, Some(&perm("article.create"))).await.unwrap();
        assert_eq!(writer.permissions.len(), 2);
        assert!(tokens.verify(&created[2].1, Some(&perm("article.delete"))).await.is_err());

        // A reload shows the token without its secret; so does any other page.
        let (id, old_secret, path) = created[0].clone();
        let reloaded = browser.get(&path).await;
        reloaded.assert_lacks("Copy your new API token now").assert_lacks(&old_secret).assert_contains("Reader");
        browser.get(&list).await.assert_lacks(&old_secret).assert_contains("Deployer").assert_contains("Laptop");
        assert_eq!(tokens.count_active(project.id).await.unwrap(), 4, "reloading created nothing");

        // Edit: rename and switch to custom.
        let edited = browser.submit(&path, &path, &[
            ("name", "Reader v2"), ("description", "Now custom"), ("token_type", "custom"), ("permissions", "article.findOne"),
        ]).await;
        edited.assert_contains("Saved “Reader v2”.").assert_contains("value=\"Reader v2\"");
        assert_eq!(tokens.verify(&old_secret, None).await.unwrap().permissions.len(), 1);

        // Regenerate through its confirmation page.
        let confirm = browser.get(&format!("{path}/regenerate")).await;
        confirm.assert_contains("Regenerate “Reader v2”?").assert_contains("stops working immediately");
        let regenerated = browser.submit(&format!("{path}/regenerate"), &format!("{path}/regenerate"), &[]).await;
        let new_secret = revealed_secret(&regenerated.html).expect("the new secret is revealed");
        assert!(matches!(tokens.verify(&old_secret, None).await, Err(VerifyError::Unknown)));
        assert_eq!(tokens.verify(&new_secret, None).await.unwrap().id, id);

        // Delete through its confirmation page.
        browser.get(&format!("{path}/delete")).await.assert_contains("Deletion cannot be undone");
        let deleted = browser.submit(&format!("{path}/delete"), &format!("{path}/delete"), &[]).await;
        assert_eq!(deleted.path(), list);
        deleted.assert_contains("Deleted “Reader v2”.").assert_lacks(">Reader v2<");
        assert!(matches!(tokens.verify(&new_secret, None).await, Err(VerifyError::Revoked)));
    }

    async fn a_failed_form_keeps_every_value_and_shows_errors_by_their_fields(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        dashboard.app.content_type(&project, "article").await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let long = "d".repeat(501);

        let page = browser.submit(&format!("{list}/new"), &list, &[
            ("name", "   "), ("description", &long), ("token_type", "custom"), ("permissions", "article.create"),
            ("kind", "personal"), ("duration", "custom"), ("expires_on", "2001-01-01"),
        ]).await;

        assert_eq!(page.status, 422);
        page.assert_contains("id=\"name-errors\"").assert_contains("Name is required.")
            .assert_contains("id=\"description-errors\"").assert_contains("at most 500 characters")
            .assert_contains("id=\"duration-errors\"").assert_contains("Expiry must be in the future.")
            .assert_contains(&format!(">{long}</textarea>"))
            .assert_contains("value=\"custom\" id=\"type-custom\" checked")
            .assert_contains("value=\"article.create\" checked")
            .assert_contains("value=\"personal\" checked")
            .assert_contains("value=\"2001-01-01\"");
        assert_eq!(dashboard.app.services.tokens.count_active(project.id).await.unwrap(), 0);

        dashboard.app.issue(&Actor::system(), &project, token("Taken")).await;
        let duplicate = browser.submit(&format!("{list}/new"), &list, &[("name", "taken"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        assert_eq!(duplicate.status, 409);
        duplicate.assert_contains("A token with this name already exists").assert_contains("value=\"taken\"");
    }

    async fn the_list_shows_every_column_and_an_empty_state(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");

        browser.get(&list).await
            .assert_contains("No API tokens yet")
            .assert_contains("lets a script, a CI pipeline or a backend service call your API")
            .assert_contains("Create new API token");

        let page = browser.submit(&format!("{list}/new"), &list, &[("name", "Soon"), ("description", "Expires shortly"), ("token_type", "read-only"), ("kind", "service"), ("duration", "7")]).await;
        let id = token_id_of(&page);
        // A week-long token is flagged only in its last quarter: a day before it ends.
        browser.get(&list).await.assert_lacks("Expiring soon");
        crate::storage::expires_in(&dashboard.app, id, chrono::Duration::days(1)).await;
        let expired = dashboard.app.issue(&Actor::system(), &project, token("Old")).await;
        crate::storage::expire(&dashboard.app, expired.token.id).await;

        let listing = browser.get(&list).await;
        listing.assert_contains("Soon").assert_contains("Expires shortly").assert_contains("Read-only")
            .assert_contains("Service account").assert_contains("Never used").assert_contains("Expiring soon")
            .assert_contains("Expired").assert_contains("by ada<").assert_contains("1 of 25 tokens used")
            // Times are relative, with the instant for machines and the exact time as a tooltip.
            .assert_contains("<time datetime=\"").assert_contains("data-relative>in 1 day</time>")
            .assert_contains(" UTC\" data-relative>")
            .assert_contains(&format!("{list}/{id}/regenerate")).assert_contains(&format!("{list}/{id}/delete"))
            .assert_contains("<dialog id=\"confirm-dialog\"");
    }

    async fn the_list_sorts_searches_and_paginates_by_fifty(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::ProfessionalUnlimited).await;
        for i in 0..55 {
            dashboard.app.issue(&Actor::system(), &project, token(&format!("Token {i:02}"))).await;
        }
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");

        let first = browser.get(&format!("{list}?sort=name&order=asc")).await;
        assert_eq!(first.html.matches("class=\"token-name\"").count(), 50);
        first.assert_contains("55 tokens").assert_contains("rel=\"next\"")
            .assert_contains("aria-current=\"page\"><span class=\"visually-hidden\">Page </span>1</a>")
            .assert_contains("<span class=\"visually-hidden\">Page </span>2</a>");
        assert!(first.html.find("Token 00").unwrap() < first.html.find("Token 01").unwrap());
        let second = browser.get(&format!("{list}?sort=name&order=asc&page=2")).await;
        assert_eq!(second.html.matches("class=\"token-name\"").count(), 5);
        second.assert_contains("Token 54").assert_lacks(">Token 00<");
        // The links to the neighbouring pages start beside this page's edge rows, and
        // show what the page numbers show.
        let linked = |html: &str, rel: &str| {
            let end = html.find(&format!("\" rel=\"{rel}\"")).unwrap_or_else(|| panic!("no {rel} link"));
            let start = html[..end].rfind("href=\"").unwrap() + 6;
            html[start..end].replace("&#38;", "&")
        };
        let next = linked(&first.html, "next");
        assert!(next.contains("&page=2&after="), "{next}");
        let followed = browser.get(&next).await;
        assert_eq!(followed.html.matches("class=\"token-name\"").count(), 5);
        followed.assert_contains("Token 54").assert_lacks(">Token 49<");
        let previous = linked(&followed.html, "prev");
        assert!(!previous.contains("before="), "page 1 needs no bookmark: {previous}");
        // A bookmark of another order is ignored, not an error.
        let other_order = browser.get(&next.replace("order=asc", "order=desc")).await;
        other_order.assert_contains("Token 04").assert_lacks(">Token 54<");

        let descending = browser.get(&format!("{list}?sort=name&order=desc")).await;
        assert!(descending.html.find("Token 54").unwrap() < descending.html.find("Token 53").unwrap());

        let search = browser.get(&format!("{list}?q=token+4")).await;
        assert_eq!(search.html.matches("class=\"token-name\"").count(), 10);
        let none = browser.get(&format!("{list}?q=zzz")).await;
        none.assert_contains("No token matches “zzz”.");
    }

    async fn reloading_after_a_create_never_creates_a_second_token(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");

        let page = browser.submit(&format!("{list}/new"), &list, &[("name", "Once"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        // The POST answered with a redirect; the browser is on a GET page, which a reload repeats.
        assert!(page.path().starts_with(&format!("{list}/")));
        for _ in 0..3 {
            browser.get(&page.path()).await.assert_lacks("Copy your new API token now");
        }

        let all = dashboard.app.services.tokens.list(&Actor::system(), project.id, &ListQuery { status: StatusFilter::Any, ..Default::default() }).await.unwrap();
        assert_eq!(all.total, 1);
    }
}

backend_tests! {
    async fn an_unfollowed_reveal_ends_with_the_next_page_and_is_never_inherited(app) {
        use sea_orm::EntityTrait;
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        dashboard.app.member(&project, "bob@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let csrf = browser.get(&format!("{list}/new")).await.csrf();
        let quiet = browser.not_following_redirects();
        let create = |name| [("csrf_token", csrf.as_str()), ("name", name), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")];
        let pending_reveals = || async {
            let rows = latchkey::entities::session::Entity::find().all(&dashboard.app.db).await.unwrap();
            rows.iter().filter(|row| row.state.contains("\"reveal\"")).count()
        };

        // Created, its redirect not followed: any other page ends the reveal.
        let created = quiet.post(&list, &create("First")).await;
        assert_eq!(created.status, 303);
        assert_eq!(pending_reveals().await, 1);
        browser.get(&list).await;
        assert_eq!(pending_reveals().await, 0);
        let location = created.headers["location"].to_str().unwrap().to_owned();
        assert!(revealed_secret(&browser.get(&location).await.html).is_none());

        // Another sign-in in the same browser starts from an empty session.
        assert_eq!(quiet.post(&list, &create("Second")).await.status, 303);
        assert_eq!(pending_reveals().await, 1);
        let signed_in = quiet.post("/login", &[("csrf_token", csrf.as_str()), ("email", "bob@example.com"), ("password", PASSWORD)]).await;
        assert_eq!(signed_in.status, 303);
        assert_eq!(pending_reveals().await, 0);
    }
}
