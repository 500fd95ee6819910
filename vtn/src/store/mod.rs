//! Storage: diesel on SQLite, as plain functions over a connection. Callers
//! on the async side go through `web::block` (see [`crate::state::AppState::db`]).
//!
//! Every connection gets WAL, `synchronous = FULL` (an acknowledged message
//! survives power loss; the cost is shared by group commit, see [`writer`]),
//! a busy timeout and foreign keys; writes that read first use `BEGIN
//! IMMEDIATE` (`immediate_transaction`), which `busy_timeout` alone does not
//! make safe.

pub mod apply;
pub mod schema;
pub mod view;
pub mod writer;

pub use apply::{apply, Effects, VenChange};
pub use view::SqliteView;

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use serde::{Deserialize, Serialize};

use crate::error::{Result, VtnError};
use schema::*;
use vtn_core::events::{EventSpec, StoredEvent};
pub use vtn_core::model::EventRecord;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type Pool = diesel::r2d2::Pool<ConnectionManager<SqliteConnection>>;
pub type Conn = SqliteConnection;

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, c: &mut SqliteConnection) -> std::result::Result<(), diesel::r2d2::Error> {
        c.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Open (creating if needed) and migrate the database.
pub fn open(path: &Path) -> Result<Pool> {
    let url = path.to_string_lossy().to_string();
    {
        // WAL is a property of the file: set it once, before the pool opens
        // connections concurrently (they would race for the lock).
        use diesel::Connection;
        let mut c = SqliteConnection::establish(&url)
            .map_err(|e| VtnError::Store(format!("opening {}: {e}", path.display())))?;
        c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        c.run_pending_migrations(MIGRATIONS)
            .map_err(|e| VtnError::Store(format!("migrations: {e}")))?;
    }
    let pool = diesel::r2d2::Pool::builder()
        .max_size(8)
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<SqliteConnection>::new(url))
        .map_err(|e| VtnError::Store(format!("opening {}: {e}", path.display())))?;
    Ok(pool)
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string(v)?)
}

// ---------------------------------------------------------------- VENs

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = vens, treat_none_as_null = true)]
pub struct VenRow {
    pub ven_id: String,
    pub ven_name: Option<String>,
    pub registration_id: Option<String>,
    pub profile_name: String,
    pub transport_name: String,
    pub transport_address: Option<String>,
    pub http_pull_model: bool,
    pub report_only: bool,
    pub xml_signature: bool,
    pub groups_json: String,
    pub resources_json: String,
    pub party_id: Option<String>,
    pub cert_fingerprint: Option<String>,
    pub created_at: i64,
    pub registered_at: Option<i64>,
    pub last_contact: Option<i64>,
}

impl VenRow {
    /// The typed VEN (an error names the row if a stored value is corrupt).
    pub fn to_ven(&self) -> Result<vtn_core::model::Ven> {
        Ok(vtn_core::model::Ven::try_from(self.clone())?)
    }
}

pub fn find_ven(c: &mut Conn, id: &str) -> Result<Option<VenRow>> {
    Ok(vens::table
        .find(id)
        .select(VenRow::as_select())
        .first(c)
        .optional()?)
}

pub fn find_ven_by_name(c: &mut Conn, name: &str) -> Result<Option<VenRow>> {
    Ok(vens::table
        .filter(vens::ven_name.eq(name))
        .select(VenRow::as_select())
        .first(c)
        .optional()?)
}

/// The VEN whose client certificate has this (normalised) fingerprint.
pub fn find_ven_by_fingerprint(c: &mut Conn, fp: &str) -> Result<Option<VenRow>> {
    Ok(vens::table
        .filter(vens::cert_fingerprint.eq(fp))
        .select(VenRow::as_select())
        .first(c)
        .optional()?)
}

/// A VEN by venID, or else by oadrVenName (what operators type).
pub fn find_ven_any(c: &mut Conn, key: &str) -> Result<Option<VenRow>> {
    match find_ven(c, key)? {
        Some(v) => Ok(Some(v)),
        None => find_ven_by_name(c, key),
    }
}

pub fn insert_ven(c: &mut Conn, v: &VenRow) -> Result<()> {
    diesel::insert_into(vens::table).values(v).execute(c)?;
    Ok(())
}

