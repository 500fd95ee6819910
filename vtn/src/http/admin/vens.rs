//! `/vens`: list, provision, inspect and target VENs; the registration
//! policy; re-registration, cancellation and report requests.

use actix_web::{web, HttpResponse};
use vtn_core::operator;

use super::{find_ven, id, ts};
use crate::api::{
    NewVen, PendingView, PolicyBody, PolicyView, Queued, ReportAsk, ReportRegistrationView,
    ReportRequestView, ReportRequested, VenDetail, VenPatch, VenView,
};
use crate::core;
use crate::error::Result;
use crate::state::AppState;
use crate::store::{self, ReportRegistrationRow, ReportRequestRow, VenRow};

pub(super) fn view(st: &AppState, v: &VenRow, pending: i64) -> Result<VenView> {
    let mem = st
        .registry
        .get(&v.ven_id)
        .map(|e| e.last_contact.load(std::sync::atomic::Ordering::Relaxed))
        .filter(|t| *t > 0);
    let last = match (v.last_contact, mem) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Ok(VenView {
        ven_id: id("vens.ven_id", &v.ven_id)?,
        ven_name: v.ven_name.clone(),
        registered: v.registration_id.is_some(),
        registration_id: v
            .registration_id
            .as_deref()
            .map(|r| id("vens.registration_id", r))
            .transpose()?,
        profile: v.profile_name.clone(),
        transport: v.transport_name.clone(),
        transport_address: v.transport_address.clone(),
        http_pull_model: v.http_pull_model,
        report_only: v.report_only,
        xml_signature: v.xml_signature,
        groups: serde_json::from_str(&v.groups_json).unwrap_or_default(),
        resources: serde_json::from_str(&v.resources_json).unwrap_or_default(),
        party_id: v.party_id.clone(),
        cert_fingerprint: v.cert_fingerprint.clone(),
        created_at: ts(v.created_at),
        registered_at: v.registered_at.and_then(ts),
        last_contact: last.and_then(ts),
        pending_messages: pending,
    })
}

pub(super) fn registration_view(r: &ReportRegistrationRow) -> Result<ReportRegistrationView> {
    Ok(ReportRegistrationView {
        ven_id: id("report_registrations.ven_id", &r.ven_id)?,
        report_specifier_id: id(
            "report_registrations.report_specifier_id",
            &r.report_specifier_id,
        )?,
        report_name: r.report_name.clone(),
        registered_at: ts(r.registered_at),
        offer: serde_json::from_str(&r.descriptions_json).ok(),
    })
}

pub(super) fn request_view(r: &ReportRequestRow) -> Result<ReportRequestView> {
    Ok(ReportRequestView {
        report_request_id: id("report_requests.report_request_id", &r.report_request_id)?,
        ven_id: id("report_requests.ven_id", &r.ven_id)?,
        report_specifier_id: id(
            "report_requests.report_specifier_id",
            &r.report_specifier_id,
        )?,
        report_name: r.report_name.clone(),
        rids: serde_json::from_str(&r.rids_json).unwrap_or_default(),
        granularity: r.granularity.clone(),
        report_back_duration: r.report_back_duration.clone(),
        interval_start: r.interval_start.and_then(ts),
        interval_end: r.interval_end.and_then(ts),
        state: r.state.clone(),
        created_at: ts(r.created_at),
        deadline: r.deadline.and_then(ts),
        updated_at: ts(r.updated_at),
    })
}

pub(super) async fn list(st: web::Data<AppState>) -> Result<HttpResponse> {
    let (vens, counts) = st
        .db(|c, _| Ok((store::list_vens(c)?, store::pending_counts(c)?)))
        .await?;
    let counts: std::collections::HashMap<_, _> = counts.into_iter().collect();
    let out = vens
        .iter()
        .map(|v| view(&st, v, counts.get(&v.ven_id).copied().unwrap_or(0)))
        .collect::<Result<Vec<VenView>>>()?;
    Ok(HttpResponse::Ok().json(out))
}

