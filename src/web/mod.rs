//! The administrators' dashboard: server-rendered pages over the same services as the API.
//! Each page group is a module with its handlers and the askama view structs they fill.
//! Every project page starts from the `ProjectPage` extractor, every other signed-in page
//! from `SignedIn`; `TypedSession` owns the session's keys, `forms::settle` maps a service's
//! answer to a redirect or a re-rendered form, and `paths` builds every URL.

mod account;
mod admin;
mod assets;
mod auth;
mod content_types;
mod csrf;
mod flash;
mod forms;
mod home;
mod members;
mod page;
mod paths;
mod project_audit;
mod project_page;
mod reveal;
mod session;
mod setup;
mod sign_in;
mod tokens;

pub use reveal::RevealCipher;
pub use setup::SetupCode;

use actix_web::{HttpResponse, web};
use page::PageError;

pub fn not_found() -> PageError {
    PageError::NotFound
}

pub fn bad_request(message: String) -> PageError {
    PageError::BadRequest(message)
}

/// Any path the dashboard does not know.
pub async fn page_not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::NotFound)
}

/// The dashboard's routes. Every POST checks the session's CSRF token.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{file}", web::get().to(assets::serve))
        .route(paths::HOME, web::get().to(home::projects_page))
        .route(paths::SETUP, web::get().to(setup::setup_form))
        .route(paths::SETUP, web::post().to(setup::complete_setup))
        .route(paths::LOGIN, web::get().to(sign_in::login_form))
        .route(paths::LOGIN, web::post().to(sign_in::log_in))
        .route(paths::LOGOUT, web::post().to(sign_in::log_out))
        .route(paths::ACCOUNT, web::get().to(account::account_page))
        .route(
            paths::ACCOUNT_PASSWORD,
            web::post().to(account::change_password),
        )
        .route(paths::ADMIN, web::get().to(admin::admin_page))
        .route(paths::ADMIN_PROJECTS, web::post().to(admin::create_project))
        .route("/admin/projects/{id}/plan", web::post().to(admin::set_plan))
        .route(paths::ADMIN_USERS, web::post().to(admin::create_user))
        .route(
            "/admin/users/{id}/status",
            web::post().to(admin::set_user_status),
        )
        .service(
            web::scope("/projects/{slug}")
                .route("", web::get().to(home::project_home))
                .route("/settings/api-tokens", web::get().to(tokens::tokens_page))
                .route("/settings/api-tokens", web::post().to(tokens::create_token))
                .route(
                    "/settings/api-tokens/new",
                    web::get().to(tokens::new_token_form),
                )
                .route(
                    "/settings/api-tokens/{id}",
                    web::get().to(tokens::edit_token_form),
                )
                .route(
                    "/settings/api-tokens/{id}",
                    web::post().to(tokens::update_token),
                )
                .route(
                    "/settings/api-tokens/{id}/regenerate",
                    web::get().to(tokens::confirm_regenerate),
                )
                .route(
                    "/settings/api-tokens/{id}/regenerate",
                    web::post().to(tokens::regenerate_token),
                )
                .route(
                    "/settings/api-tokens/{id}/delete",
                    web::get().to(tokens::confirm_delete),
                )
                .route(
                    "/settings/api-tokens/{id}/delete",
                    web::post().to(tokens::delete_token),
                )
                .route(
                    "/settings/content-types",
                    web::get().to(content_types::content_types_page),
                )
                .route(
                    "/settings/content-types",
                    web::post().to(content_types::add_content_type),
                )
                .route(
                    "/settings/content-types/{uid}/delete",
                    web::post().to(content_types::remove_content_type),
                )
                .route("/settings/members", web::get().to(members::members_page))
                .route("/settings/members", web::post().to(members::add_member))
                .route(
                    "/settings/members/{user_id}/role",
                    web::post().to(members::change_role),
                )
                .route(
                    "/settings/members/{user_id}/remove",
                    web::post().to(members::remove_member),
                )
                .route(
                    "/settings/audit-log",
                    web::get().to(project_audit::audit_log_page),
                ),
        );
}
