//! nginx from the Debian package, started by a test on a random port with a generated
//! config: as a load balancer in front of several `latchkey serve` processes, or as the
//! reverse proxy that asks forward auth (`crate::proxies`).

use crate::process::{Server, free_port};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Nginx {
    _server: Server,
    pub base: String,
}

impl Nginx {
    /// The installed binary, if any.
    pub fn binary() -> Option<&'static str> {
        ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| Path::new(path).exists())
    }

    /// A load balancer that sends each request to the next instance in turn (no upstream
    /// keep-alive, so the turn comes on every request), and says in a header which one
    /// answered.
    pub async fn start(dir: &Path, upstreams: &[&str]) -> Nginx {
        let servers: String = upstreams
            .iter()
            .map(|base| format!("server {};\n", base.trim_start_matches("http://")))
            .collect();
        Self::serve(dir, |port| {
            format!(
                "upstream latchkey {{\n{servers}}}\n\
                 server {{\n listen 127.0.0.1:{port};\n location / {{\n  proxy_pass http://latchkey;\n\
                 proxy_set_header Host $http_host;\n\
                 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                 add_header X-Upstream $upstream_addr always;\n }}\n }}\n"
            )
        })
        .await
    }

    /// nginx with `http` (given the port to listen on) inside its `http` block.
    pub async fn serve(dir: &Path, http: impl FnOnce(u16) -> String) -> Nginx {
        let binary = Self::binary()
            .expect("nginx is not installed: apt-get install nginx-light (.ci/run does)");
        let port = free_port();
        let root = dir.join("nginx");
        std::fs::create_dir_all(root.join("temp")).unwrap();
        let temp = root.join("temp").display().to_string();
        let config = format!(
            "worker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n access_log off;\n client_body_temp_path {temp}/body;\n\
             proxy_temp_path {temp}/proxy;\n fastcgi_temp_path {temp}/fastcgi;\n\
             uwsgi_temp_path {temp}/uwsgi;\n scgi_temp_path {temp}/scgi;\n{http}}}\n",
            root = root.display(),
            http = http(port),
        );
        let config_path = root.join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = std::process::Command::new(binary)
            .arg("-p")
            .arg(&root)
            .arg("-c")
            .arg(&config_path)
            // One process, so that killing it when the test ends leaves no worker behind
            // (a worker outlives a killed master, still holding its port).
            .args(["-g", "daemon off; master_process off;"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let nginx = Nginx {
            _server: Server(child),
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        // Any answer will do: the port is open and nginx read its config.
        while crate::helpers::http_get(format!("{}/healthz", nginx.base))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {}",
                std::fs::read_to_string(root.join("error.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nginx
    }
}
