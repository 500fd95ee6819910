//! The decision core's read-only [`View`] over one SQLite transaction, and
//! the conversions from rows to the core's typed model. A stored value that
//! does not convert is an error naming its row, never a silent default.

use std::cell::RefCell;

use adr_schema::{Timestamp, VenId};
use diesel::prelude::*;
use vtn_core::model::{
    EventAnswer, EventRecord, Opt, Pending, ReportRegistration, ReportRequest, ReportRequestState,
    Ven,
};
use vtn_core::{Error, View};

use super::schema::*;
use super::{
    Conn, EventResponseRow, OptRow, PendingRow, ReportRegistrationRow, ReportRequestRow, VenRow,
};
use crate::clock::{from_ms, to_ms};

/// A view over a connection (inside the caller's transaction).
pub struct SqliteView<'c>(RefCell<&'c mut Conn>);

impl<'c> SqliteView<'c> {
    pub fn new(c: &'c mut Conn) -> Self {
        SqliteView(RefCell::new(c))
    }
    /// Run a store function on the connection, its error as the core's.
    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> crate::error::Result<T>) -> vtn_core::Result<T> {
        let mut c = self.0.borrow_mut();
        f(&mut c).map_err(|e| Error::Store(e.to_string()))
    }
}

fn corrupt(what: String) -> impl Fn(String) -> Error {
    move |detail| Error::corrupt(what.clone(), detail)
}

fn json_list(what: &str, s: &str) -> vtn_core::Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| Error::corrupt(what, e))
}

impl TryFrom<VenRow> for Ven {
    type Error = Error;
    fn try_from(r: VenRow) -> vtn_core::Result<Ven> {
        let what = format!("vens row {:?}", r.ven_id);
        let bad = corrupt(what.clone());
        Ok(Ven {
            ven_id: VenId::new(r.ven_id.clone()).map_err(|e| bad(e.to_string()))?,
            ven_name: r.ven_name,
            registration_id: r
                .registration_id
                .map(adr_schema::RegistrationId::new)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            profile_name: r.profile_name.parse().map_err(&bad)?,
            transport_name: r.transport_name.parse().map_err(&bad)?,
            transport_address: r.transport_address,
            http_pull_model: r.http_pull_model,
            report_only: r.report_only,
            xml_signature: r.xml_signature,
            groups: json_list(&format!("{what} groups_json"), &r.groups_json)?,
            resources: json_list(&format!("{what} resources_json"), &r.resources_json)?,
            party_id: r.party_id,
            cert_fingerprint: r.cert_fingerprint,
            created_at: from_ms(r.created_at),
            registered_at: r.registered_at.map(from_ms),
            last_contact: r.last_contact.map(from_ms),
        })
    }
}

impl From<&Ven> for VenRow {
    fn from(v: &Ven) -> VenRow {
        VenRow {
            ven_id: v.ven_id.to_string(),
            ven_name: v.ven_name.clone(),
            registration_id: v.registration_id.as_ref().map(|r| r.to_string()),
            profile_name: v.profile_name.to_string(),
            transport_name: v.transport_name.to_string(),
            transport_address: v.transport_address.clone(),
            http_pull_model: v.http_pull_model,
            report_only: v.report_only,
            xml_signature: v.xml_signature,
            groups_json: serde_json::to_string(&v.groups).unwrap_or_else(|_| "[]".into()),
            resources_json: serde_json::to_string(&v.resources).unwrap_or_else(|_| "[]".into()),
            party_id: v.party_id.clone(),
            cert_fingerprint: v.cert_fingerprint.clone(),
            created_at: to_ms(v.created_at),
            registered_at: v.registered_at.map(to_ms),
            last_contact: v.last_contact.map(to_ms),
        }
    }
}

impl TryFrom<PendingRow> for Pending {
    type Error = Error;
    fn try_from(r: PendingRow) -> vtn_core::Result<Pending> {
        let bad = corrupt(format!("pending_messages row {}", r.id));
        Ok(Pending {
            id: r.id,
            ven_id: VenId::new(r.ven_id).map_err(|e| bad(e.to_string()))?,
            kind: r.kind.parse().map_err(&bad)?,
            body: r.body,
            generation: r.generation,
            created_at: from_ms(r.created_at),
        })
    }
}

