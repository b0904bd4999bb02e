//! The mutations: create, update, regenerate and delete a token, and seed 000's
//! `refreshPublicAccessToken`. Each calls the same service method as its REST handler; the
//! secret appears only in the `data.token` of create, regenerate and refresh.

use super::errors::{settle, top_level};
use super::types::*;
use super::{Credential, services};
use crate::error::AppError;
use crate::tokens::{ApiNewToken, IssuedToken, NewToken, TokenChangesInput};
use async_graphql::{Context, Object, Result};
use chrono::Utc;

pub struct Mutation;

fn issued(issued: IssuedToken) -> IssuedApiToken {
    IssuedApiToken {
        token: issued.secret.expose_secret().to_owned(),
        expires_at: issued.token.expires_at,
        api_token: ApiToken::from(&issued.token),
    }
}

/// The create input as the service takes it: the same defaults and expiry rule as
/// `POST /api/v1/tokens` (`ApiNewToken`), then the domain's validation.
fn new_token(input: CreateApiTokenInput) -> Result<NewToken, AppError> {
    let new = ApiNewToken {
        name: input.name,
        description: input.description,
        kind: input
            .kind
            .map(|kind| crate::domain::TokenKind::from(kind).as_str().to_owned()),
        token_type: input
            .token_type
            .map(|t| crate::domain::TokenType::from(t).as_str().to_owned()),
        permissions: input.permissions,
        expires_at: input.expires_at,
        duration_days: input.duration_days.map(i64::from),
    }
    .into_input()
    .map_err(AppError::Validation)?;
    NewToken::parse(new, Utc::now()).map_err(AppError::Validation)
}

#[Object]
impl Mutation {
    /// A new token; its secret is in `data.token`, this once. Needs `api-token.create` and
    /// every permission it grants.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> Result<Payload<IssuedApiToken>> {
        let credential = Credential::of(ctx)?;
        let services = services(ctx)?;
        let created = match new_token(input) {
            Ok(new) => services
                .tokens
                .create(&credential.caller.actor, credential.caller.project_id, new)
                .await
                .map(issued),
            Err(error) => Err(error),
        };
        credential.used(ctx);
        settle(created)
    }

    /// Changes name, description, type or permissions; absent fields stay. Needs
    /// `api-token.update` and every permission it adds.
    async fn update_api_token(
        &self,
        ctx: &Context<'_>,
        input: UpdateApiTokenInput,
    ) -> Result<Payload<ApiToken>> {
        let credential = Credential::of(ctx)?;
        let changes = TokenChangesInput {
            name: input.name,
            description: input.description,
            token_type: input
                .token_type
                .map(|t| crate::domain::TokenType::from(t).as_str().to_owned()),
            permissions: input.permissions,
        };
        let updated = services(ctx)?
            .tokens
            .update(
                &credential.caller.actor,
                credential.caller.project_id,
                input.id,
                changes,
            )
            .await
            .map(|token| ApiToken::from(&token));
        credential.used(ctx);
        settle(updated)
    }

    /// A new secret in `data.token`; the old one stops at once. Needs `api-token.regenerate`.
    async fn regenerate_api_token(
        &self,
        ctx: &Context<'_>,
        input: ApiTokenIdInput,
    ) -> Result<Payload<IssuedApiToken>> {
        let credential = Credential::of(ctx)?;
        let regenerated = services(ctx)?
            .tokens
            .regenerate(
                &credential.caller.actor,
                credential.caller.project_id,
                input.id,
            )
            .await
            .map(issued);
        credential.used(ctx);
        settle(regenerated)
    }

    /// Revokes at once; cannot be undone. Needs `api-token.delete`.
    async fn delete_api_token(
        &self,
        ctx: &Context<'_>,
        input: ApiTokenIdInput,
    ) -> Result<Payload<DeletedApiToken>> {
        let credential = Credential::of(ctx)?;
        let deleted = services(ctx)?
            .tokens
            .revoke(
                &credential.caller.actor,
                credential.caller.project_id,
                input.id,
            )
            .await
            .map(|_| DeletedApiToken { id: input.id });
        credential.used(ctx);
        settle(deleted)
    }

    /// Seed 000's rotation: a still-valid token, authenticated with itself, gets a new
    /// secret with the same settings and a fresh lifetime; the old secret stops at once. An
    /// expired token is refused as UNAUTHENTICATED: generate a new one in the dashboard.
    async fn refresh_public_access_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshPublicAccessTokenInput,
    ) -> Result<Payload<IssuedApiToken>> {
        let credential = Credential::of(ctx)?;
        if credential.presented != input.token.trim() {
            return Ok(Payload {
                data: None,
                errors: vec![UserError {
                    message: "The token in the input differs from the bearer token.".into(),
                    field: Some("token".into()),
                }],
            });
        }
        let services = services(ctx)?;
        let refreshed = services
            .tokens
            .refresh(
                &credential.presented,
                credential.caller.actor.client_ip.clone(),
            )
            .await;
        match refreshed {
            Ok(refreshed) => {
                services.last_used.record(refreshed.token.id, Utc::now());
                settle(Ok(issued(refreshed)))
            }
            Err(error @ AppError::Unauthenticated(_)) => Err(top_level(error)),
            Err(error) => settle(Err(error)),
        }
    }
}
