//! The report book: what we offer (METADATA), what the VTN asked for
//! (report requests), and when to sample and send.
//!
//! How we read the spec:
//! - `granularity` is the sampling period and `reportBackDuration` the
//!   sending period. A zero granularity samples once per report-back; a zero
//!   report-back (with a report interval) sends once, when the interval ends;
//!   both zero means one reading, sent at once.
//! - Samples are aligned to the request's reportInterval dtstart. Without
//!   one they are aligned to the VEN's own grid (multiples of the granularity
//!   shifted by the VEN's phase, see `schedule`), so that sampling shares
//!   wake-ups with polls and history; the first reading then covers the whole
//!   interval the request arrived in. A reading taken at `t` covers
//!   `[t - granularity, t)`. A VEN that slept past several sampling instants
//!   takes one reading, for the latest, rather than inventing the others.
//! - HISTORY_USAGE requests are answered once from the local store, for the
//!   requested interval (the last 24 hours if none).

use std::collections::BTreeMap;

use adr_schema::{
    CanceledReport, CreatedReport, Duration, EiResponse, EiTarget, Interval, ItemBase,
    LoadControlState, LoadControlValue, Message, OadrReport, PayloadBase, ReadingType,
    RegisterReport, ReportDescription, ReportId, ReportName, ReportPayload, ReportRequest,
    ReportRequestId, ReportSpecifierId, ReportType, RequestId, ResourceStatus, ResponseCode, Rid,
    SamplingRate, SiScale, StreamPayload, Timestamp, TimestampExt, UpdateReport, VenId,
};
use serde::{Deserialize, Serialize};

use super::delivery::Delivery;
use super::schedule::Grid;
use super::{request_id, Action};

/// One quantity the VEN can measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataPoint {
    /// Real power, W (average over the interval).
    PowerW,
    /// Real energy used in the interval, Wh.
    EnergyWh,
    /// Online / manual override / current shed level.
    Status,
}

/// The reports we offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    TelemetryUsage,
    TelemetryStatus,
    HistoryUsage,
}

impl ReportKind {
    pub fn name(self) -> ReportName {
        match self {
            ReportKind::TelemetryUsage => ReportName::TelemetryUsage,
            ReportKind::TelemetryStatus => ReportName::TelemetryStatus,
            ReportKind::HistoryUsage => ReportName::HistoryUsage,
        }
    }
    fn metadata_name(self) -> ReportName {
        match self {
            ReportKind::TelemetryUsage => ReportName::MetadataTelemetryUsage,
            ReportKind::TelemetryStatus => ReportName::MetadataTelemetryStatus,
            ReportKind::HistoryUsage => ReportName::MetadataHistoryUsage,
        }
    }
    pub fn from_name(s: &str) -> Option<ReportKind> {
        [
            ReportKind::TelemetryUsage,
            ReportKind::TelemetryStatus,
            ReportKind::HistoryUsage,
        ]
        .into_iter()
        .find(|k| k.name().as_str() == s)
    }
}

/// One value for the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Float(f64),
    Status {
        online: bool,
        manual_override: bool,
        level: f64,
    },
}

/// One stored reading, as the outbox holds it until the VTN acknowledges it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub report_request_id: ReportRequestId,
    pub report_specifier_id: ReportSpecifierId,
    pub kind: ReportKind,
    pub rid: Rid,
    pub dtstart: Timestamp,
    pub duration_s: u32,
    pub value: Value,
}

#[derive(Clone, Debug)]
struct Offered {
    kind: ReportKind,
    specifier: ReportSpecifierId,
    points: Vec<(Rid, DataPoint)>,
}

