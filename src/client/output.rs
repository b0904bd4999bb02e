//! What the client prints: tables and details for people, JSON for scripts, and a secret
//! once — alone on standard output (what `$(latchkey tokens create …)` captures), the words
//! about it on standard error, or into a new file only its owner may read.

use super::ClientError;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

pub fn print_json(value: &Value) {
    // A `Value` always serialises.
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A date as its day and minute, which is what a table needs.
fn when(value: &Value) -> String {
    match value.as_str() {
        Some(at) => at.get(..16).unwrap_or(at).replace('T', " "),
        None => "never".to_owned(),
    }
}

pub fn token_table(rows: &[Value]) {
    if rows.is_empty() {
        println!("No tokens.");
        return;
    }
    let header = [
        "ID",
        "NAME",
        "KIND",
        "TYPE",
        "STATUS",
        "EXPIRES",
        "LAST USED",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                text(&row["id"]),
                text(&row["name"]),
                text(&row["kind"]),
                text(&row["type"]),
                text(&row["status"]),
                when(&row["expires_at"]),
                when(&row["last_used_at"]),
            ]
        })
        .collect();
    let mut widths = header.map(|title| title.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(&header.map(str::to_owned));
    for row in &cells {
        line(row);
    }
}

pub fn token_details(token: &Value) {
    let permissions = token["permissions"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    for (label, value) in [
        ("id", text(&token["id"])),
        ("name", text(&token["name"])),
        ("description", text(&token["description"])),
        ("kind", text(&token["kind"])),
        ("type", text(&token["type"])),
        ("permissions", permissions),
        ("status", text(&token["status"])),
        ("expires", when(&token["expires_at"])),
        ("last used", when(&token["last_used_at"])),
        ("created", when(&token["created_at"])),
    ] {
        println!("{label:<12} {value}");
    }
}

/// An answer of create, regenerate or refresh: the token and its one-time secret.
pub struct Secret {
    answer: Value,
    secret: String,
    done: &'static str,
}

impl Secret {
    pub fn of(mut answer: Value, done: &'static str) -> Result<Self, ClientError> {
        let secret = match answer.as_object_mut().and_then(|body| body.remove("token")) {
            Some(Value::String(secret)) => secret,
            _ => {
                return Err(ClientError::Local(
                    "the server's answer holds no secret".into(),
                ));
            }
        };
        Ok(Self {
            answer,
            secret,
            done,
        })
    }

    pub fn deliver(self, json: bool, file: Option<&Path>) -> Result<(), ClientError> {
        let name = text(&self.answer["name"]);
        let id = text(&self.answer["id"]);
        if let Some(path) = file {
            crate::private_files::write_new(path, format!("{}\n", self.secret).as_bytes())
                .map_err(|e| {
                    ClientError::Local(format!(
                        "cannot write the secret to {}: {e} (the token was {} all the same: regenerate it to get a secret again)",
                        path.display(),
                        self.done.to_lowercase()
                    ))
                })?;
        }
        if json {
            let mut answer = self.answer;
            if file.is_none() {
                answer["token"] = Value::String(self.secret);
            }
            print_json(&answer);
            return Ok(());
        }
        match file {
            Some(path) => eprintln!(
                "{} token “{name}” ({id}); its secret is in {} (mode 0600).",
                self.done,
                path.display()
            ),
            None => {
                eprintln!(
                    "{} token “{name}” ({id}). Its secret is shown this once, below; store it now.",
                    self.done
                );
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", self.secret)
                    .map_err(|e| ClientError::Local(format!("cannot print the secret: {e}")))?;
            }
        }
        Ok(())
    }
}
