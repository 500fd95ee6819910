//! The answer to every OpenADR message, and every operator action, as plain
//! functions over a database connection. No sockets: the HTTP layer parses,
//! calls [`handle`] inside one transaction, applies the returned [`Effects`]
//! to the in-memory registry, and writes the reply.

use adr_schema::{
    CancelPartyRegistration, CancelReport, CanceledOpt, CanceledPartyRegistration, CanceledReport,
    CreateOpt, CreatePartyRegistration, CreateReport, CreatedEvent, CreatedOpt,
    CreatedPartyRegistration, CreatedReport, DistributeEvent, EiResponse, Message, OptId,
    PayloadBase, Profile, ProfileName, RegisterReport, RegisteredReport, RegistrationId,
    ReportRequestId, RequestEvent, RequestId, RequestReregistration, Response, StreamPayload,
    Timestamp, TimestampExt, TransportName, UpdateReport, UpdatedReport, VenId,
};
use serde::Serialize;

use super::events::{EventSpec, StoredEvent, VenProfile};
use super::new_id;
use super::reports::{self, OfferedReport, PlannedRequest};
use crate::clock::to_ms;
use crate::config::Settings;
use crate::error::{Result, VtnError};
use crate::store::{self, Conn, VenRow};

pub const KIND_DISTRIBUTE: &str = "distribute";
pub const KIND_CREATE_REPORT: &str = "create_report";
pub const KIND_CANCEL_REPORT: &str = "cancel_report";
pub const KIND_REREGISTER: &str = "request_reregistration";
pub const KIND_CANCEL_REGISTRATION: &str = "cancel_registration";
pub const KIND_REGISTER_REPORT: &str = "register_report";

pub use adr_schema::Service;

/// Which service a queued message of `kind` is pushed to.
pub fn service_for_kind(kind: &str) -> Service {
    match kind {
        KIND_DISTRIBUTE => Service::EiEvent,
        KIND_REREGISTER | KIND_CANCEL_REGISTRATION => Service::EiRegisterParty,
        _ => Service::EiReport,
    }
}

/// What a handler needs besides the connection.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub now: Timestamp,
    /// The TLS client certificate fingerprint of the peer (normalised, 29 characters).
    /// `Some` on a TLS listener: every message must then come from the certificate
    /// bound to the venID it names.
    pub peer_fingerprint: Option<String>,
}

impl Ctx<'_> {
    fn now_ms(&self) -> i64 {
        to_ms(self.now)
    }
}

/// Changes the in-memory registry must mirror once the transaction commits.
#[derive(Debug, Default)]
pub struct Effects {
    /// (venID, registrationID, push address)
    pub upserts: Vec<(String, Option<String>, Option<String>)>,
    /// Change in the number of queued messages per VEN.
    pub pending: Vec<(String, i32)>,
    /// Push VENs with something new queued.
    pub push: Vec<String>,
    /// The VEN this message came from, if identified.
    pub contact: Option<String>,
    /// (venID, fingerprint) bindings made by this message.
    pub fingerprints: Vec<(String, Option<String>)>,
}

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

