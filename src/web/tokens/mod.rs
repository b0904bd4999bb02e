//! Developers → API Tokens: the list (`list`), creating with the one-time reveal of the new
//! secret (`create`), editing (`edit`), and regenerating and deleting behind a confirmation
//! (`confirm`). `form` is the token form both create and edit show.

mod confirm;
mod create;
mod edit;
mod form;
mod list;

pub use confirm::{confirm_delete, confirm_regenerate, delete_token, regenerate_token};
pub use create::{create_token, new_token_form};
pub use edit::{edit_token_form, update_token};
#[cfg(fuzzing)]
pub(crate) use form::TokenForm;
pub use list::tokens_page;

use super::dates::{date, date_time};
use crate::domain::TokenKind;
use crate::tokens::{TokenStatus, TokenView};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

/// The `{id}` of a token's path (the `{slug}` is the `ProjectPage`'s).
#[derive(Deserialize)]
pub struct TokenPath {
    id: Uuid,
}

/// The status badge: its CSS class and its words.
fn status_of(token: &TokenView) -> (&'static str, &'static str) {
    match token.status(Utc::now()) {
        TokenStatus::Active => ("active", "Active"),
        TokenStatus::ExpiringSoon => ("expiring", "Expiring soon"),
        TokenStatus::Expired => ("expired", "Expired"),
        TokenStatus::Revoked => ("revoked", "Revoked"),
    }
}

fn kind_label(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Service => "Service account",
        TokenKind::Personal => "Personal",
    }
}

fn last_used(token: &TokenView) -> String {
    token
        .last_used_at
        .map_or_else(|| "never".to_owned(), date_time)
}

fn creator(token: &TokenView) -> String {
    token
        .created_by
        .as_ref()
        .map_or_else(|| "—".to_owned(), |c| c.label.clone())
}
