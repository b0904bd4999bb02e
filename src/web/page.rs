//! What every page shares (the signed-in user, the project switcher and navigation, flash,
//! CSRF token), the HTML error type, and rendering with the right headers.

use super::flash::Flash;
use super::paths;
use super::session::TypedSession;
use crate::accounts::User;
use crate::authority::ProjectAbility;
use crate::domain::{Plan, ProjectAccess};
use crate::error::AppError;
use crate::projects::Project;
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

pub struct UserNav {
    pub display_name: String,
    pub email: String,
    pub is_super_admin: bool,
}

pub struct ProjectLink {
    pub slug: String,
    pub name: String,
    pub current: bool,
}

impl ProjectLink {
    pub fn tokens_path(&self) -> String {
        paths::tokens(&self.slug)
    }
}

pub struct ProjectNav {
    pub slug: String,
    pub name: String,
    pub plan: Plan,
    pub access: ProjectAccess,
}

impl ProjectNav {
    pub fn role_label(&self) -> &'static str {
        self.access.label()
    }

    pub fn reads_audit_log(&self) -> bool {
        ProjectAbility::ReadAuditLog.allowed(self.access)
    }

    pub fn tokens_path(&self) -> String {
        paths::tokens(&self.slug)
    }

    pub fn content_types_path(&self) -> String {
        paths::content_types(&self.slug)
    }

    pub fn members_path(&self) -> String {
        paths::members(&self.slug)
    }

    pub fn audit_log_path(&self) -> String {
        paths::audit_log(&self.slug)
    }
}

/// Shared by every page template (`ctx` in templates).
pub struct PageCtx {
    pub title: String,
    pub user: Option<UserNav>,
    pub projects: Vec<ProjectLink>,
    pub project: Option<ProjectNav>,
    /// The active navigation entry: "api-tokens", "content-types", "members", "audit-log",
    /// "projects", "account" or "admin".
    pub section: &'static str,
    pub flash: Option<Flash>,
    pub csrf_token: String,
    /// The request's id, shown on error pages so a report leads to the log lines.
    pub request_id: Option<String>,
    /// The `data-theme` of the page: the user's choice, "system" when nobody is signed in.
    pub theme: &'static str,
}

impl PageCtx {
    /// For pages without a signed-in user (sign-in, setup, errors).
    pub fn anonymous(title: impl Into<String>, session: Option<&TypedSession>) -> Self {
        if let Some(session) = session {
            session.drop_reveal();
        }
        Self {
            title: title.into(),
            user: None,
            projects: Vec::new(),
            project: None,
            section: "",
            flash: session.and_then(TypedSession::take_flash),
            csrf_token: session.map(TypedSession::csrf_token).unwrap_or_default(),
            request_id: crate::telemetry::current_request_id().map(|id| id.to_string()),
            theme: crate::domain::Theme::System.as_str(),
        }
    }

    /// For a signed-in user's page, in `project` if it belongs to one (see `SignedIn::ctx`).
    pub async fn for_user(
        services: &Services,
        user: &User,
        session: &TypedSession,
        project: Option<(&Project, ProjectAccess)>,
        section: &'static str,
        title: impl Into<String>,
    ) -> Result<Self, PageError> {
        // A reveal not taken by its token's page (which takes it before rendering) ends here.
        session.drop_reveal();
        let current_slug = project.map(|(p, _)| p.slug.as_str());
        let projects = services
            .projects
            .for_user(user.id, user.is_super_admin)
            .await?
            .into_iter()
            .map(|(p, _)| ProjectLink {
                current: Some(p.slug.as_str()) == current_slug,
                slug: p.slug,
                name: p.name,
            })
            .collect();
        Ok(Self {
            title: title.into(),
            user: Some(UserNav {
                display_name: user.display_name.clone(),
                email: user.email.clone(),
                is_super_admin: user.is_super_admin,
            }),
            projects,
            project: project.map(|(p, access)| ProjectNav {
                slug: p.slug.clone(),
                name: p.name.clone(),
                plan: p.plan,
                access,
            }),
            section,
            flash: session.take_flash(),
            csrf_token: session.csrf_token(),
            request_id: crate::telemetry::current_request_id().map(|id| id.to_string()),
            theme: user.theme.as_str(),
        })
    }
}

/// Renders a page. Nothing the dashboard serves may be cached: pages can carry a secret
/// (the reveal banner) or per-user data.
pub fn render(template: &impl Template) -> Result<HttpResponse, PageError> {
    render_with_status(template, StatusCode::OK)
}

