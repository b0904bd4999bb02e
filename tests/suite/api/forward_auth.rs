//! Forward auth (`/api/v1/forward-auth`) as a reverse proxy calls it: the permission named
//! by the proxy's configuration or mapped from the original request, the identity headers,
//! and the refusals. The proxies themselves are in `crate::proxies`.

use super::*;
use latchkey::domain::RoutePrefix;
use reqwest::Method;

struct Ask<'a> {
    method: Method,
    path: &'a str,
    bearer: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
}

async fn ask(api: &ApiServer, ask: Ask<'_>) -> Reply {
    let mut request = api
        .client()
        .request(ask.method, format!("{}{}", api.base, ask.path));
    if let Some(bearer) = ask.bearer {
        request = request.bearer_auth(bearer);
    }
    for (name, value) in ask.headers {
        request = request.header(*name, *value);
    }
    api.raw(request).await
}

/// A GET of `path` with the token and headers.
async fn get(api: &ApiServer, path: &str, bearer: &str, headers: &[(&str, &str)]) -> Reply {
    ask(
        api,
        Ask {
            method: Method::GET,
            path,
            bearer: Some(bearer),
            headers,
        },
    )
    .await
}

async fn with_routes(api: &ApiServer, project: &Project, prefix: &str) {
    api.services
        .projects
        .set_route_prefix(
            &Actor::system(),
            project.id,
            Some(RoutePrefix::parse(prefix).unwrap()),
        )
        .await
        .unwrap();
}

