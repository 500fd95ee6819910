//! OpenADR 2.0a VENs: the same events from the same store, in what 2.0a
//! can express. 2.0a has one service, EiEvent, pulled with oadrRequestEvent;
//! no registration (an operator provisions the VEN), no reports, no opts.

use adr_schema::{DistributeEvent, EiTarget, OadrEvent, SignalName};

/// An oadrDistributeEvent cut down to 2.0a: each event keeps its SIMPLE
/// signals only (written `simple`, as 2.0a spells it), no baseline, no
/// item bases, no signal-level targets, and a target of the four EI
/// members 2.0a knows. An event with no SIMPLE signal left is not sent: a
/// 2.0a VEN could not act on it (the VTN logs it once per request).
pub fn distribute(mut d: DistributeEvent) -> DistributeEvent {
    d.events.retain_mut(|e| {
        let keep = to_profile_a(e);
        if !keep {
            tracing::info!(
                event_id = %e.event.descriptor.event_id,
                "event has no SIMPLE signal: not sent to a 2.0a VEN"
            );
        }
        keep
    });
    d
}

fn to_profile_a(e: &mut OadrEvent) -> bool {
    let ev = &mut e.event;
    ev.signals
        .retain(|s| matches!(s.signal_name, SignalName::Simple | SignalName::SimpleLower));
    for s in &mut ev.signals {
        s.signal_name = SignalName::SimpleLower;
        s.item_base = None;
        s.target = None;
    }
    ev.baseline = None;
    let t = std::mem::take(&mut ev.target);
    ev.target = EiTarget {
        group_ids: t.group_ids,
        resource_ids: t.resource_ids,
        ven_ids: t.ven_ids,
        party_ids: t.party_ids,
        ..Default::default()
    };
    !ev.signals.is_empty()
}
