//! The opt policy (which events to take part in, and why) and EiOpt
//! availability windows.

use adr_schema::{
    CancelOpt, CreateOpt, Duration, EiEvent, EiTarget, Message, OptId, OptReason, OptType,
    Properties, Timestamp, TimestampExt, VenId,
};
use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::request_id;

/// An opt decision and the human-readable reason for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub opt: OptType,
    pub reason: String,
}

impl Decision {
    fn out(reason: String) -> Self {
        Decision {
            opt: OptType::OptOut,
            reason,
        }
    }
}

/// A period when the site cannot take part in events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    /// A stable opt id, so re-sending a window is idempotent and a window
    /// removed from the config can be cancelled by id after a restart.
    pub fn opt_id(&self) -> OptId {
        OptId::new(format!(
            "opt-{}-{}",
            self.start.timestamp(),
            self.end.timestamp()
        ))
        .expect("valid id")
    }
    pub fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        self.start < end && start < self.end
    }
}

/// Which events to opt into. Rules are checked in the order of the fields;
/// the first that fails opts out, with its reason. With no rules set the VEN
/// answers `default` (optIn unless configured otherwise).
#[derive(Clone, Debug, PartialEq)]
pub struct OptPolicy {
    pub default: OptType,
    /// Opt out of events whose highest signal value is above this.
    pub max_level: Option<f64>,
    /// Opt in only to events that start within these local hours
    /// (`start <= t < end`; a window may wrap past midnight).
    pub hours: Option<(NaiveTime, NaiveTime)>,
    /// Offset of local time from UTC, in minutes, for `hours`.
    pub utc_offset_minutes: i32,
    /// Opt out of events longer than this.
    pub max_duration: Option<chrono::Duration>,
    /// Opt out when the device reports that it cannot shed.
    pub respect_device: bool,
    /// Unavailability windows (also announced to the VTN with oadrCreateOpt).
    pub unavailable: Vec<Window>,
}

impl Default for OptPolicy {
    fn default() -> Self {
        OptPolicy {
            default: OptType::OptIn,
            max_level: None,
            hours: None,
            utc_offset_minutes: 0,
            max_duration: None,
            respect_device: true,
            unavailable: Vec::new(),
        }
    }
}

/// The facts a decision rests on besides the event itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecisionContext {
    /// The device says it can shed load now.
    pub can_shed: bool,
}

impl OptPolicy {
    pub fn decide(&self, event: &EiEvent, ctx: DecisionContext) -> Decision {
        let start = event.active_period.dtstart;
        let dur = event.active_period.duration.to_chrono();
        let end = if dur.is_zero() {
            // Open-ended: treat as lasting at least to the end of its intervals.
            start.saturating_plus(interval_span(event))
        } else {
            start.saturating_plus(dur)
        };
        if let Some(w) = self.unavailable.iter().find(|w| w.overlaps(start, end)) {
            return Decision::out(format!(
                "event overlaps unavailability window {} .. {}",
                w.start, w.end
            ));
        }
        if let Some(max) = self.max_level {
            let level = max_signal(event);
            if level > max {
                return Decision::out(format!("signal level {level} is above the maximum {max}"));
            }
        }
        if let Some((from, to)) = self.hours {
            let local = start
                .saturating_plus(chrono::Duration::minutes(self.utc_offset_minutes as i64))
                .time();
            let local = NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second())
                .unwrap_or(local);
            let inside = if from <= to {
                from <= local && local < to
            } else {
                local >= from || local < to
            };
            if !inside {
                return Decision::out(format!(
                    "event starts at {local} local time, outside participation hours {from}-{to}"
                ));
            }
        }
        if let Some(max) = self.max_duration {
            let d = end - start;
            if d > max {
                return Decision::out(format!(
                    "event lasts {} s, more than the maximum {} s",
                    d.num_seconds(),
                    max.num_seconds()
                ));
            }
        }
        if self.respect_device && !ctx.can_shed {
            return Decision::out("the device reports that it cannot shed load now".into());
        }
        match self.default {
            OptType::OptIn => Decision {
                opt: OptType::OptIn,
                reason: "default policy: opt in".into(),
            },
            OptType::OptOut => Decision::out("default policy: opt out".into()),
        }
    }

    /// oadrCreateOpt messages announcing the windows that have not ended yet.
    pub fn create_opts(&self, ven_id: &VenId, now: Timestamp) -> Vec<(OptId, Message)> {
        self.unavailable
            .iter()
            .filter(|w| w.end > now)
            .map(|w| (w.opt_id(), create_opt(ven_id, w, now)))
            .collect()
    }
}

/// The highest signal value in any interval of any signal.
pub fn max_signal(event: &EiEvent) -> f64 {
    event
        .signals
        .iter()
        .flat_map(|s| s.intervals.iter().filter_map(|i| i.signal_value()))
        .fold(f64::NEG_INFINITY, f64::max)
        .max(
            event
                .signals
                .iter()
                .filter_map(|s| s.current_value)
                .fold(f64::NEG_INFINITY, f64::max),
        )
}

fn interval_span(event: &EiEvent) -> chrono::Duration {
    event
        .signals
        .first()
        .map(|s| {
            s.intervals
                .iter()
                .filter_map(|i| i.duration.map(|d| d.to_chrono()))
                .fold(chrono::Duration::zero(), |a, b| {
                    a.checked_add(&b).unwrap_or(chrono::Duration::MAX)
                })
        })
        .unwrap_or_else(chrono::Duration::zero)
}

/// oadrCreateOpt (optOut, x-schedule) for one unavailability window.
pub fn create_opt(ven_id: &VenId, w: &Window, now: Timestamp) -> Message {
    let secs = (w.end - w.start).num_seconds().max(0) as u64;
    Message::CreateOpt(CreateOpt {
        opt_id: w.opt_id(),
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        market_context: None,
        ven_id: ven_id.clone(),
        vavailability: Some(vec![Properties::new(w.start, Duration::from_secs(secs))]),
        created_date_time: now,
        request_id: request_id(),
        qualified_event_id: None,
        target: EiTarget::ven(ven_id.clone()),
        device_class: None,
    })
}

/// oadrCancelOpt for an opt we created earlier.
pub fn cancel_opt(ven_id: &VenId, opt_id: OptId) -> Message {
    Message::CancelOpt(CancelOpt {
        request_id: request_id(),
        opt_id,
        ven_id: ven_id.clone(),
    })
}
