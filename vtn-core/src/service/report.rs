//! EiReport: the VEN's METADATA (and the telemetry requests it triggers),
//! readings, and report requests in both directions.

use adr_schema::{
    CancelReport, CanceledReport, CreateReport, CreatedReport, EiResponse, Message, PayloadBase,
    RegisterReport, RegisteredReport, RequestId, StreamPayload, TimestampExt, UpdateReport,
    UpdatedReport, VenId,
};

use super::{enqueue, ok_response, registered_opt};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::model::{PendingKind, Reading, ReportRegistration, ReportRequest, ReportRequestState};
use crate::ops::StoreOp;
use crate::reports::{self, PlannedRequest};
use crate::view::View;

/// Resources remembered per VEN (from its METADATA).
pub const MAX_RESOURCES: usize = 10_000;

pub fn register(
    v: &dyn View,
    ctx: &Ctx,
    m: &RegisterReport,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let mut ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    let mut requests = Vec::new();
    for r in &m.reports {
        let negative = r.duration.is_some_and(|d| d.negative)
            || r.descriptions.iter().any(|d| {
                d.sampling_rate
                    .as_ref()
                    .is_some_and(|s| s.min_period.negative || s.max_period.negative)
            });
        if negative {
            return Err(Error::data(
                "a report's duration and sampling periods must not be negative",
            ));
        }
        let offer = reports::offered(r);
        for p in &offer.points {
            if let Some(res) = &p.resource_id {
                if !ven.resources.contains(res) && ven.resources.len() < MAX_RESOURCES {
                    ven.resources.push(res.clone());
                }
            }
        }
        let plan = reports::plan_telemetry(&offer, ctx.policy.report_granularity, &ctx.new_id());
        ops.push(StoreOp::SaveReportRegistration(ReportRegistration {
            ven_id: ven.ven_id.clone(),
            offer: offer.clone(),
            registered_at: ctx.now,
        }));
        if let Some(plan) = plan {
            ops.push(StoreOp::CloseReportRequests {
                ven: ven.ven_id.clone(),
                report_specifier_id: Some(offer.report_specifier_id.clone()),
                state: ReportRequestState::Superseded,
                at: ctx.now,
            });
            requests.push(reports::to_report_request(&plan, Some(&offer))?);
            ops.push(StoreOp::InsertReportRequest(request_of(
                ctx,
                &ven.ven_id,
                &plan,
            )?));
        }
    }
    ops.push(StoreOp::UpdateVen(ven));
    Ok(Message::RegisteredReport(RegisteredReport {
        response: EiResponse::ok(m.request_id.clone()),
        report_requests: requests,
        ven_id: m.ven_id.clone(),
    }))
}

/// The stored form of a request the VTN decided to make.
pub(crate) fn request_of(ctx: &Ctx, ven: &VenId, p: &PlannedRequest) -> Result<ReportRequest> {
    let dur = |what: &str, s: &str| {
        s.parse::<adr_schema::Duration>()
            .map_err(|e| Error::data(format!("{what} {s:?}: {e}")))
    };
    Ok(ReportRequest {
        report_request_id: p.report_request_id.clone(),
        ven_id: ven.clone(),
        report_specifier_id: p.report_specifier_id.clone(),
        report_name: p.report_name.clone(),
        rids: p.rids.clone(),
        granularity: dur("granularity", &p.granularity)?,
        report_back_duration: dur("reportBackDuration", &p.report_back_duration)?,
        interval_start: p.interval_start,
        interval_end: p.interval_end,
        state: ReportRequestState::Requested,
        created_at: ctx.now,
        deadline: Some(
            ctx.now
                .saturating_plus(ctx.policy.report_deadline.to_chrono()),
        ),
        updated_at: ctx.now,
    })
}

pub fn created(
    v: &dyn View,
    ctx: &Ctx,
    m: &CreatedReport,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    for id in &m.pending_reports {
        if let Some(r) = v.report_request(id.as_str())? {
            if r.ven_id == ven.ven_id && r.state.awaits_confirmation() {
                ops.push(StoreOp::SetReportRequestState {
                    id: r.report_request_id,
                    state: ReportRequestState::Active,
                    at: ctx.now,
                });
            }
        }
    }
    Ok(ok_response(&m.response.request_id, m.ven_id.clone()))
}

