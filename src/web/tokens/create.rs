//! Creating a token: the form, and the POST that issues the secret and sends the browser to
//! the token's page, which reveals it once.

use super::form::{Matrix, TokenForm, matrix};
use super::plan_notice::PlanNotice;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::services::Services;
use crate::tokens::{IssuedToken, NewToken, NewTokenInput};
use crate::web::csrf::CsrfForm;
use crate::web::forms::{FormFailure, settle};
use crate::web::page::{PageCtx, PageError, render_with_status, see_other};
use crate::web::paths;
use crate::web::project_page::ProjectPage;
use crate::web::reveal::RevealCipher;
use crate::web::session::TypedSession;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;

#[derive(Template)]
#[template(path = "pages/tokens/new.html")]
struct NewTokenPage {
    ctx: PageCtx,
    form: TokenForm,
    errors: FieldErrors,
    general_error: Option<String>,
    matrix: Matrix,
    allow_service: bool,
    action_path: String,
    list_path: String,
    min_date: String,
    plan: PlanNotice,
    durations: Vec<DurationOption>,
    /// What the chosen duration means: "Expires on Jan 1, 2027".
    expiry_preview: String,
    autofocus_name: bool,
}

/// A duration the form offers, with the expiry it gives if chosen now.
struct DurationOption {
    value: &'static str,
    label: &'static str,
    expires: String,
}

/// The form's durations, each with what it means when generated now.
fn durations(now: chrono::DateTime<Utc>) -> Vec<DurationOption> {
    let days = |value: &'static str, label: &'static str, days: i64| DurationOption {
        value,
        label,
        expires: format!(
            "Expires on {}",
            crate::web::dates::date(now + chrono::Duration::days(days))
        ),
    };
    vec![
        days("7", "7 days", 7),
        days("30", "30 days", 30),
        days("90", "90 days", 90),
        days("180", "180 days", 180),
        DurationOption {
            value: "unlimited",
            label: "Unlimited",
            expires: "Never expires: rotate it yourself from time to time".into(),
        },
        DurationOption {
            value: "custom",
            label: "Custom date",
            expires: "Expires at the end of the day you choose (UTC)".into(),
        },
    ]
}

async fn show(
    services: &Services,
    page: &ProjectPage,
    form: TokenForm,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let content_types = services.projects.content_types(page.project.id).await?;
    let now = Utc::now();
    let durations = durations(now);
    let expiry_preview = durations
        .iter()
        .find(|option| option.value == form.duration)
        .map(|option| option.expires.clone())
        .unwrap_or_default();
    render_with_status(
        &NewTokenPage {
            ctx: page.ctx(services, "api-tokens", "Create API token").await?,
            matrix: matrix(&content_types, &form),
            allow_service: page.token_abilities().can_create_service_tokens(),
            action_path: paths::tokens(&page.project.slug),
            list_path: paths::tokens(&page.project.slug),
            min_date: (now + chrono::Duration::days(1))
                .format("%Y-%m-%d")
                .to_string(),
            plan: PlanNotice::of(services, page).await?,
            durations,
            expiry_preview,
            autofocus_name: failure.errors.is_empty(),
            form,
            errors: failure.errors,
            general_error: failure.general_error,
        },
        failure.status,
    )
}

pub async fn new_token_form(
    services: web::Data<Services>,
    page: ProjectPage,
) -> Result<HttpResponse, PageError> {
    let abilities = page.token_abilities();
    if !abilities.self_service() {
        return Err(AppError::PlanRequired {
            plan: page.project.plan,
        }
        .into());
    }
    if !abilities.can_create() {
        return Err(PageError::Forbidden(
            "Your role can view tokens but not create them.".into(),
        ));
    }
    let form = TokenForm {
        duration: "30".into(),
        token_type: "read-only".into(),
        kind: if abilities.can_create_service_tokens() {
            "service"
        } else {
            "personal"
        }
        .into(),
        ..TokenForm::default()
    };
    show(&services, &page, form, FormFailure::none()).await
}

pub async fn create_token(
    services: web::Data<Services>,
    cipher: web::Data<RevealCipher>,
    page: ProjectPage,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::new();
    let duration = form.duration_input(&mut errors);
    let input = NewTokenInput {
        name: form.name.clone(),
        description: form.description.clone(),
        kind: form.kind.clone(),
        token_type: form.token_type.clone(),
        permissions: form.chosen_permissions().unwrap_or_default(),
        duration,
    };
    let created = match (NewToken::parse(input, Utc::now()), errors.is_empty()) {
        (Ok(new), true) => {
            services
                .tokens
                .create(&page.actor(), page.project.id, new)
                .await
        }
        (Ok(_), false) => Err(AppError::Validation(errors)),
        (Err(mut parsed_errors), _) => {
            parsed_errors.merge(errors);
            Err(AppError::Validation(parsed_errors))
        }
    };
    match created {
        Err(error @ AppError::PlanRequired { .. }) => Err(error.into()),
        other => match settle(other)? {
            Ok(issued) => reveal_on_token_page(&cipher, page.session(), &page, &issued),
            Err(failure) => show(&services, &page, form, failure).await,
        },
    }
}

/// Seals the new secret into the session and sends the browser to the token's page, which
/// shows it once (POST/redirect/GET: a reload repeats the GET, never the POST).
pub(super) fn reveal_on_token_page(
    cipher: &RevealCipher,
    session: &TypedSession,
    page: &ProjectPage,
    issued: &IssuedToken,
) -> Result<HttpResponse, PageError> {
    cipher
        .stash(session, issued.token.id, issued.secret.expose_secret())
        .map_err(PageError::Internal)?;
    Ok(see_other(paths::token(&page.project.slug, issued.token.id)))
}
