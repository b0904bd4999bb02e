//! Developers → API Tokens: the list (`list`), creating with the one-time reveal of the new
//! secret (`create`), editing (`edit`), and regenerating and deleting behind a confirmation
//! (`confirm`). `form` is the token form both create and edit show.

mod confirm;
mod create;
mod edit;
mod form;
mod list;
mod plan_notice;

pub use confirm::{confirm_delete, confirm_regenerate, delete_token, regenerate_token};
pub use create::{create_token, new_token_form};
pub use edit::{edit_token_form, update_token};
#[cfg(fuzzing)]
pub(crate) use form::TokenForm;
pub use list::tokens_page;

use crate::domain::{TokenKind, TokenType};
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

/// The badge class of a token type: full access stands out, read-only is quiet.
fn type_class(token_type: TokenType) -> &'static str {
    match token_type {
        TokenType::ReadOnly => "read-only",
        TokenType::FullAccess => "full-access",
        TokenType::Custom => "custom",
    }
}

fn creator(token: &TokenView) -> String {
    token
        .created_by
        .as_ref()
        .map_or_else(|| "—".to_owned(), |c| c.label.clone())
}
