//! Local SQLite store (diesel): registration ids, the reading outbox, meter
//! history. Plain functions over one connection; private row structs are
//! turned into domain types here.
//!
//! One connection, used from the agent's single task: the VEN writes a few
//! rows a minute, so a pool would only add threads. WAL with
//! `synchronous=FULL`: a commit returns only after the WAL is fsynced, so a
//! reading counted as stored survives power loss, not only a `kill -9`
//! (NORMAL would lose the last commits on power loss). The cost is measured
//! by `outbox_fsync_cost` (README).

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
        sampled (report_specifier_id, rid, duration_s) {
            report_specifier_id -> Text,
            rid -> Text,
            duration_s -> Integer,
            last_dtstart_ms -> BigInt,
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
use schema::{history, kv, outbox, sampled};

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

fn decode(rows: Vec<OutboxRow>) -> Result<Vec<(i64, Reading)>> {
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
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
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

    /// Append readings to the outbox, all or none, durably (fsynced) once
    /// this returns. A telemetry reading is stored once per series
    /// (reportSpecifierID, rID, interval length) and instant, in increasing
    /// order: one not later than the series' last stored reading (even one
    /// already acknowledged and deleted) is ignored. Returns how many rows
    /// were added.
    pub fn push_readings(&mut self, readings: &[Reading]) -> Result<usize> {
        Ok(self.conn.transaction(|c| {
            let mut n = 0;
            for r in readings {
                let at = r.dtstart.timestamp_millis();
                if r.kind != ReportKind::HistoryUsage {
                    let last: Option<i64> = sampled::table
                        .filter(sampled::report_specifier_id.eq(r.report_specifier_id.as_str()))
                        .filter(sampled::rid.eq(r.rid.as_str()))
                        .filter(sampled::duration_s.eq(r.duration_s as i32))
                        .select(sampled::last_dtstart_ms)
                        .first(c)
                        .optional()?;
                    if last.is_some_and(|l| at <= l) {
                        tracing::debug!(specifier = %r.report_specifier_id, rid = %r.rid, dtstart = %r.dtstart, "reading already taken; ignored");
                        continue;
                    }
                    diesel::replace_into(sampled::table)
                        .values((
                            sampled::report_specifier_id.eq(r.report_specifier_id.as_str()),
                            sampled::rid.eq(r.rid.as_str()),
                            sampled::duration_s.eq(r.duration_s as i32),
                            sampled::last_dtstart_ms.eq(at),
                        ))
                        .execute(c)?;
                }
                n += diesel::insert_or_ignore_into(outbox::table)
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
            Ok::<_, diesel::result::Error>(n)
        })?)
    }

    /// The oldest `limit` readings not yet acknowledged, in order.
    pub fn pending(&mut self, limit: i64) -> Result<Vec<(i64, Reading)>> {
        let rows: Vec<OutboxRow> = outbox::table
            .order(outbox::id.asc())
            .limit(limit)
            .load(&mut self.conn)?;
        decode(rows)
    }

    /// The oldest `limit` readings of the given streams (reportSpecifierID,
    /// rID) and, with `with_history`, of HISTORY_USAGE answers, in the order
    /// they were stored.
    pub fn pending_streams(
        &mut self,
        streams: &[(ReportSpecifierId, Rid)],
        with_history: bool,
        limit: i64,
    ) -> Result<Vec<(i64, Reading)>> {
        let history = ReportKind::HistoryUsage.name();
        let mut rows: Vec<OutboxRow> = if with_history {
            outbox::table
                .filter(outbox::report_name.eq(history.as_str()))
                .order(outbox::id.asc())
                .limit(limit)
                .load(&mut self.conn)?
        } else {
            Vec::new()
        };
        for (spec, rid) in streams {
            rows.extend(
                outbox::table
                    .filter(outbox::report_specifier_id.eq(spec.as_str()))
                    .filter(outbox::rid.eq(rid.as_str()))
                    .filter(outbox::report_name.ne(history.as_str()))
                    .order(outbox::id.asc())
                    .limit(limit)
                    .load::<OutboxRow>(&mut self.conn)?,
            );
        }
        rows.sort_by_key(|r| r.id);
        rows.dedup_by_key(|r| r.id);
        rows.truncate(limit.max(0) as usize);
        decode(rows)
    }

    /// Delete telemetry readings of every stream not in `keep` (no request
    /// takes them); returns the streams dropped with their counts.
    pub fn drop_streams_except(
        &mut self,
        keep: &[(ReportSpecifierId, Rid)],
    ) -> Result<Vec<(String, String, usize)>> {
        let history = ReportKind::HistoryUsage.name();
        let present: Vec<(String, String)> = outbox::table
            .filter(outbox::report_name.ne(history.as_str()))
            .select((outbox::report_specifier_id, outbox::rid))
            .distinct()
            .load(&mut self.conn)?;
        let mut dropped = Vec::new();
        for (spec, rid) in present {
            if keep
                .iter()
                .any(|(s, r)| s.as_str() == spec && r.as_str() == rid)
            {
                continue;
            }
            let n = diesel::delete(
                outbox::table
                    .filter(outbox::report_specifier_id.eq(&spec))
                    .filter(outbox::rid.eq(&rid))
                    .filter(outbox::report_name.ne(history.as_str())),
            )
            .execute(&mut self.conn)?;
            dropped.push((spec, rid, n));
        }
        Ok(dropped)
    }

    /// The VTN acknowledged these rows: remove them.
    pub fn ack(&mut self, ids: &[i64]) -> Result<usize> {
        Ok(diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(&mut self.conn)?)
    }

    pub fn outbox_len(&mut self) -> Result<i64> {
        Ok(outbox::table.count().get_result(&mut self.conn)?)
    }

    /// Readings waiting of one reportSpecifierID.
    pub fn outbox_count(&mut self, report_specifier_id: &str) -> Result<i64> {
        Ok(outbox::table
            .filter(outbox::report_specifier_id.eq(report_specifier_id))
            .count()
            .get_result(&mut self.conn)?)
    }

    /// What waits in the outbox, per stream: (reportSpecifierID, rID,
    /// readings, oldest interval start).
    pub fn outbox_summary(&mut self) -> Result<Vec<(String, String, i64, Timestamp)>> {
        use diesel::dsl::{count_star, min};
        let rows: Vec<(String, String, i64, Option<i64>)> = outbox::table
            .group_by((outbox::report_specifier_id, outbox::rid))
            .select((
                outbox::report_specifier_id,
                outbox::rid,
                count_star(),
                min(outbox::dtstart_ms),
            ))
            .order((outbox::report_specifier_id, outbox::rid))
            .load(&mut self.conn)?;
        Ok(rows
            .into_iter()
            .map(|(s, r, n, t)| (s, r, n, from_ms(t.unwrap_or_default())))
            .collect())
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

    fn usage(spec: &str, rid: &str, req: &str, s: i64) -> Reading {
        Reading {
            report_request_id: ReportRequestId::new(req).unwrap(),
            report_specifier_id: ReportSpecifierId::new(spec).unwrap(),
            kind: ReportKind::from_name(spec).unwrap(),
            rid: Rid::new(rid).unwrap(),
            dtstart: from_ms(s * 1000),
            duration_s: 1,
            value: Value::Float(s as f64),
        }
    }

    #[test]
    fn a_stream_instant_is_stored_once_even_after_its_ack() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ven.db");
        let path = path.to_str().unwrap();
        let mut s = Store::open(path).unwrap();
        assert_eq!(
            s.push_readings(&[usage("TELEMETRY_USAGE", "power", "RR1", 1)])
                .unwrap(),
            1
        );
        let ids: Vec<i64> = s.pending(10).unwrap().iter().map(|(id, _)| *id).collect();
        s.ack(&ids).unwrap();
        // Restarted, the VEN measures the same instant again, under another
        // request: it is not stored (nor sent) twice; the next one is.
        let mut s = Store::open(path).unwrap();
        let again = [
            usage("TELEMETRY_USAGE", "power", "local-TELEMETRY_USAGE", 1),
            usage("TELEMETRY_USAGE", "power", "RR2", 2),
            usage("TELEMETRY_USAGE", "energy", "RR2", 1),
        ];
        assert_eq!(s.push_readings(&again).unwrap(), 2);
        let p = s.pending(10).unwrap();
        assert_eq!(
            p.iter()
                .map(|(_, r)| (r.rid.to_string(), r.dtstart))
                .collect::<Vec<_>>(),
            vec![
                ("power".into(), from_ms(2000)),
                ("energy".into(), from_ms(1000))
            ]
        );
        // Another granularity is another series (a 60 s request beside a 1 s one).
        let mut slow = usage("TELEMETRY_USAGE", "power", "RR3", 0);
        slow.duration_s = 60;
        assert_eq!(s.push_readings(&[slow]).unwrap(), 1);
        // History answers are not streams: asked twice, stored twice.
        let mut h = usage("HISTORY_USAGE", "energy", "H1", 1);
        assert_eq!(s.push_readings(&[h.clone()]).unwrap(), 1);
        h.report_request_id = ReportRequestId::new("H2").unwrap();
        assert_eq!(s.push_readings(&[h]).unwrap(), 1);
    }

    #[test]
    fn pending_streams_and_dropping_what_no_request_takes() {
        let mut s = Store::open(":memory:").unwrap();
        let rows = [
            usage("TELEMETRY_USAGE", "power", "RR1", 1),
            usage("TELEMETRY_USAGE", "energy", "RR1", 1),
            usage("TELEMETRY_STATUS", "status", "RS1", 1),
            usage("HISTORY_USAGE", "energy", "H1", 0),
            usage("TELEMETRY_USAGE", "power", "RR1", 2),
        ];
        s.push_readings(&rows).unwrap();
        let power = (
            ReportSpecifierId::new("TELEMETRY_USAGE").unwrap(),
            Rid::new("power").unwrap(),
        );
        let got: Vec<(String, i64)> = s
            .pending_streams(std::slice::from_ref(&power), true, 10)
            .unwrap()
            .into_iter()
            .map(|(_, r)| (r.rid.to_string(), r.dtstart.timestamp()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("power".into(), 1),
                ("energy".into(), 0),
                ("power".into(), 2)
            ],
            "the stream asked for and history, oldest first"
        );
        assert_eq!(
            s.pending_streams(std::slice::from_ref(&power), true, 2)
                .unwrap()
                .len(),
            2
        );
        // History set aside: only the streams.
        assert_eq!(
            s.pending_streams(std::slice::from_ref(&power), false, 10)
                .unwrap()
                .iter()
                .map(|(_, r)| r.report_specifier_id.to_string())
                .collect::<Vec<_>>(),
            ["TELEMETRY_USAGE", "TELEMETRY_USAGE"]
        );
        let summary = s.outbox_summary().unwrap();
        assert_eq!(
            summary
                .iter()
                .map(|(sp, r, n, t)| (sp.as_str(), r.as_str(), *n, t.timestamp()))
                .collect::<Vec<_>>(),
            [
                ("HISTORY_USAGE", "energy", 1, 0),
                ("TELEMETRY_STATUS", "status", 1, 1),
                ("TELEMETRY_USAGE", "energy", 1, 1),
                ("TELEMETRY_USAGE", "power", 2, 1)
            ]
        );
        assert_eq!(s.outbox_count("TELEMETRY_USAGE").unwrap(), 3);
        let mut dropped = s.drop_streams_except(std::slice::from_ref(&power)).unwrap();
        dropped.sort();
        assert_eq!(
            dropped,
            vec![
                ("TELEMETRY_STATUS".into(), "status".into(), 1),
                ("TELEMETRY_USAGE".into(), "energy".into(), 1)
            ]
        );
        assert_eq!(
            s.outbox_len().unwrap(),
            3,
            "power x2 and the history row stay"
        );
    }

    #[test]
    fn an_outbox_from_before_the_streams_migration_is_kept() {
        // A database of the previous version, holding a reading taken twice.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ven.db");
        let path = path.to_str().unwrap();
        let mut c = SqliteConnection::establish(path).unwrap();
        c.batch_execute(include_str!("../migrations/2026-01-01-000000_init/up.sql"))
            .unwrap();
        c.batch_execute(
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
             INSERT INTO __diesel_schema_migrations (version) VALUES ('20260101000000');
             INSERT INTO outbox (report_request_id, report_specifier_id, report_name, rid, dtstart_ms, duration_s, value)
             VALUES ('RR1', 'TELEMETRY_USAGE', 'TELEMETRY_USAGE', 'power', 1000, 1, '{\"Float\":1.0}'),
                    ('RR1', 'TELEMETRY_USAGE', 'TELEMETRY_USAGE', 'power', 1000, 1, '{\"Float\":1.0}'),
                    ('RR1', 'TELEMETRY_USAGE', 'TELEMETRY_USAGE', 'power', 2000, 1, '{\"Float\":2.0}');",
        )
        .unwrap();
        drop(c);
        let mut s = Store::open(path).unwrap();
        assert_eq!(
            s.outbox_len().unwrap(),
            2,
            "the duplicate is gone, the rest kept"
        );
        // The marks know what was queued: an old instant is not taken again.
        assert_eq!(
            s.push_readings(&[usage("TELEMETRY_USAGE", "power", "RR2", 2)])
                .unwrap(),
            0
        );
        assert_eq!(
            s.push_readings(&[usage("TELEMETRY_USAGE", "power", "RR2", 3)])
                .unwrap(),
            1
        );
    }

    #[test]
    fn commits_are_fsynced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ven.db");
        let mut s = Store::open(path.to_str().unwrap()).unwrap();
        #[derive(QueryableByName)]
        struct Sync {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let v: Sync = diesel::sql_query("PRAGMA synchronous")
            .get_result(&mut s.conn)
            .unwrap();
        assert_eq!(v.synchronous, 2, "synchronous = FULL");
    }

    /// The price of FULL: one sample (3 readings, one transaction) stored
    /// with each setting, on this disk. `cargo test -p ven --release --lib
    /// outbox_fsync_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn outbox_fsync_cost() {
        for mode in ["NORMAL", "FULL"] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("ven.db");
            let mut s = Store::open(path.to_str().unwrap()).unwrap();
            s.conn
                .batch_execute(&format!("PRAGMA synchronous = {mode};"))
                .unwrap();
            let n = 500;
            let t = std::time::Instant::now();
            for i in 0..n {
                s.push_readings(&[
                    usage("TELEMETRY_USAGE", "power", "RR1", i),
                    usage("TELEMETRY_USAGE", "energy", "RR1", i),
                    usage("TELEMETRY_STATUS", "status", "RS1", i),
                ])
                .unwrap();
            }
            let per = t.elapsed() / n as u32;
            println!("synchronous={mode}: {per:?} per sample (3 readings, 1 commit)");
        }
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
