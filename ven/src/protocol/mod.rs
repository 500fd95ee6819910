//! The VEN's protocol core: pure, sans-IO.
//!
//! A parsed [`Message`] and the current time go in; messages to send and
//! [`Action`]s for the device and the store come out. Nothing here opens a
//! socket, touches the database or reads the clock, so every rule is unit
//! tested with hand-made messages and hand-picked times.
//!
//! Registration is a typestate: [`Unregistered`] can only query and register;
//! the poller, event book and report book live in [`Registered`], which only
//! a successful `oadrCreatedPartyRegistration` produces.

pub mod backoff;
pub mod delivery;
pub mod events;
pub mod opt;
pub mod registration;
pub mod reports;
pub mod schedule;
#[cfg(test)]
pub(crate) mod tests;

use adr_schema::{
    Message, OptType, ReportRequestId, ReportSpecifierId, RequestId, ResponseCode, Rid, Timestamp,
};

pub use events::{EventBook, SignalCommand};
pub use opt::{Decision, OptPolicy, Window};
pub use registration::{Registered, Registration, Session, Unregistered, VenProfile};
pub use reports::{DataPoint, Reading, ReportBook, ReportKind, Value};

pub use adr_schema::Service;

/// What the IO edge must do after the core handled a message or a tick.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Put the device at this level (0 = normal operation).
    Apply(SignalCommand),
    /// An opt decision, with its reason (logged, and kept for tests).
    Decided {
        event_id: String,
        modification_number: u32,
        decision: Decision,
    },
    /// Read the device and store one reading per data point, covering
    /// `[dtstart, dtstart + granularity)`, in the outbox.
    Sample {
        kind: ReportKind,
        report_request_id: ReportRequestId,
        report_specifier_id: ReportSpecifierId,
        points: Vec<(Rid, DataPoint)>,
        dtstart: Timestamp,
        granularity: chrono::Duration,
    },
    /// Copy stored history for `[from, to)` into the outbox (HISTORY_USAGE).
    History {
        kind: ReportKind,
        report_request_id: ReportRequestId,
        report_specifier_id: ReportSpecifierId,
        points: Vec<(Rid, DataPoint)>,
        from: Timestamp,
        to: Timestamp,
        granularity: chrono::Duration,
    },
    /// Deliver everything in the outbox now.
    Flush,
    /// The VTN answered an error we cannot fix by ourselves.
    VtnError {
        code: ResponseCode,
        description: String,
    },
}

/// What becomes of the registration after a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Next {
    #[default]
    Stay,
    /// The VTN asked us to register again (oadrRequestReregistration, or 463).
    Reregister,
    /// The VTN cancelled our registration: forget the ids.
    Cancelled,
}

/// The result of handling one message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// The answer to the handled message. In push mode it is the HTTP
    /// response body; in pull mode it is sent to the VTN as a new request.
    pub reply: Option<Message>,
    /// New requests for the VTN (e.g. oadrCreatedEvent, oadrCreatedReport).
    pub send: Vec<Message>,
    pub actions: Vec<Action>,
    pub next: Next,
}

/// A fresh request id.
pub fn request_id() -> RequestId {
    RequestId::new(uuid::Uuid::new_v4().simple().to_string()).expect("a uuid is a valid id")
}

pub(crate) fn opt_name(o: OptType) -> &'static str {
    match o {
        OptType::OptIn => "optIn",
        OptType::OptOut => "optOut",
    }
}
