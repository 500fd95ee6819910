//! The operators' JSON API under `/api/v1/` (bearer token; OpenAPI at
//! `/api/v1/openapi.json`, which needs no token).

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use adr_schema::{Duration, SignalName, SignalType, Timestamp, TimestampExt};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::{from_ms, to_ms};
use crate::core;
use crate::error::{Result, VtnError};
use crate::state::AppState;
use crate::store::{self, Conn, ReadingFilter, VenRow};
use vtn_core::events::{EventSpec, IntervalSpec, SignalSpec, TargetSpec};
use vtn_core::operator::{self, ReportAsk};
use vtn_core::participation::Participation;
use vtn_core::reports::OfferedReport;

impl ResponseError for VtnError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.http_status()
    }
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.http_status()).json(json!({
            "error": self.to_string(),
            "code": self.response_code().0,
        }))
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1024 * 1024)
            .error_handler(|e, _| VtnError::data(format!("invalid JSON: {e}")).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| VtnError::data(format!("invalid query: {e}")).into()),
    )
    .service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi))
            .route("/health", web::get().to(health))
            .route("/vens", web::get().to(list_vens))
            .route("/vens", web::post().to(add_ven))
            .route("/registration-policy", web::get().to(get_policy))
            .route("/registration-policy", web::put().to(put_policy))
            .route("/vens/{ven}", web::get().to(get_ven))
            .route("/vens/{ven}", web::patch().to(patch_ven))
            .route("/vens/{ven}/reregister", web::post().to(reregister))
            .route(
                "/vens/{ven}/cancel-registration",
                web::post().to(cancel_registration),
            )
            .route(
                "/vens/{ven}/report-requests",
                web::post().to(request_report),
            )
            .route("/events", web::get().to(list_events))
            .route("/events", web::post().to(create_event))
            .route("/events/{id}", web::get().to(get_event))
            .route("/events/{id}", web::patch().to(modify_event))
            .route("/events/{id}", web::delete().to(cancel_event))
            .route("/events/{id}/cancel", web::post().to(cancel_event))
            .route("/events/{id}/versions", web::get().to(event_versions))
            .route("/opts", web::get().to(list_opts))
            .route("/reports", web::get().to(list_reports))
            .route(
                "/report-requests/{id}",
                web::delete().to(cancel_report_request),
            )
            .route("/readings", web::get().to(readings))
            .route("/tick", web::post().to(tick)),
    );
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8 | ((a.len() ^ b.len()) >> 8) as u8;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= x ^ y;
    }
    diff == 0 && a.len() == b.len()
}

fn auth(req: &HttpRequest, st: &AppState) -> Result<()> {
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if ct_eq(given.as_bytes(), st.settings.admin_token.as_bytes()) {
        Ok(())
    } else {
        Err(VtnError::Unauthorized)
    }
}

