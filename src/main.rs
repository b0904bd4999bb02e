//! Command-line entry point: parse, load settings, dispatch.

use clap::{Parser, Subcommand};
use latchkey::commands::{self, KeysAction, MigrateAction};
use latchkey::config::Settings;
use latchkey::startup::Application;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "latchkey", version, about = "Self-hosted API token manager")]
struct Cli {
    /// A TOML config file (also LATCHKEY_CONFIG); LATCHKEY_* variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve,
    /// Apply, roll back or list schema migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateCommand>,
    },
    /// List, add, promote or retire the server's secret keys (the key ring).
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Create a super admin; the password is prompted for, or read from the first line of stdin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Create a project with its built-in api-token content type.
    CreateProject {
        #[arg(long)]
        name: String,
        #[arg(long)]
        slug: String,
        #[arg(long, value_parser = ["free", "professional", "professional_unlimited"])]
        plan: String,
        /// Email of an existing user who becomes the project's owner.
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// The keys, current first, with the active tokens hashed under each.
    List,
    /// Add a new random key, accepted but not yet current.
    Add,
    /// Make a key current; the previous current key stays accepted.
    Promote { id: String },
    /// Remove a key that is not current: what it made is no longer accepted.
    Retire { id: String },
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Apply every pending migration (the default).
    Up,
    /// Roll back the most recent migrations.
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List applied and pending migrations.
    Status,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    latchkey::telemetry::init_subscriber(matches!(cli.command, Command::Serve));
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate { action } => {
            let action = match action.unwrap_or(MigrateCommand::Up) {
                MigrateCommand::Up => MigrateAction::Up,
                MigrateCommand::Down { steps } => MigrateAction::Down { steps },
                MigrateCommand::Status => MigrateAction::Status,
            };
            commands::migrate(&settings, action).await?;
        }
        Command::Keys { action } => {
            let action = match action {
                KeysCommand::List => KeysAction::List,
                KeysCommand::Add => KeysAction::Add,
                KeysCommand::Promote { id } => KeysAction::Promote { id },
                KeysCommand::Retire { id } => KeysAction::Retire { id },
            };
            commands::keys(&settings, action).await?;
        }
        Command::CreateAdmin { email, name } => {
            commands::create_admin(&settings, &email, &name).await?
        }
        Command::CreateProject {
            name,
            slug,
            plan,
            owner,
        } => commands::create_project(&settings, &name, &slug, &plan, owner.as_deref()).await?,
    }
    Ok(())
}
