//! The JSON API over real HTTP: every endpoint, every error code, the exact error shape.

mod cases;
mod content_types;
mod errors;
mod forward_auth;
mod graphql;
mod login;
mod management;
mod metrics;
mod openapi;
mod refresh_and_verify;
mod throttling;

use crate::helpers::*;
use latchkey::domain::{Actor, Plan, Role};
use latchkey::projects::Project;
use latchkey::services::Services;
use latchkey::startup::Application;
use latchkey::tokens::{IssuedToken, NewTokenInput};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub struct ApiServer {
    pub app: TestApp,
    /// The running application's own services (sharing its last-used recorder).
    pub services: Services,
    pub base: String,
    /// `http://127.0.0.1:PORT` of the metrics listener, when the settings ask for one.
    pub metrics_base: Option<String>,
    client: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Asserts the error shape of DESIGN §5 and returns `data`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        let error = &self.body["error"];
        assert_eq!(error["code"], code, "{}", self.body);
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.body
        );
        assert!(error["data"].is_object(), "{}", self.body);
        let trace_id = error["trace_id"].as_str().unwrap_or_default();
        assert_eq!(
            trace_id.len(),
            36,
            "the request id is the trace id: {}",
            self.body
        );
        assert_eq!(
            self.body.as_object().unwrap().len(),
            1,
            "only the error key: {}",
            self.body
        );
        assert_eq!(error.as_object().unwrap().len(), 4, "{}", self.body);
        if status == 401 {
            assert_eq!(self.headers["www-authenticate"], "Bearer");
        }
        &error["data"]
    }
}

impl ApiServer {
    pub async fn start(mut app: TestApp) -> ApiServer {
        app.settings.last_used_flush_seconds = 1;
        let application = Application::build_with(app.settings.clone(), app.services.clone())
            .await
            .unwrap();
        let base = format!("http://127.0.0.1:{}/api/v1", application.port());
        let services = application.services().clone();
        let metrics_base = application
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        // One process, one verification cache: assertions go through the server's services.
        app.services = services.clone();
        tokio::spawn(application.run_until_stopped());
        ApiServer {
            app,
            services,
            base,
            metrics_base,
            client: crate::helpers::http_client(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, bearer: &str) -> Reply {
        self.send(reqwest::Method::GET, path, Some(bearer), None)
            .await
    }

    pub async fn post(&self, path: &str, bearer: Option<&str>, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, bearer, Some(body))
            .await
    }

    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Reply {
        reply(request.send().await.unwrap()).await
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub async fn project(&self, slug: &str, plan: Plan) -> Project {
        self.app.project(slug, plan).await
    }

    /// A token created directly through the service, as the dashboard would.
    pub async fn issue(&self, project: &Project, input: NewTokenInput) -> IssuedToken {
        self.app.issue(&Actor::system(), project, input).await
    }

    /// A member of `project` and their login access token.
    pub async fn login_as(&self, project: &Project, email: &str, role: Role) -> String {
        self.app.member(project, email, role).await;
        self.login(&project.slug, email).await
    }

    /// The login access token of a member of the project `slug`.
    pub async fn login(&self, slug: &str, email: &str) -> String {
        let reply = self
            .post(
                "/auth/login",
                None,
                json!({ "email": email, "password": PASSWORD, "project": slug }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["token"].as_str().unwrap().to_owned()
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub fn secret(reply: &Reply) -> String {
    reply.body["token"]
        .as_str()
        .expect("a secret in the response")
        .to_owned()
}
