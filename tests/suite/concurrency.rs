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

backend_tests! {
    /// Two instances flushing the same token's uses at once: the newest last-used time wins
    /// whichever flush lands last, and neither instance's new clients are lost.
    async fn two_instances_flushing_one_token_merge(app) {
        use latchkey::domain::Actor;
        let project = app.project("acme", Plan::Professional).await;
        let id = app.issue(&Actor::system(), &project, token("Shared")).await.token.id;
        let here = app.services.last_used.clone();
        let elsewhere = latchkey::services::Services::connect_and_migrate(&app.settings).await.unwrap().last_used;
        let stored = || async {
            api_token::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
        };

        // A newer use flushed first, an older one after it: the newer stays.
        let newer = chrono::Utc::now();
        here.record(id, newer);
        here.flush().await.unwrap();
        elsewhere.record(id, newer - chrono::Duration::hours(1));
        elsewhere.flush().await.unwrap();
        let last_used = stored().await.last_used_at.unwrap().and_utc();
        assert_eq!(last_used.timestamp_millis(), newer.timestamp_millis(), "the last-used time went back");

        for round in 0..20u8 {
            let at = chrono::Utc::now();
            here.record_from(id, at, Some([10, 0, 0, round].into()), Some("instance a"));
            elsewhere.record_from(id, at, Some([10, 1, 0, round].into()), Some("instance b"));
            let (a, b) = tokio::join!(here.flush(), elsewhere.flush());
            a.unwrap();
            b.unwrap();
            let clients = stored().await.recent_clients.unwrap_or_default();
            for ip in [format!("10.0.0.{round}"), format!("10.1.0.{round}")] {
                assert!(clients.contains(&format!("\"{ip}\"")), "round {round}: {ip} lost: {clients}");
            }
        }
    }

    async fn sign_in_failures_are_counted_by_every_instance_together(app) {
        app.user("ada@example.com").await;
        let here = app.services.accounts.clone();
        let elsewhere = latchkey::services::Services::connect_and_migrate(&app.settings).await.unwrap().accounts;
        let client = "192.0.2.7".parse().ok();
        // Five failures for one account (the default limit), alternating between instances:
        // counted apart, neither would hold the account.
        for attempt in 0..5 {
            let instance = if attempt % 2 == 0 { &here } else { &elsewhere };
            let failed = instance.authenticate("ada@example.com", "wrong guess", client).await;
            assert!(matches!(failed, Err(AppError::Unauthenticated(_))), "attempt {attempt}: {failed:?}");
        }
        for instance in [&here, &elsewhere] {
            let held = instance.authenticate("ada@example.com", PASSWORD, client).await;
            assert!(matches!(held, Err(AppError::RateLimited { .. })), "the right password while held: {held:?}");
        }
        // The stored key is a digest: nothing typed is kept.
        let rows = latchkey::entities::auth_failure::Entity::find().all(&app.db).await.unwrap();
        assert!(!rows.is_empty() && rows.iter().all(|row| row.key_digest.len() == 64 && !row.key_digest.contains("ada")));
    }
}
