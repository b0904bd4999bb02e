//! The token form, as entered and as shown: its fields, the permission matrix, and the
//! duration choice turned into the service's input.

use crate::domain::{DurationChoice, FieldErrors, TokenType};
use crate::projects::ContentType;
use crate::tokens::{DurationInput, TokenView};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeSet;

/// The token form's values as entered, kept across a failed submission.
#[derive(Deserialize, Default, Clone)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub expires_on: String,
    #[serde(default)]
    pub token_type: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl TokenForm {
    /// The form filled with a token's current values.
    pub fn of(token: &TokenView) -> Self {
        Self {
            name: token.name.clone(),
            description: token.description.clone(),
            token_type: token.token_type.as_str().to_owned(),
            kind: token.kind.as_str().to_owned(),
            permissions: if token.token_type == TokenType::Custom {
                token.permissions.iter().map(ToString::to_string).collect()
            } else {
                Vec::new()
            },
            ..Self::default()
        }
    }

    /// The permissions sent, which only a custom token keeps.
    pub fn chosen_permissions(&self) -> Option<Vec<String>> {
        (self.token_type == TokenType::Custom.as_str()).then(|| self.permissions.clone())
    }

    /// The duration chosen; a choice that is not one adds its error to `errors`.
    pub fn duration_input(&self, errors: &mut FieldErrors) -> DurationInput {
        match self.duration.as_str() {
            "unlimited" => DurationInput::Unlimited,
            "custom" => match NaiveDate::parse_from_str(self.expires_on.trim(), "%Y-%m-%d") {
                // The token lives to the end of the chosen day, UTC.
                Ok(day) => match day.and_hms_opt(23, 59, 59) {
                    Some(end) => DurationInput::Until(end.and_utc()),
                    None => DurationInput::Days(0),
                },
                Err(_) => {
                    errors.add("duration", "Choose the expiry date.");
                    DurationInput::Unlimited
                }
            },
            days => match days.parse::<i64>() {
                Ok(days) if DurationChoice::PRESET_DAYS.contains(&(days as u16)) => {
                    DurationInput::Days(days)
                }
                _ => {
                    errors.add("duration", "Choose a duration.");
                    DurationInput::Unlimited
                }
            },
        }
    }
}

pub struct MatrixCell {
    pub value: String,
    pub action: &'static str,
    pub checked: bool,
}

pub struct MatrixRow {
    pub uid: String,
    pub display_name: String,
    pub built_in: bool,
    pub cells: Vec<MatrixCell>,
}

/// One row per content type, one checkbox per action, ticked where the form chose it.
pub fn matrix(content_types: &[ContentType], form: &TokenForm) -> Vec<MatrixRow> {
    let chosen: BTreeSet<&str> = form.permissions.iter().map(String::as_str).collect();
    content_types
        .iter()
        .map(|ct| MatrixRow {
            uid: ct.uid.as_str().to_owned(),
            display_name: ct.display_name.clone(),
            built_in: ct.built_in,
            cells: ct
                .uid
                .actions()
                .iter()
                .map(|action| {
                    let value = format!("{}.{}", ct.uid, action.as_str());
                    MatrixCell {
                        checked: chosen.contains(value.as_str()),
                        value,
                        action: action.as_str(),
                    }
                })
                .collect(),
        })
        .collect()
}
