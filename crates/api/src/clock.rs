//! Injected time: production code reads a [`Clock`] instead of the system clock so that
//! garbage-collection windows, lifetimes and backdating are tested without sleeping.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// A source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until told to move; for tests.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<Timestamp>,
}

impl FakeClock {
    pub fn new(now: Timestamp) -> Self {
        FakeClock {
            now: Mutex::new(now),
        }
    }

    /// Jumps to `now`.
    pub fn set(&self, now: Timestamp) {
        *self.lock() = now;
    }

    /// Moves forward (or back, for a negative duration) by `by`, saturating at the ends of
    /// the representable range.
    pub fn advance(&self, by: SignedDuration) {
        let mut guard = self.lock();
        *guard = guard.saturating_add(by).unwrap_or(*guard);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        // A panic while holding this lock cannot leave a Timestamp half-written.
        self.now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn fake_clock_is_settable_and_advanceable() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().expect("ts");
        let clock = FakeClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_hours(24));
        assert_eq!(clock.now().to_string(), "2026-01-02T00:00:00Z");
        clock.advance(SignedDuration::from_secs(-60));
        assert_eq!(clock.now().to_string(), "2026-01-01T23:59:00Z");
        clock.set(start);
        assert_eq!(clock.now(), start);
        let shared: Arc<dyn Clock> = Arc::new(FakeClock::new(start));
        assert_eq!(shared.now(), start);
    }

    #[test]
    fn system_clock_moves_forward() {
        let a = SystemClock.now();
        let b = SystemClock.now();
        assert!(b >= a);
        assert!(a > "2020-01-01T00:00:00Z".parse::<Timestamp>().expect("ts"));
    }
}
