//! The answer to every message a VEN sends, as a [`Decision`]: the reply and
//! the store operations that commit with it. One module per service; the
//! checks every service shares are here.

mod event;
mod opt;
mod registration;
mod report;

use adr_schema::{
    CanceledOpt, CanceledPartyRegistration, CanceledReport, CreatedOpt, CreatedPartyRegistration,
    CreatedReport, DistributeEvent, EiResponse, Message, Profile, ProfileName, RegisteredReport,
    RequestId, Response, ResponseCode, Service, TransportName, UpdatedReport, VenId,
};

pub use event::distribute_for;
pub use registration::clear_registration;
pub(crate) use report::request_of;
pub use report::vtn_metadata;

use crate::ctx::{Ctx, Policy};
use crate::error::{Error, Result};
use crate::model::Ven;
use crate::ops::{Decision, StoreOp};
use crate::view::View;

/// A reply: a message, or XML already written (queued messages).
#[derive(Debug)]
pub enum Reply {
    Msg(Box<Message>),
    Xml(String),
}

impl Reply {
    pub fn into_xml(self) -> String {
        match self {
            Reply::Msg(m) => m.to_xml(),
            Reply::Xml(s) => s,
        }
    }
}

impl From<Message> for Reply {
    fn from(m: Message) -> Self {
        Reply::Msg(Box::new(m))
    }
}

/// Decide the answer to one message from a VEN. On error nothing is to be
/// stored and the caller answers with [`error_reply`].
pub fn handle(v: &dyn View, ctx: &Ctx, service: Service, msg: &Message) -> Result<Decision<Reply>> {
    if !service.accepts(msg) {
        return Err(Error::WrongService(msg.name(), service.as_str()));
    }
    let mut ops = Vec::new();
    let reply = dispatch(v, ctx, msg, &mut ops)?;
    Ok(Decision { reply, ops })
}

