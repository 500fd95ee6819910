//! On-chain DR events become OpenADR events (the mapping itself lives in
//! `adr_chain::mapping`, the one documented place).
//!
//! Each on-chain event becomes exactly one VTN event, `chain-{id}`: created
//! once it has at least one participant VEN (an empty target would mean every
//! VEN), then modified as the chain moves (started, ended, new commitments)
//! or cancelled. Applying a print twice changes nothing, so replays after a
//! restart are harmless.

use std::collections::BTreeSet;

use adr_chain::events::{ChainEventStatus, DrEvent};
use adr_chain::mapping::{self, ChainEventState, MappingConfig, OadrEventContent};
use adr_chain::targets::{device_hash, Participant};

use crate::core;
use crate::error::Result;
use crate::state::AppState;
use crate::store::{self, Conn};
use adr_schema::{Timestamp, VenId};
use vtn_core::events::{EventSpec, IntervalSpec, SignalSpec, StoredEvent, TargetSpec};
use vtn_core::operator;

use super::store as bstore;
use super::store::ChainEventRow;

/// The registered VENs whose identity hash is one of the participants' devices.
pub fn target_vens(c: &mut Conn, participants: &[Participant]) -> Result<BTreeSet<String>> {
    let wanted: BTreeSet<[u8; 32]> = participants
        .iter()
        .flat_map(|p| p.devices.iter().copied())
        .collect();
    let mut out = BTreeSet::new();
    for v in store::list_vens(c)? {
        if v.registration_id.is_none() {
            continue;
        }
        let ids = [v.ven_name.as_deref(), v.cert_fingerprint.as_deref()];
        if ids
            .iter()
            .flatten()
            .any(|id| wanted.contains(&device_hash(id.as_bytes())))
        {
            out.insert(v.ven_id.clone());
        }
    }
    Ok(out)
}

/// The VTN event spec for a chain event's OpenADR content and targets.
pub fn spec_of(content: &OadrEventContent, vens: &BTreeSet<String>) -> EventSpec {
    EventSpec {
        dtstart: content.dtstart,
        duration: content.duration,
        signals: content
            .signals
            .iter()
            .map(|s| SignalSpec {
                signal_name: s.signal_name.clone(),
                signal_type: s.signal_type,
                signal_id: Some(s.signal_id.clone()),
                intervals: vec![IntervalSpec {
                    duration: s.interval_duration,
                    value: s.value,
                }],
                current_value: None,
                currency: None,
                target: None,
            })
            .collect(),
        targets: TargetSpec {
            // venIDs come from our own rows; one that no longer reads is left out.
            ven_ids: vens
                .iter()
                .filter_map(|v| VenId::new(v.clone()).ok())
                .collect(),
            ..Default::default()
        },
        market_context: content.market_context.clone(),
        priority: Some(1),
        test_event: false,
        vtn_comment: Some(content.vtn_comment.clone()),
        response_required: true,
        ramp_up: None,
        recovery: None,
        notification: None,
        start_after: None,
        baseline: None,
    }
}

/// The new state if `print` changes what we have for its event.
pub fn fold(row: Option<&ChainEventRow>, print: &DrEvent) -> Result<Option<ChainEventState>> {
    let prev = match row {
        Some(r) => Some(ChainEventState {
            event: super::decode_event(&r.print_hex)?,
            modification_number: r.modification_number as u32,
        }),
        None => None,
    };
    Ok(mapping::apply(prev.as_ref(), print))
}

/// What the VTN does to its event for a chain event's new state.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Nothing,
    Create(EventSpec),
    /// A new version (modificationNumber + 1) with this spec.
    Modify(EventSpec),
    Cancel,
}

