//! The served OpenAPI document covers every route of the router.

use super::*;
use latchkey::api::ROUTES;

backend_tests! {
    async fn the_openapi_document_lists_every_route_with_its_schemas(app) {
        let api = ApiServer::start(app).await;

        let reply = api.raw(api.client().get(format!("{}/openapi.json", api.base))).await;

        assert_eq!(reply.status, 200);
        let document = &reply.body;
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(ROUTES.len(), 13);
        for (method, path) in ROUTES {
            let operation = &document["paths"][*path][*method];
            assert!(operation.is_object(), "{method} {path} is missing from the OpenAPI document");
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
        }
        let documented: usize = document["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
        assert_eq!(documented, ROUTES.len(), "the document lists an operation the router does not serve");
        for schema in ["ErrorBody", "TokenBody", "IssuedTokenBody", "CreateTokenRequest", "VerifyResponse", "LoginResponse"] {
            assert!(document["components"]["schemas"][schema].is_object(), "schema {schema} missing");
        }
        assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        let error_401 = &document["paths"]["/api/v1/tokens"]["get"]["responses"]["401"];
        assert!(error_401["content"]["application/json"]["schema"]["$ref"].as_str().unwrap().ends_with("ErrorBody"));
    }
}
