//! Signing in and out.

use super::auth::SignedIn;
use super::csrf::{CsrfForm, EmptyForm};
use super::page::{PageCtx, PageError, render, render_with_status, see_other};
use super::paths;
use super::session::TypedSession;
use crate::error::AppError;
use crate::services::Services;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    error: Option<String>,
    signed_out: bool,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

pub async fn login_form(
    services: web::Data<Services>,
    session: TypedSession,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, PageError> {
    if services.accounts.count().await? == 0 {
        return Ok(see_other(paths::SETUP));
    }
    if session.user_id().is_some() {
        return Ok(see_other(paths::HOME));
    }
    render(&LoginPage {
        ctx: PageCtx::anonymous("Sign in", Some(&session)),
        email: String::new(),
        error: None,
        signed_out: query.signed_out.is_some(),
    })
}

pub async fn log_in(
    req: HttpRequest,
    services: web::Data<Services>,
    session: TypedSession,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let client_ip = crate::telemetry::client_ip(&req);
    match services
        .accounts
        .authenticate(&form.email, &form.password, client_ip)
        .await
    {
        Ok(user) => {
            session.sign_in(user.id).map_err(PageError::Internal)?;
            Ok(see_other(paths::HOME))
        }
        Err(AppError::Unauthenticated(_)) => render(&LoginPage {
            ctx: PageCtx::anonymous("Sign in", Some(&session)),
            email: form.email,
            error: Some("Wrong email or password.".into()),
            signed_out: false,
        }),
        Err(AppError::RateLimited { retry_after }) => {
            let seconds = crate::error::retry_after_seconds(retry_after);
            let minutes = seconds.div_ceil(60);
            let mut page = render_with_status(
                &LoginPage {
                    ctx: PageCtx::anonymous("Sign in", Some(&session)),
                    email: form.email,
                    error: Some(format!(
                        "Too many failed sign-ins for this account or from this address. Try again in {minutes} minute{}.",
                        if minutes == 1 { "" } else { "s" }
                    )),
                    signed_out: false,
                },
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            page.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
            Ok(page)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn log_out(signed_in: SignedIn, CsrfForm(_): CsrfForm<EmptyForm>) -> HttpResponse {
    signed_in.session.log_out();
    see_other(paths::SIGNED_OUT)
}
