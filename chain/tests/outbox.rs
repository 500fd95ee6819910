//! The oracle outbox against the mock chain: exactly once through crashes,
//! lost answers, outages and stolen nonces.

use std::collections::BTreeSet;

use adr_chain::clarity::{ContractId, Principal, StandardPrincipal, Value};
use adr_chain::client::{AccountNonces, ChainClient, TxStatus};
use adr_chain::mock::{MockChain, Outcome};
use adr_chain::oracle::{batch_call, batches, OracleEntry};
use adr_chain::outbox::{
    allocate_nonce, on_status, run_once, Decision, MemoryStore, OutboxConfig, OutboxItem,
    OutboxState, OutboxStore, Signer,
};
use adr_chain::{Error, Network, PostConditionMode, SenderKey, TxId};

const KEY: &str = "753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a601";

fn signer() -> Signer {
    Signer {
        key: SenderKey::from_hex(KEY).unwrap(),
        network: Network::Testnet,
        fee: 2000,
        post_condition_mode: PostConditionMode::Deny,
    }
}

fn data_oracle() -> ContractId {
    ContractId::parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.data-oracle").unwrap()
}

/// `n` entries for event 1 → ceil(n / 100) outbox items.
fn store_with(n: u32) -> MemoryStore {
    let entries = (0..n)
        .map(|i| OracleEntry {
            event_id: 1,
            user: Principal::Standard(StandardPrincipal {
                version: 26,
                hash160: {
                    let mut h = [0u8; 20];
                    h[..4].copy_from_slice(&i.to_be_bytes());
                    h
                },
            }),
            baseline_wh: 1000 + u128::from(i),
            actual_wh: 800,
            data_hash: [7; 32],
        })
        .collect();
    let mut store = MemoryStore::default();
    for (i, b) in batches(entries).unwrap().iter().enumerate() {
        store
            .save(&OutboxItem::new(
                format!("event-1/batch-{i}"),
                batch_call(&data_oracle(), b).unwrap(),
            ))
            .unwrap();
    }
    store
}

fn confirmed(store: &MemoryStore) -> Vec<TxId> {
    store
        .items
        .values()
        .filter_map(|i| match &i.state {
            OutboxState::Confirmed { txid, .. } => Some(*txid),
            _ => None,
        })
        .collect()
}

/// Every confirmed txid was mined, and nothing else was.
fn assert_exactly_once(chain: &MockChain, store: &MemoryStore, items: usize) {
    let ok = confirmed(store);
    assert_eq!(ok.len(), items, "{:?}", store.items);
    let mined = chain.mined();
    assert_eq!(mined.len(), items, "mined {mined:?}");
    for t in ok {
        assert!(matches!(mined.get(&t), Some(TxStatus::Success { .. })));
    }
}

/// A store whose `save` fails from the `fail_at`-th call on: a crash.
struct CrashingStore<'a> {
    inner: &'a mut MemoryStore,
    saves: usize,
    fail_at: usize,
}

#[async_trait::async_trait]
impl OutboxStore for CrashingStore<'_> {
    async fn open_items(&self) -> adr_chain::Result<Vec<OutboxItem>> {
        self.inner.open_items()
    }
    async fn save(&mut self, item: &OutboxItem) -> adr_chain::Result<()> {
        self.saves += 1;
        if self.saves >= self.fail_at {
            return Err(Error::Invalid("crash".into()));
        }
        self.inner.save(item)
    }
}

#[tokio::test]
async fn drains_in_as_few_transactions_as_the_contract_allows() {
    let chain = MockChain::new();
    let mut store = store_with(250);
    let cfg = OutboxConfig::default();
    let r = run_once(&chain, &mut store, &signer(), 0, &cfg)
        .await
        .unwrap();
    assert_eq!((r.signed, r.sent, r.open), (3, 3, 3));
    chain.mine_block();
    let r = run_once(&chain, &mut store, &signer(), 10, &cfg)
        .await
        .unwrap();
    assert_eq!((r.confirmed, r.sent), (3, 0));
    assert_exactly_once(&chain, &store, 3);
    // Nonces 0, 1, 2 were used.
    assert_eq!(
        chain
            .nonces(&signer().principal())
            .await
            .unwrap()
            .confirmed_next,
        3
    );
    // Nothing left to do.
    assert_eq!(
        run_once(&chain, &mut store, &signer(), 20, &cfg)
            .await
            .unwrap(),
        Default::default()
    );
}

