//! Typed print events of the DR program (contracts/README.md, "Print events").
//!
//! [`DrPrint::from_value`] reads the tuple a contract printed. A tuple whose
//! `event` name we do not type (token, governance, ownership prints, or a
//! future one) is [`DrPrint::Unknown`], not an error; a known name with a
//! missing or mistyped field is an error ([`Error::Field`]), because it means
//! the contract and this bridge disagree.

use std::collections::BTreeMap;

use crate::clarity::{Principal, Value};
use crate::error::{Error, Result};

/// An event-manager event's `status` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainEventStatus {
    Created,
    Active,
    Ended,
    Cancelled,
}

/// The whole event record that every event-manager print carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrEvent {
    pub event_id: u64,
    pub operator: Principal,
    /// Unix seconds, UTC (OpenADR dtstart).
    pub start: u64,
    /// Seconds, 1..=86400.
    pub duration: u64,
    pub target_reduction_kw: u128,
    /// OpenADR SIMPLE level: 1 moderate, 2 high, 3 special.
    pub signal_level: u128,
    /// DRT base units.
    pub reward_pool: u128,
    pub status: ChainEventStatus,
    pub penalty_rate: u128,
    pub verification_threshold: u128,
    pub reward_multiplier: u128,
    pub min_stake: u128,
    /// Stacks block height.
    pub created_at: u64,
    /// Stacks block height, 0 until ended.
    pub ended_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrCommitment {
    pub event_id: u64,
    pub user: Principal,
    pub reduction_pct: u128,
    pub stake: u128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrDevice {
    pub user: Principal,
    pub device_hash: [u8; 32],
    /// The user's device count after the change.
    pub device_count: u128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrReading {
    pub event_id: u64,
    pub user: Principal,
    pub oracle: Principal,
    pub baseline_wh: u128,
    pub actual_wh: u128,
    pub data_hash: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrVerification {
    pub event_id: u64,
    pub user: Principal,
    pub has_reading: bool,
    pub baseline_wh: u128,
    pub actual_wh: u128,
    pub reduction_wh: u128,
    pub achieved_pct: u128,
    pub committed_pct: u128,
    pub verification_threshold: u128,
    pub compliant: bool,
    pub score: u128,
    pub verified_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrSettlement {
    pub event_id: u64,
    pub user: Principal,
    /// "claimed", "slashed" or "refunded".
    pub outcome: String,
    pub stake: u128,
    pub stake_returned: u128,
    pub reward: u128,
    pub bonus: u128,
    pub penalty: u128,
    pub settled_at: u64,
}

/// One print of the DR program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrPrint {
    EventCreated(DrEvent),
    EventStarted(DrEvent),
    EventEnded(DrEvent),
    EventCancelled(DrEvent),
    Commitment(DrCommitment),
    UserRegistered {
        user: Principal,
    },
    DeviceLinked(DrDevice),
    DeviceUnlinked(DrDevice),
    Reading(DrReading),
    Verification(DrVerification),
    /// `dr-reward-claimed`, `dr-stake-slashed`, `dr-stake-refunded`.
    Settlement(DrSettlement),
    PoolReclaimed {
        event_id: u64,
        operator: Principal,
        amount: u128,
    },
    OracleSet {
        oracle: Principal,
        enabled: bool,
    },
    OperatorSet {
        operator: Principal,
        enabled: bool,
    },
    /// A tuple with an `event` name we do not type.
    Unknown {
        name: String,
    },
    /// A print that is not a tuple with an `event` string (e.g. a SIP-010
    /// transfer memo).
    NotAnEvent,
}

struct Fields<'a> {
    event: &'a str,
    map: &'a BTreeMap<String, Value>,
}

impl<'a> Fields<'a> {
    fn err(&self, field: &str, reason: &str) -> Error {
        Error::Field {
            event: self.event.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }
    fn get(&self, f: &str) -> Result<&'a Value> {
        self.map.get(f).ok_or_else(|| self.err(f, "missing"))
    }
    fn uint(&self, f: &str) -> Result<u128> {
        self.get(f)?
            .as_uint()
            .ok_or_else(|| self.err(f, "expected uint"))
    }
    fn u64(&self, f: &str) -> Result<u64> {
        u64::try_from(self.uint(f)?).map_err(|_| self.err(f, "does not fit u64"))
    }
    fn bool(&self, f: &str) -> Result<bool> {
        self.get(f)?
            .as_bool()
            .ok_or_else(|| self.err(f, "expected bool"))
    }
    fn ascii(&self, f: &str) -> Result<&'a str> {
        self.get(f)?
            .as_ascii()
            .ok_or_else(|| self.err(f, "expected string-ascii"))
    }
    fn principal(&self, f: &str) -> Result<Principal> {
        self.get(f)?
            .as_principal()
            .cloned()
            .ok_or_else(|| self.err(f, "expected principal"))
    }
    fn buff32(&self, f: &str) -> Result<[u8; 32]> {
        self.get(f)?
            .as_buffer()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| self.err(f, "expected (buff 32)"))
    }

    fn dr_event(&self) -> Result<DrEvent> {
        let status = match self.ascii("status")? {
            "created" => ChainEventStatus::Created,
            "active" => ChainEventStatus::Active,
            "ended" => ChainEventStatus::Ended,
            "cancelled" => ChainEventStatus::Cancelled,
            _ => return Err(self.err("status", "unknown status")),
        };
        Ok(DrEvent {
            event_id: self.u64("event-id")?,
            operator: self.principal("operator")?,
            start: self.u64("start")?,
            duration: self.u64("duration")?,
            target_reduction_kw: self.uint("target-reduction-kw")?,
            signal_level: self.uint("signal-level")?,
            reward_pool: self.uint("reward-pool")?,
            status,
            penalty_rate: self.uint("penalty-rate")?,
            verification_threshold: self.uint("verification-threshold")?,
            reward_multiplier: self.uint("reward-multiplier")?,
            min_stake: self.uint("min-stake")?,
            created_at: self.u64("created-at")?,
            ended_at: self.u64("ended-at")?,
        })
    }

    fn device(&self) -> Result<DrDevice> {
        Ok(DrDevice {
            user: self.principal("user")?,
            device_hash: self.buff32("device-hash")?,
            device_count: self.uint("device-count")?,
        })
    }

    fn settlement(&self) -> Result<DrSettlement> {
        Ok(DrSettlement {
            event_id: self.u64("event-id")?,
            user: self.principal("user")?,
            outcome: self.ascii("outcome")?.to_owned(),
            stake: self.uint("stake")?,
            stake_returned: self.uint("stake-returned")?,
            reward: self.uint("reward")?,
            bonus: self.uint("bonus")?,
            penalty: self.uint("penalty")?,
            settled_at: self.u64("settled-at")?,
        })
    }
}

