//! An in-memory store: a [`View`] that applies [`StoreOp`]s with the same
//! meaning as the database does. Decisions are tested against it with a
//! chosen clock and ids, no database involved.

use std::collections::BTreeMap;

use adr_schema::{Timestamp, VenId};

use crate::error::Result;
use crate::events::StoredEvent;
use crate::model::{
    EventAnswer, EventRecord, Opt, Pending, PendingKind, Reading, ReportRegistration,
    ReportRequest, Ven,
};
use crate::ops::StoreOp;
use crate::view::View;

#[derive(Debug, Default)]
pub struct MemView {
    pub vens: BTreeMap<String, Ven>,
    pub events: BTreeMap<String, EventRecord>,
    pub pending: BTreeMap<i64, Pending>,
    next_pending_id: i64,
    pub answers: Vec<EventAnswer>,
    pub opts: BTreeMap<(String, String), Opt>,
    pub registrations: BTreeMap<(String, String), ReportRegistration>,
    pub requests: BTreeMap<String, ReportRequest>,
    pub readings: Vec<Reading>,
    /// Push VENs woken by the last [`MemView::apply`].
    pub woken: Vec<VenId>,
}

impl MemView {
    /// Apply one decision's operations, in order, as the store does.
    pub fn apply(&mut self, ops: &[StoreOp], now: Timestamp) {
        self.woken.clear();
        for op in ops {
            match op.clone() {
                StoreOp::InsertVen(v) | StoreOp::UpdateVen(v) => {
                    self.vens.insert(v.ven_id.to_string(), v);
                }
                StoreOp::Contact(_) => {}
                StoreOp::Enqueue {
                    ven,
                    kind,
                    body,
                    push,
                } => {
                    let existing = (kind == PendingKind::Distribute)
                        .then(|| {
                            self.pending
                                .values_mut()
                                .find(|p| p.ven_id == ven && p.kind == kind)
                        })
                        .flatten();
                    match existing {
                        Some(p) => p.generation += 1,
                        None => {
                            self.next_pending_id += 1;
                            let id = self.next_pending_id;
                            self.pending.insert(
                                id,
                                Pending {
                                    id,
                                    ven_id: ven.clone(),
                                    kind,
                                    body,
                                    generation: 0,
                                    created_at: now,
                                },
                            );
                        }
                    }
                    if push {
                        self.woken.push(ven);
                    }
                }
                StoreOp::Delivered { id, generation, .. } => {
                    if self
                        .pending
                        .get(&id)
                        .is_some_and(|p| p.generation == generation)
                    {
                        self.pending.remove(&id);
                    }
                }
                StoreOp::DropPending { ven, kind } => self
                    .pending
                    .retain(|_, p| !(p.ven_id == ven && kind.is_none_or(|k| k == p.kind))),
                StoreOp::ExpirePending { id, .. } => {
                    self.pending.remove(&id);
                }
                StoreOp::SaveEvent { event, status } => {
                    self.events
                        .insert(event.event_id.clone(), EventRecord { event, status });
                }
                StoreOp::SetEventStatus { event_id, status } => {
                    if let Some(e) = self.events.get_mut(&event_id) {
                        e.status = status;
                    }
                }
                StoreOp::SaveEventAnswer(a) => {
                    self.answers.retain(|x| {
                        !(x.event_id == a.event_id
                            && x.ven_id == a.ven_id
                            && x.modification_number == a.modification_number)
                    });
                    self.answers.push(a);
                }
                StoreOp::SaveOpt(o) => {
                    self.opts
                        .insert((o.ven_id.to_string(), o.opt_id.clone()), o);
                }
                StoreOp::CancelOpt { ven, opt_id, at } => {
                    if let Some(o) = self.opts.get_mut(&(ven.to_string(), opt_id)) {
                        o.cancelled_at.get_or_insert(at);
                    }
                }
                StoreOp::SaveReportRegistration(r) => {
                    self.registrations.insert(
                        (r.ven_id.to_string(), r.offer.report_specifier_id.clone()),
                        r,
                    );
                }
                StoreOp::InsertReportRequest(r) => {
                    self.requests.insert(r.report_request_id.clone(), r);
                }
                StoreOp::SetReportRequestState { id, state, at } => {
                    if let Some(r) = self.requests.get_mut(&id) {
                        r.state = state;
                        r.updated_at = at;
                    }
                }
                StoreOp::CloseReportRequests {
                    ven,
                    report_specifier_id,
                    state,
                    at,
                } => {
                    for r in self.requests.values_mut().filter(|r| {
                        r.ven_id == ven
                            && r.state.is_open()
                            && report_specifier_id
                                .as_ref()
                                .is_none_or(|s| *s == r.report_specifier_id)
                    }) {
                        r.state = state;
                        r.updated_at = at;
                    }
                }
                StoreOp::InsertReadings(rows) => {
                    for r in rows {
                        let dup = self.readings.iter().any(|x| {
                            x.ven_id == r.ven_id
                                && x.report_specifier_id == r.report_specifier_id
                                && x.rid == r.rid
                                && x.dtstart == r.dtstart
                        });
                        if !dup {
                            self.readings.push(r);
                        }
                    }
                }
            }
        }
    }

