//! One-shot messages shown on the page after an action.

use actix_session::Session;
use serde::{Deserialize, Serialize};

const FLASH_KEY: &str = "flash";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// "success" or "error"; used as a CSS class.
    pub level: String,
    pub message: String,
}

pub fn success(session: &Session, message: impl Into<String>) {
    set(session, "success", message.into());
}

pub fn error(session: &Session, message: impl Into<String>) {
    set(session, "error", message.into());
}

fn set(session: &Session, level: &str, message: String) {
    let flash = Flash {
        level: level.to_owned(),
        message,
    };
    if let Err(e) = session.insert(FLASH_KEY, flash) {
        tracing::warn!(error = %e, "could not store a flash message");
    }
}

pub fn take(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
}
