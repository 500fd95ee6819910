//! Events: what an operator asks for ([`EventSpec`]), how it becomes an
//! `ei:eiEvent`, which VENs it concerns, and its status over time.

use adr_schema::{
    CurrencyDescription, CurrencyItem, Duration, EiEvent, EiTarget, EventBaseline, EventDescriptor,
    EventId, EventSignal, EventStatus, Interval, ItemBase, OadrEvent, PayloadBase, Properties,
    ResponseRequired, SiScale, SignalName, SignalType, StreamPayload, Timestamp, TimestampExt,
    Tolerance, VenId,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Who an event (or a signal) is for. A VEN is concerned when it matches any
/// listed venID, groupID, resourceID or partyID. An empty target means every
/// registered VEN (a broadcast).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetSpec {
    pub ven_ids: Vec<VenId>,
    pub group_ids: Vec<String>,
    pub resource_ids: Vec<String>,
    pub party_ids: Vec<String>,
}

impl TargetSpec {
    pub fn is_empty(&self) -> bool {
        self.ven_ids.is_empty()
            && self.group_ids.is_empty()
            && self.resource_ids.is_empty()
            && self.party_ids.is_empty()
    }

    pub fn to_ei(&self) -> Result<EiTarget> {
        Ok(EiTarget {
            group_ids: self.group_ids.clone(),
            resource_ids: self.resource_ids.clone(),
            ven_ids: self.ven_ids.clone(),
            party_ids: self.party_ids.clone(),
            ..Default::default()
        })
    }

    pub fn matches(&self, ven: &VenProfile) -> bool {
        if self.is_empty() {
            return true;
        }
        self.ven_ids.contains(&ven.ven_id)
            || self.group_ids.iter().any(|g| ven.groups.contains(g))
            || self.resource_ids.iter().any(|r| ven.resources.contains(r))
            || ven
                .party_id
                .as_ref()
                .is_some_and(|p| self.party_ids.contains(p))
    }
}

/// The facts about a VEN that targeting looks at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VenProfile {
    pub ven_id: VenId,
    pub ven_name: Option<String>,
    pub groups: Vec<String>,
    pub resources: Vec<String>,
    pub party_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntervalSpec {
    pub duration: Duration,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignalSpec {
    #[serde(default = "default_signal_name")]
    pub signal_name: SignalName,
    #[serde(default = "default_signal_type")]
    pub signal_type: SignalType,
    #[serde(default)]
    pub signal_id: Option<String>,
    pub intervals: Vec<IntervalSpec>,
    #[serde(default)]
    pub current_value: Option<f64>,
    /// ISO 4217 code for price signals (written as currencyPerKWh).
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub target: Option<TargetSpec>,
}

fn default_signal_name() -> SignalName {
    SignalName::Simple
}
fn default_signal_type() -> SignalType {
    SignalType::Level
}

/// One version of an event as the operator defined it. The envelope
/// (eventID, modificationNumber, dates, status) is added by the VTN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSpec {
    pub dtstart: Timestamp,
    /// The active period (zero: open-ended, until cancelled).
    pub duration: Duration,
    pub signals: Vec<SignalSpec>,
    #[serde(default)]
    pub targets: TargetSpec,
    pub market_context: String,
    #[serde(default)]
    pub priority: Option<u32>,
    #[serde(default)]
    pub test_event: bool,
    #[serde(default)]
    pub vtn_comment: Option<String>,
    #[serde(default = "default_true")]
    pub response_required: bool,
    /// x-eiRampUp, x-eiRecovery, x-eiNotification, tolerance/startafter.
    #[serde(default)]
    pub ramp_up: Option<Duration>,
    #[serde(default)]
    pub recovery: Option<Duration>,
    #[serde(default)]
    pub notification: Option<Duration>,
    #[serde(default)]
    pub start_after: Option<Duration>,
    /// `ei:eiEventBaseline`: what the VTN expects the load to be without the
    /// event (2.0b only).
    #[serde(default)]
    pub baseline: Option<Box<BaselineSpec>>,
}

/// The baseline an event carries: intervals from the event's dtstart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineSpec {
    pub intervals: Vec<IntervalSpec>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub resource_ids: Vec<String>,
}

fn default_true() -> bool {
    true
}

/// Interval or signal counts past this are not a program but a flood.
pub const MAX_INTERVALS: usize = 10_000;
pub const MAX_SIGNALS: usize = 100;
/// Free text an operator gives (comment, market context).
pub const MAX_TEXT: usize = 1024;

