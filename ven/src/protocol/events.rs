//! The event book: what the VTN asked for, what we decided, and which signal
//! level is in force at any instant.
//!
//! How we read the spec where it is loose:
//! - An oadrDistributeEvent lists every event the VTN still holds for us;
//!   a known event missing from the list is dropped (implicit cancellation).
//! - We answer (when `oadrResponseRequired` is `always`) only for an event we
//!   have not seen at this modificationNumber: new, modified, cancelled.
//!   Repeating an answer for an unchanged event is noise (and openleadr
//!   rejects answers for events it has already forgotten).
//! - `tolerance/startafter` randomizes the start once per modification: the
//!   whole event (all its intervals) shifts by an offset drawn uniformly
//!   from `[0, startafter]`.
//! - Intervals follow each other from the (shifted) dtstart; an interval of
//!   zero duration, like an event of zero duration, runs until the event ends
//!   or is cancelled.
//! - Among overlapping opted-in events, the lowest non-zero `priority` wins
//!   (0 means "unspecified", the lowest priority); ties go to the highest level.

use std::collections::BTreeMap;

use adr_schema::{
    CreatedEvent, DistributeEvent, EiEvent, EiResponse, EventId, EventResponse, EventStatus,
    Message, OptType, QualifiedEventId, ResponseCode, ResponseRequired, SignalName, SignalType,
    Timestamp, TimestampExt, VenId,
};
use rand::Rng;
use serde::Serialize;

use super::opt::{DecisionContext, OptPolicy};
use super::{opt_name, Action, Decision};

/// The command the device receives: a level for a signal, or back to normal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalCommand {
    /// The event in force, `None` when back to normal.
    pub event_id: Option<String>,
    pub signal_name: String,
    pub signal_type: String,
    /// SIMPLE levels 0..3; for other signal types the raw value.
    pub level: f64,
}

impl SignalCommand {
    pub fn normal() -> Self {
        SignalCommand {
            event_id: None,
            signal_name: SignalName::Simple.to_string(),
            signal_type: SignalType::Level.to_string(),
            level: 0.0,
        }
    }
}

#[derive(Clone, Debug)]
struct Tracked {
    event: EiEvent,
    decision: Decision,
    /// Randomized start offset, drawn once per modification.
    offset: chrono::Duration,
}

impl Tracked {
    fn start(&self) -> Timestamp {
        self.event
            .active_period
            .dtstart
            .saturating_plus(self.offset)
    }
    /// `None` for an open-ended event.
    fn end(&self) -> Option<Timestamp> {
        let d = self.event.active_period.duration.to_chrono();
        if d.is_zero() {
            None
        } else {
            Some(self.start().saturating_plus(d))
        }
    }
    fn priority_rank(&self) -> u32 {
        match self.event.descriptor.priority {
            None | Some(0) => u32::MAX,
            Some(p) => p,
        }
    }
    /// The signal level in force at `now`, with every boundary after `now`.
    fn level_at(&self, now: Timestamp) -> Option<(f64, &adr_schema::EventSignal)> {
        let start = self.start();
        if now < start || self.end().is_some_and(|e| now >= e) {
            return None;
        }
        let signal = self.event.signals.first()?;
        let mut t = start;
        let n = signal.intervals.len();
        for (i, iv) in signal.intervals.iter().enumerate() {
            let d = iv
                .duration
                .map(|d| d.to_chrono())
                .unwrap_or_else(chrono::Duration::zero);
            let open = d.is_zero() || i + 1 == n && self.end().is_none();
            let next = t.saturating_plus(d);
            if now >= t && (open || now < next) {
                return iv
                    .signal_value()
                    .or(signal.current_value)
                    .map(|v| (v, signal));
            }
            t = next;
        }
        None
    }
    fn boundaries(&self) -> Vec<Timestamp> {
        let mut out = vec![self.start()];
        if let Some(s) = self.event.signals.first() {
            let mut t = self.start();
            for iv in &s.intervals {
                if let Some(d) = iv.duration {
                    let next = t.saturating_plus(d.to_chrono());
                    if next == t && !d.is_zero() {
                        // Held at the year 9999: no later boundary exists.
                        break;
                    }
                    t = next;
                    out.push(t);
                }
            }
        }
        if let Some(e) = self.end() {
            out.push(e);
        }
        out
    }
}

