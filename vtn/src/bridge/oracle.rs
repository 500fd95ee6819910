//! After an on-chain event ends: settle each participant from the readings
//! the VTN stored (method and hash in `adr_chain::oracle`), then submit the
//! entries to data-oracle in `submit-readings-batch` calls through the
//! durable outbox.
//!
//! Which readings count: a participant's VENs are the registered VENs whose
//! identity hash it linked on chain; of each VEN's TELEMETRY_USAGE readings
//! we take the data points it described in Wh (energy), or, if it offers
//! none, those in W (mean power). Units come from the VEN's METADATA.

use std::collections::BTreeMap;

use adr_chain::oracle::{self, BaselineConfig, OracleEntry, Quantity, Reading};
use adr_chain::targets::Participant;

use crate::error::{Result, VtnError};
use crate::store::{self, Conn, ReadingFilter};
use vtn_core::reports::OfferedReport;

use super::store::OracleEntryRow;

const DAY_MS: i64 = 86_400_000;

/// rID → unit multiplier to Wh or W, per VEN, from its TELEMETRY_USAGE METADATA.
fn units_of(c: &mut Conn, ven: &str) -> Result<BTreeMap<String, (bool, f64)>> {
    let mut energy = BTreeMap::new();
    let mut power = BTreeMap::new();
    for reg in store::report_registrations_of(c, Some(ven))? {
        let Ok(offer) = serde_json::from_str::<OfferedReport>(&reg.descriptions_json) else {
            continue;
        };
        if offer.report_name != "TELEMETRY_USAGE" {
            continue;
        }
        for p in offer.points {
            let unit = p
                .item
                .as_deref()
                .and_then(|i| i.split_whitespace().last())
                .unwrap_or("");
            match unit {
                "Wh" => energy.insert(p.rid, (true, 1.0)),
                "kWh" => energy.insert(p.rid, (true, 1000.0)),
                "W" => power.insert(p.rid, (false, 1.0)),
                "kW" => power.insert(p.rid, (false, 1000.0)),
                _ => None,
            };
        }
    }
    Ok(if energy.is_empty() { power } else { energy })
}

/// The readings of `vens` that can matter for an event at `[start, end)`:
/// the event window, the pre-event window, and the same window on prior days.
/// `received_by_ms`: only readings stored by then (the settlement's instant,
/// so that `vtn verify` reads exactly what was hashed).
pub fn readings_for(
    c: &mut Conn,
    vens: &[String],
    start_s: i64,
    duration_s: u32,
    cfg: &BaselineConfig,
    received_by_ms: Option<i64>,
) -> Result<Vec<Reading>> {
    let mut out = Vec::new();
    let start_ms = start_s * 1000;
    let end_ms = start_ms + i64::from(duration_s) * 1000;
    for ven in vens {
        let units = units_of(c, ven)?;
        let rows = store::query_readings(
            c,
            &ReadingFilter {
                ven_id: Some(ven.clone()),
                from_ms: Some(
                    start_ms - cfg.lookback_days as i64 * DAY_MS - i64::from(duration_s) * 1000,
                ),
                to_ms: Some(end_ms),
                received_by_ms,
                ..Default::default()
            },
        )?;
        // Only the data points the VEN described in its TELEMETRY_USAGE METADATA
        // (`units`) count, whichever report carried them.
        for r in rows {
            let (Some(&(is_energy, k)), Some(v), Some(d)) =
                (units.get(&r.rid), r.value, r.duration_secs)
            else {
                continue;
            };
            if d < 1.0 {
                continue;
            }
            out.push(Reading {
                ven_id: r.ven_id.clone(),
                rid: r.rid.clone(),
                start: r.dtstart.div_euclid(1000),
                duration_s: d.round() as u32,
                quantity: if is_energy {
                    Quantity::EnergyWh(v * k)
                } else {
                    Quantity::PowerW(v * k)
                },
            });
        }
    }
    // One reading per (VEN, rID, start): a VEN that re-sent an interval counts once.
    out.sort_by(|a, b| (a.start, &a.ven_id, &a.rid).cmp(&(b.start, &b.ven_id, &b.rid)));
    out.dedup_by(|a, b| a.start == b.start && a.ven_id == b.ven_id && a.rid == b.rid);
    Ok(out)
}

