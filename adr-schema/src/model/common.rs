//! Parts shared by several payloads: responses, targets, intervals, xCal properties.

use serde::Serialize;

use crate::enums::{DataQuality, ResponseCode};
use crate::error::{ErrorKind, Result};
use crate::ids::{EventId, RequestId, Rid, VenId};
use crate::ns::Ns;
use crate::time::{Duration, Timestamp};
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `ei:eiResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EiResponse {
    pub response_code: ResponseCode,
    pub response_description: Option<String>,
    pub request_id: RequestId,
}

impl EiResponse {
    pub fn ok(request_id: RequestId) -> Self {
        EiResponse {
            response_code: ResponseCode::OK,
            response_description: Some("OK".into()),
            request_id,
        }
    }
    pub fn error(
        code: ResponseCode,
        description: impl Into<String>,
        request_id: RequestId,
    ) -> Self {
        EiResponse {
            response_code: code,
            response_description: Some(description.into()),
            request_id,
        }
    }
}

impl Element for EiResponse {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut code, mut desc, mut req) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "responseCode") => once!(r, code, "responseCode", r.leaf()?),
                (Ns::Ei, "responseDescription") => once!(r, desc, "responseDescription", r.leaf()?),
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(EiResponse {
            response_code: need!(r, code, "responseCode"),
            response_description: desc,
            request_id: need!(r, req, "requestID"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:responseCode", &self.response_code);
        w.opt_leaf("ei:responseDescription", &self.response_description);
        w.leaf("pyld:requestID", &self.request_id);
        w.close(tag);
    }
}

/// `ei:eiTarget` (also `ei:reportSubject`, `ei:reportDataSource`,
/// `oadr:oadrDeviceClass`). The GML-based serviceArea and serviceLocation are
/// refused as unsupported rather than silently dropped.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EiTarget {
    pub aggregated_pnodes: Vec<String>,
    pub end_device_assets: Vec<String>,
    pub meter_assets: Vec<String>,
    pub pnodes: Vec<String>,
    pub service_delivery_points: Vec<String>,
    pub transport_interfaces: Vec<TransportInterface>,
    pub group_ids: Vec<String>,
    pub group_names: Vec<String>,
    pub resource_ids: Vec<String>,
    pub ven_ids: Vec<VenId>,
    pub party_ids: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TransportInterface {
    pub point_of_receipt: String,
    pub point_of_delivery: String,
}

impl EiTarget {
    pub fn ven(id: VenId) -> Self {
        EiTarget {
            ven_ids: vec![id],
            ..Default::default()
        }
    }
    pub fn is_empty(&self) -> bool {
        *self == EiTarget::default()
    }
}

impl Element for EiTarget {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let mut t = EiTarget::default();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Power, "aggregatedPnode") => push!(
                    r,
                    t.aggregated_pnodes,
                    r.wrapped(Ns::Power, "node", |r| r.leaf())?
                ),
                (Ns::Power, "endDeviceAsset") => push!(
                    r,
                    t.end_device_assets,
                    r.wrapped(Ns::Power, "mrid", |r| r.leaf())?
                ),
                (Ns::Power, "meterAsset") => push!(
                    r,
                    t.meter_assets,
                    r.wrapped(Ns::Power, "mrid", |r| r.leaf())?
                ),
                (Ns::Power, "pnode") => {
                    push!(r, t.pnodes, r.wrapped(Ns::Power, "node", |r| r.leaf())?)
                }
                (Ns::Power, "serviceDeliveryPoint") => {
                    push!(
                        r,
                        t.service_delivery_points,
                        r.wrapped(Ns::Power, "node", |r| r.leaf())?
                    )
                }
                (Ns::Power, "transportInterface") => {
                    push!(r, t.transport_interfaces, read_transport_interface(r)?)
                }
                (Ns::Ei, "groupID") => push!(r, t.group_ids, r.leaf()?),
                (Ns::Ei, "groupName") => push!(r, t.group_names, r.leaf()?),
                (Ns::Ei, "resourceID") => push!(r, t.resource_ids, r.leaf()?),
                (Ns::Ei, "venID") => push!(r, t.ven_ids, r.leaf()?),
                (Ns::Ei, "partyID") => push!(r, t.party_ids, r.leaf()?),
                (Ns::Emix, "serviceArea") | (Ns::Power, "serviceLocation") => {
                    return Err(
                        r.error(ErrorKind::Unsupported(format!("GML {} targets", c.local())))
                    )
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(t)
    }

    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        let wrapped = |w: &mut Writer, outer: &str, inner: &str, v: &String| {
            w.open(outer);
            w.leaf(inner, v);
            w.close(outer);
        };
        for v in &self.aggregated_pnodes {
            wrapped(w, "power:aggregatedPnode", "power:node", v);
        }
        for v in &self.end_device_assets {
            wrapped(w, "power:endDeviceAsset", "power:mrid", v);
        }
        for v in &self.meter_assets {
            wrapped(w, "power:meterAsset", "power:mrid", v);
        }
        for v in &self.pnodes {
            wrapped(w, "power:pnode", "power:node", v);
        }
        for v in &self.service_delivery_points {
            wrapped(w, "power:serviceDeliveryPoint", "power:node", v);
        }
        for t in &self.transport_interfaces {
            w.open("power:transportInterface");
            w.leaf("power:pointOfReceipt", &t.point_of_receipt);
            w.leaf("power:pointOfDelivery", &t.point_of_delivery);
            w.close("power:transportInterface");
        }
        for v in &self.group_ids {
            w.leaf("ei:groupID", v);
        }
        for v in &self.group_names {
            w.leaf("ei:groupName", v);
        }
        for v in &self.resource_ids {
            w.leaf("ei:resourceID", v);
        }
        for v in &self.ven_ids {
            w.leaf("ei:venID", v);
        }
        for v in &self.party_ids {
            w.leaf("ei:partyID", v);
        }
        w.close(tag);
    }
}

fn read_transport_interface(r: &mut Reader<'_>) -> Result<TransportInterface> {
    let (mut rec, mut del) = (None, None);
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Power, "pointOfReceipt") => once!(r, rec, "pointOfReceipt", r.leaf()?),
            (Ns::Power, "pointOfDelivery") => once!(r, del, "pointOfDelivery", r.leaf()?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(TransportInterface {
        point_of_receipt: need!(r, rec, "pointOfReceipt"),
        point_of_delivery: need!(r, del, "pointOfDelivery"),
    })
}

/// `ei:qualifiedEventID`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualifiedEventId {
    pub event_id: EventId,
    pub modification_number: u32,
}

impl Element for QualifiedEventId {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut id, mut m) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eventID") => once!(r, id, "eventID", r.leaf()?),
                (Ns::Ei, "modificationNumber") => once!(r, m, "modificationNumber", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(QualifiedEventId {
            event_id: need!(r, id, "eventID"),
            modification_number: need!(r, m, "modificationNumber"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:eventID", &self.event_id);
        w.leaf("ei:modificationNumber", &self.modification_number);
        w.close(tag);
    }
}

/// `xcal:properties`: the active period of an event, an availability window,
/// or a report interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Properties {
    pub dtstart: Timestamp,
    pub duration: Duration,
    /// `tolerance/tolerate/startafter`: the VEN may start up to this much later (randomization).
    pub tolerance: Option<Tolerance>,
    pub x_ei_notification: Option<Duration>,
    pub x_ei_ramp_up: Option<Duration>,
    pub x_ei_recovery: Option<Duration>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tolerance {
    pub startafter: Option<Duration>,
}

impl Properties {
    pub fn new(dtstart: Timestamp, duration: Duration) -> Self {
        Properties {
            dtstart,
            duration,
            tolerance: None,
            x_ei_notification: None,
            x_ei_ramp_up: None,
            x_ei_recovery: None,
        }
    }
}

impl Element for Properties {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut start, mut dur, mut tol, mut notif, mut ramp, mut rec) =
            (None, None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Xcal, "dtstart") => once!(r, start, "dtstart", read_date_time(r)?),
                (Ns::Xcal, "duration") => once!(r, dur, "duration", read_duration_prop(r)?),
                (Ns::Xcal, "tolerance") => once!(r, tol, "tolerance", read_tolerance(r)?),
                (Ns::Ei, "x-eiNotification") => {
                    once!(r, notif, "x-eiNotification", read_duration_prop(r)?)
                }
                (Ns::Ei, "x-eiRampUp") => once!(r, ramp, "x-eiRampUp", read_duration_prop(r)?),
                (Ns::Ei, "x-eiRecovery") => once!(r, rec, "x-eiRecovery", read_duration_prop(r)?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(Properties {
            dtstart: need!(r, start, "dtstart"),
            duration: need!(r, dur, "duration"),
            tolerance: tol,
            x_ei_notification: notif,
            x_ei_ramp_up: ramp,
            x_ei_recovery: rec,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        write_date_time(w, "xcal:dtstart", &self.dtstart);
        write_duration_prop(w, "xcal:duration", &self.duration);
        if let Some(t) = &self.tolerance {
            w.open("xcal:tolerance");
            w.open("xcal:tolerate");
            w.opt_leaf("xcal:startafter", &t.startafter);
            w.close("xcal:tolerate");
            w.close("xcal:tolerance");
        }
        if let Some(d) = &self.x_ei_notification {
            write_duration_prop(w, "ei:x-eiNotification", d);
        }
        if let Some(d) = &self.x_ei_ramp_up {
            write_duration_prop(w, "ei:x-eiRampUp", d);
        }
        if let Some(d) = &self.x_ei_recovery {
            write_duration_prop(w, "ei:x-eiRecovery", d);
        }
        w.close(tag);
    }
}

fn read_tolerance(r: &mut Reader<'_>) -> Result<Tolerance> {
    r.wrapped(Ns::Xcal, "tolerate", |r| {
        let mut after = None;
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Xcal, "startafter") => once!(r, after, "startafter", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(Tolerance { startafter: after })
    })
}

/// `<tag><xcal:date-time>..</xcal:date-time></tag>`.
pub(crate) fn read_date_time(r: &mut Reader<'_>) -> Result<Timestamp> {
    r.wrapped(Ns::Xcal, "date-time", |r| r.leaf())
}

pub(crate) fn write_date_time(w: &mut Writer, tag: &str, t: &Timestamp) {
    w.open(tag);
    w.leaf("xcal:date-time", t);
    w.close(tag);
}

/// A DurationPropType: `<tag><xcal:duration>..</xcal:duration></tag>`.
pub(crate) fn read_duration_prop(r: &mut Reader<'_>) -> Result<Duration> {
    r.wrapped(Ns::Xcal, "duration", |r| r.leaf())
}

pub(crate) fn write_duration_prop(w: &mut Writer, tag: &str, d: &Duration) {
    w.open(tag);
    w.leaf("xcal:duration", d);
    w.close(tag);
}

/// `ei:interval`, used by event signals, baselines and reports alike.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub dtstart: Option<Timestamp>,
    pub duration: Option<Duration>,
    pub uid: Option<String>,
    pub payloads: Vec<StreamPayload>,
}

impl Interval {
    /// The one signal value of an event interval, if it has one.
    pub fn signal_value(&self) -> Option<f64> {
        self.payloads.iter().find_map(|p| match p {
            StreamPayload::Signal(PayloadBase::Float(v)) => Some(*v),
            _ => None,
        })
    }
}

/// The `strm:streamPayloadBase` substitution group.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value")]
pub enum StreamPayload {
    /// `ei:signalPayload`.
    Signal(PayloadBase),
    /// `oadr:oadrReportPayload`.
    Report(ReportPayload),
}

/// The `ei:payloadBase` substitution group.
// Readings are almost all `Float`; a boxed status would cost an allocation
// on the rare status path for no gain on the common one.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum PayloadBase {
    /// `ei:payloadFloat`.
    Float(f64),
    /// `oadr:oadrPayloadResourceStatus`. Boxed: it is rare and ten times
    /// the size of a float, and every interval of a message holds a payload.
    ResourceStatus(Box<ResourceStatus>),
}

/// `oadr:oadrReportPayload`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportPayload {
    pub rid: Rid,
    pub confidence: Option<u32>,
    pub accuracy: Option<f64>,
    pub payload: PayloadBase,
    pub data_quality: Option<DataQuality>,
}

/// `oadr:oadrPayloadResourceStatus`: what TELEMETRY_STATUS reports carry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceStatus {
    pub online: bool,
    pub manual_override: bool,
    pub load_control_state: Option<LoadControlState>,
}

/// `oadr:oadrLoadControlState`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LoadControlState {
    pub capacity: Option<LoadControlValue>,
    pub level_offset: Option<LoadControlValue>,
    pub percent_offset: Option<LoadControlValue>,
    pub set_point: Option<LoadControlValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LoadControlValue {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub current: f64,
    pub normal: Option<f64>,
}

impl Element for Interval {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut start, mut dur, mut uid) = (None, None, None);
        let mut payloads = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Xcal, "dtstart") => once!(r, start, "dtstart", read_date_time(r)?),
                (Ns::Xcal, "duration") => once!(r, dur, "duration", read_duration_prop(r)?),
                (Ns::Xcal, "uid") => {
                    once!(r, uid, "uid", r.wrapped(Ns::Xcal, "text", |r| r.leaf())?)
                }
                (Ns::Ei, "signalPayload") => {
                    push!(
                        r,
                        payloads,
                        StreamPayload::Signal(r.wrapped_any(read_payload_base_child)?)
                    )
                }
                (Ns::Oadr, "oadrReportPayload") => {
                    push!(r, payloads, StreamPayload::Report(ReportPayload::read(r)?))
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        if payloads.is_empty() {
            return Err(r.missing("streamPayloadBase"));
        }
        Ok(Interval {
            dtstart: start,
            duration: dur,
            uid,
            payloads,
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
        if let Some(u) = &self.uid {
            w.open("xcal:uid");
            w.leaf("xcal:text", u);
            w.close("xcal:uid");
        }
        for p in &self.payloads {
            match p {
                StreamPayload::Signal(b) => {
                    w.open("ei:signalPayload");
                    b.write(w);
                    w.close("ei:signalPayload");
                }
                StreamPayload::Report(rp) => rp.write(w, "oadr:oadrReportPayload"),
            }
        }
        w.close(tag);
    }
}

/// Read a `payloadBase` member given its element (already entered).
pub(crate) fn read_payload_base_child(
    r: &mut Reader<'_>,
    ns: Ns,
    local: &str,
) -> Result<Option<PayloadBase>> {
    Ok(match (ns, local) {
        (Ns::Ei, "payloadFloat") => Some(PayloadBase::Float(
            r.wrapped(Ns::Ei, "value", |r| r.leaf())?,
        )),
        (Ns::Oadr, "oadrPayloadResourceStatus") => Some(PayloadBase::ResourceStatus(Box::new(
            ResourceStatus::read(r)?,
        ))),
        _ => None,
    })
}

impl PayloadBase {
    pub(crate) fn write(&self, w: &mut Writer) {
        match self {
            PayloadBase::Float(v) => {
                w.open("ei:payloadFloat");
                w.leaf("ei:value", v);
                w.close("ei:payloadFloat");
            }
            PayloadBase::ResourceStatus(s) => s.write(w, "oadr:oadrPayloadResourceStatus"),
        }
    }
}

impl Element for ReportPayload {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut rid, mut conf, mut acc, mut payload, mut dq) = (None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "rID") => once!(r, rid, "rID", r.leaf()?),
                (Ns::Ei, "confidence") => {
                    let v: u32 = r.leaf()?;
                    if v > 100 {
                        return Err(r.error(ErrorKind::InvalidValue {
                            value: v.to_string(),
                            reason: "confidence is 0 to 100".into(),
                        }));
                    }
                    once!(r, conf, "confidence", v)
                }
                (Ns::Ei, "accuracy") => once!(r, acc, "accuracy", r.leaf()?),
                (Ns::Oadr, "oadrDataQuality") => once!(r, dq, "oadrDataQuality", r.leaf()?),
                (ns, local) => match read_payload_base_child(r, ns, local)? {
                    Some(p) => once!(r, payload, "payloadBase", p),
                    None => return Err(r.unexpected(&c)),
                },
            }
        }
        Ok(ReportPayload {
            rid: need!(r, rid, "rID"),
            confidence: conf,
            accuracy: acc,
            payload: need!(r, payload, "payloadBase"),
            data_quality: dq,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("ei:rID", &self.rid);
        w.opt_leaf("ei:confidence", &self.confidence);
        w.opt_leaf("ei:accuracy", &self.accuracy);
        self.payload.write(w);
        w.opt_leaf("oadr:oadrDataQuality", &self.data_quality);
        w.close(tag);
    }
}

impl Element for ResourceStatus {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut online, mut manual, mut state) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Oadr, "oadrOnline") => once!(r, online, "oadrOnline", r.leaf()?),
                (Ns::Oadr, "oadrManualOverride") => {
                    once!(r, manual, "oadrManualOverride", r.leaf()?)
                }
                (Ns::Oadr, "oadrLoadControlState") => {
                    once!(r, state, "oadrLoadControlState", read_load_control(r)?)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(ResourceStatus {
            online: need!(r, online, "oadrOnline"),
            manual_override: need!(r, manual, "oadrManualOverride"),
            load_control_state: state,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        w.leaf("oadr:oadrOnline", &self.online);
        w.leaf("oadr:oadrManualOverride", &self.manual_override);
        if let Some(s) = &self.load_control_state {
            w.open("oadr:oadrLoadControlState");
            for (t, v) in [
                ("oadr:oadrCapacity", &s.capacity),
                ("oadr:oadrLevelOffset", &s.level_offset),
                ("oadr:oadrPercentOffset", &s.percent_offset),
                ("oadr:oadrSetPoint", &s.set_point),
            ] {
                if let Some(v) = v {
                    w.open(t);
                    w.opt_leaf("oadr:oadrMin", &v.min);
                    w.opt_leaf("oadr:oadrMax", &v.max);
                    w.leaf("oadr:oadrCurrent", &v.current);
                    w.opt_leaf("oadr:oadrNormal", &v.normal);
                    w.close(t);
                }
            }
            w.close("oadr:oadrLoadControlState");
        }
        w.close(tag);
    }
}

fn read_load_control(r: &mut Reader<'_>) -> Result<LoadControlState> {
    let mut s = LoadControlState::default();
    while let Some(c) = r.next_child()? {
        let slot = match (c.ns, c.local()) {
            (Ns::Oadr, "oadrCapacity") => &mut s.capacity,
            (Ns::Oadr, "oadrLevelOffset") => &mut s.level_offset,
            (Ns::Oadr, "oadrPercentOffset") => &mut s.percent_offset,
            (Ns::Oadr, "oadrSetPoint") => &mut s.set_point,
            _ => return Err(r.unexpected(&c)),
        };
        if slot.is_some() {
            return Err(r.error(ErrorKind::Duplicate("oadrLoadControlState member")));
        }
        let (mut min, mut max, mut cur, mut normal) = (None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Oadr, "oadrMin") => once!(r, min, "oadrMin", r.leaf()?),
                (Ns::Oadr, "oadrMax") => once!(r, max, "oadrMax", r.leaf()?),
                (Ns::Oadr, "oadrCurrent") => once!(r, cur, "oadrCurrent", r.leaf()?),
                (Ns::Oadr, "oadrNormal") => once!(r, normal, "oadrNormal", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        *slot = Some(LoadControlValue {
            min,
            max,
            current: need!(r, cur, "oadrCurrent"),
            normal,
        });
    }
    Ok(s)
}

/// Read a `strm:intervals` element: one or more `ei:interval`.
pub(crate) fn read_intervals(r: &mut Reader<'_>) -> Result<Vec<Interval>> {
    let mut v = Vec::new();
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Ei, "interval") => push!(r, v, Interval::read(r)?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(v)
}

pub(crate) fn write_intervals(w: &mut Writer, intervals: &[Interval]) {
    w.open("strm:intervals");
    for i in intervals {
        i.write(w, "ei:interval");
    }
    w.close("strm:intervals");
}
