//! What the oracle submits: baseline and actual energy per participant, the
//! hash of the readings they come from, and the `submit-readings-batch`
//! calls that carry them. Pure: readings in, numbers, bytes and calls out.
//!
//! # Baseline method ("prior-days average", as ISOs do)
//!
//! For an event window `[start, start + duration)`:
//! 1. The *streams* are the (VEN, rID) pairs of the participant's
//!    TELEMETRY_USAGE readings that overlap the event window.
//! 2. A window's energy is, per stream, the sum of each reading's energy
//!    prorated by its overlap with the window, divided by the stream's
//!    coverage (covered seconds / window seconds); a window *qualifies* when
//!    every stream covers at least `min_coverage` (90 %) of it.
//! 3. **actual-wh** = energy of the event window (it must qualify).
//! 4. **baseline-wh** = mean energy of the same clock window on the most
//!    recent `days` (5) qualifying days among the `lookback_days` (10)
//!    before the event (day d = the window shifted by d × 86400 s). If no
//!    day qualifies, the window of equal length immediately before the event
//!    (`[start - duration, start)`) is used if it qualifies; otherwise there
//!    is no baseline and nothing is submitted for that participant.
//! 5. Both are rounded to the nearest Wh (half away from zero), negative
//!    totals (net export) count as 0; a zero baseline is refused (the
//!    contract requires baseline-wh > 0).
//!
//! # Canonical readings and data-hash
//!
//! `data-hash` = SHA-256 of the canonical serialisation of exactly the
//! readings that entered the computation (those overlapping the event
//! window or a window used for the baseline): UTF-8 text, one line per
//! reading, sorted by start, then by the escaped ven_id and rid as bytes,
//! each line
//!
//! ```text
//! {ven_id},{rid},{start},{duration},{unit},{value}\n
//! ```
//!
//! - `ven_id`, `rid`: as stored, with `%` → `%25`, `,` → `%2C`, LF → `%0A`,
//!   CR → `%0D`;
//! - `start`: UTC, `YYYY-MM-DDTHH:MM:SSZ` (whole seconds);
//! - `duration`: whole seconds, decimal;
//! - `unit`: `Wh` (energy over the interval) or `W` (mean power over it);
//! - `value`: the shortest decimal that reads back as the same IEEE-754
//!   double, no exponent, no `+`, `-0` written `0` (`1.5`, `250`, `0.001`).
//!
//! An auditor writes the lines to a file and runs `sha256sum` on it.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::clarity::{ContractId, Principal, Value};
use crate::error::{Error, Result};
use crate::tx::ContractCall;

/// What a reading measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// Energy over the interval, Wh.
    EnergyWh(f64),
    /// Mean power over the interval, W.
    PowerW(f64),
}

/// One stored telemetry reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub ven_id: String,
    pub rid: String,
    /// Interval start, Unix seconds UTC.
    pub start: i64,
    /// Interval length, seconds (> 0).
    pub duration_s: u32,
    pub quantity: Quantity,
}

impl Reading {
    fn end(&self) -> i64 {
        self.start + i64::from(self.duration_s)
    }
    /// Energy over the whole interval, Wh.
    pub fn energy_wh(&self) -> f64 {
        match self.quantity {
            Quantity::EnergyWh(e) => e,
            Quantity::PowerW(p) => p * f64::from(self.duration_s) / 3600.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct BaselineConfig {
    pub days: usize,
    pub lookback_days: usize,
    pub min_coverage: f64,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        BaselineConfig {
            days: 5,
            lookback_days: 10,
            min_coverage: 0.9,
        }
    }
}

/// Which windows made the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineSource {
    /// Days before the event (1 = the day before), most recent first.
    PriorDays(Vec<u32>),
    /// The window of equal length right before the event.
    PreEvent,
}

/// The result for one participant.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    pub baseline_wh: u128,
    pub actual_wh: u128,
    pub source: BaselineSource,
    /// The canonical serialisation of the readings used.
    pub canonical: Vec<u8>,
    pub data_hash: [u8; 32],
}

