//! First-run setup, sign-in and sign-out.

use super::auth::{SetupCode, SignedIn, client_ip, sign_in};
use super::csrf::CsrfForm;
use super::flash;
use super::page::{PageCtx, PageError, render, see_other};
use crate::accounts::NewUser;
use crate::domain::{Actor, DisplayName, Email, FieldErrors, Password};
use crate::error::AppError;
use crate::startup::Services;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/setup.html")]
struct SetupPage {
    ctx: PageCtx,
    email: String,
    display_name: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct SetupForm {
    setup_code: String,
    email: String,
    display_name: String,
    password: String,
    password_confirmation: String,
}

pub async fn setup_form(
    services: web::Data<Services>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    if services.accounts.count().await? > 0 {
        return Ok(see_other("/login"));
    }
    render(&SetupPage {
        ctx: PageCtx::anonymous("Set up Latchkey", Some(&session)),
        email: String::new(),
        display_name: String::new(),
        errors: FieldErrors::new(),
    })
}

pub async fn complete_setup(
    services: web::Data<Services>,
    setup_code: web::Data<SetupCode>,
    session: Session,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<HttpResponse, PageError> {
    if services.accounts.count().await? > 0 {
        return Ok(see_other("/login"));
    }
    let mut errors = FieldErrors::new();
    if !setup_code.matches(&form.setup_code) {
        errors.add(
            "setup_code",
            "This is not the setup code printed in the server log.",
        );
    }
    let email = errors.take("email", Email::parse(&form.email));
    let display_name = errors.take("display_name", DisplayName::parse(&form.display_name));
    let password = errors.take("password", Password::parse(form.password.clone()));
    if form.password != form.password_confirmation {
        errors.add("password_confirmation", "The passwords differ.");
    }
    let (Some(email), Some(display_name), Some(password), true) =
        (email, display_name, password, errors.is_empty())
    else {
        return render(&SetupPage {
            ctx: PageCtx::anonymous("Set up Latchkey", Some(&session)),
            email: form.email,
            display_name: form.display_name,
            errors,
        });
    };
    let user = services
        .accounts
        .create_user(
            &Actor::system(),
            NewUser {
                email,
                display_name,
                password,
                is_super_admin: true,
            },
        )
        .await?;
    setup_code.consume();
    sign_in(&session, user.id)?;
    flash::success(
        &session,
        "Welcome to Latchkey. Create a project to start issuing tokens.",
    );
    Ok(see_other("/admin"))
}

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
    session: Session,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, PageError> {
    if services.accounts.count().await? == 0 {
        return Ok(see_other("/setup"));
    }
    if session
        .get::<uuid::Uuid>(super::session_store::USER_ID_KEY)
        .ok()
        .flatten()
        .is_some()
    {
        return Ok(see_other("/"));
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
    session: Session,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    match services
        .accounts
        .authenticate(&form.email, &form.password, client_ip(&req))
        .await
    {
        Ok(user) => {
            sign_in(&session, user.id)?;
            Ok(see_other("/"))
        }
        Err(AppError::Unauthenticated(_)) => render(&LoginPage {
            ctx: PageCtx::anonymous("Sign in", Some(&session)),
            email: form.email,
            error: Some("Wrong email or password.".into()),
            signed_out: false,
        }),
        Err(other) => Err(other.into()),
    }
}

pub async fn log_out(signed_in: SignedIn, CsrfForm(_): CsrfForm<EmptyForm>) -> HttpResponse {
    signed_in.session.purge();
    see_other("/login?signed_out=1")
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct EmptyForm {}
