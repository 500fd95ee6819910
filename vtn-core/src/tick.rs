//! Timed work, decided: event status transitions (re-sent to the VENs
//! concerned, except completion, which every VEN computes itself), report
//! request deadlines, and undelivered messages past their time to live.

use adr_schema::{EventStatus, TimestampExt};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::Result;
use crate::model::ReportRequestState;
use crate::operator::fanout;
use crate::ops::{Decision, StoreOp};
use crate::view::View;

/// What one tick changed.
#[derive(Debug, Default, Serialize)]
pub struct TickReport {
    /// (eventID, new status)
    pub transitions: Vec<(String, EventStatus)>,
    pub report_requests_expired: usize,
    pub messages_expired: usize,
}

pub fn tick(v: &dyn View, ctx: &Ctx) -> Result<Decision<TickReport>> {
    let mut rep = TickReport::default();
    let mut ops = Vec::new();
    for rec in v.live_events()? {
        let ev = &rec.event;
        let s = ev
            .spec
            .status_at(ev.cancelled, ctx.now, ctx.policy.near_window);
        if s != rec.status {
            ops.push(StoreOp::SetEventStatus {
                event_id: ev.event_id.clone(),
                status: s,
            });
            if s != EventStatus::Completed {
                fanout(v, &[&ev.spec], &mut ops)?;
            }
            tracing::info!(event_id = %ev.event_id, from = %rec.status, to = %s, "event status");
            rep.transitions.push((ev.event_id.clone(), s));
        }
    }
    for r in v.overdue_report_requests(ctx.now)? {
        // An interval that ended completes the request, confirmed or not.
        let state = if r.interval_end.is_some_and(|e| e < ctx.now) {
            ReportRequestState::Completed
        } else if r.state == ReportRequestState::Requested
            && r.deadline.is_some_and(|d| d < ctx.now)
        {
            ReportRequestState::Unacknowledged
        } else {
            continue;
        };
        ops.push(StoreOp::SetReportRequestState {
            id: r.report_request_id,
            state,
            at: ctx.now,
        });
        rep.report_requests_expired += 1;
    }
    let before = ctx.now.saturating_minus(ctx.policy.queue_ttl.to_chrono());
    for p in v.pending_before(before)? {
        ops.push(StoreOp::ExpirePending {
            ven: p.ven_id,
            id: p.id,
        });
        rep.messages_expired += 1;
    }
    Ok(Decision { reply: rep, ops })
}