const DAY: i64 = 86_400;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            ',' => out.push_str("%2C"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            c => out.push(c),
        }
    }
    out
}

/// Shortest round-trip decimal, no exponent; `-0` → `0`.
pub fn canonical_number(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v}")
    }
}

/// The canonical serialisation (see the module docs) of `readings`.
pub fn canonical_readings(readings: &[Reading]) -> Result<Vec<u8>> {
    let mut sorted: Vec<(i64, String, String, &Reading)> = readings
        .iter()
        .map(|r| (r.start, escape(&r.ven_id), escape(&r.rid), r))
        .collect();
    sorted.sort_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2)));
    let mut out = String::new();
    for (_, ven_id, rid, r) in sorted {
        let start = chrono::DateTime::from_timestamp(r.start, 0)
            .ok_or_else(|| Error::Invalid(format!("reading start {} out of range", r.start)))?
            .format("%Y-%m-%dT%H:%M:%SZ");
        let (unit, value) = match r.quantity {
            Quantity::EnergyWh(v) => ("Wh", v),
            Quantity::PowerW(v) => ("W", v),
        };
        out.push_str(&format!(
            "{ven_id},{rid},{start},{},{unit},{}\n",
            r.duration_s,
            canonical_number(value)
        ));
    }
    Ok(out.into_bytes())
}

/// SHA-256 of [`canonical_readings`].
pub fn readings_hash(readings: &[Reading]) -> Result<[u8; 32]> {
    Ok(Sha256::digest(canonical_readings(readings)?).into())
}

type Stream<'a> = (&'a str, &'a str);

fn overlap(r: &Reading, from: i64, to: i64) -> i64 {
    (r.end().min(to) - r.start.max(from)).max(0)
}

/// Energy of `[from, to)` if every stream covers it enough.
fn window_energy(
    streams: &BTreeSet<Stream<'_>>,
    readings: &[Reading],
    from: i64,
    to: i64,
    min_cov: f64,
) -> Option<f64> {
    let len = (to - from) as f64;
    let mut total = 0.0;
    for s in streams {
        let mut energy = 0.0;
        let mut covered = 0i64;
        for r in readings
            .iter()
            .filter(|r| (r.ven_id.as_str(), r.rid.as_str()) == *s)
        {
            let o = overlap(r, from, to);
            if o > 0 {
                covered += o;
                energy += r.energy_wh() * o as f64 / f64::from(r.duration_s);
            }
        }
        let coverage = (covered as f64 / len).min(1.0);
        if coverage < min_cov {
            return None;
        }
        total += energy / coverage;
    }
    Some(total)
}

fn to_wh(v: f64) -> u128 {
    if v.is_finite() && v > 0.0 {
        v.round() as u128
    } else {
        0
    }
}

fn check(readings: &[Reading]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for r in readings {
        if r.duration_s == 0 {
            return Err(Error::Invalid("a reading with zero duration".into()));
        }
        let v = match r.quantity {
            Quantity::EnergyWh(v) | Quantity::PowerW(v) => v,
        };
        if !v.is_finite() {
            return Err(Error::Invalid(
                "a reading that is not a finite number".into(),
            ));
        }
        if let Some(prev) = seen.insert((&r.ven_id, &r.rid, r.start), r) {
            if prev != r {
                return Err(Error::Invalid(format!(
                    "two different readings for {} {} at {}",
                    r.ven_id, r.rid, r.start
                )));
            }
        }
    }
    Ok(())
}

