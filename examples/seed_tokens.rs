//! Seeds a data folder for benchmarks: a super admin, a `professional_unlimited` project and
//! N tokens created through the token service (so every row, permission and audit event is
//! what the product itself writes).
//!
//! `cargo run --release --example seed_tokens -- <data-dir> <count> <admin-email> <password>`

use latchkey::accounts::NewUser;
use latchkey::config::{FileSettings, Settings};
use latchkey::domain::{
    Actor, ContentTypeName, ContentTypeUid, DisplayName, Email, Password, Plan, ProjectName,
    ProjectSlug,
};
use latchkey::projects::NewProject;
use latchkey::services::Services;
use latchkey::tokens::{DurationInput, NewToken, NewTokenInput};
use std::path::PathBuf;
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data_dir, count, email, password] = args.as_slice() else {
        anyhow::bail!("usage: seed_tokens <data-dir> <count> <admin-email> <password>");
    };
    let count: usize = count.parse()?;
    let settings = Settings::resolve(
        FileSettings {
            data_dir: Some(PathBuf::from(data_dir)),
            ..FileSettings::default()
        },
        |name| std::env::var(name).ok(),
    )?;
    let services = Services::connect_and_migrate(&settings).await?;
    let system = Actor::system();
    services
        .accounts
        .create_user(
            &system,
            NewUser {
                email: Email::parse(email).map_err(anyhow::Error::msg)?,
                display_name: DisplayName::parse("Bench Admin").map_err(anyhow::Error::msg)?,
                password: Password::parse(password.clone(), &[email])
                    .map_err(anyhow::Error::msg)?,
                is_super_admin: true,
            },
        )
        .await?;
    let project = services
        .projects
        .create(
            &system,
            NewProject {
                name: ProjectName::parse("Bench").map_err(anyhow::Error::msg)?,
                slug: ProjectSlug::parse("bench").map_err(anyhow::Error::msg)?,
                plan: Plan::ProfessionalUnlimited,
                owner: Some(Email::parse(email).map_err(anyhow::Error::msg)?),
            },
        )
        .await?;
    for uid in ["article", "category"] {
        services
            .projects
            .add_content_type(
                &system,
                project.id,
                ContentTypeUid::parse(uid).map_err(anyhow::Error::msg)?,
                ContentTypeName::parse(uid).map_err(anyhow::Error::msg)?,
            )
            .await?;
    }
    let started = Instant::now();
    for i in 0..count {
        let (token_type, permissions, duration) = match i % 3 {
            0 => ("read-only", vec![], DurationInput::Days(90)),
            1 => ("full-access", vec![], DurationInput::Unlimited),
            _ => (
                "custom",
                vec!["article.find".to_owned(), "article.create".to_owned()],
                DurationInput::Days(30),
            ),
        };
        let input = NewTokenInput {
            name: format!("Token {i:05}"),
            description: format!("Integration number {i}"),
            kind: "service".into(),
            token_type: token_type.into(),
            permissions,
            duration,
        };
        let new = NewToken::parse(input, chrono::Utc::now()).map_err(|e| anyhow::anyhow!("{e}"))?;
        services.tokens.create(&system, project.id, new).await?;
    }
    eprintln!(
        "seeded {count} tokens in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
