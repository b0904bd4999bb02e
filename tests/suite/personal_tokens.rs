//! A personal token carries its owner's access: own grant ∩ owner's role, checked at
//! verification time; a disabled or departed owner stops it.

use crate::helpers::*;
use latchkey::domain::{Actor, Email, Plan, Role};
use latchkey::tokens::VerifyError;

backend_tests! {
    async fn a_personal_token_follows_its_owners_role_down_and_back_up(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let (dev, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let issued = app.issue(&developer, &project, personal("Laptop", "full-access")).await;
        let secret = issued.secret.expose_secret().to_owned();
        assert_eq!(issued.token.owner.as_ref().unwrap().id, dev.id);
        app.services.tokens.verify(&secret, Some(&perm("article.delete"))).await.unwrap();

        app.services.projects.change_role(&Actor::system(), project.id, dev.id, Role::Viewer).await.unwrap();

        let refused = app.services.tokens.verify(&secret, Some(&perm("article.delete"))).await;
        assert!(matches!(refused, Err(VerifyError::Forbidden { ref required }) if required.to_string() == "article.delete"), "{refused:?}");
        let verified = app.services.tokens.verify(&secret, Some(&perm("article.find"))).await.unwrap();
        let names: Vec<String> = verified.permissions.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["api-token.find", "api-token.findOne", "article.find", "article.findOne"]);

        app.services.projects.change_role(&Actor::system(), project.id, dev.id, Role::Developer).await.unwrap();
        app.services.tokens.verify(&secret, Some(&perm("article.delete"))).await.unwrap();
    }

    async fn a_personal_token_never_exceeds_its_own_grant(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let (_, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, personal("Script", "read-only")).await;

        let refused = app.services.tokens.verify(issued.secret.expose_secret(), Some(&perm("article.create"))).await;

        assert!(matches!(refused, Err(VerifyError::Forbidden { .. })));
    }

    async fn disabling_the_owner_stops_the_token_and_enabling_restores_it(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (dev, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let issued = app.issue(&developer, &project, personal("Laptop", "read-only")).await;
        let secret = issued.secret.expose_secret().to_owned();

        app.services.accounts.set_disabled(&Actor::system(), dev.id, true).await.unwrap();
        assert!(matches!(app.services.tokens.verify(&secret, None).await, Err(VerifyError::OwnerInactive)));

        app.services.accounts.set_disabled(&Actor::system(), dev.id, false).await.unwrap();
        app.services.tokens.verify(&secret, None).await.unwrap();
    }

    async fn removing_the_owner_from_the_project_stops_the_token(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (dev, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let issued = app.issue(&developer, &project, personal("Laptop", "read-only")).await;

        app.services.projects.remove_member(&Actor::system(), project.id, dev.id).await.unwrap();

        assert!(matches!(
            app.services.tokens.verify(issued.secret.expose_secret(), None).await,
            Err(VerifyError::Revoked)
        ));
    }

    async fn a_service_token_outlives_its_creator(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (ada, admin) = app.member(&project, "ada@example.com", Role::Admin).await;
        let issued = app.issue(&admin, &project, token("CI")).await;

        app.services.projects.remove_member(&Actor::system(), project.id, ada.id).await.unwrap();
        app.services.accounts.set_disabled(&Actor::system(), ada.id, true).await.unwrap();

        app.services.tokens.verify(issued.secret.expose_secret(), None).await.unwrap();
    }

    async fn only_a_person_can_own_a_personal_token(app) {
        let project = app.project("acme", Plan::Professional).await;
        let service = app.issue(&Actor::system(), &project, token("Robot")).await;
        let robot = Actor::token(app.services.tokens.verify(service.secret.expose_secret(), None).await.unwrap().actor());

        let from_system = app.create(&Actor::system(), &project, personal("Mine", "read-only")).await;
        let from_service_token = app.create(&robot, &project, personal("Mine", "read-only")).await;

        for result in [from_system, from_service_token] {
            assert!(matches!(result, Err(latchkey::error::AppError::Validation(ref e)) if e.get("kind").is_some()), "{result:?}");
        }
    }

    async fn a_personal_token_creates_personal_tokens_for_the_same_owner(app) {
        let project = app.project("acme", Plan::Professional).await;
        let (dev, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let parent = app.issue(&developer, &project, personal("Parent", "full-access")).await;
        let as_token = Actor::token(app.services.tokens.verify(parent.secret.expose_secret(), None).await.unwrap().actor());

        let child = app.issue(&as_token, &project, personal("Child", "read-only")).await;
        let service = app.create(&as_token, &project, token("Service")).await;

        assert_eq!(child.token.owner.unwrap().id, dev.id);
        assert_eq!(child.token.created_by.unwrap().label, "dev");
        assert!(matches!(service, Err(latchkey::error::AppError::Forbidden { .. })), "{service:?}");
    }
}

backend_tests! {
    async fn removing_a_member_revokes_their_personal_tokens_there_for_good(app) {
        let project = app.project("acme", Plan::Professional).await;
        let elsewhere = app.project("globex", Plan::Professional).await;
        let (dev, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        app.services.projects.add_member(&Actor::system(), elsewhere.id, &Email::parse("dev@example.com").unwrap(), Role::Developer).await.unwrap();
        let root = app.super_admin("root@example.com").await;
        let root_email = Email::parse("root@example.com").unwrap();
        app.services.projects.add_member(&Actor::system(), project.id, &root_email, Role::Admin).await.unwrap();
        let devs = app.issue(&developer, &project, personal("Dev laptop", "read-only")).await;
        let devs_elsewhere = app.issue(&developer, &elsewhere, personal("Dev laptop", "read-only")).await;
        let roots = app.issue(&actor_of(&root), &project, personal("Root laptop", "read-only")).await;

        app.services.projects.remove_member(&Actor::system(), project.id, dev.id).await.unwrap();
        app.services.projects.remove_member(&Actor::system(), project.id, root.id).await.unwrap();
        app.services.projects.add_member(&Actor::system(), project.id, &Email::parse("dev@example.com").unwrap(), Role::Developer).await.unwrap();

        for (name, issued) in [("the re-added developer's", &devs), ("the super admin's", &roots)] {
            let verified = app.services.tokens.verify(issued.secret.expose_secret(), None).await;
            assert!(matches!(verified, Err(VerifyError::Revoked)), "{name} token: {verified:?}");
        }
        app.services.tokens.verify(devs_elsewhere.secret.expose_secret(), None).await.unwrap();
    }
}
