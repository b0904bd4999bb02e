//! Stopping a loaded server: `latchkey serve` under keep-alive clients gets SIGTERM (or SIGINT), turns
//! unready at once, keeps serving for the drain period, then stops and exits 0; no request
//! sent before the drain ended fails.

use crate::process::*;
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 24;
const DRAIN: Duration = Duration::from_secs(2);
const PASSWORD: &str = "drain tangerine orbit";
/// How close to the drain's end a request counts as sent at its end (see below). On two
/// cores shared with the whole suite, a connection has been seen to wait 40 ms in the listen
/// queue before the accept loop took it.
const AT_THE_END_OF_THE_DRAIN: Duration = Duration::from_millis(100);

/// An administrator, a project and a token to verify, made through the binary and the API.
async fn a_token_to_verify(dir: &std::path::Path, base: &str) -> String {
    let admin = run_with_stdin(
        latchkey(dir).args([
            "create-admin",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
        ]),
        &format!("{PASSWORD}\n"),
    );
    assert!(admin.status.success(), "{}", text(&admin.stderr));
    let project = latchkey(dir)
        .args([
            "create-project",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--plan",
            "professional",
        ])
        .args(["--owner", "ops@example.com"])
        .output()
        .unwrap();
    assert!(project.status.success(), "{}", text(&project.stderr));
    let client = crate::helpers::http_client();
    let post = |path: &str, bearer: Option<&str>, body: Value| {
        let mut request = client.post(format!("{base}{path}")).json(&body);
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let login = post(
        "/api/v1/auth/login",
        None,
        json!({ "email": "ops@example.com", "password": PASSWORD, "project": "acme" }),
    )
    .await;
    let created = post(
        "/api/v1/tokens",
        login["token"].as_str(),
        json!({ "name": "Load" }),
    )
    .await;
    created["token"].as_str().unwrap().to_owned()
}

/// What one client saw: when each failed request was sent, and whether any answer during
/// the drain asked it to close its connection.
#[derive(Default)]
struct Seen {
    answered: usize,
    failures: Vec<(Instant, String)>,
    asked_to_close: bool,
}

async fn keep_verifying(base: String, secret: String, stop: Arc<AtomicBool>) -> Seen {
    let client = crate::helpers::http_client();
    let mut seen = Seen::default();
    while !stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        let outcome = client
            .post(format!("{base}/api/v1/verify"))
            .json(&json!({ "token": secret }))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match outcome {
            Ok(response) if response.status() == 200 => {
                seen.asked_to_close |= response
                    .headers()
                    .get("connection")
                    .is_some_and(|v| v == "close");
                seen.answered += 1;
                let _ = response.bytes().await;
            }
            Ok(response) => seen
                .failures
                .push((sent, format!("status {}", response.status()))),
            Err(error) => {
                seen.failures.push((sent, error.to_string()));
                // The server has stopped accepting: this client is done.
                break;
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_then_exits_without_failing_a_request() {
    drains_then_exits("-TERM").await;
}

/// Ctrl-C in a terminal stops the server the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_drains_then_exits_without_failing_a_request() {
    drains_then_exits("-INT").await;
}

async fn drains_then_exits(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let drain = DRAIN.as_secs().to_string();
    let (mut server, base) = serve_configured(
        dir.path(),
        Stdio::from(log),
        &[("LATCHKEY_SHUTDOWN_DRAIN_SECONDS", &drain)],
    )
    .await;
    let secret = a_token_to_verify(dir.path(), &base).await;

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(keep_verifying(base.clone(), secret.clone(), stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pid = server.0.id().to_string();
    let signalled = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );

    // Unready at once, while still serving.
    let readiness = crate::helpers::http_client();
    let unready_after = loop {
        let status = readiness
            .get(format!("{base}/readyz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .ok();
        if status == Some(503) {
            break signalled.elapsed();
        }
        assert!(
            signalled.elapsed() < DRAIN,
            "/readyz still answered {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };

    let exit = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "still running 15 s after the signal"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let exited_after = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);

    let drain_ended = signalled + DRAIN;
    let (mut answered, mut asked_to_close) = (0, false);
    for client in clients {
        let seen = client.await.unwrap();
        answered += seen.answered;
        asked_to_close |= seen.asked_to_close;
        for (sent, failure) in seen.failures {
            // A connection made in the last instant of the drain may still be in the listen
            // queue when the listener closes: a request sent then met the end of the drain,
            // whichever clock says so.
            assert!(
                sent + AT_THE_END_OF_THE_DRAIN >= drain_ended,
                "a request sent {:?} after the signal, before the drain ended, failed: {failure}",
                sent - signalled
            );
        }
    }
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(exit.success(), "exit {exit:?}: {log}");
    assert!(
        unready_after < Duration::from_millis(500),
        "unready only after {unready_after:?}"
    );
    assert!(
        exited_after >= DRAIN,
        "stopped {exited_after:?} after the signal, before the drain ended"
    );
    assert!(
        answered > CLIENTS,
        "the clients were hardly served: {answered}"
    );
    assert!(
        asked_to_close,
        "no answer during the drain asked its client to close the connection"
    );
    assert!(log.contains("draining"), "{log}");
    assert!(log.contains("last-used times flushed at shutdown"), "{log}");
}
