//! Every validation rule, with the field it is reported on.

use crate::helpers::*;
use latchkey::domain::{Plan, Role};
use latchkey::error::AppError;
use latchkey::tokens::{DurationInput, NewTokenInput, TokenChangesInput};

fn field_error(result: Result<impl std::fmt::Debug, AppError>, field: &str) -> String {
    match result {
        Err(AppError::Validation(errors)) => errors
            .get(field)
            .unwrap_or_else(|| panic!("no error on {field}: {errors}"))
            .join(" "),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

backend_tests! {
    async fn name_must_be_between_1_and_100_characters_after_trimming(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;

        assert!(field_error(app.create(&admin, &project, token("   ")).await, "name").contains("required"));
        assert!(field_error(app.create(&admin, &project, token(&"n".repeat(101))).await, "name").contains("100"));
        let trimmed = app.issue(&admin, &project, token(&format!("  {}  ", "n".repeat(100)))).await;
        assert_eq!(trimmed.token.name.len(), 100);
    }

    async fn name_is_unique_per_project_ignoring_case_but_not_across_projects(app) {
        let acme = app.project("acme", Plan::Professional).await;
        let globex = app.project("globex", Plan::Professional).await;
        let system = latchkey::domain::Actor::system();
        app.issue(&system, &acme, token("Deploy")).await;

        let duplicate = app.create(&system, &acme, token("deploy")).await;

        assert!(matches!(duplicate, Err(AppError::Conflict { field: Some("name"), .. })), "{duplicate:?}");
        app.issue(&system, &globex, token("Deploy")).await;
    }

    async fn renaming_onto_a_taken_name_is_a_conflict(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = latchkey::domain::Actor::system();
        app.issue(&system, &project, token("First")).await;
        let second = app.issue(&system, &project, token("Second")).await;

        let result = app.services.tokens.update(&system, project.id, second.token.id, TokenChangesInput {
            name: Some("FIRST".into()), ..Default::default()
        }).await;

        assert!(matches!(result, Err(AppError::Conflict { field: Some("name"), .. })), "{result:?}");
        // Renaming a token to its own name in another case is fine.
        app.services.tokens.update(&system, project.id, second.token.id, TokenChangesInput {
            name: Some("SECOND".into()), ..Default::default()
        }).await.unwrap();
    }

    async fn description_is_limited_to_500_characters(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = latchkey::domain::Actor::system();
        let too_long = NewTokenInput { description: "d".repeat(501), ..token("Described") };
        let message = field_error(app.create(&system, &project, too_long).await, "description");
        assert!(message.contains("500"));
        app.issue(&system, &project, NewTokenInput { description: "d".repeat(500), ..token("Described") }).await;
    }

    async fn custom_permissions_must_name_existing_content_types_and_actions(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = latchkey::domain::Actor::system();

        let unknown_type = field_error(app.create(&system, &project, custom("A", &["category.find"])).await, "permissions");
        let unknown_action = field_error(app.create(&system, &project, custom("B", &["article.publish"])).await, "permissions");
        let regenerate_on_content = field_error(app.create(&system, &project, custom("C", &["article.regenerate"])).await, "permissions");
        let empty = field_error(app.create(&system, &project, custom("D", &[])).await, "permissions");

        assert!(unknown_type.contains("category.find"), "{unknown_type}");
        assert!(unknown_action.contains("article.publish"), "{unknown_action}");
        assert!(regenerate_on_content.contains("article.regenerate"), "{regenerate_on_content}");
        assert!(empty.contains("at least one"), "{empty}");
        app.issue(&system, &project, custom("E", &["article.find", "api-token.regenerate"])).await;
    }

    async fn expiry_must_be_in_the_future(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = latchkey::domain::Actor::system();
        let past = NewTokenInput {
            duration: DurationInput::Until(chrono::Utc::now() - chrono::Duration::minutes(1)),
            ..token("Past")
        };
        assert!(field_error(app.create(&system, &project, past).await, "duration").contains("future"));
        let days = NewTokenInput { duration: DurationInput::Days(0), ..token("Zero") };
        field_error(app.create(&system, &project, days).await, "duration");

        let future = chrono::Utc::now() + chrono::Duration::days(45);
        let issued = app.issue(&system, &project, NewTokenInput { duration: DurationInput::Until(future), ..token("Custom") }).await;
        assert!((issued.token.expires_at.unwrap() - future).num_seconds().abs() <= 1);
        assert_eq!(issued.token.duration.describe(), "Custom date");
    }

    async fn unknown_kind_and_type_are_reported(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = latchkey::domain::Actor::system();
        let bad = NewTokenInput { kind: "robot".into(), token_type: "admin".into(), ..token("Bad") };
        let result = app.create(&system, &project, bad).await;
        field_error(app.create(&system, &project, NewTokenInput { kind: "robot".into(), ..token("Bad") }).await, "kind");
        field_error(result, "type");
    }

    async fn permissions_on_a_non_custom_type_are_refused_on_update(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = latchkey::domain::Actor::system();
        let issued = app.issue(&system, &project, token("Full")).await;
        let result = app.services.tokens.update(&system, project.id, issued.token.id, TokenChangesInput {
            permissions: Some(vec!["api-token.find".into()]), ..Default::default()
        }).await;
        field_error(result, "permissions");
    }
}

backend_tests! {
    async fn names_that_read_like_a_live_name_are_refused_as_duplicates(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.issue(&latchkey::domain::Actor::system(), &project, token("Deploy")).await;
        app.issue(&latchkey::domain::Actor::system(), &project, token("caf\u{e9}")).await;

        for look_alike in ["d\u{435}ploy", "\u{FF24}\u{FF25}\u{FF30}\u{FF2C}\u{FF2F}\u{FF39}", "dep1oy", "cafe\u{301}", " DEPLOY "] {
            let refused = app.create(&latchkey::domain::Actor::system(), &project, token(look_alike)).await;
            assert!(matches!(refused, Err(latchkey::error::AppError::Conflict { .. })), "{look_alike:?}: {refused:?}");
        }
        let stored = app.issue(&latchkey::domain::Actor::system(), &project, token("\u{FB01}nance")).await;
        assert_eq!(stored.token.name, "finance", "stored NFKC-normalised");
    }
}
