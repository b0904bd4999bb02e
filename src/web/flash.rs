//! One-shot messages shown on the page after an action (kept in the session).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// "success" or "error"; used as a CSS class.
    pub level: String,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            level: "success".to_owned(),
            message: message.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            level: "error".to_owned(),
            message: message.into(),
        }
    }
}
