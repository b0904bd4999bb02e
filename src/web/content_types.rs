//! A project's content types: the rows of the permission matrix, and the route prefix under
//! which forward auth finds them in upstream paths.

use super::csrf::{CsrfForm, EmptyForm};
use super::forms::{FormFailure, settle};
use super::page::{PageCtx, PageError, render_with_status};
use super::paths;
use super::project_page::ProjectPage;
use crate::authority::ProjectAbility;
use crate::domain::{ContentTypeName, ContentTypeUid, FieldErrors, RestRoutes, RoutePrefix};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

struct ContentTypeRow {
    uid: String,
    display_name: String,
    built_in: bool,
    actions: String,
    /// The collection path forward auth maps to this type, when the project has a prefix.
    path: Option<String>,
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
    /// The route prefix as typed (or as stored, on a fresh page).
    route_prefix: String,
    /// The stored prefix, shown as `/api/{content-type}`.
    route_pattern: Option<String>,
    routes_path: String,
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

#[derive(Deserialize, Default)]
pub struct RoutePrefixForm {
    route_prefix: String,
}

impl RoutePrefixForm {
    /// Empty clears the prefix: forward auth then maps nothing.
    fn parse(&self) -> Result<Option<RoutePrefix>, FieldErrors> {
        if self.route_prefix.trim().is_empty() {
            return Ok(None);
        }
        let mut errors = FieldErrors::new();
        errors
            .take("route_prefix", RoutePrefix::parse(&self.route_prefix))
            .map(Some)
            .ok_or(errors)
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
    typed_prefix: Option<String>,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let slug = &page.project.slug;
    let content_types = services.projects.content_types(page.project.id).await?;
    let routes = page.project.route_prefix.clone().map(|prefix| {
        RestRoutes::new(
            prefix,
            content_types.iter().map(|ct| ct.uid.clone()).collect(),
        )
    });
    let paths_by_type: Vec<(ContentTypeUid, String)> = routes
        .as_ref()
        .map(|routes| {
            routes
                .paths()
                .map(|(uid, path)| (uid.clone(), path))
                .collect()
        })
        .unwrap_or_default();
    let rows = content_types
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
            path: paths_by_type
                .iter()
                .find(|(uid, _)| *uid == ct.uid)
                .map(|(_, path)| path.clone()),
            uid: ct.uid.as_str().to_owned(),
            display_name: ct.display_name,
            built_in: ct.built_in,
        })
        .collect();
    let stored_pattern = page.project.route_prefix.as_ref().map(RoutePrefix::pattern);
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
            route_prefix: typed_prefix
                .or_else(|| stored_pattern.clone())
                .unwrap_or_default(),
            route_pattern: stored_pattern,
            routes_path: paths::content_type_routes(slug),
        },
        failure.status,
    )
}

pub async fn content_types_page(
    services: web::Data<Services>,
    page: ProjectPage,
) -> Result<HttpResponse, PageError> {
    let fresh = ContentTypeForm::default();
    show(&services, &page, fresh, None, FormFailure::none()).await
}

pub async fn add_content_type(
    services: web::Data<Services>,
    page: ProjectPage,
    CsrfForm(form): CsrfForm<ContentTypeForm>,
) -> Result<HttpResponse, PageError> {
    let (uid, name) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => {
            return show(&services, &page, form, None, FormFailure::invalid(errors)).await;
        }
    };
    let added = (services.projects)
        .add_content_type(&page.actor(), page.project.id, uid, name)
        .await;
    match settle(added)? {
        Ok(added) => Ok(page.done(
            format!("Added the content type “{}”.", added.uid),
            paths::content_types(&page.project.slug),
        )),
        Err(failure) => show(&services, &page, form, None, failure).await,
    }
}

pub async fn set_route_prefix(
    services: web::Data<Services>,
    page: ProjectPage,
    CsrfForm(form): CsrfForm<RoutePrefixForm>,
) -> Result<HttpResponse, PageError> {
    let typed = Some(form.route_prefix.clone());
    let blank = ContentTypeForm::default;
    let prefix = match form.parse() {
        Ok(prefix) => prefix,
        Err(errors) => {
            return show(
                &services,
                &page,
                blank(),
                typed,
                FormFailure::invalid(errors),
            )
            .await;
        }
    };
    let message = match &prefix {
        Some(prefix) => format!(
            "Forward auth now maps paths under {} to permissions.",
            prefix.pattern()
        ),
        None => "Forward auth no longer maps paths: each location names its permission.".to_owned(),
    };
    let set = (services.projects)
        .set_route_prefix(&page.actor(), page.project.id, prefix)
        .await;
    match settle(set)? {
        Ok(()) => Ok(page.done(message, paths::content_types(&page.project.slug))),
        Err(failure) => show(&services, &page, blank(), typed, failure).await,
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