impl EventSpec {
    /// Check everything that could make a bad `ei:eiEvent` (the types have
    /// already checked each duration and name).
    pub fn validate(&self) -> Result<()> {
        let lengths = [
            ("duration", Some(self.duration)),
            ("ramp_up", self.ramp_up),
            ("recovery", self.recovery),
            ("notification", self.notification),
            ("start_after", self.start_after),
        ];
        for (what, d) in lengths {
            if d.is_some_and(|d| d.negative) {
                return Err(Error::data(format!("{what} must not be negative")));
            }
        }
        if self.signals.is_empty() {
            return Err(Error::data("an event needs at least one signal"));
        }
        if self.signals.len() > MAX_SIGNALS {
            return Err(Error::data(format!(
                "an event may have at most {MAX_SIGNALS} signals"
            )));
        }
        if self.market_context.trim().is_empty() {
            return Err(Error::data("market_context must not be empty"));
        }
        for (what, text) in [
            ("market_context", Some(&self.market_context)),
            ("vtn_comment", self.vtn_comment.as_ref()),
        ] {
            if text.is_some_and(|t| t.len() > MAX_TEXT || t.chars().any(char::is_control)) {
                return Err(Error::data(format!(
                    "{what} must be at most {MAX_TEXT} bytes without control characters"
                )));
            }
        }
        for s in &self.signals {
            if s.intervals.is_empty() {
                return Err(Error::data("a signal needs at least one interval"));
            }
            if s.intervals.len() > MAX_INTERVALS {
                return Err(Error::data(format!(
                    "a signal may have at most {MAX_INTERVALS} intervals"
                )));
            }
            for i in &s.intervals {
                if i.duration.negative {
                    return Err(Error::data("interval durations must not be negative"));
                }
                if !i.value.is_finite() {
                    return Err(Error::data("interval values must be finite numbers"));
                }
                // SIMPLE is a level 0 (normal) to 3 (high), per the 2.0b profile.
                if matches!(s.signal_name, SignalName::Simple | SignalName::SimpleLower)
                    && !(0.0..=3.0).contains(&i.value)
                {
                    return Err(Error::data(format!(
                        "a SIMPLE signal's level is 0 to 3, not {}",
                        i.value
                    )));
                }
            }
            if let Some(t) = &s.target {
                t.to_ei()?;
            }
        }
        if let Some(b) = &self.baseline {
            if b.intervals.is_empty() || b.intervals.len() > MAX_INTERVALS {
                return Err(Error::data(format!(
                    "a baseline needs 1 to {MAX_INTERVALS} intervals"
                )));
            }
            if b.intervals
                .iter()
                .any(|i| i.duration.negative || !i.value.is_finite())
            {
                return Err(Error::data(
                    "baseline intervals need non-negative durations and finite values",
                ));
            }
            let texts = b.name.iter().chain(b.resource_ids.iter());
            if b.resource_ids.len() > MAX_SIGNALS
                || texts
                    .clone()
                    .any(|t| t.is_empty() || t.len() > MAX_TEXT || t.chars().any(char::is_control))
            {
                return Err(Error::data(format!(
                    "baseline name and resource ids: at most {MAX_SIGNALS}, 1 to {MAX_TEXT} bytes without control characters"
                )));
            }
        }
        self.targets.to_ei()?;
        Ok(())
    }

    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// End of the active period. A zero duration means open-ended (until cancelled).
    pub fn end(&self) -> Timestamp {
        let d = self.duration();
        if d.is_zero() {
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        } else {
            self.dtstart.saturating_plus(d.to_chrono())
        }
    }

    /// Does this version concern the VEN (event target or any signal target)?
    pub fn concerns(&self, ven: &VenProfile) -> bool {
        self.targets.matches(ven)
            || self.signals.iter().any(|s| {
                s.target
                    .as_ref()
                    .is_some_and(|t| !t.is_empty() && t.matches(ven))
            })
    }

    /// The status at `now`: cancelled wins, then completed, active, near, far.
    /// `near` starts `x-eiRampUp` (or else `near_window`) before dtstart.
    pub fn status_at(&self, cancelled: bool, now: Timestamp, near_window: Duration) -> EventStatus {
        if cancelled {
            return EventStatus::Cancelled;
        }
        if now >= self.end() {
            return EventStatus::Completed;
        }
        if now >= self.dtstart {
            return EventStatus::Active;
        }
        let near = self.ramp_up.filter(|d| !d.is_zero()).unwrap_or(near_window);
        if now >= self.dtstart.saturating_minus(near.to_chrono()) {
            EventStatus::Near
        } else {
            EventStatus::Far
        }
    }
}

