//! Apply a decision's [`StoreOp`]s, in order, on the caller's transaction,
//! and derive from the same list what the in-memory registry must mirror
//! once it commits ([`Effects`]): nothing is mirrored by hand beside a write.

use adr_schema::{Timestamp, VenId};
use diesel::prelude::*;
use vtn_core::model::PendingKind;
use vtn_core::StoreOp;

use super::schema::*;
use super::{
    Conn, EventResponseRow, NewReading, OptRow, ReportRegistrationRow, ReportRequestRow, VenRow,
};
use crate::clock::to_ms;
use crate::error::Result;

/// What the registry mirrors after a commit.
#[derive(Debug, Default)]
pub struct Effects {
    /// VENs inserted or updated: their registration, push address and certificate.
    pub vens: Vec<VenChange>,
    /// Change in the number of queued messages, per VEN.
    pub pending: Vec<(VenId, i32)>,
    /// Push VENs with something new (or changed) queued.
    pub push: Vec<VenId>,
    /// VENs heard from.
    pub contact: Vec<VenId>,
    /// Readings stored.
    pub readings: u64,
    /// VENs added.
    pub new_vens: u32,
}

#[derive(Debug)]
pub struct VenChange {
    pub ven_id: VenId,
    pub registration_id: Option<String>,
    pub push_address: Option<String>,
    pub fingerprint: Option<String>,
}

impl Effects {
    /// Add another decision's effects (several decisions in one transaction).
    pub fn merge(&mut self, o: Effects) {
        self.vens.extend(o.vens);
        self.pending.extend(o.pending);
        self.push.extend(o.push);
        self.contact.extend(o.contact);
        self.readings += o.readings;
        self.new_vens += o.new_vens;
    }

    fn pending(&mut self, ven: &VenId, n: i32) {
        if n != 0 {
            self.pending.push((ven.clone(), n));
        }
    }
}