/// A page answered 429 with `Retry-After`: the form shown again, saying how long to wait.
pub fn render_held_back(
    template: &impl Template,
    retry_after: std::time::Duration,
) -> Result<HttpResponse, PageError> {
    let mut page = render_with_status(template, StatusCode::TOO_MANY_REQUESTS)?;
    page.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(crate::error::retry_after_seconds(retry_after)),
    );
    Ok(page)
}

/// "3 minutes", rounded up, for a held-back form.
pub fn wait_in_words(retry_after: std::time::Duration) -> String {
    let minutes = crate::error::retry_after_seconds(retry_after).div_ceil(60);
    format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
}

pub fn render_with_status(
    template: &impl Template,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let body = template
        .render()
        .map_err(|e| PageError::Internal(anyhow::anyhow!("rendering a template failed: {e}")))?;
    Ok(html_response(status, body))
}

fn html_response(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ))
        .body(body)
}

/// A redirect after a POST (303, so the browser follows with a GET).
pub fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.into()))
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .finish()
}

/// Why a page could not be shown. Rendered as the HTML error page in the dashboard layout.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("sign-in required")]
    LoginRequired,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("the form has expired")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => Self::NotFound,
            AppError::Unauthenticated(_) => Self::LoginRequired,
            AppError::Forbidden { message, .. } => {
                crate::security_event!(
                    info,
                    "authorization_denied",
                    reason = %message,
                    "refused: the signed-in user may not do this"
                );
                Self::Forbidden(message)
            }
            AppError::PlanRequired { .. } => Self::Forbidden(
                "API token management needs the Professional or Professional Unlimited plan."
                    .into(),
            ),
            AppError::PlanLimitReached { cap } => Self::Forbidden(format!(
                "This project has reached its plan's limit of {cap} active tokens."
            )),
            AppError::Validation(fields) => Self::BadRequest(fields.to_string()),
            AppError::Conflict { message, .. } => Self::BadRequest(message),
            AppError::RateLimited { .. } => Self::BadRequest(
                "Too many failed attempts. Wait a few minutes and try again.".into(),
            ),
            AppError::Unavailable(_) => Self::Unavailable,
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    heading: String,
    message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::LoginRequired => StatusCode::SEE_OTHER,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self.heading_and_message() {
            Some((heading, message)) => self.page(PageCtx::anonymous(heading, None), message),
            None => see_other(paths::LOGIN),
        }
    }
}

impl PageError {
    /// The page's heading and message; None for a sign-in redirect, which has no page.
    fn heading_and_message(&self) -> Option<(&'static str, String)> {
        Some(match self {
            Self::LoginRequired => return None,
            Self::NotFound => (
                "Page not found",
                "There is nothing here, or you do not have access to it.".to_owned(),
            ),
            Self::MethodNotAllowed => (
                "Method not allowed",
                "This page does not take that kind of request.".to_owned(),
            ),
            Self::Forbidden(message) => ("Not allowed", message.clone()),
            Self::Csrf => (
                "Form expired",
                "This form was opened in an older session. Go back, reload the page and try again."
                    .to_owned(),
            ),
            Self::BadRequest(message) => ("Request not understood", message.clone()),
            Self::Unavailable => (
                "Temporarily unavailable",
                "The database cannot be reached. Try again in a moment.".to_owned(),
            ),
            Self::Internal(error) => {
                tracing::error!(error = ?error, "dashboard request failed");
                (
                    "Something went wrong",
                    "An unexpected error occurred; it has been logged.".to_owned(),
                )
            }
        })
    }

    /// The heading and message of a page that `web::error_pages` renders again around the
    /// signed-in user: not a sign-in redirect, and not an internal error (logged once, when
    /// first rendered; the user's page may be what failed).
    pub(super) fn shown_again(&self) -> Option<(&'static str, String)> {
        match self {
            Self::LoginRequired | Self::Internal(_) | Self::Unavailable => None,
            other => other.heading_and_message(),
        }
    }

    /// The error page with `ctx`: anonymous, or a signed-in user's navigation.
    pub(super) fn page(&self, ctx: PageCtx, message: String) -> HttpResponse {
        let status = self.status_code();
        let heading = ctx.title.clone();
        let page = ErrorPage {
            ctx,
            status: status.as_u16(),
            heading: heading.clone(),
            message,
        };
        let mut response = match page.render() {
            Ok(body) => html_response(status, body),
            Err(_) => HttpResponse::build(status).body(heading),
        };
        if matches!(self, Self::Unavailable) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}