fn rid(s: &str) -> RequestId {
    RequestId::new(s).unwrap_or_else(|_| RequestId::new("").expect("empty request id is valid"))
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

fn profiles() -> Vec<Profile> {
    vec![Profile {
        profile_name: ProfileName::V20b,
        transports: vec![TransportName::SimpleHttp],
    }]
}

/// The error reply for a message: the payload type the peer expects,
/// carrying the code (an oadrResponse only where nothing more specific exists).
pub fn error_reply(settings: &Settings, m: Option<&Message>, e: &VtnError) -> Message {
    let (req, ven) = m.map(request_meta).unwrap_or_else(|| (rid(""), None));
    let resp = EiResponse::error(e.response_code(), e.peer_text(), req);
    use Message as M;
    match m {
        Some(M::QueryRegistration(_)) | Some(M::CreatePartyRegistration(_)) => {
            M::CreatedPartyRegistration(CreatedPartyRegistration {
                response: resp,
                registration_id: None,
                ven_id: None,
                vtn_id: settings.vtn_id.clone(),
                profiles: profiles(),
                poll_freq: Some(settings.poll_freq),
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
            request_id: RequestId::new(new_id()).expect("uuid is a valid id"),
            vtn_id: settings.vtn_id.clone(),
            events: vec![],
        }),
        _ => M::Response(Response {
            response: resp,
            ven_id: ven,
        }),
    }
}

/// Handle one message from a VEN, inside one `BEGIN IMMEDIATE` transaction.
/// On error nothing is stored and the caller answers with [`error_reply`].
pub fn handle(
    c: &mut Conn,
    ctx: &Ctx,
    service: Service,
    msg: &Message,
    fx: &mut Effects,
) -> Result<Reply> {
    if !service.accepts(msg) {
        return Err(VtnError::WrongService(msg.name(), service.as_str()));
    }
    c.immediate_transaction(|c| dispatch(c, ctx, msg, fx))
}

fn dispatch(c: &mut Conn, ctx: &Ctx, msg: &Message, fx: &mut Effects) -> Result<Reply> {
    use Message as M;
    Ok(match msg {
        M::QueryRegistration(q) => query_registration(ctx, &q.request_id).into(),
        M::CreatePartyRegistration(m) => create_registration(c, ctx, m, fx)?.into(),
        M::CancelPartyRegistration(m) => cancel_registration_from_ven(c, ctx, m, fx)?.into(),
        M::CanceledPartyRegistration(m) => {
            if let Some(v) = &m.ven_id {
                if let Some(row) = store::find_ven(c, v.as_str())? {
                    check_peer(ctx, &row)?;
                    fx.contact = Some(row.ven_id.clone());
                    if row.registration_id.is_some() && m.response.response_code.is_ok() {
                        clear_registration(c, ctx, row, fx)?;
                    }
                }
            }
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        M::Response(m) => {
            if let Some(v) = &m.ven_id {
                let row = registered(c, ctx, v)?;
                fx.contact = Some(row.ven_id);
            }
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        M::Poll(p) => poll(c, ctx, &p.ven_id, fx)?,
        M::RequestEvent(m) => request_event(c, ctx, m, fx)?.into(),
        M::CreatedEvent(m) => created_event(c, ctx, m, fx)?.into(),
        M::CreateOpt(m) => create_opt(c, ctx, m, fx)?.into(),
        M::CancelOpt(m) => {
            let ven = registered(c, ctx, &m.ven_id)?;
            fx.contact = Some(ven.ven_id.clone());
            if store::find_opt(c, &ven.ven_id, m.opt_id.as_str())?.is_none() {
                return Err(VtnError::InvalidId(format!(
                    "no opt {} from this VEN",
                    m.opt_id
                )));
            }
            store::cancel_opt(c, &ven.ven_id, m.opt_id.as_str(), ctx.now_ms())?;
            M::CanceledOpt(CanceledOpt {
                response: EiResponse::ok(m.request_id.clone()),
                opt_id: Some(m.opt_id.clone()),
            })
            .into()
        }
        M::RegisterReport(m) => register_report(c, ctx, m, fx)?.into(),
        M::RegisteredReport(m) => {
            let ven = registered_opt(c, ctx, m.ven_id.as_ref())?;
            fx.contact = Some(ven.ven_id);
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        M::CreatedReport(m) => {
            let ven = registered_opt(c, ctx, m.ven_id.as_ref())?;
            fx.contact = Some(ven.ven_id.clone());
            for id in &m.pending_reports {
                if let Some(r) = store::find_report_request(c, id.as_str())? {
                    if r.ven_id == ven.ven_id
                        && matches!(r.state.as_str(), "requested" | "unacknowledged")
                    {
                        store::set_report_request_state(
                            c,
                            &r.report_request_id,
                            "active",
                            ctx.now_ms(),
                        )?;
                    }
                }
            }
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        M::UpdateReport(m) => update_report(c, ctx, m, fx)?.into(),
        M::CreateReport(m) => create_report_from_ven(c, ctx, m, fx)?.into(),
        M::CancelReport(m) => {
            let ven = registered_opt(c, ctx, m.ven_id.as_ref())?;
            fx.contact = Some(ven.ven_id);
            // The VTN produces no reports of its own beyond METADATA, so nothing stays pending.
            M::CanceledReport(CanceledReport {
                response: EiResponse::ok(m.request_id.clone()),
                pending_reports: vec![],
                ven_id: m.ven_id.clone(),
            })
            .into()
        }
        M::CanceledReport(m) => {
            let ven = registered_opt(c, ctx, m.ven_id.as_ref())?;
            fx.contact = Some(ven.ven_id.clone());
            let still: Vec<&str> = m.pending_reports.iter().map(|r| r.as_str()).collect();
            for r in store::report_requests_of(c, Some(&ven.ven_id))? {
                if r.state == "cancelling" && !still.contains(&r.report_request_id.as_str()) {
                    store::set_report_request_state(
                        c,
                        &r.report_request_id,
                        "cancelled",
                        ctx.now_ms(),
                    )?;
                }
            }
            ok_response(&m.response.request_id, m.ven_id.clone()).into()
        }
        other => return Err(VtnError::WrongService(other.name(), "this VTN")),
    })
}

fn ok_response(req: &RequestId, ven: Option<VenId>) -> Message {
    Message::Response(Response {
        response: EiResponse::ok(req.clone()),
        ven_id: ven,
    })
}

/// The VEN must exist and be registered (and, with TLS, present its own certificate).
pub fn registered(c: &mut Conn, ctx: &Ctx, ven: &VenId) -> Result<VenRow> {
    let row = store::find_ven(c, ven.as_str())?
        .ok_or_else(|| VtnError::NotRegistered(ven.to_string()))?;
    if row.registration_id.is_none() {
        return Err(VtnError::NotRegistered(ven.to_string()));
    }
    check_peer(ctx, &row)?;
    Ok(row)
}

/// On TLS, the peer's certificate must be the one bound to this VEN (463 otherwise).
pub fn check_peer(ctx: &Ctx, row: &VenRow) -> Result<()> {
    let Some(peer) = &ctx.peer_fingerprint else {
        return Ok(());
    };
    let bound = row
        .cert_fingerprint
        .as_deref()
        .and_then(adr_schema::fingerprint::normalize);
    if bound.as_deref() != Some(peer.as_str()) {
        return Err(VtnError::NotRegistered(format!(
            "{} (the client certificate is not the one bound to this venID)",
            row.ven_id
        )));
    }
    Ok(())
}

fn registered_opt(c: &mut Conn, ctx: &Ctx, ven: Option<&VenId>) -> Result<VenRow> {
    match ven {
        Some(v) => registered(c, ctx, v),
        None => Err(VtnError::NotRegistered("(no venID in the message)".into())),
    }
}

// ---------------------------------------------------------------- EiRegisterParty

pub fn query_registration(ctx: &Ctx, req: &RequestId) -> Message {
    Message::CreatedPartyRegistration(CreatedPartyRegistration {
        response: EiResponse::ok(req.clone()),
        registration_id: None,
        ven_id: None,
        vtn_id: ctx.settings.vtn_id.clone(),
        profiles: profiles(),
        poll_freq: Some(ctx.settings.poll_freq),
        service_specific_info: None,
        extensions: None,
    })
}

fn create_registration(
    c: &mut Conn,
    ctx: &Ctx,
    m: &CreatePartyRegistration,
    fx: &mut Effects,
) -> Result<Message> {
    if m.profile_name != ProfileName::V20b {
        return Err(VtnError::data(format!(
            "profile {} is not served; this VTN speaks 2.0b",
            m.profile_name
        )));
    }
    if m.transport_name != TransportName::SimpleHttp {
        return Err(VtnError::data(format!(
            "transport {} is not served; use simpleHttp",
            m.transport_name
        )));
    }
    let pull = m.http_pull_model.unwrap_or(true);
    // Pull VENs often send a placeholder address (openleadr writes "None"): only push needs a URL.
    let address = m
        .transport_address
        .as_ref()
        .map(|a| a.trim().to_string())
        .filter(|a| a.len() <= 1024 && (a.starts_with("http://") || a.starts_with("https://")));
    if !pull && address.is_none() {
        return Err(VtnError::data(
            "a push VEN (oadrHttpPullModel false) needs an oadrTransportAddress",
        ));
    }
    // With TLS on, push goes only to https:// (see push_tls): refuse now
    // rather than queue messages that can never leave.
    if !pull
        && ctx.settings.tls.is_some()
        && address.as_ref().is_some_and(|a| !a.starts_with("https://"))
    {
        return Err(VtnError::data(
            "this VTN pushes over TLS only: the oadrTransportAddress of a push VEN must be https://",
        ));
    }
    let name = m
        .ven_name
        .as_ref()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.len() > 256) {
        return Err(VtnError::data("oadrVenName is longer than 256 bytes"));
    }
    // Who is this? By registrationID, then venID, then name (re-registration keeps the venID).
    let existing =
        if let Some(reg) = &m.registration_id {
            let v = find_by_registration(c, reg)?
                .ok_or_else(|| VtnError::InvalidId(format!("registrationID {reg} is not known")))?;
            if m.ven_id.as_ref().is_some_and(|id| id.as_str() != v.ven_id) {
                return Err(VtnError::InvalidId(
                    "venID does not match the registrationID".into(),
                ));
            }
            Some(v)
        } else if let Some(id) = &m.ven_id {
            Some(store::find_ven(c, id.as_str())?.ok_or_else(|| {
                VtnError::InvalidId(format!("venID {id} is not known to this VTN"))
            })?)
        } else if let Some(v) = match &ctx.peer_fingerprint {
            // On TLS the certificate names the VEN (pre-provisioned or registered before).
            Some(fp) => store::find_ven_by_fingerprint(c, fp)?,
            None => None,
        } {
            Some(v)
        } else if let Some(n) = &name {
            store::find_ven_by_name(c, n)?
        } else {
            None
        };
    if let (Some(v), Some(n)) = (&existing, &name) {
        if v.ven_name.as_deref() != Some(n.as_str()) {
            if let Some(other) = store::find_ven_by_name(c, n)? {
                if other.ven_id != v.ven_id {
                    return Err(VtnError::InvalidId(format!(
                        "oadrVenName {n} belongs to another VEN"
                    )));
                }
            }
        }
    }
    let now = ctx.now_ms();
    let open = ctx.settings.registration_policy.get() == crate::config::RegistrationPolicy::Open;
    let row = match existing {
        Some(mut v) => {
            if v.cert_fingerprint.is_none() && ctx.peer_fingerprint.is_some() && open {
                // A VEN known from plain HTTP days: bind its first certificate (open policy only).
                v.cert_fingerprint = ctx.peer_fingerprint.clone();
                fx.fingerprints
                    .push((v.ven_id.clone(), v.cert_fingerprint.clone()));
            }
            check_peer(ctx, &v)?;
            v.ven_name = name.or(v.ven_name);
            v.registration_id = Some(v.registration_id.unwrap_or_else(new_id));
            v.transport_address = address;
            v.http_pull_model = pull;
            v.report_only = m.report_only;
            v.xml_signature = m.xml_signature;
            v.registered_at = Some(now);
            v.last_contact = Some(now);
            store::update_ven(c, &v)?;
            v
        }
        None => {
            if ctx.peer_fingerprint.is_some() && !open {
                return Err(VtnError::NotRegistered(
                    "this client certificate is not provisioned on this VTN (registration policy: provisioned)".into(),
                ));
            }
            let v = VenRow {
                ven_id: new_id(),
                ven_name: name,
                registration_id: Some(new_id()),
                profile_name: m.profile_name.to_string(),
                transport_name: m.transport_name.to_string(),
                transport_address: address,
                http_pull_model: pull,
                report_only: m.report_only,
                xml_signature: m.xml_signature,
                groups_json: "[]".into(),
                resources_json: "[]".into(),
                party_id: None,
                cert_fingerprint: ctx.peer_fingerprint.clone(),
                created_at: now,
                registered_at: Some(now),
                last_contact: Some(now),
            };
            store::insert_ven(c, &v)?;
            fx.fingerprints
                .push((v.ven_id.clone(), v.cert_fingerprint.clone()));
            v
        }
    };
    fx.upserts.push((
        row.ven_id.clone(),
        row.registration_id.clone(),
        row.push_address(),
    ));
    fx.contact = Some(row.ven_id.clone());
    tracing::info!(ven_id = %row.ven_id, ven_name = ?row.ven_name, pull, "VEN registered");
    Ok(Message::CreatedPartyRegistration(
        CreatedPartyRegistration {
            response: EiResponse::ok(m.request_id.clone()),
            registration_id: Some(RegistrationId::new(
                row.registration_id.clone().unwrap_or_default(),
            )?),
            ven_id: Some(VenId::new(row.ven_id.clone())?),
            vtn_id: ctx.settings.vtn_id.clone(),
            profiles: profiles(),
            poll_freq: Some(ctx.settings.poll_freq),
            service_specific_info: None,
            extensions: None,
        },
    ))
}

fn find_by_registration(c: &mut Conn, reg: &RegistrationId) -> Result<Option<VenRow>> {
    use crate::store::schema::vens;
    use diesel::prelude::*;
    Ok(vens::table
        .filter(vens::registration_id.eq(reg.as_str()))
        .select(VenRow::as_select())
        .first(c)
        .optional()?)
}

fn cancel_registration_from_ven(
    c: &mut Conn,
    ctx: &Ctx,
    m: &CancelPartyRegistration,
    fx: &mut Effects,
) -> Result<Message> {
    let v = find_by_registration(c, &m.registration_id)?.ok_or_else(|| {
        VtnError::InvalidId(format!("registrationID {} is not known", m.registration_id))
    })?;
    if m.ven_id.as_ref().is_some_and(|id| id.as_str() != v.ven_id) {
        return Err(VtnError::InvalidId(
            "venID does not match the registrationID".into(),
        ));
    }
    check_peer(ctx, &v)?;
    let ven_id = v.ven_id.clone();
    clear_registration(c, ctx, v, fx)?;
    fx.contact = Some(ven_id.clone());
    Ok(Message::CanceledPartyRegistration(
        CanceledPartyRegistration {
            response: EiResponse::ok(m.request_id.clone()),
            registration_id: Some(m.registration_id.clone()),
            ven_id: Some(VenId::new(ven_id)?),
        },
    ))
}

/// Forget a VEN's registration (it keeps its venID): stop its report requests, drop its queue.
fn clear_registration(c: &mut Conn, ctx: &Ctx, mut v: VenRow, fx: &mut Effects) -> Result<()> {
    v.registration_id = None;
    store::update_ven(c, &v)?;
    store::supersede_requests(c, &v.ven_id, None, "cancelled", ctx.now_ms())?;
    let dropped = store::drop_pending(c, &v.ven_id, None)?;
    fx.pending.push((v.ven_id.clone(), -(dropped as i32)));
    fx.upserts.push((v.ven_id.clone(), None, None));
    tracing::info!(ven_id = %v.ven_id, "registration cancelled");
    Ok(())
}

// ---------------------------------------------------------------- OadrPoll

/// The next queued message for a VEN, removed from the queue as it is handed out,
/// or an empty oadrResponse.
pub fn poll(c: &mut Conn, ctx: &Ctx, ven: &VenId, fx: &mut Effects) -> Result<Reply> {
    let row = registered(c, ctx, ven)?;
    fx.contact = Some(row.ven_id.clone());
    let Some(p) = store::first_pending(c, &row.ven_id)? else {
        return Ok(ok_response(&rid(""), Some(ven.clone())).into());
    };
    store::delete_pending(c, p.id)?;
    fx.pending.push((row.ven_id.clone(), -1));
    Ok(match p.kind.as_str() {
        KIND_DISTRIBUTE => {
            Message::DistributeEvent(distribute_for(c, ctx, &row.profile(), None, None)?).into()
        }
        KIND_CANCEL_REGISTRATION => {
            // Delivered: the VEN is no longer registered (its oadrCanceledPartyRegistration is still welcome).
            clear_registration(c, ctx, row, fx)?;
            Reply::Xml(p.body)
        }
        _ => Reply::Xml(p.body),
    })
}

/// An oadrDistributeEvent with every current event that concerns the VEN.
pub fn distribute_for(
    c: &mut Conn,
    ctx: &Ctx,
    ven: &VenProfile,
    reply_limit: Option<u32>,
    answer_to: Option<&RequestId>,
) -> Result<DistributeEvent> {
    let mut events = Vec::new();
    for rec in store::current_events(c, ctx.now_ms())? {
        if rec.event.spec.concerns(ven) {
            events.push(rec.event.to_oadr(ctx.now, ctx.settings.near_window)?);
        }
    }
    if let Some(n) = reply_limit.filter(|n| *n > 0) {
        events.truncate(n as usize);
    }
    Ok(DistributeEvent {
        response: answer_to.map(|r| EiResponse::ok(r.clone())),
        request_id: RequestId::new(new_id())?,
        vtn_id: ctx.settings.vtn_id.clone(),
        events,
    })
}

// ---------------------------------------------------------------- EiEvent

fn request_event(c: &mut Conn, ctx: &Ctx, m: &RequestEvent, fx: &mut Effects) -> Result<Message> {
    let row = registered(c, ctx, &m.ven_id)?;
    fx.contact = Some(row.ven_id.clone());
    let d = distribute_for(c, ctx, &row.profile(), m.reply_limit, Some(&m.request_id))?;
    // The VEN now holds the current events: a queued distribute would only repeat them.
    let dropped = store::drop_pending(c, &row.ven_id, Some(KIND_DISTRIBUTE))?;
    if dropped > 0 {
        fx.pending.push((row.ven_id.clone(), -(dropped as i32)));
    }
    Ok(Message::DistributeEvent(d))
}

fn created_event(c: &mut Conn, ctx: &Ctx, m: &CreatedEvent, fx: &mut Effects) -> Result<Message> {
    let row = registered(c, ctx, &m.ven_id)?;
    fx.contact = Some(row.ven_id.clone());
    let profile = row.profile();
    for r in m.event_responses.iter().flatten() {
        let id = r.qualified_event_id.event_id.as_str();
        let ev = store::get_event(c, id)?
            .filter(|e| e.event.spec.concerns(&profile))
            .ok_or_else(|| {
                VtnError::InvalidId(format!("event {id} is not an event of this VEN"))
            })?;
        let modn = r.qualified_event_id.modification_number;
        if modn > ev.event.modification_number {
            return Err(VtnError::OutOfSequence(format!(
                "event {id} is at modification {}, not {modn}",
                ev.event.modification_number
            )));
        }
        store::save_event_response(
            c,
            &store::EventResponseRow {
                event_id: id.to_string(),
                ven_id: row.ven_id.clone(),
                modification_number: modn as i32,
                opt_type: r.opt_type.to_string(),
                response_code: r.response_code.0 as i32,
                received_at: ctx.now_ms(),
            },
        )?;
    }
    Ok(ok_response(&m.response.request_id, Some(m.ven_id.clone())))
}

// ---------------------------------------------------------------- EiOpt

fn create_opt(c: &mut Conn, ctx: &Ctx, m: &CreateOpt, fx: &mut Effects) -> Result<Message> {
    let row = registered(c, ctx, &m.ven_id)?;
    fx.contact = Some(row.ven_id.clone());
    let (mut event_id, mut modn) = (None, None);
    if let Some(q) = &m.qualified_event_id {
        let id = q.event_id.as_str();
        store::get_event(c, id)?
            .filter(|e| e.event.spec.concerns(&row.profile()))
            .ok_or_else(|| {
                VtnError::InvalidId(format!("event {id} is not an event of this VEN"))
            })?;
        event_id = Some(id.to_string());
        modn = Some(q.modification_number as i32);
    }
    let mut windows: Vec<[i64; 2]> = Vec::new();
    for p in m.vavailability.iter().flatten() {
        let d = p.duration.to_chrono();
        if d < chrono::Duration::zero() {
            return Err(VtnError::data(
                "an availability window cannot end before it starts",
            ));
        }
        let end = p
            .dtstart
            .checked_plus(d)
            .ok_or_else(|| VtnError::data("an availability window ends after the year 9999"))?;
        windows.push([to_ms(p.dtstart), to_ms(end)]);
    }
    if event_id.is_none() && windows.is_empty() {
        return Err(VtnError::data(
            "an opt needs a qualifiedEventID or a vavailability schedule",
        ));
    }
    store::save_opt(
        c,
        &store::OptRow {
            ven_id: row.ven_id.clone(),
            opt_id: m.opt_id.to_string(),
            opt_type: m.opt_type.to_string(),
            opt_reason: m.opt_reason.to_string(),
            market_context: m.market_context.clone(),
            event_id,
            modification_number: modn,
            schedule_json: serde_json::to_string(&windows)?,
            target_json: serde_json::to_string(&m.target)?,
            created_at: ctx.now_ms(),
            cancelled_at: None,
        },
    )?;
    Ok(Message::CreatedOpt(CreatedOpt {
        response: EiResponse::ok(m.request_id.clone()),
        opt_id: m.opt_id.clone(),
    }))
}

/// A VEN's participation in one event, from its oadrCreatedEvent answers and its opts.
#[derive(Clone, Debug, Serialize)]
pub struct Participation {
    pub ven_id: String,
    pub ven_name: Option<String>,
    /// optIn, optOut or pending (no answer yet).
    pub opt: String,
    /// The modification the answer was about.
    pub modification_number: Option<i32>,
    /// "event" (oadrCreatedEvent), "opt" (oadrCreateOpt for the event) or "schedule" (availability).
    pub source: Option<String>,
    pub participates: bool,
}

/// Who takes part in an event: the latest of each VEN's event answer and its
/// opts (an event opt or an availability window overlapping the event).
pub fn participation(
    c: &mut Conn,
    ev: &StoredEvent,
    vens: &[VenRow],
) -> Result<Vec<Participation>> {
    let answers = store::event_responses_for(c, &ev.event_id)?;
    let opts = store::list_opts(c, None, true)?;
    let (start, end) = (
        to_ms(ev.spec.dtstart),
        to_ms(
            ev.spec.end().min(
                ev.spec
                    .dtstart
                    .saturating_plus(chrono::Duration::days(36500)),
            ),
        ),
    );
    let mut out = Vec::new();
    for v in vens.iter().filter(|v| ev.spec.concerns(&v.profile())) {
        // (time, opt, modification, source): the latest wins.
        let mut best: Option<(i64, String, Option<i32>, &str)> = None;
        let mut consider = |t: i64, o: &str, m: Option<i32>, s: &'static str| {
            if best.as_ref().is_none_or(|b| t >= b.0) {
                best = Some((t, o.to_string(), m, s));
            }
        };
        for a in answers.iter().filter(|a| a.ven_id == v.ven_id) {
            consider(
                a.received_at,
                &a.opt_type,
                Some(a.modification_number),
                "event",
            );
        }
        for o in opts.iter().filter(|o| o.ven_id == v.ven_id) {
            if o.event_id.as_deref() == Some(ev.event_id.as_str()) {
                consider(o.created_at, &o.opt_type, o.modification_number, "opt");
            } else if o.event_id.is_none() {
                let windows: Vec<[i64; 2]> =
                    serde_json::from_str(&o.schedule_json).unwrap_or_default();
                if windows.iter().any(|w| w[0] < end && w[1] > start) {
                    consider(o.created_at, &o.opt_type, None, "schedule");
                }
            }
        }
        let (opt, modn, source) = match best {
            Some((_, o, m, s)) => (o, m, Some(s.to_string())),
            None => ("pending".to_string(), None, None),
        };
        out.push(Participation {
            ven_id: v.ven_id.clone(),
            ven_name: v.ven_name.clone(),
            participates: opt == "optIn",
            opt,
            modification_number: modn,
            source,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- EiReport

fn register_report(
    c: &mut Conn,
    ctx: &Ctx,
    m: &RegisterReport,
    fx: &mut Effects,
) -> Result<Message> {
    let mut row = registered_opt(c, ctx, m.ven_id.as_ref())?;
    fx.contact = Some(row.ven_id.clone());
    let now = ctx.now_ms();
    let mut requests = Vec::new();
    let mut resources: Vec<String> = serde_json::from_str(&row.resources_json).unwrap_or_default();
    for r in &m.reports {
        let offer = reports::offered(r);
        store::save_report_registration(
            c,
            &store::ReportRegistrationRow {
                ven_id: row.ven_id.clone(),
                report_specifier_id: offer.report_specifier_id.clone(),
                report_name: offer.report_name.clone(),
                descriptions_json: serde_json::to_string(&offer)?,
                registered_at: now,
            },
        )?;
        for p in &offer.points {
            if let Some(res) = &p.resource_id {
                if !resources.contains(res) && resources.len() < 10_000 {
                    resources.push(res.clone());
                }
            }
        }
        if let Some(plan) = reports::plan_telemetry(&offer, ctx.settings.report_granularity) {
            store::supersede_requests(
                c,
                &row.ven_id,
                Some(&offer.report_specifier_id),
                "superseded",
                now,
            )?;
            requests.push(reports::to_report_request(&plan, Some(&offer))?);
            store_request(c, ctx, &row.ven_id, &plan)?;
        }
    }
    row.resources_json = serde_json::to_string(&resources)?;
    store::update_ven(c, &row)?;
    Ok(Message::RegisteredReport(RegisteredReport {
        response: EiResponse::ok(m.request_id.clone()),
        report_requests: requests,
        ven_id: m.ven_id.clone(),
    }))
}

fn store_request(c: &mut Conn, ctx: &Ctx, ven: &str, p: &PlannedRequest) -> Result<()> {
    let now = ctx.now_ms();
    store::insert_report_request(
        c,
        &store::ReportRequestRow {
            report_request_id: p.report_request_id.clone(),
            ven_id: ven.to_string(),
            report_specifier_id: p.report_specifier_id.clone(),
            report_name: p.report_name.clone(),
            rids_json: serde_json::to_string(&p.rids)?,
            granularity: p.granularity.clone(),
            report_back_duration: p.report_back_duration.clone(),
            interval_start: p.interval_start.map(to_ms),
            interval_end: p.interval_end.map(to_ms),
            state: "requested".into(),
            created_at: now,
            deadline: Some(now + ctx.settings.report_deadline.to_chrono().num_milliseconds()),
            updated_at: now,
        },
    )
}

fn update_report(c: &mut Conn, ctx: &Ctx, m: &UpdateReport, fx: &mut Effects) -> Result<Message> {
    let row = registered_opt(c, ctx, m.ven_id.as_ref())?;
    fx.contact = Some(row.ven_id.clone());
    let now = ctx.now_ms();
    let mut out = Vec::new();
    for r in &m.reports {
        let id = r.report_request_id.as_str();
        let req = store::find_report_request(c, id)?
            .filter(|q| q.ven_id == row.ven_id)
            .ok_or_else(|| {
                VtnError::InvalidId(format!(
                    "reportRequestID {id} was not requested from this VEN"
                ))
            })?;
        if req.report_specifier_id != r.report_specifier_id.as_str() {
            return Err(VtnError::InvalidId(format!(
                "report {id} is for reportSpecifierID {}, not {}",
                req.report_specifier_id, r.report_specifier_id
            )));
        }
        if req.state == "superseded" {
            return Err(VtnError::ReportNotSupported(format!(
                "report request {id} was replaced by a newer one"
            )));
        }
        for iv in &r.intervals {
            let start = iv.dtstart.or(r.dtstart).unwrap_or(ctx.now);
            for p in &iv.payloads {
                let StreamPayload::Report(rp) = p else {
                    return Err(VtnError::data(
                        "a report interval carries oadrReportPayload, not signalPayload",
                    ));
                };
                let (value, status_json) = match &rp.payload {
                    PayloadBase::Float(v) => (Some(*v), None),
                    PayloadBase::ResourceStatus(s) => (None, Some(serde_json::to_string(s)?)),
                };
                out.push(store::NewReading {
                    ven_id: row.ven_id.clone(),
                    report_request_id: id.to_string(),
                    report_specifier_id: req.report_specifier_id.clone(),
                    report_name: r
                        .report_name
                        .as_ref()
                        .map(|n| reports::base_report_name(n.as_str()).to_string())
                        .or_else(|| Some(req.report_name.clone())),
                    rid: rp.rid.to_string(),
                    dtstart: to_ms(start),
                    duration_secs: iv.duration.map(|d| d.as_secs_f64()),
                    value,
                    status_json,
                    confidence: rp.confidence.map(|c| c as i32),
                    accuracy: rp.accuracy,
                    data_quality: rp.data_quality.as_ref().map(|d| d.to_string()),
                    received_at: now,
                });
            }
        }
        if matches!(req.state.as_str(), "requested" | "unacknowledged") {
            store::set_report_request_state(c, id, "active", now)?;
        }
    }
    store::insert_readings(c, &out)?;
    Ok(Message::UpdatedReport(UpdatedReport {
        response: EiResponse::ok(m.request_id.clone()),
        cancel_report: None,
        ven_id: m.ven_id.clone(),
    }))
}

/// A VEN asks the VTN for reports. The VTN offers only its METADATA (an
/// oadrRegisterReport, queued for the VEN's next poll).
fn create_report_from_ven(
    c: &mut Conn,
    ctx: &Ctx,
    m: &CreateReport,
    fx: &mut Effects,
) -> Result<Message> {
    let row = registered_opt(c, ctx, m.ven_id.as_ref())?;
    fx.contact = Some(row.ven_id.clone());
    for rr in &m.report_requests {
        let spec = rr.specifier.report_specifier_id.as_str();
        if spec != "METADATA" {
            return Err(VtnError::ReportNotSupported(format!(
                "this VTN offers only its METADATA report, not {spec}"
            )));
        }
    }
    let body = vtn_metadata(ctx, &row.ven_id)?.to_xml();
    queue(c, ctx, &row, KIND_REGISTER_REPORT, &body, fx)?;
    Ok(Message::CreatedReport(CreatedReport {
        response: EiResponse::ok(m.request_id.clone()),
        pending_reports: vec![],
        ven_id: m.ven_id.clone(),
    }))
}

/// The VTN's own METADATA: it measures nothing itself, so it registers no report.
pub fn vtn_metadata(_ctx: &Ctx, ven: &str) -> Result<Message> {
    Ok(Message::RegisterReport(RegisterReport {
        request_id: RequestId::new(new_id())?,
        reports: vec![],
        ven_id: Some(VenId::new(ven)?),
        report_request_id: None,
    }))
}

fn queue(
    c: &mut Conn,
    ctx: &Ctx,
    ven: &VenRow,
    kind: &str,
    body: &str,
    fx: &mut Effects,
) -> Result<bool> {
    let added = store::enqueue(c, &ven.ven_id, kind, body, ctx.now_ms())?;
    if added {
        fx.pending.push((ven.ven_id.clone(), 1));
        if ven.push_address().is_some() {
            fx.push.push(ven.ven_id.clone());
        }
    }
    Ok(added)
}

// ---------------------------------------------------------------- operator actions

/// Queue a distribute for every registered VEN any of `specs` concerns.
fn fanout(c: &mut Conn, ctx: &Ctx, specs: &[&EventSpec], fx: &mut Effects) -> Result<usize> {
    let mut n = 0;
    for v in store::list_vens(c)? {
        if v.registration_id.is_none() || v.report_only {
            continue;
        }
        let p = v.profile();
        if specs.iter().any(|s| s.concerns(&p)) && queue(c, ctx, &v, KIND_DISTRIBUTE, "", fx)? {
            n += 1;
        }
    }
    Ok(n)
}

pub fn create_event(
    c: &mut Conn,
    ctx: &Ctx,
    spec: EventSpec,
    fx: &mut Effects,
) -> Result<StoredEvent> {
    create_event_with_id(c, ctx, new_id(), spec, fx)
}

/// As [`create_event`], with the eventID chosen by the caller (chain mode
/// names events `chain-{id}`). An existing id is refused.
pub fn create_event_with_id(
    c: &mut Conn,
    ctx: &Ctx,
    event_id: String,
    spec: EventSpec,
    fx: &mut Effects,
) -> Result<StoredEvent> {
    spec.validate()?;
    c.immediate_transaction(|c| {
        if store::get_event(c, &event_id)?.is_some() {
            return Err(VtnError::NotAllowed(format!("event {event_id} exists")));
        }
        let ev = StoredEvent {
            event_id,
            modification_number: 0,
            created_at: ctx.now,
            modified_at: ctx.now,
            cancelled: false,
            modification_reason: None,
            spec,
        };
        let status = ev.spec.status_at(false, ctx.now, ctx.settings.near_window);
        store::save_event(c, &ev, status.as_str())?;
        let n = fanout(c, ctx, &[&ev.spec], fx)?;
        tracing::info!(event_id = %ev.event_id, vens = n, "event created");
        Ok(ev)
    })
}

/// A new version of an event: modificationNumber + 1, delivered to old and new targets.
pub fn modify_event(
    c: &mut Conn,
    ctx: &Ctx,
    id: &str,
    change: impl FnOnce(&mut EventSpec) -> Result<()>,
    reason: Option<String>,
    cancel: bool,
    fx: &mut Effects,
) -> Result<StoredEvent> {
    c.immediate_transaction(|c| {
        let rec = store::get_event(c, id)?.ok_or_else(|| VtnError::NotFound(format!("event {id}")))?;
        let old = rec.event;
        if old.cancelled {
            return Err(VtnError::NotAllowed(format!("event {id} is cancelled")));
        }
        let mut spec = old.spec.clone();
        change(&mut spec)?;
        spec.validate()?;
        let ev = StoredEvent {
            event_id: old.event_id.clone(),
            modification_number: old.modification_number + 1,
            created_at: old.created_at,
            modified_at: ctx.now,
            cancelled: cancel,
            modification_reason: reason.or_else(|| cancel.then(|| "cancelled".to_string())),
            spec,
        };
        let status = ev.spec.status_at(cancel, ctx.now, ctx.settings.near_window);
        store::save_event(c, &ev, status.as_str())?;
        let n = fanout(c, ctx, &[&old.spec, &ev.spec], fx)?;
        tracing::info!(event_id = %ev.event_id, modification = ev.modification_number, cancel, vens = n, "event modified");
        Ok(ev)
    })
}

pub fn request_reregistration(
    c: &mut Conn,
    ctx: &Ctx,
    ven_key: &str,
    fx: &mut Effects,
) -> Result<()> {
    c.immediate_transaction(|c| {
        let v = registered_ven(c, ven_key)?;
        let body = Message::RequestReregistration(RequestReregistration {
            ven_id: VenId::new(v.ven_id.clone())?,
        })
        .to_xml();
        queue(c, ctx, &v, KIND_REREGISTER, &body, fx)?;
        Ok(())
    })
}

/// Operator cancels a registration: an oadrCancelPartyRegistration is queued;
/// the registration ends when it is delivered.
pub fn cancel_registration(c: &mut Conn, ctx: &Ctx, ven_key: &str, fx: &mut Effects) -> Result<()> {
    c.immediate_transaction(|c| {
        let v = registered_ven(c, ven_key)?;
        let body = Message::CancelPartyRegistration(CancelPartyRegistration {
            request_id: RequestId::new(new_id())?,
            registration_id: RegistrationId::new(v.registration_id.clone().unwrap_or_default())?,
            ven_id: Some(VenId::new(v.ven_id.clone())?),
        })
        .to_xml();
        queue(c, ctx, &v, KIND_CANCEL_REGISTRATION, &body, fx)?;
        Ok(())
    })
}

fn registered_ven(c: &mut Conn, key: &str) -> Result<VenRow> {
    let v = store::find_ven_any(c, key)?.ok_or_else(|| VtnError::NotFound(format!("VEN {key}")))?;
    if v.registration_id.is_none() {
        return Err(VtnError::NotAllowed(format!("VEN {key} is not registered")));
    }
    Ok(v)
}

/// What an operator asks a VEN to report (HISTORY_USAGE with a window, or any offered report).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ReportAsk {
    pub report_specifier_id: String,
    #[serde(default)]
    pub rids: Vec<String>,
    #[serde(default)]
    pub granularity: Option<String>,
    #[serde(default)]
    pub report_back_duration: Option<String>,
    #[serde(default)]
    pub start: Option<Timestamp>,
    #[serde(default)]
    pub end: Option<Timestamp>,
}

pub fn request_report(
    c: &mut Conn,
    ctx: &Ctx,
    ven_key: &str,
    ask: ReportAsk,
    fx: &mut Effects,
) -> Result<String> {
    c.immediate_transaction(|c| {
        let v = registered_ven(c, ven_key)?;
        let reg = store::report_registrations_of(c, Some(&v.ven_id))?
            .into_iter()
            .find(|r| r.report_specifier_id == ask.report_specifier_id)
            .ok_or_else(|| {
                VtnError::ReportNotSupported(format!(
                    "VEN did not offer report {}",
                    ask.report_specifier_id
                ))
            })?;
        let offer: OfferedReport = serde_json::from_str(&reg.descriptions_json)?;
        let rids = if ask.rids.is_empty() {
            offer.points.iter().map(|p| p.rid.clone()).collect()
        } else {
            for r in &ask.rids {
                if !offer.points.iter().any(|p| p.rid == *r) {
                    return Err(VtnError::ReportNotSupported(format!(
                        "rID {r} is not in the offered report"
                    )));
                }
            }
            ask.rids.clone()
        };
        let g = match &ask.granularity {
            Some(g) => g.parse::<adr_schema::Duration>().map_err(VtnError::data)?,
            None => reports::granularity_for(&offer, ctx.settings.report_granularity),
        };
        let history = offer.report_name.starts_with("HISTORY");
        let rbd = match &ask.report_back_duration {
            Some(d) => d.parse::<adr_schema::Duration>().map_err(VtnError::data)?,
            None if history => adr_schema::Duration::ZERO,
            None => g,
        };
        if history && ask.start.is_none() {
            return Err(VtnError::data(
                "a HISTORY report request needs a start (and usually an end)",
            ));
        }
        let plan = PlannedRequest {
            report_request_id: new_id(),
            report_specifier_id: offer.report_specifier_id.clone(),
            report_name: offer.report_name.clone(),
            rids,
            granularity: g.to_string(),
            report_back_duration: rbd.to_string(),
            interval_start: ask.start,
            interval_end: ask.end,
        };
        let msg = Message::CreateReport(CreateReport {
            request_id: RequestId::new(new_id())?,
            report_requests: vec![reports::to_report_request(&plan, Some(&offer))?],
            ven_id: Some(VenId::new(v.ven_id.clone())?),
        });
        store_request(c, ctx, &v.ven_id, &plan)?;
        queue(c, ctx, &v, KIND_CREATE_REPORT, &msg.to_xml(), fx)?;
        Ok(plan.report_request_id)
    })
}

pub fn cancel_report_request(c: &mut Conn, ctx: &Ctx, rrid: &str, fx: &mut Effects) -> Result<()> {
    c.immediate_transaction(|c| {
        let r = store::find_report_request(c, rrid)?
            .ok_or_else(|| VtnError::NotFound(format!("report request {rrid}")))?;
        if !matches!(r.state.as_str(), "requested" | "active" | "unacknowledged") {
            return Err(VtnError::NotAllowed(format!(
                "report request {rrid} is {}",
                r.state
            )));
        }
        let v = registered_ven(c, &r.ven_id)?;
        let msg = Message::CancelReport(CancelReport {
            request_id: RequestId::new(new_id())?,
            report_request_ids: vec![ReportRequestId::new(rrid)?],
            report_to_follow: false,
            ven_id: Some(VenId::new(v.ven_id.clone())?),
        });
        store::set_report_request_state(c, rrid, "cancelling", ctx.now_ms())?;
        queue(c, ctx, &v, KIND_CANCEL_REPORT, &msg.to_xml(), fx)?;
        Ok(())
    })
}

/// What one tick of timed work changed.
#[derive(Debug, Default, Serialize)]
pub struct TickReport {
    /// (eventID, new status)
    pub transitions: Vec<(String, String)>,
    pub report_requests_expired: usize,
    pub messages_expired: usize,
}

/// Timed work: event status transitions (re-sent to the VENs concerned, except
/// completion, which every VEN computes itself), report request deadlines,
/// and dropping undelivered messages past their time to live.
pub fn tick(c: &mut Conn, ctx: &Ctx, fx: &mut Effects) -> Result<TickReport> {
    c.immediate_transaction(|c| {
        let mut rep = TickReport::default();
        for rec in store::live_events(c)? {
            let s = rec.event.spec.status_at(rec.event.cancelled, ctx.now, ctx.settings.near_window);
            if s.as_str() != rec.status {
                store::set_event_status(c, &rec.event.event_id, s.as_str())?;
                if s != adr_schema::EventStatus::Completed {
                    fanout(c, ctx, &[&rec.event.spec], fx)?;
                }
                tracing::info!(event_id = %rec.event.event_id, from = %rec.status, to = %s, "event status");
                rep.transitions.push((rec.event.event_id.clone(), s.to_string()));
            }
        }
        rep.report_requests_expired = store::expire_report_requests(c, ctx.now_ms())?;
        let ttl = ctx.settings.queue_ttl.to_chrono().num_milliseconds();
        let before = ctx.now_ms().saturating_sub(ttl);
        let counts_before = store::pending_counts(c)?;
        rep.messages_expired = store::expire_pending(c, before)?;
        if rep.messages_expired > 0 {
            let after: std::collections::HashMap<String, i64> = store::pending_counts(c)?.into_iter().collect();
            for (v, n) in counts_before {
                let m = after.get(&v).copied().unwrap_or(0);
                if m != n {
                    fx.pending.push((v, (m - n) as i32));
                }
            }
        }
        Ok(rep)
    })
}

/// Look up an opt id for the admin API (validated like the wire does).
pub fn opt_id(s: &str) -> Result<OptId> {
    OptId::new(s).map_err(|e| VtnError::data(e.to_string()))
}
