//! What operators (the admin API, the CLI, chain mode) ask of the VTN, as
//! decisions: events created and modified (fanned out to every VEN they
//! concern), re-registration and cancellation requests, report requests.

use adr_schema::{
    CancelPartyRegistration, CancelReport, CreateReport, Duration, Message, ReportRequestId,
    RequestId, RequestReregistration, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::events::{EventSpec, StoredEvent};
use crate::model::{PendingKind, ReportRequestState, Ven};
use crate::ops::{Decision, StoreOp};
use crate::reports::{self, PlannedRequest};
use crate::service::enqueue;
use crate::view::View;

/// Queue a distribute for every registered VEN any of `specs` concerns.
/// Returns how many VENs (2.0a ones included, though they pull).
pub fn fanout(v: &dyn View, specs: &[&EventSpec], ops: &mut Vec<StoreOp>) -> Result<usize> {
    let mut n = 0;
    for ven in v.vens()? {
        if !ven.is_registered() || ven.report_only {
            continue;
        }
        let p = ven.profile();
        if specs.iter().any(|s| s.concerns(&p)) {
            // A 2.0a VEN asks with oadrRequestEvent and gets every current
            // event then: nothing to queue.
            if !ven.is_profile_a() {
                ops.push(enqueue(&ven, PendingKind::Distribute, String::new()));
            }
            n += 1;
        }
    }
    Ok(n)
}

/// A new event with the given id (chain mode names events `chain-{id}`;
/// otherwise a fresh id). An existing id is refused.
pub fn create_event(
    v: &dyn View,
    ctx: &Ctx,
    event_id: Option<String>,
    spec: EventSpec,
) -> Result<Decision<StoredEvent>> {
    spec.validate()?;
    let event_id = event_id.unwrap_or_else(|| ctx.new_id());
    if v.event(&event_id)?.is_some() {
        return Err(Error::NotAllowed(format!("event {event_id} exists")));
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
    let status = ev.spec.status_at(false, ctx.now, ctx.policy.near_window);
    let mut ops = vec![StoreOp::SaveEvent {
        event: ev.clone(),
        status,
    }];
    let n = fanout(v, &[&ev.spec], &mut ops)?;
    tracing::info!(event_id = %ev.event_id, vens = n, "event created");
    Ok(Decision { reply: ev, ops })
}

/// A new version of an event: modificationNumber + 1, delivered to old and
/// new targets. `cancel` makes it a cancellation.
pub fn modify_event(
    v: &dyn View,
    ctx: &Ctx,
    id: &str,
    change: impl FnOnce(&mut EventSpec) -> Result<()>,
    reason: Option<String>,
    cancel: bool,
) -> Result<Decision<StoredEvent>> {
    let rec = v
        .event(id)?
        .ok_or_else(|| Error::NotFound(format!("event {id}")))?;
    let old = rec.event;
    if old.cancelled {
        return Err(Error::NotAllowed(format!("event {id} is cancelled")));
    }
    let mut spec = old.spec.clone();
    change(&mut spec)?;
    spec.validate()?;
    let ev = StoredEvent {
        event_id: old.event_id.clone(),
        modification_number: old
            .modification_number
            .checked_add(1)
            .ok_or_else(|| Error::NotAllowed(format!("event {id} cannot be modified again")))?,
        created_at: old.created_at,
        modified_at: ctx.now,
        cancelled: cancel,
        modification_reason: reason.or_else(|| cancel.then(|| "cancelled".to_string())),
        spec,
    };
    let status = ev.spec.status_at(cancel, ctx.now, ctx.policy.near_window);
    let mut ops = vec![StoreOp::SaveEvent {
        event: ev.clone(),
        status,
    }];
    let n = fanout(v, &[&old.spec, &ev.spec], &mut ops)?;
    tracing::info!(event_id = %ev.event_id, modification = ev.modification_number, cancel, vens = n, "event modified");
    Ok(Decision { reply: ev, ops })
}

/// A registered VEN named by venID or name.
fn registered_ven(v: &dyn View, key: &str) -> Result<Ven> {
    let ven = match v.ven(key)? {
        Some(x) => x,
        None => v
            .ven_by_name(key)?
            .ok_or_else(|| Error::NotFound(format!("VEN {key}")))?,
    };
    if !ven.is_registered() {
        return Err(Error::NotAllowed(format!("VEN {key} is not registered")));
    }
    if ven.is_profile_a() {
        return Err(Error::NotAllowed(format!(
            "VEN {key} speaks OpenADR 2.0a, which has no registration or report service"
        )));
    }
    Ok(ven)
}

/// Queue an oadrRequestReregistration for a VEN.
pub fn request_reregistration(v: &dyn View, _ctx: &Ctx, ven_key: &str) -> Result<Decision<()>> {
    let ven = registered_ven(v, ven_key)?;
    let body = Message::RequestReregistration(RequestReregistration {
        ven_id: ven.ven_id.clone(),
    })
    .to_xml();
    Ok(Decision {
        reply: (),
        ops: vec![enqueue(&ven, PendingKind::RequestReregistration, body)],
    })
}

/// Operator cancels a registration: an oadrCancelPartyRegistration is
/// queued; the registration ends when it is delivered.
pub fn cancel_registration(v: &dyn View, ctx: &Ctx, ven_key: &str) -> Result<Decision<()>> {
    let ven = registered_ven(v, ven_key)?;
    let Some(reg) = ven.registration_id.clone() else {
        return Err(Error::NotAllowed(format!(
            "VEN {ven_key} is not registered"
        )));
    };
    let body = Message::CancelPartyRegistration(CancelPartyRegistration {
        request_id: RequestId::new(ctx.new_id())?,
        registration_id: reg,
        ven_id: Some(ven.ven_id.clone()),
    })
    .to_xml();
    Ok(Decision {
        reply: (),
        ops: vec![enqueue(&ven, PendingKind::CancelRegistration, body)],
    })
}

/// What an operator asks a VEN to report (HISTORY_USAGE with a window, or any offered report).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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

/// Ask a VEN for one of the reports it offered. Returns the reportRequestID.
pub fn request_report(
    v: &dyn View,
    ctx: &Ctx,
    ven_key: &str,
    ask: ReportAsk,
) -> Result<Decision<String>> {
    let ven = registered_ven(v, ven_key)?;
    let offer = v
        .report_registration(&ven.ven_id, &ask.report_specifier_id)?
        .ok_or_else(|| {
            Error::ReportNotSupported(format!(
                "VEN did not offer report {}",
                ask.report_specifier_id
            ))
        })?
        .offer;
    let rids = if ask.rids.is_empty() {
        offer.points.iter().map(|p| p.rid.clone()).collect()
    } else {
        for r in &ask.rids {
            if !offer.points.iter().any(|p| p.rid == *r) {
                return Err(Error::ReportNotSupported(format!(
                    "rID {r} is not in the offered report"
                )));
            }
        }
        ask.rids.clone()
    };
    let g = match &ask.granularity {
        Some(g) => g.parse::<Duration>().map_err(Error::data)?,
        None => reports::granularity_for(&offer, ctx.policy.report_granularity),
    };
    let history = offer.report_name.starts_with("HISTORY");
    let rbd = match &ask.report_back_duration {
        Some(d) => d.parse::<Duration>().map_err(Error::data)?,
        None if history => Duration::ZERO,
        None => g,
    };
    if history && ask.start.is_none() {
        return Err(Error::data(
            "a HISTORY report request needs a start (and usually an end)",
        ));
    }
    let plan = PlannedRequest {
        report_request_id: ctx.new_id(),
        report_specifier_id: offer.report_specifier_id.clone(),
        report_name: offer.report_name.clone(),
        rids,
        granularity: g.to_string(),
        report_back_duration: rbd.to_string(),
        interval_start: ask.start,
        interval_end: ask.end,
    };
    let msg = Message::CreateReport(CreateReport {
        request_id: RequestId::new(ctx.new_id())?,
        report_requests: vec![reports::to_report_request(&plan, Some(&offer))?],
        ven_id: Some(ven.ven_id.clone()),
    });
    let ops = vec![
        StoreOp::InsertReportRequest(crate::service::request_of(ctx, &ven.ven_id, &plan)?),
        enqueue(&ven, PendingKind::CreateReport, msg.to_xml()),
    ];
    Ok(Decision {
        reply: plan.report_request_id,
        ops,
    })
}

/// Cancel an open report request: an oadrCancelReport is queued; the
/// request is `cancelling` until the VEN answers.
pub fn cancel_report_request(v: &dyn View, ctx: &Ctx, rrid: &str) -> Result<Decision<()>> {
    let r = v
        .report_request(rrid)?
        .ok_or_else(|| Error::NotFound(format!("report request {rrid}")))?;
    if !r.state.is_open() {
        return Err(Error::NotAllowed(format!(
            "report request {rrid} is {}",
            r.state
        )));
    }
    let ven = registered_ven(v, r.ven_id.as_str())?;
    let msg = Message::CancelReport(CancelReport {
        request_id: RequestId::new(ctx.new_id())?,
        report_request_ids: vec![ReportRequestId::new(rrid)?],
        report_to_follow: false,
        ven_id: Some(ven.ven_id.clone()),
    });
    Ok(Decision {
        reply: (),
        ops: vec![
            StoreOp::SetReportRequestState {
                id: rrid.to_string(),
                state: ReportRequestState::Cancelling,
                at: ctx.now,
            },
            enqueue(&ven, PendingKind::CancelReport, msg.to_xml()),
        ],
    })
}

/// A normalised fingerprint no other VEN holds (`me`: the VEN it is for, if any).
pub fn checked_fingerprint(v: &dyn View, f: &str, me: Option<&str>) -> Result<String> {
    let fp = adr_schema::fingerprint::normalize(f).ok_or_else(|| {
        Error::data(format!(
            "fingerprint {f:?}: expected 10 bytes of hex (AA:BB:..., 29 characters)"
        ))
    })?;
    if let Some(other) = v.ven_by_fingerprint(&fp)? {
        if Some(other.ven_id.as_str()) != me {
            return Err(Error::data(format!(
                "fingerprint {fp} is already bound to VEN {}",
                other.ven_id
            )));
        }
    }
    Ok(fp)
}

/// Pre-provision a VEN by name and, for TLS, certificate fingerprint: it
/// registers later, by certificate over TLS or by name over plain HTTP (the
/// `provisioned` registration policy admits only these). A 2.0a VEN has no
/// registration service: provisioning registers it, and its venID is what
/// the operator configures on the device.
pub fn provision_ven(
    v: &dyn View,
    ctx: &Ctx,
    name: &str,
    fingerprint: Option<&str>,
    ven_id: Option<&str>,
    profile_a: bool,
) -> Result<Decision<Ven>> {
    let name = name.trim();
    if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
        return Err(Error::data(
            "ven_name must be 1 to 256 bytes without control characters",
        ));
    }
    if v.ven_by_name(name)?.is_some() {
        return Err(Error::data(format!("a VEN named {name} exists")));
    }
    let fp = fingerprint
        .map(|f| checked_fingerprint(v, f, None))
        .transpose()?;
    let id = match ven_id {
        Some(id) => adr_schema::VenId::new(id)?,
        None => adr_schema::VenId::new(ctx.new_id())?,
    };
    if v.ven(id.as_str())?.is_some() {
        return Err(Error::data(format!("venID {id} exists")));
    }
    let mut ven = Ven::new(id, ctx.now);
    ven.ven_name = Some(name.to_string());
    ven.cert_fingerprint = fp;
    if profile_a {
        ven.profile_name = adr_schema::ProfileName::V20a;
        ven.registration_id = Some(adr_schema::RegistrationId::new(ctx.new_id())?);
        ven.http_pull_model = true;
        ven.registered_at = Some(ctx.now);
    }
    tracing::info!(ven_id = %ven.ven_id, ven_name = name, "VEN provisioned");
    Ok(Decision {
        reply: ven.clone(),
        ops: vec![StoreOp::InsertVen(ven)],
    })
}

/// What an operator may change about a VEN: its targeting facts and its
/// bound certificate (`Some("")` unbinds).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VenChanges {
    pub groups: Option<Vec<String>>,
    pub resources: Option<Vec<String>>,
    pub party_id: Option<String>,
    pub cert_fingerprint: Option<String>,
}

