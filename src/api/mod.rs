//! The JSON API under `/api/v1`: token management, self-refresh, the login exchange,
//! verification and the OpenAPI document.

mod body;
mod caller;
mod content_types;
mod dto;
mod error;
mod forward_auth;
#[cfg(fuzzing)]
pub mod fuzzing;
mod graphql;
pub mod jwt;
mod login;
mod openapi;
mod tokens;
mod verify;

pub use caller::bearer;
pub use error::ApiError;
pub use openapi::ApiDoc;

use actix_web::web;

/// Declares the route table once: it registers the resources (each answering 405 in the
/// error shape for other methods) and lists every (method, path) for the OpenAPI test.
/// `hot` routes are registered at the top of the application, ahead of every scope, so the
/// requests that services send on every call of theirs are routed by one string comparison.
/// `any` routes take every method (a proxy asks with the method of the request it guards)
/// and are documented as GET; they also serve any path beneath theirs (Envoy appends the
/// original path).
macro_rules! api_routes {
    (
        any: { $( $any_path:literal => $any_handler:path )* }
        hot: { $( $hot_path:literal => { $( $hot_method:ident : $hot_handler:path ),+ $(,)? } )* }
        scoped: { $( $path:literal => { $( $method:ident : $handler:path ),+ $(,)? } )* }
    ) => {
        /// Every (method, path) the API serves.
        pub const ROUTES: &[(&str, &str)] = &[
            $( ("get", concat!("/api/v1", $any_path)), )*
            $( $( (stringify!($hot_method), concat!("/api/v1", $hot_path)), )+ )*
            $( $( (stringify!($method), concat!("/api/v1", $path)), )+ )*
        ];

        fn register_hot(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource(concat!("/api/v1", $hot_path))
                        $( .route(web::$hot_method().to($hot_handler)) )+
                        .default_service(web::to(method_not_allowed)),
                );
            )*
            // After the fixed hot paths: the appended form is a pattern, matched by regular
            // expression, and `/verify` should not wait for it.
            $(
                cfg.service(web::resource(concat!("/api/v1", $any_path)).route(web::route().to($any_handler)));
                cfg.service(
                    web::resource(concat!("/api/v1", $any_path, "/{appended:.*}"))
                        .route(web::route().to($any_handler)),
                );
            )*
        }

        fn register(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $( .route(web::$method().to($handler)) )+
                        .default_service(web::to(method_not_allowed)),
                );
            )*
        }
    };
}

// Scoped routes are matched in this order; a pattern with a parameter is matched by
// regular expression, after the fixed paths beside it.
api_routes! {
    any: {
        "/forward-auth" => forward_auth::forward_auth
    }
    hot: {
        "/verify" => { post: verify::verify }
    }
    scoped: {
        "/auth/login" => { post: login::login }
        "/tokens" => { get: tokens::list_tokens, post: tokens::create_token }
        "/tokens/refresh" => { post: tokens::refresh_token }
        "/tokens/{id}" => { get: tokens::get_token, patch: tokens::update_token, delete: tokens::delete_token }
        "/tokens/{id}/regenerate" => { post: tokens::regenerate_token }
        "/content-types" => { get: content_types::list_content_types, post: content_types::create_content_type }
        "/openapi.json" => { get: openapi::openapi }
    }
}

/// Registers the API: the hot routes first (they read their bodies themselves and need none
/// of the scope's extractor settings), then the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    register_hot(cfg);
    cfg.service(scope());
    cfg.service(
        web::resource("/graphql")
            .wrap(actix_web::middleware::from_fn(
                crate::deadline::within_deadline::<ApiError>,
            ))
            .route(web::post().to(graphql::graphql))
            .default_service(web::to(graphql::post_only)),
    );
}

/// The GraphQL schema for a running server, over `services`.
pub fn graphql_schema(
    services: web::Data<crate::services::Services>,
    introspection: bool,
) -> graphql::LatchkeySchema {
    graphql::schema(services, introspection)
}

/// The GraphQL schema in SDL (`docs/schema.graphql`).
pub fn graphql_sdl() -> String {
    graphql::sdl()
}

/// The `/api` scope: JSON errors for everything beneath it, including unknown routes.
fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/api")
        .wrap(actix_web::middleware::from_fn(
            crate::deadline::within_deadline::<ApiError>,
        ))
        .app_data(
            web::JsonConfig::default()
                .limit(body::BODY_LIMIT)
                .error_handler(|e, _| body::json_payload_error(e).into()),
        )
        .app_data(web::PayloadConfig::default().limit(body::BODY_LIMIT))
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| ApiError::from(crate::error::AppError::NotFound).into()),
        )
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ApiError::InvalidParameter(e.to_string()).into()),
        )
        .service(
            web::scope("/v1")
                .configure(register)
                .default_service(web::to(route_not_found)),
        )
        .default_service(web::to(route_not_found))
}

async fn method_not_allowed() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

async fn route_not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
