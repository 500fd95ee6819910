//! Time, injected: programs ask a [`Clock`] for `now`, production uses
//! [`SystemClock`], tests move a [`ManualClock`] instead of sleeping.

use std::sync::{Arc, Mutex};

use adr_schema::Timestamp;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// A clock that moves only when told to. Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }
    pub fn set(&self, t: Timestamp) {
        *self.lock() = t;
    }
    /// Move forward (or back) by `d`, held to the years 0000 to 9999.
    pub fn advance(&self, d: chrono::Duration) {
        use adr_schema::TimestampExt;
        let mut t = self.lock();
        *t = t.saturating_plus(d);
    }
    /// The time, even if a thread panicked while holding the lock (a
    /// timestamp cannot be left half-written).
    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.lock()
    }
}

/// Unix milliseconds, how timestamps are stored.
pub fn to_ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// The timestamp of stored Unix milliseconds (the epoch for a value chrono
/// cannot hold, which no value we store is).
pub fn from_ms(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let t: Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        let c = ManualClock::new(t);
        let c2 = c.clone();
        c.advance(chrono::Duration::minutes(5));
        assert_eq!(c2.now(), t + chrono::Duration::minutes(5));
        c.advance(chrono::Duration::MAX);
        assert_eq!(c2.now(), adr_schema::time::latest());
        assert_eq!(from_ms(to_ms(t)), t);
    }
}