pub fn update_ven(c: &mut Conn, v: &VenRow) -> Result<()> {
    diesel::update(vens::table.find(&v.ven_id))
        .set(v)
        .execute(c)?;
    Ok(())
}

pub fn list_vens(c: &mut Conn) -> Result<Vec<VenRow>> {
    Ok(vens::table
        .order(vens::created_at.asc())
        .select(VenRow::as_select())
        .load(c)?)
}

/// Up to `limit` VENs in venID order after `after`: for walking every VEN
/// without holding them all (a million rows at once was the start-up peak).
pub fn vens_page(c: &mut Conn, after: Option<&str>, limit: i64) -> Result<Vec<VenRow>> {
    let mut q = vens::table.select(VenRow::as_select()).into_boxed();
    if let Some(a) = after {
        q = q.filter(vens::ven_id.gt(a.to_string()));
    }
    Ok(q.order(vens::ven_id.asc()).limit(limit).load(c)?)
}

pub fn count_vens(c: &mut Conn) -> Result<i64> {
    Ok(vens::table.count().get_result(c)?)
}

pub fn set_last_contacts(c: &mut Conn, contacts: &[(String, i64)]) -> Result<()> {
    c.immediate_transaction(|c| {
        for (id, t) in contacts {
            diesel::update(vens::table.find(id))
                .filter(vens::last_contact.is_null().or(vens::last_contact.lt(*t)))
                .set(vens::last_contact.eq(*t))
                .execute(c)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

// ---------------------------------------------------------------- events

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = events)]
struct EventRow {
    event_id: String,
    modification_number: i32,
    spec_json: String,
    status: String,
    cancelled: bool,
    created_at: i64,
    modified_at: i64,
    dtstart: i64,
    end_at: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = event_versions)]
pub struct EventVersionRow {
    pub event_id: String,
    pub modification_number: i32,
    pub spec_json: String,
    pub reason: Option<String>,
    pub modified_at: i64,
}

fn event_from_row(r: EventRow, reason: Option<String>) -> Result<EventRecord> {
    let bad = |what: &str, e: String| {
        vtn_core::Error::corrupt(format!("events row {:?} {what}", r.event_id), e)
    };
    let spec = serde_json::from_str(&r.spec_json).map_err(|e| bad("spec_json", e.to_string()))?;
    let status = r.status.parse().map_err(|e| bad("status", e))?;
    Ok(EventRecord {
        event: StoredEvent {
            event_id: r.event_id,
            modification_number: r.modification_number as u32,
            created_at: crate::clock::from_ms(r.created_at),
            modified_at: crate::clock::from_ms(r.modified_at),
            cancelled: r.cancelled,
            modification_reason: reason,
            spec,
        },
        status,
    })
}

fn end_ms(spec: &EventSpec) -> i64 {
    let e = spec.end();
    if e == chrono::DateTime::<chrono::Utc>::MAX_UTC {
        i64::MAX
    } else {
        crate::clock::to_ms(e)
    }
}

/// Write a new version of an event (creation is version 0).
pub fn save_event(c: &mut Conn, ev: &StoredEvent, status: &str) -> Result<()> {
    let row = EventRow {
        event_id: ev.event_id.clone(),
        modification_number: ev.modification_number as i32,
        spec_json: json(&ev.spec)?,
        status: status.to_string(),
        cancelled: ev.cancelled,
        created_at: crate::clock::to_ms(ev.created_at),
        modified_at: crate::clock::to_ms(ev.modified_at),
        dtstart: crate::clock::to_ms(ev.spec.dtstart),
        end_at: end_ms(&ev.spec),
    };
    if ev.modification_number == 0 {
        diesel::insert_into(events::table).values(&row).execute(c)?;
    } else {
        diesel::update(events::table.find(&row.event_id))
            .set(&row)
            .execute(c)?;
    }
    diesel::insert_into(event_versions::table)
        .values(&EventVersionRow {
            event_id: ev.event_id.clone(),
            modification_number: ev.modification_number as i32,
            spec_json: row.spec_json.clone(),
            reason: if ev.cancelled && ev.modification_reason.is_none() {
                Some("cancelled".into())
            } else {
                ev.modification_reason.clone()
            },
            modified_at: row.modified_at,
        })
        .execute(c)?;
    Ok(())
}

fn reason_of(c: &mut Conn, id: &str, m: i32) -> Result<Option<String>> {
    Ok(event_versions::table
        .find((id, m))
        .select(event_versions::reason)
        .first::<Option<String>>(c)
        .optional()?
        .flatten())
}

pub fn get_event(c: &mut Conn, id: &str) -> Result<Option<EventRecord>> {
    let row: Option<EventRow> = events::table
        .find(id)
        .select(EventRow::as_select())
        .first(c)
        .optional()?;
    match row {
        Some(r) => {
            let reason = reason_of(c, &r.event_id, r.modification_number)?;
            Ok(Some(event_from_row(r, reason)?))
        }
        None => Ok(None),
    }
}

pub fn list_events(c: &mut Conn) -> Result<Vec<EventRecord>> {
    let rows: Vec<EventRow> = events::table
        .order(events::created_at.asc())
        .select(EventRow::as_select())
        .load(c)?;
    rows.into_iter()
        .map(|r| {
            let reason = reason_of(c, &r.event_id, r.modification_number)?;
            event_from_row(r, reason)
        })
        .collect()
}

/// Events a VEN should still hear about: not yet ended, or changed within the last hour
/// (so a cancellation or final modification is delivered even after the end).
pub fn current_events(c: &mut Conn, now_ms: i64) -> Result<Vec<EventRecord>> {
    let rows: Vec<EventRow> = events::table
        .filter(
            events::end_at
                .gt(now_ms)
                .or(events::modified_at.gt(now_ms - 3_600_000)),
        )
        .order(events::dtstart.asc())
        .select(EventRow::as_select())
        .load(c)?;
    rows.into_iter()
        .map(|r| {
            let reason = reason_of(c, &r.event_id, r.modification_number)?;
            event_from_row(r, reason)
        })
        .collect()
}

/// Events whose stored status may still change with time.
pub fn live_events(c: &mut Conn) -> Result<Vec<EventRecord>> {
    let rows: Vec<EventRow> = events::table
        .filter(events::status.ne_all([
            adr_schema::EventStatus::Completed.as_str(),
            adr_schema::EventStatus::Cancelled.as_str(),
        ]))
        .select(EventRow::as_select())
        .load(c)?;
    rows.into_iter().map(|r| event_from_row(r, None)).collect()
}

pub fn set_event_status(c: &mut Conn, id: &str, status: &str) -> Result<()> {
    diesel::update(events::table.find(id))
        .set(events::status.eq(status))
        .execute(c)?;
    Ok(())
}

pub fn event_versions(c: &mut Conn, id: &str) -> Result<Vec<EventVersionRow>> {
    Ok(event_versions::table
        .filter(event_versions::event_id.eq(id))
        .order(event_versions::modification_number.asc())
        .select(EventVersionRow::as_select())
        .load(c)?)
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = event_responses)]
pub struct EventResponseRow {
    pub event_id: String,
    pub ven_id: String,
    pub modification_number: i32,
    pub opt_type: String,
    pub response_code: i32,
    pub received_at: i64,
}

