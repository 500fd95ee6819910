//! EiEvent service payloads: oadrRequestEvent, oadrDistributeEvent,
//! oadrCreatedEvent, and the generic oadrResponse.

use serde::Serialize;

use super::common::{EiResponse, QualifiedEventId};
use super::event::OadrEvent;
use crate::enums::{OptType, ResponseCode};
use crate::error::Result;
use crate::ids::{RequestId, VenId, VtnId};
use crate::ns::Ns;
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `oadr:oadrRequestEvent` (`pyld:eiRequestEvent`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestEvent {
    pub request_id: RequestId,
    pub ven_id: VenId,
    pub reply_limit: Option<u32>,
}

/// `oadr:oadrDistributeEvent`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistributeEvent {
    pub response: Option<EiResponse>,
    pub request_id: RequestId,
    pub vtn_id: VtnId,
    pub events: Vec<OadrEvent>,
}

/// `oadr:oadrCreatedEvent` (`pyld:eiCreatedEvent`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreatedEvent {
    pub response: EiResponse,
    /// `ei:eventResponses`; `None` when the element is absent.
    pub event_responses: Option<Vec<EventResponse>>,
    pub ven_id: VenId,
}

/// `ei:eventResponse`: a VEN's opt decision on one event modification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventResponse {
    pub response_code: ResponseCode,
    pub response_description: Option<String>,
    pub request_id: RequestId,
    pub qualified_event_id: QualifiedEventId,
    pub opt_type: OptType,
}

/// `oadr:oadrResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    pub response: EiResponse,
    pub ven_id: Option<VenId>,
}

impl Element for RequestEvent {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.wrapped(Ns::Pyld, "eiRequestEvent", |r| {
            let (mut req, mut ven, mut lim) = (None, None, None);
            while let Some(c) = r.next_child()? {
                match (c.ns, c.local()) {
                    (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                    (Ns::Ei, "venID") => once!(r, ven, "venID", r.leaf()?),
                    (Ns::Pyld, "replyLimit") => once!(r, lim, "replyLimit", r.leaf()?),
                    // 2.0a's request may narrow by event, market context or
                    // status; a 2.0a VEN gets every current event of its own.
                    (Ns::Ei, "eventID")
                    | (Ns::Emix, "marketContext")
                    | (Ns::Pyld, "eventFilter")
                        if r.profile_a() =>
                    {
                        r.skip(&c)?
                    }
                    _ => return Err(r.unexpected(&c)),
                }
            }
            Ok(RequestEvent {
                request_id: need!(r, req, "requestID"),
                ven_id: need!(r, ven, "venID"),
                reply_limit: lim,
            })
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, w.schema_version());
        w.open("pyld:eiRequestEvent");
        w.leaf("pyld:requestID", &self.request_id);
        w.leaf("ei:venID", &self.ven_id);
        w.opt_leaf("pyld:replyLimit", &self.reply_limit);
        w.close("pyld:eiRequestEvent");
        w.close(tag);
    }
}

impl Element for DistributeEvent {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut req, mut vtn) = (None, None, None);
        let mut events = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "vtnID") => once!(r, vtn, "vtnID", r.leaf()?),
                (Ns::Oadr, "oadrEvent") => push!(r, events, OadrEvent::read(r)?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(DistributeEvent {
            response: resp,
            request_id: need!(r, req, "requestID"),
            vtn_id: need!(r, vtn, "vtnID"),
            events,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, w.schema_version());
        if let Some(resp) = &self.response {
            resp.write(w, "ei:eiResponse");
        }
        w.leaf("pyld:requestID", &self.request_id);
        w.leaf("ei:vtnID", &self.vtn_id);
        for e in &self.events {
            e.write(w, "oadr:oadrEvent");
        }
        w.close(tag);
    }
}

impl Element for CreatedEvent {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.wrapped(Ns::Pyld, "eiCreatedEvent", |r| {
            let (mut resp, mut ers, mut ven) = (None, None, None);
            while let Some(c) = r.next_child()? {
                match (c.ns, c.local()) {
                    (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                    (Ns::Ei, "eventResponses") => {
                        once!(r, ers, "eventResponses", read_event_responses(r)?)
                    }
                    (Ns::Ei, "venID") => once!(r, ven, "venID", r.leaf()?),
                    _ => return Err(r.unexpected(&c)),
                }
            }
            Ok(CreatedEvent {
                response: need!(r, resp, "eiResponse"),
                event_responses: ers,
                ven_id: need!(r, ven, "venID"),
            })
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, w.schema_version());
        w.open("pyld:eiCreatedEvent");
        self.response.write(w, "ei:eiResponse");
        if let Some(ers) = &self.event_responses {
            w.open("ei:eventResponses");
            for er in ers {
                w.open("ei:eventResponse");
                w.leaf("ei:responseCode", &er.response_code);
                w.opt_leaf("ei:responseDescription", &er.response_description);
                w.leaf("pyld:requestID", &er.request_id);
                er.qualified_event_id.write(w, "ei:qualifiedEventID");
                w.leaf("ei:optType", &er.opt_type);
                w.close("ei:eventResponse");
            }
            w.close("ei:eventResponses");
        }
        w.leaf("ei:venID", &self.ven_id);
        w.close("pyld:eiCreatedEvent");
        w.close(tag);
    }
}

fn read_event_responses(r: &mut Reader<'_>) -> Result<Vec<EventResponse>> {
    let mut out = Vec::new();
    while let Some(c) = r.next_child()? {
        if !(c.ns == Ns::Ei && c.local() == "eventResponse") {
            return Err(r.unexpected(&c));
        }
        let (mut code, mut desc, mut req, mut q, mut opt) = (None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "responseCode") => once!(r, code, "responseCode", r.leaf()?),
                (Ns::Ei, "responseDescription") => once!(r, desc, "responseDescription", r.leaf()?),
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "qualifiedEventID") => {
                    once!(r, q, "qualifiedEventID", QualifiedEventId::read(r)?)
                }
                (Ns::Ei, "optType") => once!(r, opt, "optType", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        push!(
            r,
            out,
            EventResponse {
                response_code: need!(r, code, "responseCode"),
                response_description: desc,
                request_id: need!(r, req, "requestID"),
                qualified_event_id: need!(r, q, "qualifiedEventID"),
                opt_type: need!(r, opt, "optType"),
            }
        );
    }
    Ok(out)
}

impl Element for Response {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut ven) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(Response {
            response: need!(r, resp, "eiResponse"),
            ven_id: ven,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, w.schema_version());
        self.response.write(w, "ei:eiResponse");
        // 2.0a's oadrResponse has no venID.
        if !w.profile_a {
            w.opt_leaf("ei:venID", &self.ven_id);
        }
        w.close(tag);
    }
}
