//! The server-side session store that actix-session's middleware reads and writes.

use actix_session::storage::{SessionKey, SessionStore};
use actix_web::cookie::time::Duration;
use std::collections::HashMap;

fn key_copy(key: &SessionKey) -> SessionKey {
    SessionKey::try_from(key.as_ref().to_owned()).unwrap()
}

backend_tests! {
    async fn a_session_ended_elsewhere_is_not_brought_back_by_a_late_write(app) {
        let store = app.services.sessions.store();
        let ttl = Duration::minutes(30);
        let user = app.user("ada@example.com").await;
        let signed_in: HashMap<String, String> =
            [("user_id".to_owned(), serde_json::to_string(&user.id).unwrap())].into();
        let key = store.save(signed_in.clone(), &ttl).await.unwrap();
        let kept = store.update(key_copy(&key), signed_in.clone(), &ttl).await.unwrap();
        assert_eq!(kept, key, "a live session keeps its key");

        // Signed out in another tab, while this request was still being served.
        store.delete(&key).await.unwrap();
        let late = store.update(key_copy(&key), signed_in, &ttl).await.unwrap();

        assert_ne!(late, key, "the ended session is not written again");
        assert_eq!(store.load(&key).await.unwrap(), None);
        assert_eq!(store.load(&late).await.unwrap(), Some(HashMap::new()), "it starts over, signed out");
    }
}

backend_tests! {
    async fn a_session_ends_at_its_absolute_lifetime_however_active(app) {
        let store = latchkey::sessions::DatabaseSessionStore::new(app.db.clone(), chrono::Duration::milliseconds(300));
        let ttl = Duration::minutes(30);
        let key = store.save(HashMap::new(), &ttl).await.unwrap();
        store.update_ttl(&key, &ttl).await.unwrap();
        assert!(store.load(&key).await.unwrap().is_some());

        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        store.update_ttl(&key, &ttl).await.unwrap();

        assert_eq!(store.load(&key).await.unwrap(), None, "activity does not extend it");
        assert!(app.services.sessions.purge_expired().await.unwrap() >= 1);
    }

    async fn only_the_user_or_a_super_admin_signs_a_user_out_everywhere(app) {
        let ada = app.user("ada@example.com").await;
        let bob = app.user("bob@example.com").await;
        let accounts = &app.services.accounts;

        let refused = accounts.sign_out_everywhere(&bob.actor(), ada.id).await;
        assert!(matches!(refused, Err(latchkey::error::AppError::Forbidden { .. })), "{refused:?}");
        accounts.sign_out_everywhere(&ada.actor(), ada.id).await.unwrap();
        let root = app.super_admin("root@example.com").await;
        accounts.sign_out_everywhere(&root.actor(), ada.id).await.unwrap();
        assert_eq!(accounts.get(ada.id).await.unwrap().credentials_generation, 2);
        assert_eq!(accounts.get(bob.id).await.unwrap().credentials_generation, 0);
    }
}
