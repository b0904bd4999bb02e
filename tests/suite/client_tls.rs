//! The command-line client over https: a real nginx (the Debian package) terminates TLS in
//! front of a test server with a certificate from a CA the test makes with `openssl`. The
//! client trusts that CA only when told (`--ca-cert`), and reports a redirect rather than
//! following it with the key.
//!
//! Skipped without nginx or openssl, unless `LATCHKEY_TEST_PROXIES` is set (CI sets it).

use crate::api::ApiServer;
use crate::client::cli;
use crate::helpers::*;
use crate::nginx::Nginx;
use latchkey::domain::Plan;
use latchkey::tokens::NewTokenInput;
use std::path::Path;
use std::process::Command;

/// A CA, and a certificate it signed for 127.0.0.1 and localhost: `(ca.pem, cert, key)`.
fn certificates(dir: &Path) -> (String, String, String) {
    let path = |name: &str| dir.join(name).display().to_string();
    // One command line per step, split at spaces (no argument holds one).
    let openssl = |line: &str| {
        let args: Vec<&str> = line.split_whitespace().collect();
        let output = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            output.status.success(),
            "openssl {line}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let new_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    openssl(&format!(
        "req -x509 {new_key} -keyout ca.key -out ca.pem -days 2 -subj /CN=Latchkey-test-CA \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
    ));
    openssl(&format!(
        "req {new_key} -keyout server.key -out server.csr -subj /CN=localhost"
    ));
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
         -days 2 -extfile server.ext",
    );
    (path("ca.pem"), path("server.pem"), path("server.key"))
}

fn openssl_present() -> bool {
    Command::new("openssl").arg("version").output().is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_speaks_https_to_a_server_whose_ca_it_is_given() {
    if Nginx::binary().is_none() || !openssl_present() {
        assert!(
            std::env::var_os("LATCHKEY_TEST_PROXIES").is_none(),
            "nginx or openssl is not installed"
        );
        eprintln!("nginx or openssl is not installed: skipped");
        return;
    }
    let api = ApiServer::start(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
    let project = api.project("acme", Plan::Professional).await;
    let reader = api
        .issue(
            &project,
            NewTokenInput {
                token_type: "read-only".into(),
                ..token("Reader")
            },
        )
        .await;
    let key = reader.secret.expose_secret().to_owned();
    let dir = api.app.dir.path().to_owned();
    let (ca, cert, cert_key) = certificates(&dir);
    let latchkey = api
        .base
        .trim_end_matches("/api/v1")
        .trim_start_matches("http://")
        .to_owned();
    let redirect_port = crate::process::free_port();
    let nginx = Nginx::serve(&dir, |port| {
        format!(
            "server {{\n listen 127.0.0.1:{port} ssl;\n ssl_certificate {cert};\n\
             ssl_certificate_key {cert_key};\n location / {{ proxy_pass http://{latchkey}; }}\n}}\n\
             server {{\n listen 127.0.0.1:{redirect_port};\n\
             location / {{ return 301 https://127.0.0.1:{port}$request_uri; }}\n}}\n"
        )
    })
    .await;
    let https = nginx.base.replace("http://", "https://");

    // Trusted through --ca-cert: the server's answer, as over plain HTTP.
    let listed = cli(
        &https,
        Some(&key),
        &["tokens", "list", "--json", "--ca-cert", &ca],
        None,
    )
    .await
    .ok();
    let page = listed.json();
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["name"].as_str())
        .collect();
    assert_eq!(names, ["Reader"]);

    // Not trusted without it: refused by the TLS check, said plainly, no panic.
    let untrusted = cli(&https, Some(&key), &["tokens", "list"], None).await;
    assert_eq!(untrusted.code, 4, "{}", untrusted.stderr);
    assert!(
        untrusted
            .stderr
            .starts_with("error: cannot reach Latchkey at https://")
            && untrusted.stderr.contains("invalid peer certificate")
            && untrusted.stderr.contains("--ca-cert"),
        "{}",
        untrusted.stderr
    );
    assert!(
        !untrusted.stderr.contains("panicked"),
        "{}",
        untrusted.stderr
    );

    // A file that holds no certificate is the caller's mistake.
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    cli(
        &https,
        Some(&key),
        &[
            "tokens",
            "list",
            "--ca-cert",
            &not_pem.display().to_string(),
        ],
        None,
    )
    .await
    .fails(2, "no PEM certificate");

    // http:// redirected to https://: reported with where to go, not followed.
    cli(
        &format!("http://127.0.0.1:{redirect_port}"),
        Some(&key),
        &["tokens", "list", "--ca-cert", &ca],
        None,
    )
    .await
    .fails(2, "redirects (HTTP 301) to https://127.0.0.1:");
}
