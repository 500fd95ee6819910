//! What a decision asks the store to do. The store applies the operations
//! of one decision in one transaction, in order, and the VTN's in-memory
//! registry is updated from the same list (never by hand beside a write).

use adr_schema::{EventStatus, Timestamp, VenId};

use crate::events::StoredEvent;
use crate::model::{
    EventAnswer, Opt, PendingKind, Reading, ReportRegistration, ReportRequest, ReportRequestState,
    Ven,
};

#[derive(Clone, Debug, PartialEq)]
pub enum StoreOp {
    InsertVen(Ven),
    UpdateVen(Ven),
    /// The VEN was heard from (for `last_contact`; no row is written now).
    Contact(VenId),
    /// Queue a message. A distribute already queued for the VEN is not
    /// queued twice: its generation is bumped instead, so a delivery in
    /// flight does not remove it and the VEN hears the change next.
    /// `push`: wake the push worker for this VEN.
    Enqueue {
        ven: VenId,
        kind: PendingKind,
        body: String,
        push: bool,
    },
    /// A queued message was delivered: remove it if it is still the
    /// generation that was sent.
    Delivered {
        ven: VenId,
        id: i64,
        generation: i64,
    },
    /// Drop a VEN's queued messages of one kind (all kinds with `None`).
    DropPending {
        ven: VenId,
        kind: Option<PendingKind>,
    },
    /// Drop one queued message whatever its generation (expired).
    ExpirePending {
        ven: VenId,
        id: i64,
    },
    SaveEvent {
        event: StoredEvent,
        status: EventStatus,
    },
    SetEventStatus {
        event_id: String,
        status: EventStatus,
    },
    SaveEventAnswer(EventAnswer),
    SaveOpt(Opt),
    CancelOpt {
        ven: VenId,
        opt_id: String,
        at: Timestamp,
    },
    SaveReportRegistration(ReportRegistration),
    InsertReportRequest(ReportRequest),
    SetReportRequestState {
        id: String,
        state: ReportRequestState,
        at: Timestamp,
    },
    /// Every open request of a VEN (for one report, or all) gets `state`.
    CloseReportRequests {
        ven: VenId,
        report_specifier_id: Option<String>,
        state: ReportRequestState,
        at: Timestamp,
    },
    InsertReadings(Vec<Reading>),
}

/// A reply plus the operations that must commit with it.
#[derive(Debug)]
pub struct Decision<R> {
    pub reply: R,
    pub ops: Vec<StoreOp>,
}
