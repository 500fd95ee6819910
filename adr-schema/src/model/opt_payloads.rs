//! EiOpt service payloads.

use serde::Serialize;

use super::common::{EiResponse, EiTarget, Properties, QualifiedEventId};
use crate::enums::{OptReason, OptType};
use crate::error::Result;
use crate::ids::{OptId, RequestId, VenId};
use crate::ns::Ns;
use crate::time::Timestamp;
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `oadr:oadrCreateOpt`: an opt for one event (`qualified_event_id`) or an
/// availability schedule (`vavailability`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateOpt {
    pub opt_id: OptId,
    pub opt_type: OptType,
    pub opt_reason: OptReason,
    pub market_context: Option<String>,
    pub ven_id: VenId,
    /// `xcal:vavailability/components/available/properties`; `None` when absent.
    pub vavailability: Option<Vec<Properties>>,
    pub created_date_time: Timestamp,
    pub request_id: RequestId,
    pub qualified_event_id: Option<QualifiedEventId>,
    pub target: EiTarget,
    pub device_class: Option<EiTarget>,
}

/// `oadr:oadrCreatedOpt`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreatedOpt {
    pub response: EiResponse,
    pub opt_id: OptId,
}

/// `oadr:oadrCancelOpt`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CancelOpt {
    pub request_id: RequestId,
    pub opt_id: OptId,
    pub ven_id: VenId,
}

/// `oadr:oadrCanceledOpt`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CanceledOpt {
    pub response: EiResponse,
    pub opt_id: Option<OptId>,
}

impl Element for CreateOpt {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (
            mut id,
            mut ty,
            mut reason,
            mut mc,
            mut ven,
            mut av,
            mut created,
            mut req,
            mut q,
            mut t,
            mut dc,
        ) = (
            None, None, None, None, None, None, None, None, None, None, None,
        );
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "optID") => once!(r, id, "optID", r.leaf()?),
                (Ns::Ei, "optType") => once!(r, ty, "optType", r.leaf()?),
                (Ns::Ei, "optReason") => once!(r, reason, "optReason", r.leaf()?),
                (Ns::Emix, "marketContext") => once!(r, mc, "marketContext", r.leaf()?),
                (Ns::Ei, "venID") => once!(r, ven, "venID", r.leaf()?),
                (Ns::Xcal, "vavailability") => {
                    once!(r, av, "vavailability", read_vavailability(r)?)
                }
                (Ns::Ei, "createdDateTime") => once!(r, created, "createdDateTime", r.leaf()?),
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "qualifiedEventID") => {
                    once!(r, q, "qualifiedEventID", QualifiedEventId::read(r)?)
                }
                (Ns::Ei, "eiTarget") => once!(r, t, "eiTarget", EiTarget::read(r)?),
                (Ns::Oadr, "oadrDeviceClass") => {
                    once!(r, dc, "oadrDeviceClass", EiTarget::read(r)?)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CreateOpt {
            opt_id: need!(r, id, "optID"),
            opt_type: need!(r, ty, "optType"),
            opt_reason: need!(r, reason, "optReason"),
            market_context: mc,
            ven_id: need!(r, ven, "venID"),
            vavailability: av,
            created_date_time: need!(r, created, "createdDateTime"),
            request_id: need!(r, req, "requestID"),
            qualified_event_id: q,
            target: need!(r, t, "eiTarget"),
            device_class: dc,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("ei:optID", &self.opt_id);
        w.leaf("ei:optType", &self.opt_type);
        w.leaf("ei:optReason", &self.opt_reason);
        w.opt_leaf("emix:marketContext", &self.market_context);
        w.leaf("ei:venID", &self.ven_id);
        if let Some(av) = &self.vavailability {
            w.open("xcal:vavailability");
            w.open("xcal:components");
            for p in av {
                w.open("xcal:available");
                p.write(w, "xcal:properties");
                w.close("xcal:available");
            }
            w.close("xcal:components");
            w.close("xcal:vavailability");
        }
        w.leaf("ei:createdDateTime", &self.created_date_time);
        w.leaf("pyld:requestID", &self.request_id);
        if let Some(q) = &self.qualified_event_id {
            q.write(w, "ei:qualifiedEventID");
        }
        self.target.write(w, "ei:eiTarget");
        if let Some(dc) = &self.device_class {
            dc.write(w, "oadr:oadrDeviceClass");
        }
        w.close(tag);
    }
}

fn read_vavailability(r: &mut Reader<'_>) -> Result<Vec<Properties>> {
    r.wrapped(Ns::Xcal, "components", |r| {
        let mut out = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Xcal, "available") => {
                    push!(r, out, r.wrapped(Ns::Xcal, "properties", Properties::read)?)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(out)
    })
}

impl Element for CreatedOpt {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut id) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Ei, "optID") => once!(r, id, "optID", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CreatedOpt {
            response: need!(r, resp, "eiResponse"),
            opt_id: need!(r, id, "optID"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        w.leaf("ei:optID", &self.opt_id);
        w.close(tag);
    }
}

impl Element for CancelOpt {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut req, mut id, mut ven) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "optID") => once!(r, id, "optID", r.leaf()?),
                (Ns::Ei, "venID") => once!(r, ven, "venID", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CancelOpt {
            request_id: need!(r, req, "requestID"),
            opt_id: need!(r, id, "optID"),
            ven_id: need!(r, ven, "venID"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        w.leaf("ei:optID", &self.opt_id);
        w.leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for CanceledOpt {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut id) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Ei, "optID") => once!(r, id, "optID", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CanceledOpt {
            response: need!(r, resp, "eiResponse"),
            opt_id: id,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        w.opt_leaf("ei:optID", &self.opt_id);
        w.close(tag);
    }
}
