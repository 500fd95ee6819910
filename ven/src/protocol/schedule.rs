//! When the agent wakes up.
//!
//! On a small gateway a wake-up from sleep costs more CPU than the poll or
//! sample done in it (cold caches and TLB after seconds asleep), so the
//! deferrable work is lined up to share wake-ups:
//! - polls run on a fixed grid, `k * period + phase`, with a phase drawn from
//!   the VEN's name so that a fleet started together does not poll in step;
//! - meter history is taken on a grid with the same phase, so with the usual
//!   periods (10 s polls, 60 s history) every sixth poll takes the sample;
//! - a deferrable deadline (poll, report sample or send, history, retry)
//!   waits up to `slack` for a later one and both are served together.
//!
//! Event signal changes are never deferred: they wake the agent on time.

use adr_schema::Timestamp;
use chrono::Duration;
use sha2::{Digest, Sha256};

/// Instants `k * period + phase` (milliseconds since the Unix epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    period_ms: i64,
    phase_ms: i64,
}

impl Grid {
    /// A grid of `period` (at least 1 ms) shifted by `phase` (taken modulo
    /// the period).
    pub fn new(period: Duration, phase: Duration) -> Self {
        let period_ms = period.num_milliseconds().max(1);
        Grid {
            period_ms,
            phase_ms: phase.num_milliseconds().rem_euclid(period_ms),
        }
    }

    pub fn period(&self) -> Duration {
        Duration::milliseconds(self.period_ms)
    }

    /// The latest grid instant at or before `t`.
    pub fn floor(&self, t: Timestamp) -> Timestamp {
        let ms = t.timestamp_millis();
        let g = ms - (ms - self.phase_ms).rem_euclid(self.period_ms);
        chrono::DateTime::from_timestamp_millis(g).unwrap_or(t)
    }

    /// The first grid instant strictly after `t`.
    pub fn next_after(&self, t: Timestamp) -> Timestamp {
        self.floor(t) + Duration::milliseconds(self.period_ms)
    }
}

/// A phase below `period`, to the millisecond, fixed by the VEN's name: the
/// same VEN keeps its phase across restarts, and a fleet spreads its polls
/// over the whole period instead of arriving at the VTN in bursts.
pub fn phase_for(name: &str, period: Duration) -> Duration {
    let ms = period.num_milliseconds().max(1) as u64;
    let h = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    Duration::milliseconds((u64::from_le_bytes(first) % ms) as i64)
}

/// When to wake next: at the first `exact` instant, or at the first
/// deferrable one moved later to the last deferrable instant within `slack`
/// of it, whichever is earlier. `None` when there is nothing to wait for.
pub fn wake_at(
    exact: Option<Timestamp>,
    soft: impl IntoIterator<Item = Timestamp> + Clone,
    slack: Duration,
) -> Option<Timestamp> {
    let first = soft.clone().into_iter().min();
    let soft_wake = first.and_then(|f| soft.into_iter().filter(|d| *d <= f + slack).max());
    match (exact, soft_wake) {
        (Some(e), Some(s)) => Some(e.min(s)),
        (e, s) => e.or(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32, ms: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 26, h, m, s).unwrap()
            + Duration::milliseconds(ms as i64)
    }

    #[test]
    fn grid_floor_and_next_follow_the_phase() {
        let g = Grid::new(Duration::seconds(10), Duration::seconds(7));
        assert_eq!(g.floor(at(12, 0, 7, 0)), at(12, 0, 7, 0));
        assert_eq!(g.floor(at(12, 0, 16, 999)), at(12, 0, 7, 0));
        assert_eq!(g.floor(at(12, 0, 3, 0)), at(11, 59, 57, 0));
        assert_eq!(g.next_after(at(12, 0, 7, 0)), at(12, 0, 17, 0));
        assert_eq!(g.next_after(at(12, 0, 6, 999)), at(12, 0, 7, 0));
        // Sub-millisecond parts do not leak into grid instants.
        let t = at(12, 0, 9, 0) + Duration::nanoseconds(123_456);
        assert_eq!(g.next_after(t), at(12, 0, 17, 0));
        assert_eq!(g.floor(t), at(12, 0, 7, 0));
    }

    #[test]
    fn a_phase_larger_than_the_period_wraps() {
        let a = Grid::new(Duration::seconds(60), Duration::seconds(67));
        let b = Grid::new(Duration::seconds(60), Duration::seconds(7));
        assert_eq!(a, b);
    }

    #[test]
    fn poll_and_history_grids_with_one_phase_meet_every_sixth_poll() {
        let phase = Duration::seconds(4);
        let poll = Grid::new(Duration::seconds(10), phase);
        let hist = Grid::new(Duration::seconds(60), phase);
        let mut t = at(12, 0, 0, 0);
        let mut met = 0;
        for _ in 0..60 {
            t = poll.next_after(t);
            if hist.floor(t) == t {
                met += 1;
            }
        }
        assert_eq!(met, 10);
    }

    #[test]
    fn phase_is_stable_bounded_and_spread() {
        let p = Duration::seconds(10);
        assert_eq!(phase_for("ven-a", p), phase_for("ven-a", p));
        let mut per_second = [0u32; 10];
        for i in 0..1000 {
            let ph = phase_for(&format!("ven-{i}"), p);
            assert!(ph >= Duration::zero() && ph < p);
            per_second[ph.num_seconds() as usize] += 1;
        }
        // 1,000 VENs over a 10 s period: about 100 in each second.
        assert!(
            per_second.iter().all(|n| (50..150).contains(n)),
            "{per_second:?}"
        );
        let short = phase_for("x", Duration::milliseconds(300));
        assert!(short >= Duration::zero() && short < Duration::milliseconds(300));
    }

    #[test]
    fn a_soft_deadline_waits_for_one_just_after_it() {
        let poll = at(12, 0, 10, 0);
        let sample = at(12, 0, 10, 40);
        let w = wake_at(None, [poll, sample], Duration::seconds(1));
        assert_eq!(w, Some(sample));
        // Beyond the slack they stay apart.
        let late = at(12, 0, 12, 0);
        assert_eq!(
            wake_at(None, [poll, late], Duration::seconds(1)),
            Some(poll)
        );
    }

    #[test]
    fn an_event_change_is_never_deferred() {
        let poll = at(12, 0, 10, 0);
        let sample = at(12, 0, 10, 900);
        let event = at(12, 0, 10, 300);
        assert_eq!(
            wake_at(Some(event), [poll, sample], Duration::seconds(1)),
            Some(event)
        );
        assert_eq!(wake_at(Some(event), [], Duration::seconds(1)), Some(event));
        assert_eq!(wake_at(None, [], Duration::seconds(1)), None);
    }
}