#[derive(Clone, Debug, PartialEq)]
struct Active {
    kind: ReportKind,
    specifier: ReportSpecifierId,
    points: Vec<(Rid, DataPoint)>,
    granularity: chrono::Duration,
    back: chrono::Duration,
    end: Option<Timestamp>,
    next_sample: Timestamp,
    next_flush: Option<Timestamp>,
    /// Sampled while no request from the VTN is known to be current (after a
    /// restart, while (re-)registering): readings are stored, never sent
    /// under this request; a request for the same reportSpecifierID replaces
    /// it and takes its readings.
    provisional: bool,
    /// Order of arrival: the latest request for a stream addresses it.
    seq: u64,
    /// A fixed instant of the sampling grid (kept in `Standing`).
    anchor: Timestamp,
}

/// A telemetry request as the store keeps it across restarts, so that a
/// restarted VEN samples what it sampled before, on the same grid, before it
/// can reach the VTN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub report_request_id: String,
    pub kind: ReportKind,
    pub report_specifier_id: String,
    pub points: Vec<(String, DataPoint)>,
    pub granularity_ms: i64,
    /// One instant of the sampling grid.
    pub anchor_ms: i64,
}

/// What we offer and what is running.
#[derive(Debug)]
pub struct ReportBook {
    resource_id: String,
    min_period: chrono::Duration,
    /// Phase of the sampling grid for requests without a reportInterval.
    phase: chrono::Duration,
    offered: Vec<Offered>,
    active: BTreeMap<ReportRequestId, Active>,
    seq: u64,
    /// False from a restart or re-registration until the VTN has had its say
    /// about which reports it wants: until then a stream no request covers
    /// is kept, afterwards its readings are dropped (`settle`).
    settled: bool,
    /// Which reports the VTN refuses: backing off, or set aside (not sent,
    /// not sampled) until the VTN requests them again.
    pub delivery: Delivery,
}

fn rid(s: &str) -> Rid {
    Rid::new(s).expect("valid rid")
}
fn spec(s: &str) -> ReportSpecifierId {
    ReportSpecifierId::new(s).expect("valid id")
}

impl ReportBook {
    /// The standard offer: TELEMETRY_USAGE (power, energy), TELEMETRY_STATUS,
    /// HISTORY_USAGE (energy), for one resource.
    pub fn new(resource_id: impl Into<String>, min_period: chrono::Duration) -> Self {
        ReportBook {
            resource_id: resource_id.into(),
            min_period: min_period.max(chrono::Duration::seconds(1)),
            phase: chrono::Duration::zero(),
            offered: vec![
                Offered {
                    kind: ReportKind::TelemetryUsage,
                    specifier: spec("TELEMETRY_USAGE"),
                    points: vec![
                        (rid("power"), DataPoint::PowerW),
                        (rid("energy"), DataPoint::EnergyWh),
                    ],
                },
                Offered {
                    kind: ReportKind::TelemetryStatus,
                    specifier: spec("TELEMETRY_STATUS"),
                    points: vec![(rid("status"), DataPoint::Status)],
                },
                Offered {
                    kind: ReportKind::HistoryUsage,
                    specifier: spec("HISTORY_USAGE"),
                    points: vec![(rid("energy"), DataPoint::EnergyWh)],
                },
            ],
            active: BTreeMap::new(),
            seq: 0,
            settled: false,
            delivery: Delivery::default(),
        }
    }

    /// Requests without a reportInterval sample at `k * granularity + phase`.
    pub fn set_phase(&mut self, phase: chrono::Duration) {
        self.phase = phase;
    }

