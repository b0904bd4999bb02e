//! A project's audit log as a timeline: newest first, in words, filtered by actor, action,
//! token and dates, in numbered pages, and exported as CSV or JSON Lines with the same filter.

use super::audit_view::{EventView, action_label, events};
use super::page::{PageCtx, PageError, render};
use super::pagination::{Pagination, counted};
use super::paths;
use super::project_page::ProjectPage;
use crate::audit::{AuditEntry, AuditFilter};
use crate::authority::ProjectAbility;
use crate::services::Services;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

const PAGE_SIZE: u64 = 50;

/// An export holds at most this many entries (the newest); narrow the filter for older ones.
const EXPORT_LIMIT: u64 = 50_000;

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "pages/audit_log.html")]
struct AuditLogPage {
    ctx: PageCtx,
    events: Vec<EventView>,
    filtered: bool,
    pagination: Pagination,
    count_label: String,
    actors: Vec<Choice>,
    actions: Vec<Choice>,
    params: AuditParams,
    list_path: String,
    export_csv: String,
    export_jsonl: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditParams {
    page: Option<u64>,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    /// A token's id: its history.
    #[serde(default)]
    token: String,
    /// First day shown, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    from: String,
    /// Last day shown, `YYYY-MM-DD` (UTC), included.
    #[serde(default)]
    to: String,
    /// The export's format: `csv` or `jsonl`.
    #[serde(default)]
    format: String,
}

impl AuditParams {
    fn filter(&self) -> Result<AuditFilter, PageError> {
        let day = |raw: &str, field: &str| -> Result<Option<NaiveDate>, PageError> {
            match raw.trim() {
                "" => Ok(None),
                raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| {
                        PageError::BadRequest(format!("The {field} date must read YYYY-MM-DD."))
                    }),
            }
        };
        let id = |raw: &str, field: &str| -> Result<Option<Uuid>, PageError> {
            match raw.trim() {
                "" => Ok(None),
                raw => raw.parse().map(Some).map_err(|_| {
                    PageError::BadRequest(format!("The {field} filter is not an id."))
                }),
            }
        };
        Ok(AuditFilter {
            actor_id: id(&self.actor, "actor")?,
            action: Some(self.action.trim().to_owned()).filter(|a| !a.is_empty()),
            target_id: id(&self.token, "token")?.map(|id| id.to_string()),
            since: day(&self.from, "from")?
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
            before: day(&self.to, "to")?
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
        })
    }

    /// The filter as URL parameters, for page links and exports.
    fn query(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("token", &self.token),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(key, value)| format!("{key}={}", paths::url_encode(value.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn with(&self, extra: &str) -> String {
        match (self.query(), extra) {
            (query, "") => query,
            (query, extra) if query.is_empty() => extra.to_owned(),
            (query, extra) => format!("{query}&{extra}"),
        }
    }
}

fn allowed(page: &ProjectPage) -> Result<(), PageError> {
    if page.allows(ProjectAbility::ReadAuditLog) {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "The audit log is for admins and owners.".into(),
        ))
    }
}

pub async fn audit_log_page(
    services: web::Data<Services>,
    page: ProjectPage,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, PageError> {
    allowed(&page)?;
    let project = &page.project;
    let params = params.into_inner();
    let filter = params.filter()?;
    let total = services
        .audit
        .count_for_project(project.id, &filter)
        .await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let number = params.page.unwrap_or(1).clamp(1, pages);
    let entries = services
        .audit
        .for_project(project.id, &filter, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        .await?;
    let facets = services.audit.facets(project.id).await?;
    let base = paths::audit_log(&project.slug);
    let export = paths::audit_log_export(&project.slug);
    render(&AuditLogPage {
        ctx: page.ctx(&services, "audit-log", "Audit log").await?,
        events: events(&services, entries, &project.slug).await?,
        filtered: !params.query().is_empty(),
        pagination: Pagination::new(number, pages, |n| {
            format!("{base}?{}", params.with(&format!("page={n}")))
        }),
        count_label: counted(total, "event"),
        actors: facets
            .actors
            .into_iter()
            .map(|(id, label)| Choice {
                selected: params.actor.trim() == id.to_string(),
                value: id.to_string(),
                label,
            })
            .collect(),
        actions: facets
            .actions
            .into_iter()
            .map(|action| Choice {
                selected: params.action.trim() == action,
                label: action_label(&action).to_owned(),
                value: action,
            })
            .collect(),
        export_csv: format!("{export}?{}", params.with("format=csv")),
        export_jsonl: format!("{export}?{}", params.with("format=jsonl")),
        list_path: base,
        params,
    })
}

/// The filtered log as a file: CSV for spreadsheets, JSON Lines for log pipelines.
pub async fn export_audit_log(
    services: web::Data<Services>,
    page: ProjectPage,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, PageError> {
    allowed(&page)?;
    let filter = params.filter()?;
    let entries = services
        .audit
        .for_project(page.project.id, &filter, EXPORT_LIMIT, 0)
        .await?;
    let (content_type, extension, body) = match params.format.as_str() {
        "csv" => ("text/csv; charset=utf-8", "csv", csv(&entries)),
        "jsonl" => (
            "application/jsonl; charset=utf-8",
            "jsonl",
            json_lines(&entries),
        ),
        _ => {
            return Err(PageError::BadRequest(
                "Choose the export format: csv or jsonl.".into(),
            ));
        }
    };
    let name = format!(
        "latchkey-audit-{}-{}.{extension}",
        page.project.slug,
        Utc::now().format("%Y%m%d")
    );
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

const CSV_COLUMNS: [&str; 9] = [
    "time",
    "actor_kind",
    "actor",
    "action",
    "target_kind",
    "target_id",
    "target",
    "client_ip",
    "details",
];

fn csv(entries: &[AuditEntry]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for entry in entries {
        let cells = [
            entry
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            entry.actor_kind.clone(),
            entry.actor_label.clone(),
            entry.action.clone(),
            entry.target_kind.clone(),
            entry.target_id.clone().unwrap_or_default(),
            entry.target_label.clone(),
            entry.client_ip.clone().unwrap_or_default(),
            entry.details.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quoted as RFC 4180 asks; a cell a spreadsheet would run as a formula (a token named
/// `=HYPERLINK(…)`) is prefixed with `'` so it stays text.
fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn json_lines(entries: &[AuditEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let line = serde_json::json!({
            "id": entry.id,
            "time": entry.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "actor": {"kind": entry.actor_kind, "id": entry.actor_id, "label": entry.actor_label},
            "action": entry.action,
            "target": {"kind": entry.target_kind, "id": entry.target_id, "label": entry.target_label},
            "client_ip": entry.client_ip,
            "details": entry.details,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_never_run_as_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
