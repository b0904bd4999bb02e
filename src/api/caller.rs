//! Bearer authentication: an API token (`lk_…`) acts in its own project; a login access token
//! (a JWT) acts for its user in the project named at login, with the user's current role.

use super::error::ApiError;
use super::jwt::AccessTokenKeys;
use crate::domain::Actor;
use crate::error::{AppError, AuthFailure};
use crate::metrics::{Face, Outcome};
use crate::services::Services;
use crate::tokens::VerifyError;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponseBuilder, web};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Instant;
use uuid::Uuid;

/// Every authenticated response says when the credential stops working.
pub const EXPIRES_HEADER: &str = "Latchkey-Token-Expires-At";

pub struct Caller {
    pub actor: Actor,
    pub project_id: Uuid,
    /// The API token behind the call, for "last used".
    pub token_id: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Who presented the credential (address, user agent), for the token's recent clients.
    client: (Option<IpAddr>, Option<String>),
}

impl Caller {
    /// Adds the expiry header; records the use of an API token (the call succeeded).
    /// Every answer to a credential is private to it (`no-store`) and never sniffed as
    /// anything but what it says it is.
    pub fn succeeded(&self, services: &Services, response: &mut HttpResponseBuilder) {
        super::error::private(response);
        if let Some(at) = self.expires_at {
            response.insert_header((
                EXPIRES_HEADER,
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ));
        }
        self.record_use(services);
    }

    /// Notes the use of an API token (in memory: flushed in batches), with its client.
    pub fn record_use(&self, services: &Services) {
        if let Some(token_id) = self.token_id {
            let (ip, agent) = &self.client;
            services
                .last_used
                .record_from(token_id, Utc::now(), *ip, agent.as_deref());
        }
    }
}

/// The credential of `Authorization: Bearer <credential>`, if any.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value: &HeaderValue = req.headers().get(header::AUTHORIZATION)?;
    let value = value.to_str().ok()?.trim();
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim().to_owned())
        .filter(|c| !c.is_empty())
}

async fn authenticate(
    services: &Services,
    keys: &AccessTokenKeys,
    credential: &str,
    client_ip: Option<String>,
    face: Face,
) -> Result<Caller, ApiError> {
    if credential.starts_with(crate::tokens::format::TOKEN_PREFIX) {
        let started = Instant::now();
        let checked = services.tokens.verify(credential, None).await;
        let outcome = checked
            .as_ref()
            .map_or_else(VerifyError::outcome, |_| Outcome::Valid);
        services
            .metrics
            .verification(face, outcome, started.elapsed());
        let verified = checked?;
        return Ok(Caller {
            actor: verified.as_caller().with_client_ip(client_ip),
            project_id: verified.project_id,
            token_id: Some(verified.id),
            expires_at: verified.expires_at,
            client: (None, None),
        });
    }
    let claims = keys
        .verify(credential, Utc::now())
        .map_err(|_| ApiError::unauthenticated(AuthFailure::Malformed))?;
    let user = match services.accounts.get(claims.sub).await {
        Ok(user) if !user.disabled && user.credentials_generation == claims.r#gen => user,
        Ok(_) | Err(AppError::NotFound) => {
            return Err(ApiError::unauthenticated(AuthFailure::Revoked));
        }
        Err(other) => return Err(other.into()),
    };
    // The role is read now, not at login: a demotion or removal takes effect at once.
    let access = services
        .projects
        .access_of(user.id, claims.prj)
        .await?
        .ok_or(ApiError::unauthenticated(AuthFailure::Revoked))?;
    Ok(Caller {
        actor: user
            .actor()
            .with_client_ip(client_ip)
            .with_access(claims.prj, Some(access)),
        project_id: claims.prj,
        token_id: None,
        expires_at: claims.expires_at(),
        client: (None, None),
    })
}

/// Runs a bearer authentication unless the client's address is held; counts its failure.
/// Held, even the right credential is refused: otherwise the answer would tell a guess apart.
pub async fn guarded_by_address<T>(
    services: &Services,
    client: Option<IpAddr>,
    attempt: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    if let Err(retry_after) = services.throttles.check_api_auth(client) {
        return Err(AppError::RateLimited { retry_after }.into());
    }
    let outcome = attempt.await;
    if let Err(ApiError::App(AppError::Unauthenticated(failure))) = &outcome {
        services.throttles.api_auth_failed(client);
        crate::security_event!(
            info,
            "bearer_refused",
            reason = ?failure,
            client_ip = %client.map_or_else(|| "-".to_owned(), |c| c.to_string()),
            "bearer authentication failed"
        );
    }
    outcome
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let keys = req.app_data::<web::Data<AccessTokenKeys>>().cloned();
        let credential = bearer(req);
        let face = if req.path().starts_with("/graphql") {
            Face::Graphql
        } else {
            Face::Api
        };
        let client = crate::client_address::client_addr(req);
        let agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let (Some(services), Some(keys)) = (services, keys) else {
                return Err(AppError::Unexpected(anyhow::anyhow!("API state missing")).into());
            };
            let credential = credential.ok_or(ApiError::unauthenticated(AuthFailure::Missing))?;
            let mut caller = guarded_by_address(&services, client, async {
                let client_ip = client.map(|c| c.to_string());
                authenticate(&services, &keys, &credential, client_ip, face).await
            })
            .await?;
            caller.client = (client, agent);
            Ok(caller)
        })
    }
}
