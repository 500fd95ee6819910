//! The one mapping from an on-chain DR event to OpenADR event content.
//!
//! | on chain (event-manager print) | OpenADR 2.0b |
//! |---|---|
//! | `event-id` N | `eventID` `chain-N` |
//! | contract id | `marketContext` `stacks:{contract-id}` |
//! | `start` (Unix s, UTC) | `dtstart` |
//! | `duration` (s) | `duration` `PT{duration}S` |
//! | `signal-level` 1/2/3 | one signal: `signalName` SIMPLE, `signalType` level, `signalID` SIMPLE, one interval (uid 0) covering the whole duration with `payloadFloat` = level |
//! | `target-reduction-kw`, `reward-pool`, `min-stake` | not signalled: the kW target is the program's aggregate, not a per-VEN capacity, so sending it as `x-loadControlCapacity` (a fraction of each device) would be wrong. It is written into `vtnComment` for people. |
//! | `status` "created" | `eventStatus` far, or near within [`MappingConfig::near_secs`] of `dtstart` (clock) |
//! | `status` "active" (`dr-event-started`) | active |
//! | `status` "ended" (`dr-event-ended`) | completed |
//! | `status` "cancelled" (`dr-event-cancelled`) | cancelled |
//! | each print that changes the chain status | `modificationNumber` + 1 (creation is 0); a repeated or older print changes nothing |
//! | commitments → devices → VENs | `eiTarget` venIDs (see [`crate::targets`]) |
//!
//! Clock-driven status changes (far → near) do not bump modificationNumber,
//! as in OpenADR 2.0b; they are re-sent to polling VENs by the VTN.

use adr_schema::{Duration, EventId, EventStatus, SignalName, SignalType, Timestamp};
use chrono::TimeZone;

use crate::clarity::ContractId;
use crate::error::{Error, Result};
use crate::events::{ChainEventStatus, DrEvent};

/// What the VTN stores per chain event between prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEventState {
    pub event: DrEvent,
    pub modification_number: u32,
}

fn rank(s: ChainEventStatus) -> u8 {
    match s {
        ChainEventStatus::Created => 0,
        ChainEventStatus::Active => 1,
        ChainEventStatus::Ended | ChainEventStatus::Cancelled => 2,
    }
}

