//! `ei:eiEvent` and its parts.

use serde::Serialize;

use super::common::{read_intervals, write_intervals, EiTarget, Interval, Properties};
use super::item_base::{try_item_base, ItemBase};
use crate::enums::{EventStatus, ResponseRequired, SignalName, SignalType};
use crate::error::Result;
use crate::ids::EventId;
use crate::ns::Ns;
use crate::time::{Duration, Timestamp};
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `ei:eiEvent`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EiEvent {
    pub descriptor: EventDescriptor,
    /// `ei:eiActivePeriod/xcal:properties` (its `xcal:components` is always empty in 2.0b).
    pub active_period: Properties,
    pub signals: Vec<EventSignal>,
    /// Boxed (rare, and large next to the rest of an event).
    pub baseline: Option<Box<EventBaseline>>,
    pub target: EiTarget,
}

/// `ei:eventDescriptor`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventDescriptor {
    pub event_id: EventId,
    pub modification_number: u32,
    pub modification_date_time: Option<Timestamp>,
    pub modification_reason: Option<String>,
    pub priority: Option<u32>,
    /// `ei:eiMarketContext/emix:marketContext` (an anyURI).
    pub market_context: String,
    pub created_date_time: Timestamp,
    pub event_status: EventStatus,
    /// `testEvent`: "true"/"false" or free text in 2.0b.
    pub test_event: Option<String>,
    pub vtn_comment: Option<String>,
}

/// `ei:eiEventSignal`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSignal {
    pub intervals: Vec<Interval>,
    /// Boxed: signal-level targets are rare, and an `EiTarget` is eleven lists.
    pub target: Option<Box<EiTarget>>,
    pub signal_name: SignalName,
    pub signal_type: SignalType,
    pub signal_id: String,
    pub item_base: Option<ItemBase>,
    /// `ei:currentValue/ei:payloadFloat/ei:value`.
    pub current_value: Option<f64>,
}

/// `ei:eiEventBaseline`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventBaseline {
    pub dtstart: Timestamp,
    pub duration: Duration,
    pub intervals: Vec<Interval>,
    pub baseline_id: String,
    pub resource_ids: Vec<String>,
    pub baseline_name: String,
    pub item_base: Option<ItemBase>,
}

/// `oadrEvent`: an event and whether the VEN must answer with oadrCreatedEvent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OadrEvent {
    pub event: EiEvent,
    pub response_required: ResponseRequired,
}

impl EiEvent {
    pub fn event_id(&self) -> &EventId {
        &self.descriptor.event_id
    }
    /// When the event's active period ends (held to the year 9999).
    pub fn end(&self) -> Timestamp {
        use crate::time::TimestampExt;
        self.active_period
            .dtstart
            .saturating_plus(self.active_period.duration.to_chrono())
    }
}