/// Baseline, actual and data-hash for one participant's readings (all its
/// VENs) and one event window.
pub fn settle(
    readings: &[Reading],
    event_start: i64,
    duration_s: u32,
    cfg: &BaselineConfig,
) -> Result<Settlement> {
    check(readings)?;
    if duration_s == 0 {
        return Err(Error::Invalid("zero event duration".into()));
    }
    let mut uniq: Vec<Reading> = Vec::new();
    for r in readings {
        if !uniq.contains(r) {
            uniq.push(r.clone());
        }
    }
    let readings = uniq.as_slice();
    let len = i64::from(duration_s);
    let end = event_start + len;
    let streams: BTreeSet<Stream<'_>> = readings
        .iter()
        .filter(|r| overlap(r, event_start, end) > 0)
        .map(|r| (r.ven_id.as_str(), r.rid.as_str()))
        .collect();
    if streams.is_empty() {
        return Err(Error::InsufficientData(
            "no readings in the event window".into(),
        ));
    }
    let actual = window_energy(&streams, readings, event_start, end, cfg.min_coverage)
        .ok_or_else(|| Error::InsufficientData("the event window is not covered".into()))?;

    let mut windows = vec![(event_start, end)];
    let mut days = Vec::new();
    let mut sum = 0.0;
    for d in 1..=cfg.lookback_days as i64 {
        if days.len() >= cfg.days {
            break;
        }
        let (from, to) = (event_start - d * DAY, end - d * DAY);
        if let Some(e) = window_energy(&streams, readings, from, to, cfg.min_coverage) {
            days.push(d as u32);
            sum += e;
            windows.push((from, to));
        }
    }
    let (baseline, source) = if !days.is_empty() {
        (sum / days.len() as f64, BaselineSource::PriorDays(days))
    } else {
        let e = window_energy(
            &streams,
            readings,
            event_start - len,
            event_start,
            cfg.min_coverage,
        )
        .ok_or_else(|| {
            Error::InsufficientData("no prior day and no pre-event window is covered".into())
        })?;
        windows.push((event_start - len, event_start));
        (e, BaselineSource::PreEvent)
    };
    let baseline_wh = to_wh(baseline);
    if baseline_wh == 0 {
        return Err(Error::InsufficientData("baseline rounds to 0 Wh".into()));
    }
    let used: Vec<Reading> = readings
        .iter()
        .filter(|r| streams.contains(&(r.ven_id.as_str(), r.rid.as_str())))
        .filter(|r| windows.iter().any(|&(f, t)| overlap(r, f, t) > 0))
        .cloned()
        .collect();
    let canonical = canonical_readings(&used)?;
    Ok(Settlement {
        baseline_wh,
        actual_wh: to_wh(actual),
        source,
        data_hash: Sha256::digest(&canonical).into(),
        canonical,
    })
}

/// One entry of `submit-readings-batch`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OracleEntry {
    pub event_id: u64,
    pub user: Principal,
    pub baseline_wh: u128,
    pub actual_wh: u128,
    pub data_hash: [u8; 32],
}

impl OracleEntry {
    /// `{actual-wh, baseline-wh, data-hash, event-id, user}` (sorted keys).
    pub fn to_value(&self) -> Value {
        Value::tuple([
            ("actual-wh", Value::UInt(self.actual_wh)),
            ("baseline-wh", Value::UInt(self.baseline_wh)),
            ("data-hash", Value::Buffer(self.data_hash.to_vec())),
            ("event-id", Value::UInt(self.event_id.into())),
            ("user", Value::Principal(self.user.clone())),
        ])
    }
}

/// The contract's list bound for `submit-readings-batch`.
pub const MAX_BATCH: usize = 100;

/// Splits entries into as few batches as the contract allows (100 each),
/// in a deterministic order (event id, then user), so that the same entries
/// always make the same batches. Two different entries for one
/// (event, user) are an error; identical repeats are merged.
pub fn batches(mut entries: Vec<OracleEntry>) -> Result<Vec<Vec<OracleEntry>>> {
    entries.sort_by_cached_key(|e| (e.event_id, e.user.to_string()));
    entries.dedup();
    for w in entries.windows(2) {
        if w[0].event_id == w[1].event_id && w[0].user == w[1].user {
            return Err(Error::Invalid(format!(
                "two different entries for event {} user {}",
                w[0].event_id, w[0].user
            )));
        }
    }
    Ok(entries
        .chunks(MAX_BATCH)
        .map(<[OracleEntry]>::to_vec)
        .collect())
}

