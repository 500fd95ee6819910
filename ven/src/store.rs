//! Local SQLite store (diesel): registration ids, the reading outbox, meter
//! history. Plain functions over one connection; private row structs are
//! turned into domain types here.
//!
//! One connection, used from the agent's single task: the VEN writes a few
//! rows a minute, so a pool would only add threads. WAL with
//! `synchronous=NORMAL` keeps every committed row across a `kill -9`.

use adr_schema::{ReportRequestId, ReportSpecifierId, Rid, Timestamp};
use chrono::TimeZone;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{Result, VenError};
use crate::protocol::reports::{Reading, ReportKind, Value};
use crate::protocol::Registration;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

mod schema {
    diesel::table! {
        kv (key) {
            key -> Text,
            value -> Text,
        }
    }
    diesel::table! {
        outbox (id) {
            id -> BigInt,
            report_request_id -> Text,
            report_specifier_id -> Text,
            report_name -> Text,
            rid -> Text,
            dtstart_ms -> BigInt,
            duration_s -> Integer,
            value -> Text,
        }
    }
    diesel::table! {
        history (id) {
            id -> BigInt,
            dtstart_ms -> BigInt,
            duration_s -> Integer,
            energy_wh -> Double,
            power_w -> Double,
        }
    }
}
use schema::{history, kv, outbox};

#[derive(Queryable)]
struct OutboxRow {
    id: i64,
    report_request_id: String,
    report_specifier_id: String,
    report_name: String,
    rid: String,
    dtstart_ms: i64,
    duration_s: i32,
    value: String,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutbox<'a> {
    report_request_id: &'a str,
    report_specifier_id: &'a str,
    report_name: &'a str,
    rid: &'a str,
    dtstart_ms: i64,
    duration_s: i32,
    value: String,
}

/// One stored history interval.
#[derive(Clone, Debug, PartialEq, Queryable)]
pub struct HistoryRow {
    pub id: i64,
    pub dtstart_ms: i64,
    pub duration_s: i32,
    pub energy_wh: f64,
    pub power_w: f64,
}

impl HistoryRow {
    pub fn dtstart(&self) -> Timestamp {
        from_ms(self.dtstart_ms)
    }
}

fn from_ms(ms: i64) -> Timestamp {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
}

const REGISTRATION: &str = "registration";

pub struct Store {
    conn: SqliteConnection,
}