impl Element for OadrEvent {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut ev, mut rr) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiEvent") => once!(r, ev, "eiEvent", EiEvent::read(r)?),
                (Ns::Oadr, "oadrResponseRequired") => {
                    once!(r, rr, "oadrResponseRequired", r.leaf()?)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(OadrEvent {
            event: need!(r, ev, "eiEvent"),
            response_required: need!(r, rr, "oadrResponseRequired"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        self.event.write(w, "ei:eiEvent");
        w.leaf("oadr:oadrResponseRequired", &self.response_required);
        w.close(tag);
    }
}

impl Element for EiEvent {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut d, mut ap, mut sig, mut t) = (None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eventDescriptor") => {
                    once!(r, d, "eventDescriptor", EventDescriptor::read(r)?)
                }
                (Ns::Ei, "eiActivePeriod") => {
                    once!(r, ap, "eiActivePeriod", read_active_period(r)?)
                }
                (Ns::Ei, "eiEventSignals") => once!(r, sig, "eiEventSignals", read_signals(r)?),
                (Ns::Ei, "eiTarget") => once!(r, t, "eiTarget", EiTarget::read(r)?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        let (signals, baseline) = need!(r, sig, "eiEventSignals");
        Ok(EiEvent {
            descriptor: need!(r, d, "eventDescriptor"),
            active_period: need!(r, ap, "eiActivePeriod"),
            signals,
            baseline,
            target: need!(r, t, "eiTarget"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        self.descriptor.write(w, "ei:eventDescriptor");
        w.open("ei:eiActivePeriod");
        self.active_period.write(w, "xcal:properties");
        w.empty("xcal:components");
        w.close("ei:eiActivePeriod");
        w.open("ei:eiEventSignals");
        for s in &self.signals {
            s.write(w, "ei:eiEventSignal");
        }
        if let Some(b) = &self.baseline {
            b.write(w, "ei:eiEventBaseline");
        }
        w.close("ei:eiEventSignals");
        self.target.write(w, "ei:eiTarget");
        w.close(tag);
    }
}

fn read_active_period(r: &mut Reader<'_>) -> Result<Properties> {
    let mut p = None;
    let mut components = false;
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Xcal, "properties") => once!(r, p, "properties", Properties::read(r)?),
            // Always empty (nillable) in 2.0b; its content is not ours to interpret.
            (Ns::Xcal, "components") => {
                r.skip(&c)?;
                components = true;
            }
            _ => return Err(r.unexpected(&c)),
        }
    }
    if !components {
        return Err(r.missing("components"));
    }
    Ok(need!(r, p, "properties"))
}

fn read_signals(r: &mut Reader<'_>) -> Result<(Vec<EventSignal>, Option<Box<EventBaseline>>)> {
    let mut signals = Vec::new();
    let mut baseline = None;
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Ei, "eiEventSignal") => push!(r, signals, EventSignal::read(r)?),
            (Ns::Ei, "eiEventBaseline") => {
                once!(
                    r,
                    baseline,
                    "eiEventBaseline",
                    Box::new(EventBaseline::read(r)?)
                )
            }
            _ => return Err(r.unexpected(&c)),
        }
    }
    if signals.is_empty() {
        return Err(r.missing("eiEventSignal"));
    }
    Ok((signals, baseline))
}