/// The events we know, keyed by id.
#[derive(Debug, Default)]
pub struct EventBook {
    events: BTreeMap<EventId, Tracked>,
    /// Events that ended (cancelled, completed) and the modification we
    /// answered, so a VTN that repeats them is not answered again.
    ended: BTreeMap<EventId, u32>,
    applied: Option<SignalCommand>,
}

impl EventBook {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The decision and randomized start of a known event.
    pub fn get(&self, id: &str) -> Option<(&EiEvent, &Decision, Timestamp)> {
        self.events
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, t)| (&t.event, &t.decision, t.start()))
    }

    /// Take in an oadrDistributeEvent: returns the oadrCreatedEvent to send
    /// (if any answer is due) and the actions (decisions, level changes).
    #[allow(clippy::too_many_arguments)]
    pub fn distribute(
        &mut self,
        d: &DistributeEvent,
        ven_id: &VenId,
        policy: &OptPolicy,
        ctx: DecisionContext,
        now: Timestamp,
        rng: &mut impl Rng,
    ) -> (Option<Message>, Vec<Action>) {
        let mut responses = Vec::new();
        let mut actions = Vec::new();
        let listed: Vec<&EventId> = d.events.iter().map(|e| e.event.event_id()).collect();
        // Implicit cancellation of events the VTN no longer lists.
        let gone: Vec<EventId> = self
            .events
            .keys()
            .filter(|k| !listed.contains(k))
            .cloned()
            .collect();
        for id in gone {
            tracing::info!(event_id = %id, "event no longer listed by the VTN: dropped");
            self.events.remove(&id);
        }
        for oe in &d.events {
            let ev = &oe.event;
            let id = ev.event_id().clone();
            let modn = ev.descriptor.modification_number;
            let known = self.events.get(&id);
            if let Some(k) = known {
                if k.event.descriptor.modification_number > modn {
                    tracing::warn!(event_id = %id, modn, "stale modification ignored");
                    continue;
                }
            }
            let changed = match known {
                None => self.ended.get(&id) != Some(&modn),
                Some(k) => {
                    k.event.descriptor.modification_number != modn
                        || k.event.descriptor.event_status != ev.descriptor.event_status
                }
            };
            let prior = known.map(|k| k.decision.clone());
            match ev.descriptor.event_status {
                EventStatus::Cancelled | EventStatus::Completed => {
                    let was_known = self.events.remove(&id).is_some();
                    self.ended.insert(id.clone(), modn);
                    if self.ended.len() > 1024 {
                        self.ended.pop_first();
                    }
                    if changed {
                        tracing::info!(event_id = %id, modn, status = %ev.descriptor.event_status, was_known, "event ended by the VTN");
                    }
                    if changed && oe.response_required == ResponseRequired::Always {
                        // Confirm with the opt we had (optIn if we never saw it).
                        let opt = prior.map(|p| p.opt).unwrap_or(OptType::OptIn);
                        responses.push(event_response(d, &id, modn, opt));
                    }
                }
                _ => {
                    if !changed {
                        // Status updates (far → near → active) without a new
                        // modification change nothing we scheduled.
                        if let Some(t) = self.events.get_mut(&id) {
                            t.event.descriptor.event_status = ev.descriptor.event_status;
                        }
                        continue;
                    }
                    let same_mod =
                        known.is_some_and(|k| k.event.descriptor.modification_number == modn);
                    let decision = if same_mod {
                        prior.clone().expect("known")
                    } else {
                        policy.decide(ev, ctx)
                    };
                    let offset = if same_mod {
                        known
                            .map(|k| k.offset)
                            .unwrap_or_else(chrono::Duration::zero)
                    } else {
                        random_offset(ev, rng)
                    };
                    tracing::info!(
                        event_id = %id, modn, opt = opt_name(decision.opt), reason = %decision.reason,
                        start = %ev.active_period.dtstart.saturating_plus(offset), offset_s = offset.num_seconds(),
                        "event decision"
                    );
                    actions.push(Action::Decided {
                        event_id: id.to_string(),
                        modification_number: modn,
                        decision: decision.clone(),
                    });
                    if !same_mod && oe.response_required == ResponseRequired::Always {
                        responses.push(event_response(d, &id, modn, decision.opt));
                    }
                    self.events.insert(
                        id,
                        Tracked {
                            event: ev.clone(),
                            decision,
                            offset,
                        },
                    );
                }
            }
        }
        actions.extend(self.tick(now));
        let msg = (!responses.is_empty()).then(|| {
            Message::CreatedEvent(CreatedEvent {
                response: EiResponse::ok(d.request_id.clone()),
                event_responses: Some(responses),
                ven_id: ven_id.clone(),
            })
        });
        (msg, actions)
    }

    /// Drop finished events and report a level change, if any.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Action> {
        let done: Vec<EventId> = self
            .events
            .iter()
            .filter(|(_, t)| t.end().is_some_and(|e| now >= e))
            .map(|(k, _)| k.clone())
            .collect();
        for id in done {
            tracing::info!(event_id = %id, "event completed");
            self.events.remove(&id);
        }
        let cmd = self.command_at(now);
        if self.applied.as_ref() == Some(&cmd) {
            return Vec::new();
        }
        // The first tick with nothing active needs no "back to normal".
        if self.applied.is_none() && cmd == SignalCommand::normal() {
            self.applied = Some(cmd);
            return Vec::new();
        }
        self.applied = Some(cmd.clone());
        vec![Action::Apply(cmd)]
    }

    /// The command in force at `now`.
    pub fn command_at(&self, now: Timestamp) -> SignalCommand {
        let mut best: Option<(u32, f64, &EventId, &adr_schema::EventSignal)> = None;
        for (id, t) in &self.events {
            if t.decision.opt != OptType::OptIn {
                continue;
            }
            if let Some((level, sig)) = t.level_at(now) {
                let rank = t.priority_rank();
                let better = match best {
                    None => true,
                    Some((r, l, _, _)) => rank < r || (rank == r && level > l),
                };
                if better {
                    best = Some((rank, level, id, sig));
                }
            }
        }
        match best {
            Some((_, level, id, sig)) => SignalCommand {
                event_id: Some(id.to_string()),
                signal_name: sig.signal_name.to_string(),
                signal_type: sig.signal_type.to_string(),
                level,
            },
            None => SignalCommand::normal(),
        }
    }

    /// The next instant at which the level may change.
    pub fn next_wakeup(&self, now: Timestamp) -> Option<Timestamp> {
        self.events
            .values()
            .flat_map(|t| t.boundaries())
            .filter(|b| *b > now)
            .min()
    }

    /// Forget everything (registration cancelled): the device goes back to normal.
    pub fn clear(&mut self) -> Vec<Action> {
        self.events.clear();
        let was_active = self.applied.as_ref().is_some_and(|c| c.event_id.is_some());
        self.applied = Some(SignalCommand::normal());
        if was_active {
            vec![Action::Apply(SignalCommand::normal())]
        } else {
            Vec::new()
        }
    }
}

fn random_offset(ev: &EiEvent, rng: &mut impl Rng) -> chrono::Duration {
    let max = ev
        .active_period
        .tolerance
        .as_ref()
        .and_then(|t| t.startafter)
        .map(|d| d.to_chrono().num_milliseconds())
        .unwrap_or(0);
    if max <= 0 {
        chrono::Duration::zero()
    } else {
        chrono::Duration::milliseconds(rng.gen_range(0..=max))
    }
}

fn event_response(d: &DistributeEvent, id: &EventId, modn: u32, opt: OptType) -> EventResponse {
    EventResponse {
        response_code: ResponseCode::OK,
        response_description: Some("OK".into()),
        request_id: d.request_id.clone(),
        qualified_event_id: QualifiedEventId {
            event_id: id.clone(),
            modification_number: modn,
        },
        opt_type: opt,
    }
}
