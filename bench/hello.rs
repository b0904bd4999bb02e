//! The references for `bench/verify.sh`:
//!
//! - `GET /`: a bare actix-web server answering "hello" — the fastest an actix-web endpoint
//!   can be on this machine; every verification target is a share of it.
//! - `POST /json`: a bare handler that reads a JSON body shaped like a verify request and
//!   answers a fixed 401 body of the size of Latchkey's — what HTTP alone costs for a request
//!   of that shape, before any token is looked at. Shown for context, not used for a target.
//! - `GET /forward-auth`: a bare handler that answers a forward-auth request (a bearer header,
//!   `?permission=`) as Latchkey does when it allows it, with the same six headers of the same
//!   sizes, without checking anything — what HTTP alone costs for that exchange. Shown for
//!   context.
//!
//! `cargo run --release --example bench_hello -- 127.0.0.1:8081`

use actix_web::{App, HttpResponse, HttpServer, web};
use serde::Deserialize;

#[derive(Deserialize)]
struct VerifyShape {
    #[allow(dead_code)]
    token: String,
    #[allow(dead_code)]
    permission: Option<String>,
}

const REFUSAL: &str = r#"{"error":{"code":"authentication_error","message":"Invalid or missing API token","data":{},"trace_id":"00000000-0000-0000-0000-000000000000"}}"#;

/// Latchkey's answer headers for an allowed forward-auth check, with values of their sizes.
const ALLOWED: [(&str, &str); 6] = [
    ("cache-control", "no-store"),
    ("latchkey-token-id", "01a23c5e-3e0c-7201-9264-4f9029e0feba"),
    ("latchkey-token-name", "Bench token 000000"),
    ("latchkey-project", "bench"),
    ("latchkey-token-kind", "service"),
    ("latchkey-user", ""),
];

async fn allow(request: actix_web::HttpRequest) -> HttpResponse {
    if !request
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        return HttpResponse::Unauthorized().finish();
    }
    let mut answer = HttpResponse::Ok();
    for header in ALLOWED {
        answer.insert_header(header);
    }
    answer.finish()
}

async fn refuse(_: web::Json<VerifyShape>) -> HttpResponse {
    HttpResponse::Unauthorized()
        .content_type("application/json")
        .body(REFUSAL)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
    HttpServer::new(|| {
        App::new()
            .route("/", web::to(|| async { HttpResponse::Ok().body("hello") }))
            .route("/json", web::post().to(refuse))
            .route("/forward-auth", web::get().to(allow))
    })
    .bind(bind)?
    .run()
    .await
}