pub fn update(
    v: &dyn View,
    ctx: &Ctx,
    m: &UpdateReport,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    let mut out = Vec::new();
    for r in &m.reports {
        let id = r.report_request_id.as_str();
        let req = v
            .report_request(id)?
            .filter(|q| q.ven_id == ven.ven_id)
            .ok_or_else(|| {
                Error::InvalidId(format!(
                    "reportRequestID {id} was not requested from this VEN"
                ))
            })?;
        if req.report_specifier_id != r.report_specifier_id.as_str() {
            return Err(Error::InvalidId(format!(
                "report {id} is for reportSpecifierID {}, not {}",
                req.report_specifier_id, r.report_specifier_id
            )));
        }
        if req.state == ReportRequestState::Superseded {
            return Err(Error::ReportNotSupported(format!(
                "report request {id} was replaced by a newer one"
            )));
        }
        // Readings are dated between the request's own window (HISTORY) or
        // `reading_window` back, and `clock_skew` ahead of our clock.
        let earliest = req.interval_start.unwrap_or_else(|| {
            ctx.now
                .saturating_minus(ctx.policy.reading_window.to_chrono())
        });
        let latest = ctx.now.saturating_plus(ctx.policy.clock_skew.to_chrono());
        for iv in &r.intervals {
            let start = iv.dtstart.or(r.dtstart).unwrap_or(ctx.now);
            if start < earliest || start > latest {
                return Err(Error::data(format!(
                    "a reading dated {start} is outside {earliest} .. {latest}"
                )));
            }
            if iv.duration.is_some_and(|d| d.negative) {
                return Err(Error::data("a reading's duration must not be negative"));
            }
            for p in &iv.payloads {
                let StreamPayload::Report(rp) = p else {
                    return Err(Error::data(
                        "a report interval carries oadrReportPayload, not signalPayload",
                    ));
                };
                if !req.rids.is_empty() && !req.rids.iter().any(|x| x == rp.rid.as_str()) {
                    return Err(Error::InvalidId(format!(
                        "rID {} was not requested in report request {id}",
                        rp.rid
                    )));
                }
                let (value, status_json) = match &rp.payload {
                    PayloadBase::Float(x) if !x.is_finite() => {
                        return Err(Error::data(format!(
                            "rID {}: a reading must be a finite number",
                            rp.rid
                        )))
                    }
                    PayloadBase::Float(x) => (Some(*x), None),
                    PayloadBase::ResourceStatus(s) => (None, Some(serde_json::to_string(s)?)),
                };
                out.push(Reading {
                    ven_id: ven.ven_id.clone(),
                    report_request_id: id.to_string(),
                    report_specifier_id: req.report_specifier_id.clone(),
                    report_name: r
                        .report_name
                        .as_ref()
                        .map(|n| reports::base_report_name(n.as_str()).to_string())
                        .or_else(|| Some(req.report_name.clone())),
                    rid: rp.rid.to_string(),
                    dtstart: start,
                    duration_secs: iv.duration.map(|d| d.as_secs_f64()),
                    value,
                    status_json,
                    confidence: rp.confidence,
                    accuracy: rp.accuracy,
                    data_quality: rp.data_quality.as_ref().map(|d| d.to_string()),
                    received_at: ctx.now,
                });
            }
        }
        if req.state.awaits_confirmation() {
            ops.push(StoreOp::SetReportRequestState {
                id: id.to_string(),
                state: ReportRequestState::Active,
                at: ctx.now,
            });
        }
    }
    ops.push(StoreOp::InsertReadings(out));
    Ok(Message::UpdatedReport(UpdatedReport {
        response: EiResponse::ok(m.request_id.clone()),
        cancel_report: None,
        ven_id: m.ven_id.clone(),
    }))
}

/// A VEN asks the VTN for reports. The VTN offers only its METADATA (an
/// oadrRegisterReport, queued for the VEN's next poll).
pub fn create_from_ven(
    v: &dyn View,
    ctx: &Ctx,
    m: &CreateReport,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    for rr in &m.report_requests {
        let spec = rr.specifier.report_specifier_id.as_str();
        if spec != "METADATA" {
            return Err(Error::ReportNotSupported(format!(
                "this VTN offers only its METADATA report, not {spec}"
            )));
        }
    }
    let body = vtn_metadata(ctx, &ven.ven_id)?.to_xml();
    ops.push(enqueue(&ven, PendingKind::RegisterReport, body));
    Ok(Message::CreatedReport(CreatedReport {
        response: EiResponse::ok(m.request_id.clone()),
        pending_reports: vec![],
        ven_id: m.ven_id.clone(),
    }))
}

/// The VTN's own METADATA: it measures nothing itself, so it registers no report.
pub fn vtn_metadata(ctx: &Ctx, ven: &VenId) -> Result<Message> {
    Ok(Message::RegisterReport(RegisterReport {
        request_id: RequestId::new(ctx.new_id())?,
        reports: vec![],
        ven_id: Some(ven.clone()),
        report_request_id: None,
    }))
}

pub fn cancel_from_ven(
    v: &dyn View,
    ctx: &Ctx,
    m: &CancelReport,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
    ops.push(StoreOp::Contact(ven.ven_id));
    // The VTN produces no reports of its own beyond METADATA, so nothing stays pending.
    Ok(Message::CanceledReport(CanceledReport {
        response: EiResponse::ok(m.request_id.clone()),
        pending_reports: vec![],
        ven_id: m.ven_id.clone(),
    }))
}

/// The VEN's answer to our oadrCancelReport: requests it no longer lists
/// as pending are cancelled.
pub fn canceled(
    v: &dyn View,
    ctx: &Ctx,
    m: &CanceledReport,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    let still: Vec<&str> = m.pending_reports.iter().map(|r| r.as_str()).collect();
    for r in v.report_requests_of(&ven.ven_id)? {
        if r.state == ReportRequestState::Cancelling
            && !still.contains(&r.report_request_id.as_str())
        {
            ops.push(StoreOp::SetReportRequestState {
                id: r.report_request_id,
                state: ReportRequestState::Cancelled,
                at: ctx.now,
            });
        }
    }
    Ok(ok_response(&m.response.request_id, m.ven_id.clone()))
}
