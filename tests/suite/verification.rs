//! `verify`: each way a token is refused, and the checksum gate in front of the database.

use crate::helpers::*;
use latchkey::domain::{Actor, Plan};
use latchkey::tokens::{MalformedToken, TokenSecret, VerifyError};

backend_tests! {
    async fn a_malformed_token_is_refused_without_touching_the_database(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Real")).await;
        let real = issued.secret.expose_secret().to_owned();
        let mut typo = real.clone().into_bytes();
        typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        let unknown = TokenSecret::generate().unwrap().expose_secret().to_owned();

        // With the pool closed, anything that reached the database would fail differently.
        app.services.close().await.unwrap();

        assert!(matches!(app.services.tokens.verify(&typo, None).await, Err(VerifyError::Malformed(MalformedToken::Checksum))));
        assert!(matches!(app.services.tokens.verify("Bearer nonsense", None).await, Err(VerifyError::Malformed(MalformedToken::Prefix))));
        assert!(matches!(app.services.tokens.verify("", None).await, Err(VerifyError::Malformed(_))));
        // A well-formed token does reach the database, and with it down the answer is an
        // error, never "valid".
        assert!(matches!(app.services.tokens.verify(&unknown, None).await, Err(VerifyError::Backend(_))));
        assert!(matches!(app.services.tokens.verify(&real, None).await, Err(VerifyError::Backend(_))));
    }

    async fn a_well_formed_unknown_token_is_unknown(app) {
        app.project("acme", Plan::Professional).await;
        let made_up = TokenSecret::generate().unwrap();
        assert!(matches!(app.services.tokens.verify(made_up.expose_secret(), None).await, Err(VerifyError::Unknown)));
    }

    async fn an_expired_token_is_refused(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Old")).await;
        crate::storage::expire(&app, issued.token.id).await;
        assert!(matches!(app.services.tokens.verify(issued.secret.expose_secret(), None).await, Err(VerifyError::Expired)));
    }

    async fn verify_reports_the_missing_permission(app) {
        let project = app.project("acme", Plan::Professional).await;
        app.content_type(&project, "article").await;
        let issued = app.issue(&Actor::system(), &project, custom("Reader", &["article.find"])).await;

        let allowed = app.services.tokens.verify(issued.secret.expose_secret(), Some(&perm("article.find"))).await.unwrap();
        let refused = app.services.tokens.verify(issued.secret.expose_secret(), Some(&perm("article.update"))).await;

        assert_eq!(allowed.name, "Reader");
        assert_eq!(allowed.permissions.iter().map(ToString::to_string).collect::<Vec<_>>(), ["article.find"]);
        assert!(matches!(refused, Err(VerifyError::Forbidden { ref required }) if required.to_string() == "article.update"));
        // A permission on a content type the project lacks is simply not held.
        assert!(matches!(
            app.services.tokens.verify(issued.secret.expose_secret(), Some(&perm("category.find"))).await,
            Err(VerifyError::Forbidden { .. })
        ));
    }

    async fn a_full_access_token_gains_content_types_added_later(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Full")).await;
        assert!(app.services.tokens.verify(issued.secret.expose_secret(), Some(&perm("article.delete"))).await.is_err());

        app.content_type(&project, "article").await;

        app.services.tokens.verify(issued.secret.expose_secret(), Some(&perm("article.delete"))).await.unwrap();
    }

    async fn a_restarted_process_reuses_the_database_and_secret_key(app) {
        let project = app.project("acme", Plan::Professional).await;
        let issued = app.issue(&Actor::system(), &project, token("Durable")).await;

        // Settings are resolved again from the same data folder, as a second start would.
        let settings = settings_for(&app.dir, app.settings.database_url.clone());
        let restarted = latchkey::services::Services::connect_and_migrate(&settings).await.unwrap();

        assert_eq!(restarted.tokens.verify(issued.secret.expose_secret(), None).await.unwrap().id, issued.token.id);
    }
}
