//! The administrators' dashboard: server-rendered pages over the same services as the API.
//! Each page group is a module with its handlers and the askama view structs they fill.
//! Every project page starts from the `ProjectPage` extractor, every other signed-in page
//! from `SignedIn`; `TypedSession` owns the session's keys, `forms::settle` maps a service's
//! answer to a redirect or a re-rendered form, and `paths` builds every URL.

mod account;
mod admin;
mod assets;
mod audit_view;
mod auth;
mod content_types;
mod cookie_keys;
mod csrf;
mod dates;
mod devices;
mod error_pages;
mod flash;
mod forms;
#[cfg(fuzzing)]
pub mod fuzzing;
mod home;
mod members;
mod page;
mod pagination;
mod paths;
mod project_audit;
mod project_page;
mod reveal;
mod session;
mod setup;
mod sign_in;
mod tokens;
mod unavailable;

pub use cookie_keys::{SessionCookieKeys, reseal_older_session_cookies};
pub use reveal::RevealCipher;
pub use setup::SetupCode;

use actix_web::{HttpResponse, guard, web};
pub use error_pages::error_pages_in_layout;
pub use page::PageError;
pub use unavailable::session_failures_as_unavailable;

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

/// A method the page does not take.
async fn method_not_allowed() -> Result<HttpResponse, PageError> {
    Err(PageError::MethodNotAllowed)
}

/// Reading a page: GET, and HEAD for the same answer without its body.
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

fn submit() -> actix_web::Route {
    web::post()
}

/// Declares each path once with the methods it takes; any other method answers 405.
macro_rules! pages {
    ($cfg:expr; $( $path:expr => { $( $method:ident : $handler:path ),+ $(,)? } )*) => {
        $(
            $cfg.service(
                web::resource($path)
                    $( .route($method().to($handler)) )+
                    .default_service(web::to(method_not_allowed)),
            );
        )*
    };
}

/// The dashboard's routes. Every POST checks the session's CSRF token.
pub fn routes(cfg: &mut web::ServiceConfig) {
    pages!(cfg;
        "/static/{file}" => { read: assets::serve }
        "/favicon.ico" => { read: assets::favicon }
        paths::HOME => { read: home::projects_page }
        paths::SETUP => { read: setup::setup_form, submit: setup::complete_setup }
        paths::LOGIN => { read: sign_in::login_form, submit: sign_in::log_in }
        paths::LOGOUT => { submit: sign_in::log_out }
        paths::ACCOUNT => { read: account::account_page }
        paths::ACCOUNT_PASSWORD => { submit: account::change_password }
        paths::ACCOUNT_THEME => { submit: account::set_theme }
        paths::ACCOUNT_SIGN_OUT_EVERYWHERE => { submit: account::sign_out_everywhere }
        "/account/sessions/{handle}/end" => { submit: account::end_session }
        paths::ADMIN => { read: admin::admin_page }
        paths::ADMIN_PROJECTS => { submit: admin::create_project }
        "/admin/projects/{id}/plan" => { submit: admin::set_plan }
        paths::ADMIN_USERS => { submit: admin::create_user }
        "/admin/users/{id}/status" => { submit: admin::set_user_status }
        "/admin/users/{id}/sessions/end" => { submit: admin::end_user_sessions }
    );
    cfg.service(web::scope("/projects/{slug}").configure(project_routes));
}

fn project_routes(cfg: &mut web::ServiceConfig) {
    pages!(cfg;
        "" => { read: home::project_home }
        "/settings/api-tokens" => { read: tokens::tokens_page, submit: tokens::create_token }
        "/settings/api-tokens/new" => { read: tokens::new_token_form }
        "/settings/api-tokens/{id}" => { read: tokens::edit_token_form, submit: tokens::update_token }
        "/settings/api-tokens/{id}/regenerate" => { read: tokens::confirm_regenerate, submit: tokens::regenerate_token }
        "/settings/api-tokens/{id}/delete" => { read: tokens::confirm_delete, submit: tokens::delete_token }
        "/settings/content-types" => { read: content_types::content_types_page, submit: content_types::add_content_type }
        "/settings/content-types/routes" => { submit: content_types::set_route_prefix }
        "/settings/content-types/{uid}/delete" => { submit: content_types::remove_content_type }
        "/settings/members" => { read: members::members_page, submit: members::add_member }
        "/settings/members/{user_id}/role" => { submit: members::change_role }
        "/settings/members/{user_id}/remove" => { submit: members::remove_member }
        "/settings/audit-log" => { read: project_audit::audit_log_page }
        "/settings/audit-log/export" => { read: project_audit::export_audit_log }
    );
}