/// Folds one event-manager print into the stored state. `None` means
/// "nothing to do": the print repeats or predates what is stored (a
/// replayed poll), so applying a print twice is harmless.
pub fn apply(prev: Option<&ChainEventState>, print: &DrEvent) -> Option<ChainEventState> {
    match prev {
        None => Some(ChainEventState {
            event: print.clone(),
            modification_number: 0,
        }),
        Some(p) if rank(print.status) > rank(p.event.status) => Some(ChainEventState {
            event: print.clone(),
            modification_number: p.modification_number + 1,
        }),
        Some(_) => None,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct MappingConfig {
    /// A created event is `near` from this many seconds before dtstart.
    pub near_secs: i64,
}

impl Default for MappingConfig {
    fn default() -> Self {
        MappingConfig { near_secs: 3600 }
    }
}

/// One OpenADR signal with a single interval spanning the event.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalContent {
    pub signal_name: SignalName,
    pub signal_type: SignalType,
    pub signal_id: String,
    pub interval_uid: String,
    pub interval_duration: Duration,
    pub value: f64,
}

/// The OpenADR event content for one chain event, ready for the VTN to wrap
/// in its envelope (ids, targets, createdDateTime, responseRequired).
#[derive(Debug, Clone, PartialEq)]
pub struct OadrEventContent {
    pub event_id: EventId,
    pub chain_event_id: u64,
    pub modification_number: u32,
    pub market_context: String,
    pub dtstart: Timestamp,
    pub duration: Duration,
    pub event_status: EventStatus,
    pub signals: Vec<SignalContent>,
    pub vtn_comment: String,
}

/// `chain-{event-id}`.
pub fn event_id(chain_event_id: u64) -> EventId {
    EventId::new(format!("chain-{chain_event_id}")).expect("a short ASCII id is valid")
}

/// `stacks:{contract-id}`.
pub fn market_context(event_manager: &ContractId) -> String {
    format!("stacks:{event_manager}")
}

/// OpenADR status of a chain event at `now` (Unix seconds).
pub fn status_at(e: &DrEvent, now: i64, cfg: &MappingConfig) -> EventStatus {
    match e.status {
        ChainEventStatus::Cancelled => EventStatus::Cancelled,
        ChainEventStatus::Ended => EventStatus::Completed,
        ChainEventStatus::Active => EventStatus::Active,
        ChainEventStatus::Created => {
            let start = i64::try_from(e.start).unwrap_or(i64::MAX);
            if now < start.saturating_sub(cfg.near_secs) {
                EventStatus::Far
            } else {
                EventStatus::Near
            }
        }
    }
}

/// The content for `state` at `now`.
pub fn to_oadr(
    state: &ChainEventState,
    event_manager: &ContractId,
    now: i64,
    cfg: &MappingConfig,
) -> Result<OadrEventContent> {
    let e = &state.event;
    let start = i64::try_from(e.start).map_err(|_| Error::Invalid("start out of range".into()))?;
    let dtstart = chrono::Utc
        .timestamp_opt(start, 0)
        .single()
        .ok_or_else(|| Error::Invalid(format!("start {start} is not a valid time")))?;
    let duration = Duration::from_secs(e.duration);
    Ok(OadrEventContent {
        event_id: event_id(e.event_id),
        chain_event_id: e.event_id,
        modification_number: state.modification_number,
        market_context: market_context(event_manager),
        dtstart,
        duration,
        event_status: status_at(e, now, cfg),
        signals: vec![SignalContent {
            signal_name: SignalName::Simple,
            signal_type: SignalType::Level,
            signal_id: "SIMPLE".into(),
            interval_uid: "0".into(),
            interval_duration: duration,
            value: e.signal_level as f64,
        }],
        vtn_comment: format!(
            "target-reduction-kw={} reward-pool={} min-stake={} operator={}",
            e.target_reduction_kw, e.reward_pool, e.min_stake, e.operator
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clarity::{Principal, StandardPrincipal};

    fn ev(status: ChainEventStatus) -> DrEvent {
        DrEvent {
            event_id: 7,
            operator: Principal::Standard(StandardPrincipal {
                version: 26,
                hash160: [1; 20],
            }),
            start: 1_767_261_600,
            duration: 3600,
            target_reduction_kw: 250,
            signal_level: 2,
            reward_pool: 90_000_000,
            status,
            penalty_rate: 50,
            verification_threshold: 80,
            reward_multiplier: 100,
            min_stake: 1_000_000,
            created_at: 19,
            ended_at: 0,
        }
    }

    #[test]
    fn lifecycle_and_idempotence() {
        let s0 = apply(None, &ev(ChainEventStatus::Created)).unwrap();
        assert_eq!(s0.modification_number, 0);
        assert_eq!(apply(Some(&s0), &ev(ChainEventStatus::Created)), None);
        let s1 = apply(Some(&s0), &ev(ChainEventStatus::Active)).unwrap();
        assert_eq!(s1.modification_number, 1);
        let s2 = apply(Some(&s1), &ev(ChainEventStatus::Ended)).unwrap();
        assert_eq!(s2.modification_number, 2);
        // Replaying older prints changes nothing.
        assert_eq!(apply(Some(&s2), &ev(ChainEventStatus::Active)), None);
        assert_eq!(apply(Some(&s2), &ev(ChainEventStatus::Created)), None);
        let c = apply(Some(&s0), &ev(ChainEventStatus::Cancelled)).unwrap();
        assert_eq!(c.modification_number, 1);
    }

    #[test]
    fn content() {
        let em =
            ContractId::parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.event-manager").unwrap();
        let s = apply(None, &ev(ChainEventStatus::Created)).unwrap();
        let cfg = MappingConfig::default();
        let far = to_oadr(&s, &em, 1_767_261_600 - 7200, &cfg).unwrap();
        assert_eq!(far.event_id.as_str(), "chain-7");
        assert_eq!(far.event_status, EventStatus::Far);
        assert_eq!(
            far.market_context,
            "stacks:ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.event-manager"
        );
        assert_eq!(far.dtstart.to_rfc3339(), "2026-01-01T10:00:00+00:00");
        assert_eq!(far.duration, Duration::from_secs(3600));
        assert_eq!(far.signals.len(), 1);
        assert_eq!(far.signals[0].value, 2.0);
        let near = to_oadr(&s, &em, 1_767_261_600 - 60, &cfg).unwrap();
        assert_eq!(near.event_status, EventStatus::Near);
        let done = apply(Some(&s), &ev(ChainEventStatus::Ended)).unwrap();
        assert_eq!(
            to_oadr(&done, &em, 0, &cfg).unwrap().event_status,
            EventStatus::Completed
        );
    }
}
