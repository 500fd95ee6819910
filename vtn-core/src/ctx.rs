//! What a decision knows besides the message and the store: the VTN's
//! policy, the time, who is on the other end, and where new ids come from.

use std::cell::Cell;

use adr_schema::{Duration, Timestamp, VtnId};

/// The VTN's settings that decisions depend on.
#[derive(Clone, Debug)]
pub struct Policy {
    pub vtn_id: VtnId,
    pub poll_freq: Duration,
    /// How long before dtstart an event is `near` (unless it says x-eiRampUp).
    pub near_window: Duration,
    /// Granularity and report-back duration asked of telemetry reports.
    pub report_granularity: Duration,
    /// How long a VEN has to confirm a report request.
    pub report_deadline: Duration,
    /// How long an undelivered message stays queued.
    pub queue_ttl: Duration,
    /// How far back a reading may be dated (a HISTORY request's own window
    /// is always accepted).
    pub reading_window: Duration,
    /// How far ahead of the VTN's clock a reading may be dated.
    pub clock_skew: Duration,
    /// Open: any VEN may register (and bind its first certificate);
    /// provisioned: only VENs an operator added (by certificate, or by name
    /// over plain HTTP).
    pub open_registration: bool,
    /// The VTN is served over TLS (push only to https://).
    pub tls: bool,
}

/// Fresh ids for registrations, requests, events and report requests.
/// Injected, so tests get predictable ids.
pub trait Ids {
    fn next_id(&self) -> String;
}

/// `id-1`, `id-2`, ...: for tests.
#[derive(Debug, Default)]
pub struct SeqIds(Cell<u64>);

impl Ids for SeqIds {
    fn next_id(&self) -> String {
        let n = self.0.get() + 1;
        self.0.set(n);
        format!("id-{n}")
    }
}

/// Everything a decision reads besides the view.
pub struct Ctx<'a> {
    pub policy: &'a Policy,
    pub now: Timestamp,
    /// The peer's TLS client certificate fingerprint (normalised, 29
    /// characters). `Some` on a TLS listener: every message must then come
    /// from the certificate bound to the venID it names.
    pub peer_fingerprint: Option<String>,
    /// Whether this request may add a VEN the VTN does not know yet (the
    /// edge's per-source limit on new registrations; true for operators).
    pub new_vens_allowed: bool,
    pub ids: &'a dyn Ids,
}

impl Ctx<'_> {
    pub fn new_id(&self) -> String {
        self.ids.next_id()
    }
}
