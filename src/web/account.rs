//! The signed-in user's own account: details, password change and their sessions (where
//! they are signed in, ending one, signing out everywhere).

use super::auth::SignedIn;
use super::csrf::{CsrfForm, EmptyForm};
use super::dates::date_time;
use super::devices::device_of;
use super::forms::settle;
use super::page::{PageCtx, PageError, render, see_other};
use super::paths;
use crate::domain::{FieldErrors, Password, Theme};
use crate::services::Services;
use crate::sessions::SessionSummary;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage {
    ctx: PageCtx,
    email: String,
    display_name: String,
    errors: FieldErrors,
    sessions: Vec<SessionRow>,
    idle_minutes: i64,
    absolute_hours: i64,
    themes: Vec<ThemeChoice>,
}

struct ThemeChoice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

struct SessionRow {
    device: String,
    client_ip: String,
    signed_in: String,
    last_seen: String,
    ends: String,
    is_current: bool,
    end_path: String,
}

impl SessionRow {
    fn of(session: SessionSummary, current: Option<&str>) -> Self {
        let when =
            |at: Option<chrono::DateTime<chrono::Utc>>| at.map_or_else(String::new, date_time);
        Self {
            device: device_of(session.user_agent.as_deref()),
            client_ip: session.client_ip.unwrap_or_else(|| "unknown".into()),
            signed_in: when(session.signed_in_at),
            last_seen: when(session.last_seen_at),
            ends: when(session.ends_at),
            is_current: current == Some(session.handle.as_str()),
            end_path: paths::account_session_end(&session.handle),
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
}

pub async fn account_page(
    services: web::Data<Services>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    show(&services, &signed_in, FieldErrors::new()).await
}

async fn show(
    services: &Services,
    signed_in: &SignedIn,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let current = signed_in.session.handle();
    let sessions = services
        .sessions
        .of_user(signed_in.user.id)
        .await
        .map_err(crate::error::AppError::from)?
        .into_iter()
        .map(|session| SessionRow::of(session, current.as_deref()))
        .collect();
    render(&AccountPage {
        ctx: signed_in
            .page_ctx(services, None, "account", "Your account")
            .await?,
        email: signed_in.user.email.clone(),
        display_name: signed_in.user.display_name.clone(),
        errors,
        sessions,
        idle_minutes: services.sessions.lifetimes().idle.num_minutes(),
        absolute_hours: services.sessions.lifetimes().absolute.num_hours(),
        themes: Theme::ALL
            .into_iter()
            .map(|theme| ThemeChoice {
                value: theme.as_str(),
                label: theme.label(),
                checked: theme == signed_in.user.theme,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct ThemeForm {
    theme: String,
}

/// The user's choice of colours, kept with their account so it follows them to any browser.
pub async fn set_theme(
    services: web::Data<Services>,
    signed_in: SignedIn,
    CsrfForm(form): CsrfForm<ThemeForm>,
) -> Result<HttpResponse, PageError> {
    let theme = Theme::parse(&form.theme).map_err(PageError::BadRequest)?;
    services
        .accounts
        .set_theme(signed_in.user.id, theme)
        .await?;
    Ok(signed_in.done(format!("Theme set to “{}”.", theme.label()), paths::ACCOUNT))
}

pub async fn change_password(
    services: web::Data<Services>,
    signed_in: SignedIn,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::new();
    let new = errors.take(
        "new_password",
        Password::parse(
            form.new_password.clone(),
            &[&signed_in.user.email, &signed_in.user.display_name],
        ),
    );
    if form.new_password != form.new_password_confirmation {
        errors.add("new_password_confirmation", "The new passwords differ.");
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return show(&services, &signed_in, errors).await;
    };
    let changed = services
        .accounts
        .change_password(
            signed_in.user.id,
            &form.current_password,
            new,
            signed_in.client_ip(),
        )
        .await;
    match settle(changed)? {
        Ok(generation) => {
            // Every session of the user ended, this one included; keep this browser signed in
            // under a new session id.
            signed_in.renew(generation)?;
            Ok(signed_in.done(
                "Password changed. Every other session has been signed out.",
                paths::ACCOUNT,
            ))
        }
        Err(failure) => show(&services, &signed_in, failure.errors).await,
    }
}

/// Ends one of the user's own sessions (another user's handle ends nothing: 404).
pub async fn end_session(
    services: web::Data<Services>,
    signed_in: SignedIn,
    handle: web::Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let ended = services
        .sessions
        .end_one(signed_in.user.id, &handle)
        .await
        .map_err(crate::error::AppError::from)?;
    if !ended {
        return Err(PageError::NotFound);
    }
    if signed_in.session.handle().as_deref() == Some(handle.as_str()) {
        signed_in.session.log_out();
        return Ok(see_other(paths::SIGNED_OUT));
    }
    Ok(signed_in.done("Signed out that session.", paths::ACCOUNT))
}

/// Every session (this one included) and every login access token of the user ends.
pub async fn sign_out_everywhere(
    services: web::Data<Services>,
    signed_in: SignedIn,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    services
        .accounts
        .sign_out_everywhere(&signed_in.actor(), signed_in.user.id)
        .await?;
    signed_in.session.log_out();
    Ok(see_other(paths::SIGNED_OUT))
}