impl Store {
    /// Open (creating if needed) and migrate. `:memory:` gives a private
    /// in-memory database, as each test wants.
    pub fn open(path: &str) -> Result<Store> {
        let mut conn = SqliteConnection::establish(path)
            .map_err(|e| VenError::Store(format!("open {path}: {e}")))?;
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
        )?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| VenError::Store(format!("migrations: {e}")))?;
        Ok(Store { conn })
    }

    pub fn get(&mut self, key: &str) -> Result<Option<String>> {
        Ok(kv::table
            .filter(kv::key.eq(key))
            .select(kv::value)
            .first::<String>(&mut self.conn)
            .optional()?)
    }

    pub fn set(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => {
                diesel::replace_into(kv::table)
                    .values((kv::key.eq(key), kv::value.eq(v)))
                    .execute(&mut self.conn)?;
            }
            None => {
                diesel::delete(kv::table.filter(kv::key.eq(key))).execute(&mut self.conn)?;
            }
        }
        Ok(())
    }

    pub fn registration(&mut self) -> Result<Option<Registration>> {
        match self.get(REGISTRATION)? {
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| VenError::Store(format!("stored registration: {e}"))),
            None => Ok(None),
        }
    }

    pub fn set_registration(&mut self, r: Option<&Registration>) -> Result<()> {
        let json = r.map(|r| serde_json::to_string(r).expect("serializable"));
        self.set(REGISTRATION, json.as_deref())
    }

    /// Append readings to the outbox, all or none.
    pub fn push_readings(&mut self, readings: &[Reading]) -> Result<()> {
        self.conn.transaction(|c| {
            for r in readings {
                diesel::insert_into(outbox::table)
                    .values(NewOutbox {
                        report_request_id: r.report_request_id.as_str(),
                        report_specifier_id: r.report_specifier_id.as_str(),
                        report_name: r.kind.name().as_str(),
                        rid: r.rid.as_str(),
                        dtstart_ms: r.dtstart.timestamp_millis(),
                        duration_s: r.duration_s as i32,
                        value: serde_json::to_string(&r.value).expect("serializable"),
                    })
                    .execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        Ok(())
    }

    /// The oldest `limit` readings not yet acknowledged, in order.
    pub fn pending(&mut self, limit: i64) -> Result<Vec<(i64, Reading)>> {
        let rows: Vec<OutboxRow> = outbox::table
            .order(outbox::id.asc())
            .limit(limit)
            .load(&mut self.conn)?;
        rows.into_iter()
            .map(|r| {
                let bad = |what: &str| VenError::Store(format!("outbox row {}: bad {what}", r.id));
                Ok((
                    r.id,
                    Reading {
                        report_request_id: ReportRequestId::new(r.report_request_id.clone())
                            .map_err(|_| bad("reportRequestID"))?,
                        report_specifier_id: ReportSpecifierId::new(r.report_specifier_id.clone())
                            .map_err(|_| bad("reportSpecifierID"))?,
                        kind: ReportKind::from_name(&r.report_name)
                            .ok_or_else(|| bad("report name"))?,
                        rid: Rid::new(r.rid.clone()).map_err(|_| bad("rID"))?,
                        dtstart: from_ms(r.dtstart_ms),
                        duration_s: r.duration_s.max(0) as u32,
                        value: serde_json::from_str::<Value>(&r.value).map_err(|_| bad("value"))?,
                    },
                ))
            })
            .collect()
    }

    /// The VTN acknowledged these rows: remove them.
    pub fn ack(&mut self, ids: &[i64]) -> Result<usize> {
        Ok(diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(&mut self.conn)?)
    }

    pub fn outbox_len(&mut self) -> Result<i64> {
        Ok(outbox::table.count().get_result(&mut self.conn)?)
    }

    pub fn add_history(
        &mut self,
        dtstart: Timestamp,
        duration_s: u32,
        energy_wh: f64,
        power_w: f64,
    ) -> Result<()> {
        diesel::insert_into(history::table)
            .values((
                history::dtstart_ms.eq(dtstart.timestamp_millis()),
                history::duration_s.eq(duration_s as i32),
                history::energy_wh.eq(energy_wh),
                history::power_w.eq(power_w),
            ))
            .execute(&mut self.conn)?;
        Ok(())
    }

    /// History intervals starting in `[from, to)`, oldest first.
    pub fn history(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<HistoryRow>> {
        Ok(history::table
            .filter(history::dtstart_ms.ge(from.timestamp_millis()))
            .filter(history::dtstart_ms.lt(to.timestamp_millis()))
            .order(history::dtstart_ms.asc())
            .load(&mut self.conn)?)
    }

    pub fn prune_history(&mut self, before: Timestamp) -> Result<usize> {
        Ok(
            diesel::delete(
                history::table.filter(history::dtstart_ms.lt(before.timestamp_millis())),
            )
            .execute(&mut self.conn)?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(i: i64) -> Reading {
        Reading {
            report_request_id: ReportRequestId::new("rr1").unwrap(),
            report_specifier_id: ReportSpecifierId::new("TELEMETRY_USAGE").unwrap(),
            kind: ReportKind::TelemetryUsage,
            rid: Rid::new("power").unwrap(),
            dtstart: from_ms(i * 1000),
            duration_s: 1,
            value: Value::Float(i as f64),
        }
    }

    #[test]
    fn outbox_keeps_order_until_acked() {
        let mut s = Store::open(":memory:").unwrap();
        s.push_readings(&(0..10).map(reading).collect::<Vec<_>>())
            .unwrap();
        let p = s.pending(4).unwrap();
        assert_eq!(
            p.iter().map(|(_, r)| r.value.clone()).collect::<Vec<_>>(),
            (0..4).map(|i| Value::Float(i as f64)).collect::<Vec<_>>()
        );
        assert_eq!(
            s.ack(&p.iter().map(|(id, _)| *id).collect::<Vec<_>>())
                .unwrap(),
            4
        );
        assert_eq!(s.outbox_len().unwrap(), 6);
        assert_eq!(s.pending(100).unwrap()[0].1, reading(4));
    }

    #[test]
    fn registration_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ven.db");
        let path = path.to_str().unwrap();
        let reg = Registration {
            ven_id: "VEN1".into(),
            registration_id: "REG1".into(),
            vtn_id: "VTN".into(),
            poll_freq_s: 10,
        };
        Store::open(path)
            .unwrap()
            .set_registration(Some(&reg))
            .unwrap();
        assert_eq!(
            Store::open(path).unwrap().registration().unwrap(),
            Some(reg)
        );
        let mut s = Store::open(path).unwrap();
        s.set_registration(None).unwrap();
        assert_eq!(s.registration().unwrap(), None);
    }

    #[test]
    fn history_window() {
        let mut s = Store::open(":memory:").unwrap();
        for i in 0..10 {
            s.add_history(from_ms(i * 60_000), 60, 10.0 + i as f64, 600.0)
                .unwrap();
        }
        let h = s.history(from_ms(120_000), from_ms(300_000)).unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[0].energy_wh, 12.0);
        assert_eq!(s.prune_history(from_ms(300_000)).unwrap(), 5);
    }
}
