//! What the store holds, as the decisions see it: typed ids, enums for
//! states and queue kinds, timestamps rather than milliseconds. The store
//! converts its rows into these (a value that does not convert is an
//! [`Error::Corrupt`](crate::Error::Corrupt) naming the row).

use std::fmt;
use std::str::FromStr;

use adr_schema::{
    EventStatus, OptType, ProfileName, RegistrationId, Service, Timestamp, TransportName, VenId,
};
use serde::Serialize;

use crate::events::{StoredEvent, VenProfile};

/// A VEN known to the VTN (provisioned, registered, or registered before).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ven {
    pub ven_id: VenId,
    pub ven_name: Option<String>,
    /// `None` while not registered.
    pub registration_id: Option<RegistrationId>,
    pub profile_name: ProfileName,
    pub transport_name: TransportName,
    pub transport_address: Option<String>,
    pub http_pull_model: bool,
    pub report_only: bool,
    pub xml_signature: bool,
    pub groups: Vec<String>,
    pub resources: Vec<String>,
    pub party_id: Option<String>,
    /// The bound client certificate (normalised fingerprint).
    pub cert_fingerprint: Option<String>,
    pub created_at: Timestamp,
    pub registered_at: Option<Timestamp>,
    pub last_contact: Option<Timestamp>,
}

impl Ven {
    /// A VEN the VTN has not seen before, with defaults for everything the
    /// registration does not say.
    pub fn new(ven_id: VenId, now: Timestamp) -> Ven {
        Ven {
            ven_id,
            ven_name: None,
            registration_id: None,
            profile_name: ProfileName::V20b,
            transport_name: TransportName::SimpleHttp,
            transport_address: None,
            http_pull_model: true,
            report_only: false,
            xml_signature: false,
            groups: vec![],
            resources: vec![],
            party_id: None,
            cert_fingerprint: None,
            created_at: now,
            registered_at: None,
            last_contact: None,
        }
    }

    pub fn is_registered(&self) -> bool {
        self.registration_id.is_some()
    }

    /// Provisioned as a 2.0a VEN (EiEvent only, pulled with oadrRequestEvent).
    pub fn is_profile_a(&self) -> bool {
        self.profile_name == adr_schema::ProfileName::V20a
    }

    /// The facts targeting looks at.
    pub fn profile(&self) -> VenProfile {
        VenProfile {
            ven_id: self.ven_id.clone(),
            ven_name: self.ven_name.clone(),
            groups: self.groups.clone(),
            resources: self.resources.clone(),
            party_id: self.party_id.clone(),
        }
    }

    /// The address to POST to, for a push VEN.
    pub fn push_address(&self) -> Option<&str> {
        (!self.http_pull_model)
            .then_some(self.transport_address.as_deref())
            .flatten()
    }
}

/// Defines a closed enum stored as text, with `as_str`, `FromStr` and `Display`.
macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err(format!("{s:?} is not a {}", stringify!($name))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// What a queued message is. A distribute carries no body: it is written
    /// at delivery from the events current then, so one queued copy carries
    /// every change.
    PendingKind {
        Distribute = "distribute",
        CreateReport = "create_report",
        CancelReport = "cancel_report",
        RequestReregistration = "request_reregistration",
        CancelRegistration = "cancel_registration",
        RegisterReport = "register_report",
    }
}

impl PendingKind {
    /// The service a message of this kind is pushed to.
    pub fn service(&self) -> Service {
        match self {
            PendingKind::Distribute => Service::EiEvent,
            PendingKind::RequestReregistration | PendingKind::CancelRegistration => {
                Service::EiRegisterParty
            }
            PendingKind::CreateReport | PendingKind::CancelReport | PendingKind::RegisterReport => {
                Service::EiReport
            }
        }
    }
}

stored_enum! {
    /// requested → active (oadrCreatedReport or data seen) → cancelling →
    /// cancelled; `unacknowledged` past the deadline; `superseded` when the
    /// VEN registers the report again; `completed` when its interval ended.
    ReportRequestState {
        Requested = "requested",
        Active = "active",
        Unacknowledged = "unacknowledged",
        Cancelling = "cancelling",
        Cancelled = "cancelled",
        Superseded = "superseded",
        Completed = "completed",
    }
}

impl ReportRequestState {
    /// Still expected to produce data.
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            ReportRequestState::Requested
                | ReportRequestState::Active
                | ReportRequestState::Unacknowledged
        )
    }
    /// Not yet confirmed by the VEN (an oadrCreatedReport or data confirms).
    pub fn awaits_confirmation(&self) -> bool {
        matches!(
            self,
            ReportRequestState::Requested | ReportRequestState::Unacknowledged
        )
    }
}

/// A message queued for one VEN. `generation` grows each time a queued
/// distribute is asked for again, so a delivery removes only the version it
/// sent (see [`crate::delivery`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pending {
    pub id: i64,
    pub ven_id: VenId,
    pub kind: PendingKind,
    pub body: String,
    pub generation: i64,
    pub created_at: Timestamp,
}

/// An event and the status last stored for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRecord {
    pub event: StoredEvent,
    pub status: EventStatus,
}

/// A VEN's oadrCreatedEvent answer for one event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventAnswer {
    pub event_id: String,
    pub ven_id: VenId,
    pub modification_number: u32,
    pub opt_type: OptType,
    pub response_code: u16,
    pub received_at: Timestamp,
}

/// An oadrCreateOpt: for one event, or availability windows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Opt {
    pub ven_id: VenId,
    pub opt_id: String,
    pub opt_type: OptType,
    pub opt_reason: String,
    pub market_context: Option<String>,
    pub event_id: Option<String>,
    pub modification_number: Option<u32>,
    /// Availability windows `[start, end)`.
    pub windows: Vec<(Timestamp, Timestamp)>,
    /// The opt's eiTarget, as JSON (kept for the operator, not decided on).
    pub target_json: String,
    pub created_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
}

/// A report a VEN offered (its METADATA), as the VTN keeps it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRegistration {
    pub ven_id: VenId,
    pub offer: crate::reports::OfferedReport,
    pub registered_at: Timestamp,
}

/// A report the VTN asked a VEN for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRequest {
    pub report_request_id: String,
    pub ven_id: VenId,
    pub report_specifier_id: String,
    pub report_name: String,
    pub rids: Vec<String>,
    pub granularity: adr_schema::Duration,
    pub report_back_duration: adr_schema::Duration,
    pub interval_start: Option<Timestamp>,
    pub interval_end: Option<Timestamp>,
    pub state: ReportRequestState,
    pub created_at: Timestamp,
    pub deadline: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// One reading of an oadrUpdateReport, as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    pub ven_id: VenId,
    pub report_request_id: String,
    pub report_specifier_id: String,
    pub report_name: Option<String>,
    pub rid: String,
    pub dtstart: Timestamp,
    pub duration_secs: Option<f64>,
    pub value: Option<f64>,
    /// An `oadrPayloadResourceStatus`, as JSON.
    pub status_json: Option<String>,
    pub confidence: Option<u32>,
    pub accuracy: Option<f64>,
    pub data_quality: Option<String>,
    pub received_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for k in PendingKind::ALL {
            assert_eq!(k.as_str().parse::<PendingKind>().unwrap(), *k);
        }
        for s in ReportRequestState::ALL {
            assert_eq!(s.as_str().parse::<ReportRequestState>().unwrap(), *s);
        }
        assert!("Distribute".parse::<PendingKind>().is_err());
    }
}
