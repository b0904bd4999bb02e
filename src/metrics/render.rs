//! The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then samples.

use super::{BUCKETS_MICROS, Face, Metrics, OUTCOMES, Outcome, SLOTS, SignIn};
use std::fmt::Write;
use std::sync::atomic::Ordering;

/// What is read when scraped rather than counted as it happens.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Digests in the known set (tokens this instance knows to exist).
    pub known_digests: u64,
    /// Verification answers held in the cache.
    pub cached_answers: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Whether the PostgreSQL change feed is connected (never, on the backends that poll).
    pub change_feed_connected: bool,
    pub pool: PoolGauges,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PoolGauges {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Metrics {
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let registry = &self.0;

        family(
            &mut out,
            "latchkey_build_info",
            "gauge",
            "The running build.",
        );
        sample(
            &mut out,
            "latchkey_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1,
        );

        family(
            &mut out,
            "latchkey_verifications_total",
            "counter",
            "Token checks, by where they were made and how they ended.",
        );
        for face in Face::ALL {
            for outcome in Outcome::ALL {
                let count = registry
                    .verifications
                    .total(face as usize * OUTCOMES + outcome as usize);
                sample(
                    &mut out,
                    "latchkey_verifications_total",
                    &[("face", face.label()), ("outcome", outcome.label())],
                    count,
                );
            }
        }

        family(
            &mut out,
            "latchkey_verification_duration_seconds",
            "histogram",
            "How long a token check took, from the request read to the answer.",
        );
        for face in Face::ALL {
            let bucket = |slot: usize| registry.latency_buckets.total(face as usize * SLOTS + slot);
            let mut cumulative = 0;
            for (slot, bound) in BUCKETS_MICROS.iter().enumerate() {
                cumulative += bucket(slot);
                let le = seconds(*bound);
                sample(
                    &mut out,
                    "latchkey_verification_duration_seconds_bucket",
                    &[("face", face.label()), ("le", &le)],
                    cumulative,
                );
            }
            cumulative += bucket(BUCKETS_MICROS.len());
            let labels = [("face", face.label())];
            sample(
                &mut out,
                "latchkey_verification_duration_seconds_bucket",
                &[("face", face.label()), ("le", "+Inf")],
                cumulative,
            );
            let sum = registry.latency_nanos.total(face as usize) as f64 / 1e9;
            sample(
                &mut out,
                "latchkey_verification_duration_seconds_sum",
                &labels,
                sum,
            );
            sample(
                &mut out,
                "latchkey_verification_duration_seconds_count",
                &labels,
                cumulative,
            );
        }

        family(
            &mut out,
            "latchkey_verification_cache_lookups_total",
            "counter",
            "Verification cache lookups: a hit answers from memory, a miss reads the database.",
        );
        for (result, count) in [("hit", gauges.cache_hits), ("miss", gauges.cache_misses)] {
            sample(
                &mut out,
                "latchkey_verification_cache_lookups_total",
                &[("result", result)],
                count,
            );
        }
        gauge(
            &mut out,
            "latchkey_verification_cache_entries",
            "Verification answers held in memory.",
            gauges.cached_answers,
        );
        gauge(
            &mut out,
            "latchkey_known_digests",
            "Token digests this instance knows to exist (the known-digest set).",
            gauges.known_digests,
        );
        gauge(
            &mut out,
            "latchkey_change_feed_connected",
            "1 while the PostgreSQL change feed is connected; 0 otherwise, and always on SQLite and MariaDB, which poll.",
            u64::from(gauges.change_feed_connected),
        );

        let flushes = registry.flushes.load(Ordering::Relaxed);
        counter(
            &mut out,
            "latchkey_last_used_flushes_total",
            "Rounds of the last-used flusher.",
            flushes,
        );
        counter(
            &mut out,
            "latchkey_last_used_flush_failures_total",
            "Rounds of the last-used flusher that failed (their uses are kept for the next).",
            registry.flush_failures.load(Ordering::Relaxed),
        );
        family(
            &mut out,
            "latchkey_last_used_flush_seconds_total",
            "counter",
            "Time spent flushing last-used times.",
        );
        sample(
            &mut out,
            "latchkey_last_used_flush_seconds_total",
            &[],
            registry.flush_nanos.load(Ordering::Relaxed) as f64 / 1e9,
        );

        for (name, help, value) in [
            (
                "latchkey_db_pool_connections",
                "Open database connections.",
                gauges.pool.open,
            ),
            (
                "latchkey_db_pool_idle_connections",
                "Open database connections not in use.",
                gauges.pool.idle,
            ),
            (
                "latchkey_db_pool_in_use_connections",
                "Database connections in use.",
                gauges.pool.open.saturating_sub(gauges.pool.idle),
            ),
            (
                "latchkey_db_pool_max_connections",
                "The pool's size limit.",
                gauges.pool.max,
            ),
        ] {
            gauge(&mut out, name, help, u64::from(value));
        }

        family(
            &mut out,
            "latchkey_sign_ins_total",
            "counter",
            "Sign-ins with email and password (dashboard and POST /auth/login), by outcome.",
        );
        for outcome in SignIn::ALL {
            sample(
                &mut out,
                "latchkey_sign_ins_total",
                &[("outcome", outcome.label())],
                registry.sign_ins[outcome as usize].load(Ordering::Relaxed),
            );
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    family(out, name, "gauge", help);
    sample(out, name, &[], value);
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    family(out, name, "counter", help);
    sample(out, name, &[], value);
}

/// Label values here are fixed words and numbers: nothing needs escaping.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (index, (key, value)) in labels.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{value}\"");
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A bound in microseconds as seconds, without trailing zeros: `0.000025`, `1`.
fn seconds(micros: u64) -> String {
    let whole = micros / 1_000_000;
    let fraction = micros % 1_000_000;
    if fraction == 0 {
        whole.to_string()
    } else {
        let digits = format!("{fraction:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn bounds_are_written_as_plain_seconds() {
        assert_eq!(seconds(25), "0.000025");
        assert_eq!(seconds(2_500), "0.0025");
        assert_eq!(seconds(1_000_000), "1");
    }
}