/// The VENs whose usage readings do not yet reach the end of the event
/// window: the oracle waits for them (see [`super::settle_ended`]), because
/// the last interval's report arrives after the event ends, and what is
/// hashed must be what `vtn verify` reads later.
pub fn missing_data(
    c: &mut Conn,
    participants: &[(Participant, Vec<String>)],
    start_s: i64,
    duration_s: u32,
) -> Result<Vec<String>> {
    let start_ms = start_s * 1000;
    let end_ms = start_ms + i64::from(duration_s) * 1000;
    let mut out = Vec::new();
    for ven in participants.iter().flat_map(|(_, v)| v) {
        let units = units_of(c, ven)?;
        if units.is_empty() {
            continue; // offers no usage data: nothing to wait for
        }
        let rows = store::query_readings(
            c,
            &ReadingFilter {
                ven_id: Some(ven.clone()),
                from_ms: Some(start_ms),
                to_ms: Some(end_ms),
                ..Default::default()
            },
        )?;
        let reached = rows
            .iter()
            .filter(|r| units.contains_key(&r.rid))
            .map(|r| r.dtstart + (r.duration_secs.unwrap_or(0.0) * 1000.0).round() as i64)
            .max()
            .unwrap_or(i64::MIN);
        if reached < end_ms {
            out.push(ven.clone());
        }
    }
    Ok(out)
}

/// Settle every participant; those without a usable baseline are skipped
/// (the contract lets them be verified as non-compliant after its timeout).
pub fn settle_all(
    c: &mut Conn,
    event_id: u64,
    start_s: i64,
    duration_s: u32,
    participants: &[(Participant, Vec<String>)],
    cfg: &BaselineConfig,
    settled_at_ms: i64,
) -> Result<Vec<(OracleEntry, Vec<String>, usize)>> {
    let mut out = Vec::new();
    for (p, vens) in participants {
        let readings = readings_for(c, vens, start_s, duration_s, cfg, Some(settled_at_ms))?;
        match oracle::settle(&readings, start_s, duration_s, cfg) {
            Ok(s) => {
                let n = s.canonical.iter().filter(|&&b| b == b'\n').count();
                out.push((
                    OracleEntry {
                        event_id,
                        user: p.user.clone(),
                        baseline_wh: s.baseline_wh,
                        actual_wh: s.actual_wh,
                        data_hash: s.data_hash,
                    },
                    vens.clone(),
                    n,
                ));
            }
            Err(e) => {
                tracing::warn!(event_id, user = %p.user, vens = ?vens, error = %e, "no settlement for participant")
            }
        }
    }
    Ok(out)
}

pub fn entry_row(
    e: &OracleEntry,
    vens: &[String],
    n: usize,
    batch_no: i32,
    settled_at_ms: i64,
) -> OracleEntryRow {
    OracleEntryRow {
        chain_event_id: e.event_id as i64,
        user_principal: e.user.to_string(),
        ven_ids_json: serde_json::to_string(vens).unwrap_or_else(|_| "[]".into()),
        baseline_wh: e.baseline_wh.min(i64::MAX as u128) as i64,
        actual_wh: e.actual_wh.min(i64::MAX as u128) as i64,
        data_hash: adr_chain::clarity::hex::to_hex(&e.data_hash),
        reading_count: n as i32,
        batch_no,
        settled_at: Some(settled_at_ms),
    }
}

pub fn entry_of(r: &OracleEntryRow) -> Result<OracleEntry> {
    let bad = |e: adr_chain::Error| VtnError::Store(format!("oracle entry: {e}"));
    Ok(OracleEntry {
        event_id: r.chain_event_id as u64,
        user: adr_chain::Principal::parse(&r.user_principal).map_err(bad)?,
        baseline_wh: r.baseline_wh as u128,
        actual_wh: r.actual_wh as u128,
        data_hash: adr_chain::clarity::hex::from_hex_array::<32>(&r.data_hash).map_err(bad)?,
    })
}
