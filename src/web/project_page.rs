//! `ProjectPage`: what every page of a project starts from — the signed-in user, the project
//! named by the path's `{slug}` and the user's access there, read once per request. A project
//! the user may not see is not found (never forbidden, so its existence does not leak).

use super::auth::SignedIn;
use super::page::{PageCtx, PageError};
use super::session::TypedSession;
use crate::authority::{ProjectAbility, TokenAbilities};
use crate::domain::{Actor, ProjectAccess};
use crate::projects::Project;
use crate::services::Services;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use std::future::Future;
use std::pin::Pin;

pub struct ProjectPage {
    pub signed_in: SignedIn,
    pub project: Project,
    pub access: ProjectAccess,
}

impl ProjectPage {
    /// The user as the actor of a service call in this project, carrying the access already
    /// read so the service need not read it again.
    pub fn actor(&self) -> Actor {
        self.signed_in
            .actor()
            .with_access(self.project.id, Some(self.access))
    }

    pub fn session(&self) -> &TypedSession {
        &self.signed_in.session
    }

    /// What the user may do with this project's tokens.
    pub fn token_abilities(&self) -> TokenAbilities {
        TokenAbilities::of(self.project.plan, self.signed_in.user.id, self.access)
    }

    pub fn allows(&self, ability: ProjectAbility) -> bool {
        ability.allowed(self.access)
    }

    /// What the page shares with every page: navigation (with this project current), flash,
    /// CSRF token.
    pub async fn ctx(
        &self,
        services: &Services,
        section: &'static str,
        title: impl Into<String>,
    ) -> Result<PageCtx, PageError> {
        self.signed_in
            .page_ctx(services, Some((&self.project, self.access)), section, title)
            .await
    }

    /// See `SignedIn::done`.
    pub fn done(&self, message: impl Into<String>, location: impl Into<String>) -> HttpResponse {
        self.signed_in.done(message, location)
    }
}

impl FromRequest for ProjectPage {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        let services = req.app_data::<web::Data<Services>>().cloned();
        let slug = req.match_info().get("slug").map(str::to_owned);
        Box::pin(async move {
            let signed_in = signed_in.await?;
            let (Some(services), Some(slug)) = (services, slug) else {
                return Err(PageError::NotFound);
            };
            let user = &signed_in.user;
            let (project, access) = services
                .projects
                .open_for(&slug, user.id, user.is_super_admin)
                .await?
                .ok_or(PageError::NotFound)?;
            Ok(ProjectPage {
                signed_in,
                project,
                access,
            })
        })
    }
}