    /// The METADATA oadrRegisterReport (reportRequestID 0) describing every
    /// data point we really have.
    pub fn register_report(&self, ven_id: &VenId, now: Timestamp) -> Message {
        let min = Duration::from_secs(self.min_period.num_seconds() as u64);
        let reports = self
            .offered
            .iter()
            .map(|o| OadrReport {
                dtstart: Some(now),
                duration: Some(if o.kind == ReportKind::HistoryUsage {
                    Duration {
                        days: 7,
                        ..Duration::ZERO
                    }
                } else {
                    Duration::from_secs(3600)
                }),
                intervals: Vec::new(),
                report_id: None,
                descriptions: o
                    .points
                    .iter()
                    .map(|(r, p)| ReportDescription {
                        rid: r.clone(),
                        report_subject: None,
                        report_data_source: Some(EiTarget {
                            resource_ids: vec![self.resource_id.clone()],
                            ..Default::default()
                        }),
                        report_type: match p {
                            DataPoint::Status => ReportType::ResourceStatus,
                            _ => ReportType::Usage,
                        },
                        item_base: match p {
                            DataPoint::PowerW => Some(ItemBase::power_real_watts(SiScale::None)),
                            DataPoint::EnergyWh => Some(ItemBase::energy_real_wh(SiScale::None)),
                            DataPoint::Status => None,
                        },
                        reading_type: match p {
                            DataPoint::Status => ReadingType::NotApplicable,
                            _ => ReadingType::DirectRead,
                        },
                        market_context: None,
                        sampling_rate: Some(SamplingRate {
                            min_period: min,
                            max_period: Duration::from_secs(3600),
                            on_change: false,
                        }),
                    })
                    .collect(),
                report_request_id: ReportRequestId::new("0").expect("valid"),
                report_specifier_id: o.specifier.clone(),
                report_name: Some(o.kind.metadata_name()),
                created_date_time: now,
            })
            .collect();
        Message::RegisterReport(RegisterReport {
            request_id: request_id(),
            reports,
            ven_id: Some(ven_id.clone()),
            report_request_id: None,
        })
    }

    /// Report requests in force (the VTN's, not our provisional ones).
    pub fn pending(&self) -> Vec<ReportRequestId> {
        self.active
            .iter()
            .filter(|(_, a)| !a.provisional)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// A request of the VTN's that we run (not provisional).
    pub fn is_active(&self, id: &ReportRequestId) -> bool {
        self.active.get(id).is_some_and(|a| !a.provisional)
    }

    /// What we sample, to be kept across a restart (telemetry only: a
    /// history request is answered once).
    pub fn standing(&self) -> Vec<Standing> {
        self.active
            .iter()
            .filter(|(_, a)| a.end.is_none())
            .map(|(id, a)| Standing {
                report_request_id: id.to_string(),
                kind: a.kind,
                report_specifier_id: a.specifier.to_string(),
                points: a.points.iter().map(|(r, p)| (r.to_string(), *p)).collect(),
                granularity_ms: a.granularity.num_milliseconds(),
                anchor_ms: a.anchor.timestamp_millis(),
            })
            .collect()
    }

    /// A VEN starting (or registering again) samples before any request of
    /// the VTN is known to be current: what it sampled before (`standing`,
    /// from the store), or else every telemetry report it offers at its
    /// minimum period. These requests are provisional: their readings wait
    /// in the outbox for the request that replaces them. The first sample is
    /// the latest grid instant not after `now`, so the interval a crash
    /// interrupted is measured (the outbox ignores a reading taken twice).
    pub fn restore(&mut self, standing: &[Standing], now: Timestamp) {
        self.settled = false;
        let defaults: Vec<Standing>;
        let standing = if standing.is_empty() {
            let g = self.min_period;
            let anchor = Grid::new(g, self.phase).floor(now);
            defaults = self
                .offered
                .iter()
                .filter(|o| o.kind != ReportKind::HistoryUsage)
                .map(|o| Standing {
                    report_request_id: format!("local-{}", o.specifier),
                    kind: o.kind,
                    report_specifier_id: o.specifier.to_string(),
                    points: o.points.iter().map(|(r, p)| (r.to_string(), *p)).collect(),
                    granularity_ms: g.num_milliseconds(),
                    anchor_ms: anchor.timestamp_millis(),
                })
                .collect();
            &defaults[..]
        } else {
            standing
        };
        for st in standing {
            let (Ok(id), Ok(specifier)) = (
                ReportRequestId::new(st.report_request_id.clone()),
                ReportSpecifierId::new(st.report_specifier_id.clone()),
            ) else {
                continue;
            };
            let points: Vec<(Rid, DataPoint)> = st
                .points
                .iter()
                .filter_map(|(r, p)| Rid::new(r.clone()).ok().map(|r| (r, *p)))
                .collect();
            let g = st.granularity_ms.max(1000);
            let anchor = chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, st.anchor_ms)
                .single()
                .unwrap_or(now);
            let next_sample = if anchor <= now {
                let k = (now - anchor).num_milliseconds() / g;
                anchor.saturating_plus(chrono::Duration::milliseconds(k.saturating_mul(g)))
            } else {
                anchor
            };
            if points.is_empty() || st.kind == ReportKind::HistoryUsage {
                continue;
            }
            tracing::info!(report_request_id = %id, specifier = %specifier, "sampling before registration (provisional)");
            self.seq += 1;
            self.active.insert(
                id,
                Active {
                    kind: st.kind,
                    specifier,
                    points,
                    granularity: chrono::Duration::milliseconds(g),
                    back: chrono::Duration::zero(),
                    end: None,
                    next_sample,
                    next_flush: None,
                    provisional: true,
                    seq: self.seq,
                    anchor: next_sample,
                },
            );
        }
    }

