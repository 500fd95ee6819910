//! EiRegisterParty: query, create (and re-register), cancel either way.

use adr_schema::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration,
    CreatedPartyRegistration, EiResponse, Message, ProfileName, RegistrationId, RequestId,
    TransportName, VenId,
};

use super::{check_peer, ok_response, profiles};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::model::{ReportRequestState, Ven};
use crate::ops::StoreOp;
use crate::view::View;

pub fn query(ctx: &Ctx, req: &RequestId) -> Message {
    Message::CreatedPartyRegistration(CreatedPartyRegistration {
        response: EiResponse::ok(req.clone()),
        registration_id: None,
        ven_id: None,
        vtn_id: ctx.policy.vtn_id.clone(),
        profiles: profiles(),
        poll_freq: Some(ctx.policy.poll_freq),
        service_specific_info: None,
        extensions: None,
    })
}

pub fn create(
    v: &dyn View,
    ctx: &Ctx,
    m: &CreatePartyRegistration,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    if m.profile_name != ProfileName::V20b {
        return Err(Error::data(format!(
            "profile {} is not served; this VTN speaks 2.0b",
            m.profile_name
        )));
    }
    if m.transport_name != TransportName::SimpleHttp {
        return Err(Error::data(format!(
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
        return Err(Error::data(
            "a push VEN (oadrHttpPullModel false) needs an oadrTransportAddress",
        ));
    }
    // With TLS on, push goes only to https://: refuse now rather than queue
    // messages that can never leave.
    if !pull && ctx.policy.tls && address.as_ref().is_some_and(|a| !a.starts_with("https://")) {
        return Err(Error::data(
            "this VTN pushes over TLS only: the oadrTransportAddress of a push VEN must be https://",
        ));
    }
    let name = m
        .ven_name
        .as_ref()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.len() > 256) {
        return Err(Error::data("oadrVenName is longer than 256 bytes"));
    }
    // Names reach operators' terminals and logs: no control characters.
    if name
        .as_ref()
        .is_some_and(|n| n.chars().any(char::is_control))
    {
        return Err(Error::data(
            "oadrVenName may not contain control characters",
        ));
    }
    // Who is this? By registrationID, then venID, then certificate, then name
    // (re-registration keeps the venID).
    let existing = if let Some(reg) = &m.registration_id {
        let known = v
            .ven_by_registration(reg.as_str())?
            .ok_or_else(|| Error::InvalidId(format!("registrationID {reg} is not known")))?;
        if m.ven_id.as_ref().is_some_and(|id| *id != known.ven_id) {
            return Err(Error::InvalidId(
                "venID does not match the registrationID".into(),
            ));
        }
        Some(known)
    } else if let Some(id) = &m.ven_id {
        Some(
            v.ven(id.as_str())?
                .ok_or_else(|| Error::InvalidId(format!("venID {id} is not known to this VTN")))?,
        )
    } else if let Some(known) = match &ctx.peer_fingerprint {
        Some(fp) => v.ven_by_fingerprint(fp)?,
        None => None,
    } {
        Some(known)
    } else if let Some(n) = &name {
        v.ven_by_name(n)?
    } else {
        None
    };
    if let (Some(known), Some(n)) = (&existing, &name) {
        if known.ven_name.as_deref() != Some(n.as_str()) {
            if let Some(other) = v.ven_by_name(n)? {
                if other.ven_id != known.ven_id {
                    return Err(Error::InvalidId(format!(
                        "oadrVenName {n} belongs to another VEN"
                    )));
                }
            }
        }
    }
    let now = ctx.now;
    let ven = match existing {
        Some(mut ven) => {
            if ven.cert_fingerprint.is_none()
                && ctx.peer_fingerprint.is_some()
                && ctx.policy.open_registration
            {
                // A VEN known from plain HTTP days: bind its first certificate (open policy only).
                ven.cert_fingerprint = ctx.peer_fingerprint.clone();
            }
            check_peer(ctx, &ven)?;
            ven.ven_name = name.or(ven.ven_name);
            if ven.registration_id.is_none() {
                ven.registration_id = Some(RegistrationId::new(ctx.new_id())?);
            }
            ven.transport_address = address;
            ven.http_pull_model = pull;
            ven.report_only = m.report_only;
            ven.xml_signature = m.xml_signature;
            ven.registered_at = Some(now);
            ven.last_contact = Some(now);
            ops.push(StoreOp::UpdateVen(ven.clone()));
            ven
        }
        None => {
            if !ctx.policy.open_registration {
                return Err(Error::NotRegistered(if ctx.peer_fingerprint.is_some() {
                    "this client certificate is not provisioned on this VTN (registration policy: provisioned)".into()
                } else {
                    "this VEN is not provisioned on this VTN (registration policy: provisioned); an operator adds it by name".into()
                }));
            }
            if !ctx.new_vens_allowed {
                return Err(Error::NotAllowed(
                    "too many new registrations from this address; try again later".into(),
                ));
            }
            let mut ven = Ven::new(VenId::new(ctx.new_id())?, now);
            ven.ven_name = name;
            ven.registration_id = Some(RegistrationId::new(ctx.new_id())?);
            ven.profile_name = m.profile_name;
            ven.transport_name = m.transport_name;
            ven.transport_address = address;
            ven.http_pull_model = pull;
            ven.report_only = m.report_only;
            ven.xml_signature = m.xml_signature;
            ven.cert_fingerprint = ctx.peer_fingerprint.clone();
            ven.registered_at = Some(now);
            ven.last_contact = Some(now);
            ops.push(StoreOp::InsertVen(ven.clone()));
            ven
        }
    };
    ops.push(StoreOp::Contact(ven.ven_id.clone()));
    tracing::info!(ven_id = %ven.ven_id, ven_name = ?ven.ven_name, pull, "VEN registered");
    Ok(Message::CreatedPartyRegistration(
        CreatedPartyRegistration {
            response: EiResponse::ok(m.request_id.clone()),
            registration_id: ven.registration_id.clone(),
            ven_id: Some(ven.ven_id.clone()),
            vtn_id: ctx.policy.vtn_id.clone(),
            profiles: profiles(),
            poll_freq: Some(ctx.policy.poll_freq),
            service_specific_info: None,
            extensions: None,
        },
    ))
}

pub fn cancel_from_ven(
    v: &dyn View,
    ctx: &Ctx,
    m: &CancelPartyRegistration,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    let ven = v
        .ven_by_registration(m.registration_id.as_str())?
        .ok_or_else(|| {
            Error::InvalidId(format!("registrationID {} is not known", m.registration_id))
        })?;
    if m.ven_id.as_ref().is_some_and(|id| *id != ven.ven_id) {
        return Err(Error::InvalidId(
            "venID does not match the registrationID".into(),
        ));
    }
    check_peer(ctx, &ven)?;
    let ven_id = ven.ven_id.clone();
    clear_registration(ctx, ven, ops);
    ops.push(StoreOp::Contact(ven_id.clone()));
    Ok(Message::CanceledPartyRegistration(
        CanceledPartyRegistration {
            response: EiResponse::ok(m.request_id.clone()),
            registration_id: Some(m.registration_id.clone()),
            ven_id: Some(ven_id),
        },
    ))
}

/// The VEN's answer to our oadrCancelPartyRegistration.
pub fn canceled(
    v: &dyn View,
    ctx: &Ctx,
    m: &CanceledPartyRegistration,
    ops: &mut Vec<StoreOp>,
) -> Result<Message> {
    if let Some(id) = &m.ven_id {
        if let Some(ven) = v.ven(id.as_str())? {
            check_peer(ctx, &ven)?;
            ops.push(StoreOp::Contact(ven.ven_id.clone()));
            if ven.is_registered() && m.response.response_code.is_ok() {
                clear_registration(ctx, ven, ops);
            }
        }
    }
    Ok(ok_response(&m.response.request_id, m.ven_id.clone()))
}

/// Forget a VEN's registration (it keeps its venID): stop its report
/// requests, drop its queue. The same whichever side cancelled and
/// whichever transport delivered the cancellation.
pub fn clear_registration(ctx: &Ctx, mut ven: Ven, ops: &mut Vec<StoreOp>) {
    ven.registration_id = None;
    let id = ven.ven_id.clone();
    ops.push(StoreOp::UpdateVen(ven));
    ops.push(StoreOp::CloseReportRequests {
        ven: id.clone(),
        report_specifier_id: None,
        state: ReportRequestState::Cancelled,
        at: ctx.now,
    });
    ops.push(StoreOp::DropPending {
        ven: id.clone(),
        kind: None,
    });
    tracing::info!(ven_id = %id, "registration cancelled");
}
