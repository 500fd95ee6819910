//! `oadr:oadrReport`, its descriptions, and report requests.

use serde::Serialize;

use super::common::{
    read_date_time, read_duration_prop, read_intervals, write_date_time, write_duration_prop,
    write_intervals, EiTarget, Interval, Properties,
};
use super::item_base::{try_item_base, ItemBase};
use crate::enums::{ReadingType, ReportName, ReportType};
use crate::error::Result;
use crate::ids::{ReportId, ReportRequestId, ReportSpecifierId, Rid};
use crate::ns::Ns;
use crate::time::{Duration, Timestamp};
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `oadr:oadrReport`: a METADATA description (with `descriptions`) or data
/// (with `intervals`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OadrReport {
    pub dtstart: Option<Timestamp>,
    pub duration: Option<Duration>,
    /// Empty means the element is absent.
    pub intervals: Vec<Interval>,
    pub report_id: Option<ReportId>,
    pub descriptions: Vec<ReportDescription>,
    pub report_request_id: ReportRequestId,
    pub report_specifier_id: ReportSpecifierId,
    pub report_name: Option<ReportName>,
    pub created_date_time: Timestamp,
}

/// `oadr:oadrReportDescription`: one data point a VEN can report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportDescription {
    pub rid: Rid,
    pub report_subject: Option<EiTarget>,
    pub report_data_source: Option<EiTarget>,
    pub report_type: ReportType,
    pub item_base: Option<ItemBase>,
    pub reading_type: ReadingType,
    pub market_context: Option<String>,
    pub sampling_rate: Option<SamplingRate>,
}

/// `oadr:oadrSamplingRate`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SamplingRate {
    pub min_period: Duration,
    pub max_period: Duration,
    pub on_change: bool,
}

/// `oadr:oadrReportRequest`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRequest {
    pub report_request_id: ReportRequestId,
    pub specifier: ReportSpecifier,
}

/// `ei:reportSpecifier`: what to report, how often, over which window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportSpecifier {
    pub report_specifier_id: ReportSpecifierId,
    /// Sampling interval of the data.
    pub granularity: Duration,
    /// How often to send (PT0S: once, at the end of `report_interval`).
    pub report_back_duration: Duration,
    /// `reportInterval/xcal:properties`: the window to report on.
    pub report_interval: Option<Properties>,
    pub payloads: Vec<SpecifierPayload>,
}

/// `ei:specifierPayload`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpecifierPayload {
    pub rid: Rid,
    pub item_base: Option<ItemBase>,
    pub reading_type: ReadingType,
}

impl Element for OadrReport {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut start, mut dur, mut iv, mut rid, mut rrid, mut spec, mut name, mut created) =
            (None, None, None, None, None, None, None, None);
        let mut descriptions = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Xcal, "dtstart") => once!(r, start, "dtstart", read_date_time(r)?),
                (Ns::Xcal, "duration") => once!(r, dur, "duration", read_duration_prop(r)?),
                (Ns::Strm, "intervals") => once!(r, iv, "intervals", read_intervals(r)?),
                // openleadr writes an empty eiReportID in every report: "none".
                (Ns::Ei, "eiReportID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, rid, "eiReportID", v)
                    }
                }
                (Ns::Oadr, "oadrReportDescription") => {
                    push!(r, descriptions, ReportDescription::read(r)?)
                }
                (Ns::Ei, "reportRequestID") => once!(r, rrid, "reportRequestID", r.leaf()?),
                (Ns::Ei, "reportSpecifierID") => once!(r, spec, "reportSpecifierID", r.leaf()?),
                (Ns::Ei, "reportName") => once!(r, name, "reportName", r.leaf()?),
                (Ns::Ei, "createdDateTime") => once!(r, created, "createdDateTime", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(OadrReport {
            dtstart: start,
            duration: dur,
            intervals: iv.unwrap_or_default(),
            report_id: rid,
            descriptions,
            report_request_id: need!(r, rrid, "reportRequestID"),
            report_specifier_id: need!(r, spec, "reportSpecifierID"),
            report_name: name,
            created_date_time: need!(r, created, "createdDateTime"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        if let Some(t) = &self.dtstart {
            write_date_time(w, "xcal:dtstart", t);
        }
        if let Some(d) = &self.duration {
            write_duration_prop(w, "xcal:duration", d);
        }
        if !self.intervals.is_empty() {
            write_intervals(w, &self.intervals);
        }
        w.opt_leaf("ei:eiReportID", &self.report_id);
        for d in &self.descriptions {
            d.write(w, "oadr:oadrReportDescription");
        }
        w.leaf("ei:reportRequestID", &self.report_request_id);
        w.leaf("ei:reportSpecifierID", &self.report_specifier_id);
        w.opt_leaf("ei:reportName", &self.report_name);
        w.leaf("ei:createdDateTime", &self.created_date_time);
        w.close(tag);
    }
}

impl Element for ReportDescription {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut rid, mut subj, mut src, mut ty, mut ib, mut rt, mut mc, mut sr) =
            (None, None, None, None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "rID") => once!(r, rid, "rID", r.leaf()?),
                (Ns::Ei, "reportSubject") => once!(r, subj, "reportSubject", EiTarget::read(r)?),
                (Ns::Ei, "reportDataSource") => {
                    once!(r, src, "reportDataSource", EiTarget::read(r)?)
                }
                (Ns::Ei, "reportType") => once!(r, ty, "reportType", r.leaf()?),
                (Ns::Ei, "readingType") => once!(r, rt, "readingType", r.leaf()?),
                (Ns::Emix, "marketContext") => once!(r, mc, "marketContext", r.leaf()?),
                (Ns::Oadr, "oadrSamplingRate") => {
                    once!(r, sr, "oadrSamplingRate", read_sampling_rate(r)?)
                }
                (ns, local) => match try_item_base(r, ns, local)? {
                    Some(b) => once!(r, ib, "itemBase", b),
                    None => return Err(r.unexpected(&c)),
                },
            }
        }
        Ok(ReportDescription {
            rid: need!(r, rid, "rID"),
            report_subject: subj,
            report_data_source: src,
            report_type: need!(r, ty, "reportType"),
            item_base: ib,
            reading_type: need!(r, rt, "readingType"),
            market_context: mc,
            sampling_rate: sr,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:rID", &self.rid);
        if let Some(t) = &self.report_subject {
            t.write(w, "ei:reportSubject");
        }
        if let Some(t) = &self.report_data_source {
            t.write(w, "ei:reportDataSource");
        }
        w.leaf("ei:reportType", &self.report_type);
        if let Some(b) = &self.item_base {
            b.write(w);
        }
        w.leaf("ei:readingType", &self.reading_type);
        w.opt_leaf("emix:marketContext", &self.market_context);
        if let Some(s) = &self.sampling_rate {
            w.open("oadr:oadrSamplingRate");
            w.leaf("oadr:oadrMinPeriod", &s.min_period);
            w.leaf("oadr:oadrMaxPeriod", &s.max_period);
            w.leaf("oadr:oadrOnChange", &s.on_change);
            w.close("oadr:oadrSamplingRate");
        }
        w.close(tag);
    }
}

