//! Error pages inside the signed-in layout. A `PageError` renders itself without the request
//! (actix asks it for a response with nothing else at hand), so its page is anonymous: no
//! navigation, no sign-out. Around the dashboard, this renders a refused or missing page
//! again for a signed-in user, with their navigation, theme and the request id.

use super::auth::SignedIn;
use super::page::PageError;
use crate::services::Services;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, web};

pub async fn error_pages_in_layout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(error) = response
        .response()
        .error()
        .and_then(|error| error.as_error::<PageError>())
    else {
        return Ok(response);
    };
    let Some((heading, message)) = error.shown_again() else {
        return Ok(response);
    };
    let request = response.request().clone();
    let Some(services) = request.app_data::<web::Data<Services>>().cloned() else {
        return Ok(response);
    };
    // Nobody signed in (or a session that no longer counts): the anonymous page stands.
    let Ok(signed_in) = SignedIn::from_request(&request, &mut Payload::None).await else {
        return Ok(response);
    };
    let Ok(ctx) = signed_in.page_ctx(&services, None, "", heading).await else {
        return Ok(response);
    };
    let page = error.page(ctx, message);
    Ok(response.into_response(page))
}
