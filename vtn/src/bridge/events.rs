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
use vtn_core::events::{EventSpec, IntervalSpec, SignalSpec, TargetSpec};
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
            ven_ids: vens.iter().cloned().collect(),
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
    let cancelled = state.event.status == ChainEventStatus::Cancelled;
    st.act(move |c, env, fx| {
        let row = bstore::get_event(c, chain_id)?;
        let mut vtn_id = row.as_ref().and_then(|r| r.vtn_event_id.clone());
        let spec = spec_of(&content, &vens);
        match (&vtn_id, cancelled) {
            // Nothing to tell anyone yet: no VEN is concerned.
            (None, _) if vens.is_empty() => {}
            (None, true) => {}
            (None, false) => {
                let ev = core::decide(c, env, None, fx, |v, ctx| {
                    operator::create_event(v, ctx, Some(content.event_id.to_string()), spec)
                })?;
                vtn_id = Some(ev.event_id);
            }
            (Some(id), true) => {
                let live = store::get_event(c, id)?.is_some_and(|r| !r.event.cancelled);
                if live {
                    core::decide(c, env, None, fx, |v, ctx| {
                        operator::modify_event(v, ctx, id, |_| Ok(()), Some(reason.into()), true)
                    })?;
                }
            }
            (Some(id), false) => {
                let current = store::get_event(c, id)?.map(|r| r.event.spec);
                if current.as_ref() != Some(&spec) {
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
