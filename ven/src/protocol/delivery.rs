//! Which reports may be sent now: a report the VTN refuses is retried with
//! its own back-off, apart from the others, and set aside after a bounded
//! number of refusals, so that it can never hold the others back.
//!
//! A report here is a reportSpecifierID (TELEMETRY_USAGE, TELEMETRY_STATUS,
//! HISTORY_USAGE): the identity of what the VTN refuses that survives the
//! VTN replacing its requests. The rules:
//!
//! - A *refusal* is an answer to one report's oadrUpdateReport that is not an
//!   acknowledgement: an oadrUpdatedReport (or oadrResponse) with an error
//!   code, or an HTTP error status other than the ones that mean the whole
//!   VTN is unavailable (502, 503, 504, 408, 429; those, and an unreachable
//!   VTN, stay the agent's global retry). openleadr's VTN answers HTTP 500
//!   to any oadrUpdateReport carrying an `oadrPayloadResourceStatus`.
//! - After refusal number `n` the report waits `backoff::delay(n, ..)`
//!   (bounded by the VEN's `max_backoff`); the others go on.
//! - After `limit` consecutive refusals it is *set aside*: no longer sent,
//!   nor sampled (so a report the VTN never takes does not fill the disk),
//!   its readings kept in the outbox; logged once and shown by `ven status`.
//!   Only when the VTN has answered some other request since the first
//!   refusal of the run (a poll, another report): a VTN that answers 500 to
//!   everything is down, not refusing one report, and a report is not set
//!   aside for an outage.
//! - A set-aside report *resumes* when the VTN requests it again: an
//!   oadrCreateReport for its reportSpecifierID, or the requests answering
//!   our METADATA, which the VEN sends at every registration, i.e. after a
//!   re-registration or a restart (a restarted VEN starts with no refusals).
//!   An acknowledgement ends a run of refusals.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use adr_schema::Timestamp;
use adr_schema::TimestampExt;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::backoff;

/// Default number of consecutive refusals after which a report is set aside
/// (`[reports] set_aside_after`).
pub const DEFAULT_SET_ASIDE_AFTER: u32 = 10;

/// One report the VTN has refused, as the store keeps it for `ven status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    /// The reportSpecifierID.
    pub report: String,
    /// Consecutive refusals.
    pub refusals: u32,
    /// The last refusal's reason (HTTP status or response code and text).
    pub last_error: String,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    /// When it may be sent again; `None` once set aside.
    pub retry_at: Option<Timestamp>,
    pub set_aside: bool,
    /// `Delivery::answered` at the first refusal of the run.
    #[serde(skip)]
    answered_at_first: u64,
}

/// What becomes of a refused report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send it again from this instant.
    RetryAt(Timestamp),
    /// Just set aside (reported once).
    SetAside,
}

/// The refusal book of every report.
#[derive(Debug)]
pub struct Delivery {
    /// Refusals after which a report is set aside; 0: never.
    limit: u32,
    refused: BTreeMap<String, Refused>,
    /// Answers of the VTN to other requests (polls, other reports).
    answered: u64,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery::new(DEFAULT_SET_ASIDE_AFTER)
    }
}

impl Delivery {
    pub fn new(limit: u32) -> Self {
        Delivery {
            limit,
            refused: BTreeMap::new(),
            answered: 0,
        }
    }

    pub fn set_limit(&mut self, limit: u32) {
        self.limit = limit;
    }

    /// May `report` be sent at `now`?
    pub fn ready(&self, report: &str, now: Timestamp) -> bool {
        self.refused
            .get(report)
            .is_none_or(|r| !r.set_aside && r.retry_at.is_none_or(|t| t <= now))
    }

    pub fn is_set_aside(&self, report: &str) -> bool {
        self.refused.get(report).is_some_and(|r| r.set_aside)
    }

    /// The VTN answered a request other than a refused report's: it is up.
    pub fn answered(&mut self) {
        self.answered += 1;
    }

    /// The VTN acknowledged `report`: its run of refusals ends. Returns the
    /// refusals it ends (for the log).
    pub fn accepted(&mut self, report: &str) -> Option<u32> {
        self.answered += 1;
        self.refused.remove(report).map(|r| r.refusals)
    }

    /// The VTN refused `report` at `now` for `reason`.
    pub fn refused(
        &mut self,
        report: &str,
        reason: String,
        now: Timestamp,
        base: StdDuration,
        max: StdDuration,
        rng: &mut impl Rng,
    ) -> Verdict {
        let answered = self.answered;
        let r = self
            .refused
            .entry(report.to_owned())
            .or_insert_with(|| Refused {
                report: report.to_owned(),
                refusals: 0,
                last_error: String::new(),
                first_at: now,
                last_at: now,
                retry_at: None,
                set_aside: false,
                answered_at_first: answered,
            });
        r.refusals = r.refusals.saturating_add(1);
        r.last_error = reason;
        r.last_at = now;
        if self.limit > 0 && r.refusals >= self.limit && answered > r.answered_at_first {
            r.set_aside = true;
            r.retry_at = None;
            return Verdict::SetAside;
        }
        let wait = backoff::delay(r.refusals, base, max, rng);
        let at = now.saturating_plus(chrono::Duration::from_std(wait).unwrap_or_default());
        r.retry_at = Some(at);
        Verdict::RetryAt(at)
    }

