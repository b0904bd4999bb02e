//! What became of a submitted form, in one place: the service's answer is either done (the
//! handler flashes and redirects) or a refusal the form shows beside its fields (422 for
//! invalid input, 409 for a conflict, 403 for a refusal the user can act on); anything else
//! becomes the error page.

use super::page::PageError;
use crate::domain::FieldErrors;
use crate::error::AppError;
use actix_web::http::StatusCode;

/// Why the last submission was refused, as the re-rendered form shows it.
pub struct FormFailure {
    pub errors: FieldErrors,
    pub general_error: Option<String>,
    pub status: StatusCode,
}

impl FormFailure {
    /// A form shown for the first time.
    pub fn none() -> Self {
        Self {
            errors: FieldErrors::new(),
            general_error: None,
            status: StatusCode::OK,
        }
    }

    /// Input refused before any service was asked.
    pub fn invalid(errors: FieldErrors) -> Self {
        Self {
            errors,
            general_error: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn general(message: String, status: StatusCode) -> Self {
        Self {
            errors: FieldErrors::new(),
            general_error: Some(message),
            status,
        }
    }
}

/// Done, refused (show the form again), or an error page.
pub fn settle<T>(result: Result<T, AppError>) -> Result<Result<T, FormFailure>, PageError> {
    let error = match result {
        Ok(done) => return Ok(Ok(done)),
        Err(error) => error,
    };
    Ok(Err(match error {
        AppError::Validation(errors) => FormFailure::invalid(errors),
        AppError::Conflict {
            field: Some(field),
            message,
        } => FormFailure {
            errors: FieldErrors::single(field, message),
            general_error: None,
            status: StatusCode::CONFLICT,
        },
        AppError::Conflict {
            field: None,
            message,
        } => FormFailure::general(message, StatusCode::CONFLICT),
        AppError::Forbidden { message, .. } => FormFailure::general(message, StatusCode::FORBIDDEN),
        AppError::PlanLimitReached { cap } => FormFailure::general(
            format!(
                "This project has reached its plan's limit of {cap} active tokens. Delete a token or move to Professional Unlimited."
            ),
            StatusCode::FORBIDDEN,
        ),
        other => return Err(PageError::from(other)),
    }))
}
