//! Who is signed in: the `SignedIn` extractor loads the session's user on every request and
//! turns a missing, disabled or deleted user into a redirect to the sign-in page.

use super::page::PageError;
use super::session_store::USER_ID_KEY;
use crate::access::{ProjectAccess, user_access};
use crate::accounts::User;
use crate::domain::{Actor, UserActor};
use crate::projects::Project;
use crate::startup::Services;
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use uuid::Uuid;

pub struct SignedIn {
    pub user: User,
    pub session: Session,
    client_ip: Option<String>,
}

impl SignedIn {
    /// The user as the actor of a service call, with the client address for the audit trail.
    pub fn actor(&self) -> Actor {
        Actor::user(UserActor {
            id: self.user.id,
            email: self.user.email.clone(),
            is_super_admin: self.user.is_super_admin,
        })
        .with_client_ip(self.client_ip.clone())
    }

    /// The project named by `slug`, if the user may see it; otherwise not found (never
    /// forbidden, so a project's existence does not leak).
    pub async fn project(
        &self,
        services: &Services,
        slug: &str,
    ) -> Result<(Project, ProjectAccess), PageError> {
        let project = services
            .projects
            .find_by_slug(slug)
            .await?
            .ok_or(PageError::NotFound)?;
        let access = user_access(&services.db, self.user.id, project.id)
            .await
            .map_err(crate::error::AppError::from)?
            .ok_or(PageError::NotFound)?;
        Ok((project, access))
    }
}

pub fn client_ip(req: &HttpRequest) -> Option<String> {
    // The peer address: forwarded-for headers are client-controlled unless a trusted proxy
    // sets them, which is a deployment decision this code cannot make.
    req.peer_addr().map(|addr| addr.ip().to_string())
}

pub fn sign_in(session: &Session, user_id: Uuid) -> Result<(), PageError> {
    session.renew();
    session
        .insert(USER_ID_KEY, user_id)
        .map_err(|e| PageError::Internal(anyhow::anyhow!("cannot store the session: {e}")))?;
    super::csrf::rotate(session);
    Ok(())
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let services = req.app_data::<web::Data<Services>>().cloned();
        let client_ip = client_ip(req);
        Box::pin(async move {
            let services =
                services.ok_or_else(|| PageError::Internal(anyhow::anyhow!("services missing")))?;
            let user_id = session
                .get::<Uuid>(USER_ID_KEY)
                .ok()
                .flatten()
                .ok_or(PageError::LoginRequired)?;
            match services.accounts.get(user_id).await {
                Ok(user) if !user.disabled => Ok(SignedIn {
                    user,
                    session,
                    client_ip,
                }),
                Ok(_) | Err(crate::error::AppError::NotFound) => {
                    session.purge();
                    Err(PageError::LoginRequired)
                }
                Err(other) => Err(other.into()),
            }
        })
    }
}

/// The one-time code that guards first-run setup, printed to the log at start.
pub struct SetupCode(Mutex<Option<String>>);

impl SetupCode {
    pub fn new(code: Option<String>) -> Self {
        Self(Mutex::new(code))
    }

    /// Whether `attempt` is the code; comparison in constant time.
    pub fn matches(&self, attempt: &str) -> bool {
        use subtle::ConstantTimeEq;
        let guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_deref()
            .is_some_and(|code| bool::from(code.as_bytes().ct_eq(attempt.trim().as_bytes())))
    }

    /// Used once: cleared when setup completes.
    pub fn consume(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}
