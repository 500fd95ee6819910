//! `/opts`, `/reports`, `/report-requests`, `/readings` and `/tick`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use vtn_core::operator;

use super::events::parse_start;
use super::vens::{registration_view, request_view};
use super::{find_ven, id, ts};
use crate::api::{OptView, Queued, ReadingView, ReportsView, WindowView};
use crate::clock::to_ms;
use crate::core;
use crate::error::Result;
use crate::state::AppState;
use crate::store::{self, ReadingFilter};

#[derive(Deserialize)]
pub(super) struct VenQuery {
    ven: Option<String>,
}

pub(super) async fn list_opts(
    q: web::Query<VenQuery>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let ven = q.into_inner().ven;
    let rows = st
        .db(move |c, _| {
            let id = ven.map(|k| find_ven(c, &k).map(|v| v.ven_id)).transpose()?;
            store::list_opts(c, id.as_deref(), false)
        })
        .await?;
    let out = rows
        .iter()
        .map(|o| -> Result<OptView> {
            let windows: Vec<[i64; 2]> = serde_json::from_str(&o.schedule_json).unwrap_or_default();
            Ok(OptView {
                ven_id: id("opts.ven_id", &o.ven_id)?,
                opt_id: id("opts.opt_id", &o.opt_id)?,
                opt_type: o.opt_type.clone(),
                opt_reason: o.opt_reason.clone(),
                market_context: o.market_context.clone(),
                event_id: o
                    .event_id
                    .as_deref()
                    .map(|e| id("opts.event_id", e))
                    .transpose()?,
                modification_number: o.modification_number.map(|m| m.max(0) as u32),
                schedule: windows
                    .iter()
                    .map(|w| WindowView {
                        start: ts(w[0]),
                        end: ts(w[1]),
                    })
                    .collect(),
                target: serde_json::from_str(&o.target_json).unwrap_or_default(),
                created_at: ts(o.created_at),
                cancelled_at: o.cancelled_at.and_then(ts),
                active: o.cancelled_at.is_none(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(out))
}

pub(super) async fn list_reports(
    q: web::Query<VenQuery>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let ven = q.into_inner().ven;
    let (regs, reqs) = st
        .db(move |c, _| {
            let id = ven.map(|k| find_ven(c, &k).map(|v| v.ven_id)).transpose()?;
            Ok((
                store::report_registrations_of(c, id.as_deref())?,
                store::report_requests_of(c, id.as_deref())?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReportsView {
        registrations: regs.iter().map(registration_view).collect::<Result<_>>()?,
        requests: reqs.iter().map(request_view).collect::<Result<_>>()?,
    }))
}

pub(super) async fn cancel_report_request(
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let id = path.into_inner();
    st.act(move |c, env, fx| {
        core::decide(c, env, None, fx, |v, ctx| {
            operator::cancel_report_request(v, ctx, &id)
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(Queued {
        queued: "oadrCancelReport".into(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReadingQuery {
    ven: Option<String>,
    report_request_id: Option<String>,
    report_specifier_id: Option<String>,
    report_name: Option<String>,
    rid: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
}

pub(super) async fn readings(
    q: web::Query<ReadingQuery>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let q = q.into_inner();
    let rows = st
        .db(move |c, env| {
            let t = |s: &Option<String>| {
                s.as_deref()
                    .map(|s| parse_start(s, env.now).map(to_ms))
                    .transpose()
            };
            let f = ReadingFilter {
                ven_id: q
                    .ven
                    .as_ref()
                    .map(|k| find_ven(c, k).map(|v| v.ven_id))
                    .transpose()?,
                report_request_id: q.report_request_id.clone(),
                report_specifier_id: q.report_specifier_id.clone(),
                report_name: q.report_name.clone(),
                rid: q.rid.clone(),
                from_ms: t(&q.from)?,
                to_ms: t(&q.to)?,
                received_by_ms: None,
                limit: q.limit,
            };
            store::query_readings(c, &f)
        })
        .await?;
    let out = rows
        .iter()
        .map(|r| -> Result<ReadingView> {
            Ok(ReadingView {
                id: r.id,
                ven_id: id("readings.ven_id", &r.ven_id)?,
                report_request_id: id("readings.report_request_id", &r.report_request_id)?,
                report_specifier_id: id("readings.report_specifier_id", &r.report_specifier_id)?,
                report_name: r.report_name.clone(),
                rid: id("readings.rid", &r.rid)?,
                dtstart: ts(r.dtstart),
                duration_secs: r.duration_secs,
                value: r.value,
                status: r
                    .status_json
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok()),
                confidence: r.confidence,
                accuracy: r.accuracy,
                data_quality: r.data_quality.clone(),
                received_at: ts(r.received_at),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(out))
}

/// Run the timed work now (the scheduler does this every second anyway).
pub(super) async fn tick(st: web::Data<AppState>) -> Result<HttpResponse> {
    let rep = crate::jobs::run_tick(&st).await?;
    Ok(HttpResponse::Ok().json(rep))
}
