//! The reference for `bench/verify.sh`: a bare actix-web server answering "hello" — the
//! fastest an actix-web endpoint can be on this machine, to compare verification against.
//!
//! `cargo run --release --example bench_hello -- 127.0.0.1:8081`

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
    HttpServer::new(|| {
        App::new().route("/", web::to(|| async { HttpResponse::Ok().body("hello") }))
    })
    .bind(bind)?
    .run()
    .await
}
