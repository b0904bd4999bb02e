//! Listing: pagination, sorting, search and filters, done by the database.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan, Role, TokenKind, TokenType};
use latchkey::entities::api_token;
use latchkey::tokens::{ListQuery, SortKey, SortOrder, StatusFilter};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

async fn names(
    app: &TestApp,
    project: &latchkey::projects::Project,
    query: ListQuery,
) -> (Vec<String>, u64) {
    let page = app
        .services
        .tokens
        .list(&Actor::system(), project.id, &query)
        .await
        .unwrap();
    (page.items.into_iter().map(|t| t.name).collect(), page.total)
}

backend_tests! {
    async fn pages_are_disjoint_and_cover_every_token(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        for i in 0..7 {
            app.issue(&Actor::system(), &project, token(&format!("Token {i}"))).await;
        }
        let mut seen = Vec::new();
        for page in 1..=3 {
            let (page_names, total) = names(&app, &project, ListQuery { page, per_page: 3, ..Default::default() }).await;
            assert_eq!(total, 7);
            seen.extend(page_names);
        }
        // Newest first by default.
        let expected: Vec<String> = (0..7).rev().map(|i| format!("Token {i}")).collect();
        assert_eq!(seen, expected);
        let (beyond, _) = names(&app, &project, ListQuery { page: 4, per_page: 3, ..Default::default() }).await;
        assert!(beyond.is_empty());
    }

    async fn sorting_by_name_and_last_used(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        let mut ids = Vec::new();
        for name in ["bravo", "Alpha", "charlie"] {
            ids.push(app.issue(&Actor::system(), &project, token(name)).await.token.id);
        }
        // "charlie" was used long ago, "bravo" recently, "Alpha" never.
        for (id, minutes_ago) in [(ids[2], 60), (ids[0], 1)] {
            let model = api_token::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
            let mut active: api_token::ActiveModel = model.into();
            active.last_used_at = Set(Some((chrono::Utc::now() - chrono::Duration::minutes(minutes_ago)).naive_utc()));
            active.update(&app.db).await.unwrap();
        }

        let (by_name, _) = names(&app, &project, ListQuery { sort: SortKey::Name, order: SortOrder::Asc, ..Default::default() }).await;
        let (recent_first, _) = names(&app, &project, ListQuery { sort: SortKey::LastUsed, order: SortOrder::Desc, ..Default::default() }).await;
        let (oldest_first, _) = names(&app, &project, ListQuery { sort: SortKey::LastUsed, order: SortOrder::Asc, ..Default::default() }).await;

        assert_eq!(by_name.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>(), ["alpha", "bravo", "charlie"]);
        assert_eq!(recent_first, ["bravo", "charlie", "Alpha"]);
        assert_eq!(oldest_first, ["charlie", "bravo", "Alpha"]);
    }

    async fn search_matches_names_case_insensitively_and_literally(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        for name in ["CI deploy", "Nightly ci", "Reporting", "100% coverage", "1000 coverage", "snake_case", "snakeXcase"] {
            app.issue(&Actor::system(), &project, token(name)).await;
        }
        let search = |s: &str| ListQuery { search: Some(s.into()), sort: SortKey::Name, order: SortOrder::Asc, ..Default::default() };

        assert_eq!(names(&app, &project, search("ci")).await, (vec!["CI deploy".to_owned(), "Nightly ci".to_owned()], 2));
        assert_eq!(names(&app, &project, search("100%")).await.0, ["100% coverage"]);
        assert_eq!(names(&app, &project, search("snake_")).await.0, ["snake_case"]);
        assert_eq!(names(&app, &project, search("   ")).await.1, 7);
    }

    async fn filters_by_kind_type_and_status(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        app.content_type(&project, "article").await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        app.issue(&admin, &project, token("Service full")).await;
        app.issue(&admin, &project, personal("Personal ro", "read-only")).await;
        app.issue(&admin, &project, custom("Custom", &["article.find"])).await;
        let expired = app.issue(&admin, &project, token("Expired")).await;
        crate::storage::expire(&app, expired.token.id).await;
        let revoked = app.issue(&admin, &project, token("Revoked")).await;
        app.services.tokens.revoke(&admin, project.id, revoked.token.id).await.unwrap();
        let by_name = |q: ListQuery| ListQuery { sort: SortKey::Name, order: SortOrder::Asc, ..q };

        assert_eq!(names(&app, &project, by_name(ListQuery { kind: Some(TokenKind::Personal), ..Default::default() })).await.0, ["Personal ro"]);
        assert_eq!(names(&app, &project, by_name(ListQuery { token_type: Some(TokenType::Custom), ..Default::default() })).await.0, ["Custom"]);
        assert_eq!(names(&app, &project, by_name(ListQuery { status: StatusFilter::Expired, ..Default::default() })).await.0, ["Expired"]);
        assert_eq!(names(&app, &project, by_name(ListQuery { status: StatusFilter::Revoked, ..Default::default() })).await.0, ["Revoked"]);
        assert_eq!(names(&app, &project, by_name(ListQuery { status: StatusFilter::Active, ..Default::default() })).await.1, 3);
        assert_eq!(names(&app, &project, ListQuery::default()).await.1, 4);
        assert_eq!(names(&app, &project, ListQuery { status: StatusFilter::Any, ..Default::default() }).await.1, 5);
    }

    async fn list_items_carry_no_secret(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Quiet")).await;
        let page = app.services.tokens.list(&Actor::system(), project.id, &ListQuery::default()).await.unwrap();
        let text = format!("{:?}", page.items);
        assert!(!text.contains(&issued.secret.expose_secret()[3..]));
        assert!(text.contains(&issued.token.display_hint));
    }
}
