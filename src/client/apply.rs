//! `latchkey apply -f latchkey.toml`: a project's content types and service-account tokens
//! as code. Read what exists, plan what differs, then (unless `--dry-run`) make it so, by name
//! and idempotently: a second run changes nothing. It adds and updates; it never removes or
//! revokes what the file does not mention (do that by hand, where it shows).

use super::{ApiClient, ClientError, output};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    content_types: Vec<ContentTypeSpec>,
    #[serde(default)]
    tokens: Vec<TokenSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentTypeSpec {
    uid: String,
    display_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenSpec {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "type", default = "read_only")]
    token_type: String,
    #[serde(default)]
    permissions: Vec<String>,
    /// Used when the token is created; an existing token keeps its expiry.
    expires_in_days: Option<i64>,
}

fn read_only() -> String {
    "read-only".to_owned()
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Self, ClientError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ClientError::Usage(format!("cannot read {}: {e}", path.display())))?;
        let manifest: Manifest = toml::from_str(&text)
            .map_err(|e| ClientError::Usage(format!("{} is not valid: {e}", path.display())))?;
        let mut names = BTreeSet::new();
        for token in &manifest.tokens {
            if !names.insert(token.name.trim().to_lowercase()) {
                return Err(ClientError::Usage(format!(
                    "{} names the token “{}” twice",
                    path.display(),
                    token.name
                )));
            }
        }
        Ok(manifest)
    }
}

/// One step of the plan.
#[derive(Debug)]
enum Step {
    AddContentType {
        uid: String,
        display_name: String,
    },
    CreateToken {
        body: Value,
    },
    UpdateToken {
        id: String,
        name: String,
        body: Value,
        changes: Vec<String>,
    },
}

impl Step {
    fn describe(&self) -> String {
        match self {
            Self::AddContentType { uid, .. } => format!("add content type {uid}"),
            Self::CreateToken { body } => format!(
                "create token “{}” ({})",
                body["name"].as_str().unwrap_or_default(),
                body["type"].as_str().unwrap_or_default()
            ),
            Self::UpdateToken { name, changes, .. } => {
                format!("update token “{name}”: {}", changes.join(", "))
            }
        }
    }
}

pub async fn apply(
    api: &ApiClient,
    manifest: Manifest,
    dry_run: bool,
    json_out: bool,
    secrets_file: Option<&Path>,
) -> Result<(), ClientError> {
    if let Some(path) = secrets_file.filter(|path| path.exists()) {
        return Err(ClientError::Usage(format!(
            "{} already exists: name a new file for the secrets",
            path.display()
        )));
    }
    let (steps, notes) = plan(api, &manifest).await?;
    for note in &notes {
        eprintln!("note: {note}");
    }
    if dry_run || steps.is_empty() {
        if json_out {
            let planned: Vec<String> = steps.iter().map(Step::describe).collect();
            output::print_json(&json!({ "dry_run": dry_run, "steps": planned }));
        } else if steps.is_empty() {
            println!("Nothing to change.");
        } else {
            for step in &steps {
                println!("would {}", step.describe());
            }
        }
        return Ok(());
    }
    let mut secrets = Map::new();
    let mut done = Vec::new();
    for step in &steps {
        match step {
            Step::AddContentType { uid, display_name } => {
                let body = json!({ "uid": uid, "display_name": display_name });
                api.send(Method::POST, "/content-types", &[], Some(&body))
                    .await?;
            }
            Step::CreateToken { body } => {
                let issued = api.send(Method::POST, "/tokens", &[], Some(body)).await?;
                let name = issued["name"].as_str().unwrap_or_default().to_owned();
                let secret = issued["token"].clone();
                secrets.insert(name, secret);
            }
            Step::UpdateToken { id, body, .. } => {
                api.send(Method::PATCH, &format!("/tokens/{id}"), &[], Some(body))
                    .await?;
            }
        }
        if !json_out {
            println!("{}", step.describe());
        }
        done.push(step.describe());
    }
    let secrets = Value::Object(secrets);
    if let Some(path) = secrets_file {
        let contents = serde_json::to_string_pretty(&secrets).unwrap_or_default();
        crate::private_files::write_new(path, format!("{contents}\n").as_bytes()).map_err(|e| {
            ClientError::Local(format!(
                "cannot write the secrets to {}: {e} (the tokens were created all the same: regenerate them to get secrets again)",
                path.display()
            ))
        })?;
    }
    if json_out {
        let mut answer = json!({ "dry_run": false, "steps": done });
        if secrets_file.is_none() {
            answer["secrets"] = secrets;
        }
        output::print_json(&answer);
    } else if let Some(path) = secrets_file {
        eprintln!(
            "The new tokens' secrets are in {} (mode 0600).",
            path.display()
        );
    } else if let Some(secrets) = secrets.as_object().filter(|all| !all.is_empty()) {
        eprintln!("The new tokens' secrets, shown this once; store them now:");
        for (name, secret) in secrets {
            println!("{name}\t{}", secret.as_str().unwrap_or_default());
        }
    }
    Ok(())
}

