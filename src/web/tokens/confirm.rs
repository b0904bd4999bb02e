//! Regenerate and delete, each behind a confirmation page that names the token and says what
//! follows (the native dialog does the same with JavaScript).

use super::TokenPath;
use super::create::reveal_on_token_page;
use crate::error::AppError;
use crate::services::Services;
use crate::web::csrf::{CsrfForm, EmptyForm};
use crate::web::page::{PageCtx, PageError, render};
use crate::web::paths;
use crate::web::project_page::ProjectPage;
use crate::web::reveal::RevealCipher;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/tokens/confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    heading: String,
    consequence: &'static str,
    button: &'static str,
    danger: bool,
    action_path: String,
    cancel_path: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Regenerate,
    Delete,
}

async fn confirm_page(
    services: &Services,
    page: &ProjectPage,
    token_id: uuid::Uuid,
    confirm: Confirm,
) -> Result<HttpResponse, PageError> {
    let token = services
        .tokens
        .get(&page.actor(), page.project.id, token_id)
        .await?;
    let abilities = page.token_abilities();
    let owner = token.owner.as_ref().map(|o| o.id);
    if !abilities.can_manage(token.kind, owner, token.revoked_at.is_some()) {
        return Err(PageError::Forbidden(
            "Your role lets you view this token but not change it.".into(),
        ));
    }
    if confirm == Confirm::Regenerate && !abilities.self_service() {
        return Err(AppError::PlanRequired {
            plan: page.project.plan,
        }
        .into());
    }
    if confirm == Confirm::Regenerate
        && !abilities.can_regenerate(token.kind, owner, token.revoked_at.is_some())
    {
        return Err(PageError::Forbidden(
            "Only its owner can obtain a personal token's secret: you may delete it, not regenerate it."
                .into(),
        ));
    }
    let slug = &page.project.slug;
    let (heading, consequence, button, action_path) = match confirm {
        Confirm::Regenerate => (
            format!("Regenerate “{}”?", token.name),
            "A new secret will be shown once. The current secret stops working immediately, so every client using it must be updated.",
            "Regenerate",
            paths::regenerate_token(slug, token.id),
        ),
        Confirm::Delete => (
            format!("Delete “{}”?", token.name),
            "Every client using this token loses access immediately. Deletion cannot be undone.",
            "Delete token",
            paths::delete_token(slug, token.id),
        ),
    };
    render(&ConfirmPage {
        ctx: page.ctx(services, "api-tokens", heading.clone()).await?,
        heading,
        consequence,
        button,
        danger: confirm == Confirm::Delete,
        action_path,
        cancel_path: paths::token(slug, token.id),
    })
}

pub async fn confirm_regenerate(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<TokenPath>,
) -> Result<HttpResponse, PageError> {
    confirm_page(&services, &page, path.id, Confirm::Regenerate).await
}

pub async fn confirm_delete(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<TokenPath>,
) -> Result<HttpResponse, PageError> {
    confirm_page(&services, &page, path.id, Confirm::Delete).await
}

pub async fn regenerate_token(
    services: web::Data<Services>,
    cipher: web::Data<RevealCipher>,
    page: ProjectPage,
    path: web::Path<TokenPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let issued = services
        .tokens
        .regenerate(&page.actor(), page.project.id, path.id)
        .await?;
    reveal_on_token_page(&cipher, page.session(), &page, &issued)
}

pub async fn delete_token(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<TokenPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let revoked = services
        .tokens
        .revoke(&page.actor(), page.project.id, path.id)
        .await?;
    Ok(page.done(
        format!(
            "Deleted “{}”. Clients using it no longer have access.",
            revoked.name
        ),
        paths::tokens(&page.project.slug),
    ))
}
