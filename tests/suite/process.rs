//! The `latchkey` binary as a child process: commands run in a folder of their own, and a
//! server started there and stopped (killed) when the test drops it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn latchkey(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("LATCHKEY_") {
            command.env_remove(name);
        }
    }
    command
}

pub fn run_with_stdin(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn serve_until_healthy(dir: &Path) -> Server {
    serve_logging_until_healthy(dir, Stdio::null()).await.0
}

/// `latchkey serve` in `dir` with its log to `log`, once healthy; and its base URL.
pub async fn serve_logging_until_healthy(dir: &Path, log: impl Into<Stdio>) -> (Server, String) {
    serve_configured(dir, log, &[]).await
}

/// As `serve_logging_until_healthy`, with `env` set for the server.
pub async fn serve_configured(
    dir: &Path,
    log: impl Into<Stdio>,
    env: &[(&str, &str)],
) -> (Server, String) {
    let port = free_port();
    let child = latchkey(dir)
        .arg("serve")
        .envs(env.iter().copied())
        .env("LATCHKEY_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) =
            crate::helpers::http_get(format!("http://127.0.0.1:{port}/healthz")).await
            && response.status() == 200
        {
            return (server, format!("http://127.0.0.1:{port}"));
        }
        assert!(
            Instant::now() < deadline,
            "the server did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
