//! The token form, as entered and as shown: its fields, the permission matrix, and the
//! duration choice turned into the service's input.

use crate::domain::{Action, DurationChoice, FieldErrors, TokenType};
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
    /// One per column of the matrix; None where the content type has no such action.
    pub cells: Vec<Option<MatrixCell>>,
}

/// A column of the matrix: an action, with what it allows.
pub struct MatrixColumn {
    pub action: &'static str,
    pub help: &'static str,
}

/// The permission matrix: one row per content type, one column per action, ticked where
/// the form chose it.
pub struct Matrix {
    pub columns: Vec<MatrixColumn>,
    pub rows: Vec<MatrixRow>,
    pub selected: usize,
    pub total: usize,
}

pub fn matrix(content_types: &[ContentType], form: &TokenForm) -> Matrix {
    let chosen: BTreeSet<&str> = form.permissions.iter().map(String::as_str).collect();
    let actions: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|action| {
            content_types
                .iter()
                .any(|ct| ct.uid.actions().contains(action))
        })
        .collect();
    let rows: Vec<MatrixRow> = content_types
        .iter()
        .map(|ct| MatrixRow {
            uid: ct.uid.as_str().to_owned(),
            display_name: ct.display_name.clone(),
            built_in: ct.built_in,
            cells: actions
                .iter()
                .map(|action| {
                    ct.uid.actions().contains(action).then(|| {
                        let value = format!("{}.{}", ct.uid, action.as_str());
                        MatrixCell {
                            checked: chosen.contains(value.as_str()),
                            value,
                            action: action.as_str(),
                        }
                    })
                })
                .collect(),
        })
        .collect();
    let cells = || rows.iter().flat_map(|row| row.cells.iter().flatten());
    Matrix {
        selected: cells().filter(|cell| cell.checked).count(),
        total: cells().count(),
        columns: actions
            .iter()
            .map(|action| MatrixColumn {
                action: action.as_str(),
                help: action.describe(),
            })
            .collect(),
        rows,
    }
}
