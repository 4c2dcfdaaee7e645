//! Throttling of failed sign-ins, as pure state transitions.
//!
//! The caller keeps one [`FailureWindow`] per account and one per client (stored
//! as JSON in a key-value store), calls [`ThrottlePolicy::check`] before
//! checking a password and [`ThrottlePolicy::record_failure`] after a failed
//! attempt. On success the caller simply deletes the stored window.

use serde::{Deserialize, Serialize};

/// Failed attempts counted in the current window, and the lock if any.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct FailureWindow {
    /// Failures counted since `window_start`.
    pub failures: u32,
    /// Unix time (seconds) of the first failure of the current window.
    pub window_start: i64,
    /// Unix time (seconds) until which sign-ins are refused.
    pub locked_until: Option<i64>,
}

/// How many failures are tolerated within which time, and for how long to lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures within one window that trigger the lock.
    pub max_failures: u32,
    /// Length of the counting window in seconds.
    pub window_secs: i64,
    /// Length of the lock in seconds.
    pub lockout_secs: i64,
}

impl ThrottlePolicy {
    /// Per account: 5 failures within 15 minutes lock the account for 15 minutes.
    pub const PER_ACCOUNT: ThrottlePolicy = ThrottlePolicy {
        max_failures: 5,
        window_secs: 15 * 60,
        lockout_secs: 15 * 60,
    };

    /// Per client: 20 failures within 15 minutes lock the client for 15 minutes.
    pub const PER_CLIENT: ThrottlePolicy = ThrottlePolicy {
        max_failures: 20,
        window_secs: 15 * 60,
        lockout_secs: 15 * 60,
    };

    /// `Ok(())` if a sign-in may be attempted now, otherwise `Err(retry_after)`
    /// with the seconds left until the lock ends (at least 1).
    ///
    /// # Errors
    /// `Err(retry_after_secs)` while `w` is locked at `now`.
    pub fn check(&self, w: &FailureWindow, now: i64) -> Result<(), u64> {
        match w.locked_until {
            Some(until) if now < until => {
                let left = until.saturating_sub(now);
                Err(u64::try_from(left).unwrap_or(u64::MAX).max(1))
            }
            _ => Ok(()),
        }
    }

    /// The window after one more failed attempt at `now`.
    ///
    /// - While a lock is still active the window is returned unchanged (the
    ///   lock is not extended; the caller should have refused the attempt).
    /// - After a lock has ended, or when the window has expired, a new window
    ///   starts at `now` with this failure as its first.
    /// - Reaching `max_failures` within the window locks until
    ///   `now + lockout_secs`.
    #[must_use]
    pub fn record_failure(&self, w: FailureWindow, now: i64) -> FailureWindow {
        if self.check(&w, now).is_err() {
            return w;
        }
        let lock_ended = w.locked_until.is_some();
        let window_expired = now.saturating_sub(w.window_start) >= self.window_secs;
        let mut next = if lock_ended || window_expired || w.failures == 0 {
            FailureWindow {
                failures: 1,
                window_start: now,
                locked_until: None,
            }
        } else {
            FailureWindow {
                failures: w.failures.saturating_add(1),
                window_start: w.window_start,
                locked_until: None,
            }
        };
        if next.failures >= self.max_failures {
            next.locked_until = Some(now.saturating_add(self.lockout_secs.max(1)));
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy = ThrottlePolicy::PER_ACCOUNT;
    const T0: i64 = 1_700_000_000;

    fn fail_n(policy: &ThrottlePolicy, n: u32, start: i64) -> FailureWindow {
        (0..n).fold(FailureWindow::default(), |w, i| {
            policy.record_failure(w, start + i64::from(i))
        })
    }

    #[test]
    fn policies() {
        assert_eq!(
            (P.max_failures, P.window_secs, P.lockout_secs),
            (5, 900, 900)
        );
        let c = ThrottlePolicy::PER_CLIENT;
        assert_eq!(
            (c.max_failures, c.window_secs, c.lockout_secs),
            (20, 900, 900)
        );
    }

    #[test]
    fn empty_window_allows() {
        assert_eq!(P.check(&FailureWindow::default(), T0), Ok(()));
    }

    #[test]
    fn first_failure_starts_window() {
        let w = P.record_failure(FailureWindow::default(), T0);
        assert_eq!(
            w,
            FailureWindow {
                failures: 1,
                window_start: T0,
                locked_until: None
            }
        );
        assert_eq!(P.check(&w, T0), Ok(()));
    }

    #[test]
    fn failures_accumulate_within_window() {
        let w = fail_n(&P, 4, T0);
        assert_eq!(w.failures, 4);
        assert_eq!(w.window_start, T0);
        assert_eq!(w.locked_until, None);
        assert_eq!(P.check(&w, T0 + 4), Ok(()));
    }

    #[test]
    fn reaching_max_locks() {
        let w = fail_n(&P, 5, T0);
        let last = T0 + 4;
        assert_eq!(w.failures, 5);
        assert_eq!(w.locked_until, Some(last + 900));
        assert_eq!(P.check(&w, last), Err(900));
        assert_eq!(P.check(&w, last + 899), Err(1));
    }

    #[test]
    fn failure_while_locked_changes_nothing() {
        let w = fail_n(&P, 5, T0);
        let again = P.record_failure(w.clone(), T0 + 10);
        assert_eq!(again, w);
    }

    #[test]
    fn lock_expires() {
        let w = fail_n(&P, 5, T0);
        let until = w.locked_until.unwrap();
        assert_eq!(P.check(&w, until), Ok(()));
        assert_eq!(P.check(&w, until + 1000), Ok(()));
        // The first failure after the lock starts a fresh window.
        let w = P.record_failure(w, until + 5);
        assert_eq!(
            w,
            FailureWindow {
                failures: 1,
                window_start: until + 5,
                locked_until: None
            }
        );
    }

    #[test]
    fn window_expires() {
        let w = fail_n(&P, 4, T0);
        let w = P.record_failure(w, T0 + 900);
        assert_eq!(
            w,
            FailureWindow {
                failures: 1,
                window_start: T0 + 900,
                locked_until: None
            }
        );
    }

    #[test]
    fn last_second_of_window_still_counts() {
        let w = fail_n(&P, 4, T0);
        let w = P.record_failure(w, T0 + 899);
        assert_eq!(w.failures, 5);
        assert_eq!(w.locked_until, Some(T0 + 899 + 900));
    }

    #[test]
    fn per_client_locks_after_20() {
        let c = ThrottlePolicy::PER_CLIENT;
        let w = fail_n(&c, 19, T0);
        assert_eq!(c.check(&w, T0 + 19), Ok(()));
        let w = c.record_failure(w, T0 + 19);
        assert_eq!(c.check(&w, T0 + 19), Err(900));
    }

    #[test]
    fn hostile_stored_values_do_not_panic() {
        let w = FailureWindow {
            failures: u32::MAX,
            window_start: i64::MIN,
            locked_until: Some(i64::MAX),
        };
        assert_eq!(P.check(&w, i64::MIN), Err(i64::MAX.unsigned_abs()));
        assert_eq!(P.record_failure(w.clone(), i64::MIN), w);
        let w = FailureWindow {
            failures: u32::MAX,
            window_start: i64::MAX,
            locked_until: None,
        };
        let w = P.record_failure(w, i64::MAX);
        assert_eq!(w.locked_until, Some(i64::MAX));
    }

    #[test]
    fn json_round_trip() {
        let w = fail_n(&P, 5, T0);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<FailureWindow>(&json).unwrap(), w);
    }
}
