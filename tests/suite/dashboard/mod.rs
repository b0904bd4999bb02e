//! The dashboard driven over real HTTP: a cookie-keeping client submits the real forms,
//! with the CSRF tokens they carry, and assertions read the returned HTML.

mod access;
mod audit_log;
mod auth;
mod finish;
mod pages;
mod plans;
mod tokens;

use crate::helpers::*;
use latchkey::domain::{Plan, Role};
use latchkey::projects::Project;
use latchkey::startup::Application;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub struct Dashboard {
    pub app: TestApp,
    pub base: String,
    pub setup_code: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub url: String,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        field_value(&self.html, "csrf_token").expect("the page has a CSRF token")
    }

    #[track_caller]
    pub fn assert_contains(&self, needle: &str) -> &Self {
        assert!(
            self.html.contains(needle),
            "expected {needle:?} in the page at {}:\n{}",
            self.url,
            self.html
        );
        self
    }

    #[track_caller]
    pub fn assert_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.html.contains(needle),
            "did not expect {needle:?} in the page at {}",
            self.url
        );
        self
    }

    pub fn path(&self) -> String {
        let after_scheme = self.url.splitn(4, '/').nth(3).unwrap_or_default();
        format!("/{after_scheme}")
    }
}

/// The value of the first `<input name="{name}" value="…">`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

pub struct Browser {
    pub client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
}

impl Browser {
    /// The same browser (its cookies) pointed at another server.
    pub fn visiting(&self, base: &str) -> Browser {
        Browser {
            client: self.client.clone(),
            jar: self.jar.clone(),
            base: base.to_owned(),
        }
    }

    /// The same browser (its cookies) with a client that does not follow redirects: for
    /// looking at what a POST answered, or leaving its redirect unfollowed.
    pub fn not_following_redirects(&self) -> Browser {
        Browser {
            client: crate::helpers::http()
                .cookie_provider(self.jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: self.jar.clone(),
            base: self.base.clone(),
        }
    }

    /// The `Cookie` header this browser would send to `base`.
    pub fn cookie_header(&self, base: &str) -> String {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&base.parse().unwrap())
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        page(response).await
    }

    /// Posts exactly `fields` (no CSRF token unless given).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with_headers(path, fields, &[]).await
    }

    /// Posts exactly `fields` with these request headers besides (`Origin`, say).
    pub async fn post_with_headers(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body = form_encoded(fields);
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        page(request.body(body).send().await.unwrap()).await
    }

    /// Posts `body` as it is, already form-encoded (to send bytes a browser would not).
    pub async fn post_encoded(&self, path: &str, body: String) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded");
        page(request.body(body).send().await.unwrap()).await
    }

    /// Opens `form_page`, takes its CSRF token and posts `fields` to `action`, as a person
    /// filling in that form would.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.csrf();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

async fn page(response: reqwest::Response) -> Page {
    Page {
        status: response.status(),
        url: response.url().to_string(),
        headers: response.headers().clone(),
        html: response.text().await.unwrap(),
    }
}

/// `fields` as an `application/x-www-form-urlencoded` body.
pub fn form_encoded(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Dashboard {
    /// Starts the HTTP server over `app`'s database. Plain-http development mode, so the
    /// test client sends the session cookie over http.
    pub async fn start(mut app: TestApp) -> Dashboard {
        app.settings.cookie_secure = false;
        Self::start_with(app).await
    }

    pub async fn start_with(mut app: TestApp) -> Dashboard {
        let application = Application::build_with(app.settings.clone(), app.services.clone())
            .await
            .unwrap();
        // One process, one verification cache: assertions go through the server's services.
        app.services = application.services().clone();
        let base = format!("http://127.0.0.1:{}", application.port());
        let setup_code = application.setup_code().map(str::to_owned);
        tokio::spawn(application.run_until_stopped());
        Dashboard {
            app,
            base,
            setup_code,
        }
    }

    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Browser {
            client: crate::helpers::http()
                .cookie_provider(jar.clone())
                .build()
                .unwrap(),
            jar,
            base: self.base.clone(),
        }
    }

    /// A browser signed in through the login form.
    pub async fn signed_in(&self, email: &str) -> Browser {
        let browser = self.browser();
        let page = browser
            .submit(
                "/login",
                "/login",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert!(
            !page.path().starts_with("/login"),
            "sign-in failed for {email}: {}",
            page.html
        );
        browser
    }

    /// A new user with `role` in `project`, signed in.
    pub async fn member(&self, project: &Project, email: &str, role: Role) -> Browser {
        self.app.member(project, email, role).await;
        self.signed_in(email).await
    }

    pub async fn super_admin(&self, email: &str) -> Browser {
        self.app.super_admin(email).await;
        self.signed_in(email).await
    }

    pub async fn project(&self, slug: &str, plan: Plan) -> Project {
        self.app.project(slug, plan).await
    }
}

/// The path of a project's token list.
pub fn tokens_path(slug: &str) -> String {
    format!("/projects/{slug}/settings/api-tokens")
}

/// The one-time secret shown in a reveal banner, if any.
pub fn revealed_secret(html: &str) -> Option<String> {
    let marker = "<code id=\"reveal-secret\">";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_owned())
}