impl TryFrom<OptRow> for Opt {
    type Error = Error;
    fn try_from(r: OptRow) -> vtn_core::Result<Opt> {
        let bad = corrupt(format!("opts row ({:?}, {:?})", r.ven_id, r.opt_id));
        let windows: Vec<[i64; 2]> =
            serde_json::from_str(&r.schedule_json).map_err(|e| bad(e.to_string()))?;
        Ok(Opt {
            ven_id: VenId::new(r.ven_id).map_err(|e| bad(e.to_string()))?,
            opt_id: r.opt_id,
            opt_type: r.opt_type.parse().map_err(&bad)?,
            opt_reason: r.opt_reason,
            market_context: r.market_context,
            event_id: r.event_id,
            modification_number: r
                .modification_number
                .map(|m| u32::try_from(m).map_err(|e| bad(e.to_string())))
                .transpose()?,
            windows: windows
                .into_iter()
                .map(|[a, b]| (from_ms(a), from_ms(b)))
                .collect(),
            target_json: r.target_json,
            created_at: from_ms(r.created_at),
            cancelled_at: r.cancelled_at.map(from_ms),
        })
    }
}

impl From<&Opt> for OptRow {
    fn from(o: &Opt) -> OptRow {
        let windows: Vec<[i64; 2]> = o
            .windows
            .iter()
            .map(|(a, b)| [to_ms(*a), to_ms(*b)])
            .collect();
        OptRow {
            ven_id: o.ven_id.to_string(),
            opt_id: o.opt_id.clone(),
            opt_type: o.opt_type.to_string(),
            opt_reason: o.opt_reason.clone(),
            market_context: o.market_context.clone(),
            event_id: o.event_id.clone(),
            modification_number: o.modification_number.map(|m| m as i32),
            schedule_json: serde_json::to_string(&windows).unwrap_or_else(|_| "[]".into()),
            target_json: o.target_json.clone(),
            created_at: to_ms(o.created_at),
            cancelled_at: o.cancelled_at.map(to_ms),
        }
    }
}

impl TryFrom<ReportRegistrationRow> for ReportRegistration {
    type Error = Error;
    fn try_from(r: ReportRegistrationRow) -> vtn_core::Result<ReportRegistration> {
        let bad = corrupt(format!(
            "report_registrations row ({:?}, {:?})",
            r.ven_id, r.report_specifier_id
        ));
        Ok(ReportRegistration {
            ven_id: VenId::new(r.ven_id).map_err(|e| bad(e.to_string()))?,
            offer: serde_json::from_str(&r.descriptions_json).map_err(|e| bad(e.to_string()))?,
            registered_at: from_ms(r.registered_at),
        })
    }
}

impl TryFrom<ReportRequestRow> for ReportRequest {
    type Error = Error;
    fn try_from(r: ReportRequestRow) -> vtn_core::Result<ReportRequest> {
        let bad = corrupt(format!("report_requests row {:?}", r.report_request_id));
        Ok(ReportRequest {
            ven_id: VenId::new(r.ven_id).map_err(|e| bad(e.to_string()))?,
            report_specifier_id: r.report_specifier_id,
            report_name: r.report_name,
            rids: serde_json::from_str(&r.rids_json).map_err(|e| bad(e.to_string()))?,
            granularity: r.granularity.parse().map_err(&bad)?,
            report_back_duration: r.report_back_duration.parse().map_err(&bad)?,
            interval_start: r.interval_start.map(from_ms),
            interval_end: r.interval_end.map(from_ms),
            state: r.state.parse().map_err(&bad)?,
            created_at: from_ms(r.created_at),
            deadline: r.deadline.map(from_ms),
            updated_at: from_ms(r.updated_at),
            report_request_id: r.report_request_id,
        })
    }
}

impl From<&ReportRequest> for ReportRequestRow {
    fn from(r: &ReportRequest) -> ReportRequestRow {
        ReportRequestRow {
            report_request_id: r.report_request_id.clone(),
            ven_id: r.ven_id.to_string(),
            report_specifier_id: r.report_specifier_id.clone(),
            report_name: r.report_name.clone(),
            rids_json: serde_json::to_string(&r.rids).unwrap_or_else(|_| "[]".into()),
            granularity: r.granularity.to_string(),
            report_back_duration: r.report_back_duration.to_string(),
            interval_start: r.interval_start.map(to_ms),
            interval_end: r.interval_end.map(to_ms),
            state: r.state.to_string(),
            created_at: to_ms(r.created_at),
            deadline: r.deadline.map(to_ms),
            updated_at: to_ms(r.updated_at),
        }
    }
}

impl TryFrom<EventResponseRow> for EventAnswer {
    type Error = Error;
    fn try_from(r: EventResponseRow) -> vtn_core::Result<EventAnswer> {
        let bad = corrupt(format!(
            "event_responses row ({:?}, {:?}, {})",
            r.event_id, r.ven_id, r.modification_number
        ));
        Ok(EventAnswer {
            ven_id: VenId::new(r.ven_id).map_err(|e| bad(e.to_string()))?,
            modification_number: u32::try_from(r.modification_number)
                .map_err(|e| bad(e.to_string()))?,
            opt_type: r.opt_type.parse().map_err(&bad)?,
            response_code: u16::try_from(r.response_code).map_err(|e| bad(e.to_string()))?,
            received_at: from_ms(r.received_at),
            event_id: r.event_id,
        })
    }
}

