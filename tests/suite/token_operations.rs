//! Create, get, update, regenerate, refresh and revoke, as an admin would use them.

use crate::helpers::*;
use latchkey::domain::{Plan, Role, TokenKind, TokenType};
use latchkey::error::AppError;
use latchkey::tokens::{DurationInput, TokenChangesInput, TokenStatus, VerifyError};

backend_tests! {
    async fn created_token_verifies_and_its_view_has_no_secret(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;

        let issued = app.issue(&admin, &project, token("CI pipeline")).await;

        let secret = issued.secret.expose_secret().to_owned();
        assert!(secret.starts_with("lk_") && secret.len() == 52);
        assert_eq!(issued.token.name, "CI pipeline");
        assert_eq!(issued.token.kind, TokenKind::Service);
        assert_eq!(issued.token.token_type, TokenType::FullAccess);
        assert_eq!(issued.token.display_hint, format!("lk_…{}", &secret[48..]));
        assert_eq!(issued.token.created_by.as_ref().unwrap().label, "ada");
        assert!(!format!("{:?}", issued.token).contains(&secret));
        let verified = app.services.tokens.verify(&secret, None).await.unwrap();
        assert_eq!(verified.id, issued.token.id);
        assert_eq!(verified.project_slug, "acme");
    }

    async fn get_returns_the_token_for_a_viewer(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let (_, viewer) = app.member(&project, "vic@example.com", Role::Viewer).await;
        let issued = app.issue(&admin, &project, token("Reporting")).await;

        let view = app.services.tokens.get(&viewer, project.id, issued.token.id).await.unwrap();

        assert_eq!(view.name, "Reporting");
        assert_eq!(view.status(chrono::Utc::now()), TokenStatus::Active);
    }

    async fn preset_duration_sets_the_expiry(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let before = chrono::Utc::now();

        let issued = app.issue(&admin, &project, latchkey::tokens::NewTokenInput {
            duration: DurationInput::Days(7),
            ..token("Weekly")
        }).await;

        let expires = issued.token.expires_at.unwrap();
        assert!(expires >= before + chrono::Duration::days(7));
        assert!(expires <= chrono::Utc::now() + chrono::Duration::days(7));
        assert_eq!(issued.token.duration.describe(), "7 days");
        // A week-long token is not "expiring soon" from the start: only in its last quarter.
        assert_eq!(issued.token.status(chrono::Utc::now()), TokenStatus::Active);
    }

    async fn update_changes_name_description_type_and_permissions(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, token("Old name")).await;
        let secret = issued.secret.expose_secret().to_owned();

        let updated = app.services.tokens.update(&admin, project.id, issued.token.id, TokenChangesInput {
            name: Some("New name".into()),
            description: Some("Publishes articles".into()),
            token_type: Some("custom".into()),
            permissions: Some(vec!["article.find".into(), "article.create".into()]),
        }).await.unwrap();

        assert_eq!(updated.name, "New name");
        assert_eq!(updated.description, "Publishes articles");
        assert_eq!(updated.token_type, TokenType::Custom);
        let names: Vec<String> = updated.permissions.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["article.find", "article.create"]);
        // The secret is untouched and now carries only the new permissions.
        let verified = app.services.tokens.verify(&secret, Some(&perm("article.create"))).await.unwrap();
        assert_eq!(verified.permissions.len(), 2);
        assert!(matches!(
            app.services.tokens.verify(&secret, Some(&perm("article.delete"))).await,
            Err(VerifyError::Forbidden { .. })
        ));
    }

    async fn switching_from_custom_to_read_only_drops_explicit_permissions(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, custom("Writer", &["article.create"])).await;

        let updated = app.services.tokens.update(&admin, project.id, issued.token.id, TokenChangesInput {
            token_type: Some("read-only".into()),
            ..Default::default()
        }).await.unwrap();

        let names: Vec<String> = updated.permissions.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["api-token.find", "api-token.findOne", "article.find", "article.findOne"]);
    }

    async fn regenerate_stops_the_old_secret_and_issues_a_new_one(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, token("Deploy")).await;
        let old = issued.secret.expose_secret().to_owned();

        let regenerated = app.services.tokens.regenerate(&admin, project.id, issued.token.id).await.unwrap();

        let new = regenerated.secret.expose_secret();
        assert_ne!(new, old);
        assert!(matches!(app.services.tokens.verify(&old, None).await, Err(VerifyError::Unknown)));
        assert_eq!(app.services.tokens.verify(new, None).await.unwrap().id, issued.token.id);
        assert_eq!(regenerated.token.expires_at, issued.token.expires_at);
        assert_ne!(regenerated.token.display_hint, issued.token.display_hint);
    }

    async fn refresh_issues_a_new_secret_with_a_fresh_lifetime(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, latchkey::tokens::NewTokenInput {
            duration: DurationInput::Days(30),
            ..token("Integration")
        }).await;
        let old = issued.secret.expose_secret().to_owned();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;

        let refreshed = app.services.tokens.refresh(&old, None).await.unwrap();

        let new = refreshed.secret.expose_secret();
        assert!(matches!(app.services.tokens.verify(&old, None).await, Err(VerifyError::Unknown)));
        assert_eq!(app.services.tokens.verify(new, None).await.unwrap().id, issued.token.id);
        let new_expiry = refreshed.token.expires_at.unwrap();
        assert!(new_expiry > issued.token.expires_at.unwrap());
        let lifetime = new_expiry - refreshed.token.updated_at;
        assert!((lifetime - chrono::Duration::days(30)).num_seconds().abs() <= 1);
        assert_eq!(refreshed.token.name, "Integration");
    }

    async fn an_expired_token_cannot_refresh(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, latchkey::tokens::NewTokenInput {
            duration: DurationInput::Days(7),
            ..token("Short")
        }).await;
        storage::expire(&app, issued.token.id).await;

        let result = app.services.tokens.refresh(issued.secret.expose_secret(), None).await;

        assert!(matches!(result, Err(AppError::Unauthenticated(latchkey::error::AuthFailure::Expired))), "{result:?}");
    }

    async fn revoke_stops_the_token_at_once_and_frees_its_name(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, token("Temp")).await;

        app.services.tokens.revoke(&admin, project.id, issued.token.id).await.unwrap();

        assert!(matches!(
            app.services.tokens.verify(issued.secret.expose_secret(), None).await,
            Err(VerifyError::Revoked)
        ));
        let view = app.services.tokens.get(&admin, project.id, issued.token.id).await.unwrap();
        assert_eq!(view.status(chrono::Utc::now()), TokenStatus::Revoked);
        // Revoking twice is a not-found, and the name can be used again.
        assert!(matches!(app.services.tokens.revoke(&admin, project.id, issued.token.id).await, Err(AppError::NotFound)));
        app.issue(&admin, &project, token("Temp")).await;
    }

    async fn a_revoked_token_cannot_be_changed_or_regenerated(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, token("Gone")).await;
        app.services.tokens.revoke(&admin, project.id, issued.token.id).await.unwrap();

        let update = app.services.tokens.update(&admin, project.id, issued.token.id, TokenChangesInput {
            name: Some("Back".into()), ..Default::default()
        }).await;
        let regenerate = app.services.tokens.regenerate(&admin, project.id, issued.token.id).await;

        assert!(matches!(update, Err(AppError::Conflict { .. })), "{update:?}");
        assert!(matches!(regenerate, Err(AppError::Conflict { .. })), "{regenerate:?}");
    }

    async fn regenerating_an_expired_token_restarts_its_lifetime(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, latchkey::tokens::NewTokenInput {
            duration: DurationInput::Days(7),
            ..token("Lapsed")
        }).await;
        storage::expire(&app, issued.token.id).await;

        let regenerated = app.services.tokens.regenerate(&admin, project.id, issued.token.id).await.unwrap();

        assert!(regenerated.token.expires_at.unwrap() > chrono::Utc::now() + chrono::Duration::days(6));
        app.services.tokens.verify(regenerated.secret.expose_secret(), None).await.unwrap();
    }
}

use crate::storage;