/// Decide, without IO, how the VTN event follows the chain. Every
/// status-advancing print (`advanced`) becomes a new modification delivered
/// to every targeted VEN, even when the OpenADR content is otherwise the
/// same: a VEN must never keep shedding for an event the chain has ended.
/// - cancelled on chain: the VTN event is cancelled;
/// - ended on chain before its start: cancelled (nothing is left to do);
/// - ended during its window: its active period (and its interval) now ends
///   at `now`, so VENs see it completed;
/// - otherwise the spec follows the mapping (targets included).
pub fn plan(
    current: Option<&StoredEvent>,
    chain: &DrEvent,
    wanted: EventSpec,
    advanced: bool,
    has_targets: bool,
    now: Timestamp,
) -> Plan {
    let ended = chain.status == ChainEventStatus::Ended;
    let over = chain.status == ChainEventStatus::Cancelled || ended && now <= wanted.dtstart;
    let Some(cur) = current else {
        return if over || !has_targets {
            Plan::Nothing
        } else {
            Plan::Create(cut_at(wanted, ended, now))
        };
    };
    if cur.cancelled {
        return Plan::Nothing;
    }
    if over {
        return Plan::Cancel;
    }
    let spec = cut_at(wanted, ended, now);
    if ended && cur.spec.end() <= now && !advanced {
        return Plan::Nothing;
    }
    if advanced || cur.spec != spec {
        Plan::Modify(spec)
    } else {
        Plan::Nothing
    }
}

/// An event ended on chain at `now` (after its start) lasts until `now`.
fn cut_at(mut spec: EventSpec, ended: bool, now: Timestamp) -> EventSpec {
    if !ended || now >= spec.end() {
        return spec;
    }
    let secs = (now - spec.dtstart).num_seconds().max(1) as u64;
    let d = adr_schema::Duration::from_secs(secs);
    spec.duration = d;
    for s in &mut spec.signals {
        if let [only] = s.intervals.as_mut_slice() {
            only.duration = d;
        }
    }
    spec
}

