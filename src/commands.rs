//! The command-line actions other than `serve`.

use crate::accounts::NewUser;
use crate::config::Settings;
use crate::db;
use crate::domain::{Actor, DisplayName, Email, Password, Plan, ProjectName, ProjectSlug};
use crate::error::AppError;
use crate::projects::NewProject;
use crate::services::Services;
use anyhow::{Context, bail};
use migration::{Migrator, MigratorTrait};
use std::io::{BufRead, IsTerminal};

pub enum KeysAction {
    List,
    Add,
    Promote { id: String },
    Retire { id: String },
}

/// `latchkey keys`: lists the ring with the active tokens under each key, or changes a ring
/// kept in the data folder. A running server reads the ring when it starts.
pub async fn keys(settings: &Settings, action: KeysAction) -> anyhow::Result<()> {
    use crate::config::RingFile;
    let ring_file = || RingFile::open(&settings.keys, &settings.data_dir);
    match action {
        KeysAction::List => {
            let services = Services::connect_and_migrate(settings).await?;
            let counts = services.tokens.active_by_key().await?;
            let count_of = |id: &str| {
                counts
                    .iter()
                    .find(|(key, _)| key == id)
                    .map_or(0, |(_, n)| *n)
            };
            println!("{:<10} {:<9} ACTIVE TOKENS", "ID", "STATE");
            for (index, key) in settings.keys.keys().iter().enumerate() {
                let id = key.id();
                let state = if index == 0 { "current" } else { "accepted" };
                println!("{id:<10} {state:<9} {}", count_of(&id));
            }
            for (id, n) in &counts {
                if !settings.keys.keys().iter().any(|key| &key.id() == id) {
                    println!("{id:<10} {:<9} {n} (no longer verify)", "retired");
                }
            }
        }
        KeysAction::Add => {
            let id = ring_file()?.add()?;
            println!(
                "Added key {id}: accepted, not yet current. Restart every instance, then run                  `latchkey keys promote {id}`."
            );
        }
        KeysAction::Promote { id } => {
            ring_file()?.promote(&id)?;
            println!(
                "Key {id} is current: new tokens, cookies and access tokens use it after a                  restart; the previous key is still accepted."
            );
        }
        KeysAction::Retire { id } => {
            ring_file()?.retire(&id)?;
            let services = Services::connect_and_migrate(settings).await?;
            let left = services
                .tokens
                .active_by_key()
                .await?
                .into_iter()
                .find(|(key, _)| *key == id)
                .map_or(0, |(_, n)| n);
            println!(
                "Retired key {id}: after a restart, {left} active token(s) hashed under it stop                  verifying, and sessions and access tokens made under it end."
            );
        }
    }
    Ok(())
}

pub enum MigrateAction {
    Up,
    Down { steps: u32 },
    Status,
}

pub async fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url, settings.database_max_connections).await?;
    match action {
        MigrateAction::Up => {
            let migrated = crate::schema::migrate_up(&settings.database_url, &db).await?;
            println!(
                "Applied {} migration(s); the schema is up to date.",
                migrated.applied
            );
        }
        MigrateAction::Down { steps } => {
            crate::schema::migrate_down(&settings.database_url, &db, steps).await?;
            println!("Rolled back {steps} migration(s).");
        }
        MigrateAction::Status => {
            for migration in Migrator::get_applied_migrations(&db).await? {
                println!("applied  {}", migration.name());
            }
            for migration in Migrator::get_pending_migrations(&db).await? {
                println!("pending  {}", migration.name());
            }
        }
    }
    Ok(())
}

/// Creates a super admin. The password comes from a prompt on a terminal, otherwise from
/// the first line of standard input, never from an argument (which `ps` would show).
pub async fn create_admin(settings: &Settings, email: &str, name: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let display_name = DisplayName::parse(name).map_err(anyhow::Error::msg)?;
    let password = read_password().and_then(|raw| {
        Password::parse(raw, &[email.as_str(), display_name.as_str()]).map_err(anyhow::Error::msg)
    })?;
    let services = Services::connect_and_migrate(settings).await?;
    let user = services
        .accounts
        .create_user(
            &Actor::system(),
            NewUser {
                email,
                display_name,
                password,
                is_super_admin: true,
            },
        )
        .await
        .map_err(explain)?;
    println!("Created super admin {} ({}).", user.email, user.id);
    Ok(())
}

pub async fn create_project(
    settings: &Settings,
    name: &str,
    slug: &str,
    plan: &str,
    owner: Option<&str>,
) -> anyhow::Result<()> {
    let new = NewProject {
        name: ProjectName::parse(name).map_err(anyhow::Error::msg)?,
        slug: ProjectSlug::parse(slug).map_err(anyhow::Error::msg)?,
        plan: Plan::parse(plan).map_err(anyhow::Error::msg)?,
        owner: owner
            .map(|raw| Email::parse(raw).map_err(anyhow::Error::msg))
            .transpose()?,
    };
    let services = Services::connect_and_migrate(settings).await?;
    let project = services
        .projects
        .create(&Actor::system(), new)
        .await
        .map_err(explain)?;
    println!(
        "Created project {} ({}) on the {} plan.",
        project.slug,
        project.id,
        project.plan.label()
    );
    if let Some(owner) = owner {
        println!("{} is its owner.", owner.trim().to_lowercase());
    }
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let second = rpassword::prompt_password("Repeat the password: ")
            .context("cannot read the password")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input: pipe it in as the first line");
        }
        Ok(password)
    }
}

/// Turns a domain error into a message fit for a terminal.
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(fields) => anyhow::anyhow!("{fields}"),
        AppError::Conflict { message, .. } => anyhow::anyhow!("{message}"),
        other => anyhow::Error::new(other),
    }
}