/// The server-owned envelope around an [`EventSpec`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub event_id: String,
    pub modification_number: u32,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    pub cancelled: bool,
    pub modification_reason: Option<String>,
    pub spec: EventSpec,
}

impl StoredEvent {
    /// `ei:eiEventBaseline`: from the event's dtstart, as long as its intervals.
    fn baseline(&self, b: &BaselineSpec) -> EventBaseline {
        let mut secs = 0i64;
        let intervals = b
            .intervals
            .iter()
            .enumerate()
            .map(|(i, iv)| {
                secs = secs.saturating_add(iv.duration.to_chrono().num_seconds());
                Interval {
                    dtstart: None,
                    duration: Some(iv.duration),
                    uid: Some(i.to_string()),
                    payloads: vec![StreamPayload::Signal(PayloadBase::Float(iv.value))],
                }
            })
            .collect();
        EventBaseline {
            dtstart: self.spec.dtstart,
            duration: Duration::from_secs(secs.max(0) as u64),
            intervals,
            baseline_id: format!("{}-baseline", self.event_id),
            resource_ids: b.resource_ids.clone(),
            baseline_name: b.name.clone().unwrap_or_else(|| "baseline".into()),
            item_base: None,
        }
    }

    /// The `oadr:oadrEvent` for this version at `now`.
    pub fn to_oadr(&self, now: Timestamp, near_window: Duration) -> Result<OadrEvent> {
        let s = &self.spec;
        let mut props = Properties::new(s.dtstart, s.duration());
        props.x_ei_ramp_up = s.ramp_up;
        props.x_ei_recovery = s.recovery;
        props.x_ei_notification = s.notification;
        if let Some(a) = s.start_after {
            props.tolerance = Some(Tolerance {
                startafter: Some(a),
            });
        }
        let mut signals = Vec::with_capacity(s.signals.len());
        for (n, sig) in s.signals.iter().enumerate() {
            let mut intervals = Vec::with_capacity(sig.intervals.len());
            for (i, iv) in sig.intervals.iter().enumerate() {
                intervals.push(Interval {
                    dtstart: None,
                    duration: Some(iv.duration),
                    uid: Some(i.to_string()),
                    payloads: vec![StreamPayload::Signal(PayloadBase::Float(iv.value))],
                });
            }
            let item_base = sig.currency.as_ref().map(|c| {
                ItemBase::CurrencyPerKwh(CurrencyItem {
                    description: CurrencyDescription::CurrencyPerKwh,
                    units: c.clone(),
                    scale: SiScale::None,
                })
            });
            signals.push(EventSignal {
                intervals,
                target: sig
                    .target
                    .as_ref()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.to_ei().map(Box::new))
                    .transpose()?,
                signal_name: sig.signal_name.clone(),
                signal_type: sig.signal_type,
                signal_id: sig
                    .signal_id
                    .clone()
                    .unwrap_or_else(|| format!("{}-{n}", self.event_id)),
                item_base,
                current_value: Some(current_value(sig, s.dtstart, now, self.cancelled)),
            });
        }
        Ok(OadrEvent {
            event: EiEvent {
                descriptor: EventDescriptor {
                    event_id: EventId::new(self.event_id.clone())
                        .map_err(|e| Error::data(e.to_string()))?,
                    modification_number: self.modification_number,
                    modification_date_time: Some(self.modified_at),
                    modification_reason: self.modification_reason.clone(),
                    priority: s.priority,
                    market_context: s.market_context.clone(),
                    created_date_time: self.created_at,
                    event_status: s.status_at(self.cancelled, now, near_window),
                    test_event: Some(s.test_event.to_string()),
                    vtn_comment: s.vtn_comment.clone(),
                },
                active_period: props,
                signals,
                baseline: s.baseline.as_ref().map(|b| self.baseline(b)).map(Box::new),
                target: s.targets.to_ei()?,
            },
            response_required: if s.response_required {
                ResponseRequired::Always
            } else {
                ResponseRequired::Never
            },
        })
    }
}

