//! Who is signed in: the `SignedIn` extractor loads the session's user on every request and
//! turns a missing, disabled or deleted user into a redirect to the sign-in page.

use super::flash::Flash;
use super::page::{PageCtx, PageError, see_other};
use super::session::TypedSession;
use crate::accounts::User;
use crate::domain::{Actor, ProjectAccess};
use crate::error::AppError;
use crate::projects::Project;
use crate::services::Services;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use std::future::Future;
use std::pin::Pin;

pub struct SignedIn {
    pub user: User,
    pub session: TypedSession,
    client_ip: Option<String>,
}

impl SignedIn {
    /// The user as the actor of a service call, with the client address for the audit trail.
    pub fn actor(&self) -> Actor {
        self.user.actor().with_client_ip(self.client_ip.clone())
    }

    pub fn client_ip(&self) -> Option<String> {
        self.client_ip.clone()
    }

    /// What every page shares: navigation (with `project` current, for a project's page),
    /// flash, CSRF token.
    pub async fn page_ctx(
        &self,
        services: &Services,
        project: Option<(&Project, ProjectAccess)>,
        section: &'static str,
        title: impl Into<String>,
    ) -> Result<PageCtx, PageError> {
        PageCtx::for_user(services, &self.user, &self.session, project, section, title).await
    }

    /// Signs the user in under a new session id, under the credentials generation a
    /// password change moved to.
    pub fn renew(&self, generation: i64) -> Result<(), PageError> {
        self.session
            .sign_in(&self.user, generation)
            .map_err(PageError::Internal)
    }

    /// A finished action: its message on the next page, and a redirect there.
    pub fn done(&self, message: impl Into<String>, location: impl Into<String>) -> HttpResponse {
        self.session.flash(Flash::success(message));
        see_other(location)
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = TypedSession::of(req);
        let services = req.app_data::<web::Data<Services>>().cloned();
        let client_ip = crate::client_address::client_ip(req);
        Box::pin(async move {
            let services =
                services.ok_or_else(|| PageError::Internal(anyhow::anyhow!("services missing")))?;
            let user_id = session.user_id().ok_or(PageError::LoginRequired)?;
            match services.accounts.get(user_id).await {
                // A session from before the user's credentials were revoked (password change,
                // sign-out everywhere, a change of standing) is over, even if its row survived.
                Ok(user)
                    if !user.disabled
                        && session.credentials_generation()
                            == Some(user.credentials_generation) =>
                {
                    Ok(SignedIn {
                        user,
                        session,
                        client_ip,
                    })
                }
                Ok(_) | Err(AppError::NotFound) => {
                    session.log_out();
                    Err(PageError::LoginRequired)
                }
                Err(other) => Err(other.into()),
            }
        })
    }
}