    /// The VTN requested `report` (again): a set-aside report resumes, with
    /// a fresh count. Returns whether it was set aside.
    pub fn requested(&mut self, report: &str) -> bool {
        if self.is_set_aside(report) {
            self.refused.remove(report);
            return true;
        }
        false
    }

    /// The earliest retry after `now` (a retry already due is the next
    /// delivery's business).
    pub fn next_retry_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.refused
            .values()
            .filter_map(|r| r.retry_at)
            .filter(|t| *t > now)
            .min()
    }

    /// Every report in a run of refusals, set aside or not.
    pub fn refusals(&self) -> Vec<Refused> {
        self.refused.values().cloned().collect()
    }

    /// Reports set aside.
    pub fn set_aside(&self) -> impl Iterator<Item = &str> {
        self.refused
            .values()
            .filter(|r| r.set_aside)
            .map(|r| r.report.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn t(s: i64) -> Timestamp {
        chrono::TimeZone::timestamp_opt(&chrono::Utc, 1_780_000_000 + s, 0).unwrap()
    }

    const S: StdDuration = StdDuration::from_secs(1);

    #[test]
    fn a_refused_report_backs_off_alone_and_is_set_aside_after_the_limit() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut d = Delivery::new(3);
        d.answered();
        let max = StdDuration::from_secs(60);
        let Verdict::RetryAt(a1) = d.refused(
            "TELEMETRY_STATUS",
            "HTTP 500".into(),
            t(0),
            S,
            max,
            &mut rng,
        ) else {
            panic!("retried")
        };
        assert!(a1 > t(0) && a1 <= t(1));
        assert!(!d.ready("TELEMETRY_STATUS", t(0)));
        assert!(d.ready("TELEMETRY_STATUS", a1));
        assert!(d.ready("TELEMETRY_USAGE", t(0)), "the others go on");
        assert_eq!(d.next_retry_after(t(0)), Some(a1));
        assert_eq!(d.next_retry_after(a1), None);
        // The VTN answers a poll meanwhile: it is up, the report is refused.
        d.answered();
        let Verdict::RetryAt(a2) = d.refused(
            "TELEMETRY_STATUS",
            "HTTP 500".into(),
            t(2),
            S,
            max,
            &mut rng,
        ) else {
            panic!("retried")
        };
        assert!(a2 >= t(3) && a2 <= t(4), "back-off grows: {a2}");
        assert_eq!(
            d.refused(
                "TELEMETRY_STATUS",
                "HTTP 500 again".into(),
                t(5),
                S,
                max,
                &mut rng
            ),
            Verdict::SetAside
        );
        assert!(d.is_set_aside("TELEMETRY_STATUS"));
        assert!(!d.ready("TELEMETRY_STATUS", t(10_000)), "not sent any more");
        assert_eq!(d.next_retry_after(t(5)), None);
        let r = &d.refusals()[0];
        assert_eq!(
            (r.refusals, r.last_error.as_str(), r.first_at, r.last_at),
            (3, "HTTP 500 again", t(0), t(5))
        );
        // Requested again: resumes with a fresh count.
        assert!(d.requested("TELEMETRY_STATUS"));
        assert!(d.ready("TELEMETRY_STATUS", t(6)));
        assert!(d.refusals().is_empty());
    }

    #[test]
    fn a_vtn_that_answers_nothing_else_sets_nothing_aside() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let mut d = Delivery::new(2);
        for i in 0..5 {
            assert!(matches!(
                d.refused(
                    "TELEMETRY_USAGE",
                    "HTTP 500".into(),
                    t(i * 100),
                    S,
                    S * 30,
                    &mut rng
                ),
                Verdict::RetryAt(_)
            ));
        }
        // Once it answers something else, the next refusal sets it aside.
        d.answered();
        assert_eq!(
            d.refused(
                "TELEMETRY_USAGE",
                "HTTP 500".into(),
                t(600),
                S,
                S * 30,
                &mut rng
            ),
            Verdict::SetAside
        );
    }

    #[test]
    fn an_acknowledgement_ends_the_run_and_a_request_does_not_reset_a_retry() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut d = Delivery::new(2);
        d.answered();
        d.refused("TELEMETRY_USAGE", "461".into(), t(0), S, S * 30, &mut rng);
        // A request for a report that is only backing off changes nothing
        // (a 461 is followed by our METADATA and the VTN's new request).
        assert!(!d.requested("TELEMETRY_USAGE"));
        assert_eq!(d.refusals()[0].refusals, 1);
        assert_eq!(d.accepted("TELEMETRY_USAGE"), Some(1));
        assert!(d.refusals().is_empty());
        assert_eq!(d.accepted("TELEMETRY_USAGE"), None);
        // Limit 0: never set aside.
        let mut d = Delivery::new(0);
        d.answered();
        for i in 0..50 {
            d.answered();
            assert!(matches!(
                d.refused("X", "e".into(), t(i), S, S, &mut rng),
                Verdict::RetryAt(_)
            ));
        }
    }
}
