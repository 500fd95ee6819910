//! Watcher + mapping against the mock chain: each on-chain event becomes one
//! OpenADR event, modified as the chain says, across repeated polls and restarts.

use std::collections::BTreeMap;

use adr_chain::clarity::ContractId;
use adr_chain::events::DrPrint;
use adr_chain::mapping::{apply, to_oadr, ChainEventState, MappingConfig};
use adr_chain::mock::MockChain;
use adr_chain::watcher::{poll, Cursor, WatchConfig};
use adr_chain::Value;
use adr_schema::EventStatus;

fn fixture_prints() -> Vec<Value> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/fixtures/print-events.json");
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    entries
        .iter()
        .filter(|e| e["contract"] == "event-manager")
        .map(|e| Value::from_hex(e["hex"].as_str().unwrap()).unwrap())
        .collect()
}

/// What the VTN would hold: chain state per event, and how many times each
/// OpenADR event was written (created or modified).
#[derive(Default)]
struct Vtn {
    events: BTreeMap<u64, ChainEventState>,
    writes: BTreeMap<u64, u32>,
    cursor_json: String,
}

impl Vtn {
    async fn poll(&mut self, chain: &MockChain, em: &ContractId, cfg: &WatchConfig) {
        let cursor: Cursor = if self.cursor_json.is_empty() {
            Cursor::default()
        } else {
            serde_json::from_str(&self.cursor_json).unwrap()
        };
        let (logs, next) = poll(chain, em, &cursor, cfg).await.unwrap();
        for log in logs {
            if let Some(e) = DrPrint::from_value(&log.value).unwrap().dr_event() {
                if let Some(s) = apply(self.events.get(&e.event_id), e) {
                    *self.writes.entry(e.event_id).or_default() += 1;
                    self.events.insert(e.event_id, s);
                }
            }
        }
        // persisted with the changes, in one transaction
        self.cursor_json = serde_json::to_string(&next).unwrap();
    }
}

#[tokio::test]
async fn every_chain_event_becomes_one_openadr_event() {
    let em = ContractId::parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.event-manager").unwrap();
    let chain = MockChain::new();
    let cfg = WatchConfig {
        confirmations: 2,
        page_size: 2,
        max_scan: 1000,
    };
    let prints = fixture_prints();
    assert!(prints.len() >= 5);
    let mut vtn = Vtn::default();
    for (i, p) in prints.iter().enumerate() {
        chain.advance(1);
        chain.push_event(&em, p.clone());
        // Poll twice per block (repeated polls), and restart every third
        // time (a new VTN value with only the persisted state).
        vtn.poll(&chain, &em, &cfg).await;
        vtn.poll(&chain, &em, &cfg).await;
        if i % 3 == 0 {
            vtn = Vtn {
                events: vtn.events,
                writes: vtn.writes,
                cursor_json: vtn.cursor_json,
            };
        }
    }
    chain.advance(5);
    vtn.poll(&chain, &em, &cfg).await;
    vtn.poll(&chain, &em, &cfg).await;

    // Expected: per event id, one write per distinct status progression.
    let mut expected: BTreeMap<u64, ChainEventState> = BTreeMap::new();
    let mut expected_writes: BTreeMap<u64, u32> = BTreeMap::new();
    for p in &prints {
        if let Some(e) = DrPrint::from_value(p).unwrap().dr_event() {
            if let Some(s) = apply(expected.get(&e.event_id), e) {
                *expected_writes.entry(e.event_id).or_default() += 1;
                expected.insert(e.event_id, s);
            }
        }
    }
    assert_eq!(vtn.events, expected);
    assert_eq!(vtn.writes, expected_writes);
    for (id, s) in &vtn.events {
        assert_eq!(s.modification_number + 1, vtn.writes[id]);
        let c = to_oadr(s, &em, 0, &MappingConfig::default()).unwrap();
        assert_eq!(c.event_id.as_str(), format!("chain-{id}"));
        assert!(matches!(
            c.event_status,
            EventStatus::Completed
                | EventStatus::Cancelled
                | EventStatus::Far
                | EventStatus::Active
        ));
    }
}