pub fn save_event_response(c: &mut Conn, r: &EventResponseRow) -> Result<()> {
    diesel::replace_into(event_responses::table)
        .values(r)
        .execute(c)?;
    Ok(())
}

pub fn event_responses_for(c: &mut Conn, event_id: &str) -> Result<Vec<EventResponseRow>> {
    Ok(event_responses::table
        .filter(event_responses::event_id.eq(event_id))
        .order(event_responses::modification_number.asc())
        .select(EventResponseRow::as_select())
        .load(c)?)
}

// ---------------------------------------------------------------- opts

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = opts)]
pub struct OptRow {
    pub ven_id: String,
    pub opt_id: String,
    pub opt_type: String,
    pub opt_reason: String,
    pub market_context: Option<String>,
    pub event_id: Option<String>,
    pub modification_number: Option<i32>,
    /// `[[start_ms, end_ms], ...]` availability windows.
    pub schedule_json: String,
    pub target_json: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

pub fn save_opt(c: &mut Conn, o: &OptRow) -> Result<()> {
    diesel::replace_into(opts::table).values(o).execute(c)?;
    Ok(())
}

pub fn find_opt(c: &mut Conn, ven: &str, opt_id: &str) -> Result<Option<OptRow>> {
    Ok(opts::table
        .find((ven, opt_id))
        .select(OptRow::as_select())
        .first(c)
        .optional()?)
}

pub fn cancel_opt(c: &mut Conn, ven: &str, opt_id: &str, now_ms: i64) -> Result<usize> {
    Ok(diesel::update(opts::table.find((ven, opt_id)))
        .filter(opts::cancelled_at.is_null())
        .set(opts::cancelled_at.eq(now_ms))
        .execute(c)?)
}

pub fn list_opts(c: &mut Conn, ven: Option<&str>, active_only: bool) -> Result<Vec<OptRow>> {
    let mut q = opts::table.select(OptRow::as_select()).into_boxed();
    if let Some(v) = ven {
        q = q.filter(opts::ven_id.eq(v.to_string()));
    }
    if active_only {
        q = q.filter(opts::cancelled_at.is_null());
    }
    Ok(q.order(opts::created_at.asc()).load(c)?)
}

// ---------------------------------------------------------------- reports

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_registrations)]
pub struct ReportRegistrationRow {
    pub ven_id: String,
    pub report_specifier_id: String,
    pub report_name: String,
    pub descriptions_json: String,
    pub registered_at: i64,
}

