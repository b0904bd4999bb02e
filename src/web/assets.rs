//! The stylesheet and script, compiled into the binary so the dashboard renders with no
//! network and no files beside the executable.

use super::page::PageError;
use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};

const STYLESHEET: &str = include_str!("../../static/css/app.css");
const SCRIPT: &str = include_str!("../../static/js/app.js");
const ICON: &str = include_str!("../../static/img/icon.svg");
const SVG: &str = "image/svg+xml";

pub async fn serve(file: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (content_type, body) = match file.as_str() {
        "app.css" => ("text/css; charset=utf-8", STYLESHEET),
        "app.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "icon.svg" => (SVG, ICON),
        _ => return Err(PageError::NotFound),
    };
    Ok(cached(content_type, body))
}

/// Browsers ask for `/favicon.ico` before reading a page's icon link (and for responses that
/// are not pages): the same icon, so no first load logs a 404.
pub async fn favicon() -> HttpResponse {
    cached(SVG, ICON)
}

fn cached(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(3600),
        ]))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}
