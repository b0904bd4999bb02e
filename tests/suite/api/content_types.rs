//! `GET` and `POST /api/v1/content-types`: read by any caller of the project, added by its
//! admins only.

use super::*;

backend_tests! {
    async fn admins_add_content_types_and_every_caller_reads_them(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let admin = api.login_as(&project, "ada@example.com", Role::Admin).await;
        let developer = api.login_as(&project, "dev@example.com", Role::Developer).await;
        let automation = api.issue(&project, token("Automation")).await;
        let automation = automation.secret.expose_secret();

        let added = api.post("/content-types", Some(&admin), json!({ "uid": "blog-post", "display_name": "Blog post" })).await;
        assert_eq!(added.status, 201, "{}", added.body);
        assert_eq!(added.body, json!({ "uid": "blog-post", "display_name": "Blog post", "built_in": false }));
        api.post("/content-types", Some(&admin), json!({ "uid": "blog-post", "display_name": "Again" })).await.assert_error(409, "conflict");
        let invalid = api.post("/content-types", Some(&admin), json!({ "uid": "Blog Post", "display_name": "" })).await;
        let fields = invalid.assert_error(422, "validation_error");
        assert!(fields["uid"].is_array() && fields["display_name"].is_array(), "{fields}");
        api.post("/content-types", Some(&developer), json!({ "uid": "tag", "display_name": "Tag" })).await.assert_error(403, "authorization_error");
        api.post("/content-types", Some(automation), json!({ "uid": "tag", "display_name": "Tag" })).await.assert_error(403, "authorization_error");

        for reader in [&developer, automation] {
            let listed = api.get("/content-types", reader).await;
            assert_eq!(listed.status, 200, "{}", listed.body);
            let uids: Vec<&str> = listed.body["data"].as_array().unwrap().iter().map(|ct| ct["uid"].as_str().unwrap()).collect();
            assert_eq!(uids, ["api-token", "blog-post"]);
        }
        // The new type is covered by the full-access grant at once.
        api.post("/verify", None, json!({ "token": automation, "permission": "blog-post.delete" })).await;
        assert_eq!(api.post("/verify", None, json!({ "token": automation, "permission": "blog-post.delete" })).await.status, 200);
    }
}