pub fn save_report_registration(c: &mut Conn, r: &ReportRegistrationRow) -> Result<()> {
    diesel::replace_into(report_registrations::table)
        .values(r)
        .execute(c)?;
    Ok(())
}

pub fn report_registrations_of(
    c: &mut Conn,
    ven: Option<&str>,
) -> Result<Vec<ReportRegistrationRow>> {
    let mut q = report_registrations::table
        .select(ReportRegistrationRow::as_select())
        .into_boxed();
    if let Some(v) = ven {
        q = q.filter(report_registrations::ven_id.eq(v.to_string()));
    }
    Ok(q.load(c)?)
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_requests)]
pub struct ReportRequestRow {
    pub report_request_id: String,
    pub ven_id: String,
    pub report_specifier_id: String,
    pub report_name: String,
    pub rids_json: String,
    pub granularity: String,
    pub report_back_duration: String,
    pub interval_start: Option<i64>,
    pub interval_end: Option<i64>,
    /// requested → active (oadrCreatedReport or data seen) → cancelling → cancelled;
    /// `unacknowledged` past the deadline; `superseded` when the VEN re-registers the report.
    pub state: String,
    pub created_at: i64,
    pub deadline: Option<i64>,
    pub updated_at: i64,
}

pub fn insert_report_request(c: &mut Conn, r: &ReportRequestRow) -> Result<()> {
    diesel::insert_into(report_requests::table)
        .values(r)
        .execute(c)?;
    Ok(())
}

pub fn find_report_request(c: &mut Conn, id: &str) -> Result<Option<ReportRequestRow>> {
    Ok(report_requests::table
        .find(id)
        .select(ReportRequestRow::as_select())
        .first(c)
        .optional()?)
}

pub fn report_requests_of(c: &mut Conn, ven: Option<&str>) -> Result<Vec<ReportRequestRow>> {
    let mut q = report_requests::table
        .select(ReportRequestRow::as_select())
        .into_boxed();
    if let Some(v) = ven {
        q = q.filter(report_requests::ven_id.eq(v.to_string()));
    }
    Ok(q.order(report_requests::created_at.asc()).load(c)?)
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = readings)]
pub struct NewReading {
    pub ven_id: String,
    pub report_request_id: String,
    pub report_specifier_id: String,
    pub report_name: Option<String>,
    pub rid: String,
    pub dtstart: i64,
    pub duration_secs: Option<f64>,
    pub value: Option<f64>,
    pub status_json: Option<String>,
    pub confidence: Option<i32>,
    pub accuracy: Option<f64>,
    pub data_quality: Option<String>,
    pub received_at: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = readings)]
