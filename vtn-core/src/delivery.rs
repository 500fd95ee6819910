//! One delivery path for every transport: what is next for a VEN, and what
//! "delivered" means. Pull runs [`next`] and [`delivered`] in one
//! transaction (inside [`poll`]); push runs [`next`], sends, then
//! [`delivered`] in a second transaction. A queued distribute whose
//! generation was bumped while a push was in flight stays queued, so the
//! change is sent next; the clean-up after a cancelled registration is the
//! same whichever transport carried it.

use adr_schema::{Message, Service, VenId};

use crate::ctx::Ctx;
use crate::error::Result;
use crate::model::{Pending, PendingKind, Ven};
use crate::ops::StoreOp;
use crate::service::{clear_registration, distribute_for, ok_response, registered, Reply};
use crate::view::View;

/// A message on its way to a VEN: the queue row it comes from (and which
/// generation of it), the service it goes to and its XML.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub ven_id: VenId,
    pub pending_id: i64,
    pub generation: i64,
    pub kind: PendingKind,
    pub service: Service,
    pub body: String,
}

/// The next message for a registered VEN, written now (a distribute carries
/// the events current at this moment), without removing it.
pub fn next(v: &dyn View, ctx: &Ctx, ven: &Ven) -> Result<Option<Delivery>> {
    let Some(p) = v.next_pending(&ven.ven_id)? else {
        return Ok(None);
    };
    Ok(Some(render(v, ctx, ven, p)?))
}

fn render(v: &dyn View, ctx: &Ctx, ven: &Ven, p: Pending) -> Result<Delivery> {
    let body = match p.kind {
        PendingKind::Distribute => {
            let id = ctx.new_id();
            Message::DistributeEvent(distribute_for(v, ctx, &ven.profile(), None, None, &id)?)
                .to_xml()
        }
        _ => p.body,
    };
    Ok(Delivery {
        ven_id: p.ven_id,
        pending_id: p.id,
        generation: p.generation,
        kind: p.kind,
        service: p.kind.service(),
        body,
    })
}

/// `d` reached the VEN. Its queue row goes only if it is still the
/// generation that was sent; a delivered oadrCancelPartyRegistration ends
/// the registration (the VEN's oadrCanceledPartyRegistration is still welcome).
pub fn delivered(v: &dyn View, ctx: &Ctx, d: &Delivery) -> Result<Vec<StoreOp>> {
    let mut ops = vec![StoreOp::Delivered {
        ven: d.ven_id.clone(),
        id: d.pending_id,
        generation: d.generation,
    }];
    let still = v
        .pending(d.pending_id)?
        .is_some_and(|p| p.generation == d.generation);
    if still && d.kind == PendingKind::CancelRegistration {
        if let Some(ven) = v.ven(d.ven_id.as_str())?.filter(|x| x.is_registered()) {
            clear_registration(ctx, ven, &mut ops);
        }
    }
    Ok(ops)
}

/// oadrPoll: the next queued message, handed out and removed in the same
/// decision, or an empty oadrResponse.
pub fn poll(v: &dyn View, ctx: &Ctx, ven: &VenId, ops: &mut Vec<StoreOp>) -> Result<Reply> {
    let row = registered(v, ctx, ven)?;
    ops.push(StoreOp::Contact(row.ven_id.clone()));
    let Some(d) = next(v, ctx, &row)? else {
        return Ok(ok_response(&adr_schema::RequestId::new("")?, Some(ven.clone())).into());
    };
    ops.extend(delivered(v, ctx, &d)?);
    Ok(Reply::Xml(d.body))
}
