//! Request and response bodies of `/api/v1`.

use adr_schema::{
    Duration, EventId, OptId, RegistrationId, ReportRequestId, ReportSpecifierId, Rid, SignalName,
    SignalType, Timestamp, VenId,
};
use serde::{Deserialize, Serialize};
use vtn_core::events::{EventSpec, IntervalSpec, SignalSpec};
use vtn_core::participation::Participation;
use vtn_core::reports::OfferedReport;

pub use vtn_core::operator::ReportAsk;

/// `GET /health`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub vtn_id: String,
    pub vens: usize,
}

/// A VEN as operators see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VenView {
    pub ven_id: VenId,
    pub ven_name: Option<String>,
    pub registered: bool,
    pub registration_id: Option<RegistrationId>,
    pub profile: String,
    pub transport: String,
    pub transport_address: Option<String>,
    pub http_pull_model: bool,
    pub report_only: bool,
    pub xml_signature: bool,
    pub groups: Vec<String>,
    pub resources: Vec<String>,
    pub party_id: Option<String>,
    pub cert_fingerprint: Option<String>,
    #[serde(with = "super::time::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub registered_at: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub last_contact: Option<Timestamp>,
    pub pending_messages: i64,
}

/// `GET /vens/{ven}`: the VEN, its queue, its offered reports and the requests made of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VenDetail {
    #[serde(flatten)]
    pub ven: VenView,
    pub pending: Vec<PendingView>,
    pub reports: Vec<ReportRegistrationView>,
    pub report_requests: Vec<ReportRequestView>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingView {
    pub id: i64,
    pub kind: String,
    #[serde(with = "super::time::opt")]
    pub created_at: Option<Timestamp>,
}

/// `POST /vens`: pre-provision a VEN by name and, for TLS, its certificate
/// fingerprint (without one it may register over plain HTTP by name).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVen {
    pub ven_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_fingerprint: Option<String>,
    /// `2.0b` (default) or `2.0a`: a 2.0a VEN has no registration service,
    /// so provisioning registers it; it pulls with oadrRequestEvent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<adr_schema::ProfileName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ven_id: Option<String>,
}

/// `PATCH /vens/{ven}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
    /// Bind a client certificate fingerprint to this venID ("" unbinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_fingerprint: Option<String>,
}

/// `GET`/`PUT /registration-policy`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyView {
    pub policy: crate::config::RegistrationPolicy,
    #[serde(default)]
    pub tls: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    pub policy: crate::config::RegistrationPolicy,
}

/// An action queued for a VEN's next delivery.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Queued {
    pub queued: String,
}

/// `POST /vens/{ven}/report-requests`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportRequested {
    pub report_request_id: ReportRequestId,
}

/// What an operator sends to create or modify an event. Shorthands (`level`,
/// `price`, `signal_name`) build one signal; `signals` gives full control.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_name: Option<SignalName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_type: Option<SignalType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Vec<IntervalSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<Vec<SignalSpec>>,
    /// "now", an RFC 3339 time, or "+PT5M" (from now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// VEN names (oadrVenName) or venIDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vens: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_ids: Option<Vec<String>>,
    /// Target every registered VEN (instead of naming targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_vens: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_event: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtn_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_required: Option<bool>,
    /// A duration, or "" to clear it on a modification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp_up: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// Modification reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `ei:eiEventBaseline` (2.0b): `{"intervals": [{"duration": "PT10M", "value": 1000}],
    /// "name": ..., "resource_ids": [...]}`; `null` on a modification keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<vtn_core::events::BaselineSpec>,
}

/// An event as operators see it: its last version, status now, and who takes part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventView {
    pub event_id: EventId,
    pub modification_number: u32,
    pub status: String,
    pub cancelled: bool,
    #[serde(with = "super::time::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub modified_at: Option<Timestamp>,
    pub modification_reason: Option<String>,
    #[serde(with = "super::time::opt")]
    pub dtstart: Option<Timestamp>,
    pub duration: Duration,
    pub spec: EventSpec,
    pub participants: usize,
    pub vens: Vec<Participation>,
}

/// The answer to creating, modifying or cancelling an event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventChanged {
    pub event_id: EventId,
    pub modification_number: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One version of an event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventVersionView {
    pub modification_number: i32,
    pub reason: Option<String>,
    #[serde(with = "super::time::opt")]
    pub modified_at: Option<Timestamp>,
    pub spec: Option<EventSpec>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WindowView {
    #[serde(with = "super::time::opt")]
    pub start: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub end: Option<Timestamp>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OptView {
    pub ven_id: VenId,
    pub opt_id: OptId,
    pub opt_type: String,
    pub opt_reason: String,
    pub market_context: Option<String>,
    pub event_id: Option<EventId>,
    pub modification_number: Option<u32>,
    pub schedule: Vec<WindowView>,
    pub target: serde_json::Value,
    #[serde(with = "super::time::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub cancelled_at: Option<Timestamp>,
    pub active: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportRegistrationView {
    pub ven_id: VenId,
    pub report_specifier_id: ReportSpecifierId,
    pub report_name: String,
    #[serde(with = "super::time::opt")]
    pub registered_at: Option<Timestamp>,
    pub offer: Option<OfferedReport>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportRequestView {
    pub report_request_id: ReportRequestId,
    pub ven_id: VenId,
    pub report_specifier_id: ReportSpecifierId,
    pub report_name: String,
    pub rids: Vec<String>,
    pub granularity: String,
    pub report_back_duration: String,
    #[serde(with = "super::time::opt")]
    pub interval_start: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub interval_end: Option<Timestamp>,
    pub state: String,
    #[serde(with = "super::time::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub deadline: Option<Timestamp>,
    #[serde(with = "super::time::opt")]
    pub updated_at: Option<Timestamp>,
}

/// `GET /reports`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportsView {
    pub registrations: Vec<ReportRegistrationView>,
    pub requests: Vec<ReportRequestView>,
}

/// One stored reading.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReadingView {
    pub id: i64,
    pub ven_id: VenId,
    pub report_request_id: ReportRequestId,
    pub report_specifier_id: ReportSpecifierId,
    pub report_name: Option<String>,
    pub rid: Rid,
    #[serde(with = "super::time::opt")]
    pub dtstart: Option<Timestamp>,
    pub duration_secs: Option<f64>,
    pub value: Option<f64>,
    /// An `oadrPayloadResourceStatus`, as JSON.
    pub status: Option<serde_json::Value>,
    pub confidence: Option<i32>,
    pub accuracy: Option<f64>,
    pub data_quality: Option<String>,
    #[serde(with = "super::time::opt")]
    pub received_at: Option<Timestamp>,
}

/// An error body (any non-2xx answer).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub code: u16,
}
