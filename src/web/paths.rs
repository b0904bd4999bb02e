//! URL paths, built in one place for handlers and templates alike (templates name these
//! constants and the navigation's `…_path()` methods, which call the functions here).

use uuid::Uuid;

pub const HOME: &str = "/";
pub const SETUP: &str = "/setup";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
/// Where sign-out lands: the sign-in page, saying so.
pub const SIGNED_OUT: &str = "/login?signed_out=1";
pub const ACCOUNT: &str = "/account";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
pub const ACCOUNT_THEME: &str = "/account/theme";
pub const ACCOUNT_SIGN_OUT_EVERYWHERE: &str = "/account/sessions/end-all";
pub const ADMIN: &str = "/admin";
pub const ADMIN_PROJECTS: &str = "/admin/projects";
pub const ADMIN_USERS: &str = "/admin/users";
pub const STYLESHEET: &str = "/static/app.css";
pub const SCRIPT: &str = "/static/app.js";
pub const ICON: &str = "/static/icon.svg";

pub fn admin_plan(project_id: Uuid) -> String {
    format!("/admin/projects/{project_id}/plan")
}

pub fn admin_user_status(user_id: Uuid) -> String {
    format!("/admin/users/{user_id}/status")
}

pub fn admin_user_sessions_end(user_id: Uuid) -> String {
    format!("/admin/users/{user_id}/sessions/end")
}

pub fn account_session_end(handle: &str) -> String {
    format!("/account/sessions/{handle}/end")
}

pub fn tokens(slug: &str) -> String {
    format!("/projects/{slug}/settings/api-tokens")
}

pub fn new_token(slug: &str) -> String {
    format!("/projects/{slug}/settings/api-tokens/new")
}

pub fn token(slug: &str, id: Uuid) -> String {
    format!("/projects/{slug}/settings/api-tokens/{id}")
}

pub fn regenerate_token(slug: &str, id: Uuid) -> String {
    format!("/projects/{slug}/settings/api-tokens/{id}/regenerate")
}

pub fn delete_token(slug: &str, id: Uuid) -> String {
    format!("/projects/{slug}/settings/api-tokens/{id}/delete")
}

pub fn content_types(slug: &str) -> String {
    format!("/projects/{slug}/settings/content-types")
}

pub fn content_type_routes(slug: &str) -> String {
    format!("{}/routes", content_types(slug))
}

pub fn delete_content_type(slug: &str, uid: &str) -> String {
    format!("/projects/{slug}/settings/content-types/{uid}/delete")
}

pub fn members(slug: &str) -> String {
    format!("/projects/{slug}/settings/members")
}

pub fn member_role(slug: &str, user_id: Uuid) -> String {
    format!("/projects/{slug}/settings/members/{user_id}/role")
}

pub fn remove_member(slug: &str, user_id: Uuid) -> String {
    format!("/projects/{slug}/settings/members/{user_id}/remove")
}

pub fn audit_log(slug: &str) -> String {
    format!("/projects/{slug}/settings/audit-log")
}

pub fn audit_log_export(slug: &str) -> String {
    format!("/projects/{slug}/settings/audit-log/export")
}

/// Percent-encodes a query parameter's value (everything but RFC 3986's unreserved set).
pub fn url_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
