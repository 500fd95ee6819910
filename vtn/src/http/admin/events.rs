//! `/events`: what operators ask for becomes an [`EventSpec`] (names
//! resolved to venIDs here, then a decision of the core), and each event
//! is shown with its status now and who takes part.

use actix_web::{web, HttpResponse};
use adr_schema::{Duration, SignalName, SignalType, Timestamp, TimestampExt};
use vtn_core::events::{EventSpec, IntervalSpec, SignalSpec, TargetSpec};
use vtn_core::operator;

use super::{find_ven, ts};
use crate::api::{EventChanged, EventRequest, EventVersionView, EventView};
use crate::clock::to_ms;
use crate::core;
use crate::error::{Result, VtnError};
use crate::state::AppState;
use crate::store::{self, Conn, EventRecord};

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
                let row =
                    find_ven(c, key).map_err(|_| VtnError::data(format!("no VEN named {key}")))?;
                ids.push(adr_schema::VenId::new(row.ven_id)?);
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
        if let Some(b) = &self.baseline {
            spec.baseline = Some(Box::new(b.clone()));
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
        // An operator's new event starts at most a day ago (a typo, not a
        // backfill) and at most ten years ahead.
        if dtstart < now.saturating_minus(chrono::Duration::days(1))
            || dtstart > now.saturating_plus(chrono::Duration::days(3653))
        {
            return Err(VtnError::data(format!(
                "start {dtstart} is more than a day ago or more than ten years ahead"
            )));
        }
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
            baseline: None,
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

fn view(
    rec: &EventRecord,
    now: Timestamp,
    st: &AppState,
    parts: Vec<vtn_core::participation::Participation>,
) -> Result<EventView> {
    let ev = &rec.event;
    let status = ev
        .spec
        .status_at(ev.cancelled, now, st.settings.near_window);
    Ok(EventView {
        event_id: super::id("events.event_id", &ev.event_id)?,
        modification_number: ev.modification_number,
        status: status.to_string(),
        cancelled: ev.cancelled,
        created_at: ts(to_ms(ev.created_at)),
        modified_at: ts(to_ms(ev.modified_at)),
        modification_reason: ev.modification_reason.clone(),
        dtstart: ts(to_ms(ev.spec.dtstart)),
        duration: ev.spec.duration,
        spec: ev.spec.clone(),
        participants: parts.iter().filter(|p| p.participates).count(),
        vens: parts,
    })
}

pub(super) async fn list(st: web::Data<AppState>) -> Result<HttpResponse> {
    let st2 = st.clone();
    let out = st
        .db(move |c, env| {
            let vens = core::vens(c)?;
            let mut out = Vec::new();
            for rec in store::list_events(c)? {
                let parts = core::participation(c, &rec.event, &vens)?;
                out.push(view(&rec, env.now, &st2, parts)?);
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub(super) async fn get(path: web::Path<String>, st: web::Data<AppState>) -> Result<HttpResponse> {
    let id = path.into_inner();
    let st2 = st.clone();
    let out = st
        .db(move |c, env| {
            let rec = store::get_event(c, &id)?
                .ok_or_else(|| VtnError::not_found(format!("event {id}")))?;
            let vens = core::vens(c)?;
            let parts = core::participation(c, &rec.event, &vens)?;
            view(&rec, env.now, &st2, parts)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub(super) async fn versions(
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let id = path.into_inner();
    let rows = st.db(move |c, _| store::event_versions(c, &id)).await?;
    let out: Vec<EventVersionView> = rows
        .iter()
        .map(|r| EventVersionView {
            modification_number: r.modification_number,
            reason: r.reason.clone(),
            modified_at: ts(r.modified_at),
            spec: serde_json::from_str(&r.spec_json).ok(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

pub(super) async fn create(
    body: web::Json<EventRequest>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let r = body.into_inner();
    let ev = st
        .act(move |c, env, fx| {
            let spec = r.to_spec(c, env.now, &env.settings.market_context)?;
            core::decide(c, env, None, fx, |v, ctx| {
                operator::create_event(v, ctx, None, spec)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(EventChanged {
        event_id: super::id("events.event_id", &ev.event_id)?,
        modification_number: ev.modification_number,
        status: None,
    }))
}

pub(super) async fn modify(
    path: web::Path<String>,
    body: web::Json<EventRequest>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let id = path.into_inner();
    let r = body.into_inner();
    let ev = st
        .act(move |c, env, fx| {
            // Resolve VEN names first, outside the decision.
            let mut probe = store::get_event(c, &id)?
                .ok_or_else(|| VtnError::not_found(format!("event {id}")))?
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
    Ok(HttpResponse::Ok().json(EventChanged {
        event_id: super::id("events.event_id", &ev.event_id)?,
        modification_number: ev.modification_number,
        status: None,
    }))
}

pub(super) async fn cancel(
    path: web::Path<String>,
    st: web::Data<AppState>,
) -> Result<HttpResponse> {
    let id = path.into_inner();
    let ev = st
        .act(move |c, env, fx| {
            core::decide(c, env, None, fx, |v, ctx| {
                operator::modify_event(v, ctx, &id, |_| Ok(()), None, true)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(EventChanged {
        event_id: super::id("events.event_id", &ev.event_id)?,
        modification_number: ev.modification_number,
        status: Some("cancelled".into()),
    }))
}
