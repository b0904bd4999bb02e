//! A token's page: its details, the edit form, and the one-time reveal after a create or a
//! regenerate.

use super::form::{Matrix, TokenForm, matrix};
use super::{TokenPath, creator, kind_label, status_of, type_class};
use crate::audit::AuditFilter;
use crate::authority::ProjectAbility;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::services::Services;
use crate::tokens::{TokenChangesInput, TokenView};
use crate::web::audit_view::{EventView, events};
use crate::web::csrf::CsrfForm;
use crate::web::dates::Moment;
use crate::web::devices::client_of;
use crate::web::forms::{FormFailure, settle};
use crate::web::page::{PageCtx, PageError, render_with_status};
use crate::web::paths;
use crate::web::project_page::ProjectPage;
use crate::web::reveal::RevealCipher;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/tokens/edit.html")]
struct EditTokenPage {
    ctx: PageCtx,
    token_name: String,
    form: TokenForm,
    errors: FieldErrors,
    general_error: Option<String>,
    matrix: Matrix,
    reveal: Option<String>,
    editable: bool,
    regenerable: bool,
    manageable: bool,
    read_only_reason: Option<&'static str>,
    kind_label: &'static str,
    type_label: &'static str,
    type_class: &'static str,
    duration: String,
    created: Moment,
    last_used: Option<Moment>,
    expires: Option<Moment>,
    clients: Vec<ClientRow>,
    events: Vec<EventView>,
    autofocus_name: bool,
    /// The audit log filtered to this token, for whoever may read it.
    history_path: Option<String>,
    status_class: &'static str,
    status_label: &'static str,
    creator: String,
    owner: Option<String>,
    display_hint: String,
    action_path: String,
    regenerate_path: String,
    delete_path: String,
    list_path: String,
}

/// One of the token's recent clients.
struct ClientRow {
    address: String,
    client: String,
    agent: String,
    seen: Moment,
}

/// The token's page shows this many of its latest events; the audit log has the rest.
const HISTORY_SHOWN: u64 = 10;

async fn show(
    services: &Services,
    page: &ProjectPage,
    token: &TokenView,
    form: TokenForm,
    failure: FormFailure,
    reveal: Option<String>,
) -> Result<HttpResponse, PageError> {
    let abilities = page.token_abilities();
    let owner = token.owner.as_ref().map(|o| o.id);
    let manageable = abilities.can_manage(token.kind, owner, token.revoked_at.is_some());
    let editable = manageable && abilities.self_service();
    let read_only_reason = if token.revoked_at.is_some() {
        Some("This token has been deleted; it can no longer be changed.")
    } else if !abilities.self_service() {
        Some(
            "API token management needs the Professional or Professional Unlimited plan; this token can still be deleted.",
        )
    } else if !manageable {
        Some("Your role lets you view this token but not change it.")
    } else {
        None
    };
    let content_types = services.projects.content_types(page.project.id).await?;
    let (status_class, status_label) = status_of(token);
    let slug = &page.project.slug;
    let now = chrono::Utc::now();
    let reads_audit_log = page.allows(ProjectAbility::ReadAuditLog);
    let entries = services
        .audit
        .for_project(
            page.project.id,
            &AuditFilter {
                target_id: Some(token.id.to_string()),
                ..AuditFilter::default()
            },
            HISTORY_SHOWN,
            0,
        )
        .await?;
    let history = events(services, entries, slug)
        .await?
        .into_iter()
        // Who may see the token sees its history; where people were when they changed it
        // is for those who may read the audit log.
        .map(|event| EventView {
            client_ip: event.client_ip.filter(|_| reads_audit_log),
            ..event
        })
        .collect();
    render_with_status(
        &EditTokenPage {
            ctx: page.ctx(services, "api-tokens", token.name.clone()).await?,
            token_name: token.name.clone(),
            matrix: matrix(&content_types, &form),
            reveal,
            editable,
            regenerable: abilities.can_regenerate(token.kind, owner, token.revoked_at.is_some()),
            manageable,
            read_only_reason,
            kind_label: kind_label(token.kind),
            type_label: token.token_type.label(),
            type_class: type_class(token.token_type),
            duration: token.duration.describe(),
            created: Moment::of(token.created_at, now),
            last_used: token.last_used_at.map(|at| Moment::of(at, now)),
            expires: token.expires_at.map(|at| Moment::of(at, now)),
            clients: token
                .recent_clients
                .iter()
                .map(|client| ClientRow {
                    address: client
                        .ip
                        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
                    client: client_of(client.agent.as_deref()),
                    agent: client.agent.clone().unwrap_or_default(),
                    seen: Moment::of(client.at, now),
                })
                .collect(),
            events: history,
            autofocus_name: false,
            history_path: reads_audit_log
                .then(|| format!("{}?token={}", paths::audit_log(slug), token.id)),
            status_class,
            status_label,
            creator: creator(token),
            owner: token.owner.as_ref().map(|o| o.label.clone()),
            display_hint: token.display_hint.clone(),
            regenerate_path: paths::regenerate_token(slug, token.id),
            delete_path: paths::delete_token(slug, token.id),
            action_path: paths::token(slug, token.id),
            list_path: paths::tokens(slug),
            form,
            errors: failure.errors,
            general_error: failure.general_error,
        },
        failure.status,
    )
}

pub async fn edit_token_form(
    services: web::Data<Services>,
    cipher: web::Data<RevealCipher>,
    page: ProjectPage,
    path: web::Path<TokenPath>,
) -> Result<HttpResponse, PageError> {
    // Taken before anything else renders, so it is shown at most once, and only here.
    let reveal = cipher
        .take(page.session())
        .filter(|r| r.token_id == path.id)
        .map(|r| r.secret);
    let token = services
        .tokens
        .get(&page.actor(), page.project.id, path.id)
        .await?;
    let form = TokenForm::of(&token);
    show(&services, &page, &token, form, FormFailure::none(), reveal).await
}

pub async fn update_token(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<TokenPath>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let changes = TokenChangesInput {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        token_type: Some(form.token_type.clone()),
        permissions: form.chosen_permissions(),
    };
    let updated = services
        .tokens
        .update(&page.actor(), page.project.id, path.id, changes)
        .await;
    match updated {
        Err(error @ (AppError::NotFound | AppError::PlanRequired { .. })) => Err(error.into()),
        other => match settle(other)? {
            Ok(token) => Ok(page.done(
                format!("Saved “{}”.", token.name),
                paths::token(&page.project.slug, token.id),
            )),
            Err(failure) => {
                let token = services
                    .tokens
                    .get(&page.actor(), page.project.id, path.id)
                    .await?;
                show(&services, &page, &token, form, failure, None).await
            }
        },
    }
}