impl Element for EventDescriptor {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (
            mut id,
            mut modn,
            mut mdt,
            mut mreason,
            mut prio,
            mut mc,
            mut created,
            mut status,
            mut test,
            mut comment,
        ) = (None, None, None, None, None, None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eventID") => once!(r, id, "eventID", r.leaf()?),
                (Ns::Ei, "modificationNumber") => once!(r, modn, "modificationNumber", r.leaf()?),
                (Ns::Ei, "modificationDateTime") => {
                    once!(r, mdt, "modificationDateTime", r.leaf()?)
                }
                (Ns::Ei, "modificationReason") => {
                    once!(r, mreason, "modificationReason", r.leaf()?)
                }
                (Ns::Ei, "priority") => once!(r, prio, "priority", r.leaf()?),
                (Ns::Ei, "eiMarketContext") => {
                    once!(
                        r,
                        mc,
                        "eiMarketContext",
                        r.wrapped(Ns::Emix, "marketContext", |r| r.leaf())?
                    )
                }
                (Ns::Ei, "createdDateTime") => once!(r, created, "createdDateTime", r.leaf()?),
                (Ns::Ei, "eventStatus") => once!(r, status, "eventStatus", r.leaf()?),
                (Ns::Ei, "testEvent") => once!(r, test, "testEvent", r.leaf()?),
                (Ns::Ei, "vtnComment") => once!(r, comment, "vtnComment", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(EventDescriptor {
            event_id: need!(r, id, "eventID"),
            modification_number: need!(r, modn, "modificationNumber"),
            modification_date_time: mdt,
            modification_reason: mreason,
            priority: prio,
            market_context: need!(r, mc, "eiMarketContext"),
            created_date_time: need!(r, created, "createdDateTime"),
            event_status: need!(r, status, "eventStatus"),
            test_event: test,
            vtn_comment: comment,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:eventID", &self.event_id);
        w.leaf("ei:modificationNumber", &self.modification_number);
        w.opt_leaf("ei:modificationDateTime", &self.modification_date_time);
        w.opt_leaf("ei:modificationReason", &self.modification_reason);
        w.opt_leaf("ei:priority", &self.priority);
        w.open("ei:eiMarketContext");
        w.leaf("emix:marketContext", &self.market_context);
        w.close("ei:eiMarketContext");
        w.leaf("ei:createdDateTime", &self.created_date_time);
        w.leaf("ei:eventStatus", &self.event_status);
        w.opt_leaf("ei:testEvent", &self.test_event);
        w.opt_leaf("ei:vtnComment", &self.vtn_comment);
        w.close(tag);
    }
}

impl Element for EventSignal {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut iv, mut t, mut name, mut ty, mut id, mut ib, mut cv) =
            (None, None, None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Strm, "intervals") => once!(r, iv, "intervals", read_intervals(r)?),
                (Ns::Ei, "eiTarget") => once!(r, t, "eiTarget", Box::new(EiTarget::read(r)?)),
                (Ns::Ei, "signalName") => once!(r, name, "signalName", r.leaf()?),
                (Ns::Ei, "signalType") => once!(r, ty, "signalType", r.leaf()?),
                (Ns::Ei, "signalID") => once!(r, id, "signalID", r.leaf()?),
                (Ns::Ei, "currentValue") => once!(
                    r,
                    cv,
                    "currentValue",
                    r.wrapped(Ns::Ei, "payloadFloat", |r| r.wrapped(
                        Ns::Ei,
                        "value",
                        |r| r.leaf()
                    ))?
                ),
                (ns, local) => match try_item_base(r, ns, local)? {
                    Some(b) => once!(r, ib, "itemBase", b),
                    None => return Err(r.unexpected(&c)),
                },
            }
        }
        Ok(EventSignal {
            intervals: need!(r, iv, "intervals"),
            target: t,
            signal_name: need!(r, name, "signalName"),
            signal_type: need!(r, ty, "signalType"),
            signal_id: need!(r, id, "signalID"),
            item_base: ib,
            current_value: cv,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        write_intervals(w, &self.intervals);
        if let Some(t) = &self.target {
            t.write(w, "ei:eiTarget");
        }
        w.leaf("ei:signalName", &self.signal_name);
        w.leaf("ei:signalType", &self.signal_type);
        w.leaf("ei:signalID", &self.signal_id);
        if let Some(b) = &self.item_base {
            b.write(w);
        }
        if let Some(v) = &self.current_value {
            w.open("ei:currentValue");
            w.open("ei:payloadFloat");
            w.leaf("ei:value", v);
            w.close("ei:payloadFloat");
            w.close("ei:currentValue");
        }
        w.close(tag);
    }
}

impl Element for EventBaseline {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut start, mut dur, mut iv, mut id, mut name, mut ib) =
            (None, None, None, None, None, None);
        let mut resources = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Xcal, "dtstart") => {
                    once!(r, start, "dtstart", super::common::read_date_time(r)?)
                }
                (Ns::Xcal, "duration") => {
                    once!(r, dur, "duration", super::common::read_duration_prop(r)?)
                }
                (Ns::Strm, "intervals") => once!(r, iv, "intervals", read_intervals(r)?),
                (Ns::Ei, "baselineID") => once!(r, id, "baselineID", r.leaf()?),
                (Ns::Ei, "resourceID") => push!(r, resources, r.leaf()?),
                (Ns::Ei, "baselineName") => once!(r, name, "baselineName", r.leaf()?),
                (ns, local) => match try_item_base(r, ns, local)? {
                    Some(b) => once!(r, ib, "itemBase", b),
                    None => return Err(r.unexpected(&c)),
                },
            }
        }
        Ok(EventBaseline {
            dtstart: need!(r, start, "dtstart"),
            duration: need!(r, dur, "duration"),
            intervals: need!(r, iv, "intervals"),
            baseline_id: need!(r, id, "baselineID"),
            resource_ids: resources,
            baseline_name: need!(r, name, "baselineName"),
            item_base: ib,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        super::common::write_date_time(w, "xcal:dtstart", &self.dtstart);
        super::common::write_duration_prop(w, "xcal:duration", &self.duration);
        write_intervals(w, &self.intervals);
        w.leaf("ei:baselineID", &self.baseline_id);
        for v in &self.resource_ids {
            w.leaf("ei:resourceID", v);
        }
        w.leaf("ei:baselineName", &self.baseline_name);
        if let Some(b) = &self.item_base {
            b.write(w);
        }
        w.close(tag);
    }
}
