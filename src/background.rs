//! The periodic work of a server (digest sync, last-used flush, session sweep). Each round is
//! bounded in time, so a silent database cannot stall a task for good; after a failure the
//! next round waits longer, doubling up to a ceiling, so an outage is met neither by a storm
//! of retries nor by a log line a second; the first success after failures says so once, and
//! the usual rhythm resumes.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// A round still running after this long is abandoned and counted as a failure. Above the
/// database's statement timeout, so that a slow statement fails by itself first.
const ROUND_DEADLINE: Duration = Duration::from_secs(2 * crate::db::STATEMENT_TIMEOUT.as_secs());

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The wait between rounds while they succeed.
    pub every: Duration,
    /// The longest wait after failures.
    pub longest_wait: Duration,
}

impl Schedule {
    /// The wait before the next round, after `failures` failed rounds in a row.
    pub fn wait_after(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
        self.every
            .saturating_mul(factor)
            .min(self.longest_wait.max(self.every))
    }
}

/// Runs `round` on `schedule` until the process ends; `task` names it in the log.
pub fn spawn_periodic<T, E, F, Fut>(task: &'static str, schedule: Schedule, round: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send,
    E: Display,
{
    spawn_bounded(task, schedule, ROUND_DEADLINE, round);
}

fn spawn_bounded<T, E, F, Fut>(
    task: &'static str,
    schedule: Schedule,
    round_deadline: Duration,
    mut round: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send,
    E: Display,
{
    tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(schedule.wait_after(failures)).await;
            let outcome = match tokio::time::timeout(round_deadline, round()).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err(format!("no answer within {round_deadline:?}")),
            };
            match outcome {
                Ok(()) if failures > 0 => {
                    tracing::info!(task, failures, "background task recovered");
                    failures = 0;
                }
                Ok(()) => {}
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(
                        task,
                        failures,
                        error = %error,
                        retry_in_ms = schedule.wait_after(failures).as_millis(),
                        "background task failed; backing off"
                    );
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_each_failure_up_to_the_ceiling() {
        let schedule = Schedule {
            every: Duration::from_secs(1),
            longest_wait: Duration::from_secs(5),
        };
        let waits: Vec<u64> = (0..6)
            .map(|failures| schedule.wait_after(failures).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 5, 5, 5]);
        assert_eq!(schedule.wait_after(u32::MAX), Duration::from_secs(5));
        // A ceiling below the rhythm never shortens it.
        let slow = Schedule {
            every: Duration::from_secs(600),
            longest_wait: Duration::from_secs(60),
        };
        assert_eq!(slow.wait_after(3), Duration::from_secs(600));
    }

    /// A round that never answers is abandoned, and the task goes on to the next one.
    #[tokio::test]
    async fn a_stalled_round_is_abandoned_and_the_task_goes_on() {
        let rounds = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = rounds.clone();
        spawn_bounded(
            "test",
            Schedule {
                every: Duration::from_millis(10),
                longest_wait: Duration::from_millis(10),
            },
            Duration::from_millis(50),
            move || {
                let first = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                async move {
                    if first {
                        std::future::pending::<()>().await;
                    }
                    Ok::<(), String>(())
                }
            },
        );
        // The first round stalls for good; without its deadline there would be no second.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(rounds.load(std::sync::atomic::Ordering::SeqCst) >= 3);
    }
}
