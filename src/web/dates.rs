//! How the dashboard writes instants: in UTC, the same on every page.

use chrono::{DateTime, Utc};

pub fn date(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y").to_string()
}

pub fn date_time(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}
