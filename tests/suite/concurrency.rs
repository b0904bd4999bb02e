//! Two writers at once: one wins, the other gets a clean conflict, nothing half-written.

use crate::helpers::*;
use latchkey::domain::{Plan, Role};
use latchkey::entities::{api_token, audit_event};
use latchkey::error::AppError;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

backend_tests! {
    async fn two_concurrent_creates_with_the_same_name_give_one_token_and_one_conflict(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;

        for round in 0..5 {
            let name = format!("Race {round}");
            let (a, b) = tokio::join!(
                app.create(&admin, &project, custom(&name, &["article.find", "article.create"])),
                app.create(&admin, &project, custom(&name, &["article.find"])),
            );

            let outcomes = [a.is_ok(), b.is_ok()];
            assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "round {round}: {a:?} / {b:?}");
            let failure = if a.is_err() { a.unwrap_err() } else { b.unwrap_err() };
            assert!(matches!(failure, AppError::Conflict { field: Some("name"), .. }), "{failure:?}");
            let rows = api_token::Entity::find()
                .filter(api_token::Column::Name.eq(name.as_str()))
                .all(&app.db).await.unwrap();
            assert_eq!(rows.len(), 1);
            let grants = latchkey::entities::token_permission::Entity::find()
                .filter(latchkey::entities::token_permission::Column::TokenId.eq(rows[0].id))
                .count(&app.db).await.unwrap();
            assert!(grants == 1 || grants == 2);
            let events = audit_event::Entity::find()
                .filter(audit_event::Column::Action.eq("token.create"))
                .filter(audit_event::Column::TargetLabel.eq(name.as_str()))
                .count(&app.db).await.unwrap();
            assert_eq!(events, 1);
        }
    }

    async fn concurrent_creates_never_exceed_the_plan_cap(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.services.projects.set_plan(&latchkey::domain::Actor::system(), project.id, Plan::Professional, Some(3)).await.unwrap();
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;

        let attempts = (0..6).map(|i| app.create(&admin, &project, token(&format!("T{i}"))));
        let results = futures_util::future::join_all(attempts).await;

        let created = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(created, 3);
        assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, AppError::PlanLimitReached { cap: 3 })));
        assert_eq!(app.services.tokens.count_active(project.id).await.unwrap(), 3);
    }
}
