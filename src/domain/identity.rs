//! Users' and projects' identifying values.

use super::has_control_chars;
use std::fmt;

/// An email address, lower-cased so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let normalized = raw.trim().to_lowercase();
        let valid = normalized.len() <= 254
            && !normalized.chars().any(char::is_whitespace)
            && !has_control_chars(&normalized, false)
            && matches!(normalized.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if valid {
            Ok(Self(normalized))
        } else {
            Err(format!("'{}' is not a valid email address.", raw.trim()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Name is required.".into());
        }
        if trimmed.chars().count() > 100 || has_control_chars(trimmed, false) {
            return Err("Name must be at most 100 printable characters.".into());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An administrator's password: 12 to 1024 characters, and not easy to guess. Debug never
/// shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    /// zxcvbn's scale: 3 is "safely unguessable" — beyond 10^8 guesses, which the sign-in
    /// throttle and argon2id put out of an online attacker's reach.
    const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;
    /// The estimate is quadratic in the length; past this many characters a password is
    /// judged by its beginning (a long password that starts weak is still refused).
    const ESTIMATED_CHARS: usize = 100;

    /// `context` is what the password must not be built from: the account's email and name.
    pub fn parse(raw: String, context: &[&str]) -> Result<Self, String> {
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            return Err(format!(
                "Password must be at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if count > 1024 {
            return Err("Password must be at most 1024 characters.".into());
        }
        let estimated: String = raw.chars().take(Self::ESTIMATED_CHARS).collect();
        // Whole inputs and their parts: `ada.lovelace@example.com` also gives `ada`, `lovelace`.
        let mut context: Vec<&str> = context
            .iter()
            .flat_map(|input| {
                std::iter::once(*input).chain(
                    input
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|part| part.chars().count() >= 3),
                )
            })
            .collect();
        context.extend(["latchkey", "token", "admin"]);
        let entropy = zxcvbn::zxcvbn(&estimated, &context);
        if entropy.score() < Self::MIN_SCORE {
            return Err(weak_password_message(entropy.feedback()));
        }
        Ok(Self(raw))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

/// Why a password was refused, in the estimator's words where it has any.
fn weak_password_message(feedback: Option<&zxcvbn::feedback::Feedback>) -> String {
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = feedback {
        if let Some(warning) = feedback.warning() {
            message.push(' ');
            message.push_str(&warning.to_string());
            if !message.ends_with('.') {
                message.push('.');
            }
        }
        for suggestion in feedback.suggestions().iter().take(2) {
            message.push(' ');
            message.push_str(&suggestion.to_string());
        }
    }
    message
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A project's name, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Project name is required.".into());
        }
        if trimmed.chars().count() > 100 || has_control_chars(trimmed, false) {
            return Err("Project name must be at most 100 printable characters.".into());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A project's URL slug: lowercase letters, digits and single hyphens, 2–64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSlug(String);

impl ProjectSlug {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let valid = (2..=64).contains(&raw.len())
            && raw.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "'{raw}' is not a valid slug: use 2–64 lowercase letters, digits and single hyphens."
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_guessable_passwords_are_refused_with_a_reason() {
        for weak in [
            "password1234",
            "Password1234!",
            "123456789012",
            "qwertyuiop12",
            "aaaaaaaaaaaaaaaa",
            "latchkey2026!",
        ] {
            let refused = Password::parse(weak.into(), &[]).unwrap_err();
            assert!(
                refused.starts_with("This password is too easy to guess."),
                "{weak}: {refused}"
            );
        }
        let refused = Password::parse("ada@example.com1".into(), &["ada@example.com", "Ada"]);
        assert!(refused.is_err(), "built from the account's own email");
        assert!(Password::parse("ada@example.com1".into(), &[]).is_ok());
        assert!(Password::parse("tangerine orbit velvet 42".into(), &[]).is_ok());
        let long_but_weak = "password".repeat(30);
        assert!(Password::parse(long_but_weak, &[]).is_err());
    }

    #[test]
    fn email_is_lower_cased_and_trimmed() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn invalid_emails_are_rejected() {
        for raw in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@example.com",
            "ada@@example.com",
            "ada@.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }

    #[test]
    fn short_password_is_rejected_and_debug_is_redacted() {
        assert!(Password::parse("short".into(), &[]).is_err());
        let password = Password::parse("correct horse battery".into(), &[]).unwrap();
        assert_eq!(format!("{password:?}"), "Password([redacted])");
    }

    #[test]
    fn slug_rules() {
        assert!(ProjectSlug::parse("acme-prod").is_ok());
        for raw in ["a", "Acme", "acme_prod", "-acme", "acme--prod", "acme-"] {
            assert!(
                ProjectSlug::parse(raw).is_err(),
                "{raw:?} should be rejected"
            );
        }
    }
}
