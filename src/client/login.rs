//! `latchkey login`: an administrator's short-lived access token for one project, for the
//! client commands that need a person rather than an API token (`apply` adds content types,
//! which only an admin may).

use super::{ApiClient, ClientError, Connection};
use serde_json::json;
use std::io::IsTerminal;

/// Prompts for the password on a terminal, else reads the first line of standard input;
/// prints the access token alone on standard output.
pub async fn run_login(
    connection: &Connection,
    email: &str,
    project: &str,
) -> Result<(), ClientError> {
    let api = ApiClient::new(connection)?;
    let password = read_password()?;
    let body = json!({ "email": email, "password": password, "project": project });
    let answer = api.send_anonymous("/auth/login", &body).await?;
    let token = answer["token"]
        .as_str()
        .ok_or_else(|| ClientError::Local("the server's answer holds no access token".into()))?;
    eprintln!(
        "Signed in to {project} as {email}; the access token is valid until {}.",
        answer["expires_at"].as_str().unwrap_or("soon")
    );
    println!("{token}");
    Ok(())
}

fn read_password() -> Result<String, ClientError> {
    let unreadable =
        |e: std::io::Error| ClientError::Local(format!("cannot read the password: {e}"));
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").map_err(unreadable);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(unreadable)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
