//! Roles, scopes and the rule that no credential grants more than it holds.

use crate::helpers::*;
use latchkey::domain::{Actor, ContentTypeUid, Plan, Role};
use latchkey::error::AppError;
use latchkey::tokens::{TokenChangesInput, VerifyError};

backend_tests! {
    async fn a_viewer_reads_but_cannot_create_change_or_delete(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let (_, viewer) = app.member(&project, "vic@example.com", Role::Viewer).await;
        let existing = app.issue(&admin, &project, token("Existing")).await;

        assert_forbidden(app.create(&viewer, &project, personal("Mine", "read-only")).await, Some("api-token.create"));
        assert_forbidden(app.services.tokens.update(&viewer, project.id, existing.token.id, TokenChangesInput {
            name: Some("x".into()), ..Default::default()
        }).await, Some("api-token.update"));
        assert_forbidden(app.services.tokens.regenerate(&viewer, project.id, existing.token.id).await, Some("api-token.regenerate"));
        assert_forbidden(app.services.tokens.revoke(&viewer, project.id, existing.token.id).await, Some("api-token.delete"));
        let page = app.services.tokens.list(&viewer, project.id, &Default::default()).await.unwrap();
        assert_eq!(page.total, 1);
    }

    async fn a_developer_manages_only_their_own_personal_tokens(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let (_, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let (_, other_dev) = app.member(&project, "eve@example.com", Role::Developer).await;
        let service = app.issue(&admin, &project, token("Service")).await;
        let admins_personal = app.issue(&admin, &project, personal("Ada's", "read-only")).await;
        let own = app.issue(&developer, &project, personal("Dev's", "read-only")).await;

        assert_forbidden(app.create(&developer, &project, token("Not allowed")).await, None);
        for target in [&service, &admins_personal] {
            assert_forbidden(app.services.tokens.regenerate(&developer, project.id, target.token.id).await, None);
            assert_forbidden(app.services.tokens.revoke(&developer, project.id, target.token.id).await, None);
        }
        assert_forbidden(app.services.tokens.revoke(&other_dev, project.id, own.token.id).await, None);
        app.services.tokens.regenerate(&developer, project.id, own.token.id).await.unwrap();
        app.services.tokens.revoke(&developer, project.id, own.token.id).await.unwrap();
        // An admin manages everyone's tokens.
        app.services.tokens.revoke(&admin, project.id, service.token.id).await.unwrap();
    }

    async fn a_token_cannot_create_a_token_with_a_permission_it_lacks(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let creator = app.issue(&Actor::system(), &project, custom("Creator", &["api-token.create", "article.find", "article.create"])).await;
        let as_token = Actor::token(app.services.tokens.verify(creator.secret.expose_secret(), None).await.unwrap().actor());

        let wider = app.create(&as_token, &project, custom("Wider", &["article.find", "article.delete"])).await;
        let full = app.create(&as_token, &project, token("Full")).await;
        let read_only = app.create(&as_token, &project, latchkey::tokens::NewTokenInput { token_type: "read-only".into(), ..token("Reader") }).await;

        assert_forbidden(wider, Some("article.delete"));
        assert_forbidden(full, Some("api-token.find"));
        // read-only needs api-token.find and findOne, which this creator lacks.
        assert_forbidden(read_only, Some("api-token.find"));
        let narrower = app.issue(&as_token, &project, custom("Narrower", &["article.find"])).await;
        assert_eq!(narrower.token.created_by.unwrap().label, "token Creator");
    }

    async fn a_token_cannot_widen_a_token_beyond_its_own_permissions(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        let editor = app.issue(&system, &project, custom("Editor", &["api-token.update", "article.find", "article.create"])).await;
        let target = app.issue(&system, &project, custom("Target", &["article.find"])).await;
        let as_editor = Actor::token(app.services.tokens.verify(editor.secret.expose_secret(), None).await.unwrap().actor());

        let widen = app.services.tokens.update(&as_editor, project.id, target.token.id, TokenChangesInput {
            permissions: Some(vec!["article.find".into(), "article.delete".into()]), ..Default::default()
        }).await;
        let within = app.services.tokens.update(&as_editor, project.id, target.token.id, TokenChangesInput {
            permissions: Some(vec!["article.find".into(), "article.create".into()]), ..Default::default()
        }).await;

        assert_forbidden(widen, Some("article.delete"));
        assert_eq!(within.unwrap().permissions.len(), 2);
    }

    async fn a_read_only_token_cannot_manage_tokens(app) {
        let project = app.project("acme", Plan::Professional).await;
        let system = Actor::system();
        let reader = app.issue(&system, &project, latchkey::tokens::NewTokenInput { token_type: "read-only".into(), ..token("Reader") }).await;
        let other = app.issue(&system, &project, token("Other")).await;
        let as_reader = Actor::token(app.services.tokens.verify(reader.secret.expose_secret(), None).await.unwrap().actor());

        assert_forbidden(app.create(&as_reader, &project, token("New")).await, Some("api-token.create"));
        assert_forbidden(app.services.tokens.revoke(&as_reader, project.id, other.token.id).await, Some("api-token.delete"));
        app.services.tokens.get(&as_reader, project.id, other.token.id).await.unwrap();
    }

    async fn a_project_never_sees_another_projects_tokens(app) {
        let acme = app.project("acme", Plan::Professional).await;
        let globex = app.project("globex", Plan::Professional).await;
        let (_, acme_admin) = app.member(&acme, "ada@example.com", Role::Admin).await;
        let globex_token = app.issue(&Actor::system(), &globex, token("Globex")).await;
        let acme_token = app.issue(&acme_admin, &acme, token("Acme")).await;
        let as_acme_token = Actor::token(app.services.tokens.verify(acme_token.secret.expose_secret(), None).await.unwrap().actor());

        for actor in [&acme_admin, &as_acme_token] {
            assert!(matches!(app.services.tokens.get(actor, globex.id, globex_token.token.id).await, Err(AppError::NotFound)));
            assert!(matches!(app.services.tokens.list(actor, globex.id, &Default::default()).await, Err(AppError::NotFound)));
            assert!(matches!(app.services.tokens.revoke(actor, globex.id, globex_token.token.id).await, Err(AppError::NotFound)));
            // Naming the other project's token under one's own project finds nothing either.
            assert!(matches!(app.services.tokens.get(actor, acme.id, globex_token.token.id).await, Err(AppError::NotFound)));
        }
    }

    async fn a_super_admin_manages_any_project_without_membership(app) {
        let project = app.project("acme", Plan::Professional).await;
        let root = app.super_admin("root@example.com").await;
        let issued = app.issue(&actor_of(&root), &project, token("Root's")).await;
        app.services.tokens.revoke(&actor_of(&root), project.id, issued.token.id).await.unwrap();
    }

    async fn removing_a_content_type_removes_its_grants(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let issued = app.issue(&Actor::system(), &project, custom("Writer", &["article.create", "api-token.find"])).await;
        let secret = issued.secret.expose_secret().to_owned();
        app.services.tokens.verify(&secret, Some(&perm("article.create"))).await.unwrap();

        app.services.projects.remove_content_type(&Actor::system(), project.id, &ContentTypeUid::parse("article").unwrap()).await.unwrap();

        assert!(matches!(app.services.tokens.verify(&secret, Some(&perm("article.create"))).await, Err(VerifyError::Forbidden { .. })));
        let view = app.services.tokens.get(&Actor::system(), project.id, issued.token.id).await.unwrap();
        assert_eq!(view.permissions.iter().map(ToString::to_string).collect::<Vec<_>>(), ["api-token.find"]);
        // Re-adding the type does not bring the old grant back.
        app.content_type(&project, "article").await;
        assert!(app.services.tokens.verify(&secret, Some(&perm("article.create"))).await.is_err());
    }

    async fn the_built_in_content_type_cannot_be_removed(app) {
        let project = app.project("acme", Plan::Professional).await;
        let result = app.services.projects.remove_content_type(&Actor::system(), project.id, &ContentTypeUid::api_token()).await;
        assert!(matches!(result, Err(AppError::Conflict { .. })));
        let types = app.services.projects.content_types(project.id).await.unwrap();
        assert_eq!(types.len(), 1);
        assert!(types[0].built_in && types[0].uid.is_api_token());
    }

    async fn the_last_owner_cannot_leave_or_be_demoted(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (olive, _) = app.member(&project, "olive@example.com", Role::Owner).await;
        let system = Actor::system();
        assert!(matches!(app.services.projects.change_role(&system, project.id, olive.id, Role::Admin).await, Err(AppError::Conflict { .. })));
        assert!(matches!(app.services.projects.remove_member(&system, project.id, olive.id).await, Err(AppError::Conflict { .. })));
        let (_, _) = app.member(&project, "otto@example.com", Role::Owner).await;
        app.services.projects.change_role(&system, project.id, olive.id, Role::Admin).await.unwrap();
    }

    async fn only_owners_manage_members_and_only_admins_content_types(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let (_, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let (outsider_user, _) = (app.user("out@example.com").await, ());
        let email = latchkey::domain::Email::parse("out@example.com").unwrap();

        assert!(matches!(app.services.projects.add_member(&admin, project.id, &email, Role::Viewer).await, Err(AppError::Forbidden { .. })));
        let uid = ContentTypeUid::parse("article").unwrap();
        let name = latchkey::domain::ContentTypeName::parse("Article").unwrap();
        assert!(matches!(app.services.projects.add_content_type(&developer, project.id, uid.clone(), name.clone()).await, Err(AppError::Forbidden { .. })));
        app.services.projects.add_content_type(&admin, project.id, uid, name).await.unwrap();
        assert!(matches!(
            app.services.projects.add_member(&actor_of(&outsider_user), project.id, &email, Role::Owner).await,
            Err(AppError::NotFound)
        ));
    }
}
