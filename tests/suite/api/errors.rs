//! Transport-level failures in the same error shape: routes, methods, media types, sizes,
//! malformed JSON, and a database that is down.

use super::*;

backend_tests! {
    async fn unknown_routes_and_wrong_methods_answer_in_the_error_shape(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        let bearer = admin.secret.expose_secret();
        let root = api.base.trim_end_matches("/api/v1").to_owned();

        api.raw(api.client().get(format!("{root}/api/v1/nothing-here"))).await.assert_error(404, "not_found");
        api.raw(api.client().get(format!("{root}/api/v2/tokens"))).await.assert_error(404, "not_found");
        api.raw(api.client().put(format!("{root}/api/v1/verify"))).await.assert_error(405, "method_not_allowed");
        api.raw(api.client().delete(format!("{root}/api/v1/tokens")).bearer_auth(bearer)).await.assert_error(405, "method_not_allowed");
        api.raw(api.client().get(format!("{root}/api/v1/tokens/not-a-uuid")).bearer_auth(bearer)).await.assert_error(404, "not_found");
        api.raw(api.client().get(format!("{root}/api/v1/tokens"))).await.assert_error(401, "authentication_error");
        api.raw(api.client().get(format!("{root}/api/v1/tokens")).header("authorization", format!("Basic {bearer}"))).await.assert_error(401, "authentication_error");
    }

    async fn bodies_must_be_json_well_formed_small_and_without_unknown_fields(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.issue(&project, token("Admin")).await;
        let bearer = admin.secret.expose_secret();
        let url = format!("{}/tokens", api.base);

        let text = api.raw(api.client().post(&url).bearer_auth(bearer).header("content-type", "text/plain").body(r#"{"name":"x"}"#)).await;
        text.assert_error(415, "unsupported_media_type");
        let none = api.raw(api.client().post(&url).bearer_auth(bearer).body(r#"{"name":"x"}"#)).await;
        none.assert_error(415, "unsupported_media_type");
        let malformed = api.raw(api.client().post(&url).bearer_auth(bearer).header("content-type", "application/json").body("{\"name\": ")).await;
        assert!(malformed.assert_error(400, "validation_error")["body"].is_array());
        let wrong_type = api.post("/tokens", Some(bearer), json!({ "name": 42 })).await;
        wrong_type.assert_error(422, "validation_error");
        let unknown = api.post("/tokens", Some(bearer), json!({ "name": "x", "scopes": ["all"] })).await;
        assert_eq!(unknown.assert_error(422, "validation_error")["scopes"][0], "Unknown field.");
        let huge = json!({ "name": "x", "description": "d".repeat(70 * 1024) });
        api.post("/tokens", Some(bearer), huge).await.assert_error(413, "payload_too_large");
        let duplicate = api.post("/tokens", Some(bearer), json!({ "name": "admin" })).await;
        assert!(duplicate.assert_error(409, "conflict")["name"].is_array());
        let invalid = api.post("/tokens", Some(bearer), json!({ "name": "", "type": "god-mode", "kind": "robot", "duration_days": 0 })).await;
        let data = invalid.assert_error(422, "validation_error");
        for field in ["name", "type", "kind", "duration"] {
            assert!(data[field].is_array(), "no error on {field}: {data}");
        }
    }

    async fn a_database_outage_fails_closed_with_503(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let issued = api.issue(&project, token("Real")).await;

        api.services.close().await.unwrap();

        let reply = api.post("/verify", None, json!({ "token": issued.secret.expose_secret() })).await;
        reply.assert_error(503, "unavailable");
        assert!(reply.body.get("valid").is_none());
        let malformed = api.post("/verify", None, json!({ "token": "lk_garbage" })).await;
        malformed.assert_error(401, "authentication_error");
    }
}

backend_tests! {
    async fn an_outage_is_a_503_with_retry_after(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let caller = api.issue(&project, token("Caller")).await;
        api.services.close().await.unwrap();

        let unknown = api.post("/verify", None, json!({ "token": latchkey::tokens::TokenSecret::generate().unwrap().expose_secret() })).await;
        let read = api.get(&format!("/tokens/{}", caller.token.id), caller.secret.expose_secret()).await;

        read.assert_error(503, "unavailable");
        assert_eq!(read.headers["retry-after"], "1");
        assert_eq!(read.headers["cache-control"], "no-store");
        // A digest outside the known set may be a token made elsewhere a moment ago: within
        // the small lookup budget it is looked up, and the outage shows.
        unknown.assert_error(503, "unavailable");
    }
}
