//! How many statements the database sees for a request: the request paths read each row they
//! need once, instead of resolving the same project, user and membership again at each layer.

use crate::api::ApiServer;
use crate::dashboard::{Dashboard, tokens_path};
use crate::helpers::*;
use latchkey::domain::{Plan, Role};

backend_tests! {
    async fn a_dashboard_create_and_its_reveal_issue_few_statements(app) {
        let backend = app.backend;
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        dashboard.app.content_type(&project, "article").await;
        let browser = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let csrf = browser.get(&format!("{list}/new")).await.csrf();

        let before = dashboard.app.statements.count();
        let page = browser.post(&list, &[
            ("csrf_token", csrf.as_str()), ("name", "Deployer"), ("token_type", "custom"),
            ("permissions", "article.find"), ("kind", "service"), ("duration", "30"),
        ]).await;
        let statements = dashboard.app.statements.count() - before;

        assert_eq!(page.status, 200, "{}", page.html);
        assert!(revealed_secret_shown(&page.html), "the redirect shows the new secret");
        eprintln!("{backend:?}: dashboard create POST + redirect GET: {statements} statements");
        assert!(statements <= create_bound(backend), "{statements} statements on {backend:?}");
    }

    async fn an_api_read_of_one_token_issues_few_statements(app) {
        let backend = app.backend;
        let api = ApiServer::start(app).await;
        let project = api.project("acme", Plan::Professional).await;
        api.app.content_type(&project, "article").await;
        let (_, admin) = api.app.member(&project, "ada@example.com", Role::Admin).await;
        let target = api.app.issue(&admin, &project, custom("Deployer", &["article.find"])).await;
        let caller = api.issue(&project, token("Reader")).await;
        let bearer = caller.secret.expose_secret();
        let path = format!("/tokens/{}", target.token.id);
        // The caller's verification is cached after its first use, as for any busy client.
        assert_eq!(api.get(&path, bearer).await.status, 200);

        let before = api.app.statements.count();
        let reply = api.get(&path, bearer).await;
        let statements = api.app.statements.count() - before;

        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["created_by"]["name"], "ada");
        eprintln!("{backend:?}: API GET /tokens/{{id}}: {statements} statements");
        assert!(statements <= read_bound(backend), "{statements} statements on {backend:?}");
    }
}

fn revealed_secret_shown(html: &str) -> bool {
    crate::dashboard::revealed_secret(html).is_some()
}

/// Half of what these requests issued when each layer read the project, the user and the
/// membership again (38 statements; 40 on MySQL). MySQL has no `UPDATE … RETURNING`, so its
/// project lock takes a second statement. The token's page then reads its history and the
/// current names of the people in it (two statements more than before it showed one). The
/// change is also added to the numbered change log other instances poll (one insert).
fn create_bound(backend: Backend) -> u64 {
    match backend {
        // MySQL: the second statement of the lock; PostgreSQL: the change notification.
        Backend::Mysql | Backend::Postgres => 23,
        Backend::Sqlite => 22,
    }
}

/// The token with its names, and its grant (5 statements before).
fn read_bound(_backend: Backend) -> u64 {
    2
}
