//! Reports: what a VEN offers (its METADATA) and what the VTN asks for.

use adr_schema::{
    Duration, OadrReport, Properties, ReportRequest, ReportRequestId, ReportSpecifier,
    ReportSpecifierId, Rid, SpecifierPayload, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One data point a VEN offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferedPoint {
    pub rid: String,
    pub report_type: String,
    pub reading_type: String,
    pub resource_id: Option<String>,
    /// itemBase kind and units, e.g. "Voltage V".
    pub item: Option<String>,
    pub min_period: Option<String>,
    pub max_period: Option<String>,
}

/// One METADATA report of a VEN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferedReport {
    pub report_specifier_id: String,
    /// Without the METADATA_ prefix, e.g. TELEMETRY_USAGE.
    pub report_name: String,
    pub duration: Option<String>,
    pub points: Vec<OfferedPoint>,
}

/// `METADATA_TELEMETRY_USAGE` and `TELEMETRY_USAGE` both name the telemetry usage report.
pub fn base_report_name(name: &str) -> &str {
    name.strip_prefix("METADATA_").unwrap_or(name)
}

pub fn offered(r: &OadrReport) -> OfferedReport {
    let points = r
        .descriptions
        .iter()
        .map(|d| OfferedPoint {
            rid: d.rid.to_string(),
            report_type: d.report_type.to_string(),
            reading_type: d.reading_type.to_string(),
            resource_id: d
                .report_data_source
                .as_ref()
                .or(d.report_subject.as_ref())
                .and_then(|t| t.resource_ids.first().cloned()),
            item: d.item_base.as_ref().map(|b| {
                serde_json::to_value(b)
                    .ok()
                    .and_then(|v| {
                        let kind = v.get("kind")?.as_str()?.to_string();
                        let units = v
                            .get("units")
                            .and_then(|u| u.as_str())
                            .unwrap_or("")
                            .to_string();
                        Some(format!("{kind} {units}").trim().to_string())
                    })
                    .unwrap_or_default()
            }),
            min_period: d.sampling_rate.as_ref().map(|s| s.min_period.to_string()),
            max_period: d.sampling_rate.as_ref().map(|s| s.max_period.to_string()),
        })
        .collect();
    OfferedReport {
        report_specifier_id: r.report_specifier_id.to_string(),
        report_name: base_report_name(r.report_name.as_ref().map(|n| n.as_str()).unwrap_or(""))
            .to_string(),
        duration: r.duration.map(|d| d.to_string()),
        points,
    }
}

/// A report request the VTN decided to make, before it is stored and sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedRequest {
    pub report_request_id: String,
    pub report_specifier_id: String,
    pub report_name: String,
    pub rids: Vec<String>,
    pub granularity: String,
    pub report_back_duration: String,
    pub interval_start: Option<Timestamp>,
    pub interval_end: Option<Timestamp>,
}

/// The reports the VTN asks for as soon as a VEN offers them.
pub const AUTO_REQUESTED: &[&str] = &["TELEMETRY_USAGE", "TELEMETRY_STATUS"];

/// Granularity for a report: the configured one, clamped into every point's
/// [minPeriod, maxPeriod] range where the VEN gave one.
pub fn granularity_for(offer: &OfferedReport, wanted: Duration) -> Duration {
    let secs = |d: &Option<String>| {
        d.as_deref()
            .and_then(|s| s.parse::<Duration>().ok())
            .map(|d| d.as_secs_f64())
    };
    let lo = offer
        .points
        .iter()
        .filter_map(|p| secs(&p.min_period))
        .fold(0.0, f64::max);
    let hi = offer
        .points
        .iter()
        .filter_map(|p| secs(&p.max_period))
        .fold(f64::INFINITY, f64::min);
    let mut g = wanted.as_secs_f64().max(lo);
    if g > hi {
        g = hi.max(lo);
    }
    Duration::from_secs(g.round().max(0.0) as u64)
}

