//! The privilege ceiling: no credential acts on a token stronger than itself, obtains a
//! secret that acts as someone else, or makes a token that grows beyond what it holds.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan, Role};
use latchkey::error::AppError;
use latchkey::tokens::{DurationInput, IssuedToken, NewTokenInput, TokenChangesInput};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

/// The actor that `issued`'s secret authenticates as.
async fn acting_as(app: &TestApp, issued: &IssuedToken) -> Actor {
    let verified = app
        .services
        .tokens
        .verify(issued.secret.expose_secret(), None)
        .await
        .unwrap();
    verified.as_caller()
}

fn rename(name: &str) -> TokenChangesInput {
    TokenChangesInput {
        name: Some(name.into()),
        ..Default::default()
    }
}

fn read_only(name: &str) -> NewTokenInput {
    NewTokenInput {
        token_type: "read-only".into(),
        ..token(name)
    }
}

backend_tests! {
    async fn a_narrow_token_cannot_regenerate_change_or_revoke_a_stronger_one(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        let targets = [
            app.issue(&system, &project, token("Full")).await,
            app.issue(&system, &project, read_only("Reader")).await,
            app.issue(&system, &project, custom("Writer", &["article.find", "article.delete"])).await,
        ];
        let all_token_actions = ["api-token.find", "api-token.findOne", "api-token.create", "api-token.update", "api-token.delete", "api-token.regenerate"];
        let callers = [
            app.issue(&system, &project, custom("Regenerator", &["api-token.regenerate"])).await,
            app.issue(&system, &project, custom("Deleter", &["api-token.delete"])).await,
            app.issue(&system, &project, custom("Updater", &["api-token.update"])).await,
            app.issue(&system, &project, custom("Token admin", &all_token_actions)).await,
        ];

        for caller in &callers {
            let actor = acting_as(&app, caller).await;
            for target in &targets {
                let id = target.token.id;
                let regenerate = app.services.tokens.regenerate(&actor, project.id, id).await;
                let update = app.services.tokens.update(&actor, project.id, id, rename("Renamed")).await;
                let revoke = app.services.tokens.revoke(&actor, project.id, id).await;
                for (operation, refused) in [("regenerate", regenerate.map(|_| ())), ("update", update.map(|_| ())), ("revoke", revoke.map(|_| ()))] {
                    assert!(
                        matches!(refused, Err(AppError::Forbidden { required: Some(_), .. })),
                        "{} may not {operation} {}: {refused:?}", caller.token.name, target.token.name
                    );
                }
                app.services.tokens.verify(target.secret.expose_secret(), None).await.unwrap();
            }
        }

        // A caller that holds everything a target holds may act on it.
        let strong = acting_as(&app, &app.issue(&system, &project, token("Strong")).await).await;
        for target in &targets {
            app.services.tokens.update(&strong, project.id, target.token.id, rename(&format!("{} v2", target.token.name))).await.unwrap();
            app.services.tokens.regenerate(&strong, project.id, target.token.id).await.unwrap();
            app.services.tokens.revoke(&strong, project.id, target.token.id).await.unwrap();
        }
    }

    async fn only_its_owner_obtains_a_personal_tokens_secret(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, owner) = app.member(&project, "olive@example.com", Role::Owner).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let (_, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let root = actor_of(&app.super_admin("root@example.com").await);
        let service = acting_as(&app, &app.issue(&Actor::system(), &project, token("Robot")).await).await;
        let admins_own = acting_as(&app, &app.issue(&admin, &project, personal("Ada laptop", "full-access")).await).await;
        let target = app.issue(&developer, &project, personal("Dev laptop", "full-access")).await;

        for (who, actor) in [("owner", &owner), ("admin", &admin), ("super admin", &root), ("service token", &service), ("another user's personal token", &admins_own)] {
            let regenerated = app.services.tokens.regenerate(actor, project.id, target.token.id).await;
            assert!(matches!(regenerated, Err(AppError::Forbidden { .. })), "{who} obtained a personal token's secret: {regenerated:?}");
        }
        app.services.tokens.verify(target.secret.expose_secret(), None).await.unwrap();

        // Its owner may, and so may the owner's own personal token; others may still revoke it.
        let devs_other = acting_as(&app, &app.issue(&developer, &project, personal("Dev CI", "full-access")).await).await;
        app.services.tokens.regenerate(&developer, project.id, target.token.id).await.unwrap();
        app.services.tokens.regenerate(&devs_other, project.id, target.token.id).await.unwrap();
        let revoked = app.services.tokens.revoke(&admin, project.id, target.token.id).await.unwrap();
        assert_eq!(revoked.name, "Dev laptop");
    }

    async fn a_narrow_personal_token_cannot_regenerate_its_owners_stronger_one(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let main = app.issue(&developer, &project, personal("Main", "full-access")).await;
        let narrow = app.issue(&developer, &project, latchkey::tokens::NewTokenInput {
            kind: "personal".into(), ..custom("Narrow", &["api-token.regenerate"])
        }).await;
        let as_narrow = acting_as(&app, &narrow).await;

        let regenerated = app.services.tokens.regenerate(&as_narrow, project.id, main.token.id).await;

        assert!(matches!(regenerated, Err(AppError::Forbidden { required: Some(_), .. })), "{regenerated:?}");
        app.services.tokens.verify(main.secret.expose_secret(), None).await.unwrap();
    }

    async fn a_personal_token_cannot_mint_service_account_tokens(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let admins_own = acting_as(&app, &app.issue(&admin, &project, personal("Ada laptop", "full-access")).await).await;

        let minted = app.create(&admins_own, &project, token("Outlives Ada")).await;

        assert_forbidden(minted, None);
        app.issue(&admins_own, &project, personal("Ada phone", "read-only")).await;
    }

    async fn only_a_caller_as_wide_makes_a_token_that_grows_with_the_project(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        let every_current: Vec<String> = app.services.projects.content_types(project.id).await.unwrap().iter()
            .flat_map(|ct| ct.uid.actions().iter().map(move |a| format!("{}.{}", ct.uid, a.as_str())))
            .collect();
        let every_current: Vec<&str> = every_current.iter().map(String::as_str).collect();
        let holder = acting_as(&app, &app.issue(&system, &project, custom("Holds everything today", &every_current)).await).await;
        let reader = acting_as(&app, &app.issue(&system, &project, read_only("Reader")).await).await;
        let target = app.issue(&system, &project, custom("Target", &["article.find"])).await;

        assert_forbidden(app.create(&holder, &project, token("Full")).await, None);
        assert_forbidden(app.create(&holder, &project, read_only("Read-only")).await, None);
        let upgrade = TokenChangesInput { token_type: Some("full-access".into()), ..Default::default() };
        assert_forbidden(app.services.tokens.update(&holder, project.id, target.token.id, upgrade.clone()).await, None);
        // A custom token within its reach is fine, and a full-access caller may make anything.
        app.issue(&holder, &project, custom("Narrower", &["article.find"])).await;
        let full = acting_as(&app, &app.issue(&system, &project, token("Full caller")).await).await;
        app.issue(&full, &project, read_only("Grows")).await;
        app.services.tokens.update(&full, project.id, target.token.id, upgrade).await.unwrap();
        // A read-only caller cannot create at all (no api-token.create), whatever the type.
        assert_forbidden(app.create(&reader, &project, read_only("Mirror")).await, Some("api-token.create"));
    }

    async fn a_change_is_checked_against_the_token_as_it_is_after_the_lock(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        // Renamer lacks article.delete; Widener gives the target article.delete meanwhile.
        let renamer = acting_as(&app, &app.issue(&system, &project, custom("Renamer", &["api-token.update", "article.find", "article.create"])).await).await;
        let widener = acting_as(&app, &app.issue(&system, &project, custom("Widener", &["api-token.update", "article.find", "article.delete"])).await).await;
        for round in 0..10 {
            let target = app.issue(&system, &project, custom(&format!("Target {round}"), &["article.find"])).await;
            let widen = TokenChangesInput {
                permissions: Some(vec!["article.find".into(), "article.delete".into()]),
                ..Default::default()
            };
            let (renamed, widened) = tokio::join!(
                app.services.tokens.update(&renamer, project.id, target.token.id, rename(&format!("Renamed {round}"))),
                app.services.tokens.update(&widener, project.id, target.token.id, widen),
            );
            widened.unwrap();
            let events = app.services.audit.for_project(project.id, &Default::default(), 10, 0).await.unwrap();
            let position = |actor: &str| events.iter().position(|e| e.action == "token.update" && e.target_id == Some(target.token.id.to_string()) && e.actor_label == actor);
            match renamed {
                // Newest first: the rename must be older than the widening it preceded.
                Ok(_) => assert!(position("token Renamer") > position("token Widener"), "round {round}: renamed after the target gained a permission the renamer lacks"),
                Err(error) => assert!(matches!(error, AppError::Forbidden { required: Some(ref p), .. } if p == "article.delete"), "round {round}: {error:?}"),
            }
        }
    }

    async fn regenerating_an_expired_token_counts_against_the_plan_cap(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.services.projects.set_plan(&Actor::system(), project.id, Plan::Professional, Some(2)).await.unwrap();
        let system = Actor::system();
        let short = |name: &str| NewTokenInput { duration: DurationInput::Days(7), ..token(name) };
        let expired = app.issue(&system, &project, short("Expired")).await;
        let model = latchkey::entities::api_token::Entity::find_by_id(expired.token.id).one(&app.db).await.unwrap().unwrap();
        let mut active: latchkey::entities::api_token::ActiveModel = model.into();
        active.expires_at = Set(Some((chrono::Utc::now() - chrono::Duration::hours(1)).naive_utc()));
        active.update(&app.db).await.unwrap();
        app.issue(&system, &project, token("One")).await;
        app.issue(&system, &project, token("Two")).await;

        let revived = app.services.tokens.regenerate(&system, project.id, expired.token.id).await;

        assert!(matches!(revived, Err(AppError::PlanLimitReached { cap: 2 })), "{revived:?}");
        assert_eq!(app.services.tokens.count_active(project.id).await.unwrap(), 2);
    }
}