    pub fn pending_of(&self, ven: &VenId) -> Vec<&Pending> {
        self.pending.values().filter(|p| p.ven_id == *ven).collect()
    }

    pub fn event_of(&self, id: &str) -> Option<&StoredEvent> {
        self.events.get(id).map(|r| &r.event)
    }
}

impl View for MemView {
    fn ven(&self, id: &str) -> Result<Option<Ven>> {
        Ok(self.vens.get(id).cloned())
    }
    fn ven_by_registration(&self, registration_id: &str) -> Result<Option<Ven>> {
        Ok(self
            .vens
            .values()
            .find(|v| {
                v.registration_id
                    .as_ref()
                    .is_some_and(|r| r.as_str() == registration_id)
            })
            .cloned())
    }
    fn ven_by_name(&self, name: &str) -> Result<Option<Ven>> {
        Ok(self
            .vens
            .values()
            .find(|v| v.ven_name.as_deref() == Some(name))
            .cloned())
    }
    fn ven_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Ven>> {
        Ok(self
            .vens
            .values()
            .find(|v| v.cert_fingerprint.as_deref() == Some(fingerprint))
            .cloned())
    }
    fn vens(&self) -> Result<Vec<Ven>> {
        Ok(self.vens.values().cloned().collect())
    }
    fn event(&self, id: &str) -> Result<Option<EventRecord>> {
        Ok(self.events.get(id).cloned())
    }
    fn current_events(&self, now: Timestamp) -> Result<Vec<EventRecord>> {
        let hour_ago = now - chrono::Duration::hours(1);
        let mut out: Vec<EventRecord> = self
            .events
            .values()
            .filter(|r| r.event.spec.end() > now || r.event.modified_at > hour_ago)
            .cloned()
            .collect();
        out.sort_by_key(|r| r.event.spec.dtstart);
        Ok(out)
    }
    fn live_events(&self) -> Result<Vec<EventRecord>> {
        use adr_schema::EventStatus as S;
        Ok(self
            .events
            .values()
            .filter(|r| !matches!(r.status, S::Completed | S::Cancelled))
            .cloned()
            .collect())
    }
    fn next_pending(&self, ven: &VenId) -> Result<Option<Pending>> {
        Ok(self.pending.values().find(|p| p.ven_id == *ven).cloned())
    }
    fn pending(&self, id: i64) -> Result<Option<Pending>> {
        Ok(self.pending.get(&id).cloned())
    }
    fn pending_before(&self, before: Timestamp) -> Result<Vec<Pending>> {
        Ok(self
            .pending
            .values()
            .filter(|p| p.created_at < before)
            .cloned()
            .collect())
    }
    fn opt(&self, ven: &VenId, opt_id: &str) -> Result<Option<Opt>> {
        Ok(self
            .opts
            .get(&(ven.to_string(), opt_id.to_string()))
            .cloned())
    }
    fn report_registration(&self, ven: &VenId, spec: &str) -> Result<Option<ReportRegistration>> {
        Ok(self
            .registrations
            .get(&(ven.to_string(), spec.to_string()))
            .cloned())
    }
    fn report_request(&self, id: &str) -> Result<Option<ReportRequest>> {
        Ok(self.requests.get(id).cloned())
    }
    fn report_requests_of(&self, ven: &VenId) -> Result<Vec<ReportRequest>> {
        let mut out: Vec<ReportRequest> = self
            .requests
            .values()
            .filter(|r| r.ven_id == *ven)
            .cloned()
            .collect();
        out.sort_by_key(|r| r.created_at);
        Ok(out)
    }
    fn overdue_report_requests(&self, now: Timestamp) -> Result<Vec<ReportRequest>> {
        Ok(self
            .requests
            .values()
            .filter(|r| {
                r.state.is_open()
                    && (r.interval_end.is_some_and(|e| e < now)
                        || (r.state == crate::model::ReportRequestState::Requested
                            && r.deadline.is_some_and(|d| d < now)))
            })
            .cloned()
            .collect())
    }
    fn event_answers(&self, event_id: &str) -> Result<Vec<EventAnswer>> {
        Ok(self
            .answers
            .iter()
            .filter(|a| a.event_id == event_id)
            .cloned()
            .collect())
    }
}
