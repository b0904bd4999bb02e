//! Command-line entry point: parse, load settings, dispatch.

use clap::{Parser, Subcommand};
use latchkey::client::{self, Connection, TokensCommand};
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

/// Where the server is, for the client commands.
#[derive(clap::Args)]
struct ServerArgs {
    /// The server's address.
    #[arg(long, env = "LATCHKEY_BASE_URL", default_value = client::DEFAULT_BASE_URL, global = true)]
    base_url: String,
    /// A project API token, or an access token from POST /api/v1/auth/login.
    #[arg(long, env = "LATCHKEY_API_KEY", hide_env_values = true, global = true)]
    api_key: Option<String>,
    /// Certificates (PEM) to trust for an https:// server beside the system's, e.g. a
    /// private CA.
    #[arg(long, env = "LATCHKEY_CA_CERT", value_name = "FILE", global = true)]
    ca_cert: Option<PathBuf>,
    /// The API's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
}

impl ServerArgs {
    fn connection(&self) -> Connection {
        Connection {
            base_url: self.base_url.clone(),
            api_key: self.api_key.clone(),
            ca_cert: self.ca_cert.clone(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Manage a project's tokens on a running server, over its JSON API.
    Tokens {
        #[command(flatten)]
        server: ServerArgs,
        #[command(subcommand)]
        action: TokensCommand,
    },
    /// Sign in to a running server: prints an administrator's short-lived access token for
    /// one project (the password is prompted for, or read from the first line of stdin).
    Login {
        #[arg(long)]
        email: String,
        #[arg(long)]
        project: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Make a project's content types and service-account tokens what FILE says; a second
    /// run changes nothing. Adds and updates, never removes.
    Apply {
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        file: PathBuf,
        /// Show the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the new tokens' secrets to this new file (JSON, mode 0600).
        #[arg(long, value_name = "FILE")]
        secrets_file: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Ask a running server whether a token is valid (and may do --permission); `-` reads
    /// the token from standard input.
    Verify {
        token: String,
        #[arg(long)]
        permission: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
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
    // The client commands talk to a server: they read no settings and touch no data folder.
    let client = match cli.command {
        Command::Tokens { server, action } => {
            client::run_tokens(&server.connection(), server.json, action).await
        }
        Command::Verify {
            token,
            permission,
            server,
        } => client::run_verify(&server.connection(), server.json, token, permission).await,
        Command::Login {
            email,
            project,
            server,
        } => client::run_login(&server.connection(), &email, &project).await,
        Command::Apply {
            file,
            dry_run,
            secrets_file,
            server,
        } => {
            client::run_apply(
                &server.connection(),
                server.json,
                &file,
                dry_run,
                secrets_file.as_deref(),
            )
            .await
        }
        command => {
            let server_side = Cli {
                config: cli.config,
                command,
            };
            return match run(server_side).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    match client {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(detail) = error.detail() {
                eprintln!("detail: {detail}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        // Answered by `main` without settings.
        Command::Tokens { .. }
        | Command::Verify { .. }
        | Command::Login { .. }
        | Command::Apply { .. } => {}
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