backend_tests! {
    async fn the_api_refuses_a_weak_token_the_secret_of_a_strong_one(app) {
        let api = crate::api::ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let full = api.issue(&project, token("Full")).await;
        let weak = api.issue(&project, custom("Weak", &["api-token.regenerate"])).await;
        let path = format!("/tokens/{}/regenerate", full.token.id);

        let reply = api.post(&path, Some(weak.secret.expose_secret()), serde_json::json!({})).await;

        let data = reply.assert_error(403, "authorization_error");
        assert!(data["required_permission"].as_str().is_some_and(|p| p.starts_with("api-token.")), "{}", reply.body);
        assert!(reply.body.get("token").is_none());
        api.services.tokens.verify(full.secret.expose_secret(), None).await.unwrap();
    }

    async fn the_dashboard_offers_no_one_but_the_owner_a_personal_tokens_secret(app) {
        let dashboard = crate::dashboard::Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let (_, developer) = dashboard.app.member(&project, "dev@example.com", Role::Developer).await;
        let target = dashboard.app.issue(&developer, &project, personal("Dev laptop", "full-access")).await;
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = crate::dashboard::tokens_path("acme");
        let token_path = format!("{list}/{}", target.token.id);

        admin.get(&list).await.assert_contains(&format!("{token_path}/delete")).assert_lacks(&format!("{token_path}/regenerate"));
        assert_eq!(admin.get(&format!("{token_path}/regenerate")).await.status, 403);
        let forged = admin.submit(&list, &format!("{token_path}/regenerate"), &[]).await;

        assert_eq!(forged.status, 403);
        assert!(crate::dashboard::revealed_secret(&forged.html).is_none());
        dashboard.app.services.tokens.verify(target.secret.expose_secret(), None).await.unwrap();
    }
}

backend_tests! {
    async fn only_an_owner_changes_roles_or_removes_members(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, owner) = app.member(&project, "olive@example.com", Role::Owner).await;
        let (admin_user, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let (dev_user, developer) = app.member(&project, "dev@example.com", Role::Developer).await;

        for actor in [&admin, &developer] {
            let promoted = app.services.projects.change_role(actor, project.id, admin_user.id, Role::Owner).await;
            let removed = app.services.projects.remove_member(actor, project.id, dev_user.id).await;
            assert_forbidden(promoted, None);
            assert_forbidden(removed, None);
        }
        app.services.projects.change_role(&owner, project.id, admin_user.id, Role::Owner).await.unwrap();
        app.services.projects.remove_member(&owner, project.id, dev_user.id).await.unwrap();
    }
}