async fn plan(
    api: &ApiClient,
    manifest: &Manifest,
) -> Result<(Vec<Step>, Vec<String>), ClientError> {
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let existing = api.send(Method::GET, "/content-types", &[], None).await?;
    let existing = existing["data"].as_array().cloned().unwrap_or_default();
    for wanted in &manifest.content_types {
        let uid = wanted.uid.trim();
        match existing.iter().find(|ct| ct["uid"] == uid) {
            None => steps.push(Step::AddContentType {
                uid: uid.to_owned(),
                display_name: wanted.display_name.trim().to_owned(),
            }),
            Some(found) if found["display_name"] != wanted.display_name.trim() => notes.push(format!(
                "content type {uid} is named “{}” here, not “{}”: content types are not renamed",
                found["display_name"].as_str().unwrap_or_default(),
                wanted.display_name.trim()
            )),
            Some(_) => {}
        }
    }
    // Every token not revoked.
    let (tokens, _) = api
        .list_tokens(vec![("per_page", "100".to_owned())], true)
        .await?;
    for wanted in &manifest.tokens {
        let name = wanted.name.trim();
        let found = tokens.iter().find(|token| {
            token["name"]
                .as_str()
                .is_some_and(|stored| stored.to_lowercase() == name.to_lowercase())
        });
        let permissions: BTreeSet<&str> = wanted.permissions.iter().map(|p| p.trim()).collect();
        let Some(found) = found else {
            let mut body = json!({
                "name": name,
                "description": wanted.description,
                "kind": "service",
                "type": wanted.token_type,
            });
            if wanted.token_type == "custom" {
                body["permissions"] = json!(permissions);
            }
            if let Some(days) = wanted.expires_in_days {
                body["duration_days"] = json!(days);
            }
            steps.push(Step::CreateToken { body });
            continue;
        };
        if found["kind"] != "service" {
            notes.push(format!(
                "“{name}” is a personal token: apply manages service-account tokens only, so it is left alone"
            ));
            continue;
        }
        let mut body = Map::new();
        let mut changes = Vec::new();
        if found["description"] != wanted.description.as_str() {
            body.insert("description".into(), json!(wanted.description));
            changes.push("description".to_owned());
        }
        if found["type"] != wanted.token_type.as_str() {
            body.insert("type".into(), json!(wanted.token_type));
            changes.push(format!(
                "type {} → {}",
                found["type"].as_str().unwrap_or_default(),
                wanted.token_type
            ));
        }
        if wanted.token_type == "custom" {
            let stored: BTreeSet<&str> = found["permissions"]
                .as_array()
                .map(|all| all.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if stored != permissions {
                body.insert("permissions".into(), json!(permissions));
                changes.push(format!(
                    "permissions {}",
                    permissions.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if !changes.is_empty() {
            steps.push(Step::UpdateToken {
                id: found["id"].as_str().unwrap_or_default().to_owned(),
                name: name.to_owned(),
                body: Value::Object(body),
                changes,
            });
        }
    }
    Ok((steps, notes))
}
