//! First-run setup: the one-time code printed to the log guards the creation of the first
//! super admin.

use super::csrf::CsrfForm;
use super::flash::Flash;
use super::page::{PageCtx, PageError, render, render_held_back, see_other, wait_in_words};
use super::paths;
use super::session::TypedSession;
use crate::accounts::NewUser;
use crate::domain::{Actor, DisplayName, Email, FieldErrors, Password};
use crate::error::AppError;
use crate::services::Services;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::sync::Mutex;

/// The one-time code that guards first-run setup, printed to the log at start.
pub struct SetupCode(Mutex<Option<String>>);

impl SetupCode {
    pub fn new(code: Option<String>) -> Self {
        Self(Mutex::new(code))
    }

    /// Whether `attempt` is the code, whatever its case (the code is upper-case letters and
    /// digits; people type it in lower case); comparison in constant time.
    pub fn matches(&self, attempt: &str) -> bool {
        use subtle::ConstantTimeEq;
        let guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.as_deref().is_some_and(|code| {
            let attempt = attempt.trim().to_ascii_uppercase();
            bool::from(code.as_bytes().ct_eq(attempt.as_bytes()))
        })
    }

    /// Used once: cleared when setup completes.
    pub fn consume(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

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
    session: TypedSession,
) -> Result<HttpResponse, PageError> {
    if services.accounts.count().await? > 0 {
        return Ok(see_other(paths::LOGIN));
    }
    render(&SetupPage {
        ctx: PageCtx::anonymous("Set up Latchkey", Some(&session)),
        email: String::new(),
        display_name: String::new(),
        errors: FieldErrors::new(),
    })
}

pub async fn complete_setup(
    req: HttpRequest,
    services: web::Data<Services>,
    setup_code: web::Data<SetupCode>,
    session: TypedSession,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<HttpResponse, PageError> {
    if services.accounts.count().await? > 0 {
        return Ok(see_other(paths::LOGIN));
    }
    let client = crate::client_address::client_addr(&req);
    if let Err(retry_after) = services
        .throttles
        .check_setup(client)
        .await
        .map_err(AppError::from)?
    {
        let mut errors = FieldErrors::new();
        errors.add(
            "setup_code",
            format!(
                "Too many wrong setup codes from this address. Try again in {}.",
                wait_in_words(retry_after)
            ),
        );
        return render_held_back(
            &SetupPage {
                ctx: PageCtx::anonymous("Set up Latchkey", Some(&session)),
                email: form.email,
                display_name: form.display_name,
                errors,
            },
            retry_after,
        );
    }
    let mut errors = FieldErrors::new();
    if !setup_code.matches(&form.setup_code) {
        services
            .throttles
            .setup_failed(client)
            .await
            .map_err(AppError::from)?;
        errors.add(
            "setup_code",
            "This is not the setup code printed in the server log.",
        );
    }
    let email = errors.take("email", Email::parse(&form.email));
    let display_name = errors.take("display_name", DisplayName::parse(&form.display_name));
    let password = errors.take(
        "password",
        Password::parse(form.password.clone(), &[&form.email, &form.display_name]),
    );
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
    session
        .sign_in(&user, user.credentials_generation)
        .map_err(PageError::Internal)?;
    session.flash(Flash::success(
        "Welcome to Latchkey. Create a project to start issuing tokens.",
    ));
    Ok(see_other(paths::ADMIN))
}

#[cfg(test)]
mod tests {
    use super::SetupCode;

    #[test]
    fn the_setup_code_matches_whatever_its_case_and_surrounding_space() {
        let code = SetupCode::new(Some("ABCD-2345".into()));
        assert!(code.matches("ABCD-2345"));
        assert!(code.matches(" abcd-2345 "));
        assert!(!code.matches("ABCD-2346"));
        code.consume();
        assert!(!code.matches("ABCD-2345"));
    }
}
