//! The last few distinct clients that used a token (address and user agent, newest first),
//! so its page can say where it is being used from. Kept as a short JSON array on the
//! token's row and merged by the batched last-used recorder: never a write per request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// How many distinct clients a token remembers.
pub const KEPT: usize = 5;

/// User agents are cut to this many characters: enough to name a client and its version.
const AGENT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentClient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    pub at: DateTime<Utc>,
}

impl RecentClient {
    pub fn new(ip: Option<IpAddr>, agent: Option<&str>, at: DateTime<Utc>) -> Self {
        Self {
            ip,
            agent: agent.map(cut_agent).filter(|a| !a.is_empty()),
            at,
        }
    }

    /// The same client: same address and same user agent.
    pub fn is(&self, ip: Option<IpAddr>, agent: Option<&str>) -> bool {
        self.ip == ip
            && self.agent.as_deref()
                == agent
                    .map(|a| a.trim())
                    .filter(|a| !a.is_empty())
                    .map(|a| &a[..cut_len(a)])
    }
}

fn cut_len(agent: &str) -> usize {
    agent
        .char_indices()
        .nth(AGENT_CHARS)
        .map_or(agent.len(), |(i, _)| i)
}

fn cut_agent(agent: &str) -> String {
    let agent = agent.trim();
    agent[..cut_len(agent)].to_owned()
}

/// Notes a use by `ip`/`agent` at `at` in `clients` (newest first, distinct, at most `KEPT`).
pub fn note(
    clients: &mut Vec<RecentClient>,
    ip: Option<IpAddr>,
    agent: Option<&str>,
    at: DateTime<Utc>,
) {
    match clients.iter().position(|c| c.is(ip, agent)) {
        Some(i) => {
            if clients[i].at < at {
                clients[i].at = at;
            }
        }
        None => clients.push(RecentClient::new(ip, agent, at)),
    }
    settle(clients);
}

/// Newest first, one entry per client, at most `KEPT`.
fn settle(clients: &mut Vec<RecentClient>) {
    clients.sort_by_key(|client| std::cmp::Reverse(client.at));
    let mut kept: Vec<RecentClient> = Vec::with_capacity(KEPT);
    for client in clients.drain(..) {
        if kept.len() < KEPT
            && !kept
                .iter()
                .any(|k| k.ip == client.ip && k.agent == client.agent)
        {
            kept.push(client);
        }
    }
    *clients = kept;
}

/// The clients stored on a row; an unreadable value reads as none.
pub fn parse(stored: Option<&str>) -> Vec<RecentClient> {
    stored
        .and_then(|raw| serde_json::from_str(raw).ok())
        .unwrap_or_default()
}

/// `stored` with `seen` merged in, as the row keeps it.
pub fn merged(stored: Option<&str>, seen: &[RecentClient]) -> String {
    let mut clients = parse(stored);
    clients.extend(seen.iter().cloned());
    settle(&mut clients);
    // Serialising plain data cannot fail.
    serde_json::to_string(&clients).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([203, 0, 113, last]))
    }

    #[test]
    fn the_newest_five_distinct_clients_are_kept() {
        let start = Utc::now();
        let mut clients = Vec::new();
        for i in 0..8u8 {
            note(
                &mut clients,
                ip(i),
                Some("curl/8"),
                start + Duration::seconds(i.into()),
            );
        }
        // A client seen again moves to the front instead of taking a second place.
        note(
            &mut clients,
            ip(4),
            Some("curl/8"),
            start + Duration::seconds(20),
        );
        let addresses: Vec<_> = clients.iter().map(|c| c.ip).collect();
        assert_eq!(addresses, vec![ip(4), ip(7), ip(6), ip(5), ip(3)]);
    }

    #[test]
    fn the_same_address_with_another_agent_is_another_client() {
        let now = Utc::now();
        let mut clients = Vec::new();
        note(&mut clients, ip(1), Some("curl/8"), now);
        note(&mut clients, ip(1), Some("python-requests/2"), now);
        note(&mut clients, ip(1), Some("  curl/8 "), now);
        assert_eq!(clients.len(), 2);
    }

    #[test]
    fn a_merge_keeps_what_the_row_had_and_ignores_what_it_cannot_read() {
        let now = Utc::now();
        let stored = merged(None, &[RecentClient::new(ip(1), Some("a"), now)]);
        let both = merged(
            Some(&stored),
            &[RecentClient::new(ip(2), None, now + Duration::seconds(1))],
        );
        let read = parse(Some(&both));
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].ip, ip(2));
        assert_eq!(parse(Some("not json")), Vec::new());
        let long = "x".repeat(500);
        assert_eq!(
            RecentClient::new(None, Some(&long), now)
                .agent
                .unwrap()
                .len(),
            AGENT_CHARS
        );
        assert!(RecentClient::new(None, Some(&long), now).is(None, Some(&long)));
    }
}