fn dispatch(v: &dyn View, ctx: &Ctx, msg: &Message, ops: &mut Vec<StoreOp>) -> Result<Reply> {
    use Message as M;
    Ok(match msg {
        M::QueryRegistration(q) => registration::query(ctx, &q.request_id).into(),
        M::CreatePartyRegistration(m) => registration::create(v, ctx, m, ops)?.into(),
        M::CancelPartyRegistration(m) => registration::cancel_from_ven(v, ctx, m, ops)?.into(),
        M::CanceledPartyRegistration(m) => registration::canceled(v, ctx, m, ops)?.into(),
        M::Response(m) => {
            if let Some(id) = &m.ven_id {
                let ven = registered(v, ctx, id)?;
                ops.push(StoreOp::Contact(ven.ven_id));
            }
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        M::Poll(p) => crate::delivery::poll(v, ctx, &p.ven_id, ops)?,
        M::RequestEvent(m) => event::request_event(v, ctx, m, ops)?.into(),
        M::CreatedEvent(m) => event::created_event(v, ctx, m, ops)?.into(),
        M::CreateOpt(m) => opt::create(v, ctx, m, ops)?.into(),
        M::CancelOpt(m) => opt::cancel(v, ctx, m, ops)?.into(),
        M::RegisterReport(m) => report::register(v, ctx, m, ops)?.into(),
        M::RegisteredReport(m) => {
            let ven = registered_opt(v, ctx, m.ven_id.as_ref())?;
            ops.push(StoreOp::Contact(ven.ven_id));
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        M::CreatedReport(m) => report::created(v, ctx, m, ops)?.into(),
        M::UpdateReport(m) => report::update(v, ctx, m, ops)?.into(),
        M::CreateReport(m) => report::create_from_ven(v, ctx, m, ops)?.into(),
        M::CancelReport(m) => report::cancel_from_ven(v, ctx, m, ops)?.into(),
        M::CanceledReport(m) => report::canceled(v, ctx, m, ops)?.into(),
        other => return Err(Error::WrongService(other.name(), "this VTN")),
    })
}

pub(crate) fn ok_response(req: &RequestId, ven: Option<VenId>) -> Message {
    Message::Response(Response {
        response: EiResponse::ok(req.clone()),
        ven_id: ven,
    })
}

/// The VEN must exist and be registered (and, with TLS, present its own certificate).
pub fn registered(v: &dyn View, ctx: &Ctx, ven: &VenId) -> Result<Ven> {
    let row = v
        .ven(ven.as_str())?
        .ok_or_else(|| Error::NotRegistered(ven.to_string()))?;
    if !row.is_registered() {
        return Err(Error::NotRegistered(ven.to_string()));
    }
    check_peer(ctx, &row)?;
    Ok(row)
}

/// On TLS, the peer's certificate must be the one bound to this VEN (463 otherwise).
pub fn check_peer(ctx: &Ctx, ven: &Ven) -> Result<()> {
    let Some(peer) = &ctx.peer_fingerprint else {
        return Ok(());
    };
    let bound = ven
        .cert_fingerprint
        .as_deref()
        .and_then(adr_schema::fingerprint::normalize);
    if bound.as_deref() != Some(peer.as_str()) {
        return Err(Error::NotRegistered(format!(
            "{} (the client certificate is not the one bound to this venID)",
            ven.ven_id
        )));
    }
    Ok(())
}

fn registered_opt(v: &dyn View, ctx: &Ctx, ven: Option<&VenId>) -> Result<Ven> {
    match ven {
        Some(id) => registered(v, ctx, id),
        None => Err(Error::NotRegistered("(no venID in the message)".into())),
    }
}

fn empty_request_id() -> RequestId {
    RequestId::new("").unwrap_or_else(|_| unreachable!("an empty requestID is valid"))
}

fn rid(s: &str) -> RequestId {
    RequestId::new(s).unwrap_or_else(|_| empty_request_id())
}

/// The requestID and venID a message carries, for error replies.
pub fn request_meta(m: &Message) -> (RequestId, Option<VenId>) {
    use Message as M;
    match m {
        M::QueryRegistration(x) => (x.request_id.clone(), None),
        M::CreatePartyRegistration(x) => (x.request_id.clone(), x.ven_id.clone()),
        M::CancelPartyRegistration(x) => (x.request_id.clone(), x.ven_id.clone()),
        M::CanceledPartyRegistration(x) => (x.response.request_id.clone(), x.ven_id.clone()),
        M::RequestEvent(x) => (x.request_id.clone(), Some(x.ven_id.clone())),
        M::CreatedEvent(x) => (x.response.request_id.clone(), Some(x.ven_id.clone())),
        M::CreateOpt(x) => (x.request_id.clone(), Some(x.ven_id.clone())),
        M::CancelOpt(x) => (x.request_id.clone(), Some(x.ven_id.clone())),
        M::RegisterReport(x) => (x.request_id.clone(), x.ven_id.clone()),
        M::RegisteredReport(x) => (x.response.request_id.clone(), x.ven_id.clone()),
        M::CreateReport(x) => (x.request_id.clone(), x.ven_id.clone()),
        M::CreatedReport(x) => (x.response.request_id.clone(), x.ven_id.clone()),
        M::UpdateReport(x) => (x.request_id.clone(), x.ven_id.clone()),
        M::CancelReport(x) => (x.request_id.clone(), x.ven_id.clone()),
        M::CanceledReport(x) => (x.response.request_id.clone(), x.ven_id.clone()),
        M::Response(x) => (x.response.request_id.clone(), x.ven_id.clone()),
        M::Poll(x) => (rid(""), Some(x.ven_id.clone())),
        _ => (rid(""), None),
    }
}

pub(crate) fn profiles() -> Vec<Profile> {
    vec![Profile {
        profile_name: ProfileName::V20b,
        transports: vec![TransportName::SimpleHttp],
    }]
}

/// The error reply for a message: the payload type the peer expects,
/// carrying the code (an oadrResponse only where nothing more specific
/// exists). `description` is what the peer may read (see
/// [`Error::peer_text`]); `request_id` names a fresh oadrDistributeEvent.
pub fn error_reply(
    policy: &Policy,
    m: Option<&Message>,
    code: ResponseCode,
    description: String,
    request_id: &str,
) -> Message {
    let (req, ven) = m.map(request_meta).unwrap_or_else(|| (rid(""), None));
    let resp = EiResponse::error(code, description, req);
    use Message as M;
    match m {
        Some(M::QueryRegistration(_)) | Some(M::CreatePartyRegistration(_)) => {
            M::CreatedPartyRegistration(CreatedPartyRegistration {
                response: resp,
                registration_id: None,
                ven_id: None,
                vtn_id: policy.vtn_id.clone(),
                profiles: profiles(),
                poll_freq: Some(policy.poll_freq),
                service_specific_info: None,
                extensions: None,
            })
        }
        Some(M::CancelPartyRegistration(x)) => {
            M::CanceledPartyRegistration(CanceledPartyRegistration {
                response: resp,
                registration_id: Some(x.registration_id.clone()),
                ven_id: ven,
            })
        }
        Some(M::CreateOpt(x)) => M::CreatedOpt(CreatedOpt {
            response: resp,
            opt_id: x.opt_id.clone(),
        }),
        Some(M::CancelOpt(x)) => M::CanceledOpt(CanceledOpt {
            response: resp,
            opt_id: Some(x.opt_id.clone()),
        }),
        Some(M::RegisterReport(_)) => M::RegisteredReport(RegisteredReport {
            response: resp,
            report_requests: vec![],
            ven_id: ven,
        }),
        Some(M::CreateReport(_)) => M::CreatedReport(CreatedReport {
            response: resp,
            pending_reports: vec![],
            ven_id: ven,
        }),
        Some(M::CancelReport(_)) => M::CanceledReport(CanceledReport {
            response: resp,
            pending_reports: vec![],
            ven_id: ven,
        }),
        Some(M::UpdateReport(_)) => M::UpdatedReport(UpdatedReport {
            response: resp,
            cancel_report: None,
            ven_id: ven,
        }),
        Some(M::RequestEvent(_)) => M::DistributeEvent(DistributeEvent {
            response: Some(resp),
            request_id: rid(request_id),
            vtn_id: policy.vtn_id.clone(),
            events: vec![],
        }),
        _ => M::Response(Response {
            response: resp,
            ven_id: ven,
        }),
    }
}

/// Queue `body` (of `kind`) for a VEN, waking the push worker for a push VEN.
pub(crate) fn enqueue(ven: &Ven, kind: crate::model::PendingKind, body: String) -> StoreOp {
    StoreOp::Enqueue {
        ven: ven.ven_id.clone(),
        kind,
        body,
        push: ven.push_address().is_some(),
    }
}