#[tokio::test]
async fn crash_between_broadcast_and_confirmation_is_recognised_on_restart() {
    for mined_before_restart in [false, true] {
        let chain = MockChain::new();
        let mut store = store_with(10);
        let cfg = OutboxConfig::default();
        {
            // Save 1 (signed bytes) succeeds, the broadcast goes out, save 2
            // (its answer) "crashes".
            let mut crashing = CrashingStore {
                inner: &mut store,
                saves: 0,
                fail_at: 2,
            };
            assert!(run_once(&chain, &mut crashing, &signer(), 0, &cfg)
                .await
                .is_err());
        }
        assert_eq!(chain.broadcast_count(), 1);
        assert!(matches!(
            store.items.values().next().unwrap().state,
            OutboxState::Broadcast {
                last_sent_at: None,
                ..
            }
        ));
        if mined_before_restart {
            chain.mine_block();
        }
        // Restart: the txid is checked first and the tx is not sent again.
        let r = run_once(&chain, &mut store, &signer(), 5, &cfg)
            .await
            .unwrap();
        assert_eq!(r.sent, 0);
        chain.mine_block();
        run_once(&chain, &mut store, &signer(), 10, &cfg)
            .await
            .unwrap();
        assert_eq!(chain.broadcast_count(), 1);
        assert_exactly_once(&chain, &store, 1);
    }
}

#[tokio::test]
async fn a_lost_answer_does_not_cause_a_second_transaction() {
    let chain = MockChain::new();
    let mut store = store_with(10);
    let cfg = OutboxConfig::default();
    chain.lose_responses(1); // delivered, but the client sees a timeout
    run_once(&chain, &mut store, &signer(), 0, &cfg)
        .await
        .unwrap();
    for t in [30, 300, 600] {
        run_once(&chain, &mut store, &signer(), t, &cfg)
            .await
            .unwrap();
    }
    assert_eq!(
        chain.broadcast_count(),
        1,
        "pending in the mempool: no resend"
    );
    chain.mine_block();
    run_once(&chain, &mut store, &signer(), 700, &cfg)
        .await
        .unwrap();
    assert_exactly_once(&chain, &store, 1);
}

#[tokio::test]
async fn node_down_for_a_while_then_the_outbox_drains_without_duplicates() {
    let chain = MockChain::new();
    let mut store = store_with(350); // 4 batches
    let cfg = OutboxConfig::default();
    chain.set_down(true);
    for t in 0..5 {
        let e = run_once(&chain, &mut store, &signer(), t * 60, &cfg)
            .await
            .unwrap_err();
        assert!(e.is_transient());
    }
    // Up for the nonce and tip, then broadcasts fail twice.
    chain.set_down(false);
    chain.fail_next("broadcast", 2);
    run_once(&chain, &mut store, &signer(), 400, &cfg)
        .await
        .unwrap();
    assert_eq!(chain.mempool_len(), 2);
    // Down again while blocks are mined.
    chain.set_down(true);
    chain.mine_block();
    assert!(run_once(&chain, &mut store, &signer(), 500, &cfg)
        .await
        .is_err());
    chain.set_down(false);
    // Recovery: the two unsent are re-sent (same bytes) after the timeout.
    for t in [530, 700, 710, 900] {
        run_once(&chain, &mut store, &signer(), t, &cfg)
            .await
            .unwrap();
        chain.mine_block();
    }
    run_once(&chain, &mut store, &signer(), 1000, &cfg)
        .await
        .unwrap();
    assert_exactly_once(&chain, &store, 4);
    assert!(store.items.values().all(|i| i.rebuilds == 0));
}

#[tokio::test]
async fn a_swallowed_transaction_is_rebroadcast_with_the_same_bytes() {
    let chain = MockChain::new();
    let mut store = store_with(1);
    let cfg = OutboxConfig::default();
    chain.swallow(1);
    run_once(&chain, &mut store, &signer(), 0, &cfg)
        .await
        .unwrap();
    let OutboxState::Broadcast { tx, .. } = store.items.values().next().unwrap().state.clone()
    else {
        panic!()
    };
    run_once(&chain, &mut store, &signer(), 60, &cfg)
        .await
        .unwrap();
    assert_eq!(chain.broadcast_count(), 1, "not before rebroadcast_after");
    run_once(&chain, &mut store, &signer(), 200, &cfg)
        .await
        .unwrap();
    assert_eq!(chain.broadcast_count(), 2);
    chain.mine_block();
    run_once(&chain, &mut store, &signer(), 210, &cfg)
        .await
        .unwrap();
    assert_exactly_once(&chain, &store, 1);
    assert_eq!(confirmed(&store), vec![tx.txid]);
}

