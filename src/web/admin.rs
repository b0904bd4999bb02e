//! The super-admin page: every project with its plan, every user.

use super::auth::SignedIn;
use super::csrf::{CsrfForm, EmptyForm};
use super::forms::{FormFailure, settle};
use super::page::{PageCtx, PageError, render_with_status};
use super::paths;
use crate::accounts::NewUser;
use crate::authority::require_super_admin;
use crate::domain::{DisplayName, Email, FieldErrors, Password, Plan, ProjectName, ProjectSlug};
use crate::projects::NewProject;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

struct PlanOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn plan_options(selected: Plan) -> Vec<PlanOption> {
    Plan::ALL
        .iter()
        .map(|plan| PlanOption {
            value: plan.as_str(),
            label: plan.label(),
            selected: *plan == selected,
        })
        .collect()
}

struct ProjectRow {
    name: String,
    slug: String,
    plans: Vec<PlanOption>,
    token_cap: String,
    plan_path: String,
    tokens_path: String,
}

struct UserRow {
    email: String,
    display_name: String,
    is_super_admin: bool,
    disabled: bool,
    is_self: bool,
    status_path: String,
    sessions_end_path: String,
}

#[derive(Default, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    owner: String,
}

#[derive(Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    super_admin: Option<String>,
}

#[derive(Deserialize)]
pub struct PlanForm {
    plan: String,
    #[serde(default)]
    token_cap: String,
    /// "tokens" when sent from a project's token list, which the browser returns to.
    #[serde(default)]
    back: String,
}

#[derive(Deserialize)]
pub struct StatusForm {
    disabled: String,
}

/// The page's two forms, each with why its last submission was refused.
struct AdminForms {
    project: ProjectForm,
    project_failure: FormFailure,
    user: UserForm,
    user_failure: FormFailure,
}

impl AdminForms {
    fn fresh() -> Self {
        Self::project(ProjectForm::default(), FormFailure::none())
    }

    fn project(project: ProjectForm, project_failure: FormFailure) -> Self {
        Self {
            project,
            project_failure,
            user: UserForm::default(),
            user_failure: FormFailure::none(),
        }
    }

    fn user(user: UserForm, user_failure: FormFailure) -> Self {
        Self {
            user,
            user_failure,
            ..Self::fresh()
        }
    }
}

#[derive(Template)]
#[template(path = "pages/admin.html")]
struct AdminPage {
    ctx: PageCtx,
    projects: Vec<ProjectRow>,
    users: Vec<UserRow>,
    project_form: ProjectForm,
    new_plans: Vec<PlanOption>,
    project_errors: FieldErrors,
    user_form: UserForm,
    user_errors: FieldErrors,
}

/// The Administration page exists for super admins only: for anyone else it is not found.
fn super_admin_only(signed_in: &SignedIn) -> Result<(), PageError> {
    require_super_admin(&signed_in.actor()).map_err(|_| PageError::NotFound)
}

async fn show(
    services: &Services,
    signed_in: &SignedIn,
    forms: AdminForms,
) -> Result<HttpResponse, PageError> {
    let projects = services
        .projects
        .list_all()
        .await?
        .into_iter()
        .map(|p| ProjectRow {
            plans: plan_options(p.plan),
            token_cap: p.token_cap.map(|c| c.to_string()).unwrap_or_default(),
            plan_path: paths::admin_plan(p.id),
            tokens_path: paths::tokens(&p.slug),
            name: p.name,
            slug: p.slug,
        })
        .collect();
    let users = services
        .accounts
        .list()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_self: u.id == signed_in.user.id,
            status_path: paths::admin_user_status(u.id),
            sessions_end_path: paths::admin_user_sessions_end(u.id),
            email: u.email,
            display_name: u.display_name,
            is_super_admin: u.is_super_admin,
            disabled: u.disabled,
        })
        .collect();
    let new_plans = plan_options(Plan::parse(&forms.project.plan).unwrap_or(Plan::Professional));
    let status = forms.project_failure.status.max(forms.user_failure.status);
    render_with_status(
        &AdminPage {
            ctx: signed_in
                .page_ctx(services, None, "admin", "Administration")
                .await?,
            projects,
            users,
            project_form: forms.project,
            new_plans,
            project_errors: forms.project_failure.errors,
            user_form: forms.user,
            user_errors: forms.user_failure.errors,
        },
        status,
    )
}

pub async fn admin_page(
    services: web::Data<Services>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    super_admin_only(&signed_in)?;
    show(&services, &signed_in, AdminForms::fresh()).await
}