pub(super) async fn get(path: web::Path<String>, st: web::Data<AppState>) -> Result<HttpResponse> {
    let key = path.into_inner();
    let (v, pending, regs, reqs) = st
        .db(move |c, _| {
            let v = find_ven(c, &key)?;
            let p = store::pending_of(c, &v.ven_id)?;
            let regs = store::report_registrations_of(c, Some(&v.ven_id))?;
            let reqs = store::report_requests_of(c, Some(&v.ven_id))?;
            Ok((v, p, regs, reqs))
        })
        .await?;
    Ok(HttpResponse::Ok().json(VenDetail {
        ven: view(&st, &v, pending.len() as i64)?,
        pending: pending
            .iter()
            .map(|p| PendingView {
                id: p.id,
                kind: p.kind.clone(),
                created_at: ts(p.created_at),
            })
            .collect(),
        reports: regs.iter().map(registration_view).collect::<Result<_>>()?,
        report_requests: reqs.iter().map(request_view).collect::<Result<_>>()?,
    }))
}

pub(super) async fn patch(
    path: web::Path<String>,
    body: web::Json<VenPatch>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let key = path.into_inner();
    let p = body.into_inner();
    let ch = operator::VenChanges {
        groups: p.groups,
        resources: p.resources,
        party_id: p.party_id,
        cert_fingerprint: p.cert_fingerprint,
    };
    let row = st
        .act(move |c, env, fx| {
            let ven = core::decide(c, env, None, fx, |v, ctx| {
                operator::update_ven(v, ctx, &key, ch)
            })?;
            Ok(VenRow::from(&ven))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(&st, &row, 0)?))
}

/// Pre-provision a VEN: its name and, for TLS, its certificate fingerprint (it registers later).
pub(super) async fn add(body: web::Json<NewVen>, st: web::Data<AppState>) -> Result<HttpResponse> {
    let n = body.into_inner();
    let (row, fx) = st
        .db(move |c, env| {
            let mut fx = store::Effects::default();
            let ven = core::decide(c, env, None, &mut fx, |v, ctx| {
                operator::provision_ven(
                    v,
                    ctx,
                    &n.ven_name,
                    n.cert_fingerprint.as_deref(),
                    n.ven_id.as_deref(),
                    n.profile == Some(adr_schema::ProfileName::V20a),
                )
            })?;
            Ok((VenRow::from(&ven), fx))
        })
        .await?;
    st.apply(fx);
    Ok(HttpResponse::Created().json(view(&st, &row, 0)?))
}

pub(super) async fn get_policy(st: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(PolicyView {
        policy: st.settings.registration_policy.get(),
        tls: st.settings.tls.is_some(),
    }))
}

/// Who may register over TLS. Not persisted: the configured policy applies after a restart.
pub(super) async fn put_policy(
    body: web::Json<PolicyBody>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    st.settings.registration_policy.set(body.policy);
    tracing::info!(policy = body.policy.as_str(), "registration policy changed");
    get_policy(st).await
}

/// Queue an operator's message for a VEN (decided by `op`), answered 202.
async fn queue_for(
    key: String,
    st: web::Data<AppState>,
    op: fn(&dyn vtn_core::View, &vtn_core::Ctx, &str) -> vtn_core::Result<vtn_core::Decision<()>>,
    queued: &str,
) -> Result<HttpResponse> {
    st.act(move |c, env, fx| core::decide(c, env, None, fx, |v, ctx| op(v, ctx, &key)))
        .await?;
    Ok(HttpResponse::Accepted().json(Queued {
        queued: queued.into(),
    }))
}

pub(super) async fn reregister(
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let op = operator::request_reregistration;
    queue_for(path.into_inner(), st, op, "oadrRequestReregistration").await
}

pub(super) async fn cancel_registration(
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let op = operator::cancel_registration;
    queue_for(path.into_inner(), st, op, "oadrCancelPartyRegistration").await
}

pub(super) async fn request_report(
    path: web::Path<String>,
    body: web::Json<ReportAsk>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let key = path.into_inner();
    let ask = body.into_inner();
    let rrid = st
        .act(move |c, env, fx| {
            core::decide(c, env, None, fx, |v, ctx| {
                operator::request_report(v, ctx, &key, ask)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ReportRequested {
        report_request_id: super::id("report request", &rrid)?,
    }))
}
