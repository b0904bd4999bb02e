//! The command-line client of a running server: `latchkey tokens …`, `latchkey verify`,
//! `latchkey login` and `latchkey apply` over the JSON API, as any integration would call it. It reads `LATCHKEY_BASE_URL` and
//! `LATCHKEY_API_KEY` (flags override), prints tables for people and the API's JSON for
//! scripts (`--json`), and exits with a code that says whose fault a failure was.

mod apply;
mod commands;
mod login;
mod output;
mod tls;

pub use commands::{TokensCommand, run_tokens, run_verify};
pub use login::run_login;
pub use tls::install_provider as install_tls_provider;

/// `latchkey apply -f FILE [--dry-run] [--secrets-file F]`.
pub async fn run_apply(
    connection: &Connection,
    json: bool,
    file: &std::path::Path,
    dry_run: bool,
    secrets_file: Option<&std::path::Path>,
) -> Result<(), ClientError> {
    let manifest = apply::Manifest::read(file)?;
    let api = ApiClient::new(connection)?;
    apply::apply(&api, manifest, dry_run, json, secrets_file).await
}

use serde_json::Value;
use std::time::Duration;

/// The server unless told otherwise: what `latchkey serve` binds by default.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// Exit codes, one per party at fault.
pub mod exit {
    /// The command line or the request was wrong (clap's own code for usage errors).
    pub const USAGE: u8 = 2;
    /// The key was refused (401) or may not do this (403); for `verify`, the token was.
    pub const REFUSED: u8 = 3;
    /// The server failed, is unavailable, or could not be reached.
    pub const SERVER: u8 = 4;
    /// Anything else the server refused: not found, a conflict, too many attempts.
    pub const OTHER: u8 = 1;
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach Latchkey at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The server's error shape: what it said, and the trace id its log lines carry.
    #[error("{message} ({code}, HTTP {status}{})", trace_suffix(.trace_id))]
    Server {
        status: u16,
        code: String,
        message: String,
        detail: Option<String>,
        trace_id: String,
    },
    #[error("{0}")]
    Local(String),
}

fn trace_suffix(trace_id: &str) -> String {
    if trace_id.is_empty() {
        String::new()
    } else {
        format!(", trace id {trace_id}")
    }
}

impl ClientError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::Unreachable { .. } => exit::SERVER,
            Self::Server { status, .. } => match status {
                400 | 413 | 415 | 422 => exit::USAGE,
                401 | 403 => exit::REFUSED,
                500.. => exit::SERVER,
                _ => exit::OTHER,
            },
            Self::Local(_) => exit::OTHER,
        }
    }

    /// What the server added beside its message (the field errors, the missing permission).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Server { detail, .. } => detail.as_deref(),
            _ => None,
        }
    }
}

/// Where the server is and the key to present.
#[derive(Debug, Clone)]
pub struct Connection {
    pub base_url: String,
    pub api_key: Option<String>,
    /// Certificates to trust beside the system's, for an https:// server.
    pub ca_cert: Option<std::path::PathBuf>,
}

/// One server's JSON API.
pub struct ApiClient {
    api: String,
    key: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(connection: &Connection) -> Result<Self, ClientError> {
        let base = connection.base_url.trim().trim_end_matches('/');
        if !base.starts_with("http://") && !base.starts_with("https://") {
            return Err(ClientError::Usage(format!(
                "LATCHKEY_BASE_URL must start with https:// or http://, got '{base}'"
            )));
        }
        // reqwest builds its TLS configuration with every client, https or not.
        tls::install_provider();
        #[allow(clippy::disallowed_methods)] // the one place the provider is installed first
        let mut http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("latchkey-cli/", env!("CARGO_PKG_VERSION")))
            // A redirect is reported, not followed: the key goes only where it was sent.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(file) = &connection.ca_cert {
            http = http.tls_certs_merge(tls::certificates(file)?);
        }
        let http = http
            .build()
            .map_err(|e| ClientError::Local(format!("cannot start an HTTP client: {e}")))?;
        Ok(Self {
            api: format!("{base}/api/v1"),
            key: connection
                .api_key
                .clone()
                .filter(|key| !key.trim().is_empty()),
            http,
        })
    }

    fn key(&self) -> Result<&str, ClientError> {
        self.key.as_deref().ok_or_else(|| {
            ClientError::Usage(
                "no API key: set LATCHKEY_API_KEY (a project API token, or an access token from POST /api/v1/auth/login) or pass --api-key".into(),
            )
        })
    }

    /// Sends with the key; answers the JSON body (`Null` for 204).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        let key = self.key()?.to_owned();
        self.send_as(method, path, query, body, Some(&key)).await
    }

    /// `GET /tokens` with `query`: the first page, or with `every` each page in turn by its
    /// `next` link. Answers the rows and the last page read.
    pub async fn list_tokens(
        &self,
        mut query: Vec<(&str, String)>,
        every: bool,
    ) -> Result<(Vec<Value>, Value), ClientError> {
        let mut rows = Vec::new();
        loop {
            let page = self
                .send(reqwest::Method::GET, "/tokens", &query, None)
                .await?;
            rows.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["meta"]["next"].as_str() {
                Some(next) if every => {
                    let next = next.to_owned();
                    query.retain(|(key, _)| *key != "after");
                    query.push(("after", next));
                }
                _ => return Ok((rows, page)),
            }
        }
    }

    /// Sends without a key (`/verify` needs none).
    pub async fn send_anonymous(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        self.send_as(reqwest::Method::POST, path, &[], Some(body), None)
            .await
    }

    async fn send_as(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut url = format!("{}{path}", self.api);
        if !query.is_empty() {
            let encoded = serde_html_form::to_string(query)
                .map_err(|e| ClientError::Usage(format!("cannot encode the query: {e}")))?;
            url = format!("{url}?{encoded}");
        }
        let mut request = self.http.request(method, &url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| ClientError::Unreachable {
                url: self.api.trim_end_matches("/api/v1").to_owned(),
                reason: reason_of(&error),
            })?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            let to = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .unwrap_or("elsewhere");
            return Err(ClientError::Usage(format!(
                "{url} redirects (HTTP {status}) to {to}: set LATCHKEY_BASE_URL to the server's own address (the key is not sent on to a redirect)"
            )));
        }
        let text = response
            .text()
            .await
            .map_err(|error| ClientError::Unreachable {
                url: url.clone(),
                reason: reason_of(&error),
            })?;
        let parsed: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|_| ClientError::Server {
                status,
                code: "not_json".into(),
                message: format!("the server at {url} did not answer with Latchkey's JSON"),
                detail: None,
                trace_id: String::new(),
            })?
        };
        if (200..300).contains(&status) {
            return Ok(parsed);
        }
        let error = &parsed["error"];
        let text_of = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let data = &error["data"];
        Err(ClientError::Server {
            status,
            code: text_of(&error["code"]),
            message: error["message"]
                .as_str()
                .map_or_else(|| format!("HTTP {status}"), str::to_owned),
            detail: (data.is_object() && data.as_object().is_some_and(|d| !d.is_empty()))
                .then(|| data.to_string()),
            trace_id: text_of(&error["trace_id"]),
        })
    }
}

/// The innermost cause: "Connection refused (os error 111)", not reqwest's outer wrapper.
fn reason_of(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    let reason = source.to_string();
    if error.is_timeout() {
        "no answer within 30 s".to_owned()
    } else if reason.starts_with("invalid peer certificate") {
        format!(
            "{reason} (if the server's certificate comes from a private CA, pass the CA with --ca-cert FILE or LATCHKEY_CA_CERT)"
        )
    } else {
        reason
    }
}
