//! What a change means for the verification path, in a form one instance can send another:
//! an answer to drop, a digest to add to the known set. The process that makes a change applies
//! it after its commit; on PostgreSQL it also publishes it in the change's transaction
//! (`crate::change_feed`) for every other instance to apply.

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    /// A token was changed (name, type, permissions): drop the answer for this digest (the
    /// stored hash, hex).
    Token(String),
    /// The digest no longer names a live token (revoked, or its secret replaced): drop the
    /// answer and take the digest out of the known set.
    Retired(String),
    /// A new secret was stored: add its digest (hex) to the known set.
    Stored(String),
    /// A user's role, membership or status changed: drop their personal tokens' answers.
    Owner(Uuid),
    /// A project's content types changed: drop every answer of the project.
    Project(Uuid),
}

impl Invalidation {
    /// `t:<hex>`, `r:<hex>`, `n:<hex>`, `o:<uuid>` or `p:<uuid>`: short, so that one notification holds
    /// a whole transaction's changes (PostgreSQL allows 8,000 bytes).
    pub fn encode(&self) -> String {
        match self {
            Self::Token(hash) => format!("t:{hash}"),
            Self::Retired(hash) => format!("r:{hash}"),
            Self::Stored(hash) => format!("n:{hash}"),
            Self::Owner(id) => format!("o:{}", id.simple()),
            Self::Project(id) => format!("p:{}", id.simple()),
        }
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (tag, value) = text.split_once(':')?;
        let hex_digest = || {
            (value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| value.to_owned())
        };
        match tag {
            "t" => hex_digest().map(Self::Token),
            "r" => hex_digest().map(Self::Retired),
            "n" => hex_digest().map(Self::Stored),
            "o" => Uuid::parse_str(value).ok().map(Self::Owner),
            "p" => Uuid::parse_str(value).ok().map(Self::Project),
            _ => None,
        }
    }

    /// Several changes as one payload, space-separated.
    pub fn encode_all(changes: &[Invalidation]) -> String {
        changes
            .iter()
            .map(Invalidation::encode)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The changes of a payload; `None` if any part is not one (then the receiver must
    /// assume the worst).
    pub fn decode_all(payload: &str) -> Option<Vec<Invalidation>> {
        payload.split(' ').map(Invalidation::decode).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_survives_the_round_trip() {
        let changes = vec![
            Invalidation::Token("ab".repeat(32)),
            Invalidation::Retired("cd".repeat(32)),
            Invalidation::Stored("0f".repeat(32)),
            Invalidation::Owner(Uuid::now_v7()),
            Invalidation::Project(Uuid::now_v7()),
        ];
        let payload = Invalidation::encode_all(&changes);
        assert_eq!(Invalidation::decode_all(&payload), Some(changes));
        assert_eq!(Invalidation::decode_all("t:short"), None);
        assert_eq!(Invalidation::decode_all("x:1"), None);
        assert_eq!(Invalidation::decode_all(""), None);
    }
}