fn read_sampling_rate(r: &mut Reader<'_>) -> Result<SamplingRate> {
    let (mut min, mut max, mut oc) = (None, None, None);
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Oadr, "oadrMinPeriod") => once!(r, min, "oadrMinPeriod", r.leaf()?),
            (Ns::Oadr, "oadrMaxPeriod") => once!(r, max, "oadrMaxPeriod", r.leaf()?),
            (Ns::Oadr, "oadrOnChange") => once!(r, oc, "oadrOnChange", r.leaf()?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(SamplingRate {
        min_period: need!(r, min, "oadrMinPeriod"),
        max_period: need!(r, max, "oadrMaxPeriod"),
        on_change: need!(r, oc, "oadrOnChange"),
    })
}

impl Element for ReportRequest {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut id, mut spec) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "reportRequestID") => once!(r, id, "reportRequestID", r.leaf()?),
                (Ns::Ei, "reportSpecifier") => {
                    once!(r, spec, "reportSpecifier", ReportSpecifier::read(r)?)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(ReportRequest {
            report_request_id: need!(r, id, "reportRequestID"),
            specifier: need!(r, spec, "reportSpecifier"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:reportRequestID", &self.report_request_id);
        self.specifier.write(w, "ei:reportSpecifier");
        w.close(tag);
    }
}

impl Element for ReportSpecifier {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut id, mut gran, mut back, mut interval) = (None, None, None, None);
        let mut payloads = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "reportSpecifierID") => once!(r, id, "reportSpecifierID", r.leaf()?),
                (Ns::Xcal, "granularity") => once!(r, gran, "granularity", read_duration_prop(r)?),
                (Ns::Ei, "reportBackDuration") => {
                    once!(r, back, "reportBackDuration", read_duration_prop(r)?)
                }
                (Ns::Ei, "reportInterval") => once!(
                    r,
                    interval,
                    "reportInterval",
                    r.wrapped(Ns::Xcal, "properties", Properties::read)?
                ),
                (Ns::Ei, "specifierPayload") => push!(r, payloads, SpecifierPayload::read(r)?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        if payloads.is_empty() {
            return Err(r.missing("specifierPayload"));
        }
        Ok(ReportSpecifier {
            report_specifier_id: need!(r, id, "reportSpecifierID"),
            granularity: need!(r, gran, "granularity"),
            report_back_duration: need!(r, back, "reportBackDuration"),
            report_interval: interval,
            payloads,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:reportSpecifierID", &self.report_specifier_id);
        write_duration_prop(w, "xcal:granularity", &self.granularity);
        write_duration_prop(w, "ei:reportBackDuration", &self.report_back_duration);
        if let Some(p) = &self.report_interval {
            w.open("ei:reportInterval");
            p.write(w, "xcal:properties");
            w.close("ei:reportInterval");
        }
        for p in &self.payloads {
            p.write(w, "ei:specifierPayload");
        }
        w.close(tag);
    }
}

impl Element for SpecifierPayload {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut rid, mut ib, mut rt) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "rID") => once!(r, rid, "rID", r.leaf()?),
                (Ns::Ei, "readingType") => once!(r, rt, "readingType", r.leaf()?),
                (ns, local) => match try_item_base(r, ns, local)? {
                    Some(b) => once!(r, ib, "itemBase", b),
                    None => return Err(r.unexpected(&c)),
                },
            }
        }
        Ok(SpecifierPayload {
            rid: need!(r, rid, "rID"),
            item_base: ib,
            reading_type: need!(r, rt, "readingType"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:rID", &self.rid);
        if let Some(b) = &self.item_base {
            b.write(w);
        }
        w.leaf("ei:readingType", &self.reading_type);
        w.close(tag);
    }
}