/// Plan a telemetry request for an offered report, if it is one we want.
pub fn plan_telemetry(
    offer: &OfferedReport,
    wanted: Duration,
    report_request_id: &str,
) -> Option<PlannedRequest> {
    if !AUTO_REQUESTED.contains(&offer.report_name.as_str()) || offer.points.is_empty() {
        return None;
    }
    let g = granularity_for(offer, wanted).to_string();
    Some(PlannedRequest {
        report_request_id: report_request_id.to_string(),
        report_specifier_id: offer.report_specifier_id.clone(),
        report_name: offer.report_name.clone(),
        rids: offer.points.iter().map(|p| p.rid.clone()).collect(),
        granularity: g.clone(),
        report_back_duration: g,
        interval_start: None,
        interval_end: None,
    })
}

/// The wire form of a planned request.
pub fn to_report_request(
    p: &PlannedRequest,
    offer: Option<&OfferedReport>,
) -> Result<ReportRequest> {
    let bad = |e: adr_schema::Error| Error::data(e.to_string());
    let report_interval = match (p.interval_start, p.interval_end) {
        (Some(s), Some(e)) if e > s => Some(Properties::new(
            s,
            Duration::from_secs((e - s).num_seconds() as u64),
        )),
        (Some(s), _) => Some(Properties::new(s, Duration::ZERO)),
        _ => None,
    };
    let payloads = p
        .rids
        .iter()
        .map(|rid| {
            let reading = offer
                .and_then(|o| o.points.iter().find(|pt| pt.rid == *rid))
                .map(|pt| pt.reading_type.as_str())
                .unwrap_or("Direct Read");
            Ok(SpecifierPayload {
                rid: Rid::new(rid.clone()).map_err(bad)?,
                item_base: None,
                reading_type: reading.parse().map_err(Error::data)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ReportRequest {
        report_request_id: ReportRequestId::new(p.report_request_id.clone()).map_err(bad)?,
        specifier: ReportSpecifier {
            report_specifier_id: ReportSpecifierId::new(p.report_specifier_id.clone())
                .map_err(bad)?,
            granularity: p.granularity.parse().map_err(Error::data)?,
            report_back_duration: p.report_back_duration.parse().map_err(Error::data)?,
            report_interval,
            payloads,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(name: &str, min: &str, max: &str) -> OfferedReport {
        OfferedReport {
            report_specifier_id: "S1".into(),
            report_name: name.into(),
            duration: Some("PT1H".into()),
            points: vec![OfferedPoint {
                rid: "r1".into(),
                report_type: "reading".into(),
                reading_type: "Direct Read".into(),
                resource_id: Some("dev".into()),
                item: None,
                min_period: Some(min.into()),
                max_period: Some(max.into()),
            }],
        }
    }

    #[test]
    fn telemetry_is_requested_within_the_offered_sampling_range() {
        let p = plan_telemetry(
            &offer("TELEMETRY_USAGE", "PT1S", "PT1S"),
            Duration::minutes(1),
            "rr-1",
        )
        .unwrap();
        assert_eq!(p.granularity, "PT1S");
        let p = plan_telemetry(
            &offer("TELEMETRY_STATUS", "PT10S", "PT1H"),
            Duration::minutes(1),
            "rr-1",
        )
        .unwrap();
        assert_eq!(p.granularity, "PT1M");
        let p = plan_telemetry(
            &offer("TELEMETRY_USAGE", "PT5M", "PT1H"),
            Duration::minutes(1),
            "rr-1",
        )
        .unwrap();
        assert_eq!(p.granularity, "PT5M");
        assert!(plan_telemetry(
            &offer("HISTORY_USAGE", "PT1S", "PT1H"),
            Duration::minutes(1),
            "rr-1"
        )
        .is_none());
        let rr = to_report_request(&p, None).unwrap();
        assert_eq!(rr.specifier.payloads.len(), 1);
    }
}