pub async fn create_project(
    services: web::Data<Services>,
    signed_in: SignedIn,
    CsrfForm(form): CsrfForm<ProjectForm>,
) -> Result<HttpResponse, PageError> {
    super_admin_only(&signed_in)?;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", ProjectName::parse(&form.name));
    let slug = errors.take("slug", ProjectSlug::parse(&form.slug));
    let plan = errors.take("plan", Plan::parse(&form.plan));
    let owner = if form.owner.trim().is_empty() {
        Some(None)
    } else {
        errors.take("owner", Email::parse(&form.owner)).map(Some)
    };
    let (Some(name), Some(slug), Some(plan), Some(owner)) = (name, slug, plan, owner) else {
        let forms = AdminForms::project(form, FormFailure::invalid(errors));
        return show(&services, &signed_in, forms).await;
    };
    let new = NewProject {
        name,
        slug,
        plan,
        owner,
    };
    match settle(services.projects.create(&signed_in.actor(), new).await)? {
        Ok(project) => Ok(signed_in.done(
            format!("Created the project “{}”.", project.name),
            paths::ADMIN,
        )),
        Err(failure) => show(&services, &signed_in, AdminForms::project(form, failure)).await,
    }
}

pub async fn set_plan(
    services: web::Data<Services>,
    signed_in: SignedIn,
    project_id: web::Path<Uuid>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Result<HttpResponse, PageError> {
    super_admin_only(&signed_in)?;
    let plan = Plan::parse(&form.plan).map_err(PageError::BadRequest)?;
    let cap = match form.token_cap.trim() {
        "" => None,
        raw => Some(
            raw.parse::<u32>()
                .ok()
                .filter(|cap| *cap > 0)
                .ok_or_else(|| {
                    PageError::BadRequest("The token cap must be a positive whole number.".into())
                })?,
        ),
    };
    let project = services
        .projects
        .set_plan(&signed_in.actor(), *project_id, plan, cap)
        .await?;
    // A fixed choice of where to go, never a URL from the form.
    let back = match form.back.as_str() {
        "tokens" => paths::tokens(&project.slug),
        _ => paths::ADMIN.to_owned(),
    };
    Ok(signed_in.done(
        format!("“{}” is now on the {} plan.", project.name, plan.label()),
        back,
    ))
}

pub async fn create_user(
    services: web::Data<Services>,
    signed_in: SignedIn,
    CsrfForm(form): CsrfForm<UserForm>,
) -> Result<HttpResponse, PageError> {
    super_admin_only(&signed_in)?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(&form.email));
    let display_name = errors.take("display_name", DisplayName::parse(&form.display_name));
    let password = errors.take(
        "password",
        Password::parse(form.password.clone(), &[&form.email, &form.display_name]),
    );
    let (Some(email), Some(display_name), Some(password)) = (email, display_name, password) else {
        let forms = AdminForms::user(form, FormFailure::invalid(errors));
        return show(&services, &signed_in, forms).await;
    };
    let new = NewUser {
        email,
        display_name,
        password,
        is_super_admin: form.super_admin.is_some(),
    };
    match settle(services.accounts.create_user(&signed_in.actor(), new).await)? {
        Ok(user) => Ok(signed_in.done(format!("Created the user {}.", user.email), paths::ADMIN)),
        Err(failure) => show(&services, &signed_in, AdminForms::user(form, failure)).await,
    }
}

pub async fn set_user_status(
    services: web::Data<Services>,
    signed_in: SignedIn,
    user_id: web::Path<Uuid>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<HttpResponse, PageError> {
    super_admin_only(&signed_in)?;
    if *user_id == signed_in.user.id {
        return Err(PageError::BadRequest(
            "You cannot disable your own account.".into(),
        ));
    }
    let disabled = form.disabled == "true";
    let user = services
        .accounts
        .set_disabled(&signed_in.actor(), *user_id, disabled)
        .await?;
    let message = if disabled {
        format!(
            "Disabled {}: their sessions and personal tokens stopped working.",
            user.email
        )
    } else {
        format!("Enabled {}.", user.email)
    };
    Ok(signed_in.done(message, paths::ADMIN))
}

/// Ends every session and login access token of another user (a lost laptop, a leaver).
pub async fn end_user_sessions(
    services: web::Data<Services>,
    signed_in: SignedIn,
    user_id: web::Path<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    super_admin_only(&signed_in)?;
    let user = services.accounts.get(*user_id).await?;
    services
        .accounts
        .sign_out_everywhere(&signed_in.actor(), user.id)
        .await?;
    if user.id == signed_in.user.id {
        signed_in.session.log_out();
        return Ok(super::page::see_other(paths::SIGNED_OUT));
    }
    Ok(signed_in.done(
        format!(
            "Signed {} out everywhere: their sessions and login access tokens stopped working.",
            user.email
        ),
        paths::ADMIN,
    ))
}
