//! Who the client is: the peer address, or — only when that peer is a proxy the operator
//! trusts (`LATCHKEY_TRUSTED_PROXIES`) — the address the proxy reports in `X-Forwarded-For` or
//! `Forwarded`. Any client can write those headers, so without a trusted proxy they are ignored;
//! otherwise anyone could pick the address their failures are counted against.

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use std::net::IpAddr;

/// Address blocks whose requests are believed about the client behind them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxies {
    /// A comma-separated list of CIDR blocks (`10.0.0.0/8, ::1/128`) or single addresses.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|cidr| cidr.contains(address))
    }

    /// The client behind `peer`: the right-most forwarded address that is not itself a
    /// trusted proxy (entries further left were written by whoever reached the first proxy).
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(headers);
        let mut client = peer;
        for address in chain.iter().rev() {
            client = *address;
            if !self.trusts(*address) {
                break;
            }
        }
        client
    }
}

impl Cidr {
    fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || format!("'{raw}' is not an address or CIDR block");
        let (address, prefix) = match raw.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (raw, None),
        };
        let network = canonical(address.trim().parse().map_err(|_| invalid())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| invalid())?,
            None => max,
        };
        if prefix > max {
            return Err(invalid());
        }
        Ok(Self { network, prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// IPv4 written as IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report it) is IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Addresses in `X-Forwarded-For`, or else in `Forwarded: for=`, left to right. An entry that
/// is not an address (`unknown`, an obfuscated name) ends the list there: nothing left of it
/// can be attributed.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let x_forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entries: Vec<String> = if !x_forwarded.is_empty() {
        x_forwarded.into_iter().map(str::to_owned).collect()
    } else {
        headers
            .get_all("forwarded")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| value.trim().trim_matches('"').to_owned())
                })
            })
            .collect()
    };
    let parsed: Vec<Option<IpAddr>> = entries.iter().map(|e| parse_node(e)).collect();
    let usable_from = parsed
        .iter()
        .rposition(Option::is_none)
        .map_or(0, |bad| bad + 1);
    parsed[usable_from..]
        .iter()
        .filter_map(|a| a.map(canonical))
        .collect()
}

/// `10.0.0.1`, `10.0.0.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    if let Ok(address) = raw.parse() {
        return Some(address);
    }
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    raw.rsplit_once(':')?.0.parse().ok()
}

/// The client's address for throttling and the audit trail.
pub fn client_addr(req: &HttpRequest) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    match req.app_data::<TrustedProxies>() {
        Some(trusted) if !trusted.is_empty() => Some(trusted.client_of(peer, req.headers())),
        _ => Some(peer),
    }
}

/// `client_addr` as the audit trail stores it.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    client_addr(req).map(|address| address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn forwarded_headers_are_ignored_unless_the_peer_is_trusted() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(
            trusted.client_of(ip("192.0.2.1"), &spoofed),
            ip("192.0.2.1")
        );
        assert_eq!(trusted.client_of(ip("10.1.2.3"), &spoofed), ip("1.2.3.4"));
        let none = TrustedProxies::default();
        assert_eq!(none.client_of(ip("10.1.2.3"), &spoofed), ip("10.1.2.3"));
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 192.168.1.1")]);
        assert_eq!(trusted.client_of(ip("10.0.0.2"), &chain), ip("203.0.113.9"));
        let all_trusted = headers(&[("x-forwarded-for", "10.0.0.7, 192.168.1.1")]);
        assert_eq!(
            trusted.client_of(ip("10.0.0.2"), &all_trusted),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn forwarded_for_is_read_with_ports_brackets_and_quotes() {
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        let v4 = headers(&[(
            "forwarded",
            "for=192.0.2.60:4711;proto=https;by=203.0.113.43",
        )]);
        assert_eq!(trusted.client_of(ip("127.0.0.1"), &v4), ip("192.0.2.60"));
        let v6 = headers(&[("forwarded", "for=\"[2001:db8:cafe::17]:4711\"")]);
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &v6),
            ip("2001:db8:cafe::17")
        );
    }

    #[test]
    fn an_unreadable_entry_stops_attribution() {
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        let chain = headers(&[("x-forwarded-for", "203.0.113.1, unknown")]);
        assert_eq!(trusted.client_of(ip("127.0.0.1"), &chain), ip("127.0.0.1"));
    }

    #[test]
    fn cidr_blocks_match_their_prefix_and_mapped_addresses() {
        let trusted = TrustedProxies::parse("10.0.0.0/8,2001:db8::/32").unwrap();
        assert!(trusted.trusts(ip("10.255.0.1")));
        assert!(trusted.trusts(ip("::ffff:10.0.0.1")));
        assert!(!trusted.trusts(ip("11.0.0.1")));
        assert!(trusted.trusts(ip("2001:db8:ffff::1")));
        assert!(!trusted.trusts(ip("2001:db9::1")));
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .unwrap()
                .trusts(ip("8.8.8.8"))
        );
        for bad in ["10.0.0.0/33", "nonsense", "::/129", "10.0.0.0/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }
}