/// Bring the VTN event for one chain event in line with `state` and `vens`.
/// Returns the VTN event id (if one exists now).
pub async fn sync(
    st: &AppState,
    bridge: &super::Bridge,
    state: ChainEventState,
    print_hex: String,
    vens: BTreeSet<String>,
    reason: &'static str,
) -> Result<Option<String>> {
    let now = st.clock.now();
    let content = mapping::to_oadr(
        &state,
        &bridge.contracts.event_manager,
        now.timestamp(),
        &MappingConfig::default(),
    )
    .map_err(|e| crate::error::VtnError::data(e.to_string()))?;
    let chain_id = state.event.event_id as i64;
    st.act(move |c, env, fx| {
        let row = bstore::get_event(c, chain_id)?;
        let mut vtn_id = row.as_ref().and_then(|r| r.vtn_event_id.clone());
        let advanced = row
            .as_ref()
            .is_some_and(|r| (r.modification_number as u32) < state.modification_number);
        let current = match &vtn_id {
            Some(id) => store::get_event(c, id)?.map(|r| r.event),
            None => None,
        };
        let wanted = spec_of(&content, &vens);
        match plan(
            current.as_ref(),
            &state.event,
            wanted,
            advanced,
            !vens.is_empty(),
            env.now,
        ) {
            Plan::Nothing => {}
            Plan::Create(spec) => {
                let ev = core::decide(c, env, None, fx, |v, ctx| {
                    operator::create_event(v, ctx, Some(content.event_id.to_string()), spec)
                })?;
                vtn_id = Some(ev.event_id);
            }
            Plan::Cancel => {
                if let Some(id) = &vtn_id {
                    core::decide(c, env, None, fx, |v, ctx| {
                        operator::modify_event(v, ctx, id, |_| Ok(()), Some(reason.into()), true)
                    })?;
                }
            }
            Plan::Modify(spec) => {
                if let Some(id) = &vtn_id {
                    core::decide(c, env, None, fx, |v, ctx| {
                        operator::modify_event(
                            v,
                            ctx,
                            id,
                            move |s| {
                                *s = spec;
                                Ok(())
                            },
                            Some(reason.into()),
                            false,
                        )
                    })?;
                }
            }
        }
        let targets: Vec<String> = vens.into_iter().collect();
        bstore::upsert_event(
            c,
            &ChainEventRow {
                chain_event_id: chain_id,
                print_hex,
                modification_number: state.modification_number as i32,
                vtn_event_id: vtn_id.clone(),
                targets_json: serde_json::to_string(&targets).unwrap_or_else(|_| "[]".into()),
                oracle_state: row
                    .map(|r| r.oracle_state)
                    .unwrap_or_else(|| bstore::OracleState::Waiting.as_str().into()),
            },
            env.now.timestamp_millis(),
        )?;
        Ok(vtn_id)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use adr_chain::clarity::{Principal, StandardPrincipal};

    fn chain(status: ChainEventStatus) -> DrEvent {
        DrEvent {
            event_id: 1,
            operator: Principal::Standard(StandardPrincipal {
                version: 26,
                hash160: [1; 20],
            }),
            start: 1_780_000_000,
            duration: 3600,
            target_reduction_kw: 10,
            signal_level: 2,
            reward_pool: 1,
            status,
            penalty_rate: 0,
            verification_threshold: 80,
            reward_multiplier: 100,
            min_stake: 0,
            created_at: 1,
            ended_at: 0,
        }
    }

    fn spec_for(e: &DrEvent) -> EventSpec {
        let state = ChainEventState {
            event: e.clone(),
            modification_number: 0,
        };
        let em = adr_chain::clarity::ContractId::parse(
            "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.event-manager",
        )
        .unwrap();
        let content = mapping::to_oadr(&state, &em, 0, &MappingConfig::default()).unwrap();
        spec_of(&content, &BTreeSet::from(["ven-1".to_string()]))
    }

    fn stored(spec: EventSpec) -> StoredEvent {
        StoredEvent {
            event_id: "chain-1".into(),
            modification_number: 0,
            created_at: spec.dtstart,
            modified_at: spec.dtstart,
            cancelled: false,
            modification_reason: None,
            spec,
        }
    }

    fn at(e: &DrEvent, secs: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(e.start as i64 + secs, 0).unwrap()
    }

    #[test]
    fn started_on_chain_is_a_new_modification_even_with_the_same_content() {
        let created = chain(ChainEventStatus::Created);
        let cur = stored(spec_for(&created));
        let active = chain(ChainEventStatus::Active);
        let p = plan(
            Some(&cur),
            &active,
            spec_for(&active),
            true,
            true,
            at(&active, 0),
        );
        assert_eq!(p, Plan::Modify(spec_for(&active)));
        // A replay of the same state changes nothing.
        let p = plan(
            Some(&cur),
            &active,
            spec_for(&active),
            false,
            true,
            at(&active, 0),
        );
        assert_eq!(p, Plan::Nothing);
    }

    #[test]
    fn ended_during_its_window_it_ends_now() {
        let ended = chain(ChainEventStatus::Ended);
        let cur = stored(spec_for(&chain(ChainEventStatus::Active)));
        let now = at(&ended, 600);
        let Plan::Modify(s) = plan(Some(&cur), &ended, spec_for(&ended), true, true, now) else {
            panic!("an early end must reach the VENs");
        };
        assert_eq!(s.end(), now);
        assert_eq!(s.signals[0].intervals[0].duration, s.duration);
        assert_eq!(
            s.status_at(false, now, adr_schema::Duration::minutes(15)),
            adr_schema::EventStatus::Completed
        );
    }

    #[test]
    fn ended_before_its_start_or_cancelled_it_is_cancelled() {
        let cur = stored(spec_for(&chain(ChainEventStatus::Created)));
        let ended = chain(ChainEventStatus::Ended);
        let p = plan(
            Some(&cur),
            &ended,
            spec_for(&ended),
            true,
            true,
            at(&ended, -60),
        );
        assert_eq!(p, Plan::Cancel);
        let cancelled = chain(ChainEventStatus::Cancelled);
        let p = plan(
            Some(&cur),
            &cancelled,
            spec_for(&cancelled),
            true,
            true,
            at(&cancelled, 10),
        );
        assert_eq!(p, Plan::Cancel);
        // Nothing is created for an event that is already over.
        assert_eq!(
            plan(
                None,
                &cancelled,
                spec_for(&cancelled),
                false,
                true,
                at(&cancelled, 10)
            ),
            Plan::Nothing
        );
    }

    #[test]
    fn ended_at_its_planned_end_is_still_a_new_modification() {
        let ended = chain(ChainEventStatus::Ended);
        let cur = stored(spec_for(&chain(ChainEventStatus::Active)));
        let now = at(&ended, 3600);
        assert_eq!(
            plan(Some(&cur), &ended, spec_for(&ended), true, true, now),
            Plan::Modify(spec_for(&ended))
        );
    }
}