pub struct ReadingRow {
    pub id: i64,
    pub ven_id: String,
    pub report_request_id: String,
    pub report_specifier_id: String,
    pub report_name: Option<String>,
    pub rid: String,
    pub dtstart: i64,
    pub duration_secs: Option<f64>,
    pub value: Option<f64>,
    pub status_json: Option<String>,
    pub confidence: Option<i32>,
    pub accuracy: Option<f64>,
    pub data_quality: Option<String>,
    pub received_at: i64,
}

/// Store readings; one already stored (same VEN, reportSpecifierID, rID and
/// start: a VEN re-sending a report we did not acknowledge, perhaps under a
/// newer request) is kept, not duplicated.
pub fn insert_readings(c: &mut Conn, rows: &[NewReading]) -> Result<usize> {
    let mut n = 0;
    // SQLite bounds the number of bound parameters per statement.
    for chunk in rows.chunks(500) {
        n += diesel::insert_or_ignore_into(readings::table)
            .values(chunk)
            .execute(c)?;
    }
    Ok(n)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReadingFilter {
    pub ven_id: Option<String>,
    pub report_request_id: Option<String>,
    pub report_specifier_id: Option<String>,
    pub report_name: Option<String>,
    pub rid: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only readings received at or before this (Unix ms).
    #[serde(default)]
    pub received_by_ms: Option<i64>,
    pub limit: Option<i64>,
}

pub fn query_readings(c: &mut Conn, f: &ReadingFilter) -> Result<Vec<ReadingRow>> {
    let mut q = readings::table.select(ReadingRow::as_select()).into_boxed();
    if let Some(v) = &f.ven_id {
        q = q.filter(readings::ven_id.eq(v.clone()));
    }
    if let Some(v) = &f.report_request_id {
        q = q.filter(readings::report_request_id.eq(v.clone()));
    }
    if let Some(v) = &f.report_specifier_id {
        q = q.filter(readings::report_specifier_id.eq(v.clone()));
    }
    if let Some(v) = &f.report_name {
        q = q.filter(readings::report_name.eq(v.clone()));
    }
    if let Some(v) = &f.rid {
        q = q.filter(readings::rid.eq(v.clone()));
    }
    if let Some(v) = f.from_ms {
        q = q.filter(readings::dtstart.ge(v));
    }
    if let Some(v) = f.to_ms {
        q = q.filter(readings::dtstart.lt(v));
    }
    if let Some(v) = f.received_by_ms {
        q = q.filter(readings::received_at.le(v));
    }
    Ok(q.order((readings::dtstart.asc(), readings::id.asc()))
        .limit(f.limit.unwrap_or(10_000).clamp(1, 100_000))
        .load(c)?)
}

// ---------------------------------------------------------------- poll queue

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = pending_messages)]
pub struct PendingRow {
    pub id: i64,
    pub ven_id: String,
    pub kind: String,
    pub body: String,
    pub created_at: i64,
    pub generation: i64,
}

pub fn first_pending(c: &mut Conn, ven: &str) -> Result<Option<PendingRow>> {
    Ok(pending_messages::table
        .filter(pending_messages::ven_id.eq(ven))
        .order(pending_messages::id.asc())
        .select(PendingRow::as_select())
        .first(c)
        .optional()?)
}

/// Drop pending messages of one kind for a VEN (all kinds when None). Returns how many.
pub fn drop_pending(c: &mut Conn, ven: &str, kind: Option<&str>) -> Result<usize> {
    Ok(match kind {
        Some(k) => diesel::delete(
            pending_messages::table
                .filter(pending_messages::ven_id.eq(ven))
                .filter(pending_messages::kind.eq(k)),
        )
        .execute(c)?,
        None => diesel::delete(pending_messages::table.filter(pending_messages::ven_id.eq(ven)))
            .execute(c)?,
    })
}

pub fn pending_counts(c: &mut Conn) -> Result<Vec<(String, i64)>> {
    Ok(pending_messages::table
        .group_by(pending_messages::ven_id)
        .select((pending_messages::ven_id, diesel::dsl::count_star()))
        .load(c)?)
}

pub fn pending_of(c: &mut Conn, ven: &str) -> Result<Vec<PendingRow>> {
    Ok(pending_messages::table
        .filter(pending_messages::ven_id.eq(ven))
        .order(pending_messages::id.asc())
        .select(PendingRow::as_select())
        .load(c)?)
}
