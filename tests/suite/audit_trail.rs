//! Every change leaves an audit event, written with the change.

use crate::helpers::*;
use latchkey::domain::{Plan, Role};
use latchkey::tokens::TokenChangesInput;

backend_tests! {
    async fn every_token_operation_writes_its_audit_event(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (ada, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let admin = admin.with_client_ip(Some("203.0.113.9".into()));

        let issued = app.issue(&admin, &project, token("Audited")).await;
        let id = issued.token.id;
        app.services.tokens.update(&admin, project.id, id, TokenChangesInput {
            name: Some("Audited again".into()), ..Default::default()
        }).await.unwrap();
        let regenerated = app.services.tokens.regenerate(&admin, project.id, id).await.unwrap();
        app.services.tokens.refresh(regenerated.secret.expose_secret(), Some("198.51.100.7".into())).await.unwrap();
        app.services.tokens.revoke(&admin, project.id, id).await.unwrap();

        let entries = app.services.audit.for_project(project.id, &Default::default(), 100, 0).await.unwrap();
        let token_entries: Vec<_> = entries.iter().rev().filter(|e| e.target_kind == "api_token").collect();
        let actions: Vec<&str> = token_entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["token.create", "token.update", "token.regenerate", "token.refresh", "token.revoke"]);
        for entry in &token_entries {
            assert_eq!(entry.target_id.as_deref(), Some(id.to_string().as_str()));
        }
        let by_admin: Vec<_> = token_entries.iter().filter(|e| e.action != "token.refresh").collect();
        for entry in by_admin {
            assert_eq!(entry.actor_kind, "user");
            assert_eq!(entry.actor_id, Some(ada.id));
            assert_eq!(entry.client_ip.as_deref(), Some("203.0.113.9"));
        }
        let refresh = token_entries.iter().find(|e| e.action == "token.refresh").unwrap();
        assert_eq!(refresh.actor_kind, "token");
        assert_eq!(refresh.actor_id, Some(id));
        assert_eq!(refresh.client_ip.as_deref(), Some("198.51.100.7"));
        let update = token_entries.iter().find(|e| e.action == "token.update").unwrap();
        assert_eq!(update.details["name"]["from"], "Audited");
        assert_eq!(update.details["name"]["to"], "Audited again");
    }

    async fn membership_content_type_and_plan_changes_are_audited(app) {
        let project = app.project("acme", Plan::Free).await;
        let (user, _) = app.member(&project, "dev@example.com", Role::Developer).await;
        app.content_type(&project, "article").await;
        let system = latchkey::domain::Actor::system();
        app.services.projects.change_role(&system, project.id, user.id, Role::Viewer).await.unwrap();
        app.services.projects.remove_content_type(&system, project.id, &latchkey::domain::ContentTypeUid::parse("article").unwrap()).await.unwrap();
        app.services.projects.set_plan(&system, project.id, Plan::Professional, None).await.unwrap();
        app.services.projects.remove_member(&system, project.id, user.id).await.unwrap();

        let entries = app.services.audit.for_project(project.id, &Default::default(), 100, 0).await.unwrap();
        let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, [
            "project.create", "member.add", "content_type.create", "member.role_change",
            "content_type.delete", "project.plan_change", "member.remove",
        ]);
    }

    async fn sign_in_success_and_failure_are_audited(app) {
        app.user("ada@example.com").await;

        let ok = app.services.accounts.authenticate("ADA@example.com", PASSWORD, "192.0.2.1".parse().ok()).await;
        let wrong = app.services.accounts.authenticate("ada@example.com", "not the password", None).await;
        let unknown = app.services.accounts.authenticate("nobody@example.com", PASSWORD, None).await;

        assert!(ok.unwrap().last_login_at.is_some());
        assert!(matches!(wrong, Err(latchkey::error::AppError::Unauthenticated(_))));
        assert!(matches!(unknown, Err(latchkey::error::AppError::Unauthenticated(_))));
        let entries = app.services.audit.instance_wide(10).await.unwrap();
        let actions: Vec<(&str, Option<&str>)> = entries.iter().rev()
            .map(|e| (e.action.as_str(), e.details.get("reason").and_then(|r| r.as_str())))
            .collect();
        assert_eq!(actions, [
            ("user.create", None),
            ("auth.login_succeeded", None),
            ("auth.login_failed", Some("wrong_password")),
            ("auth.login_failed", Some("unknown_email")),
        ]);
        assert_eq!(entries.last().unwrap().target_label, "ada@example.com");
    }

    async fn a_disabled_user_cannot_sign_in(app) {
        let user = app.user("ada@example.com").await;
        app.services.accounts.set_disabled(&latchkey::domain::Actor::system(), user.id, true).await.unwrap();

        let result = app.services.accounts.authenticate("ada@example.com", PASSWORD, None).await;

        assert!(matches!(result, Err(latchkey::error::AppError::Unauthenticated(_))));
    }
}
