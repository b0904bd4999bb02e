//! The session layer's failures as the dashboard's 503 page. actix-session answers a failed
//! session load or save (the session store is the database) with a bare, empty 500 and none
//! of the page headers; wrapped around it, this turns that into the unavailable page, in the
//! layout, with the security headers, `Retry-After` and the request id.

use super::page::PageError;
use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;

pub async fn session_failures_as_unavailable(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(response) => Ok(response.map_into_boxed_body()),
        Err(error) => {
            tracing::warn!(error = %error, "the session store failed: answering 503");
            // The error carries the page it answers with (the request is not ours to keep:
            // holding a copy of it while the inner services run is not allowed).
            Err(InternalError::from_response(
                error.to_string(),
                PageError::Unavailable.error_response(),
            )
            .into())
        }
    }
}
