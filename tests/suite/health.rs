//! The HTTP server answers its health and readiness checks.

use latchkey::startup::Application;

backend_tests! {
    async fn healthz_and_readyz_answer_200(app) {
        let application = Application::build(app.settings.clone()).await.unwrap();
        let port = application.port();
        tokio::spawn(application.run_until_stopped());
        let client = crate::helpers::http_client();

        let health = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap();
        let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.unwrap();

        assert_eq!(health.status(), 200);
        assert_eq!(health.json::<serde_json::Value>().await.unwrap()["status"], "ok");
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
    }
}

backend_tests! {
    async fn readyz_answers_503_when_the_database_is_gone(app) {
        let application = Application::build(app.settings.clone()).await.unwrap();
        let port = application.port();
        application.services().close().await.unwrap();
        tokio::spawn(application.run_until_stopped());

        let ready = crate::helpers::http_get(format!("http://127.0.0.1:{port}/readyz")).await.unwrap();

        assert_eq!(ready.status(), 503);
        assert_eq!(ready.headers()["retry-after"], "1");
        let health = crate::helpers::http_get(format!("http://127.0.0.1:{port}/healthz")).await.unwrap();
        assert_eq!(health.status(), 200);
    }
}
