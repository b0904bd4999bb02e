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
            agent: agent.and_then(kept_agent).map(str::to_owned),
            at,
        }
    }

    /// The same client: same address and same user agent.
    pub fn is(&self, ip: Option<IpAddr>, agent: Option<&str>) -> bool {
        self.is_kept(ip, agent.and_then(kept_agent))
    }

    /// `is`, for an agent already as it is kept.
    fn is_kept(&self, ip: Option<IpAddr>, kept_agent: Option<&str>) -> bool {
        self.ip == ip && self.agent.as_deref() == kept_agent
    }
}

/// The agent as it is kept: trimmed, cut to `AGENT_CHARS`, none when empty.
fn kept_agent(agent: &str) -> Option<&str> {
    let agent = agent.trim();
    // A char is at least a byte: an agent this short is never cut, and its chars need no count.
    let cut = if agent.len() <= AGENT_CHARS {
        agent.len()
    } else {
        agent
            .char_indices()
            .nth(AGENT_CHARS)
            .map_or(agent.len(), |(i, _)| i)
    };
    Some(&agent[..cut]).filter(|agent| !agent.is_empty())
}

/// Notes a use by `ip`/`agent` at `at` in `clients` (newest first, distinct, at most `KEPT`).
pub fn note(
    clients: &mut Vec<RecentClient>,
    ip: Option<IpAddr>,
    agent: Option<&str>,
    at: DateTime<Utc>,
) {
    let kept = agent.and_then(kept_agent);
    match clients.iter().position(|c| c.is_kept(ip, kept)) {
        // Every verified request of a known client comes here: its time moves forward and
        // it moves towards the front, in place, with nothing allocated.
        Some(mut i) => {
            if clients[i].at < at {
                clients[i].at = at;
                while i > 0 && clients[i - 1].at < clients[i].at {
                    clients.swap(i - 1, i);
                    i -= 1;
                }
            }
        }
        None => {
            clients.push(RecentClient {
                ip,
                agent: kept.map(str::to_owned),
                at,
            });
            settle(clients);
        }
    }
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

    proptest::proptest! {
        /// The in-place move of a known client keeps the list exactly as settling it whole
        /// would: newest first, ties in the order they were noted, one entry per client.
        #[test]
        fn noting_in_place_keeps_the_list_as_settling_it_whole_would(
            uses in proptest::collection::vec((0u8..7, 0usize..4, 0i64..30), 0..60)
        ) {
            let start = Utc::now();
            let agents = [None, Some("curl/8"), Some(" curl/8 "), Some("Go-http-client/1.1")];
            let (mut noted, mut settled) = (Vec::new(), Vec::new());
            for (last, agent, second) in uses {
                let at = start + Duration::seconds(second);
                note(&mut noted, ip(last), agents[agent], at);
                match settled.iter().position(|c: &RecentClient| c.is(ip(last), agents[agent])) {
                    Some(i) if settled[i].at < at => settled[i].at = at,
                    Some(_) => {}
                    None => settled.push(RecentClient::new(ip(last), agents[agent], at)),
                }
                settle(&mut settled);
                proptest::prop_assert_eq!(&noted, &settled);
            }
        }
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
