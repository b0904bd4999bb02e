//! The signed-in user's own account: details and password change.

use super::auth::SignedIn;
use super::csrf::CsrfForm;
use super::forms::settle;
use super::page::{PageCtx, PageError, render};
use super::paths;
use crate::domain::{FieldErrors, Password};
use crate::services::Services;
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
    render(&AccountPage {
        ctx: signed_in
            .page_ctx(services, None, "account", "Your account")
            .await?,
        email: signed_in.user.email.clone(),
        display_name: signed_in.user.display_name.clone(),
        errors,
    })
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
        Ok(()) => {
            // Every session of the user ended, this one included; keep this browser signed in
            // under a new session id.
            signed_in.renew()?;
            Ok(signed_in.done(
                "Password changed. Every other session has been signed out.",
                paths::ACCOUNT,
            ))
        }
        Err(failure) => show(&services, &signed_in, failure.errors).await,
    }
}