/// Apply `ops` in order (`now`: when the decision was made). Run inside the decision's `BEGIN IMMEDIATE`
/// transaction, so that they commit together with the reads they rest on.
pub fn apply(c: &mut Conn, ops: &[StoreOp], now: Timestamp) -> Result<Effects> {
    let mut fx = Effects::default();
    for op in ops {
        match op {
            StoreOp::InsertVen(v) => {
                super::insert_ven(c, &VenRow::from(v))?;
                fx.vens.push(change(v));
                fx.new_vens += 1;
            }
            StoreOp::UpdateVen(v) => {
                super::update_ven(c, &VenRow::from(v))?;
                fx.vens.push(change(v));
            }
            StoreOp::Contact(v) => fx.contact.push(v.clone()),
            StoreOp::Enqueue {
                ven,
                kind,
                body,
                push,
            } => {
                let bumped = if *kind == PendingKind::Distribute {
                    diesel::update(
                        pending_messages::table
                            .filter(pending_messages::ven_id.eq(ven.as_str()))
                            .filter(pending_messages::kind.eq(kind.as_str())),
                    )
                    .set(pending_messages::generation.eq(pending_messages::generation + 1))
                    .execute(c)?
                } else {
                    0
                };
                if bumped == 0 {
                    diesel::insert_into(pending_messages::table)
                        .values((
                            pending_messages::ven_id.eq(ven.as_str()),
                            pending_messages::kind.eq(kind.as_str()),
                            pending_messages::body.eq(body),
                            pending_messages::created_at.eq(to_ms(now)),
                            pending_messages::generation.eq(0i64),
                        ))
                        .execute(c)?;
                    fx.pending(ven, 1);
                }
                if *push {
                    fx.push.push(ven.clone());
                }
            }
            StoreOp::Delivered {
                ven,
                id,
                generation,
            } => {
                let n = diesel::delete(
                    pending_messages::table
                        .find(id)
                        .filter(pending_messages::generation.eq(generation)),
                )
                .execute(c)?;
                fx.pending(ven, -(n as i32));
            }
            StoreOp::DropPending { ven, kind } => {
                let n = match kind {
                    Some(k) => super::drop_pending(c, ven.as_str(), Some(k.as_str()))?,
                    None => super::drop_pending(c, ven.as_str(), None)?,
                };
                fx.pending(ven, -(n as i32));
            }
            StoreOp::ExpirePending { ven, id } => {
                let n = diesel::delete(pending_messages::table.find(id)).execute(c)?;
                fx.pending(ven, -(n as i32));
            }
            StoreOp::SaveEvent { event, status } => {
                super::save_event(c, event, status.as_str())?;
            }
            StoreOp::SetEventStatus { event_id, status } => {
                super::set_event_status(c, event_id, status.as_str())?;
            }
            StoreOp::SaveEventAnswer(a) => super::save_event_response(
                c,
                &EventResponseRow {
                    event_id: a.event_id.clone(),
                    ven_id: a.ven_id.to_string(),
                    modification_number: a.modification_number as i32,
                    opt_type: a.opt_type.to_string(),
                    response_code: i32::from(a.response_code),
                    received_at: to_ms(a.received_at),
                },
            )?,
            StoreOp::SaveOpt(o) => super::save_opt(c, &OptRow::from(o))?,
            StoreOp::CancelOpt { ven, opt_id, at } => {
                super::cancel_opt(c, ven.as_str(), opt_id, to_ms(*at))?;
            }
            StoreOp::SaveReportRegistration(r) => super::save_report_registration(
                c,
                &ReportRegistrationRow {
                    ven_id: r.ven_id.to_string(),
                    report_specifier_id: r.offer.report_specifier_id.clone(),
                    report_name: r.offer.report_name.clone(),
                    descriptions_json: serde_json::to_string(&r.offer)?,
                    registered_at: to_ms(r.registered_at),
                },
            )?,
            StoreOp::InsertReportRequest(r) => {
                super::insert_report_request(c, &ReportRequestRow::from(r))?
            }
            StoreOp::SetReportRequestState { id, state, at } => {
                diesel::update(report_requests::table.find(id))
                    .set((
                        report_requests::state.eq(state.as_str()),
                        report_requests::updated_at.eq(to_ms(*at)),
                    ))
                    .execute(c)?;
            }
            StoreOp::CloseReportRequests {
                ven,
                report_specifier_id,
                state,
                at,
            } => {
                let open: Vec<&str> = vtn_core::model::ReportRequestState::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str())
                    .collect();
                let mut q = diesel::update(report_requests::table)
                    .filter(report_requests::ven_id.eq(ven.as_str()))
                    .filter(report_requests::state.eq_any(open))
                    .into_boxed();
                if let Some(s) = report_specifier_id {
                    q = q.filter(report_requests::report_specifier_id.eq(s.as_str()));
                }
                q.set((
                    report_requests::state.eq(state.as_str()),
                    report_requests::updated_at.eq(to_ms(*at)),
                ))
                .execute(c)?;
            }
            StoreOp::InsertReadings(rows) => {
                let rows: Vec<NewReading> = rows
                    .iter()
                    .map(|r| NewReading {
                        ven_id: r.ven_id.to_string(),
                        report_request_id: r.report_request_id.clone(),
                        report_specifier_id: r.report_specifier_id.clone(),
                        report_name: r.report_name.clone(),
                        rid: r.rid.clone(),
                        dtstart: to_ms(r.dtstart),
                        duration_secs: r.duration_secs,
                        value: r.value,
                        status_json: r.status_json.clone(),
                        confidence: r.confidence.map(|c| c as i32),
                        accuracy: r.accuracy,
                        data_quality: r.data_quality.clone(),
                        received_at: to_ms(r.received_at),
                    })
                    .collect();
                fx.readings += super::insert_readings(c, &rows)? as u64;
            }
        }
    }
    Ok(fx)
}

fn change(v: &vtn_core::model::Ven) -> VenChange {
    VenChange {
        ven_id: v.ven_id.clone(),
        registration_id: v.registration_id.as_ref().map(|r| r.to_string()),
        push_address: v.push_address().map(str::to_string),
        fingerprint: v.cert_fingerprint.clone(),
    }
}
