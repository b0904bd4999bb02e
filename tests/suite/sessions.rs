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