fn ts(ms: Option<i64>) -> Value {
    ms.map(|m| json!(from_ms(m).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
        .unwrap_or(Value::Null)
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::openapi::document())
}

async fn health(st: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(
        json!({"status": "ok", "vtn_id": st.settings.vtn_id.as_str(), "vens": st.registry.len()}),
    )
}

fn ven_json(st: &AppState, v: &VenRow, pending: i64) -> Value {
    let mem = st
        .registry
        .get(&v.ven_id)
        .map(|e| e.last_contact.load(std::sync::atomic::Ordering::Relaxed))
        .filter(|t| *t > 0);
    let last = match (v.last_contact, mem) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    json!({
        "ven_id": v.ven_id,
        "ven_name": v.ven_name,
        "registered": v.registration_id.is_some(),
        "registration_id": v.registration_id,
        "profile": v.profile_name,
        "transport": v.transport_name,
        "transport_address": v.transport_address,
        "http_pull_model": v.http_pull_model,
        "report_only": v.report_only,
        "xml_signature": v.xml_signature,
        "groups": serde_json::from_str::<Value>(&v.groups_json).unwrap_or(Value::Null),
        "resources": serde_json::from_str::<Value>(&v.resources_json).unwrap_or(Value::Null),
        "party_id": v.party_id,
        "cert_fingerprint": v.cert_fingerprint,
        "created_at": ts(Some(v.created_at)),
        "registered_at": ts(v.registered_at),
        "last_contact": ts(last),
        "pending_messages": pending,
    })
}

fn find_ven(c: &mut Conn, key: &str) -> Result<VenRow> {
    store::find_ven_any(c, key)?.ok_or_else(|| VtnError::NotFound(format!("VEN {key}")))
}

async fn list_vens(req: HttpRequest, st: web::Data<AppState>) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let (vens, counts) = st
        .db(|c, _| Ok((store::list_vens(c)?, store::pending_counts(c)?)))
        .await?;
    let counts: std::collections::HashMap<_, _> = counts.into_iter().collect();
    let out: Vec<Value> = vens
        .iter()
        .map(|v| ven_json(&st, v, counts.get(&v.ven_id).copied().unwrap_or(0)))
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

async fn get_ven(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
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
    let mut j = ven_json(&st, &v, pending.len() as i64);
    j["pending"] = json!(pending
        .iter()
        .map(|p| json!({"id": p.id, "kind": p.kind, "created_at": ts(Some(p.created_at))}))
        .collect::<Vec<_>>());
    j["reports"] = json!(regs.iter().map(registration_json).collect::<Vec<_>>());
    j["report_requests"] = json!(reqs.iter().map(request_json).collect::<Vec<_>>());
    Ok(HttpResponse::Ok().json(j))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VenPatch {
    groups: Option<Vec<String>>,
    resources: Option<Vec<String>>,
    party_id: Option<String>,
    /// Issue 7: bind a client certificate fingerprint to this venID.
    cert_fingerprint: Option<String>,
}

async fn patch_ven(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<VenPatch>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let key = path.into_inner();
    let p = body.into_inner();
    let v = st
        .db(move |c, _| {
            let mut v = find_ven(c, &key)?;
            if let Some(g) = p.groups {
                v.groups_json = serde_json::to_string(&g)?;
            }
            if let Some(r) = p.resources {
                v.resources_json = serde_json::to_string(&r)?;
            }
            if let Some(pid) = p.party_id {
                v.party_id = Some(pid).filter(|s| !s.is_empty());
            }
            if let Some(f) = p.cert_fingerprint {
                v.cert_fingerprint = match f.trim() {
                    "" => None,
                    f => Some(checked_fingerprint(c, f, Some(&v.ven_id))?),
                };
            }
            store::update_ven(c, &v)?;
            Ok(v)
        })
        .await?;
    st.registry
        .set_fingerprint(&v.ven_id, v.cert_fingerprint.as_deref());
    Ok(HttpResponse::Ok().json(ven_json(&st, &v, 0)))
}

/// A normalised fingerprint no other VEN holds.
fn checked_fingerprint(c: &mut Conn, f: &str, me: Option<&str>) -> Result<String> {
    let fp = adr_schema::fingerprint::normalize(f).ok_or_else(|| {
        VtnError::data(format!(
            "fingerprint {f:?}: expected 10 bytes of hex (AA:BB:..., 29 characters)"
        ))
    })?;
    if let Some(other) = store::find_ven_by_fingerprint(c, &fp)? {
        if Some(other.ven_id.as_str()) != me {
            return Err(VtnError::data(format!(
                "fingerprint {fp} is already bound to VEN {}",
                other.ven_id
            )));
        }
    }
    Ok(fp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVen {
    ven_name: String,
    cert_fingerprint: String,
    ven_id: Option<String>,
}

/// Pre-provision a VEN: its name and certificate fingerprint (it registers later over TLS).
async fn add_ven(
    req: HttpRequest,
    body: web::Json<NewVen>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let n = body.into_inner();
    let v = st
        .db(move |c, ctx| {
            c.immediate_transaction(|c| {
                let name = n.ven_name.trim().to_string();
                if name.is_empty() || name.len() > 256 {
                    return Err(VtnError::data("ven_name must be 1 to 256 bytes"));
                }
                if store::find_ven_by_name(c, &name)?.is_some() {
                    return Err(VtnError::data(format!("a VEN named {name} exists")));
                }
                let fp = checked_fingerprint(c, &n.cert_fingerprint, None)?;
                let ven_id = match n.ven_id {
                    Some(id) => adr_schema::VenId::new(id)?.to_string(),
                    None => core::new_id(),
                };
                if store::find_ven(c, &ven_id)?.is_some() {
                    return Err(VtnError::data(format!("venID {ven_id} exists")));
                }
                let now = crate::clock::to_ms(ctx.now);
                let v = VenRow {
                    ven_id,
                    ven_name: Some(name),
                    registration_id: None,
                    profile_name: "2.0b".into(),
                    transport_name: "simpleHttp".into(),
                    transport_address: None,
                    http_pull_model: true,
                    report_only: false,
                    xml_signature: false,
                    groups_json: "[]".into(),
                    resources_json: "[]".into(),
                    party_id: None,
                    cert_fingerprint: Some(fp),
                    created_at: now,
                    registered_at: None,
                    last_contact: None,
                };
                store::insert_ven(c, &v)?;
                Ok(v)
            })
        })
        .await?;
    st.registry.upsert(&v.ven_id, None, None);
    st.registry
        .set_fingerprint(&v.ven_id, v.cert_fingerprint.as_deref());
    tracing::info!(ven_id = %v.ven_id, ven_name = ?v.ven_name, fingerprint = ?v.cert_fingerprint, "VEN provisioned");
    Ok(HttpResponse::Created().json(ven_json(&st, &v, 0)))
}

async fn get_policy(req: HttpRequest, st: web::Data<AppState>) -> Result<HttpResponse> {
    auth(&req, &st)?;
    Ok(HttpResponse::Ok().json(json!({
        "policy": st.settings.registration_policy.get().as_str(),
        "tls": st.settings.tls.is_some(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    policy: crate::config::RegistrationPolicy,
}

/// Who may register over TLS. Not persisted: the configured policy applies after a restart.
async fn put_policy(
    req: HttpRequest,
    body: web::Json<PolicyBody>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    st.settings.registration_policy.set(body.policy);
    tracing::info!(policy = body.policy.as_str(), "registration policy changed");
    get_policy(req, st).await
}

async fn reregister(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let key = path.into_inner();
    st.act(move |c, env, fx| {
        core::decide(c, env, None, fx, |v, ctx| {
            operator::request_reregistration(v, ctx, &key)
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(json!({"queued": "oadrRequestReregistration"})))
}

async fn cancel_registration(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let key = path.into_inner();
    st.act(move |c, env, fx| {
        core::decide(c, env, None, fx, |v, ctx| {
            operator::cancel_registration(v, ctx, &key)
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(json!({"queued": "oadrCancelPartyRegistration"})))
}

async fn request_report(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ReportAsk>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let key = path.into_inner();
    let ask = body.into_inner();
    let id = st
        .act(move |c, env, fx| {
            core::decide(c, env, None, fx, |v, ctx| {
                operator::request_report(v, ctx, &key, ask)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({"report_request_id": id})))
}

async fn cancel_report_request(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let id = path.into_inner();
    st.act(move |c, env, fx| {
        core::decide(c, env, None, fx, |v, ctx| {
            operator::cancel_report_request(v, ctx, &id)
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(json!({"queued": "oadrCancelReport"})))
}

// ---------------------------------------------------------------- events

/// What an operator sends to create or modify an event. Shorthands (`level`,
/// `price`, `signal_name`) build one signal; `signals` gives full control.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    pub signal_name: Option<SignalName>,
    pub signal_type: Option<SignalType>,
    pub level: Option<f64>,
    pub price: Option<f64>,
    pub currency: Option<String>,
    pub intervals: Option<Vec<IntervalSpec>>,
    pub signals: Option<Vec<SignalSpec>>,
    /// "now", an RFC 3339 time, or "+PT5M" (from now).
    pub start: Option<String>,
    pub duration: Option<Duration>,
    /// VEN names (oadrVenName) or venIDs.
    pub vens: Option<Vec<String>>,
    pub group_ids: Option<Vec<String>>,
    pub resource_ids: Option<Vec<String>>,
    pub party_ids: Option<Vec<String>>,
    /// Target every registered VEN (instead of naming targets).
    pub all_vens: Option<bool>,
    pub market_context: Option<String>,
    pub priority: Option<u32>,
    pub test_event: Option<bool>,
    pub vtn_comment: Option<String>,
    pub response_required: Option<bool>,
    /// A duration, or "" to clear it on a modification.
    pub ramp_up: Option<String>,
    pub recovery: Option<String>,
    pub notification: Option<String>,
    pub start_after: Option<String>,
    /// Modification reason.
    pub reason: Option<String>,
}

pub fn parse_start(s: &str, now: Timestamp) -> Result<Timestamp> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(d) = s.strip_prefix('+') {
        let d: adr_schema::Duration = d.parse().map_err(VtnError::data)?;
        return now
            .checked_plus(d.to_chrono())
            .ok_or_else(|| VtnError::data(format!("start {s:?} is after the year 9999")));
    }
    adr_schema::time::parse_timestamp(s).map_err(|e| VtnError::data(format!("start {s:?}: {e}")))
}

fn sum_durations(iv: &[IntervalSpec]) -> Duration {
    let secs = iv.iter().fold(0i64, |a, i| {
        a.saturating_add(i.duration.to_chrono().num_seconds())
    });
    Duration::from_secs(secs.max(0) as u64)
}

impl EventRequest {
    fn signal(&self, duration: Duration, base: Option<&SignalSpec>) -> Result<Option<SignalSpec>> {
        let value = self.level.or(self.price);
        if value.is_none()
            && self.intervals.is_none()
            && self.signal_name.is_none()
            && self.signal_type.is_none()
            && self.currency.is_none()
        {
            return Ok(None);
        }
        let mut s = base.cloned().unwrap_or(SignalSpec {
            signal_name: SignalName::Simple,
            signal_type: SignalType::Level,
            signal_id: None,
            intervals: vec![],
            current_value: None,
            currency: None,
            target: None,
        });
        if self.price.is_some() && self.signal_type.is_none() && base.is_none() {
            s.signal_name = SignalName::ElectricityPrice;
            s.signal_type = SignalType::Price;
        }
        if let Some(n) = &self.signal_name {
            s.signal_name = n.clone();
        }
        if let Some(t) = self.signal_type {
            s.signal_type = t;
        }
        if let Some(c) = &self.currency {
            s.currency = Some(c.clone());
        }
        if let Some(iv) = &self.intervals {
            s.intervals = iv.clone();
        } else if let Some(v) = value {
            s.intervals = vec![IntervalSpec { duration, value: v }];
        }
        if s.intervals.is_empty() {
            return Err(VtnError::data("give a level, a price or intervals"));
        }
        Ok(Some(s))
    }

    fn targets(&self, c: &mut Conn, base: TargetSpec) -> Result<TargetSpec> {
        let mut t = base;
        if let Some(vs) = &self.vens {
            let mut ids = Vec::new();
            for key in vs {
                ids.push(
                    find_ven(c, key)
                        .map_err(|_| VtnError::data(format!("no VEN named {key}")))?
                        .ven_id,
                );
            }
            t.ven_ids = ids;
        }
        if let Some(g) = &self.group_ids {
            t.group_ids = g.clone();
        }
        if let Some(r) = &self.resource_ids {
            t.resource_ids = r.clone();
        }
        if let Some(p) = &self.party_ids {
            t.party_ids = p.clone();
        }
        Ok(t)
    }

    fn apply_common(&self, spec: &mut EventSpec) -> Result<()> {
        if let Some(v) = &self.market_context {
            spec.market_context = v.clone();
        }
        if self.priority.is_some() {
            spec.priority = self.priority;
        }
        if let Some(v) = self.test_event {
            spec.test_event = v;
        }
        if self.vtn_comment.is_some() {
            spec.vtn_comment = self.vtn_comment.clone();
        }
        if let Some(v) = self.response_required {
            spec.response_required = v;
        }
        for (src, dst) in [
            (&self.ramp_up, &mut spec.ramp_up),
            (&self.recovery, &mut spec.recovery),
            (&self.notification, &mut spec.notification),
            (&self.start_after, &mut spec.start_after),
        ] {
            if let Some(v) = src {
                *dst = match v.trim() {
                    "" => None,
                    d => Some(
                        d.parse::<Duration>()
                            .map_err(|e| VtnError::data(format!("{d:?} is not a duration: {e}")))?,
                    ),
                };
            }
        }
        Ok(())
    }

    /// A new event's spec.
    pub fn to_spec(&self, c: &mut Conn, now: Timestamp, default_market: &str) -> Result<EventSpec> {
        let dtstart = parse_start(self.start.as_deref().unwrap_or("now"), now)?;
        let duration = match (&self.duration, &self.intervals) {
            (Some(d), _) => *d,
            (None, Some(iv)) => sum_durations(iv),
            (None, None) => match &self.signals {
                Some(s) if !s.is_empty() => sum_durations(&s[0].intervals),
                _ => return Err(VtnError::data("give a duration (e.g. PT30M)")),
            },
        };
        let signals = match &self.signals {
            Some(s) => s.clone(),
            None => vec![self
                .signal(duration, None)?
                .ok_or_else(|| VtnError::data("give a level, a price, intervals or signals"))?],
        };
        let targets = self.targets(c, TargetSpec::default())?;
        if targets.is_empty() && self.all_vens != Some(true) {
            return Err(VtnError::data(
                "give targets (vens, group_ids, resource_ids, party_ids) or all_vens: true",
            ));
        }
        let mut spec = EventSpec {
            dtstart,
            duration,
            signals,
            targets,
            market_context: default_market.to_string(),
            priority: None,
            test_event: false,
            vtn_comment: None,
            response_required: true,
            ramp_up: None,
            recovery: None,
            notification: None,
            start_after: None,
        };
        self.apply_common(&mut spec)?;
        Ok(spec)
    }

    /// Apply a modification to an existing spec.
    pub fn modify(&self, c: &mut Conn, now: Timestamp, spec: &mut EventSpec) -> Result<()> {
        if let Some(s) = &self.start {
            spec.dtstart = parse_start(s, now)?;
        }
        if let Some(d) = self.duration {
            spec.duration = d;
        }
        if let Some(s) = &self.signals {
            spec.signals = s.clone();
        } else if let Some(sig) = self.signal(spec.duration, spec.signals.first())? {
            spec.signals[0] = sig;
        }
        spec.targets = self.targets(c, spec.targets.clone())?;
        self.apply_common(spec)
    }
}

fn event_json(
    rec: &store::EventRecord,
    now: Timestamp,
    st: &AppState,
    parts: Vec<Participation>,
) -> Value {
    let ev = &rec.event;
    let status = ev
        .spec
        .status_at(ev.cancelled, now, st.settings.near_window);
    json!({
        "event_id": ev.event_id,
        "modification_number": ev.modification_number,
        "status": status.as_str(),
        "cancelled": ev.cancelled,
        "created_at": ts(Some(to_ms(ev.created_at))),
        "modified_at": ts(Some(to_ms(ev.modified_at))),
        "modification_reason": ev.modification_reason,
        "dtstart": ts(Some(to_ms(ev.spec.dtstart))),
        "duration": ev.spec.duration,
        "spec": ev.spec,
        "participants": parts.iter().filter(|p| p.participates).count(),
        "vens": parts,
    })
}

async fn list_events(req: HttpRequest, st: web::Data<AppState>) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let st2 = st.clone();
    let out = st
        .db(move |c, ctx| {
            let vens = core::vens(c)?;
            let mut out = Vec::new();
            for rec in store::list_events(c)? {
                let parts = core::participation(c, &rec.event, &vens)?;
                out.push(event_json(&rec, ctx.now, &st2, parts));
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn get_event(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let id = path.into_inner();
    let st2 = st.clone();
    let out = st
        .db(move |c, ctx| {
            let rec = store::get_event(c, &id)?
                .ok_or_else(|| VtnError::NotFound(format!("event {id}")))?;
            let vens = core::vens(c)?;
            let parts = core::participation(c, &rec.event, &vens)?;
            Ok(event_json(&rec, ctx.now, &st2, parts))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn event_versions(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let id = path.into_inner();
    let rows = st.db(move |c, _| store::event_versions(c, &id)).await?;
    let out: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "modification_number": r.modification_number,
                "reason": r.reason,
                "modified_at": ts(Some(r.modified_at)),
                "spec": serde_json::from_str::<Value>(&r.spec_json).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

async fn create_event(
    req: HttpRequest,
    body: web::Json<EventRequest>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let r = body.into_inner();
    let ev = st
        .act(move |c, env, fx| {
            let spec = r.to_spec(c, env.now, &env.settings.market_context)?;
            core::decide(c, env, None, fx, |v, ctx| {
                operator::create_event(v, ctx, None, spec)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .json(json!({"event_id": ev.event_id, "modification_number": ev.modification_number})))
}

async fn modify_event(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<EventRequest>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let id = path.into_inner();
    let r = body.into_inner();
    let ev = st
        .act(move |c, env, fx| {
            // Resolve VEN names first, outside the decision.
            let mut probe = store::get_event(c, &id)?
                .ok_or_else(|| VtnError::NotFound(format!("event {id}")))?
                .event
                .spec;
            r.modify(c, env.now, &mut probe)?;
            let reason = r.reason.clone();
            core::decide(c, env, None, fx, |v, ctx| {
                operator::modify_event(
                    v,
                    ctx,
                    &id,
                    move |s| {
                        *s = probe;
                        Ok(())
                    },
                    reason,
                    false,
                )
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .json(json!({"event_id": ev.event_id, "modification_number": ev.modification_number})))
}

async fn cancel_event(
    req: HttpRequest,
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let id = path.into_inner();
    let ev = st
        .act(move |c, env, fx| {
            core::decide(c, env, None, fx, |v, ctx| {
                operator::modify_event(v, ctx, &id, |_| Ok(()), None, true)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({"event_id": ev.event_id, "modification_number": ev.modification_number, "status": "cancelled"})))
}

// ---------------------------------------------------------------- opts, reports, readings

#[derive(Deserialize)]
struct VenQuery {
    ven: Option<String>,
}

async fn list_opts(
    req: HttpRequest,
    q: web::Query<VenQuery>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let ven = q.into_inner().ven;
    let rows = st
        .db(move |c, _| {
            let id = ven.map(|k| find_ven(c, &k).map(|v| v.ven_id)).transpose()?;
            store::list_opts(c, id.as_deref(), false)
        })
        .await?;
    let out: Vec<Value> = rows
        .iter()
        .map(|o| {
            json!({
                "ven_id": o.ven_id, "opt_id": o.opt_id, "opt_type": o.opt_type, "opt_reason": o.opt_reason,
                "market_context": o.market_context, "event_id": o.event_id, "modification_number": o.modification_number,
                "schedule": serde_json::from_str::<Value>(&o.schedule_json).unwrap_or(Value::Null)
                    .as_array().map(|a| a.iter().map(|w| json!({"start": ts(w[0].as_i64()), "end": ts(w[1].as_i64())})).collect::<Vec<_>>()),
                "target": serde_json::from_str::<Value>(&o.target_json).unwrap_or(Value::Null),
                "created_at": ts(Some(o.created_at)), "cancelled_at": ts(o.cancelled_at), "active": o.cancelled_at.is_none(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

fn registration_json(r: &store::ReportRegistrationRow) -> Value {
    let offer: Option<OfferedReport> = serde_json::from_str(&r.descriptions_json).ok();
    json!({
        "ven_id": r.ven_id, "report_specifier_id": r.report_specifier_id, "report_name": r.report_name,
        "registered_at": ts(Some(r.registered_at)), "offer": offer,
    })
}

fn request_json(r: &store::ReportRequestRow) -> Value {
    json!({
        "report_request_id": r.report_request_id, "ven_id": r.ven_id, "report_specifier_id": r.report_specifier_id,
        "report_name": r.report_name, "rids": serde_json::from_str::<Value>(&r.rids_json).unwrap_or(Value::Null),
        "granularity": r.granularity, "report_back_duration": r.report_back_duration,
        "interval_start": ts(r.interval_start), "interval_end": ts(r.interval_end),
        "state": r.state, "created_at": ts(Some(r.created_at)), "deadline": ts(r.deadline), "updated_at": ts(Some(r.updated_at)),
    })
}

async fn list_reports(
    req: HttpRequest,
    q: web::Query<VenQuery>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
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
    Ok(HttpResponse::Ok().json(json!({
        "registrations": regs.iter().map(registration_json).collect::<Vec<_>>(),
        "requests": reqs.iter().map(request_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadingQuery {
    ven: Option<String>,
    report_request_id: Option<String>,
    report_specifier_id: Option<String>,
    report_name: Option<String>,
    rid: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
}

async fn readings(
    req: HttpRequest,
    q: web::Query<ReadingQuery>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let q = q.into_inner();
    let rows = st
        .db(move |c, ctx| {
            let t = |s: &Option<String>| {
                s.as_deref()
                    .map(|s| parse_start(s, ctx.now).map(to_ms))
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
                limit: q.limit,
            };
            store::query_readings(c, &f)
        })
        .await?;
    let out: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "ven_id": r.ven_id, "report_request_id": r.report_request_id,
                "report_specifier_id": r.report_specifier_id, "report_name": r.report_name, "rid": r.rid,
                "dtstart": ts(Some(r.dtstart)), "duration_secs": r.duration_secs, "value": r.value,
                "status": r.status_json.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
                "confidence": r.confidence, "accuracy": r.accuracy, "data_quality": r.data_quality,
                "received_at": ts(Some(r.received_at)),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Run the timed work now (the scheduler does this every second anyway).
async fn tick(req: HttpRequest, st: web::Data<AppState>) -> Result<HttpResponse> {
    auth(&req, &st)?;
    let rep = crate::jobs::run_tick(&st).await?;
    Ok(HttpResponse::Ok().json(rep))
}
