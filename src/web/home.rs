//! The projects the signed-in user belongs to.

use super::auth::SignedIn;
use super::page::{PageCtx, PageError, render, see_other};
use super::paths;
use super::project_page::ProjectPage;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use askama::Template;

struct ProjectCard {
    name: String,
    slug: String,
    plan: &'static str,
    role: &'static str,
    tokens_path: String,
}

#[derive(Template)]
#[template(path = "pages/projects.html")]
struct ProjectsPage {
    ctx: PageCtx,
    cards: Vec<ProjectCard>,
}

pub async fn projects_page(
    services: web::Data<Services>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let cards = services
        .projects
        .for_user(signed_in.user.id, signed_in.user.is_super_admin)
        .await?
        .into_iter()
        .map(|(project, role)| ProjectCard {
            tokens_path: paths::tokens(&project.slug),
            name: project.name,
            slug: project.slug,
            plan: project.plan.label(),
            role: role.map_or("Super admin", |r| r.label()),
        })
        .collect();
    render(&ProjectsPage {
        ctx: signed_in
            .page_ctx(&services, None, "projects", "Projects")
            .await?,
        cards,
    })
}

pub async fn project_home(page: ProjectPage) -> HttpResponse {
    see_other(paths::tokens(&page.project.slug))
}