/// The value of the interval in force at `now` (0 outside the event, as the
/// 2.0b profile asks of `currentValue`).
pub fn current_value(sig: &SignalSpec, dtstart: Timestamp, now: Timestamp, cancelled: bool) -> f64 {
    if cancelled || now < dtstart {
        return 0.0;
    }
    let mut start = dtstart;
    for iv in &sig.intervals {
        let end = start.saturating_plus(iv.duration.to_chrono());
        if now < end {
            return iv.value;
        }
        start = end;
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn spec(start: Timestamp) -> EventSpec {
        EventSpec {
            dtstart: start,
            duration: "PT30M".parse().unwrap(),
            signals: vec![SignalSpec {
                signal_name: SignalName::Simple,
                signal_type: SignalType::Level,
                signal_id: None,
                intervals: vec![
                    IntervalSpec {
                        duration: "PT10M".parse().unwrap(),
                        value: 1.0,
                    },
                    IntervalSpec {
                        duration: "PT20M".parse().unwrap(),
                        value: 2.0,
                    },
                ],
                current_value: None,
                currency: None,
                target: None,
            }],
            targets: TargetSpec {
                group_ids: vec!["north".into()],
                ..Default::default()
            },
            market_context: "http://MarketContext1".into(),
            priority: Some(1),
            test_event: false,
            vtn_comment: None,
            response_required: true,
            ramp_up: Some("PT5M".parse().unwrap()),
            recovery: None,
            notification: None,
            start_after: None,
            baseline: None,
        }
    }

    #[test]
    fn status_follows_the_clock() {
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let s = spec(t0);
        let nw = Duration::minutes(15);
        let m = chrono::Duration::minutes;
        assert_eq!(s.status_at(false, t0 - m(60), nw), EventStatus::Far);
        assert_eq!(s.status_at(false, t0 - m(6), nw), EventStatus::Far);
        assert_eq!(s.status_at(false, t0 - m(5), nw), EventStatus::Near);
        assert_eq!(s.status_at(false, t0, nw), EventStatus::Active);
        assert_eq!(s.status_at(false, t0 + m(29), nw), EventStatus::Active);
        assert_eq!(s.status_at(false, t0 + m(30), nw), EventStatus::Completed);
        assert_eq!(s.status_at(true, t0 + m(1), nw), EventStatus::Cancelled);
        assert_eq!(current_value(&s.signals[0], t0, t0 + m(15), false), 2.0);
        assert_eq!(current_value(&s.signals[0], t0, t0 + m(5), false), 1.0);
        assert_eq!(current_value(&s.signals[0], t0, t0 - m(5), false), 0.0);
    }

    #[test]
    fn targets_match_by_ven_group_resource_or_party() {
        let ven = VenProfile {
            ven_id: VenId::new("V1").unwrap(),
            ven_name: Some("ven1".into()),
            groups: vec!["north".into()],
            resources: vec!["meter-1".into()],
            party_id: Some("P1".into()),
        };
        let t = |f: fn(&mut TargetSpec)| {
            let mut t = TargetSpec::default();
            f(&mut t);
            t
        };
        assert!(t(|t| t.ven_ids = vec![VenId::new("V1").unwrap()]).matches(&ven));
        assert!(t(|t| t.group_ids = vec!["north".into()]).matches(&ven));
        assert!(t(|t| t.resource_ids = vec!["meter-1".into()]).matches(&ven));
        assert!(t(|t| t.party_ids = vec!["P1".into()]).matches(&ven));
        assert!(!t(|t| t.ven_ids = vec![VenId::new("V2").unwrap()]).matches(&ven));
        assert!(TargetSpec::default().matches(&ven));
    }

    #[test]
    fn event_writes_valid_oadr() {
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let ev = StoredEvent {
            event_id: "E1".into(),
            modification_number: 2,
            created_at: t0,
            modified_at: t0,
            cancelled: false,
            modification_reason: Some("level change".into()),
            spec: spec(t0),
        };
        let o = ev
            .to_oadr(t0 + chrono::Duration::minutes(1), Duration::minutes(15))
            .unwrap();
        assert_eq!(o.event.descriptor.event_status, EventStatus::Active);
        assert_eq!(o.event.signals[0].intervals.len(), 2);
        assert_eq!(o.event.signals[0].current_value, Some(1.0));
        assert_eq!(
            o.event.active_period.x_ei_ramp_up,
            Some(Duration::minutes(5))
        );
    }
}
