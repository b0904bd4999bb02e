//! Listing: pagination, sorting, search and filters, done by the database.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan, Role, TokenKind, TokenType};
use latchkey::entities::api_token;
use latchkey::tokens::{
    Bookmark, COUNT_CAP, ListQuery, Resume, SortKey, SortOrder, StatusFilter, TokenPage,
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

async fn page_of(
    app: &TestApp,
    project: &latchkey::projects::Project,
    query: ListQuery,
) -> TokenPage {
    app.services
        .tokens
        .list(&Actor::system(), project.id, &query)
        .await
        .unwrap()
}

/// Sets what token `id` is sorted by as a test needs it (ties, never used).
async fn set_sort_values(
    app: &TestApp,
    id: Uuid,
    folded_name: &str,
    created: chrono::NaiveDateTime,
    last_used: Option<chrono::NaiveDateTime>,
) {
    let model = api_token::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: api_token::ActiveModel = model.into();
    active.name_sort = Set(Some(folded_name.to_owned()));
    active.created_at = Set(created);
    active.last_used_at = Set(last_used);
    active.update(&app.db).await.unwrap();
}

/// Every ordering walked page by page through bookmarks, forwards and then backwards, meets
/// every row once, in the order one page of them all has.
async fn walk_every_ordering(app: &TestApp, project: &latchkey::projects::Project) {
    let orderings = [
        (SortKey::Created, SortOrder::Desc),
        (SortKey::Created, SortOrder::Asc),
        (SortKey::Name, SortOrder::Asc),
        (SortKey::Name, SortOrder::Desc),
        (SortKey::LastUsed, SortOrder::Desc),
        (SortKey::LastUsed, SortOrder::Asc),
    ];
    for (sort, order) in orderings {
        let query = |resume: Option<Resume>| ListQuery {
            sort,
            order,
            per_page: 4,
            resume,
            ..ListQuery::default()
        };
        let everything = page_of(
            app,
            project,
            ListQuery {
                per_page: 100,
                ..query(None)
            },
        )
        .await;
        let expected: Vec<Uuid> = everything.items.iter().map(|t| t.id).collect();

        let mut forwards = Vec::new();
        let mut pages = vec![page_of(app, project, query(None)).await];
        loop {
            let page = pages.last().unwrap();
            forwards.extend(page.items.iter().map(|t| t.id));
            if !page.has_next {
                break;
            }
            let mark = Bookmark::decode(page.bookmarks.last().unwrap(), sort, order).unwrap();
            let next = page_of(app, project, query(Some(Resume::After(mark)))).await;
            assert!(next.has_previous, "{sort:?} {order:?}");
            pages.push(next);
            assert!(
                pages.len() <= expected.len(),
                "{sort:?} {order:?} never ends"
            );
        }
        assert_eq!(forwards, expected, "forwards, {sort:?} {order:?}");

        let mut backwards: Vec<Uuid> = pages.last().unwrap().items.iter().map(|t| t.id).collect();
        let mut first_row = pages.last().unwrap().bookmarks[0].clone();
        loop {
            let mark = Bookmark::decode(&first_row, sort, order).unwrap();
            let page = page_of(app, project, query(Some(Resume::Before(mark)))).await;
            assert!(page.has_next, "{sort:?} {order:?}");
            let mut ids: Vec<Uuid> = page.items.iter().map(|t| t.id).collect();
            ids.extend(backwards);
            backwards = ids;
            if !page.has_previous {
                break;
            }
            first_row = page.bookmarks[0].clone();
        }
        assert_eq!(backwards, expected, "backwards, {sort:?} {order:?}");
    }
}

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
        for name in ["CI deploy", "Nightly ci Deploy", "Reporting", "100% coverage", "1000 coverage", "snake_case", "snakeXcase"] {
            app.issue(&Actor::system(), &project, token(name)).await;
        }
        let search = |s: &str| ListQuery { search: Some(s.into()), sort: SortKey::Name, order: SortOrder::Asc, ..Default::default() };

        // The search also reads each hint (`lk_…` and four random characters), so every term
        // here holds a character no hint can: a bare "ci" would find a hint ending "…Ci7x".
        assert_eq!(names(&app, &project, search("cI dEPLOY")).await, (vec!["CI deploy".to_owned(), "Nightly ci Deploy".to_owned()], 2));
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

    async fn bookmarks_walk_every_ordering_both_ways_through_ties_and_never_used_tokens(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        let now = chrono::Utc::now().naive_utc();
        // Folded names that tie ("same" three times: names are unique, so the tie is
        // stored directly), creation times that tie, last-used times that tie, and tokens
        // never used.
        let names = ["Same 1", "Same 2", "Same 3", "alpha", "Beta", "gamma", "delta", "Epsilon", "zeta", "eta", "theta"];
        for (i, name) in names.iter().enumerate() {
            let issued = app.issue(&Actor::system(), &project, token(name)).await;
            let created = now - chrono::Duration::minutes((i / 3) as i64);
            let last_used = match i % 4 {
                0 => None,
                1 => Some(now - chrono::Duration::minutes(5)),
                2 => Some(now - chrono::Duration::minutes(i as i64)),
                _ => None,
            };
            let folded = if name.starts_with("Same") { "same".to_owned() } else { name.to_lowercase() };
            set_sort_values(&app, issued.token.id, &folded, created, last_used).await;
        }
        walk_every_ordering(&app, &project).await;

        // A bookmark of one ordering does not position another.
        let page = page_of(&app, &project, ListQuery { per_page: 2, ..ListQuery::default() }).await;
        assert!(Bookmark::decode(&page.bookmarks[1], SortKey::Name, SortOrder::Asc).is_err());
        assert!(Bookmark::decode("not a bookmark", SortKey::Created, SortOrder::Desc).is_err());
    }

    async fn totals_are_counted_up_to_the_cap_and_then_said_to_be_more(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        let first = app.issue(&Actor::system(), &project, token("Original")).await;
        let model = api_token::Entity::find_by_id(first.token.id).one(&app.db).await.unwrap().unwrap();
        // Copies stored directly: issuing ten thousand tokens one by one would be the test.
        let copies = |from: u64, to: u64| (from..to).map(|i| {
            let mut active: api_token::ActiveModel = model.clone().into();
            active.id = Set(Uuid::now_v7());
            active.name = Set(format!("Copy {i}"));
            active.live_name_key = Set(Some(format!("copy {i}")));
            active.name_sort = Set(Some(format!("copy {i}")));
            active.secret_hash = Set(format!("{:064x}", i));
            active
        }).collect::<Vec<_>>();
        for batch in copies(1, COUNT_CAP).chunks(500) {
            api_token::Entity::insert_many(batch.to_vec()).exec(&app.db).await.unwrap();
        }
        let page = page_of(&app, &project, ListQuery::default()).await;
        assert_eq!((page.total, page.total_exact, page.has_next), (COUNT_CAP, true, true));

        api_token::Entity::insert_many(copies(COUNT_CAP, COUNT_CAP + 2)).exec(&app.db).await.unwrap();
        let page = page_of(&app, &project, ListQuery::default()).await;
        assert_eq!((page.total, page.total_exact), (COUNT_CAP, false));
        // Filters still count exactly below the cap.
        let searched = page_of(&app, &project, ListQuery { search: Some("copy 999".into()), ..ListQuery::default() }).await;
        assert_eq!((searched.total, searched.total_exact), (11, true));
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
