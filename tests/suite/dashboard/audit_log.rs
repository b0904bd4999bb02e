//! The audit log page: a timeline in words, filters, numbered pages and exports.

use super::*;
use latchkey::domain::{Actor, Plan, Role};

backend_tests! {
    async fn the_audit_log_reads_as_a_timeline_and_filters(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let list = tokens_path("acme");
        let created = admin.submit(&format!("{list}/new"), &list, &[("name", "CI pipeline"), ("token_type", "read-only"), ("kind", "service"), ("duration", "30")]).await;
        let token_page = created.path();
        admin.post(&format!("{token_page}/regenerate"), &[("csrf_token", &created.csrf())]).await;
        let other = dashboard.app.issue(&Actor::system(), &project, token("Other")).await;
        let log = "/projects/acme/settings/audit-log";

        let page = admin.get(log).await;
        page.assert_contains("<strong title=\"ada@example.com\">ada</strong> regenerated")
            .assert_contains(&format!("<a href=\"{token_page}\">CI pipeline</a>"))
            .assert_contains("<option value=\"token.regenerate\">Token regenerated</option>")
            .assert_contains("<time datetime=");

        let regenerations = admin.get(&format!("{log}?action=token.regenerate")).await;
        regenerations.assert_contains("regenerated").assert_lacks("</strong> created").assert_contains("1 event<");
        let ada = dashboard.app.services.accounts.find_by_email(&latchkey::domain::Email::parse("ada@example.com").unwrap()).await.unwrap().unwrap();
        let by_ada = admin.get(&format!("{log}?actor={}", ada.id)).await;
        by_ada.assert_contains("CI pipeline").assert_lacks(">Other</a>");
        let one_token = admin.get(&format!("{log}?token={}", other.token.id)).await;
        one_token.assert_contains(">Other</a>").assert_lacks(">CI pipeline</a>");
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        admin.get(&format!("{log}?from={today}&to={today}")).await.assert_contains(">Other</a>").assert_contains(">CI pipeline</a>");
        admin.get(&format!("{log}?to=2001-01-01")).await.assert_contains("No event matches this filter.");
        let bad = admin.get(&format!("{log}?from=yesterday")).await;
        assert_eq!(bad.status, 400);
        bad.assert_contains("The from date must read YYYY-MM-DD.");
        assert_eq!(admin.get(&format!("{log}?token=nonsense")).await.status, 400);
    }

    async fn the_audit_log_pages_by_number(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::ProfessionalUnlimited).await;
        for i in 0..120 {
            dashboard.app.issue(&Actor::system(), &project, token(&format!("T{i:03}"))).await;
        }
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        let log = "/projects/acme/settings/audit-log";
        let first = admin.get(&format!("{log}?action=token.create")).await;
        first.assert_contains("120 events").assert_contains(">T119</a>").assert_lacks(">T069</a>")
            .assert_contains("<span class=\"visually-hidden\">Page </span>3</a>");
        let third = admin.get(&format!("{log}?page=3&action=token.create")).await;
        third.assert_contains(">T019</a>").assert_lacks(">T020</a>")
            .assert_contains("aria-current=\"page\"><span class=\"visually-hidden\">Page </span>3</a>")
            .assert_contains("action=token.create&#38;page=2");
    }

    async fn the_audit_log_exports_as_csv_and_json_lines(app) {
        let dashboard = Dashboard::start(app).await;
        let project = dashboard.project("acme", Plan::Professional).await;
        let admin = dashboard.member(&project, "ada@example.com", Role::Admin).await;
        dashboard.app.issue(&Actor::system(), &project, token("=HYPERLINK(\"x\")")).await;
        dashboard.app.issue(&Actor::system(), &project, token("Plain, with a comma")).await;
        let export = "/projects/acme/settings/audit-log/export";

        let csv = admin.get(&format!("{export}?format=csv&action=token.create")).await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
        assert!(csv.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"latchkey-audit-acme-"));
        assert_eq!(csv.headers["cache-control"], "no-store");
        let lines: Vec<&str> = csv.html.lines().collect();
        assert_eq!(lines[0], "time,actor_kind,actor,action,target_kind,target_id,target,client_ip,details");
        assert_eq!(lines.len(), 3);
        assert!(csv.html.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "a formula stays text: {}", csv.html);
        assert!(csv.html.contains(",\"Plain, with a comma\","));

        let jsonl = admin.get(&format!("{export}?format=jsonl&action=token.create")).await;
        assert_eq!(jsonl.headers["content-type"], "application/jsonl; charset=utf-8");
        let entries: Vec<serde_json::Value> = jsonl.html.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["action"], "token.create");
        assert_eq!(entries[0]["target"]["label"], "Plain, with a comma");
        assert!(!jsonl.html.contains("lk_"), "no secret is exported");

        assert_eq!(admin.get(&format!("{export}?format=xml")).await.status, 400);
        let viewer = dashboard.member(&project, "vic@example.com", Role::Viewer).await;
        assert_eq!(viewer.get(&format!("{export}?format=csv")).await.status, 403);
    }
}
