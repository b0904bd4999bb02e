//! Raw input for creating and changing tokens, parsed into domain values with every field's
//! error collected. The dashboard's forms and the API's JSON both arrive here.

use crate::domain::{
    DurationChoice, FieldErrors, Permission, PermissionSet, TokenDescription, TokenKind, TokenName,
    TokenType,
};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub enum DurationInput {
    Days(i64),
    Unlimited,
    Until(DateTime<Utc>),
}

/// A create request as received.
#[derive(Debug, Clone)]
pub struct NewTokenInput {
    pub name: String,
    pub description: String,
    pub kind: String,
    pub token_type: String,
    pub permissions: Vec<String>,
    pub duration: DurationInput,
}

/// A create request as the REST and GraphQL faces receive it: every field but the name
/// optional, the expiry as an instant or a number of days.
#[derive(Debug, Clone, Default)]
pub struct ApiNewToken {
    pub name: String,
    pub description: Option<String>,
    pub kind: Option<String>,
    pub token_type: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub duration_days: Option<i64>,
}

impl ApiNewToken {
    /// The API's defaults (a service token, read-only, no expiry), and at most one expiry.
    pub fn into_input(self) -> Result<NewTokenInput, FieldErrors> {
        let duration = match (self.expires_at, self.duration_days) {
            (Some(_), Some(_)) => {
                return Err(FieldErrors::single(
                    "expires_at",
                    "Give expires_at or duration_days, not both.",
                ));
            }
            (Some(at), None) => DurationInput::Until(at),
            (None, Some(days)) => DurationInput::Days(days),
            (None, None) => DurationInput::Unlimited,
        };
        Ok(NewTokenInput {
            name: self.name,
            description: self.description.unwrap_or_default(),
            kind: self
                .kind
                .unwrap_or_else(|| TokenKind::Service.as_str().into()),
            token_type: self
                .token_type
                .unwrap_or_else(|| TokenType::ReadOnly.as_str().into()),
            permissions: self.permissions.unwrap_or_default(),
            duration,
        })
    }
}

/// A create request that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: TokenName,
    pub description: TokenDescription,
    pub kind: TokenKind,
    pub token_type: TokenType,
    pub permissions: PermissionSet,
    pub duration: DurationChoice,
}

impl NewToken {
    pub fn parse(input: NewTokenInput, now: DateTime<Utc>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take("name", TokenName::parse(&input.name));
        let description = errors.take("description", TokenDescription::parse(&input.description));
        let kind = errors.take("kind", TokenKind::parse(&input.kind));
        let token_type = errors.take("type", TokenType::parse(&input.token_type));
        let permissions = token_type.and_then(|token_type| {
            errors.take(
                "permissions",
                parse_permissions(token_type, &input.permissions),
            )
        });
        let duration = errors.take(
            "duration",
            match input.duration {
                DurationInput::Days(days) => DurationChoice::days(days),
                DurationInput::Unlimited => Ok(DurationChoice::Unlimited),
                DurationInput::Until(instant) => DurationChoice::until(instant, now),
            },
        );
        match (name, description, kind, token_type, permissions, duration) {
            (
                Some(name),
                Some(description),
                Some(kind),
                Some(token_type),
                Some(permissions),
                Some(duration),
            ) if errors.is_empty() => Ok(Self {
                name,
                description,
                kind,
                token_type,
                permissions,
                duration,
            }),
            _ => Err(errors),
        }
    }
}

/// A change request as received; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenChangesInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub token_type: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct TokenChanges {
    pub name: Option<TokenName>,
    pub description: Option<TokenDescription>,
    pub token_type: Option<TokenType>,
    /// Only with a custom type, current or new.
    pub permissions: Option<PermissionSet>,
}

