//! A project's content types: the rows of the permission matrix.

use super::auth::SignedIn;
use super::csrf::CsrfForm;
use super::flash;
use super::page::{PageCtx, PageError, render_with_status, see_other};
use super::paths;
use super::setup::EmptyForm;
use crate::domain::{ContentTypeName, ContentTypeUid, FieldErrors, Role};
use crate::error::AppError;
use crate::startup::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

struct ContentTypeRow {
    uid: String,
    display_name: String,
    built_in: bool,
    actions: String,
    delete_path: String,
}

#[derive(Template)]
#[template(path = "pages/content_types.html")]
struct ContentTypesPage {
    ctx: PageCtx,
    rows: Vec<ContentTypeRow>,
    can_edit: bool,
    uid: String,
    display_name: String,
    errors: FieldErrors,
    action_path: String,
}

#[derive(Deserialize)]
pub struct ContentTypeForm {
    uid: String,
    display_name: String,
}

async fn show(
    services: &Services,
    signed_in: &SignedIn,
    slug: &str,
    form: Option<ContentTypeForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (project, access) = signed_in.project(services, slug).await?;
    let rows = services
        .projects
        .content_types(project.id)
        .await?
        .into_iter()
        .map(|ct| ContentTypeRow {
            delete_path: format!("{}/{}/delete", paths::content_types(&project.slug), ct.uid),
            actions: ct
                .uid
                .actions()
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            uid: ct.uid.as_str().to_owned(),
            display_name: ct.display_name,
            built_in: ct.built_in,
        })
        .collect();
    let (uid, display_name) = form.map_or_else(Default::default, |f| (f.uid, f.display_name));
    render_with_status(
        &ContentTypesPage {
            ctx: PageCtx::for_user(
                services,
                &signed_in.session,
                &signed_in.user,
                Some((&project, access)),
                "content-types",
                "Content types",
            )
            .await?,
            rows,
            can_edit: access.at_least(Role::Admin),
            uid,
            display_name,
            errors,
            action_path: paths::content_types(&project.slug),
        },
        status,
    )
}

pub async fn content_types_page(
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
        StatusCode::OK,
    )
    .await
}

pub async fn add_content_type(
    services: web::Data<Services>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    CsrfForm(form): CsrfForm<ContentTypeForm>,
) -> Result<HttpResponse, PageError> {
    let (project, _) = signed_in.project(&services, &slug).await?;
    let mut errors = FieldErrors::new();
    let uid = errors.take("uid", ContentTypeUid::parse(&form.uid));
    let name = errors.take("display_name", ContentTypeName::parse(&form.display_name));
    let (Some(uid), Some(name)) = (uid, name) else {
        return show(
            &services,
            &signed_in,
            &slug,
            Some(form),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match services
        .projects
        .add_content_type(&signed_in.actor(), project.id, uid, name)
        .await
    {
        Ok(added) => {
            flash::success(
                &signed_in.session,
                format!("Added the content type “{}”.", added.uid),
            );
            Ok(see_other(paths::content_types(&project.slug)))
        }
        Err(AppError::Conflict { field, message }) => {
            let errors = FieldErrors::single(field.unwrap_or("uid"), message);
            show(
                &services,
                &signed_in,
                &slug,
                Some(form),
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn remove_content_type(
    services: web::Data<Services>,
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, uid) = path.into_inner();
    let (project, _) = signed_in.project(&services, &slug).await?;
    let uid = ContentTypeUid::parse(&uid).map_err(|_| PageError::NotFound)?;
    services
        .projects
        .remove_content_type(&signed_in.actor(), project.id, &uid)
        .await?;
    flash::success(
        &signed_in.session,
        format!("Removed “{uid}” and every token permission on it."),
    );
    Ok(see_other(paths::content_types(&project.slug)))
}
