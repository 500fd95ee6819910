//! EiEvent: oadrRequestEvent and the VEN's oadrCreatedEvent answers.

use adr_schema::{CreatedEvent, DistributeEvent, EiResponse, Message, RequestEvent, RequestId};

use super::{ok_response, registered};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::events::VenProfile;
use crate::model::{EventAnswer, PendingKind};
use crate::ops::StoreOp;
use crate::view::View;

/// An oadrDistributeEvent with every current event that concerns the VEN.
pub fn distribute_for(
    v: &dyn View,
    ctx: &Ctx,
    ven: &VenProfile,
    reply_limit: Option<u32>,
    answer_to: Option<&RequestId>,
    request_id: &str,
) -> Result<DistributeEvent> {
    let mut events = Vec::new();
    for rec in v.current_events(ctx.now)? {
        if rec.event.spec.concerns(ven) {
            events.push(rec.event.to_oadr(ctx.now, ctx.policy.near_window)?);
        }
    }
    if let Some(n) = reply_limit.filter(|n| *n > 0) {
        events.truncate(n as usize);
    }
    Ok(DistributeEvent {
        response: answer_to.map(|r| EiResponse::ok(r.clone())),
        request_id: RequestId::new(request_id)?,
        vtn_id: ctx.policy.vtn_id.clone(),
        events,
    })
}

pub fn request_event(
    v: &dyn View,
    ctx: &Ctx,
    m: &RequestEvent,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered(v, ctx, &m.ven_id)?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    let id = ctx.new_id();
    let d = distribute_for(
        v,
        ctx,
        &ven.profile(),
        m.reply_limit,
        Some(&m.request_id),
        &id,
    )?;
    // The VEN now holds the current events: a queued distribute would only repeat them.
    ops.push(StoreOp::DropPending {
        ven: ven.ven_id,
        kind: Some(PendingKind::Distribute),
    });
    Ok(Message::DistributeEvent(d))
}

pub fn created_event(
    v: &dyn View,
    ctx: &Ctx,
    m: &CreatedEvent,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered(v, ctx, &m.ven_id)?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    let profile = ven.profile();
    for r in m.event_responses.iter().flatten() {
        let id = r.qualified_event_id.event_id.as_str();
        let ev = v
            .event(id)?
            .filter(|e| e.event.spec.concerns(&profile))
            .ok_or_else(|| Error::InvalidId(format!("event {id} is not an event of this VEN")))?;
        let modn = r.qualified_event_id.modification_number;
        if modn > ev.event.modification_number {
            return Err(Error::OutOfSequence(format!(
                "event {id} is at modification {}, not {modn}",
                ev.event.modification_number
            )));
        }
        ops.push(StoreOp::SaveEventAnswer(EventAnswer {
            event_id: id.to_string(),
            ven_id: ven.ven_id.clone(),
            modification_number: modn,
            opt_type: r.opt_type,
            response_code: r.response_code.0,
            received_at: ctx.now,
        }));
    }
    Ok(ok_response(&m.response.request_id, Some(m.ven_id.clone())))
}
