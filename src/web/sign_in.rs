//! Signing in and out.

use super::auth::SignedIn;
use super::csrf::{CsrfForm, EmptyForm};
use super::page::{PageCtx, PageError, render, render_held_back, see_other, wait_in_words};
use super::paths;
use super::session::TypedSession;
use crate::error::AppError;
use crate::services::Services;
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
    let client = crate::client_address::client_addr(&req);
    match services
        .accounts
        .authenticate(&form.email, &form.password, client)
        .await
    {
        Ok(user) => {
            session
                .sign_in(&user, user.credentials_generation)
                .map_err(PageError::Internal)?;
            Ok(see_other(paths::HOME))
        }
        Err(AppError::Unauthenticated(_)) => render(&LoginPage {
            ctx: PageCtx::anonymous("Sign in", Some(&session)),
            email: form.email,
            error: Some("Wrong email or password.".into()),
            signed_out: false,
        }),
        Err(AppError::RateLimited { retry_after }) => render_held_back(
            &LoginPage {
                ctx: PageCtx::anonymous("Sign in", Some(&session)),
                email: form.email,
                error: Some(format!(
                    "Too many failed sign-ins for this account or from this address. Try again in {}.",
                    wait_in_words(retry_after)
                )),
                signed_out: false,
            },
            retry_after,
        ),
        Err(other) => Err(other.into()),
    }
}

pub async fn log_out(signed_in: SignedIn, CsrfForm(_): CsrfForm<EmptyForm>) -> HttpResponse {
    signed_in.session.log_out();
    see_other(paths::SIGNED_OUT)
}
