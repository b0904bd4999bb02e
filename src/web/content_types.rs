//! A project's content types: the rows of the permission matrix.

use super::csrf::{CsrfForm, EmptyForm};
use super::forms::{FormFailure, settle};
use super::page::{PageCtx, PageError, render_with_status};
use super::paths;
use super::project_page::ProjectPage;
use crate::authority::ProjectAbility;
use crate::domain::{ContentTypeName, ContentTypeUid, FieldErrors};
use crate::services::Services;
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
    general_error: Option<String>,
    action_path: String,
}

#[derive(Deserialize, Default)]
pub struct ContentTypeForm {
    uid: String,
    display_name: String,
}

impl ContentTypeForm {
    fn parse(&self) -> Result<(ContentTypeUid, ContentTypeName), FieldErrors> {
        let mut errors = FieldErrors::new();
        let uid = errors.take("uid", ContentTypeUid::parse(&self.uid));
        let name = errors.take("display_name", ContentTypeName::parse(&self.display_name));
        uid.zip(name).ok_or(errors)
    }
}

#[derive(Deserialize)]
pub struct ContentTypePath {
    uid: String,
}

async fn show(
    services: &Services,
    page: &ProjectPage,
    form: ContentTypeForm,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let slug = &page.project.slug;
    let rows = services
        .projects
        .content_types(page.project.id)
        .await?
        .into_iter()
        .map(|ct| ContentTypeRow {
            delete_path: paths::delete_content_type(slug, ct.uid.as_str()),
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
    render_with_status(
        &ContentTypesPage {
            ctx: page.ctx(services, "content-types", "Content types").await?,
            rows,
            can_edit: page.allows(ProjectAbility::ManageContentTypes),
            uid: form.uid,
            display_name: form.display_name,
            errors: failure.errors,
            general_error: failure.general_error,
            action_path: paths::content_types(slug),
        },
        failure.status,
    )
}

pub async fn content_types_page(
    services: web::Data<Services>,
    page: ProjectPage,
) -> Result<HttpResponse, PageError> {
    let fresh = ContentTypeForm::default();
    show(&services, &page, fresh, FormFailure::none()).await
}

pub async fn add_content_type(
    services: web::Data<Services>,
    page: ProjectPage,
    CsrfForm(form): CsrfForm<ContentTypeForm>,
) -> Result<HttpResponse, PageError> {
    let (uid, name) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return show(&services, &page, form, FormFailure::invalid(errors)).await,
    };
    let added = (services.projects)
        .add_content_type(&page.actor(), page.project.id, uid, name)
        .await;
    match settle(added)? {
        Ok(added) => Ok(page.done(
            format!("Added the content type “{}”.", added.uid),
            paths::content_types(&page.project.slug),
        )),
        Err(failure) => show(&services, &page, form, failure).await,
    }
}

pub async fn remove_content_type(
    services: web::Data<Services>,
    page: ProjectPage,
    path: web::Path<ContentTypePath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, PageError> {
    let uid = ContentTypeUid::parse(&path.uid).map_err(|_| PageError::NotFound)?;
    services
        .projects
        .remove_content_type(&page.actor(), page.project.id, &uid)
        .await?;
    Ok(page.done(
        format!("Removed “{uid}” and every token permission on it."),
        paths::content_types(&page.project.slug),
    ))
}