    /// Registering again: sampling goes on, under provisional requests, until
    /// the VTN's new requests replace them.
    pub fn make_provisional(&mut self) {
        self.settled = false;
        self.active.retain(|_, a| a.end.is_none());
        for a in self.active.values_mut() {
            a.provisional = true;
            a.next_flush = None;
        }
    }

    /// The request a reading of `specifier`/`rid` is sent under: the one it
    /// was queued under if that is still current and covers it, else the
    /// latest current request for the same reportSpecifierID that covers the
    /// rID. `None`: no request takes it now.
    pub fn address(
        &self,
        specifier: &ReportSpecifierId,
        rid: &Rid,
        queued_under: &ReportRequestId,
    ) -> Option<ReportRequestId> {
        let covers = |a: &Active| {
            !a.provisional && a.specifier == *specifier && a.points.iter().any(|(r, _)| r == rid)
        };
        if self.active.get(queued_under).is_some_and(covers) {
            return Some(queued_under.clone());
        }
        self.active
            .iter()
            .filter(|(_, a)| covers(a))
            .max_by_key(|(_, a)| a.seq)
            .map(|(id, _)| id.clone())
    }

    /// The (reportSpecifierID, rID) streams a current request takes.
    pub fn streams(&self) -> Vec<(ReportSpecifierId, Rid)> {
        let mut v: Vec<(ReportSpecifierId, Rid)> = self
            .active
            .values()
            .filter(|a| !a.provisional)
            .flat_map(|a| {
                a.points
                    .iter()
                    .map(|(r, _)| (a.specifier.clone(), r.clone()))
            })
            .collect();
        v.sort_by(|a, b| (a.0.as_str(), a.1.as_str()).cmp(&(b.0.as_str(), b.1.as_str())));
        v.dedup();
        v
    }

    /// The streams whose readings are kept when unsettled streams are
    /// dropped: those a current request takes, and those of a report set
    /// aside for refusals (set aside, its readings are never deleted).
    pub fn kept_streams(&self) -> Vec<(ReportSpecifierId, Rid)> {
        let mut v = self.streams();
        for o in &self.offered {
            if self.delivery.is_set_aside(o.specifier.as_str()) {
                v.extend(
                    o.points
                        .iter()
                        .map(|(r, _)| (o.specifier.clone(), r.clone())),
                );
            }
        }
        v.sort_by(|a, b| (a.0.as_str(), a.1.as_str()).cmp(&(b.0.as_str(), b.1.as_str())));
        v.dedup();
        v
    }

    /// The VTN has answered our METADATA (and a first poll): provisional
    /// requests it did not replace stop. Readings of streams no current
    /// request takes may then be dropped by the caller.
    pub fn settle(&mut self) {
        self.active.retain(|id, a| {
            if a.provisional {
                tracing::info!(report_request_id = %id, "provisional report not requested by the VTN; sampling stops");
            }
            !a.provisional
        });
        self.settled = true;
    }

    pub fn is_settled(&self) -> bool {
        self.settled
    }

