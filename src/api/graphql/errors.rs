//! The service's refusals as GraphQL answers, mapped once: input that breaks a rule goes in
//! the mutation payload's `errors` (seed 000's shape); anything else is a top-level error
//! whose `extensions.code` says what happened (`UNAUTHENTICATED`, `FORBIDDEN` with
//! `requiredPermission`, `PLAN_REQUIRED`, …). The handler adds `traceId` to each.

use super::types::{Payload, UserError};
use crate::error::{AppError, AuthFailure};
use async_graphql::{ErrorExtensions, OutputType};

/// A top-level error for `error`.
pub fn top_level(error: AppError) -> async_graphql::Error {
    let (code, message) = match &error {
        AppError::Unauthenticated(_) => {
            ("UNAUTHENTICATED", "Invalid or missing API token".to_owned())
        }
        AppError::Forbidden { message, .. } => ("FORBIDDEN", message.clone()),
        AppError::PlanRequired { .. } => (
            "PLAN_REQUIRED",
            "API token management needs the Professional or Professional Unlimited plan."
                .to_owned(),
        ),
        AppError::PlanLimitReached { cap } => (
            "PLAN_REQUIRED",
            format!("This project has reached its plan's limit of {cap} active tokens."),
        ),
        AppError::NotFound => ("NOT_FOUND", "No such token.".to_owned()),
        AppError::RateLimited { .. } => ("RATE_LIMITED", "Too many failed attempts.".to_owned()),
        AppError::Validation(fields) => ("BAD_USER_INPUT", fields.to_string()),
        AppError::Conflict { message, .. } => ("CONFLICT", message.clone()),
        AppError::Unavailable(_) => (
            "UNAVAILABLE",
            "The database cannot be reached. Try again in a moment.".to_owned(),
        ),
        AppError::Db(_) | AppError::Unexpected(_) => {
            tracing::error!(error = ?error, "a GraphQL operation failed");
            (
                "INTERNAL_SERVER_ERROR",
                "An unexpected error occurred; it has been logged.".to_owned(),
            )
        }
    };
    async_graphql::Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", code);
        match &error {
            AppError::Forbidden {
                required: Some(permission),
                ..
            } => extensions.set("requiredPermission", permission.as_str()),
            AppError::RateLimited { retry_after } => extensions.set(
                "retryAfterSeconds",
                crate::error::retry_after_seconds(*retry_after),
            ),
            _ => {}
        }
    })
}

/// The credential was refused before any operation ran.
pub fn unauthenticated() -> async_graphql::Error {
    top_level(AppError::Unauthenticated(AuthFailure::Missing))
}

/// A mutation's outcome: done, refused input in `errors`, or a top-level error.
pub fn settle<T: OutputType>(result: Result<T, AppError>) -> async_graphql::Result<Payload<T>> {
    match result {
        Ok(data) => Ok(Payload {
            data: Some(data),
            errors: Vec::new(),
        }),
        Err(AppError::Validation(fields)) => Ok(Payload {
            data: None,
            errors: fields
                .fields()
                .flat_map(|(field, messages)| {
                    messages.iter().map(move |message| UserError {
                        message: message.clone(),
                        field: Some(field.to_owned()),
                    })
                })
                .collect(),
        }),
        Err(AppError::Conflict { field, message }) => Ok(Payload {
            data: None,
            errors: vec![UserError {
                message,
                field: field.map(str::to_owned),
            }],
        }),
        Err(other) => Err(top_level(other)),
    }
}