impl TokenChanges {
    /// Parses the change against the token's current type, since a permission list is
    /// meaningful only for a custom token.
    pub fn parse(input: TokenChangesInput, current_type: TokenType) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = input
            .name
            .and_then(|raw| errors.take("name", TokenName::parse(&raw)));
        let description = input
            .description
            .and_then(|raw| errors.take("description", TokenDescription::parse(&raw)));
        let token_type = input
            .token_type
            .and_then(|raw| errors.take("type", TokenType::parse(&raw)));
        let resulting_type = token_type.unwrap_or(current_type);
        let permissions = match input.permissions {
            Some(raw) => errors.take("permissions", parse_permissions(resulting_type, &raw)),
            None if token_type == Some(TokenType::Custom) && current_type != TokenType::Custom => {
                errors.add(
                    "permissions",
                    "Choose at least one permission for a custom token.",
                );
                None
            }
            None if token_type.is_some() && resulting_type != TokenType::Custom => {
                Some(PermissionSet::new())
            }
            None => None,
        };
        errors.into_result()?;
        Ok(Self {
            name,
            description,
            token_type,
            permissions,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.token_type.is_none()
            && self.permissions.is_none()
    }
}

fn parse_permissions(token_type: TokenType, raw: &[String]) -> Result<PermissionSet, String> {
    if token_type != TokenType::Custom {
        return if raw.is_empty() {
            Ok(PermissionSet::new())
        } else {
            Err(format!(
                "Permissions are chosen only for custom tokens; a {} token's permissions follow from its type.",
                token_type.label().to_lowercase()
            ))
        };
    }
    let mut set = PermissionSet::new();
    let mut invalid = Vec::new();
    for item in raw {
        match Permission::parse(item) {
            Ok(permission) => set.insert(permission),
            Err(_) => invalid.push(item.trim().to_owned()),
        }
    }
    if !invalid.is_empty() {
        return Err(format!("Not a valid permission: {}.", invalid.join(", ")));
    }
    if set.is_empty() {
        return Err("Choose at least one permission for a custom token.".into());
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewTokenInput {
        NewTokenInput {
            name: "CI".into(),
            description: String::new(),
            kind: "service".into(),
            token_type: "custom".into(),
            permissions: vec!["article.find".into()],
            duration: DurationInput::Days(30),
        }
    }

    #[test]
    fn a_valid_request_parses() {
        let token = NewToken::parse(input(), Utc::now()).unwrap();
        assert_eq!(token.permissions.len(), 1);
        assert_eq!(token.duration, DurationChoice::Days(30));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = NewTokenInput {
            name: " ".into(),
            description: "x".repeat(501),
            kind: "robot".into(),
            token_type: "custom".into(),
            permissions: vec!["article.fetch".into()],
            duration: DurationInput::Until(Utc::now() - chrono::Duration::days(1)),
        };
        let errors = NewToken::parse(bad, Utc::now()).unwrap_err();
        for field in ["name", "description", "kind", "permissions", "duration"] {
            assert!(
                errors.get(field).is_some(),
                "missing error for {field}: {errors}"
            );
        }
    }

    #[test]
    fn custom_without_permissions_is_refused() {
        let errors = NewToken::parse(
            NewTokenInput {
                permissions: vec![],
                ..input()
            },
            Utc::now(),
        )
        .unwrap_err();
        assert!(errors.get("permissions").is_some());
    }

    #[test]
    fn permissions_on_a_non_custom_type_are_refused() {
        let errors = NewToken::parse(
            NewTokenInput {
                token_type: "read-only".into(),
                ..input()
            },
            Utc::now(),
        )
        .unwrap_err();
        assert!(errors.get("permissions").is_some());
    }

    #[test]
    fn switching_to_custom_requires_permissions() {
        let changes = TokenChangesInput {
            token_type: Some("custom".into()),
            ..Default::default()
        };
        assert!(TokenChanges::parse(changes, TokenType::ReadOnly).is_err());
    }

    #[test]
    fn switching_away_from_custom_clears_permissions() {
        let changes = TokenChangesInput {
            token_type: Some("read-only".into()),
            ..Default::default()
        };
        let parsed = TokenChanges::parse(changes, TokenType::Custom).unwrap();
        assert_eq!(parsed.permissions, Some(PermissionSet::new()));
    }
}
