//! Name, description, kind and type of an API token.

use super::has_control_chars;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_security::skeleton;

pub const TOKEN_NAME_MAX_CHARS: usize = 100;
pub const TOKEN_DESCRIPTION_MAX_CHARS: usize = 500;

/// 1–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    /// Trimmed and NFKC-normalised: a name composed one way (`e` + combining accent,
    /// full-width letters, ligatures) is stored as the one way it is read.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let normalized: String = raw.trim().nfkc().collect();
        let trimmed = normalized.trim();
        if trimmed.is_empty() {
            return Err("Name is required.".into());
        }
        if trimmed.chars().count() > TOKEN_NAME_MAX_CHARS {
            return Err(format!(
                "Name must be at most {TOKEN_NAME_MAX_CHARS} characters."
            ));
        }
        if has_control_chars(trimmed, false) {
            return Err(
                "Name must not contain control, invisible or direction-changing characters.".into(),
            );
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which names are unique in a project: two names that read the same are
    /// one name, whatever their case or look-alike letters (a Cyrillic `е` for a Latin `e`,
    /// `0` for `o`, `rn` for `m`): the UTS #39 skeleton of the lower-cased name, lower-cased
    /// again (some prototypes are capitals). Case is folded first, so `I` is `i` — never
    /// `l`, which would make `first` and `flrst` one name. Hashed, as a skeleton can be
    /// longer than the name (the key column holds 100 characters).
    pub fn uniqueness_key(&self) -> String {
        use sha2::Digest;
        let folded = skeleton(&self.0.to_lowercase())
            .collect::<String>()
            .to_lowercase();
        hex::encode(sha2::Sha256::digest(folded.as_bytes()))
    }

    /// What lists sort by: the name in lower case, so `alpha` sits beside `Alpha`.
    pub fn sort_key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// 0–500 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenDescription(String);

impl TokenDescription {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > TOKEN_DESCRIPTION_MAX_CHARS {
            return Err(format!(
                "Description must be at most {TOKEN_DESCRIPTION_MAX_CHARS} characters."
            ));
        }
        if has_control_chars(trimmed, true) {
            return Err(
                "Description must not contain control, invisible or direction-changing characters."
                    .into(),
            );
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A service account token is its own identity; a personal token acts for its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Service,
    Personal,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Personal => "personal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "service" => Ok(Self::Service),
            "personal" => Ok(Self::Personal),
            other => Err(format!(
                "Unknown token kind '{other}': use 'service' or 'personal'."
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenType {
    ReadOnly,
    FullAccess,
    Custom,
}

impl TokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read-only",
            Self::FullAccess => "full-access",
            Self::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ReadOnly => "Read-only",
            Self::FullAccess => "Full access",
            Self::Custom => "Custom",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "read-only" => Ok(Self::ReadOnly),
            "full-access" => Ok(Self::FullAccess),
            "custom" => Ok(Self::Custom),
            other => Err(format!(
                "Unknown token type '{other}': use 'read-only', 'full-access' or 'custom'."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_trimmed() {
        assert_eq!(
            TokenName::parse("  CI pipeline ").unwrap().as_str(),
            "CI pipeline"
        );
    }

    /// Names that look like another name, or reorder the text shown around them, are refused.
    #[test]
    fn invisible_and_direction_changing_characters_are_refused() {
        for name in [
            "CI\u{200B}",
            "C\u{200D}I",
            "\u{202E}IC",
            "C\u{2066}I\u{2069}",
            "\u{FEFF}CI",
            "C\u{00AD}I",
        ] {
            assert!(TokenName::parse(name).is_err(), "{name:?}");
            assert!(TokenDescription::parse(name).is_err(), "{name:?}");
        }
        assert!(TokenName::parse("CI – déploiement 日本").is_ok());
        assert!(TokenDescription::parse("two\nlines").is_ok());
    }

    #[test]
    fn blank_name_is_rejected() {
        assert!(TokenName::parse("   ").is_err());
        assert!(TokenName::parse("").is_err());
    }

    #[test]
    fn name_of_exactly_100_chars_is_accepted_and_101_rejected() {
        assert!(TokenName::parse(&"é".repeat(100)).is_ok());
        assert!(TokenName::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn name_with_control_character_is_rejected() {
        assert!(TokenName::parse("bad\u{7}name").is_err());
    }

    #[test]
    fn uniqueness_key_ignores_case() {
        let a = TokenName::parse("Deploy").unwrap();
        let b = TokenName::parse("DEPLOY").unwrap();
        assert_eq!(a.uniqueness_key(), b.uniqueness_key());
    }

    #[test]
    fn names_that_read_the_same_are_one_name() {
        let key = |raw: &str| TokenName::parse(raw).unwrap().uniqueness_key();
        let deploy = key("deploy");
        for same in [
            "Deploy",
            "DEPLOY",
            "d\u{435}ploy",  // Cyrillic small ie
            "\u{FF24}eploy", // full-width D
            "dep1oy",        // one for l
        ] {
            assert_eq!(key(same), deploy, "{same:?}");
        }
        assert_eq!(key("caf\u{e9}"), key("cafe\u{301}"), "NFC and NFD");
        assert_eq!(key("modern"), key("rnodern"));
        assert_eq!(key("FIRST"), key("first"));
        assert_ne!(key("first"), key("flrst"));
        for different in ["deploy-2", "deplay", "prod", "d"] {
            assert_ne!(key(different), deploy, "{different:?}");
        }
        assert_eq!(deploy.len(), 64);
    }

    #[test]
    fn names_are_stored_nfkc_normalised() {
        assert_eq!(
            TokenName::parse("cafe\u{301}").unwrap().as_str(),
            "caf\u{e9}"
        );
        assert_eq!(TokenName::parse("\u{FB01}le").unwrap().as_str(), "file");
        assert_eq!(TokenName::parse("\u{FF21}\u{FF22}").unwrap().as_str(), "AB");
    }

    #[test]
    fn description_limit_is_500_chars() {
        assert!(TokenDescription::parse(&"x".repeat(500)).is_ok());
        assert!(TokenDescription::parse(&"x".repeat(501)).is_err());
        assert!(TokenDescription::parse("line one\nline two").is_ok());
    }

    #[test]
    fn kind_and_type_round_trip_through_strings() {
        for kind in [TokenKind::Service, TokenKind::Personal] {
            assert_eq!(TokenKind::parse(kind.as_str()).unwrap(), kind);
        }
        for ty in [
            TokenType::ReadOnly,
            TokenType::FullAccess,
            TokenType::Custom,
        ] {
            assert_eq!(TokenType::parse(ty.as_str()).unwrap(), ty);
        }
        assert!(TokenType::parse("admin").is_err());
        assert!(TokenKind::parse("robot").is_err());
    }
}
