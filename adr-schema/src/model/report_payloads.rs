//! EiReport service payloads.

use serde::Serialize;

use super::common::EiResponse;
use super::report::{OadrReport, ReportRequest};
use crate::error::Result;
use crate::ids::{ReportRequestId, RequestId, VenId};
use crate::ns::Ns;
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `oadr:oadrRegisterReport`: METADATA reports describing what a party can report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegisterReport {
    pub request_id: RequestId,
    pub reports: Vec<OadrReport>,
    pub ven_id: Option<VenId>,
    pub report_request_id: Option<ReportRequestId>,
}

/// `oadr:oadrRegisteredReport`: the answer, with the reports the receiver wants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegisteredReport {
    pub response: EiResponse,
    pub report_requests: Vec<ReportRequest>,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrCreateReport`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateReport {
    pub request_id: RequestId,
    /// At least one.
    pub report_requests: Vec<ReportRequest>,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrCreatedReport`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreatedReport {
    pub response: EiResponse,
    pub pending_reports: Vec<ReportRequestId>,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrUpdateReport`: report data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpdateReport {
    pub request_id: RequestId,
    pub reports: Vec<OadrReport>,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrUpdatedReport`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpdatedReport {
    pub response: EiResponse,
    pub cancel_report: Option<CancelReport>,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrCancelReport`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CancelReport {
    pub request_id: RequestId,
    /// At least one.
    pub report_request_ids: Vec<ReportRequestId>,
    pub report_to_follow: bool,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrCanceledReport`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CanceledReport {
    pub response: EiResponse,
    pub pending_reports: Vec<ReportRequestId>,
    pub ven_id: Option<VenId>,
}

/// The shared body of oadrRegisterReport and oadrUpdateReport.
struct ReportsBody {
    request_id: RequestId,
    reports: Vec<OadrReport>,
    ven_id: Option<VenId>,
    report_request_id: Option<ReportRequestId>,
}

fn read_reports(r: &mut Reader<'_>, with_rrid: bool) -> Result<ReportsBody> {
    let (mut req, mut ven, mut rrid) = (None, None, None);
    let mut reports = Vec::new();
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
            (Ns::Oadr, "oadrReport") => push!(r, reports, OadrReport::read(r)?),
            (Ns::Ei, "venID") => {
                if let Some(v) = r.leaf_opt()? {
                    once!(r, ven, "venID", v)
                }
            }
            (Ns::Ei, "reportRequestID") if with_rrid => {
                once!(r, rrid, "reportRequestID", r.leaf()?)
            }
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(ReportsBody {
        request_id: need!(r, req, "requestID"),
        reports,
        ven_id: ven,
        report_request_id: rrid,
    })
}

impl Element for RegisterReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let b = read_reports(r, true)?;
        Ok(RegisterReport {
            request_id: b.request_id,
            reports: b.reports,
            ven_id: b.ven_id,
            report_request_id: b.report_request_id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        for rep in &self.reports {
            rep.write(w, "oadr:oadrReport");
        }
        w.opt_leaf("ei:venID", &self.ven_id);
        w.opt_leaf("ei:reportRequestID", &self.report_request_id);
        w.close(tag);
    }
}

impl Element for UpdateReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let b = read_reports(r, false)?;
        Ok(UpdateReport {
            request_id: b.request_id,
            reports: b.reports,
            ven_id: b.ven_id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        for rep in &self.reports {
            rep.write(w, "oadr:oadrReport");
        }
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

/// The shared body of oadrCreateReport (headed by requestID) and
/// oadrRegisteredReport (headed by eiResponse).
struct RequestsBody {
    request_id: Option<RequestId>,
    response: Option<EiResponse>,
    report_requests: Vec<ReportRequest>,
    ven_id: Option<VenId>,
}

fn read_requests(r: &mut Reader<'_>, head: Ns) -> Result<RequestsBody> {
    let (mut req, mut resp, mut ven) = (None, None, None);
    let mut requests = Vec::new();
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Pyld, "requestID") if head == Ns::Pyld => once!(r, req, "requestID", r.leaf()?),
            (Ns::Ei, "eiResponse") if head == Ns::Ei => {
                once!(r, resp, "eiResponse", EiResponse::read(r)?)
            }
            (Ns::Oadr, "oadrReportRequest") => push!(r, requests, ReportRequest::read(r)?),
            (Ns::Ei, "venID") => {
                if let Some(v) = r.leaf_opt()? {
                    once!(r, ven, "venID", v)
                }
            }
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(RequestsBody {
        request_id: req,
        response: resp,
        report_requests: requests,
        ven_id: ven,
    })
}

impl Element for RegisteredReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let b = read_requests(r, Ns::Ei)?;
        let resp = b.response;
        Ok(RegisteredReport {
            response: need!(r, resp, "eiResponse"),
            report_requests: b.report_requests,
            ven_id: b.ven_id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        for rr in &self.report_requests {
            rr.write(w, "oadr:oadrReportRequest");
        }
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for CreateReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let b = read_requests(r, Ns::Pyld)?;
        if b.report_requests.is_empty() {
            return Err(r.missing("oadrReportRequest"));
        }
        let req = b.request_id;
        Ok(CreateReport {
            request_id: need!(r, req, "requestID"),
            report_requests: b.report_requests,
            ven_id: b.ven_id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        for rr in &self.report_requests {
            rr.write(w, "oadr:oadrReportRequest");
        }
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

fn read_pending(r: &mut Reader<'_>) -> Result<Vec<ReportRequestId>> {
    let mut out = Vec::new();
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Ei, "reportRequestID") => push!(r, out, r.leaf()?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(out)
}

fn write_pending(w: &mut Writer, ids: &[ReportRequestId]) {
    if ids.is_empty() {
        w.empty("oadr:oadrPendingReports");
        return;
    }
    w.open("oadr:oadrPendingReports");
    for id in ids {
        w.leaf("ei:reportRequestID", id);
    }
    w.close("oadr:oadrPendingReports");
}

fn read_response_pending(
    r: &mut Reader<'_>,
) -> Result<(EiResponse, Vec<ReportRequestId>, Option<VenId>)> {
    let (mut resp, mut pending, mut ven) = (None, None, None);
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
            (Ns::Oadr, "oadrPendingReports") => {
                once!(r, pending, "oadrPendingReports", read_pending(r)?)
            }
            (Ns::Ei, "venID") => {
                if let Some(v) = r.leaf_opt()? {
                    once!(r, ven, "venID", v)
                }
            }
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok((
        need!(r, resp, "eiResponse"),
        need!(r, pending, "oadrPendingReports"),
        ven,
    ))
}

impl Element for CreatedReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (response, pending_reports, ven_id) = read_response_pending(r)?;
        Ok(CreatedReport {
            response,
            pending_reports,
            ven_id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        write_pending(w, &self.pending_reports);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for CanceledReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (response, pending_reports, ven_id) = read_response_pending(r)?;
        Ok(CanceledReport {
            response,
            pending_reports,
            ven_id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        write_pending(w, &self.pending_reports);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for UpdatedReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut cancel, mut ven) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Oadr, "oadrCancelReport") => {
                    once!(r, cancel, "oadrCancelReport", CancelReport::read(r)?)
                }
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(UpdatedReport {
            response: need!(r, resp, "eiResponse"),
            cancel_report: cancel,
            ven_id: ven,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        if let Some(c) = &self.cancel_report {
            c.write(w, "oadr:oadrCancelReport");
        }
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for CancelReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut req, mut follow, mut ven) = (None, None, None);
        let mut ids = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "reportRequestID") => push!(r, ids, r.leaf()?),
                (Ns::Pyld, "reportToFollow") => once!(r, follow, "reportToFollow", r.leaf()?),
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        if ids.is_empty() {
            return Err(r.missing("reportRequestID"));
        }
        Ok(CancelReport {
            request_id: need!(r, req, "requestID"),
            report_request_ids: ids,
            report_to_follow: need!(r, follow, "reportToFollow"),
            ven_id: ven,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        for id in &self.report_request_ids {
            w.leaf("ei:reportRequestID", id);
        }
        w.leaf("pyld:reportToFollow", &self.report_to_follow);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}
