//! EiOpt: oadrCreateOpt (for an event, or availability windows) and oadrCancelOpt.

use adr_schema::{
    CancelOpt, CanceledOpt, CreateOpt, CreatedOpt, EiResponse, Message, TimestampExt,
};

use super::registered;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::model::Opt;
use crate::ops::StoreOp;
use crate::view::View;

/// Availability windows per opt: more is not a schedule but a flood.
pub const MAX_WINDOWS: usize = 1000;

pub fn create(v: &dyn View, ctx: &Ctx, m: &CreateOpt, ops: &mut Vec<StoreOp>) -> Result<Message> {
    let ven = registered(v, ctx, &m.ven_id)?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    let (mut event_id, mut modn) = (None, None);
    if let Some(q) = &m.qualified_event_id {
        let id = q.event_id.as_str();
        v.event(id)?
            .filter(|e| e.event.spec.concerns(&ven.profile()))
            .ok_or_else(|| Error::InvalidId(format!("event {id} is not an event of this VEN")))?;
        event_id = Some(id.to_string());
        modn = Some(q.modification_number);
    }
    let mut windows = Vec::new();
    for p in m.vavailability.iter().flatten() {
        if windows.len() == MAX_WINDOWS {
            return Err(Error::data(format!(
                "an opt may carry at most {MAX_WINDOWS} availability windows"
            )));
        }
        let d = p.duration.to_chrono();
        if d < chrono::Duration::zero() {
            return Err(Error::data(
                "an availability window cannot end before it starts",
            ));
        }
        let end = p
            .dtstart
            .checked_plus(d)
            .ok_or_else(|| Error::data("an availability window ends after the year 9999"))?;
        windows.push((p.dtstart, end));
    }
    if event_id.is_none() && windows.is_empty() {
        return Err(Error::data(
            "an opt needs a qualifiedEventID or a vavailability schedule",
        ));
    }
    ops.push(StoreOp::SaveOpt(Opt {
        ven_id: ven.ven_id.clone(),
        opt_id: m.opt_id.to_string(),
        opt_type: m.opt_type,
        opt_reason: m.opt_reason.to_string(),
        market_context: m.market_context.clone(),
        event_id,
        modification_number: modn,
        windows,
        target_json: serde_json::to_string(&m.target)?,
        created_at: ctx.now,
        cancelled_at: None,
    }));
    Ok(Message::CreatedOpt(CreatedOpt {
        response: EiResponse::ok(m.request_id.clone()),
        opt_id: m.opt_id.clone(),
    }))
}

pub fn cancel(v: &dyn View, ctx: &Ctx, m: &CancelOpt, ops: &mut Vec<StoreOp>) -> Result<Message> {
    let ven = registered(v, ctx, &m.ven_id)?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    if v.opt(&ven.ven_id, m.opt_id.as_str())?.is_none() {
        return Err(Error::InvalidId(format!(
            "no opt {} from this VEN",
            m.opt_id
        )));
    }
    ops.push(StoreOp::CancelOpt {
        ven: ven.ven_id,
        opt_id: m.opt_id.to_string(),
        at: ctx.now,
    });
    Ok(Message::CanceledOpt(CanceledOpt {
        response: EiResponse::ok(m.request_id.clone()),
        opt_id: Some(m.opt_id.clone()),
    }))
}
