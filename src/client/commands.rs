//! `latchkey tokens …` and `latchkey verify`: each a request of the JSON API, its answer
//! printed for a person or, with `--json`, as the API gave it.

use super::output::{self, Secret};
use super::{ApiClient, ClientError, Connection};
use clap::Subcommand;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// The project's tokens, newest first (every token not revoked, unless --status says).
    List {
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_parser = ["active", "expired", "revoked"])]
        status: Option<String>,
        #[arg(long, value_parser = ["service", "personal"])]
        kind: Option<String>,
        #[arg(long = "type", value_parser = ["read-only", "full-access", "custom"])]
        token_type: Option<String>,
        #[arg(long, value_parser = ["name", "created", "last_used"])]
        sort: Option<String>,
        #[arg(long, value_parser = ["asc", "desc"])]
        order: Option<String>,
        #[arg(long, default_value_t = 50)]
        per_page: u32,
        /// Every page, not only the first.
        #[arg(long)]
        all: bool,
    },
    /// One token, without its secret.
    Show { id: String },
    /// A new token; its secret is printed once (or written to --secret-file).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long, value_parser = ["service", "personal"])]
        kind: Option<String>,
        #[arg(long = "type", value_parser = ["read-only", "full-access", "custom"])]
        token_type: Option<String>,
        /// A permission of a custom token (`article.find`); repeat for more.
        #[arg(long = "permission", value_name = "PERMISSION")]
        permissions: Vec<String>,
        /// Expires this many days from now (7, 30, 90, 180 or 365); without it or
        /// --expires-at, the token never expires.
        #[arg(long, conflicts_with = "expires_at")]
        expires_in_days: Option<i64>,
        /// Expires at this RFC 3339 time.
        #[arg(long)]
        expires_at: Option<String>,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Change a token's name, description, type or permissions; what is not given stays.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long = "type", value_parser = ["read-only", "full-access", "custom"])]
        token_type: Option<String>,
        /// The custom token's permissions, all of them; repeat for more.
        #[arg(long = "permission", value_name = "PERMISSION")]
        permissions: Vec<String>,
    },
    /// A new secret for a token; the old one stops at once.
    Regenerate {
        id: String,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Revoke a token for good.
    Revoke { id: String },
    /// The API key itself gets a new secret with a fresh lifetime; the old one stops.
    Refresh {
        #[command(flatten)]
        secret: SecretArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct SecretArgs {
    /// Write the secret to this new file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

impl SecretArgs {
    /// The file, refused before the server is asked if it exists: a secret is issued once,
    /// and one that could not be written would be lost.
    fn file(&self) -> Result<Option<&std::path::Path>, ClientError> {
        match &self.secret_file {
            Some(path) if path.exists() => Err(ClientError::Usage(format!(
                "{} already exists: name a new file for the secret",
                path.display()
            ))),
            path => Ok(path.as_deref()),
        }
    }
}

pub async fn run_tokens(
    connection: &Connection,
    json: bool,
    command: TokensCommand,
) -> Result<(), ClientError> {
    let api = ApiClient::new(connection)?;
    match command {
        TokensCommand::List {
            search,
            status,
            kind,
            token_type,
            sort,
            order,
            per_page,
            all,
        } => {
            let mut query: Vec<(&str, String)> = [
                ("search", search),
                ("status", status),
                ("kind", kind),
                ("type", token_type),
                ("sort", sort),
                ("order", order),
            ]
            .into_iter()
            .filter_map(|(key, value)| value.map(|value| (key, value)))
            .collect();
            query.push(("per_page", per_page.to_string()));
            let (rows, last_page) = api.list_tokens(query, all).await?;
            if json {
                // One page as the API gave it; every page as one list.
                let answer = if all {
                    json!({ "data": rows })
                } else {
                    last_page
                };
                output::print_json(&answer);
            } else {
                output::token_table(&rows);
                if let Some(more) = Some(&last_page).filter(|_| !all).and_then(more_note) {
                    eprintln!("{more}");
                }
            }
        }
        TokensCommand::Show { id } => {
            let token = api.send(Method::GET, &token_path(&id)?, &[], None).await?;
            if json {
                output::print_json(&token);
            } else {
                output::token_details(&token);
            }
        }
        TokensCommand::Create {
            name,
            description,
            kind,
            token_type,
            permissions,
            expires_in_days,
            expires_at,
            secret,
        } => {
            let mut body = Map::new();
            body.insert("name".into(), json!(name));
            insert_some(&mut body, "description", description);
            insert_some(&mut body, "kind", kind);
            insert_some(&mut body, "type", token_type);
            if !permissions.is_empty() {
                body.insert("permissions".into(), json!(permissions));
            }
            insert_some(&mut body, "duration_days", expires_in_days);
            insert_some(&mut body, "expires_at", expires_at);
            let file = secret.file()?;
            let issued = api
                .send(Method::POST, "/tokens", &[], Some(&Value::Object(body)))
                .await?;
            Secret::of(issued, "Created")?.deliver(json, file)?;
        }
        TokensCommand::Update {
            id,
            name,
            description,
            token_type,
            permissions,
        } => {
            let mut body = Map::new();
            insert_some(&mut body, "name", name);
            insert_some(&mut body, "description", description);
            insert_some(&mut body, "type", token_type);
            if !permissions.is_empty() {
                body.insert("permissions".into(), json!(permissions));
            }
            if body.is_empty() {
                return Err(ClientError::Usage(
                    "nothing to change: give --name, --description, --type or --permission".into(),
                ));
            }
            let token = api
                .send(
                    Method::PATCH,
                    &token_path(&id)?,
                    &[],
                    Some(&Value::Object(body)),
                )
                .await?;
            if json {
                output::print_json(&token);
            } else {
                output::token_details(&token);
            }
        }
        TokensCommand::Regenerate { id, secret } => {
            let path = format!("{}/regenerate", token_path(&id)?);
            let file = secret.file()?;
            let issued = api.send(Method::POST, &path, &[], None).await?;
            Secret::of(issued, "Regenerated")?.deliver(json, file)?;
        }
        TokensCommand::Revoke { id } => {
            api.send(Method::DELETE, &token_path(&id)?, &[], None)
                .await?;
            if json {
                output::print_json(&json!({ "id": id, "revoked": true }));
            } else {
                println!("Revoked token {id}.");
            }
        }
        TokensCommand::Refresh { secret } => {
            let file = secret.file()?;
            let issued = api.send(Method::POST, "/tokens/refresh", &[], None).await?;
            Secret::of(issued, "Refreshed")?.deliver(json, file)?;
        }
    }
    Ok(())
}

/// `latchkey verify TOKEN [--permission P]`: `-` reads the token from standard input, so it
/// need not appear in the shell's history or the process list.
pub async fn run_verify(
    connection: &Connection,
    json: bool,
    token: String,
    permission: Option<String>,
) -> Result<(), ClientError> {
    let api = ApiClient::new(connection)?;
    let token = if token == "-" {
        let mut read = String::new();
        std::io::stdin()
            .read_to_string(&mut read)
            .map_err(|e| ClientError::Local(format!("cannot read the token from stdin: {e}")))?;
        read.trim().to_owned()
    } else {
        token
    };
    let mut body = json!({ "token": token });
    if let Some(permission) = permission {
        body["permission"] = json!(permission);
    }
    let answer = api.send_anonymous("/verify", &body).await?;
    if json {
        output::print_json(&answer);
    } else {
        let token = &answer["token"];
        println!(
            "valid: {} ({} token of project {}, {})",
            token["name"].as_str().unwrap_or_default(),
            token["kind"].as_str().unwrap_or_default(),
            token["project"].as_str().unwrap_or_default(),
            token["type"].as_str().unwrap_or_default(),
        );
    }
    Ok(())
}

/// A token id is a UUID: anything else is a typo, caught before it reaches a URL.
fn token_path(id: &str) -> Result<String, ClientError> {
    let parsed = uuid::Uuid::parse_str(id.trim())
        .map_err(|_| ClientError::Usage(format!("'{id}' is not a token id (a UUID)")))?;
    Ok(format!("/tokens/{parsed}"))
}

fn insert_some(body: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        body.insert(key.into(), value.into());
    }
}

fn more_note(page: &Value) -> Option<String> {
    page["meta"]["next"].as_str()?;
    let total = page["meta"]["total"].as_u64().unwrap_or_default();
    let exact = page["meta"]["total_exact"].as_bool().unwrap_or(true);
    Some(format!(
        "{} tokens in all: --all lists every page.",
        if exact {
            total.to_string()
        } else {
            format!("more than {total}")
        }
    ))
}
