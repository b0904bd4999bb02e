//! How the dashboard writes instants: exactly, in UTC, the same on every page; and relative
//! to now ("3 hours ago", "in 7 days") inside a `<time>` whose `datetime` and tooltip hold
//! the exact instant. The page script refreshes relative times with the same wording.

use chrono::{DateTime, Utc};

pub fn date(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y").to_string()
}

pub fn date_time(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}

/// An instant as a `<time>` element shows it (see `templates/partials/macros.html`).
pub struct Moment {
    /// RFC 3339, for `datetime`.
    pub iso: String,
    /// "Dec 1, 2026 18:14 UTC", for the tooltip.
    pub exact: String,
    /// "2 hours ago", "in 7 days".
    pub relative: String,
}

impl Moment {
    pub fn of(at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            exact: date_time(at),
            relative: relative(at, now),
        }
    }
}

/// The wording `static/js/app.js` repeats when it refreshes a page left open.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let future = seconds > 0;
    let distance = seconds.unsigned_abs();
    if distance < 45 {
        return "just now".into();
    }
    let (count, unit) = match distance {
        d if d < 45 * 60 => (d.div_ceil(60).max(1), "minute"),
        d if d < 22 * 3_600 => ((d + 1_800) / 3_600, "hour"),
        d if d < 26 * 86_400 => ((d + 43_200) / 86_400, "day"),
        d if d < 320 * 86_400 => ((d + 15 * 86_400) / (30 * 86_400), "month"),
        d => ((d + 182 * 86_400) / (365 * 86_400), "year"),
    };
    let count = count.max(1);
    let plural = if count == 1 { "" } else { "s" };
    if future {
        format!("in {count} {unit}{plural}")
    } else {
        format!("{count} {unit}{plural} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times_read_as_people_say_them() {
        let now = Utc::now();
        let cases = [
            (Duration::seconds(-10), "just now"),
            (Duration::seconds(-90), "2 minutes ago"),
            (Duration::minutes(-59), "1 hour ago"),
            (Duration::hours(-2), "2 hours ago"),
            (Duration::hours(-30), "1 day ago"),
            (Duration::days(7) + Duration::seconds(5), "in 7 days"),
            (Duration::days(30), "in 1 month"),
            (Duration::days(90), "in 3 months"),
            (Duration::days(-400), "1 year ago"),
            (Duration::days(-800), "2 years ago"),
        ];
        for (offset, words) in cases {
            assert_eq!(relative(now + offset, now), words, "{offset:?}");
        }
    }

    #[test]
    fn a_moment_carries_the_exact_instant_for_machines_and_the_tooltip() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T18:14:05Z")
            .unwrap() // a literal instant
            .with_timezone(&Utc);
        let moment = Moment::of(at, at + chrono::Duration::hours(3));
        assert_eq!(moment.iso, "2026-12-01T18:14:05Z");
        assert_eq!(moment.exact, "Dec 1, 2026 18:14 UTC");
        assert_eq!(moment.relative, "3 hours ago");
    }
}