impl DrPrint {
    /// Decodes a print from its consensus hex (`contract_log.value.hex`).
    pub fn from_hex(hex: &str) -> Result<Self> {
        Self::from_value(&Value::from_hex(hex)?)
    }

    /// Types a printed value.
    pub fn from_value(v: &Value) -> Result<Self> {
        let Some(map) = v.as_tuple() else {
            return Ok(DrPrint::NotAnEvent);
        };
        let Some(event) = map.get("event").and_then(Value::as_ascii) else {
            return Ok(DrPrint::NotAnEvent);
        };
        let f = Fields { event, map };
        Ok(match event {
            "dr-event-created" => DrPrint::EventCreated(f.dr_event()?),
            "dr-event-started" => DrPrint::EventStarted(f.dr_event()?),
            "dr-event-ended" => DrPrint::EventEnded(f.dr_event()?),
            "dr-event-cancelled" => DrPrint::EventCancelled(f.dr_event()?),
            "dr-commitment" => DrPrint::Commitment(DrCommitment {
                event_id: f.u64("event-id")?,
                user: f.principal("user")?,
                reduction_pct: f.uint("reduction-pct")?,
                stake: f.uint("stake")?,
            }),
            "dr-user-registered" => DrPrint::UserRegistered {
                user: f.principal("user")?,
            },
            "dr-device-linked" => DrPrint::DeviceLinked(f.device()?),
            "dr-device-unlinked" => DrPrint::DeviceUnlinked(f.device()?),
            "dr-reading" => DrPrint::Reading(DrReading {
                event_id: f.u64("event-id")?,
                user: f.principal("user")?,
                oracle: f.principal("oracle")?,
                baseline_wh: f.uint("baseline-wh")?,
                actual_wh: f.uint("actual-wh")?,
                data_hash: f.buff32("data-hash")?,
            }),
            "dr-verification" => DrPrint::Verification(DrVerification {
                event_id: f.u64("event-id")?,
                user: f.principal("user")?,
                has_reading: f.bool("has-reading")?,
                baseline_wh: f.uint("baseline-wh")?,
                actual_wh: f.uint("actual-wh")?,
                reduction_wh: f.uint("reduction-wh")?,
                achieved_pct: f.uint("achieved-pct")?,
                committed_pct: f.uint("committed-pct")?,
                verification_threshold: f.uint("verification-threshold")?,
                compliant: f.bool("compliant")?,
                score: f.uint("score")?,
                verified_at: f.u64("verified-at")?,
            }),
            "dr-reward-claimed" | "dr-stake-slashed" | "dr-stake-refunded" => {
                DrPrint::Settlement(f.settlement()?)
            }
            "dr-pool-reclaimed" => DrPrint::PoolReclaimed {
                event_id: f.u64("event-id")?,
                operator: f.principal("operator")?,
                amount: f.uint("amount")?,
            },
            "dr-oracle-set" => DrPrint::OracleSet {
                oracle: f.principal("oracle")?,
                enabled: f.bool("enabled")?,
            },
            "dr-operator-set" => DrPrint::OperatorSet {
                operator: f.principal("operator")?,
                enabled: f.bool("enabled")?,
            },
            other => DrPrint::Unknown {
                name: other.to_owned(),
            },
        })
    }

    /// The event-manager record, for the four event-manager prints.
    pub fn dr_event(&self) -> Option<&DrEvent> {
        match self {
            DrPrint::EventCreated(e)
            | DrPrint::EventStarted(e)
            | DrPrint::EventEnded(e)
            | DrPrint::EventCancelled(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_non_events() {
        let v = Value::tuple([("event", Value::ascii("dr-something-new"))]);
        assert_eq!(
            DrPrint::from_value(&v).unwrap(),
            DrPrint::Unknown {
                name: "dr-something-new".into()
            }
        );
        assert_eq!(
            DrPrint::from_value(&Value::Buffer(vec![1])).unwrap(),
            DrPrint::NotAnEvent
        );
    }

    #[test]
    fn known_event_with_bad_field_is_an_error() {
        let v = Value::tuple([
            ("event", Value::ascii("dr-commitment")),
            ("event-id", Value::Bool(true)),
        ]);
        assert!(matches!(DrPrint::from_value(&v), Err(Error::Field { .. })));
    }
}
