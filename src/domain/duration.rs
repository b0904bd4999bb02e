//! How long a token lives: a preset number of days, unlimited, or until a chosen instant.

use chrono::{DateTime, Duration, Utc};

/// The choice made at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationChoice {
    Days(u16),
    Unlimited,
    Until(DateTime<Utc>),
}

impl DurationChoice {
    pub const PRESET_DAYS: [u16; 4] = [7, 30, 90, 180];

    /// A preset number of days from the dashboard or the API.
    pub fn days(days: i64) -> Result<Self, String> {
        // The API accepts any whole number of days within reason; the dashboard offers presets.
        if (1..=3650).contains(&days) {
            Ok(Self::Days(days as u16))
        } else {
            Err("Duration must be between 1 and 3650 days.".into())
        }
    }

    /// A custom expiry, which must lie in the future.
    pub fn until(instant: DateTime<Utc>, now: DateTime<Utc>) -> Result<Self, String> {
        if instant <= now {
            Err("Expiry must be in the future.".into())
        } else {
            Ok(Self::Until(instant))
        }
    }

    /// Fixes the choice at `now` into what is stored.
    pub fn settle(self, now: DateTime<Utc>) -> TokenDuration {
        match self {
            Self::Days(days) => TokenDuration {
                label: days_label(days),
                lifetime: Some(Duration::days(i64::from(days))),
            },
            Self::Unlimited => TokenDuration {
                label: "unlimited".into(),
                lifetime: None,
            },
            Self::Until(instant) => TokenDuration {
                label: "custom".into(),
                lifetime: Some(instant - now),
            },
        }
    }
}

fn days_label(days: u16) -> String {
    format!("{days}d")
}

/// A token's duration as stored: a label for display and the lifetime that a refresh renews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDuration {
    pub label: String,
    pub lifetime: Option<Duration>,
}

impl TokenDuration {
    pub fn from_stored(label: String, lifetime_seconds: Option<i64>) -> Self {
        Self {
            label,
            lifetime: lifetime_seconds.map(Duration::seconds),
        }
    }

    pub fn expiry_from(&self, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.lifetime.map(|lifetime| start + lifetime)
    }

    pub fn lifetime_seconds(&self) -> Option<i64> {
        self.lifetime.map(|l| l.num_seconds())
    }

    /// "7 days", "Unlimited", "Custom date".
    pub fn describe(&self) -> String {
        match self.label.as_str() {
            "unlimited" => "Unlimited".into(),
            "custom" => "Custom date".into(),
            other => match other.strip_suffix('d') {
                Some(days) => format!("{days} days"),
                None => other.to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_days_expire_that_many_days_later() {
        let now = Utc::now();
        let duration = DurationChoice::Days(30).settle(now);
        assert_eq!(duration.expiry_from(now), Some(now + Duration::days(30)));
        assert_eq!(duration.describe(), "30 days");
    }

    #[test]
    fn unlimited_never_expires() {
        let now = Utc::now();
        let duration = DurationChoice::Unlimited.settle(now);
        assert_eq!(duration.expiry_from(now), None);
        assert_eq!(duration.describe(), "Unlimited");
    }

    #[test]
    fn custom_expiry_in_the_past_is_rejected() {
        let now = Utc::now();
        assert!(DurationChoice::until(now - Duration::seconds(1), now).is_err());
        assert!(DurationChoice::until(now, now).is_err());
        let choice = DurationChoice::until(now + Duration::hours(5), now).unwrap();
        let duration = choice.settle(now);
        assert_eq!(duration.lifetime, Some(Duration::hours(5)));
    }

    #[test]
    fn out_of_range_days_are_rejected() {
        assert!(DurationChoice::days(0).is_err());
        assert!(DurationChoice::days(3651).is_err());
        assert!(DurationChoice::days(180).is_ok());
    }
}
