//! The token format: `lk_` + 43 base62 characters of 32 CSPRNG bytes + a 6-character base62
//! CRC32 of those 43 characters. The checksum lets a malformed or mistyped token be refused
//! without touching the database and lets secret scanners recognise leaked tokens.

use crate::random::RandomUnavailable;
use crc32fast::Hasher as Crc32;
use std::fmt;

pub const TOKEN_PREFIX: &str = "lk_";
const SECRET_BYTES: usize = 32;
/// ceil(256 / log2(62)): enough base62 digits for any 32-byte value.
const BODY_LEN: usize = 43;
/// ceil(32 / log2(62)): enough base62 digits for any CRC32.
const CHECKSUM_LEN: usize = 6;
pub const TOKEN_LEN: usize = TOKEN_PREFIX.len() + BODY_LEN + CHECKSUM_LEN;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A token in clear. It has no `Display`, its `Debug` is redacted, and the only way to read
/// it is `expose_secret()`, so that it cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedToken {
    #[error("the token does not start with the {TOKEN_PREFIX} prefix")]
    Prefix,
    #[error("the token has the wrong length")]
    Length,
    #[error("the token contains a character outside base62")]
    Alphabet,
    #[error("the token's checksum does not match")]
    Checksum,
}

impl TokenSecret {
    /// A new token from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, RandomUnavailable> {
        Ok(Self::from_bytes(&crate::random::bytes::<SECRET_BYTES>()?))
    }

    /// The token whose random part is `bytes`. Deterministic: used by `generate` and by tests.
    pub fn from_bytes(bytes: &[u8; SECRET_BYTES]) -> Self {
        let body = encode_base62_fixed::<BODY_LEN>(bytes);
        let mut token = String::with_capacity(TOKEN_LEN);
        token.push_str(TOKEN_PREFIX);
        // The alphabet is ASCII, so these bytes are valid UTF-8 one by one.
        token.extend(body.iter().map(|&b| b as char));
        token.extend(checksum(&body).iter().map(|&b| b as char));
        Self(token)
    }

    /// Checks prefix, length, alphabet and checksum (see `check`); does no I/O.
    pub fn parse(raw: &str) -> Result<Self, MalformedToken> {
        check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Prefix and last four characters, so people can tell tokens apart: `lk_…AbC4`.
    pub fn display_hint(&self) -> String {
        let tail = &self.0[self.0.len() - 4..];
        format!("{TOKEN_PREFIX}…{tail}")
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret([redacted])")
    }
}

/// The format check of `parse`, without allocating: the first gate of verification.
pub fn check(raw: &str) -> Result<(), MalformedToken> {
    let rest = raw
        .strip_prefix(TOKEN_PREFIX)
        .ok_or(MalformedToken::Prefix)?;
    if rest.len() != BODY_LEN + CHECKSUM_LEN {
        return Err(MalformedToken::Length);
    }
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(MalformedToken::Alphabet);
    }
    let (body, sum) = rest.as_bytes().split_at(BODY_LEN);
    // Not secret: the checksum is public and printed in every token.
    if checksum(body) != sum {
        return Err(MalformedToken::Checksum);
    }
    Ok(())
}

fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut crc = Crc32::new();
    crc.update(body);
    encode_base62_fixed::<CHECKSUM_LEN>(&crc.finalize().to_be_bytes())
}

