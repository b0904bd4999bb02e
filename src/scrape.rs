//! `/metrics` for Prometheus: on a listener of its own (`LATCHKEY_METRICS_BIND`), open to
//! whoever reaches it; on the main listener only with the configured bearer secret
//! (`LATCHKEY_METRICS_TOKEN`), and not there at all without one.

use crate::config::MetricsToken;
use crate::services::Services;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The exposition, for a scraper that reached it.
pub async fn open(services: web::Data<Services>) -> HttpResponse {
    exposition(&services)
}

/// `/metrics` on the main listener.
pub async fn guarded(req: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let Some(Some(token)) = req.app_data::<Option<MetricsToken>>() else {
        return HttpResponse::NotFound().finish();
    };
    let presented = crate::api::bearer(&req).unwrap_or_default();
    if !token.matches(&presented) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")))
            .finish();
    }
    exposition(&services)
}

fn exposition(services: &Services) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TEXT_FORMAT))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(services.metrics.render(&services.gauges()))
}
