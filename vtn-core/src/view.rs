//! The narrow, read-only view of the store that decisions read through.
//! The store implements it over a transaction; [`crate::mem::MemView`]
//! implements it in memory for tests.

use adr_schema::{Timestamp, VenId};

use crate::error::Result;
use crate::model::{
    EventAnswer, EventRecord, Opt, Pending, ReportRegistration, ReportRequest, Ven,
};

pub trait View {
    fn ven(&self, id: &str) -> Result<Option<Ven>>;
    fn ven_by_registration(&self, registration_id: &str) -> Result<Option<Ven>>;
    fn ven_by_name(&self, name: &str) -> Result<Option<Ven>>;
    fn ven_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Ven>>;
    /// Every VEN (for fan-out).
    fn vens(&self) -> Result<Vec<Ven>>;

    fn event(&self, id: &str) -> Result<Option<EventRecord>>;
    /// Events a VEN should still hear about: not ended at `now`, or changed
    /// within the last hour (so a cancellation or last change is delivered).
    fn current_events(&self, now: Timestamp) -> Result<Vec<EventRecord>>;
    /// Events whose stored status may still change with time.
    fn live_events(&self) -> Result<Vec<EventRecord>>;

    /// The oldest queued message of a VEN.
    fn next_pending(&self, ven: &VenId) -> Result<Option<Pending>>;
    fn pending(&self, id: i64) -> Result<Option<Pending>>;
    /// Queued messages created before `before`.
    fn pending_before(&self, before: Timestamp) -> Result<Vec<Pending>>;

    fn opt(&self, ven: &VenId, opt_id: &str) -> Result<Option<Opt>>;
    fn report_registration(&self, ven: &VenId, spec: &str) -> Result<Option<ReportRegistration>>;
    fn report_request(&self, id: &str) -> Result<Option<ReportRequest>>;
    fn report_requests_of(&self, ven: &VenId) -> Result<Vec<ReportRequest>>;
    /// Open requests whose deadline or report interval has passed at `now`.
    fn overdue_report_requests(&self, now: Timestamp) -> Result<Vec<ReportRequest>>;

    fn event_answers(&self, event_id: &str) -> Result<Vec<EventAnswer>>;
}
