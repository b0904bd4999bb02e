//! A project's members and their roles; owners manage them.

use super::csrf::{CsrfForm, EmptyForm};
use super::flash::Flash;
use super::forms::{FormFailure, settle};
use super::page::{PageCtx, PageError, render_with_status, see_other};
use super::paths;
use super::project_page::ProjectPage;
use crate::authority::ProjectAbility;
use crate::domain::{Email, FieldErrors, Role};
use crate::error::AppError;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

struct RoleOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn role_options(selected: Role) -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .map(|role| RoleOption {
            value: role.as_str(),
            label: role.label(),
            selected: *role == selected,
        })
        .collect()
}

struct MemberRow {
    display_name: String,
    email: String,
    role_label: &'static str,
    roles: Vec<RoleOption>,
    disabled: bool,
    is_self: bool,
    role_path: String,
    remove_path: String,
}

#[derive(Template)]
#[template(path = "pages/members.html")]
struct MembersPage {
    ctx: PageCtx,
    rows: Vec<MemberRow>,
    can_manage: bool,
    email: String,
    new_roles: Vec<RoleOption>,
    errors: FieldErrors,
    general_error: Option<String>,
    action_path: String,
}

#[derive(Deserialize, Default)]
pub struct AddMemberForm {
    email: String,
    role: String,
}

impl AddMemberForm {
    fn parse(&self) -> Result<(Email, Role), FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.take("email", Email::parse(&self.email));
        let role = errors.take("role", Role::parse(&self.role));
        email.zip(role).ok_or(errors)
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

#[derive(Deserialize)]
pub struct MemberPath {
    user_id: Uuid,
}

async fn show(
    services: &Services,
    page: &ProjectPage,
    form: AddMemberForm,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let slug = &page.project.slug;
    let rows = services
        .projects
        .members(page.project.id)
        .await?
        .into_iter()
        .map(|member| MemberRow {
            role_label: member.role.label(),
            roles: role_options(member.role),
            is_self: member.user_id == page.signed_in.user.id,
            role_path: paths::member_role(slug, member.user_id),
            remove_path: paths::remove_member(slug, member.user_id),
            display_name: member.display_name,
            email: member.email,
            disabled: member.disabled,
        })
        .collect();
    let selected_role = Role::parse(&form.role).unwrap_or(Role::Developer);
    render_with_status(
        &MembersPage {
            ctx: page.ctx(services, "members", "Members").await?,
            rows,
            can_manage: page.allows(ProjectAbility::ManageMembers),
            email: form.email,
            new_roles: role_options(selected_role),
            errors: failure.errors,
            general_error: failure.general_error,
            action_path: paths::members(slug),
        },
        failure.status,
    )
}

pub async fn members_page(
    services: web::Data<Services>,
    page: ProjectPage,
) -> Result<HttpResponse, PageError> {
    let fresh = AddMemberForm::default();
    show(&services, &page, fresh, FormFailure::none()).await
}

pub async fn add_member(
    services: web::Data<Services>,
    page: ProjectPage,
    CsrfForm(form): CsrfForm<AddMemberForm>,
) -> Result<HttpResponse, PageError> {
    let (email, role) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return show(&services, &page, form, FormFailure::invalid(errors)).await,
    };
    let added = (services.projects)
        .add_member(&page.actor(), page.project.id, &email, role)
        .await;
    match settle(added)? {
        Ok(member) => Ok(page.done(
            format!(
                "{} is now a {} of this project.",
                member.email,
                role.label().to_lowercase()
            ),
            paths::members(&page.project.slug),
        )),
        Err(failure) => show(&services, &page, form, failure).await,
    }
}

/// Role changes and removals answer on the members page: a refusal that names a rule (the
/// last owner stays) becomes the flash message there.
fn back_to_members(
    page: &ProjectPage,
    outcome: Result<String, AppError>,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(message) => page.session().flash(Flash::success(message)),
        Err(AppError::Conflict { message, .. }) => page.session().flash(Flash::error(message)),
        Err(other) => return Err(other.into()),
    }
    Ok(see_other(paths::members(&page.project.slug)))
}

pub async fn change_role(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<MemberPath>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let role = Role::parse(&form.role).map_err(PageError::BadRequest)?;
    let changed = services
        .projects
        .change_role(&page.actor(), page.project.id, path.user_id, role)
        .await
        .map(|()| format!("Role changed to {}.", role.label()));
    back_to_members(&page, changed)
}

pub async fn remove_member(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<MemberPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let removed = services
        .projects
        .remove_member(&page.actor(), page.project.id, path.user_id)
        .await
        .map(|()| {
            "Member removed. Their personal tokens in this project stopped working.".to_owned()
        });
    back_to_members(&page, removed)
}
