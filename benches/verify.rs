//! Micro-benchmarks of the verification path: `cargo bench --bench verify`.
//!
//! Token generation, the format check, the keyed hash, `verify` on a warm cache and on a
//! miss that reads SQLite, and the last-used note every allowed check leaves; with `LATCHKEY_BENCH_POSTGRES_URL` set, also on a warm cache kept
//! by PostgreSQL's change feed and on a miss reading PostgreSQL (a fresh database each run).

// A benchmark fixture that cannot be built is a failed benchmark.
#![allow(clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey::config::{FileSettings, Settings};
use latchkey::domain::{Actor, Permission, Plan, ProjectName, ProjectSlug};
use latchkey::projects::NewProject;
use latchkey::services::Services;
use latchkey::tokens::{DurationInput, NewToken, NewTokenInput, TokenHasher, TokenSecret, format};
use std::hint::black_box;

struct Fixture {
    services: Services,
    token_id: uuid::Uuid,
    secret: String,
    stored_hash: String,
    _dir: tempfile::TempDir,
}

/// A fresh database on the PostgreSQL server `base` names.
async fn fresh_postgres(base: &str) -> String {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(base).await.expect("postgres");
    // Criterion ends the process without a hook to drop it: the next run drops the last's.
    let left = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'lk_bench_%'",
        ))
        .await
        .expect("list databases");
    for row in left {
        let name: String = row.try_get_by_index(0).expect("a name");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .expect("drop an earlier run's database");
    }
    let name = format!("lk_bench_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let (head, _) = base.rsplit_once('/').expect("a database in the URL");
    format!("{head}/{name}")
}

/// SQLite by default; with `postgres`, that database with the change feed listening.
async fn fixture(postgres: Option<String>) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let on_postgres = postgres.is_some();
    let settings = Settings::resolve(
        FileSettings {
            data_dir: Some(dir.path().to_owned()),
            secret_key: postgres
                .as_ref()
                .map(|_| "a benchmark key of thirty-two characters or more".to_owned()),
            database_url: postgres,
            verify_cache_ttl_ms: Some(3_600_000),
            ..FileSettings::default()
        },
        |_| None,
    )
    .expect("settings");
    let services = Services::connect_and_migrate(&settings)
        .await
        .expect("database");
    if on_postgres {
        services
            .start_background_tasks(&settings)
            .await
            .expect("background tasks");
        while !services.tokens.cache().feed_is_connected() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let system = Actor::system();
    let project = services
        .projects
        .create(
            &system,
            NewProject {
                name: ProjectName::parse("Bench").expect("name"),
                slug: ProjectSlug::parse("bench").expect("slug"),
                plan: Plan::ProfessionalUnlimited,
                owner: None,
            },
        )
        .await
        .expect("project");
    let input = NewTokenInput {
        name: "Bench".into(),
        description: String::new(),
        kind: "service".into(),
        token_type: "read-only".into(),
        permissions: vec![],
        duration: DurationInput::Days(30),
    };
    let new = NewToken::parse(input, chrono::Utc::now()).expect("input");
    let issued = services
        .tokens
        .create(&system, project.id, new)
        .await
        .expect("token");
    let hasher = TokenHasher::new(&settings.keys.current().derive("token-hash"));
    Fixture {
        stored_hash: hasher.hash(&issued.secret).hex,
        token_id: issued.token.id,
        secret: issued.secret.expose_secret().to_owned(),
        services,
        _dir: dir,
    }
}

fn token_format(c: &mut Criterion) {
    c.bench_function("token generate", |b| b.iter(TokenSecret::generate));
    let raw = TokenSecret::generate()
        .expect("token")
        .expose_secret()
        .to_owned();
    c.bench_function("parse + checksum", |b| {
        b.iter(|| format::check(black_box(&raw)))
    });
    let hasher = TokenHasher::new(b"a benchmark key of thirty-two bytes");
    c.bench_function("HMAC-SHA256 (keyed state cloned)", |b| {
        b.iter(|| hasher.digest_bytes(black_box(raw.as_bytes())))
    });
}

fn verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fixture = runtime.block_on(fixture(None));
    let tokens = &fixture.services.tokens;
    let permission = Permission::parse("api-token.find").expect("permission");
    runtime
        .block_on(tokens.verify(&fixture.secret, Some(&permission)))
        .expect("valid");

    c.bench_function("verify, warm cache", |b| {
        b.iter(|| runtime.block_on(tokens.verify(black_box(&fixture.secret), Some(&permission))))
    });
    // What `/verify` and forward auth note after each allowed check: a client (address and
    // agent) already seen since the last flush, as every request of a busy client is.
    let client = Some(std::net::IpAddr::from([203, 0, 113, 7]));
    let agent = Some(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    );
    let last_used = &fixture.services.last_used;
    c.bench_function("last-used note, a client seen before", |b| {
        b.iter(|| last_used.record_from(fixture.token_id, chrono::Utc::now(), client, agent))
    });
    c.bench_function("verify, miss reading SQLite", |b| {
        b.iter(|| {
            tokens.cache().forget_token(&fixture.stored_hash);
            runtime.block_on(tokens.verify(black_box(&fixture.secret), Some(&permission)))
        })
    });
}

/// The change feed's listener and heartbeat run on a runtime thread of their own, as in the
/// server.
fn verification_on_postgres(c: &mut Criterion) {
    let Some(base) = std::env::var("LATCHKEY_BENCH_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let fixture = runtime.block_on(async { fixture(Some(fresh_postgres(&base).await)).await });
    let tokens = &fixture.services.tokens;
    let permission = Permission::parse("api-token.find").expect("permission");
    runtime
        .block_on(tokens.verify(&fixture.secret, Some(&permission)))
        .expect("valid");
    c.bench_function(
        "verify, warm cache kept by the PostgreSQL change feed",
        |b| {
            b.iter(|| {
                runtime.block_on(tokens.verify(black_box(&fixture.secret), Some(&permission)))
            })
        },
    );
    c.bench_function("verify, miss reading PostgreSQL", |b| {
        b.iter(|| {
            tokens.cache().forget_token(&fixture.stored_hash);
            runtime.block_on(tokens.verify(black_box(&fixture.secret), Some(&permission)))
        })
    });
}

criterion_group!(
    benches,
    token_format,
    verification,
    verification_on_postgres
);
criterion_main!(benches);
