//! Plan gating: free has no self-service, professional has a cap, unlimited has none.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan, Role};
use latchkey::error::AppError;
use latchkey::tokens::TokenChangesInput;

backend_tests! {
    async fn a_free_project_refuses_create_update_regenerate_and_refresh_but_allows_revoke(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, owner) = app.member(&project, "olive@example.com", Role::Owner).await;
        let issued = app.issue(&owner, &project, token("Before downgrade")).await;
        app.services.projects.set_plan(&Actor::system(), project.id, Plan::Free, None).await.unwrap();

        let create = app.create(&owner, &project, token("After downgrade")).await;
        let update = app.services.tokens.update(&owner, project.id, issued.token.id, TokenChangesInput {
            name: Some("Renamed".into()), ..Default::default()
        }).await;
        let regenerate = app.services.tokens.regenerate(&owner, project.id, issued.token.id).await;
        let refresh = app.services.tokens.refresh(issued.secret.expose_secret(), None).await;

        for result in [create.map(|_| ()), update.map(|_| ()), regenerate.map(|_| ()), refresh.map(|_| ())] {
            assert!(matches!(result, Err(AppError::PlanRequired { plan: Plan::Free })), "{result:?}");
        }
        // Existing tokens keep working, and can still be deleted.
        app.services.tokens.verify(issued.secret.expose_secret(), None).await.unwrap();
        app.services.tokens.revoke(&owner, project.id, issued.token.id).await.unwrap();
    }

    async fn a_super_admin_is_also_refused_on_a_free_project(app) {
        let project = app.project("acme", Plan::Free).await;
        let root = app.super_admin("root@example.com").await;
        let result = app.create(&actor_of(&root), &project, token("Nope")).await;
        assert!(matches!(result, Err(AppError::PlanRequired { .. })), "{result:?}");
    }

    async fn professional_allows_25_active_tokens_by_default(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = Actor::system();
        for i in 0..25 {
            app.issue(&system, &project, token(&format!("Token {i}"))).await;
        }

        let over = app.create(&system, &project, token("Token 26")).await;

        assert!(matches!(over, Err(AppError::PlanLimitReached { cap: 25 })), "{over:?}");
        assert_eq!(app.services.tokens.cap_for(&project), Some(25));
    }

    async fn revoked_and_expired_tokens_do_not_count_against_the_cap(app) {
        let project = app.project("acme", Plan::Professional).await;
        let project = app.services.projects.set_plan(&Actor::system(), project.id, Plan::Professional, Some(2)).await.unwrap();
        let system = Actor::system();
        let first = app.issue(&system, &project, token("One")).await;
        let second = app.issue(&system, &project, token("Two")).await;
        assert!(matches!(app.create(&system, &project, token("Three")).await, Err(AppError::PlanLimitReached { cap: 2 })));

        app.services.tokens.revoke(&system, project.id, first.token.id).await.unwrap();
        app.issue(&system, &project, token("Three")).await;
        crate::storage::expire(&app, second.token.id).await;
        app.issue(&system, &project, token("Four")).await;

        assert_eq!(app.services.tokens.count_active(project.id).await.unwrap(), 2);
    }

    async fn professional_unlimited_has_no_cap(app) {
        let project = app.project("acme", Plan::ProfessionalUnlimited).await;
        let system = Actor::system();
        for i in 0..30 {
            app.issue(&system, &project, token(&format!("Token {i}"))).await;
        }
        assert_eq!(app.services.tokens.count_active(project.id).await.unwrap(), 30);
        assert_eq!(app.services.tokens.cap_for(&project), None);
    }
}
