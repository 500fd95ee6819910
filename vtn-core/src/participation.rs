//! Who takes part in an event: the latest of each VEN's event answer and
//! its opts (an opt for the event, or an availability window overlapping it).

use adr_schema::{OptType, TimestampExt};
use serde::{Deserialize, Serialize};

use crate::events::StoredEvent;
use crate::model::{EventAnswer, Opt, Ven};

/// A VEN's participation in one event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Participation {
    pub ven_id: adr_schema::VenId,
    pub ven_name: Option<String>,
    /// optIn, optOut or pending (no answer yet).
    pub opt: String,
    /// The modification the answer was about.
    pub modification_number: Option<u32>,
    /// "event" (oadrCreatedEvent), "opt" (oadrCreateOpt for the event) or "schedule" (availability).
    pub source: Option<String>,
    pub participates: bool,
}

/// Participation of every VEN the event concerns. `opts` are the active
/// opts of all VENs; `answers` the event's oadrCreatedEvent answers.
pub fn participation(
    ev: &StoredEvent,
    vens: &[Ven],
    answers: &[EventAnswer],
    opts: &[Opt],
) -> Vec<Participation> {
    let start = ev.spec.dtstart;
    let end = ev
        .spec
        .end()
        .min(start.saturating_plus(chrono::Duration::days(36500)));
    let mut out = Vec::new();
    for v in vens.iter().filter(|v| ev.spec.concerns(&v.profile())) {
        // (time, opt, modification, source): the latest wins.
        let mut best: Option<(adr_schema::Timestamp, OptType, Option<u32>, &str)> = None;
        let mut consider = |t, o, m, s: &'static str| {
            if best.as_ref().is_none_or(|b| t >= b.0) {
                best = Some((t, o, m, s));
            }
        };
        for a in answers.iter().filter(|a| a.ven_id == v.ven_id) {
            consider(
                a.received_at,
                a.opt_type,
                Some(a.modification_number),
                "event",
            );
        }
        for o in opts.iter().filter(|o| o.ven_id == v.ven_id) {
            if o.event_id.as_deref() == Some(ev.event_id.as_str()) {
                consider(o.created_at, o.opt_type, o.modification_number, "opt");
            } else if o.event_id.is_none() && o.windows.iter().any(|w| w.0 < end && w.1 > start) {
                consider(o.created_at, o.opt_type, None, "schedule");
            }
        }
        let (opt, modn, source) = match best {
            Some((_, o, m, s)) => (o.to_string(), m, Some(s.to_string())),
            None => ("pending".to_string(), None, None),
        };
        out.push(Participation {
            ven_id: v.ven_id.clone(),
            ven_name: v.ven_name.clone(),
            participates: opt == OptType::OptIn.as_str(),
            opt,
            modification_number: modn,
            source,
        });
    }
    out
}