    /// Take in report requests (oadrCreateReport, or those inside
    /// oadrRegisteredReport): returns the oadrCreatedReport and the actions
    /// due at once (history copies, one-shot samples).
    ///
    /// With `replace`, (requests answering our oadrRegisterReport) a new
    /// request replaces every earlier one for the same reportSpecifierID, as
    /// the VTN supersedes them; provisional requests are always replaced.
    pub fn create(
        &mut self,
        request_id: &RequestId,
        requests: &[ReportRequest],
        ven_id: &VenId,
        now: Timestamp,
        replace: bool,
    ) -> (Message, Vec<Action>) {
        let mut actions = Vec::new();
        let mut errors = Vec::new();
        for rr in requests {
            match self.create_one(rr, now, replace) {
                Ok(mut a) => actions.append(&mut a),
                Err(e) => {
                    tracing::warn!(report_request_id = %rr.report_request_id, error = %e, "report request refused");
                    errors.push(e);
                }
            }
        }
        let response = if errors.is_empty() || errors.len() < requests.len() {
            EiResponse::ok(request_id.clone())
        } else {
            EiResponse::error(
                ResponseCode::REPORT_NOT_SUPPORTED,
                errors.join("; "),
                request_id.clone(),
            )
        };
        let msg = Message::CreatedReport(CreatedReport {
            response,
            pending_reports: self.pending(),
            ven_id: Some(ven_id.clone()),
        });
        actions.extend(self.tick(now));
        (msg, actions)
    }

