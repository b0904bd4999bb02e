//! The JSON API under `/api/v1`: token management, self-refresh, the login exchange,
//! verification and the OpenAPI document.

mod caller;
mod dto;
mod error;
mod handlers;
pub mod jwt;
mod openapi;

pub use error::ApiError;
pub use openapi::ApiDoc;

use actix_web::error::JsonPayloadError;
use actix_web::middleware::from_fn;
use actix_web::web;

/// Declares the route table once: it registers the resources (each answering 405 in the
/// error shape for other methods) and lists every (method, path) for the OpenAPI test.
macro_rules! api_routes {
    ($( $path:literal => { $( $method:ident : $handler:path ),+ $(,)? } )*) => {
        /// Every (method, path) the API serves.
        pub const ROUTES: &[(&str, &str)] = &[ $( $( (stringify!($method), concat!("/api/v1", $path)), )+ )* ];

        fn register(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $( .route(web::$method().to($handler)) )+
                        .default_service(web::to(handlers::method_not_allowed)),
                );
            )*
        }
    };
}

api_routes! {
    "/auth/login" => { post: handlers::login }
    "/tokens" => { get: handlers::list_tokens, post: handlers::create_token }
    "/tokens/refresh" => { post: handlers::refresh_token }
    "/tokens/{id}" => { get: handlers::get_token, patch: handlers::update_token, delete: handlers::delete_token }
    "/tokens/{id}/regenerate" => { post: handlers::regenerate_token }
    "/verify" => { post: handlers::verify }
    "/openapi.json" => { get: handlers::openapi }
}

/// The `/api` scope: JSON errors for everything beneath it, including unknown routes.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/api")
        .wrap(from_fn(error::with_trace_id))
        .app_data(
            web::JsonConfig::default()
                .limit(handlers::BODY_LIMIT)
                .error_handler(|e, _| json_payload_error(e).into()),
        )
        .app_data(web::PayloadConfig::default().limit(handlers::BODY_LIMIT))
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
                .default_service(web::to(handlers::route_not_found)),
        )
        .default_service(web::to(handlers::route_not_found))
}

fn json_payload_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge { limit },
        JsonPayloadError::Deserialize(e) => json_body_error(e),
        other => ApiError::MalformedJson(other.to_string()),
    }
}

/// Tells apart JSON that does not parse (400) from JSON of the wrong shape (422), and
/// names the field where serde says which.
pub(crate) fn json_body_error(error: serde_json::Error) -> ApiError {
    if error.is_syntax() || error.is_eof() {
        return ApiError::MalformedJson(error.to_string());
    }
    let message = error.to_string();
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(field) = quoted("unknown field `") {
        return ApiError::InvalidBody {
            field,
            message: "Unknown field.".into(),
        };
    }
    if let Some(field) = quoted("missing field `") {
        return ApiError::InvalidBody {
            field,
            message: "This field is required.".into(),
        };
    }
    ApiError::InvalidBody {
        field: "body".into(),
        message,
    }
}