#[tokio::test]
async fn a_contract_refusal_is_final() {
    let chain = MockChain::new();
    let mut store = store_with(1);
    let cfg = OutboxConfig::default();
    chain.script_outcomes([Outcome::Abort(Value::err(Value::UInt(505)))]);
    run_once(&chain, &mut store, &signer(), 0, &cfg)
        .await
        .unwrap();
    chain.mine_block();
    let r = run_once(&chain, &mut store, &signer(), 10, &cfg)
        .await
        .unwrap();
    assert_eq!(r.failed, 1);
    let item = store.items.values().next().unwrap();
    assert!(
        matches!(&item.state, OutboxState::Failed { reason, .. } if reason.contains("u505")),
        "{item:?}"
    );
    run_once(&chain, &mut store, &signer(), 20, &cfg)
        .await
        .unwrap();
    assert_eq!(chain.broadcast_count(), 1);
}

#[tokio::test]
async fn a_nonce_used_elsewhere_leads_to_one_rebuild_after_the_grace() {
    let chain = MockChain::new();
    let mut store = store_with(1);
    let cfg = OutboxConfig::default();
    run_once(&chain, &mut store, &signer(), 0, &cfg)
        .await
        .unwrap();
    let OutboxState::Broadcast { tx, .. } = store.items.values().next().unwrap().state.clone()
    else {
        panic!()
    };
    // Another wallet with the same key used nonce 0; ours is dropped.
    chain.drop_tx(&tx.txid, "dropped_replace_by_fee");
    chain.set_nonce(signer().key.principal(Network::Testnet), 1);
    run_once(&chain, &mut store, &signer(), 10, &cfg)
        .await
        .unwrap();
    assert_eq!(chain.broadcast_count(), 1, "waits out the grace period");
    run_once(
        &chain,
        &mut store,
        &signer(),
        10 + cfg.nonce_gone_grace,
        &cfg,
    )
    .await
    .unwrap();
    assert_eq!(chain.broadcast_count(), 2);
    chain.mine_block();
    run_once(&chain, &mut store, &signer(), 700, &cfg)
        .await
        .unwrap();
    assert_exactly_once(&chain, &store, 1);
    assert_eq!(store.items.values().next().unwrap().rebuilds, 1);
}

#[test]
fn post_condition_abort_rebuilds_and_nonce_allocation_fills_gaps() {
    let mut item = OutboxItem::new(
        "k",
        batch_call(
            &data_oracle(),
            &[OracleEntry {
                event_id: 1,
                user: signer().principal(),
                baseline_wh: 1,
                actual_wh: 1,
                data_hash: [0; 32],
            }],
        )
        .unwrap(),
    );
    let tx = signer().sign(&item.call, 4).unwrap();
    adr_chain::outbox::on_signed(&mut item, tx, 0);
    let aborted = TxStatus::Aborted {
        block_height: Some(3),
        reason: "abort_by_post_condition".into(),
        result: None,
    };
    let d = on_status(
        &mut item,
        &aborted,
        &AccountNonces::default(),
        3,
        1,
        &OutboxConfig::default(),
    );
    assert_eq!(d, Decision::Rebuild);
    assert!(matches!(item.state, OutboxState::Pending { .. }));

    let n = AccountNonces {
        confirmed_next: 3,
        possible_next: 6,
        missing: vec![4],
    };
    assert_eq!(allocate_nonce(&n, &BTreeSet::new()), 4);
    assert_eq!(allocate_nonce(&n, &BTreeSet::from([4])), 6);
    assert_eq!(allocate_nonce(&n, &BTreeSet::from([4, 6, 7])), 8);
    // Items survive a JSON round trip (the VTN stores them as JSON).
    let json = serde_json::to_string(&item).unwrap();
    assert_eq!(serde_json::from_str::<OutboxItem>(&json).unwrap(), item);
}
