//! The verification cache: a warm answer needs no database, and every change that alters an
//! answer invalidates it at once (the tests run with a one-hour cache lifetime, so nothing
//! here passes by expiry).

use crate::helpers::*;
use latchkey::domain::{Actor, ContentTypeUid, Plan, Role};
use latchkey::tokens::{DurationInput, NewTokenInput, TokenChangesInput, TokenSecret, VerifyError};

backend_tests! {
    async fn a_warm_answer_needs_no_database(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Hot")).await;
        let secret = issued.secret.expose_secret();
        app.services.tokens.verify(secret, None).await.unwrap();

        app.services.close().await.unwrap();

        let verified = app.services.tokens.verify(secret, Some(&perm("api-token.find"))).await.unwrap();
        assert_eq!(verified.id, issued.token.id);
        assert!(matches!(app.services.tokens.verify(secret, Some(&perm("article.find"))).await, Err(VerifyError::Forbidden { .. })));
        assert!(app.services.tokens.cache().cached_tokens() >= 1);
    }

    async fn an_expired_token_is_refused_on_a_cache_hit(app) {
        let project = app.project("acme", Plan::Professional).await;
        let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
        let issued = app.issue(&Actor::system(), &project, NewTokenInput { duration: DurationInput::Until(soon), ..token("Brief") }).await;
        let secret = issued.secret.expose_secret();
        app.services.tokens.verify(secret, None).await.unwrap();
        // From here on only the cache can answer.
        app.services.close().await.unwrap();

        tokio::time::sleep(std::time::Duration::from_millis(1700)).await;

        assert!(matches!(app.services.tokens.verify(secret, None).await, Err(VerifyError::Expired)));
    }

    async fn a_made_up_token_is_remembered_as_unknown(app) {
        app.project("acme", Plan::Professional).await;
        let made_up = TokenSecret::generate().unwrap();
        assert!(matches!(app.services.tokens.verify(made_up.expose_secret(), None).await, Err(VerifyError::Unknown)));

        app.services.close().await.unwrap();

        assert!(matches!(app.services.tokens.verify(made_up.expose_secret(), None).await, Err(VerifyError::Unknown)));
        let another = TokenSecret::generate().unwrap();
        assert!(matches!(app.services.tokens.verify(another.expose_secret(), None).await, Err(VerifyError::Backend(_))));
    }

    async fn update_regenerate_refresh_and_revoke_invalidate_at_once(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        let tokens = &app.services.tokens;
        let issued = app.issue(&system, &project, custom("Target", &["article.find"])).await;
        let first = issued.secret.expose_secret().to_owned();
        tokens.verify(&first, Some(&perm("article.find"))).await.unwrap();

        tokens.update(&system, project.id, issued.token.id, TokenChangesInput { permissions: Some(vec!["article.create".into()]), ..Default::default() }).await.unwrap();
        assert!(matches!(tokens.verify(&first, Some(&perm("article.find"))).await, Err(VerifyError::Forbidden { .. })));
        tokens.verify(&first, Some(&perm("article.create"))).await.unwrap();

        let second = tokens.regenerate(&system, project.id, issued.token.id).await.unwrap().secret.expose_secret().to_owned();
        assert!(matches!(tokens.verify(&first, None).await, Err(VerifyError::Unknown)));
        tokens.verify(&second, None).await.unwrap();

        let third = tokens.refresh(&second, None).await.unwrap().secret.expose_secret().to_owned();
        assert!(matches!(tokens.verify(&second, None).await, Err(VerifyError::Unknown)));
        tokens.verify(&third, None).await.unwrap();

        tokens.revoke(&system, project.id, issued.token.id).await.unwrap();
        assert!(matches!(tokens.verify(&third, None).await, Err(VerifyError::Revoked)));
    }

    async fn role_status_and_membership_changes_invalidate_personal_tokens(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        let tokens = &app.services.tokens;
        let (dev, developer) = app.member(&project, "dev@example.com", Role::Developer).await;
        let issued = app.issue(&developer, &project, personal("Laptop", "full-access")).await;
        let secret = issued.secret.expose_secret();
        tokens.verify(secret, Some(&perm("article.delete"))).await.unwrap();

        app.services.projects.change_role(&system, project.id, dev.id, Role::Viewer).await.unwrap();
        assert!(matches!(tokens.verify(secret, Some(&perm("article.delete"))).await, Err(VerifyError::Forbidden { .. })));

        app.services.accounts.set_disabled(&system, dev.id, true).await.unwrap();
        assert!(matches!(tokens.verify(secret, None).await, Err(VerifyError::OwnerInactive)));
        app.services.accounts.set_disabled(&system, dev.id, false).await.unwrap();
        tokens.verify(secret, None).await.unwrap();

        // Removal revokes the member's personal tokens there, for good.
        app.services.projects.remove_member(&system, project.id, dev.id).await.unwrap();
        assert!(matches!(tokens.verify(secret, None).await, Err(VerifyError::Revoked)));
        app.services.projects.add_member(&system, project.id, &latchkey::domain::Email::parse("dev@example.com").unwrap(), Role::Developer).await.unwrap();
        assert!(matches!(tokens.verify(secret, None).await, Err(VerifyError::Revoked)));
    }

    async fn content_type_changes_invalidate_the_projects_tokens(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let system = Actor::system();
        let tokens = &app.services.tokens;
        let writer = app.issue(&system, &project, custom("Writer", &["article.create"])).await;
        let full = app.issue(&system, &project, token("Full")).await;
        tokens.verify(writer.secret.expose_secret(), Some(&perm("article.create"))).await.unwrap();
        assert!(tokens.verify(full.secret.expose_secret(), Some(&perm("category.find"))).await.is_err());

        app.services.projects.remove_content_type(&system, project.id, &ContentTypeUid::parse("article").unwrap()).await.unwrap();
        app.content_type(&project, "category").await;

        assert!(matches!(tokens.verify(writer.secret.expose_secret(), Some(&perm("article.create"))).await, Err(VerifyError::Forbidden { .. })));
        tokens.verify(full.secret.expose_secret(), Some(&perm("category.find"))).await.unwrap();
    }

    async fn with_digests_loaded_a_flood_of_made_up_tokens_barely_reaches_the_database(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Real")).await;
        app.services.tokens.digests().load_all().await.unwrap();

        app.services.close().await.unwrap();

        // A digest outside the known set is looked up only within the small per-second
        // budget (it may be a token made elsewhere a moment ago); the rest of a flood is
        // refused without a query.
        let (mut looked_up, mut refused) = (0, 0);
        for _ in 0..400 {
            let made_up = TokenSecret::generate().unwrap();
            match app.services.tokens.verify(made_up.expose_secret(), None).await {
                Err(VerifyError::Backend(_)) => looked_up += 1,
                Err(VerifyError::Unknown) => refused += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!(looked_up <= 100, "{looked_up} of 400 made-up tokens reached the database");
        assert!(refused >= 300, "{refused}");
        // A stored token is not mistaken for a made-up one: it needs the database.
        assert!(matches!(app.services.tokens.verify(issued.secret.expose_secret(), None).await, Err(VerifyError::Backend(_))));
    }

    async fn another_instances_new_token_verifies_here_before_any_sync(app) {
        let project = app.project("acme", Plan::Professional).await;
        let here = app.services.clone();
        here.tokens.digests().load_all().await.unwrap();
        let elsewhere = latchkey::services::Services::connect_and_migrate(&app.settings).await.unwrap();
        let known = here.tokens.cache().known_digests();

        let new = latchkey::tokens::NewToken::parse(token("Made elsewhere"), chrono::Utc::now()).unwrap();
        let issued = elsewhere.tokens.create(&Actor::system(), project.id, new).await.unwrap();
        let secret = issued.secret.expose_secret();

        // Neither heard of nor synced: one lookup finds it, and from then on it is known.
        assert_eq!(here.tokens.verify(secret, None).await.unwrap().id, issued.token.id);
        assert_eq!(here.tokens.cache().known_digests(), known + 1);
        // This instance's own new tokens are known before they are handed out.
        let own = app.issue(&Actor::system(), &project, token("Made here")).await;
        assert_eq!(here.tokens.cache().known_digests(), known + 2);
        here.tokens.verify(own.secret.expose_secret(), None).await.unwrap();
    }

    async fn a_change_committed_late_is_still_read_by_a_polling_instance(app) {
        use latchkey::entities::verification_change;
        use sea_orm::{EntityTrait, NotSet, Set, TransactionTrait};
        if app.backend == Backend::Sqlite {
            // One writer at a time: a commit cannot be held back while another lands.
            return;
        }
        let project = app.project("acme", Plan::Professional).await;
        let here = app.services.clone();
        here.tokens.digests().load_all().await.unwrap();
        let elsewhere = latchkey::services::Services::connect_and_migrate(&app.settings).await.unwrap();
        let known = here.tokens.cache().known_digests();

        // A change whose number is taken now and whose commit comes late (as behind a lock).
        let late = app.db.begin().await.unwrap();
        verification_change::Entity::insert(verification_change::ActiveModel {
            sequence: NotSet,
            changes: Set(format!("n:{}", "ab".repeat(32))),
            recorded_at: Set(chrono::Utc::now().naive_utc()),
        }).exec_without_returning(&late).await.unwrap();
        // A later number commits first and is read.
        let new = latchkey::tokens::NewToken::parse(token("Made elsewhere"), chrono::Utc::now()).unwrap();
        elsewhere.tokens.create(&Actor::system(), project.id, new).await.unwrap();
        here.tokens.digests().poll().await.unwrap();
        assert_eq!(here.tokens.cache().known_digests(), known + 1);

        late.commit().await.unwrap();
        here.tokens.digests().poll().await.unwrap();
        assert_eq!(here.tokens.cache().known_digests(), known + 2, "the change committed late was skipped for good");
    }

    async fn another_instances_new_token_is_seen_after_a_sync(app) {
        let project = app.project("acme", Plan::Professional).await;
        let here = app.services.clone();
        here.tokens.digests().load_all().await.unwrap();
        let elsewhere = latchkey::services::Services::connect_and_migrate(&app.settings).await.unwrap();
        let new = latchkey::tokens::NewToken::parse(token("Made elsewhere"), chrono::Utc::now()).unwrap();
        let issued = elsewhere.tokens.create(&Actor::system(), project.id, new).await.unwrap();
        let known = here.tokens.cache().known_digests();

        here.tokens.digests().poll().await.unwrap();

        assert_eq!(here.tokens.cache().known_digests(), known + 1);
        assert_eq!(here.tokens.verify(issued.secret.expose_secret(), None).await.unwrap().id, issued.token.id);
    }

    async fn retired_secrets_leave_the_known_set(app) {
        let project = app.project("acme", Plan::Professional).await;
        let tokens = &app.services.tokens;
        let system = Actor::system();
        tokens.digests().load_all().await.unwrap();
        let issued = app.issue(&system, &project, NewTokenInput { duration: DurationInput::Days(7), ..token("Looping") }).await;
        let known = tokens.cache().known_digests();

        // A token refreshing itself in a loop does not grow the set.
        let mut secret = issued.secret.expose_secret().to_owned();
        for _ in 0..25 {
            secret = tokens.refresh(&secret, None).await.unwrap().secret.expose_secret().to_owned();
        }
        assert_eq!(tokens.cache().known_digests(), known);
        tokens.regenerate(&system, project.id, issued.token.id).await.unwrap();
        assert_eq!(tokens.cache().known_digests(), known);
        tokens.revoke(&system, project.id, issued.token.id).await.unwrap();
        assert_eq!(tokens.cache().known_digests(), known - 1);
        // A restart loads live tokens only.
        let restarted = latchkey::services::Services::connect_and_migrate(&app.settings).await.unwrap();
        restarted.tokens.digests().load_all().await.unwrap();
        assert_eq!(restarted.tokens.cache().known_digests(), known - 1);

        // Removing a member revokes their personal tokens, and their digests leave too.
        let (member, admin) = app.member(&project, "ada@example.com", latchkey::domain::Role::Admin).await;
        app.issue(&admin, &project, personal("Ada one", "read-only")).await;
        app.issue(&admin, &project, personal("Ada two", "read-only")).await;
        let with_member = tokens.cache().known_digests();
        app.services.projects.remove_member(&system, project.id, member.id).await.unwrap();
        assert_eq!(tokens.cache().known_digests(), with_member - 2);
    }
}