/// Big-endian base62 of `bytes`, left-padded with '0' to exactly `N` digits. `N` must be
/// large enough for the input's width (it is, for both uses above).
fn encode_base62_fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut number = bytes.to_vec();
    let mut digits = [ALPHABET[0]; N];
    for slot in digits.iter_mut().rev() {
        let mut remainder: u32 = 0;
        for byte in number.iter_mut() {
            let value = (remainder << 8) | u32::from(*byte);
            *byte = (value / 62) as u8;
            remainder = value % 62;
        }
        *slot = ALPHABET[remainder as usize];
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_token_has_the_documented_shape() {
        let token = TokenSecret::generate().unwrap();
        let text = token.expose_secret();
        assert!(text.starts_with("lk_"));
        assert_eq!(text.len(), TOKEN_LEN);
        assert_eq!(TOKEN_LEN, 52);
        assert!(text[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn two_generated_tokens_differ() {
        assert_ne!(
            TokenSecret::generate().unwrap(),
            TokenSecret::generate().unwrap()
        );
    }

    #[test]
    fn extreme_values_encode_to_full_width() {
        let zero = TokenSecret::from_bytes(&[0; 32]);
        let max = TokenSecret::from_bytes(&[0xff; 32]);
        assert_eq!(zero.expose_secret().len(), TOKEN_LEN);
        assert_eq!(max.expose_secret().len(), TOKEN_LEN);
        assert!(TokenSecret::parse(zero.expose_secret()).is_ok());
        assert!(TokenSecret::parse(max.expose_secret()).is_ok());
        // 2^256 - 1 in base62 starts with a non-zero digit: the width is tight.
        assert_ne!(&max.expose_secret()[3..4], "0");
    }

    #[test]
    fn base62_matches_known_values() {
        assert_eq!(&encode_base62_fixed::<3>(&[0, 61]), b"00z");
        assert_eq!(&encode_base62_fixed::<3>(&[0, 62]), b"010");
        assert_eq!(
            &encode_base62_fixed::<6>(&u32::MAX.to_be_bytes()),
            b"4gfFC3"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = TokenSecret::generate().unwrap();
        assert_eq!(format!("{token:?}"), "TokenSecret([redacted])");
    }

    #[test]
    fn display_hint_shows_prefix_and_last_four() {
        let token = TokenSecret::generate().unwrap();
        let text = token.expose_secret();
        assert_eq!(token.display_hint(), format!("lk_…{}", &text[48..]));
    }

    #[test]
    fn wrong_prefix_length_and_alphabet_are_told_apart() {
        let good = TokenSecret::generate().unwrap().expose_secret().to_owned();
        assert_eq!(
            TokenSecret::parse(&good.replacen("lk_", "lx_", 1)),
            Err(MalformedToken::Prefix)
        );
        assert_eq!(TokenSecret::parse(&good[..51]), Err(MalformedToken::Length));
        assert_eq!(
            TokenSecret::parse(&format!("{good}x")),
            Err(MalformedToken::Length)
        );
        let mut bad = good.clone();
        bad.replace_range(10..11, "-");
        assert_eq!(TokenSecret::parse(&bad), Err(MalformedToken::Alphabet));
        assert_eq!(TokenSecret::parse(""), Err(MalformedToken::Prefix));
        assert_eq!(TokenSecret::parse("lk_é"), Err(MalformedToken::Length));
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip_through_format_and_parse(bytes in any::<[u8; 32]>()) {
            let token = TokenSecret::from_bytes(&bytes);
            let parsed = TokenSecret::parse(token.expose_secret()).unwrap();
            prop_assert_eq!(parsed, token);
        }

        #[test]
        fn any_single_character_corruption_is_rejected(
            bytes in any::<[u8; 32]>(),
            position in 3usize..TOKEN_LEN,
            replacement in 0usize..62,
        ) {
            let token = TokenSecret::from_bytes(&bytes);
            let mut corrupted = token.expose_secret().as_bytes().to_vec();
            let new_char = ALPHABET[replacement];
            prop_assume!(corrupted[position] != new_char);
            corrupted[position] = new_char;
            let corrupted = String::from_utf8(corrupted).unwrap();
            prop_assert_eq!(TokenSecret::parse(&corrupted), Err(MalformedToken::Checksum));
        }

        #[test]
        fn distinct_bytes_give_distinct_tokens(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            prop_assume!(a != b);
            prop_assert_ne!(TokenSecret::from_bytes(&a), TokenSecret::from_bytes(&b));
        }
    }
}
