//! A project's members and their roles; owners manage them.

use super::auth::SignedIn;
use super::csrf::CsrfForm;
use super::flash;
use super::page::{PageCtx, PageError, render_with_status, see_other};
use super::paths;
use super::setup::EmptyForm;
use crate::domain::{Email, FieldErrors, Role};
use crate::error::AppError;
use crate::startup::Services;
use actix_web::http::StatusCode;
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

#[derive(Deserialize)]
pub struct AddMemberForm {
    email: String,
    role: String,
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn show(
    services: &Services,
    signed_in: &SignedIn,
    slug: &str,
    form: Option<AddMemberForm>,
    errors: FieldErrors,
    general_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (project, access) = signed_in.project(services, slug).await?;
    let base = paths::members(&project.slug);
    let rows = services
        .projects
        .members(project.id)
        .await?
        .into_iter()
        .map(|member| MemberRow {
            role_label: member.role.label(),
            roles: role_options(member.role),
            is_self: member.user_id == signed_in.user.id,
            role_path: format!("{base}/{}/role", member.user_id),
            remove_path: format!("{base}/{}/remove", member.user_id),
            display_name: member.display_name,
            email: member.email,
            disabled: member.disabled,
        })
        .collect();
    let selected_role = form
        .as_ref()
        .and_then(|f| Role::parse(&f.role).ok())
        .unwrap_or(Role::Developer);
    render_with_status(
        &MembersPage {
            ctx: PageCtx::for_user(
                services,
                &signed_in.session,
                &signed_in.user,
                Some((&project, access)),
                "members",
                "Members",
            )
            .await?,
            rows,
            can_manage: access.at_least(Role::Owner),
            email: form.map(|f| f.email).unwrap_or_default(),
            new_roles: role_options(selected_role),
            errors,
            general_error,
            action_path: base,
        },
        status,
    )
}

pub async fn members_page(
    services: web::Data<Services>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    show(
        &services,
        &signed_in,
        &slug,
        None,
        FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn add_member(
    services: web::Data<Services>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    CsrfForm(form): CsrfForm<AddMemberForm>,
) -> Result<HttpResponse, PageError> {
    let (project, _) = signed_in.project(&services, &slug).await?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(&form.email));
    let role = errors.take("role", Role::parse(&form.role));
    let (Some(email), Some(role)) = (email, role) else {
        return show(
            &services,
            &signed_in,
            &slug,
            Some(form),
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match services
        .projects
        .add_member(&signed_in.actor(), project.id, &email, role)
        .await
    {
        Ok(member) => {
            flash::success(
                &signed_in.session,
                format!(
                    "{} is now a {} of this project.",
                    member.email,
                    role.label().to_lowercase()
                ),
            );
            Ok(see_other(paths::members(&project.slug)))
        }
        Err(AppError::Validation(errors)) => {
            show(
                &services,
                &signed_in,
                &slug,
                Some(form),
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict { field, message }) => {
            show(
                &services,
                &signed_in,
                &slug,
                Some(form),
                FieldErrors::single(field.unwrap_or("email"), message),
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn change_role(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, user_id) = path.into_inner();
    let (project, _) = signed_in.project(&services, &slug).await?;
    let role = Role::parse(&form.role).map_err(PageError::BadRequest)?;
    match services
        .projects
        .change_role(&signed_in.actor(), project.id, user_id, role)
        .await
    {
        Ok(()) => flash::success(
            &signed_in.session,
            format!("Role changed to {}.", role.label()),
        ),
        Err(AppError::Conflict { message, .. }) => flash::error(&signed_in.session, message),
        Err(other) => return Err(other.into()),
    }
    Ok(see_other(paths::members(&project.slug)))
}

pub async fn remove_member(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, user_id) = path.into_inner();
    let (project, _) = signed_in.project(&services, &slug).await?;
    match services
        .projects
        .remove_member(&signed_in.actor(), project.id, user_id)
        .await
    {
        Ok(()) => flash::success(
            &signed_in.session,
            "Member removed. Their personal tokens in this project stopped working.",
        ),
        Err(AppError::Conflict { message, .. }) => flash::error(&signed_in.session, message),
        Err(other) => return Err(other.into()),
    }
    Ok(see_other(paths::members(&project.slug)))
}