/// The `submit-readings-batch` call for one batch.
pub fn batch_call(data_oracle: &ContractId, batch: &[OracleEntry]) -> Result<ContractCall> {
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return Err(Error::Invalid(format!(
            "a batch holds 1..={MAX_BATCH} entries, not {}",
            batch.len()
        )));
    }
    Ok(ContractCall {
        contract: data_oracle.clone(),
        function: "submit-readings-batch".into(),
        args: vec![Value::List(
            batch.iter().map(OracleEntry::to_value).collect(),
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_261_600; // 2026-01-01T10:00:00Z

    fn r(ven: &str, start: i64, wh: f64) -> Reading {
        Reading {
            ven_id: ven.into(),
            rid: "energy".into(),
            start,
            duration_s: 900,
            quantity: Quantity::EnergyWh(wh),
        }
    }

    /// Four 15-minute readings covering [from, from + 1h).
    fn hour(ven: &str, from: i64, each: f64) -> Vec<Reading> {
        (0..4).map(|i| r(ven, from + i * 900, each)).collect()
    }

    #[test]
    fn canonical_form_is_byte_exact() {
        let rs = vec![
            Reading {
                ven_id: "ven,2".into(),
                rid: "p%".into(),
                start: T0,
                duration_s: 60,
                quantity: Quantity::PowerW(-0.0),
            },
            r("ven-1", T0, 1.5),
            r("ven-1", T0 - 900, 0.1),
        ];
        let text = String::from_utf8(canonical_readings(&rs).unwrap()).unwrap();
        assert_eq!(
            text,
            "ven-1,energy,2026-01-01T09:45:00Z,900,Wh,0.1\n\
             ven%2C2,p%25,2026-01-01T10:00:00Z,60,W,0\n\
             ven-1,energy,2026-01-01T10:00:00Z,900,Wh,1.5\n"
        );
        // sha256sum of that text:
        assert_eq!(
            readings_hash(&rs).unwrap(),
            <[u8; 32]>::from(Sha256::digest(text.as_bytes()))
        );
        assert_eq!(canonical_number(1e21), "1000000000000000000000");
        assert_eq!(canonical_number(250.0), "250");
    }

    #[test]
    fn prior_days_baseline() {
        let mut rs = hour("ven-1", T0, 500.0); // actual 2000 Wh
        for d in 1..=7 {
            rs.extend(hour("ven-1", T0 - d * DAY, 600.0 + d as f64)); // 2404.., 2408.., ...
        }
        let s = settle(&rs, T0, 3600, &BaselineConfig::default()).unwrap();
        assert_eq!(s.actual_wh, 2000);
        assert_eq!(s.source, BaselineSource::PriorDays(vec![1, 2, 3, 4, 5]));
        // mean of 4 × (601..=605) = 4 × 603
        assert_eq!(s.baseline_wh, 2412);
        // days 6 and 7 did not enter the hash
        let text = String::from_utf8(s.canonical.clone()).unwrap();
        assert_eq!(text.lines().count(), 4 * 6);
        assert_eq!(s.data_hash, <[u8; 32]>::from(Sha256::digest(&s.canonical)));
    }

    #[test]
    fn pre_event_fallback_and_missing_data() {
        let mut rs = hour("ven-1", T0, 500.0);
        rs.extend(hour("ven-1", T0 - 3600, 700.0));
        let s = settle(&rs, T0, 3600, &BaselineConfig::default()).unwrap();
        assert_eq!(s.source, BaselineSource::PreEvent);
        assert_eq!(s.baseline_wh, 2800);
        // A gap of more than 10 % in the event window: no settlement.
        let partial: Vec<_> = hour("ven-1", T0, 500.0).into_iter().take(3).collect();
        assert!(matches!(
            settle(&partial, T0, 3600, &BaselineConfig::default()),
            Err(Error::InsufficientData(_))
        ));
        // Conflicting duplicates are refused.
        let mut dup = rs.clone();
        dup.push(r("ven-1", T0, 1.0));
        assert!(settle(&dup, T0, 3600, &BaselineConfig::default()).is_err());
    }

    #[test]
    fn power_readings_and_two_vens() {
        let mut rs = hour("ven-1", T0, 250.0);
        rs.push(Reading {
            ven_id: "ven-2".into(),
            rid: "p".into(),
            start: T0,
            duration_s: 3600,
            quantity: Quantity::PowerW(1000.0),
        });
        rs.extend(hour("ven-1", T0 - 3600, 300.0));
        rs.push(Reading {
            ven_id: "ven-2".into(),
            rid: "p".into(),
            start: T0 - 3600,
            duration_s: 3600,
            quantity: Quantity::PowerW(2000.0),
        });
        let s = settle(&rs, T0, 3600, &BaselineConfig::default()).unwrap();
        assert_eq!(s.actual_wh, 2000);
        assert_eq!(s.baseline_wh, 3200);
    }

    #[test]
    fn batching() {
        let user = |i: u8| {
            Principal::Standard(crate::clarity::StandardPrincipal {
                version: 26,
                hash160: [i; 20],
            })
        };
        let entries: Vec<_> = (0..250u32)
            .map(|i| OracleEntry {
                event_id: 1,
                user: user((i % 250) as u8),
                baseline_wh: 10,
                actual_wh: 5,
                data_hash: [1; 32],
            })
            .collect();
        let b = batches(entries.clone()).unwrap();
        assert_eq!(
            b.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![100, 100, 50]
        );
        let mut shuffled = entries.clone();
        shuffled.reverse();
        assert_eq!(batches(shuffled).unwrap(), b);
        let mut conflict = entries[..2].to_vec();
        conflict.push(OracleEntry {
            actual_wh: 6,
            ..entries[0].clone()
        });
        assert!(batches(conflict).is_err());
        let dor =
            ContractId::parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.data-oracle").unwrap();
        let call = batch_call(&dor, &b[2]).unwrap();
        assert_eq!(call.args[0].as_list().unwrap().len(), 50);
        assert!(batch_call(&dor, &[]).is_err());
    }

    /// The worked example of chain/README.md, byte for byte: if this fails,
    /// the README no longer tells an auditor the truth.
    #[test]
    fn the_readme_worked_example() {
        const T: i64 = 1_782_907_200; // 2026-07-01T12:00:00Z
        let one = |start: i64, wh: f64| Reading {
            ven_id: "ven-1".into(),
            rid: "energy".into(),
            start,
            duration_s: 60,
            quantity: Quantity::EnergyWh(wh),
        };
        let rs = vec![
            one(T - 120, 10.0),
            one(T - 60, 12.0),
            one(T, 4.0),
            one(T + 60, 5.0),
        ];
        let s = settle(&rs, T, 120, &BaselineConfig::default()).unwrap();
        assert_eq!(s.source, BaselineSource::PreEvent);
        assert_eq!((s.baseline_wh, s.actual_wh), (22, 9));
        assert_eq!(
            String::from_utf8(s.canonical.clone()).unwrap(),
            "ven-1,energy,2026-07-01T11:58:00Z,60,Wh,10\n\
             ven-1,energy,2026-07-01T11:59:00Z,60,Wh,12\n\
             ven-1,energy,2026-07-01T12:00:00Z,60,Wh,4\n\
             ven-1,energy,2026-07-01T12:01:00Z,60,Wh,5\n"
        );
        assert_eq!(
            crate::clarity::hex::to_hex(&s.data_hash),
            "0x6f4470eca436f9b4d35d5962da90abb08cde30a8bc1019d22efd0ae747275a21"
        );
    }
}