/// Most groups or resources an operator may give one VEN.
pub const MAX_TARGET_NAMES: usize = 10_000;

/// Set a VEN's groups, resources, partyID or certificate.
pub fn update_ven(v: &dyn View, _ctx: &Ctx, key: &str, ch: VenChanges) -> Result<Decision<Ven>> {
    let mut ven = match v.ven(key)? {
        Some(x) => x,
        None => v
            .ven_by_name(key)?
            .ok_or_else(|| Error::NotFound(format!("VEN {key}")))?,
    };
    let names = |what: &str, list: Vec<String>| -> Result<Vec<String>> {
        if list.len() > MAX_TARGET_NAMES {
            return Err(Error::data(format!(
                "at most {MAX_TARGET_NAMES} {what} per VEN"
            )));
        }
        for n in &list {
            if n.is_empty() || n.len() > 256 || n.chars().any(char::is_control) {
                return Err(Error::data(format!(
                    "{what}: {n:?} is not 1 to 256 printable bytes"
                )));
            }
        }
        Ok(list)
    };
    if let Some(g) = ch.groups {
        ven.groups = names("groups", g)?;
    }
    if let Some(r) = ch.resources {
        ven.resources = names("resources", r)?;
    }
    if let Some(p) = ch.party_id {
        ven.party_id = Some(p).filter(|s| !s.is_empty());
    }
    if let Some(f) = ch.cert_fingerprint {
        ven.cert_fingerprint = match f.trim() {
            "" => None,
            f => Some(checked_fingerprint(v, f, Some(ven.ven_id.as_str()))?),
        };
    }
    Ok(Decision {
        reply: ven.clone(),
        ops: vec![StoreOp::UpdateVen(ven)],
    })
}