fn convert<R, T: TryFrom<R, Error = Error>>(rows: Vec<R>) -> vtn_core::Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

fn convert_opt<R, T: TryFrom<R, Error = Error>>(row: Option<R>) -> vtn_core::Result<Option<T>> {
    row.map(T::try_from).transpose()
}

impl View for SqliteView<'_> {
    fn ven(&self, id: &str) -> vtn_core::Result<Option<Ven>> {
        convert_opt(self.with(|c| super::find_ven(c, id))?)
    }
    fn ven_by_registration(&self, registration_id: &str) -> vtn_core::Result<Option<Ven>> {
        convert_opt(self.with(|c| {
            Ok(vens::table
                .filter(vens::registration_id.eq(registration_id))
                .select(VenRow::as_select())
                .first(c)
                .optional()?)
        })?)
    }
    fn ven_by_name(&self, name: &str) -> vtn_core::Result<Option<Ven>> {
        convert_opt(self.with(|c| super::find_ven_by_name(c, name))?)
    }
    fn ven_by_fingerprint(&self, fingerprint: &str) -> vtn_core::Result<Option<Ven>> {
        convert_opt(self.with(|c| super::find_ven_by_fingerprint(c, fingerprint))?)
    }
    fn vens(&self) -> vtn_core::Result<Vec<Ven>> {
        convert(self.with(super::list_vens)?)
    }
    fn event(&self, id: &str) -> vtn_core::Result<Option<EventRecord>> {
        self.with(|c| super::get_event(c, id))
    }
    fn current_events(&self, now: Timestamp) -> vtn_core::Result<Vec<EventRecord>> {
        self.with(|c| super::current_events(c, to_ms(now)))
    }
    fn live_events(&self) -> vtn_core::Result<Vec<EventRecord>> {
        self.with(super::live_events)
    }
    fn next_pending(&self, ven: &VenId) -> vtn_core::Result<Option<Pending>> {
        convert_opt(self.with(|c| super::first_pending(c, ven.as_str()))?)
    }
    fn pending(&self, id: i64) -> vtn_core::Result<Option<Pending>> {
        convert_opt(self.with(|c| {
            Ok(pending_messages::table
                .find(id)
                .select(PendingRow::as_select())
                .first(c)
                .optional()?)
        })?)
    }
    fn pending_before(&self, before: Timestamp) -> vtn_core::Result<Vec<Pending>> {
        convert(self.with(|c| {
            Ok(pending_messages::table
                .filter(pending_messages::created_at.lt(to_ms(before)))
                .order(pending_messages::id.asc())
                .select(PendingRow::as_select())
                .load(c)?)
        })?)
    }
    fn opt(&self, ven: &VenId, opt_id: &str) -> vtn_core::Result<Option<Opt>> {
        convert_opt(self.with(|c| super::find_opt(c, ven.as_str(), opt_id))?)
    }
    fn report_registration(
        &self,
        ven: &VenId,
        spec: &str,
    ) -> vtn_core::Result<Option<ReportRegistration>> {
        convert_opt(self.with(|c| {
            Ok(report_registrations::table
                .find((ven.as_str(), spec))
                .select(ReportRegistrationRow::as_select())
                .first(c)
                .optional()?)
        })?)
    }
    fn report_request(&self, id: &str) -> vtn_core::Result<Option<ReportRequest>> {
        convert_opt(self.with(|c| super::find_report_request(c, id))?)
    }
    fn report_requests_of(&self, ven: &VenId) -> vtn_core::Result<Vec<ReportRequest>> {
        convert(self.with(|c| super::report_requests_of(c, Some(ven.as_str())))?)
    }
    fn overdue_report_requests(&self, now: Timestamp) -> vtn_core::Result<Vec<ReportRequest>> {
        let open: Vec<&str> = ReportRequestState::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        let now = to_ms(now);
        convert(self.with(|c| {
            Ok(report_requests::table
                .filter(report_requests::state.eq_any(open))
                .filter(
                    report_requests::interval_end
                        .lt(now)
                        .or(report_requests::state
                            .eq(ReportRequestState::Requested.as_str())
                            .and(report_requests::deadline.lt(now))),
                )
                .select(ReportRequestRow::as_select())
                .load(c)?)
        })?)
    }
    fn event_answers(&self, event_id: &str) -> vtn_core::Result<Vec<EventAnswer>> {
        convert(self.with(|c| super::event_responses_for(c, event_id))?)
    }
}