    fn create_one(
        &mut self,
        rr: &ReportRequest,
        now: Timestamp,
        replace: bool,
    ) -> Result<Vec<Action>, String> {
        let s = &rr.specifier;
        let offered = self
            .offered
            .iter()
            .find(|o| o.specifier == s.report_specifier_id)
            .ok_or_else(|| format!("no report with reportSpecifierID {}", s.report_specifier_id))?;
        let mut points = Vec::new();
        for p in &s.payloads {
            let found = offered
                .points
                .iter()
                .find(|(r, _)| *r == p.rid)
                .ok_or_else(|| format!("report {} has no rID {}", s.report_specifier_id, p.rid))?;
            points.push(found.clone());
        }
        if points.is_empty() {
            points = offered.points.clone();
        }
        let mut granularity = s.granularity.to_chrono();
        let back = s.report_back_duration.to_chrono();
        if granularity < chrono::Duration::zero() || back < chrono::Duration::zero() {
            return Err("negative granularity or reportBackDuration".into());
        }
        let (start, end) = match &s.report_interval {
            Some(p) => {
                let d = p.duration.to_chrono();
                (
                    p.dtstart,
                    (!d.is_zero()).then(|| p.dtstart.saturating_plus(d)),
                )
            }
            None => (now, None),
        };
        // Requested again: a report set aside for refusals resumes.
        if self.delivery.requested(s.report_specifier_id.as_str()) {
            tracing::info!(report = %s.report_specifier_id, report_request_id = %rr.report_request_id, "report requested again by the VTN; no longer set aside");
        }
        if offered.kind == ReportKind::HistoryUsage {
            let (from, to) = match &s.report_interval {
                Some(_) => (start, end.unwrap_or(now).min(now)),
                None => (now.saturating_minus(chrono::Duration::hours(24)), now),
            };
            let g = if granularity.is_zero() {
                chrono::Duration::minutes(1)
            } else {
                granularity
            };
            tracing::info!(report_request_id = %rr.report_request_id, %from, %to, "history report requested");
            return Ok(vec![
                Action::History {
                    kind: ReportKind::HistoryUsage,
                    report_request_id: rr.report_request_id.clone(),
                    report_specifier_id: s.report_specifier_id.clone(),
                    points,
                    from,
                    to,
                    granularity: g,
                },
                Action::Flush,
            ]);
        }
        if granularity.is_zero() {
            granularity = if back.is_zero() {
                self.min_period
            } else {
                back
            };
        }
        granularity = granularity.max(self.min_period);
        let start = match s.report_interval {
            Some(_) => start,
            None => Grid::new(granularity, self.phase).floor(now),
        };
        let next_flush = if back.is_zero() {
            end
        } else {
            Some(start.saturating_plus(back))
        };
        // First sampling instant after now, aligned to start.
        let mut next_sample = start.saturating_plus(granularity);
        if next_sample <= now {
            // Whole periods since start, in i64 milliseconds (a VTN can name a
            // start centuries ago; i32 periods would wrap).
            let g = granularity.num_milliseconds().max(1);
            let k = (now - start).num_milliseconds() / g + 1;
            next_sample =
                start.saturating_plus(chrono::Duration::milliseconds(k.saturating_mul(g)));
        }
        // Requests this one replaces; sampling continues on their grid when
        // the period is the same, so a re-registration leaves no gap.
        let replaced: Vec<ReportRequestId> = self
            .active
            .iter()
            .filter(|(id, a)| {
                **id == rr.report_request_id
                    || (a.specifier == s.report_specifier_id && (a.provisional || replace))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in replaced {
            let Some(old) = self.active.remove(&id) else {
                continue;
            };
            tracing::info!(report_request_id = %id, by = %rr.report_request_id, "report request replaced");
            if s.report_interval.is_none()
                && old.granularity == granularity
                && old.next_sample > now.saturating_minus(granularity)
            {
                next_sample = next_sample.min(old.next_sample);
            }
        }
        tracing::info!(
            report_request_id = %rr.report_request_id, specifier = %s.report_specifier_id,
            granularity_s = granularity.num_seconds(), back_s = back.num_seconds(), "report started"
        );
        self.seq += 1;
        self.active.insert(
            rr.report_request_id.clone(),
            Active {
                kind: offered.kind,
                specifier: s.report_specifier_id.clone(),
                points,
                granularity,
                back,
                end,
                next_sample,
                next_flush,
                provisional: false,
                seq: self.seq,
                anchor: next_sample,
            },
        );
        Ok(Vec::new())
    }

    /// oadrCancelReport: stop the named requests.
    pub fn cancel(
        &mut self,
        request_id: &RequestId,
        ids: &[ReportRequestId],
        report_to_follow: bool,
        ven_id: &VenId,
    ) -> (Message, Vec<Action>) {
        let mut unknown = Vec::new();
        for id in ids {
            if self.active.remove(id).is_some() {
                tracing::info!(report_request_id = %id, "report cancelled");
            } else {
                unknown.push(id.to_string());
            }
        }
        let response = if unknown.len() == ids.len() && !ids.is_empty() {
            EiResponse::error(
                ResponseCode::INVALID_ID,
                format!("unknown reportRequestID {}", unknown.join(", ")),
                request_id.clone(),
            )
        } else {
            EiResponse::ok(request_id.clone())
        };
        let msg = Message::CanceledReport(CanceledReport {
            response,
            pending_reports: self.pending(),
            ven_id: Some(ven_id.clone()),
        });
        let actions = if report_to_follow {
            vec![Action::Flush]
        } else {
            Vec::new()
        };
        (msg, actions)
    }

    /// Samples and flushes due at `now`; requests whose interval ended are removed.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut flush = false;
        let mut finished = Vec::new();
        for (id, a) in self.active.iter_mut() {
            if a.next_sample <= now && a.end.is_none_or(|e| a.next_sample <= e) {
                // Catch up to the latest due instant only.
                let behind =
                    (now - a.next_sample).num_milliseconds() / a.granularity.num_milliseconds();
                let mut at = a.next_sample + a.granularity * behind as i32;
                if let Some(e) = a.end {
                    at = at.min(e);
                }
                if behind > 0 && !self.delivery.is_set_aside(a.specifier.as_str()) {
                    tracing::warn!(report_request_id = %id, skipped = behind, "sampling instants missed");
                }
                // A report set aside for refusals is not sampled (its kept
                // readings are enough for a VTN that will not take them).
                if !self.delivery.is_set_aside(a.specifier.as_str()) {
                    actions.push(Action::Sample {
                        kind: a.kind,
                        report_request_id: id.clone(),
                        report_specifier_id: a.specifier.clone(),
                        points: a.points.clone(),
                        dtstart: at.saturating_minus(a.granularity),
                        granularity: a.granularity,
                    });
                }
                a.next_sample = at.saturating_plus(a.granularity);
            }
            if let Some(f) = a.next_flush {
                if f <= now {
                    flush = true;
                    a.next_flush = if a.back.is_zero() {
                        None
                    } else {
                        let k = (now - f).num_milliseconds() / a.back.num_milliseconds() + 1;
                        Some(f + a.back * k as i32)
                    };
                }
            }
            if a.end.is_some_and(|e| now >= e && a.next_sample > e) {
                finished.push(id.clone());
                flush = true;
            }
        }
        for id in finished {
            tracing::info!(report_request_id = %id, "report interval ended");
            self.active.remove(&id);
        }
        if flush {
            actions.push(Action::Flush);
        }
        actions
    }

    pub fn next_wakeup(&self) -> Option<Timestamp> {
        self.active
            .values()
            .flat_map(|a| [Some(a.next_sample), a.next_flush])
            .flatten()
            .min()
    }

    /// Stop every request (registration cancelled). The next registration
    /// settles again: what it does not request is then dropped.
    pub fn clear(&mut self) {
        self.active.clear();
        self.settled = false;
    }
}

/// oadrUpdateReport carrying `readings`, one oadrReport per report request,
/// in the given order, one data point per interval (the form every peer reads).
pub fn update_report(ven_id: &VenId, readings: &[Reading], now: Timestamp) -> Message {
    let mut reports: Vec<OadrReport> = Vec::new();
    for r in readings {
        let iv = Interval {
            dtstart: Some(r.dtstart),
            duration: Some(Duration::from_secs(r.duration_s as u64)),
            uid: None,
            payloads: vec![StreamPayload::Report(ReportPayload {
                rid: r.rid.clone(),
                confidence: None,
                accuracy: None,
                payload: match &r.value {
                    Value::Float(v) => PayloadBase::Float(*v),
                    Value::Status {
                        online,
                        manual_override,
                        level,
                    } => PayloadBase::ResourceStatus(Box::new(ResourceStatus {
                        online: *online,
                        manual_override: *manual_override,
                        load_control_state: Some(LoadControlState {
                            level_offset: Some(LoadControlValue {
                                current: *level,
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                    })),
                },
                data_quality: None,
            })],
        };
        let end = r
            .dtstart
            .saturating_plus(chrono::Duration::seconds(r.duration_s as i64));
        match reports
            .iter_mut()
            .find(|x| x.report_request_id == r.report_request_id)
        {
            Some(rep) => {
                let start = rep.dtstart.unwrap_or(r.dtstart).min(r.dtstart);
                let old_end = rep
                    .dtstart
                    .unwrap_or(r.dtstart)
                    .saturating_plus(rep.duration.map(|d| d.to_chrono()).unwrap_or_default());
                let new_end = old_end.max(end);
                rep.dtstart = Some(start);
                rep.duration = Some(Duration::from_secs(
                    (new_end - start).num_seconds().max(0) as u64
                ));
                rep.intervals.push(iv);
            }
            None => reports.push(OadrReport {
                dtstart: Some(r.dtstart),
                duration: Some(Duration::from_secs(r.duration_s as u64)),
                intervals: vec![iv],
                report_id: Some(
                    ReportId::new(uuid::Uuid::new_v4().simple().to_string()).expect("valid"),
                ),
                descriptions: Vec::new(),
                report_request_id: r.report_request_id.clone(),
                report_specifier_id: r.report_specifier_id.clone(),
                report_name: Some(r.kind.name()),
                created_date_time: now,
            }),
        }
    }
    Message::UpdateReport(UpdateReport {
        request_id: request_id(),
        reports,
        ven_id: Some(ven_id.clone()),
    })
}
