//! A project's audit log, newest first.

use super::page::{PageCtx, PageError, render};
use super::paths;
use super::project_page::ProjectPage;
use crate::authority::ProjectAbility;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const PAGE_SIZE: u64 = 50;

struct EventRow {
    time: String,
    actor: String,
    action: String,
    target: String,
    details: String,
    client_ip: String,
}

#[derive(Template)]
#[template(path = "pages/audit_log.html")]
struct AuditLogPage {
    ctx: PageCtx,
    rows: Vec<EventRow>,
    previous_page: Option<String>,
    next_page: Option<String>,
}

#[derive(Deserialize)]
pub struct AuditParams {
    page: Option<u64>,
}

pub async fn audit_log_page(
    services: web::Data<Services>,
    page: ProjectPage,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, PageError> {
    let project = &page.project;
    if !page.allows(ProjectAbility::ReadAuditLog) {
        return Err(PageError::Forbidden(
            "The audit log is for admins and owners.".into(),
        ));
    }
    let number = params.page.unwrap_or(1).clamp(1, crate::tokens::MAX_PAGE);
    let total = services.audit.count_for_project(project.id).await?;
    let entries = services
        .audit
        .for_project(
            project.id,
            PAGE_SIZE,
            (number - 1).saturating_mul(PAGE_SIZE),
        )
        .await?;
    let rows = entries
        .into_iter()
        .map(|e| EventRow {
            time: e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor_label,
            action: e.action,
            target: e.target_label,
            details: match &e.details {
                serde_json::Value::Object(map) if map.is_empty() => String::new(),
                other => other.to_string(),
            },
            client_ip: e.client_ip.unwrap_or_default(),
        })
        .collect();
    let base = paths::audit_log(&project.slug);
    render(&AuditLogPage {
        ctx: page.ctx(&services, "audit-log", "Audit log").await?,
        rows,
        previous_page: (number > 1).then(|| format!("{base}?page={}", number - 1)),
        next_page: (number.saturating_mul(PAGE_SIZE) < total)
            .then(|| format!("{base}?page={}", number + 1)),
    })
}
