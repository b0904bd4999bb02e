//! A TCP proxy the test owns, between Latchkey and a database server, that fails on command:
//! `Reset` cuts every connection with a TCP reset and resets new ones; `Silent` is a
//! partition (connections stay open, nothing gets through, new ones are accepted and then
//! hear nothing); `Pass` forwards again, and held connections resume where they stopped.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pass,
    Reset,
    Silent,
}

pub struct FaultProxy {
    address: SocketAddr,
    mode: watch::Sender<Mode>,
    accepting: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free localhost port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (mode, watching) = watch::channel(Mode::Pass);
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, watching.clone()));
            }
        });
        FaultProxy {
            address,
            mode,
            accepting,
        }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn route(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let credentials = authority
            .rsplit_once('@')
            .map(|(credentials, _)| format!("{credentials}@"))
            .unwrap_or_default();
        format!("{scheme}://{credentials}{}{path}", self.address)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// The host and port a database URL names (a test server: an IP address, or localhost).
pub fn upstream_of(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host_port = host_port.replace("localhost", "127.0.0.1");
    host_port.parse().unwrap()
}

/// One client connection, for as long as both ends and the mode allow.
async fn relay(client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let mut server: Option<TcpStream> = None;
    let mut client = client;
    let (mut from_client, mut from_server) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    loop {
        let current = *mode.borrow_and_update();
        match current {
            Mode::Reset => {
                reset(&client);
                if let Some(server) = &server {
                    reset(server);
                }
                return;
            }
            Mode::Silent => {
                if mode.changed().await.is_err() {
                    return;
                }
            }
            Mode::Pass => {
                let Some(upstream_stream) = server.as_mut() else {
                    match TcpStream::connect(upstream).await {
                        Ok(stream) => server = Some(stream),
                        Err(_) => return reset(&client),
                    }
                    continue;
                };
                tokio::select! {
                    read = client.read(&mut from_client) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => if upstream_stream.write_all(&from_client[..n]).await.is_err() { return },
                    },
                    read = upstream_stream.read(&mut from_server) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => if client.write_all(&from_server[..n]).await.is_err() { return },
                    },
                    changed = mode.changed() => if changed.is_err() { return },
                }
            }
        }
    }
}

/// Closes with a reset (RST), not a polite FIN: what a crashed server or a firewall sends.
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
    // The socket is closed with the reset when the stream is dropped by the caller.
}