backend_tests! {
    async fn a_named_permission_is_checked_and_the_identity_goes_upstream(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let reader = api.issue(&project, custom("Déjà vu 100%", &["article.find"])).await;
        let secret = reader.secret.expose_secret().to_owned();

        let allowed = get(&api, "/forward-auth?permission=article.find", &secret, &[]).await;
        assert_eq!(allowed.status, 200, "{}", allowed.body);
        assert_eq!(allowed.headers["latchkey-token-id"], reader.token.id.to_string());
        assert_eq!(allowed.headers["latchkey-token-name"], "D%C3%A9j%C3%A0 vu 100%25");
        assert_eq!(allowed.headers["latchkey-project"], "acme");
        assert_eq!(allowed.headers["latchkey-token-kind"], "service");
        assert_eq!(allowed.headers["latchkey-user"], "", "a service token has no user");
        assert_eq!(allowed.headers["cache-control"], "no-store");
        // Any method: a proxy asks with the method of the request it guards.
        let by_header = ask(&api, Ask { method: Method::DELETE, path: "/forward-auth", bearer: Some(&secret), headers: &[("latchkey-permission", "article.find")] }).await;
        assert_eq!(by_header.status, 200, "{}", by_header.body);

        // Encoded as a query value, and beside other parameters.
        let encoded = get(&api, "/forward-auth?x=1&permission=article%2Efind", &secret, &[]).await;
        assert_eq!(encoded.status, 200, "{}", encoded.body);
        let lacking = get(&api, "/forward-auth?permission=article.delete", &secret, &[]).await;
        assert_eq!(lacking.assert_error(403, "authorization_error")["required_permission"], "article.delete");
        // Both named: both are needed.
        let both = get(&api, "/forward-auth?permission=article.find", &secret, &[("latchkey-permission", "article.create")]).await;
        both.assert_error(403, "authorization_error");
        // A proxy config that clears the header leaves it empty: nothing named by it.
        let cleared = get(&api, "/forward-auth?permission=article.find", &secret, &[("latchkey-permission", "")]).await;
        assert_eq!(cleared.status, 200, "{}", cleared.body);
        // Nothing named and nothing to map: refused, not waved through.
        get(&api, "/forward-auth", &secret, &[]).await.assert_error(403, "authorization_error");
        // A permission that does not parse is the proxy's mistake, not the client's.
        get(&api, "/forward-auth?permission=article", &secret, &[]).await.assert_error(422, "validation_error");
    }

    async fn tokens_that_are_not_valid_are_refused_with_a_bearer_challenge(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        let issued = api.issue(&project, token("Deploy")).await;
        let secret = issued.secret.expose_secret().to_owned();
        let named = "/forward-auth?permission=api-token.find";

        ask(&api, Ask { method: Method::GET, path: named, bearer: None, headers: &[] }).await.assert_error(401, "authentication_error");
        get(&api, named, "lk_not-a-token", &[]).await.assert_error(401, "authentication_error");
        let unknown = latchkey::tokens::TokenSecret::from_bytes(&[7; 32]);
        get(&api, named, unknown.expose_secret(), &[]).await.assert_error(401, "authentication_error");
        assert_eq!(get(&api, named, &secret, &[]).await.status, 200);

        api.services.tokens.revoke(&Actor::system(), project.id, issued.token.id).await.unwrap();
        // Refused at once: the revocation invalidated the cached answer.
        get(&api, named, &secret, &[]).await.assert_error(401, "authentication_error");
    }

    async fn the_original_request_is_mapped_by_the_projects_routes(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        api.app.content_type(&project, "category").await;
        let editor = api.issue(&project, custom("Editor", &["article.find", "article.findOne", "article.update"])).await;
        let secret = editor.secret.expose_secret().to_owned();
        let forwarded = |method: &'static str, uri: &'static str| [("x-forwarded-method", method), ("x-forwarded-uri", uri)];

        // No prefix yet: nothing maps.
        let unmapped = get(&api, "/forward-auth", &secret, &forwarded("GET", "/api/articles")).await;
        assert!(unmapped.assert_error(403, "authorization_error").is_object());
        assert!(unmapped.body["error"]["message"].as_str().unwrap().contains("route prefix"), "{}", unmapped.body);

        with_routes(&api, &project, "/api/{content-type}").await;
        for (method, uri, status) in [
            ("GET", "/api/articles", 200),
            ("GET", "/api/articles/7?populate=*", 200),
            ("PUT", "/api/articles/7", 200),
            ("POST", "/api/articles", 403),
            ("DELETE", "/api/articles/7", 403),
            ("GET", "/api/categories", 403),
            ("GET", "/api/articlesX", 403),
            ("GET", "/api/articles/../categories", 403),
            ("GET", "/api/articles%2F..%2Fcategories", 403),
            ("GET", "/elsewhere", 403),
        ] {
            let reply = get(&api, "/forward-auth", &secret, &forwarded(method, uri)).await;
            assert_eq!(reply.status.as_u16(), status, "{method} {uri}: {}", reply.body);
        }
        // nginx's names for the same.
        let nginx = get(&api, "/forward-auth", &secret, &[("x-original-method", "GET"), ("x-original-uri", "/api/articles/7")]).await;
        assert_eq!(nginx.status, 200, "{}", nginx.body);
        // A client writing the header its proxy does not set cannot change the request.
        let disagreeing = get(&api, "/forward-auth", &secret, &[("x-forwarded-method", "GET"), ("x-forwarded-uri", "/api/articles"), ("x-original-uri", "/api/categories")]).await;
        disagreeing.assert_error(422, "validation_error");
        get(&api, "/forward-auth", &secret, &[("x-forwarded-method", "GET")]).await.assert_error(422, "validation_error");
        // A named permission the client slipped in only adds to what the path needs.
        let slipped = get(&api, "/forward-auth", &secret, &[("x-forwarded-method", "DELETE"), ("x-forwarded-uri", "/api/articles/7"), ("latchkey-permission", "article.find")]).await;
        assert_eq!(slipped.assert_error(403, "authorization_error")["required_permission"], "article.delete");
        // A location that names its permission may guard a path outside the routes.
        let own_location = get(&api, "/forward-auth?permission=article.find", &secret, &forwarded("GET", "/reports/weekly")).await;
        assert_eq!(own_location.status, 200, "{}", own_location.body);

        // Envoy appends the original path to this one and asks with the original method; the
        // query is the client's, so a permission in it is not read.
        let appended = ask(&api, Ask { method: Method::PUT, path: "/forward-auth/api/articles/7", bearer: Some(&secret), headers: &[] }).await;
        assert_eq!(appended.status, 200, "{}", appended.body);
        let smuggled = ask(&api, Ask { method: Method::DELETE, path: "/forward-auth/api/articles/7?permission=article.find", bearer: Some(&secret), headers: &[] }).await;
        assert_eq!(smuggled.assert_error(403, "authorization_error")["required_permission"], "article.delete");
        let outside = ask(&api, Ask { method: Method::GET, path: "/forward-auth/elsewhere?permission=article.find", bearer: Some(&secret), headers: &[] }).await;
        outside.assert_error(403, "authorization_error");

        // A prefix change reaches cached answers at once.
        with_routes(&api, &project, "/v2").await;
        get(&api, "/forward-auth", &secret, &forwarded("GET", "/api/articles")).await.assert_error(403, "authorization_error");
        assert_eq!(get(&api, "/forward-auth", &secret, &forwarded("GET", "/v2/articles")).await.status, 200);
    }

    async fn a_personal_token_names_its_user_and_its_use_is_recorded(app) {
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let (user, actor) = api.app.member(&project, "dev@example.com", Role::Developer).await;
        let mine = api.app.issue(&actor, &project, personal("Laptop", "read-only")).await;
        let secret = mine.secret.expose_secret().to_owned();

        let allowed = get(&api, "/forward-auth?permission=article.find", &secret, &[("user-agent", "curl/8.5")]).await;
        assert_eq!(allowed.status, 200, "{}", allowed.body);
        assert_eq!(allowed.headers["latchkey-token-kind"], "personal");
        assert_eq!(allowed.headers["latchkey-user"], user.id.to_string());

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let shown = api.services.tokens.get(&Actor::system(), project.id, mine.token.id).await.unwrap();
            if shown.last_used_at.is_some() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "last_used_at did not appear within 10 s");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}
